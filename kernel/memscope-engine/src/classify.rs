//! How a cell ended, from what the engine saw while it ran: evcxr's
//! result, a panic report, a snapshot that carried on, an interrupt.
//!
//! Invariant: pure. evcxr ends a cell whose snapshot carried on as a
//! panicked one that returned normally, so the engine's own observations
//! decide what the user is told.

use crate::events::{CellResult, Recovery};

/// What the engine saw of one cell, besides evcxr's result: the evidence
/// [`classify`] weighs.
#[derive(Debug, Default)]
pub struct Evidence {
    /// The panic the cell reported: message and location.
    pub panic: Option<(String, String)>,
    /// How the process running the cell ended, if a snapshot carried on.
    pub carried_on: Option<String>,
    /// Whether the cell was interrupted.
    pub interrupted: bool,
}

/// The cell's result for the user.
pub fn classify(result: CellResult, seen: Evidence) -> CellResult {
    let CellResult::Ran { .. } = result else {
        return result;
    };
    match (seen.carried_on, seen.panic) {
        (Some(_), _) if seen.interrupted => CellResult::Interrupted {
            recovery: Recovery::CarriedOn,
        },
        (Some(ended), _) => CellResult::ProcessDied {
            detail: ended,
            recovery: Recovery::CarriedOn,
        },
        (None, Some((message, location))) => CellResult::Panicked { message, location },
        (None, None) => result,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ran() -> CellResult {
        CellResult::Ran {
            value: vec![("text/plain".into(), "2".into())],
            page: None,
            timing: None,
        }
    }

    fn panic() -> Option<(String, String)> {
        Some(("boom".into(), "src/lib.rs:1:1".into()))
    }

    #[test]
    fn a_cell_that_ran_keeps_its_value() {
        assert_eq!(classify(ran(), Evidence::default()), ran());
    }

    #[test]
    fn a_reported_panic_is_the_result() {
        let seen = Evidence {
            panic: panic(),
            ..Evidence::default()
        };
        assert_eq!(
            classify(ran(), seen),
            CellResult::Panicked {
                message: "boom".into(),
                location: "src/lib.rs:1:1".into()
            }
        );
    }

    #[test]
    fn a_snapshot_that_carried_on_is_a_dead_process_or_an_interrupt() {
        let died = Evidence {
            carried_on: Some("exit status 3".into()),
            panic: panic(),
            interrupted: false,
        };
        assert_eq!(
            classify(ran(), died),
            CellResult::ProcessDied {
                detail: "exit status 3".into(),
                recovery: Recovery::CarriedOn
            }
        );
        let interrupted = Evidence {
            carried_on: Some("the cell was interrupted".into()),
            panic: None,
            interrupted: true,
        };
        assert_eq!(
            classify(ran(), interrupted),
            CellResult::Interrupted {
                recovery: Recovery::CarriedOn
            }
        );
    }

    #[test]
    fn other_results_stand_as_evcxr_gave_them() {
        let seen = || Evidence {
            panic: panic(),
            carried_on: Some("x".into()),
            interrupted: true,
        };
        for result in [
            CellResult::CompileError(Vec::new()),
            CellResult::Failed("bad command".into()),
            CellResult::Interrupted {
                recovery: Recovery::Untouched,
            },
        ] {
            assert_eq!(classify(result.clone(), seen()), result);
        }
    }
}
