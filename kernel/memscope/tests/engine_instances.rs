//! The engine tier for the prelude's compiled-once API
//! (`memscope-prelude/src/__kernel/instances.rs`): a cell that calls
//! `NpArray`'s methods on a common element type links to the instances
//! the prelude compiled, instead of compiling them again, which was most
//! of a tutorial cell's compile. The evidence is in the cell's own object
//! files (rustc keeps them in the build folder's incremental cache): the
//! method is referenced there, not defined. A type the prelude does not
//! compile for shows the other case, so the check can tell them apart.
//! The same evidence shows that cells keep their variables in the
//! prelude's store (evcxr patch 0008): the cell refers to the store's
//! compiled code instead of compiling a store of its own.
//!
//! Slow, like `engine.rs`: run when `RUN_SLOW_TESTS` (or `CI`) is set.

mod support;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use memscope_session::Ran;
use support::{Recorder, cache_dir, run_with, session, slow_tests_run};

#[test]
fn a_cell_reuses_the_generic_code_the_prelude_compiled() {
    if !slow_tests_run() {
        return;
    }
    let nonce = support::nonce();
    // i64 is one of the prelude's common element types, u16 is not.
    let common = definitions_of_copy(&format!(
        "let shared_{nonce} = np::array(&[1i64, 2, 3]).copy();\nshared_{nonce}.len()"
    ));
    assert!(
        common.referenced && !common.defined,
        "a cell copying an NpArray<i64> should use the prelude's compiled copy: {:#?}",
        common.lines
    );
    assert!(
        common.store_referenced,
        "the cell should store its variable with the prelude's store"
    );
    let uncommon = definitions_of_copy(&format!(
        "let own_{nonce} = np::array(&[1u16, 2, 3]).copy();\nown_{nonce}.len()"
    ));
    assert!(
        uncommon.defined,
        "a cell copying an NpArray<u16> compiles its own copy: {:#?}",
        uncommon.lines
    );
}

/// What the objects of the cell just compiled say of `NpArray::copy`.
struct Symbols {
    referenced: bool,
    defined: bool,
    lines: Vec<String>,
    /// Whether the cell calls the prelude's store to keep a new variable.
    store_referenced: bool,
}

/// Runs `cell` (its value must be 3) and reads the symbols of `copy` in
/// the objects of its compile, while the session is held so no other cell
/// compiles meanwhile.
fn definitions_of_copy(cell: &str) -> Symbols {
    let mut session = session();
    let report = run_with(&mut session, cell, &mut Recorder::default());
    match report.result {
        Ok(Ran { value, .. }) => {
            let text = value.iter().find(|(mime, _)| mime == "text/plain");
            assert_eq!(text.map(|(_, text)| text.as_str()), Some("3"), "{cell}");
        }
        Err(failure) => panic!("{cell}: {failure:#?}"),
    }
    let folder = newest_cell_objects(&cache_dir().join("build"));
    let mut lines = Vec::new();
    let mut store_referenced = false;
    for object in std::fs::read_dir(&folder).unwrap().flatten() {
        let path = object.path();
        if path.extension().is_some_and(|extension| extension == "o") {
            let listed = Command::new("nm")
                .arg("-C")
                .arg(&path)
                .output()
                .expect("nm runs");
            let listed = String::from_utf8_lossy(&listed.stdout);
            store_referenced |= listed.lines().any(|line| {
                line.trim_start().starts_with("U ")
                    && line.ends_with("variable_store::VariableStore::put_new_boxed")
            });
            lines.extend(
                listed
                    .lines()
                    .filter(|line| line.contains("NpArray<") && line.ends_with(">>::copy"))
                    .map(str::to_owned),
            );
        }
    }
    // `nm` prints "U name" for a reference, "address kind name" otherwise.
    let kind = |line: &String| {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("U") => "U",
            _ => words.next().unwrap_or(""),
        }
        .to_owned()
    };
    Symbols {
        referenced: lines.iter().any(|line| kind(line) == "U"),
        defined: lines
            .iter()
            .any(|line| ["T", "t", "W", "w"].contains(&kind(line).as_str())),
        lines: lines
            .iter()
            .map(|line| format!("{line} ({folder:?})"))
            .collect(),
        store_referenced,
    }
}

/// The incremental-cache folder rustc wrote last for a cell crate (`ctx`)
/// in any build folder: it holds the objects of that compile.
fn newest_cell_objects(builds: &Path) -> PathBuf {
    let mut newest: Option<(SystemTime, PathBuf)> = None;
    for slot in std::fs::read_dir(builds).unwrap().flatten() {
        let incremental = slot.path().join("target");
        let Ok(targets) = std::fs::read_dir(&incremental) else {
            continue;
        };
        for target in targets.flatten() {
            let Ok(crates) = std::fs::read_dir(target.path().join("debug/incremental")) else {
                continue;
            };
            for krate in crates.flatten() {
                if !krate.file_name().to_string_lossy().starts_with("ctx-") {
                    continue;
                }
                for compile in std::fs::read_dir(krate.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                {
                    let modified = compile.metadata().and_then(|m| m.modified()).ok();
                    if let Some(modified) = modified
                        && compile.path().is_dir()
                        && newest.as_ref().is_none_or(|(time, _)| modified > *time)
                    {
                        newest = Some((modified, compile.path()));
                    }
                }
            }
        }
    }
    newest.expect("a cell's incremental folder").1
}
