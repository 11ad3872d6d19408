//! Hygiene checks over the whole repository (see the crate's docs): file
//! docs, ARCHITECTURE.md's code map against the crates, unused
//! dependencies.

use std::collections::BTreeSet;
use std::path::Path;

use memscope_tidy::{declared_dependencies, repository_root, rust_files};
use ra_ap_syntax::{Edition, SourceFile, SyntaxKind};

/// The crates of the workspace: every folder of `kernel/`.
fn crates(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("kernel"))
        .expect("kernel/ exists")
        .flatten()
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_rust_file_opens_with_a_doc_comment() {
    let root = repository_root();
    let undocumented: Vec<String> = rust_files(&root.join("kernel"))
        .into_iter()
        .filter(|path| !path.components().any(|c| c.as_os_str() == "target"))
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|path| path.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    assert!(
        undocumented.is_empty(),
        "these files do not open with a //! comment saying what they are for: {undocumented:#?}"
    );
}

/// The code map's sections: `### \`kernel/<crate>\` — ...`, each with the
/// text under it.
fn code_map(architecture: &str) -> Vec<(String, String)> {
    let mut sections = Vec::new();
    for part in architecture.split("\n### `kernel/").skip(1) {
        let (name, rest) = part.split_once('`').expect("a closing backquote");
        let body = rest.split("\n## ").next().unwrap_or(rest);
        sections.push((name.to_owned(), body.to_owned()));
    }
    sections
}

#[test]
fn the_code_map_names_every_crate_and_nothing_else() {
    let root = repository_root();
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mapped: BTreeSet<String> = code_map(&architecture)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let existing: BTreeSet<String> = crates(&root).into_iter().collect();
    assert_eq!(
        mapped, existing,
        "ARCHITECTURE.md's code map must have one section per crate of kernel/"
    );
}

#[test]
fn every_module_the_code_map_names_exists() {
    let root = repository_root();
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut missing = Vec::new();
    for (krate, body) in code_map(&architecture) {
        let files: Vec<String> = rust_files(&root.join("kernel").join(&krate))
            .iter()
            .map(|path| path.to_string_lossy().into_owned())
            .collect();
        // Every `name.rs` and every `folder/` in backquotes is a module of
        // this crate.
        for quoted in body.split('`').skip(1).step_by(2) {
            let exists = if let Some(folder) = quoted.strip_suffix('/') {
                files.iter().any(|f| f.contains(&format!("/{folder}/")))
            } else if quoted.ends_with(".rs") && !quoted.contains(' ') {
                files.iter().any(|f| f.ends_with(&format!("/{quoted}")))
            } else {
                continue;
            };
            if !exists {
                missing.push(format!("kernel/{krate}: {quoted}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names modules that do not exist: {missing:#?}"
    );
}

/// The files of a crate's `src/` that are modules of their own: not the
/// crate's root, nor a folder's `mod.rs` (the folder stands for it).
fn module_files(krate: &Path) -> Vec<String> {
    rust_files(&krate.join("src"))
        .iter()
        .filter_map(|path| path.file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| !matches!(name.as_str(), "lib.rs" | "main.rs" | "mod.rs"))
        .collect()
}

#[test]
fn the_code_map_names_every_module_that_exists() {
    let root = repository_root();
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut unmapped = Vec::new();
    for (krate, body) in code_map(&architecture) {
        for module in module_files(&root.join("kernel").join(&krate)) {
            if !body.contains(&format!("`{module}`")) {
                unmapped.push(format!("kernel/{krate}: {module}"));
            }
        }
    }
    assert!(
        unmapped.is_empty(),
        "modules ARCHITECTURE.md's code map does not name (say what each is for): {unmapped:#?}"
    );
}

/// The files that hold `unsafe` code: the keyword as rustc reads it, so
/// not in comments or strings (the cells the engine generates).
fn files_with_unsafe_code(root: &Path) -> BTreeSet<String> {
    rust_files(&root.join("kernel"))
        .into_iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let file = SourceFile::parse(&text, Edition::CURRENT);
            file.syntax_node()
                .descendants_with_tokens()
                .any(|element| element.kind() == SyntaxKind::UNSAFE_KW)
        })
        .map(|path| path.strip_prefix(root).unwrap().display().to_string())
        .collect()
}

#[test]
fn the_unsafe_inventory_lists_every_file_with_unsafe_code() {
    let root = repository_root();
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let inventory = architecture
        .split("\n## Unsafe code")
        .nth(1)
        .expect("ARCHITECTURE.md has a section `## Unsafe code`");
    let inventory = inventory.split("\n## ").next().unwrap_or(inventory);
    let listed: BTreeSet<String> = inventory
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|quoted| quoted.starts_with("kernel/") && quoted.ends_with(".rs"))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        listed,
        files_with_unsafe_code(&root),
        "ARCHITECTURE.md's unsafe inventory must list exactly the files with unsafe code"
    );
}

/// What each layer must not depend on, directly or through another crate
/// of the workspace (ARCHITECTURE.md's crate invariants).
const FORBIDDEN: &[(&str, &[&str])] = &[
    // No Jupyter and no sockets below the binary's adapter.
    (
        "memscope-session",
        &[
            "memscope-kernel",
            "memscope-protocol",
            "jupyter-protocol",
            "zeromq",
            "tokio",
        ],
    ),
    (
        "memscope-engine",
        &[
            "memscope-kernel",
            "memscope-protocol",
            "jupyter-protocol",
            "zeromq",
            "memscope-memory",
        ],
    ),
    (
        "memscope-memory",
        &["memscope-prelude", "ndarray", "memscope-engine"],
    ),
    // The dispatcher knows no socket and no runtime.
    ("memscope-kernel", &["zeromq", "tokio", "memscope-protocol"]),
];

/// The dependencies `krate` declares, and those of the workspace crates
/// among them, as Cargo.toml spells them.
fn dependencies_through_the_workspace(root: &Path, krate: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut pending = vec![krate.to_owned()];
    while let Some(name) = pending.pop() {
        let manifest = root.join("kernel").join(&name).join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(manifest) else {
            continue;
        };
        // Only what the crate links: not its dev- or build-dependencies.
        let normal = text
            .split("\n[dependencies]")
            .nth(1)
            .map(|rest| rest.split("\n[").next().unwrap_or(rest))
            .unwrap_or("");
        for dependency in declared_dependencies(&format!("[dependencies]\n{normal}")) {
            let spelled = dependency.replace('_', "-");
            if found.insert(spelled.clone()) && spelled.starts_with("memscope-") {
                pending.push(spelled);
            }
        }
    }
    found
}

#[test]
fn each_layer_depends_only_on_what_is_below_it() {
    let root = repository_root();
    let mut crossings = Vec::new();
    for (krate, forbidden) in FORBIDDEN {
        let dependencies = dependencies_through_the_workspace(&root, krate);
        for name in *forbidden {
            if dependencies.contains(*name) {
                crossings.push(format!("{krate} depends on {name}"));
            }
        }
    }
    assert!(crossings.is_empty(), "layers crossed: {crossings:#?}");
}

#[test]
fn every_declared_dependency_is_used() {
    let root = repository_root();
    let mut unused = Vec::new();
    for krate in crates(&root) {
        let dir = root.join("kernel").join(&krate);
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let code: String = rust_files(&dir)
            .iter()
            .map(|path| std::fs::read_to_string(path).unwrap_or_default())
            .collect();
        for dependency in declared_dependencies(&manifest) {
            let used = [
                format!("{dependency}::"),
                format!("use {dependency}"),
                format!("{dependency}!"),
            ]
            .iter()
            .any(|form| code.contains(form.as_str()));
            if !used {
                unused.push(format!("{krate}: {dependency}"));
            }
        }
    }
    assert!(unused.is_empty(), "declared but never used: {unused:#?}");
}

#[test]
fn every_workspace_dependency_is_used_by_a_member() {
    let root = repository_root();
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let listed: Vec<String> = workspace
        .split("[workspace.dependencies]")
        .nth(1)
        .expect("a [workspace.dependencies] table")
        .split("\n[")
        .next()
        .unwrap_or("")
        .lines()
        .filter_map(|line| line.split('=').next())
        .map(|key| key.trim().to_owned())
        .filter(|key| !key.is_empty() && !key.starts_with('#'))
        .collect();
    let members: String = crates(&root)
        .iter()
        .map(|krate| std::fs::read_to_string(root.join("kernel").join(krate).join("Cargo.toml")))
        .map(|text| text.unwrap_or_default())
        .collect();
    let unused: Vec<&String> = listed
        .iter()
        .filter(|name| !members.contains(&format!("{name}.workspace = true")))
        .collect();
    assert!(
        unused.is_empty(),
        "[workspace.dependencies] lists crates no member uses: {unused:?}"
    );
}

/// The public functions a file declares at its top level (`np.rs`), or in
/// the inherent `impl<T: Element> NpArray<T>` blocks (the `nparray`
/// modules).
fn public_functions(text: &str, in_array_impls: bool) -> Vec<String> {
    use ra_ap_syntax::ast::{self, HasName, HasVisibility};
    use ra_ap_syntax::{AstNode, ast::HasModuleItem};
    let file = SourceFile::parse(text, Edition::CURRENT).tree();
    let public = |function: &ast::Fn| {
        function
            .visibility()
            .is_some_and(|v| v.syntax().text() == "pub")
    };
    let name = |function: ast::Fn| function.name().map(|name| name.text().to_string());
    if !in_array_impls {
        return file
            .items()
            .filter_map(|item| match item {
                ast::Item::Fn(function) if public(&function) => name(function),
                _ => None,
            })
            .collect();
    }
    file.items()
        .filter_map(|item| match item {
            ast::Item::Impl(block)
                if block.trait_().is_none()
                    && block
                        .self_ty()
                        .is_some_and(|ty| ty.syntax().text() == "NpArray<T>") =>
            {
                block.assoc_item_list()
            }
            _ => None,
        })
        .flat_map(|items| items.assoc_items())
        .filter_map(|item| match item {
            ast::AssocItem::Fn(function) if public(&function) => name(function),
            _ => None,
        })
        .collect()
}

/// Methods no crate but the cell can compile: they take the cell's own
/// closure, a type of its own.
const TAKE_THE_CELLS_CLOSURE: &[&str] = &["map"];

#[test]
fn the_prelude_compiles_its_whole_api_once() {
    let root = repository_root();
    let prelude = root.join("kernel/memscope-prelude/src");
    let instances = std::fs::read_to_string(prelude.join("__kernel/instances.rs")).unwrap();
    let mut missing = Vec::new();
    let np = std::fs::read_to_string(prelude.join("np.rs")).unwrap();
    for function in public_functions(&np, false) {
        if !instances.contains(&format!("np::{function}(")) {
            missing.push(format!("np::{function}"));
        }
    }
    for path in rust_files(&prelude.join("nparray")) {
        let text = std::fs::read_to_string(&path).unwrap();
        for method in public_functions(&text, true) {
            let named = instances.contains(&format!(".{method}("))
                || instances.contains(&format!("NpArray::<T>::{method}("));
            if !named && !TAKE_THE_CELLS_CLOSURE.contains(&method.as_str()) {
                missing.push(format!("NpArray::{method}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "name these in memscope-prelude's __kernel/instances.rs, so that cells do not compile them: {missing:?}"
    );
}
