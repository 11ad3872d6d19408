//! The engine tier for the cell cache (our evcxr patch 0005) as a second
//! kernel meets it: the same cells, in the same order, in a new session.
//! Cells repeated within one session never match (evcxr numbers each
//! cell's function), so this test runs each session as a child process of
//! its own — this test binary again, told by an environment variable to
//! run the cells and print their values — and reads the cache folder
//! between them: a first run stores a library per cell, a second run of
//! the same cells stores none and touches the ones it used, a run
//! whose last cell differs stores exactly that one, and a cell that does
//! not compile has its errors stored once and served to the next session.
//!
//! Slow, like `engine.rs`: run when `RUN_SLOW_TESTS` (or `CI`) is set.

mod support;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::SystemTime;

use support::{Recorder, run_with, session, slow_tests_run};

/// Set in a child: the cells to run, one per line.
const CHILD_CELLS: &str = "MEMSCOPE_TEST_CELL_CACHE_CELLS";
const TEST_NAME: &str = "a_second_session_takes_its_cells_from_the_cache";

#[test]
fn a_second_session_takes_its_cells_from_the_cache() {
    if let Some(cells) = std::env::var_os(CHILD_CELLS) {
        run_cells_and_print_their_values(&cells.to_string_lossy());
        return;
    }
    if !slow_tests_run() {
        return;
    }
    // Cells no cache has seen: a number of this run in each (the second
    // through its variable's name).
    let nonce = support::nonce();
    let declare = format!("let probe_{nonce} = {nonce}u128 % 1000;");
    let use_it = |add: u32| format!("probe_{nonce} + {add}");
    let expected = |add: u32| (nonce % 1000 + u128::from(add)).to_string();

    // A session's set-up cells are keyed by the build folder's artefacts
    // too, which other engine-tier binaries change (a `:dep`): a first
    // session caches them for the folder as it is now, so that the counts
    // below are of the test's own cells.
    run_session(&["1"]);
    let before = libraries();
    let first = run_session(&[&declare, &use_it(1)]);
    assert_eq!(first, [expected(1)]);
    let after_first = libraries();
    let stored: Vec<&PathBuf> = after_first
        .keys()
        .filter(|path| !before.contains_key(*path))
        .collect();
    assert_eq!(stored.len(), 2, "one library per cell: {stored:?}");

    let second_started = SystemTime::now();
    let second = run_session(&[&declare, &use_it(1)]);
    assert_eq!(second, first, "the cached cells give the same values");
    let after_second = libraries();
    let new: Vec<&PathBuf> = after_second
        .keys()
        .filter(|path| !after_first.contains_key(*path))
        .collect();
    assert!(new.is_empty(), "the same cells were built again: {new:?}");
    for path in &stored {
        assert!(
            after_second[*path] >= second_started,
            "{path:?} was not used (a lookup touches what it finds)"
        );
    }

    let third = run_session(&[&declare, &use_it(2)]);
    assert_eq!(third, [expected(2)]);
    let after_third = libraries();
    let new: Vec<&PathBuf> = after_third
        .keys()
        .filter(|path| !after_second.contains_key(*path))
        .collect();
    assert_eq!(new.len(), 1, "only the changed cell is built: {new:?}");

    // A cell that does not compile fails the same way again, from the
    // cache: its errors are stored once, and a new session reports them
    // without building the cell.
    let failing = format!("probe_{nonce} + \"text\"");
    let before_failure = entries("errors");
    let failed = run_session(&[&declare, &failing]);
    let stored: Vec<PathBuf> = entries("errors")
        .into_keys()
        .filter(|path| !before_failure.contains_key(path))
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].starts_with("error: "), "{failed:?}");
    assert!(!stored.is_empty(), "no errors were stored");
    let again_started = SystemTime::now();
    let again = run_session(&[&declare, &failing]);
    assert_eq!(again, failed, "the cached errors say the same");
    let after_again = entries("errors");
    assert_eq!(
        after_again.len(),
        before_failure.len() + stored.len(),
        "built again"
    );
    for path in &stored {
        assert!(after_again[path] >= again_started, "{path:?} was not used");
    }
}

/// The cache's compiled cells and when each was last used.
fn libraries() -> BTreeMap<PathBuf, SystemTime> {
    entries("so")
}

/// The cache's entries of one kind (`so`, `errors`) and when each was last
/// used.
fn entries(kind: &str) -> BTreeMap<PathBuf, SystemTime> {
    let Ok(entries) = std::fs::read_dir(support::cache_dir().join("cells")) else {
        return BTreeMap::new();
    };
    entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == kind))
        .filter_map(|path| {
            let used = std::fs::metadata(&path).ok()?.modified().ok()?;
            Some((path, used))
        })
        .collect()
}

/// Runs `cells` in a new session (a child process) and returns the values
/// of those that have one, or `error: ` and the failure's summary.
fn run_session(cells: &[&str]) -> Vec<String> {
    let joined = cells.join("\n");
    let stdout = support::rerun_in_child(TEST_NAME, &[(CHILD_CELLS, &joined)]);
    eprintln!("a session of {cells:?} printed:\n{stdout}");
    support::marked_lines(&stdout, "outcome: ")
        .into_iter()
        .map(str::to_owned)
        .collect()
}

fn run_cells_and_print_their_values(cells: &str) {
    let mut session = session();
    for cell in cells.lines() {
        let report = run_with(&mut session, cell, &mut Recorder::default());
        match report.result {
            Ok(ran) => {
                let value = ran.value.iter().find(|(mime, _)| mime == "text/plain");
                if let Some((_, value)) = value {
                    println!("\noutcome: {value}");
                }
            }
            Err(failure) => println!("\noutcome: error: {}", failure.summary),
        }
    }
}
