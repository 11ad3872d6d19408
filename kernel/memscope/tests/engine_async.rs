//! The engine tier for a session that runs threads of its own: an async
//! cell (evcxr runs it on a tokio runtime, whose threads stay) in a
//! session of its own (a test binary has one), since such a session can
//! no longer take a copy of itself before each cell: a cell that ends its
//! process then restarts it, and the error names what was lost.
//!
//! Slow, like `engine.rs`: run when `RUN_SLOW_TESTS` (or `CI`) is set.

mod support;
use support::{fails, ok, slow_tests_run};

#[test]
fn an_async_cell_runs_and_a_session_with_threads_restarts_naming_its_losses() {
    if !slow_tests_run() {
        return;
    }
    ok("let async_kept = 20;");
    // `.await` turns on evcxr's async mode, which adds tokio.
    let (value, _) = ok("async fn twice(n: i32) -> i32 { n * 2 }\ntwice(async_kept + 1).await");
    assert_eq!(value, "42");
    let failure = fails("std::process::exit(5);");
    assert_eq!(failure.name, "CellProcessDied");
    let details = failure.details.join("\n");
    assert!(
        details.contains("restarted") && details.contains("async_kept"),
        "{details}"
    );
    // The restarted process runs cells again, without the lost variable.
    let (value, _) = ok("6 * 7");
    assert_eq!(value, "42");
    assert_eq!(fails("async_kept").name, "CompileError");
}
