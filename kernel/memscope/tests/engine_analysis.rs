//! The engine tier for when rust-analyzer works, in a session of its own
//! (a test binary has one): cells sent back to back, as a notebook run in
//! a batch sends them, never start its analysis; a moment of idleness does,
//! and completions then come from it; a `:dep` starts it again, so the new
//! crate's names complete.
//!
//! Slow, like `engine.rs`: run when `RUN_SLOW_TESTS` (or `CI`) is set.

mod support;
use std::time::{Duration, Instant};

use memscope_engine::processes;
use memscope_session::Session;
use support::{Recorder, run_with, session, slow_tests_run};

/// Waits until the analysis has started `count` times (an event the
/// engine counts), for at most a minute.
fn wait_for_warm_ups(session: &Session, count: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(60);
    while session.analysis_warm_ups() < count && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    session.analysis_warm_ups()
}

/// The threads named `named` once there are any, waiting for at most ten
/// seconds. They are rust-analyzer's, started by the analysis thread, and
/// nothing announces them: the process's thread list is read until they
/// are in it (returning the moment they are), not slept on.
fn wait_for_threads(named: &str) -> Vec<u32> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let threads = processes::threads_named(named);
        if !threads.is_empty() || Instant::now() > deadline {
            return threads;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn rust_analyzer_starts_only_when_the_session_is_idle() {
    if !slow_tests_run() {
        return;
    }
    let mut session = session();
    for cell in [
        "let batch_a = np::arange(0.0, 6.0, 1.0);",
        "let batch_b = batch_a.reshape(&[2, 3]);",
        "let batch_total: f64 = batch_b.to_vec().iter().sum();\nbatch_total",
    ] {
        let report = run_with(&mut session, cell, &mut Recorder::default());
        assert!(report.result.is_ok(), "{cell}: {:?}", report.result);
    }
    assert_eq!(
        session.analysis_warm_ups(),
        0,
        "cells sent back to back started rust-analyzer"
    );
    assert_eq!(
        wait_for_warm_ups(&session, 1),
        1,
        "an idle session did not start it"
    );
    // Its thread gives way to a cell's compile (the analysis takes
    // seconds, so it is still there), and so do the threads it starts to
    // prime the dependencies' tables beside it (rust-analyzer names them).
    // A thread the analysis thread starts without a name of its own bears
    // its name (Linux copies it), so there may be more than one: each must
    // have given way.
    let threads = processes::threads_named("evcxr-analysis-warm-up");
    assert!(!threads.is_empty(), "no analysis thread");
    for thread in threads {
        assert_eq!(processes::thread_nice(thread), Some(10), "thread {thread}");
    }
    let priming = wait_for_threads("PrimeCaches#0");
    assert!(!priming.is_empty(), "no thread primes the dependencies");
    for thread in priming {
        assert_eq!(processes::thread_nice(thread), Some(10), "thread {thread}");
    }
    let code = "np::ar";
    let found = session.complete(code, code.len());
    assert!(
        found.matches.iter().any(|m| m.starts_with("arange")),
        "{found:?}"
    );
    let code = "batch_b.res";
    let found = session.complete(code, code.len());
    assert!(
        found.matches.iter().any(|m| m.starts_with("reshape")),
        "{found:?}"
    );

    // A new dependency is a new crate to analyse.
    let dep = support::workspace().join("kernel/memscope-overlap");
    let cell = format!(
        ":dep memscope-overlap = {{ path = {:?} }}",
        dep.display().to_string()
    );
    let report = run_with(&mut session, &cell, &mut Recorder::default());
    assert!(report.result.is_ok(), "{:?}", report.result);
    assert_eq!(
        wait_for_warm_ups(&session, 2),
        2,
        "a :dep did not start it again"
    );
    let code = "memscope_overlap::";
    let found = session.complete(code, code.len());
    assert!(!found.matches.is_empty(), "{found:?}");
}
