//! Carries the crates that cells link against inside the binary, so an
//! installed `memscope` needs nothing from its source tree.
//!
//! Cells are compiled against `memscope-prelude`, which depends on three
//! more crates of this workspace. This script lists their manifests and
//! sources, writes a workspace manifest that holds just those four (the
//! crates inherit their edition, lints and path dependencies from it), and
//! generates `embedded_prelude.rs`: every file's bytes (`include_bytes!`),
//! the workspace's `Cargo.lock` (the versions this memscope was tested
//! with, which every cell crate then builds against), and a hash of all of
//! it, which names the folder they are unpacked into.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The crates a cell crate needs from this workspace, by folder name.
const CRATES: [&str; 4] = [
    "memscope-prelude",
    "memscope-cell-abi",
    "memscope-derive",
    "memscope-overlap",
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let kernel_dir = manifest_dir.parent().expect("kernel/memscope has a parent");
    let root = kernel_dir.parent().expect("kernel/ has a parent");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));

    let workspace_manifest = out_dir.join("embedded-workspace.toml");
    std::fs::write(
        &workspace_manifest,
        workspace_manifest_for(&root.join("Cargo.toml")),
    )
    .expect("cannot write the embedded workspace manifest");

    // (path inside the unpacked folder, file on disk), sorted by path.
    let mut files: Vec<(String, PathBuf)> = vec![
        ("Cargo.toml".to_owned(), workspace_manifest),
        ("cells.lock".to_owned(), root.join("Cargo.lock")),
    ];
    println!(
        "cargo:rerun-if-changed={}",
        root.join("Cargo.toml").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        root.join("Cargo.lock").display()
    );
    for name in CRATES {
        let dir = kernel_dir.join(name);
        println!(
            "cargo:rerun-if-changed={}",
            dir.join("Cargo.toml").display()
        );
        println!("cargo:rerun-if-changed={}", dir.join("src").display());
        files.push((format!("{name}/Cargo.toml"), dir.join("Cargo.toml")));
        for source in files_under(&dir.join("src")) {
            let relative = source.strip_prefix(&dir).expect("listed under dir");
            files.push((format!("{name}/{}", slashed(relative)), source));
        }
    }
    files.sort();

    let mut hash = Sha256::new();
    for (path, file) in &files {
        let bytes =
            std::fs::read(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        hash.update((path.len() as u64).to_le_bytes());
        hash.update(path.as_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    let digest: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();

    let mut code = String::new();
    code.push_str("/// A hash of every embedded file: names the folder they unpack into.\n");
    let _ = writeln!(
        code,
        "pub const CONTENT_HASH: &str = \"{}\";",
        &digest[..16]
    );
    code.push_str("/// (path in the unpacked folder, contents), sorted by path.\n");
    code.push_str("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (path, file) in &files {
        let _ = writeln!(
            code,
            "    ({path:?}, include_bytes!({:?})),",
            file.display().to_string()
        );
    }
    code.push_str("];\n");
    std::fs::write(out_dir.join("embedded_prelude.rs"), code)
        .expect("cannot write embedded_prelude.rs");
}

/// The manifest of a workspace made of [`CRATES`]: this workspace's
/// `[workspace.package]` and `[workspace.lints]`, and those of its
/// `[workspace.dependencies]` that the crates name, path dependencies made
/// relative to the unpacked folder.
fn workspace_manifest_for(root_manifest: &Path) -> String {
    let text = std::fs::read_to_string(root_manifest).expect("cannot read the workspace manifest");
    let root: toml::Table = text.parse().expect("the workspace manifest is TOML");
    let workspace = root["workspace"].as_table().expect("a [workspace] table");
    let mut dependencies = toml::Table::new();
    if let Some(all) = workspace
        .get("dependencies")
        .and_then(toml::Value::as_table)
    {
        for (name, spec) in all {
            if CRATES.contains(&name.as_str()) {
                let mut local = toml::Table::new();
                local.insert("path".into(), name.clone().into());
                dependencies.insert(name.clone(), local.into());
            } else if named_by_crates(root_manifest, name) {
                dependencies.insert(name.clone(), spec.clone());
            }
        }
    }
    let mut embedded = toml::Table::new();
    embedded.insert("resolver".into(), "2".into());
    embedded.insert(
        "members".into(),
        CRATES
            .iter()
            .map(|&c| toml::Value::from(c))
            .collect::<Vec<_>>()
            .into(),
    );
    for key in ["package", "lints"] {
        if let Some(value) = workspace.get(key) {
            embedded.insert(key.into(), value.clone());
        }
    }
    embedded.insert("dependencies".into(), dependencies.into());
    let mut document = toml::Table::new();
    document.insert("workspace".into(), embedded.into());
    format!(
        "# Written by memscope's build: the crates memscope's cells link against.\n{}",
        toml::to_string(&document).expect("a table serialises")
    )
}

/// Whether any of [`CRATES`] inherits the workspace dependency `name`.
fn named_by_crates(root_manifest: &Path, name: &str) -> bool {
    let kernel_dir = root_manifest.parent().expect("has a folder").join("kernel");
    CRATES.iter().any(|krate| {
        let text =
            std::fs::read_to_string(kernel_dir.join(krate).join("Cargo.toml")).unwrap_or_default();
        let manifest: toml::Table = text.parse().unwrap_or_default();
        ["dependencies", "build-dependencies"]
            .iter()
            .any(|section| {
                manifest
                    .get(*section)
                    .and_then(toml::Value::as_table)
                    .is_some_and(|deps| deps.contains_key(name))
            })
    })
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        let entries = std::fs::read_dir(&current)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", current.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

/// A relative path with `/` between its parts, whatever the platform.
fn slashed(path: &Path) -> String {
    path.components()
        .map(|part| part.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
