//! What memscope says of itself: of Rust in `kernel_info`, and of its
//! cells to JupyterLab's debugger.

use memscope_kernel::debug::DebuggerInfo;
use memscope_kernel::interpreter::KernelIdentity;

/// The names JupyterLab's debugger gives cells (Murmur2 of the code with
/// this seed, "mscp"), and why memscope's debugger cannot stop.
pub fn debugger_info() -> DebuggerInfo {
    DebuggerInfo {
        hash_seed: 0x6d73_6370,
        tmp_file_prefix: "/memscope/cell-".to_owned(),
        tmp_file_suffix: ".rs".to_owned(),
        cannot_stop: "memscope cannot stop in compiled cells: its debugger only shows variables"
            .to_owned(),
    }
}

/// memscope's identity, with the version of the Rust compiler cells are
/// built with (`1.95.0`).
pub fn rust_identity(rustc_version: &str) -> KernelIdentity {
    let version = env!("CARGO_PKG_VERSION");
    let link = |text: &str, url: &str| (text.to_owned(), url.to_owned());
    KernelIdentity {
        implementation: "memscope".to_owned(),
        implementation_version: version.to_owned(),
        language: "rust".to_owned(),
        language_version: rustc_version.to_owned(),
        mimetype: "text/x-rustsrc".to_owned(),
        file_extension: ".rs".to_owned(),
        pygments_lexer: "rust".to_owned(),
        codemirror_mode: "rust".to_owned(),
        banner: format!(
            "memscope {version} - Rust {rustc_version} through evcxr.\n\
             Cells are Rust statements and items; a trailing expression is shown as the result.\n\
             :help lists the commands."
        ),
        help_links: vec![
            link(
                "The Rust Programming Language",
                "https://doc.rust-lang.org/book/",
            ),
            link("Rust standard library", "https://doc.rust-lang.org/std/"),
            link("ndarray", "https://docs.rs/ndarray/"),
        ],
    }
}
