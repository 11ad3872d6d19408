//! The tidy tier: tests of the repository's hygiene, run by `cargo test`
//! like every other test (they are in `tests/tidy.rs`), in the manner of
//! rust-analyzer's tidy tests.
//!
//! They check what no compiler checks: that every Rust file says what it
//! is for, that ARCHITECTURE.md's code map names exactly the crates and
//! modules that exist, and that no crate declares a dependency it does not
//! use. This library holds the small readers they share.
//!
//! Invariant: reads files only; changes nothing.

use std::path::{Path, PathBuf};

/// The repository's root (the workspace's `Cargo.toml` is there).
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root exists")
}

/// Folders whose files are not ours: evcxr's source with our patches
/// applied, made by install/patch-evcxr.sh (git-ignored).
const NOT_OURS: &[&str] = &["kernel/memscope-engine/evcxr/patched"];

/// Every file below `dir` whose name ends in `.rs`, sorted, except in
/// [`NOT_OURS`].
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let root = repository_root();
    let not_ours: Vec<PathBuf> = NOT_OURS.iter().map(|dir| root.join(dir)).collect();
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !not_ours.contains(&path) {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The names of the dependencies that a `Cargo.toml` declares in its
/// `[dependencies]`, `[dev-dependencies]` and `[build-dependencies]`
/// tables, in the form code uses them (`-` read as `_`).
pub fn declared_dependencies(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_dependencies = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = matches!(
                line,
                "[dependencies]" | "[dev-dependencies]" | "[build-dependencies]"
            );
            continue;
        }
        if !in_dependencies || line.is_empty() || line.starts_with('#') {
            continue;
        }
        // `name = ...`, `name.workspace = true`, `"name" = ...`
        let key = line.split(['=', '.']).next().unwrap_or("").trim();
        let key = key.trim_matches('"');
        if !key.is_empty() {
            names.push(key.replace('-', "_"));
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_are_read_from_every_dependency_table() {
        let manifest = "\
[package]
name = \"x\"

[dependencies]
anyhow.workspace = true
# a comment
ra-ap-rustc_lexer = \"=0.166.0\"
rustix = { version = \"1\", features = [\"process\"] }

[dev-dependencies]
expect-test = \"1\"

[lints]
workspace = true
";
        assert_eq!(
            declared_dependencies(manifest),
            ["anyhow", "ra_ap_rustc_lexer", "rustix", "expect_test"]
        );
    }
}
