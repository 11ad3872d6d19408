//! The engine tier for an interrupt while the session sets itself up, in
//! a session of its own (a test binary has one), so that its first cell
//! waits for the set-up as a first cell sent the moment a kernel answers
//! does: the interrupt stops that cell before it begins and leaves the
//! set-up alone (no compile of it killed), so the next cell runs.
//!
//! Slow, like `engine.rs`: run when `RUN_SLOW_TESTS` (or `CI`) is set.

mod support;
use std::time::{Duration, Instant};

use memscope_session::Phase;
use support::{Recorder, ok, run_with, session, slow_tests_run};

#[test]
fn an_interrupt_during_the_set_up_stops_the_waiting_cell_and_spares_the_set_up() {
    if !slow_tests_run() {
        return;
    }
    let mut session = session();
    let interrupter = session.interrupter();
    // What the dispatcher does before it announces a request.
    interrupter.request_started();
    // The interrupt comes once the cell waits for the set-up, which takes
    // seconds (evcxr's context, the prelude's cell): the phase it met is
    // recorded on both sides of it, so a set-up that ended first fails the
    // test instead of passing it untested.
    let watcher = {
        let interrupter = interrupter.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(120);
            while !interrupter.cell_waits_for_set_up() {
                if Instant::now() > deadline || interrupter.phase() != Phase::SettingUp {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            interrupter.interrupt();
            Some(interrupter.phase())
        })
    };
    let mut recorder = Recorder::default();
    let report = run_with(&mut session, "println!(\"must not run\");", &mut recorder);
    let met = watcher.join().unwrap();
    assert_eq!(
        met,
        Some(Phase::SettingUp),
        "the interrupt did not meet a cell waiting for the set-up"
    );
    let failure = report.result.expect_err("interrupted");
    assert_eq!(failure.name, "Interrupted");
    assert!(
        failure.details.iter().any(|d| d.contains("did not run")),
        "{failure:?}"
    );
    assert!(recorder.stdout().is_empty(), "{:?}", recorder.seen);
    drop(session);
    // The set-up was not broken: the session runs cells.
    let (value, _) = ok("let set_up_kept = 21;\nset_up_kept * 2");
    assert_eq!(value, "42");
}
