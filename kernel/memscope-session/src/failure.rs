//! How a cell that did not run to the end is told to the user: a name
//! (`CompileError`, `Panic`, `Interrupted`, `CellProcessDied`, `Error`), a
//! one-line summary, and the lines that explain it, with hints, in the
//! user's terms.
//!
//! Invariant: pure; every failed [`CellResult`] gets a [`Failure`], and
//! a successful one none.

use memscope_engine::diagnostics::render;
use memscope_engine::{CellResult, MimeBundle, Recovery};

use crate::hints::{Hint, portable_location};

/// A cell that ran to the end: its value and its help page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    /// The value of the cell's trailing expression (empty if none).
    pub value: MimeBundle,
    /// Text meant for a pager (`:help`).
    pub page: Option<MimeBundle>,
}

/// A cell that did not run to the end, in the user's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What kind of failure, in one word (Python's exception names play
    /// this part in a notebook).
    pub name: &'static str,
    /// One line.
    pub summary: String,
    /// What the user reads: rustc's rendered diagnostics and hints, or
    /// what became of the session.
    pub details: Vec<String>,
}

/// What Jupyter shows for `result` of cell `code`. `vanished` says where
/// a variable that no longer exists went, if anyone knows.
pub fn describe(
    code: &str,
    result: CellResult,
    vanished: &dyn Fn(&str) -> Option<String>,
) -> Result<Ran, Failure> {
    let failure = |name: &'static str, summary: String, details: Vec<String>| {
        Err(Failure {
            name,
            summary,
            details,
        })
    };
    match result {
        CellResult::Ran { value, page, .. } => Ok(Ran { value, page }),
        CellResult::CompileError(diagnostics) => {
            let summary = diagnostics
                .first()
                .map(|d| d.message.clone())
                .unwrap_or_else(|| "the cell did not compile".to_owned());
            let mut details = Vec::new();
            for diagnostic in &diagnostics {
                if !details.is_empty() {
                    details.push(String::new());
                }
                details.extend(render(diagnostic, code));
                if let Some(hint) = Hint::for_compile_error(&diagnostic.message, vanished) {
                    details.push(String::new());
                    details.extend(hint.lines());
                }
            }
            failure("CompileError", summary, details)
        }
        CellResult::Panicked { message, location } => {
            // Locations in the code evcxr generates around the cell mean
            // nothing to the reader; those in a library (ndarray) do.
            let place = if location.is_empty() || location.starts_with("src/lib.rs") {
                "the cell panicked:".to_owned()
            } else {
                format!("the cell panicked at {}:", portable_location(&location))
            };
            failure(
                "Panic",
                message.clone(),
                vec![
                    place,
                    message,
                    "Variables defined before this cell are kept.".to_owned(),
                ],
            )
        }
        CellResult::Interrupted { recovery } => failure(
            "Interrupted",
            "the cell was interrupted".to_owned(),
            vec!["The cell was interrupted.".to_owned(), recovered(&recovery)],
        ),
        CellResult::ProcessDied { detail, recovery } => failure(
            "CellProcessDied",
            detail.clone(),
            vec![
                format!("The process running the cell stopped: {detail}."),
                recovered(&recovery),
                "The next cell runs normally.".to_owned(),
            ],
        ),
        CellResult::Failed(message) => failure("Error", message.clone(), vec![message]),
    }
}

/// What became of the session's variables, in a line.
fn recovered(recovery: &Recovery) -> String {
    match recovery {
        Recovery::Untouched => "The cell did not run; every variable is kept.".to_owned(),
        Recovery::CarriedOn => "The session carried on from a copy of the process taken just \
             before the cell: every variable defined by earlier cells is kept (variables this \
             cell defined are not)."
            .to_owned(),
        Recovery::Restarted { lost_variables } if lost_variables.is_empty() => {
            "The cell process was restarted; no variables were lost.".to_owned()
        }
        Recovery::Restarted { lost_variables } => format!(
            "The cell process was restarted (the session runs threads of its own, so no copy \
             of it could be kept); variables lost: {}.",
            lost_variables.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};
    use memscope_engine::diagnostics::{CellSpan, Diagnostic};

    use super::*;

    /// The error a user reads for `result` of cell `code`, as nbconvert
    /// and the notebook show it: `ename: evalue`, then the traceback.
    fn check(code: &str, result: CellResult, expected: Expect) {
        let vanished = |name: &str| (name == "gone").then(|| "`gone` was moved into `kept`".into());
        let shown = match describe(code, result, &vanished) {
            Err(failure) => format!(
                "{}: {}\n---\n{}\n",
                failure.name,
                failure.summary,
                failure.details.join("\n")
            ),
            Ok(Ran { value, page }) => format!("ok {value:?} {page:?}\n"),
        };
        expected.assert_eq(&shown);
    }

    fn compile_error(message: &str, line: usize, column: usize, width: usize) -> CellResult {
        CellResult::CompileError(vec![Diagnostic {
            level: "error".into(),
            code: Some("E0425".into()),
            message: message.into(),
            spans: vec![CellSpan {
                line,
                column,
                end_line: line,
                end_column: column + width,
                label: "not found in this scope".into(),
                primary: true,
            }],
            notes: vec!["help: a local variable with a similar name exists: `kept`".into()],
        }])
    }

    #[test]
    fn a_missing_value_that_moved_away_gets_a_hint() {
        check(
            "let x = 1;\nlet y = gone + x;",
            compile_error("cannot find value `gone` in this scope", 2, 9, 4),
            expect![[r#"
                CompileError: cannot find value `gone` in this scope
                ---
                error[E0425]: cannot find value `gone` in this scope
                 --> cell:2:9
                  |
                2 | let y = gone + x;
                  |         ^^^^ not found in this scope
                  |
                  = help: a local variable with a similar name exists: `kept`

                hint: `gone` was moved into `kept`
            "#]],
        );
    }

    #[test]
    fn a_borrowed_view_that_cannot_persist_gets_the_npview_hint() {
        check(
            "let v = a.slice(s![1..3]);",
            compile_error(
                "The variable `v` contains a reference with a non-static lifetime so\ncan't be persisted.",
                1,
                5,
                1,
            ),
            expect![[r#"
                CompileError: The variable `v` contains a reference with a non-static lifetime so
                can't be persisted.
                ---
                error[E0425]: The variable `v` contains a reference with a non-static lifetime so
                              can't be persisted.
                 --> cell:1:5
                  |
                1 | let v = a.slice(s![1..3]);
                  |     ^ not found in this scope
                  |
                  = help: a local variable with a similar name exists: `kept`

                hint: `v` borrows from another variable, and a borrow cannot outlive its cell.
                      For a view that lives on in later cells, use an NpArray: its views share the
                      buffer and persist, as NumPy's do:
                          let a = NpArray::from(a);  // or np::arange(..), np::zeros(..)
                          let v = a.slice(s![1..3]);  // a view of a's buffer
                      Or keep the view inside one cell (wrap the code in { }), or copy it with .to_owned().
            "#]],
        );
    }

    #[test]
    fn panics_in_libraries_say_where_and_panics_in_the_cell_do_not() {
        let panic = |location: &str| CellResult::Panicked {
            message: "index out of bounds".into(),
            location: location.into(),
        };
        check(
            "a.at(&[9])",
            panic("/home/me/.cargo/registry/src/x/ndarray-0.17.2/src/arraytraits.rs:26:5"),
            expect![[r#"
                Panic: index out of bounds
                ---
                the cell panicked at ndarray-0.17.2/src/arraytraits.rs:26:5:
                index out of bounds
                Variables defined before this cell are kept.
            "#]],
        );
        check(
            "panic!()",
            panic("src/lib.rs:12:3"),
            expect![[r#"
                Panic: index out of bounds
                ---
                the cell panicked:
                index out of bounds
                Variables defined before this cell are kept.
            "#]],
        );
    }

    #[test]
    fn interrupts_and_dead_processes_say_what_became_of_the_variables() {
        check(
            "loop {}",
            CellResult::Interrupted {
                recovery: Recovery::CarriedOn,
            },
            expect![[r#"
                Interrupted: the cell was interrupted
                ---
                The cell was interrupted.
                The session carried on from a copy of the process taken just before the cell: every variable defined by earlier cells is kept (variables this cell defined are not).
            "#]],
        );
        check(
            "loop {}",
            CellResult::Interrupted {
                recovery: Recovery::Untouched,
            },
            expect![[r#"
                Interrupted: the cell was interrupted
                ---
                The cell was interrupted.
                The cell did not run; every variable is kept.
            "#]],
        );
        check(
            "std::process::exit(4)",
            CellResult::ProcessDied {
                detail: "the cell ended its process with exit status 4 (std::process::exit)".into(),
                recovery: Recovery::Restarted {
                    lost_variables: vec!["count".into(), "kept".into()],
                },
            },
            expect![[r#"
                CellProcessDied: the cell ended its process with exit status 4 (std::process::exit)
                ---
                The process running the cell stopped: the cell ended its process with exit status 4 (std::process::exit).
                The cell process was restarted (the session runs threads of its own, so no copy of it could be kept); variables lost: count, kept.
                The next cell runs normally.
            "#]],
        );
        check(
            "std::process::exit(4)",
            CellResult::ProcessDied {
                detail: "x".into(),
                recovery: Recovery::Restarted {
                    lost_variables: Vec::new(),
                },
            },
            expect![[r#"
                CellProcessDied: x
                ---
                The process running the cell stopped: x.
                The cell process was restarted; no variables were lost.
                The next cell runs normally.
            "#]],
        );
    }

    #[test]
    fn other_failures_are_shown_as_evcxr_words_them() {
        check(
            ":nonsense",
            CellResult::Failed("Unrecognised command :nonsense".into()),
            expect![[r#"
                Error: Unrecognised command :nonsense
                ---
                Unrecognised command :nonsense
            "#]],
        );
    }
}
