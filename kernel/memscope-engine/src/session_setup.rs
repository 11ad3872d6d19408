//! The code and files every session starts with: the cargo profile of the
//! build folders, the session's set-up cell, what a fresh cell process
//! runs first, and the warm-up of rust-analyzer.
//!
//! Invariant: this is the only place that names the prelude's items as
//! text (`memscope_prelude::__kernel::...`); they change together.

use std::path::Path;

use memscope_cell_abi::process::REPORT_SYMBOL;

use crate::cell_lines::header;

/// Cargo reads this file for every build under the build folders (it looks
/// in the parent folders of the crate it builds): dependencies of cells
/// (ndarray, the prelude) are compiled once, fully optimised, while the
/// cell itself is compiled at evcxr's `:opt` level, which the session
/// starts at 0 (fast compiles; `:opt 2` in a cell turns optimisation back
/// on). The prelude is compiled at opt-level 1: below 2, rustc exports the
/// generic instances a crate compiles and a cell at opt-level 0 reuses
/// them, so the API the prelude compiles once for the common element types
/// (`__kernel::instances`) is not compiled again by every cell that calls
/// it (0.5-0.7 s compiles of tutorial cells became 0.25 s).
const DEPENDENCY_PROFILE: &str = "\
# Written by memscope: cells' dependencies are built once, optimised; the
# prelude at opt-level 1, so that cells reuse its compiled generic code.
[profile.dev.package.\"*\"]
opt-level = 3
[profile.dev.package.memscope-prelude]
opt-level = 1
";

/// Writes [`DEPENDENCY_PROFILE`] as `builds/.cargo/config.toml`, unless it
/// is there already.
pub fn write_dependency_profile(builds: &Path) -> std::io::Result<()> {
    let folder = builds.join(".cargo");
    let file = folder.join("config.toml");
    if std::fs::read_to_string(&file).ok().as_deref() != Some(DEPENDENCY_PROFILE) {
        std::fs::create_dir_all(&folder)?;
        std::fs::write(&file, DEPENDENCY_PROFILE)?;
    }
    Ok(())
}

/// The module of the prelude that keeps the cells' variables (evcxr's
/// store, compiled once with the prelude; see `set_variable_store_module`).
pub const VARIABLE_STORE_MODULE: &str = "memscope_prelude::__kernel::variable_store";

/// The session's first code: link the prelude, import it, and set up the
/// cell process. cargo runs offline for it when `offline`: the prelude and
/// its dependencies were fetched at install time, and a kernel must not
/// reach for the network on its own (`:dep` in a cell is the user's call,
/// so offline mode ends with the set-up).
pub fn session_setup(prelude_dir: &Path, offline: bool) -> String {
    format!(
        ":opt 0\n\
         :offline {}\n\
         :dep memscope-prelude = {{ path = {:?} }}\n\
         use memscope_prelude::*;\n\
         use memscope_prelude::__kernel::result_display::ShowWithDebug as _;\n\
         {}",
        u8::from(offline),
        prelude_dir.display().to_string(),
        process_setup()
    )
}

/// What every new cell process runs once: route panics to the kernel, and
/// export the memory report from this cell's library only. The export is
/// declared in a block in the cell's body, so that evcxr does not compile
/// it into later cells (it re-emits a cell's top-level items, not its
/// statements).
pub fn process_setup() -> String {
    format!(
        "{{\n\
         #[unsafe(no_mangle)]\n\
         unsafe extern \"C\" fn {REPORT_SYMBOL}(store: *const ::std::ffi::c_void) {{\n\
         // SAFETY: the cell process passes the cells' store (or null) between cells.\n\
         unsafe {{ memscope_prelude::__kernel::report::report(store) }}\n\
         }}\n\
         }}\n\
         memscope_prelude::__kernel::panic_hook::install();"
    )
}

/// Hands the display of final values back to evcxr's own formatting (see
/// `memscope_prelude::__kernel::result_display`).
/// How a cell names the types of the prelude's crates, given the paths
/// where they are defined (`std::any::type_name`'s): the names the
/// prelude's glob import brings into scope bare, the rest of ndarray by
/// its root, where it re-exports its types (`ndarray` is in scope through
/// the same import). What these miss, the compiler's suggestion repairs.
pub fn type_path_rules() -> Vec<evcxr::TypePathRule> {
    let rules = [
        ("memscope_prelude::nparray::NpArray", "NpArray"),
        ("ndarray::ArrayBase", "ArrayBase"),
        ("ndarray::dimension::dim::Dim", "Dim"),
        ("ndarray::dimension::axis::Axis", "Axis"),
        ("ndarray::*", "ndarray"),
    ];
    rules
        .iter()
        .map(|(from, to)| evcxr::TypePathRule::new(from, to))
        .collect()
}

pub const DEFER_TO_FORMAT: &str =
    "use memscope_prelude::__kernel::result_display::DeferToFormat as _;";

/// Whether a cell sets evcxr's result format (`:fmt`, `:types`), which the
/// one-compile display of final values does not follow.
pub fn changes_result_format(code: &str) -> bool {
    let header = header(code);
    header.has_command(":fmt") || header.has_command(":types")
}

/// Code whose variables' types make rust-analyzer parse, resolve and infer
/// what typical cells need (the standard library's and ndarray's item maps,
/// the prelude's imports, constructors, arithmetic, reductions, slicing,
/// iterators, NpArray), so the first cell only pays for its own types. It
/// is analysed, never run.
pub const WARM_UP_CODE: &str = "\
let a = Array1::<f64>::linspace(0.0, 1.0, 11);
let b = Array2::<f64>::zeros((2, 2)).t().to_owned() + 1.0;
let c = (&b * 2.0).sum() + a.mean().unwrap_or(0.0) + b.dot(&b).sum();
let d = b.slice(s![.., 0]).mapv(|x| x * 2.0);
let e = b.row(0).iter().map(|x| x + c).collect::<Vec<f64>>();
let f = np::arange(0, 4, 1).reshape(&[2, 2]).t();
let g = np::copy(&f, np::Order::C);";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_format_commands_are_found_on_any_line() {
        assert!(changes_result_format(":fmt {:#?}"));
        assert!(changes_result_format("// first\n  :types\na"));
        assert!(
            !changes_result_format("let a = 1;\n:types\na"),
            "Rust by then"
        );
        assert!(changes_result_format(":fmt"));
        assert!(!changes_result_format(":format_check"));
        assert!(!changes_result_format("let fmt = 1; // :fmt"));
        assert!(!changes_result_format(":opt 2\n1 + 1"));
    }

    #[test]
    fn the_process_setup_exports_the_report_under_its_symbol() {
        let setup = process_setup();
        assert!(setup.starts_with('{'), "a block, not a top-level item");
        assert!(setup.contains(&format!("unsafe extern \"C\" fn {REPORT_SYMBOL}(")));
        assert!(session_setup(Path::new("/p"), true).ends_with(&setup));
    }
}
