//! Adapts the engine (which knows nothing of Jupyter) to the dispatcher's
//! `Interpreter` trait: cell results become Jupyter-shaped errors here.

use std::sync::Arc;

use memscope_engine::completeness::{completeness, Completeness as EngineCompleteness};
use memscope_engine::diagnostics::render;
use memscope_engine::{
    ArrayFacts, CellObserver, CellResult, DisplayRequest, Engine, Event, Recovery, StreamKind,
};
use memscope_kernel::interpreter::{
    CellError, CellIo, CellOutcome, Completeness, Completions, Display, Interpreter, Interrupter,
    MimeBundle, StreamName,
};

use crate::build_progress::BuildProgress;
use crate::memory_display::{split_commands, MemoryDisplay};
use crate::parameters;
use crate::variables_panel;
use memscope_kernel::debug::VariablesBoard;

pub struct EngineInterpreter {
    engine: Engine,
    memory: MemoryDisplay,
    /// Counts cells run, to give each cell's build progress its own id.
    cells_run: usize,
    /// Where each cell's variables go for JupyterLab's Variables panel.
    board: VariablesBoard,
    /// The one-line values of the simple variables, as the last cell that
    /// ran reported them.
    values: Vec<(String, String)>,
}

impl EngineInterpreter {
    pub fn new(engine: Engine, board: VariablesBoard) -> Self {
        EngineInterpreter {
            engine,
            memory: MemoryDisplay::default(),
            cells_run: 0,
            board,
            values: Vec::new(),
        }
    }

    /// Publishes the session's variables as the cell left them.
    fn publish_variables(&mut self) {
        let types = self.engine.variable_types();
        self.board.publish(variables_panel::snapshot(
            &types,
            &self.values,
            self.memory.last_table(),
            self.memory.render_options(),
        ));
    }
}

struct InterruptEngine(memscope_engine::Interrupter);

impl Interrupter for InterruptEngine {
    fn interrupt(&self) {
        self.0.interrupt();
    }

    fn request_started(&self) {
        self.0.request_started();
    }
}

/// Forwards engine events to the dispatcher's cell output, keeping the
/// cell's memory report for the table, its variables' values for the
/// Variables panel, and its build progress.
struct Forward<'a> {
    io: &'a mut dyn CellIo,
    cell: usize,
    memory: Option<Vec<(String, ArrayFacts)>>,
    values: Option<Vec<(String, String)>>,
    build: Option<BuildProgress>,
}

impl CellObserver for Forward<'_> {
    fn event(&mut self, event: Event) {
        let io = &mut *self.io;
        match event {
            Event::Stream(StreamKind::Stdout, text) => io.stream(StreamName::Stdout, &text),
            Event::Stream(StreamKind::Stderr, text) => io.stream(StreamName::Stderr, &text),
            Event::Display(DisplayRequest::Show { id, bundle }) => io.display(Display {
                data: bundle,
                display_id: id,
                update: false,
            }),
            Event::Display(DisplayRequest::Update { id, bundle }) => io.display(Display {
                data: bundle,
                display_id: Some(id),
                update: true,
            }),
            Event::Display(DisplayRequest::Clear { wait }) => io.clear_output(wait),
            Event::Memory(variables) => self.memory = Some(variables),
            Event::Values(values) => self.values = Some(values),
            Event::Compiling(name) => match &mut self.build {
                Some(build) => build.next_crate(name, io),
                None => self.build = Some(BuildProgress::start(self.cell, name, io)),
            },
        }
    }

    fn input(&mut self, prompt: &str, password: bool) -> Option<String> {
        self.io.input(prompt, password).ok()
    }
}

impl Interpreter for EngineInterpreter {
    fn execute(&mut self, code: &str, execution_count: usize, io: &mut dyn CellIo) -> CellOutcome {
        let rewritten;
        let code = if parameters::has_parameters(code) {
            let types = self.engine.variable_types();
            let session_type = |name: &str| {
                types
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, t)| t.clone())
            };
            match parameters::rewrite(code, &session_type) {
                Ok(lets) => {
                    rewritten = lets;
                    rewritten.as_str()
                }
                Err(message) => return outcome(code, CellResult::Failed(message), &|_| None),
            }
        } else {
            code
        };
        let (commands, rest) = match split_commands(code) {
            Ok(split) => split,
            Err(message) => return outcome(code, CellResult::Failed(message), &|_| None),
        };
        let mut shown: Vec<MimeBundle> = commands
            .into_iter()
            .filter_map(|command| self.memory.command(command))
            .collect();
        if rest.trim().is_empty() {
            // `:memory addresses` alone changes what Render Variable shows.
            self.publish_variables();
            return CellOutcome::Ok {
                result: Vec::new(),
                page: None,
                after: shown,
            };
        }
        self.cells_run += 1;
        let mut forward = Forward {
            io,
            cell: self.cells_run,
            memory: None,
            values: None,
            build: None,
        };
        let result = self.engine.execute(rest, &mut forward);
        if let Some(build) = forward.build.take() {
            build.finish(forward.io);
        }
        let succeeded = matches!(result, CellResult::Ran { .. });
        let restarted = matches!(
            result,
            CellResult::Interrupted {
                recovery: Recovery::Restarted { .. }
            } | CellResult::ProcessDied {
                recovery: Recovery::Restarted { .. },
                ..
            }
        );
        if restarted {
            // The error names the lost variables; the table starts afresh.
            self.memory.restart();
            self.values.clear();
        } else if let Some(variables) = forward.memory {
            shown.extend(
                self.memory
                    .after_cell(&variables, rest, execution_count, succeeded),
            );
        }
        if let Some(values) = forward.values {
            self.values = values;
        }
        self.publish_variables();
        let memory = &self.memory;
        match outcome(rest, result, &|name| memory.vanished(name)) {
            CellOutcome::Ok { result, page, .. } => CellOutcome::Ok {
                result,
                page,
                after: shown,
            },
            error => error,
        }
    }

    fn complete(&mut self, code: &str, cursor: usize) -> Completions {
        let found = self.engine.complete(code, cursor);
        Completions {
            matches: found.matches,
            start: found.start,
            end: found.end,
        }
    }

    fn inspect(&mut self, code: &str, cursor: usize) -> Option<MimeBundle> {
        self.engine.inspect(code, cursor)
    }

    fn is_complete(&self, code: &str) -> Completeness {
        match completeness(code) {
            EngineCompleteness::Complete => Completeness::Complete,
            EngineCompleteness::Incomplete(indent) => Completeness::Incomplete(indent),
            EngineCompleteness::Invalid => Completeness::Invalid,
        }
    }

    fn interrupter(&self) -> Arc<dyn Interrupter> {
        Arc::new(InterruptEngine(self.engine.interrupter()))
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

/// evcxr keeps variables between cells only if they borrow nothing; a
/// borrowed `ArrayView` is the case NumPy users meet first. Under that
/// error we say how to keep a view that does persist.
fn persisting_view_hint(message: &str) -> Option<Vec<String>> {
    if !message.contains("can't be persisted") {
        return None;
    }
    let name = message
        .split('`')
        .nth(1)
        .filter(|n| n.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .unwrap_or("v");
    Some(vec![
        format!("hint: `{name}` borrows from another variable, and a borrow cannot outlive its cell."),
        "      For a view that lives on in later cells, use an NpArray: its views share the".to_owned(),
        "      buffer and persist, as NumPy's do:".to_owned(),
        "          let a = NpArray::from(a);  // or np::arange(..), np::zeros(..)".to_owned(),
        format!("          let {name} = a.slice(s![1..3]);  // a view of a's buffer"),
        "      Or keep the view inside one cell (wrap the code in { }), or copy it with .to_owned().".to_owned(),
    ])
}

/// A panic location without the machine's folders: from the crate's folder
/// on (`ndarray-0.17.2/src/...`, `memscope-prelude/src/...`), so that an
/// output saved in a notebook is the same on every machine.
fn portable_location(location: &str) -> &str {
    if !location.starts_with('/') {
        return location;
    }
    match location.rfind("/src/") {
        Some(src) => {
            let crate_start = location[..src].rfind('/').map_or(0, |slash| slash + 1);
            &location[crate_start..]
        }
        None => location.rsplit('/').next().unwrap_or(location),
    }
}

/// The name in rustc's "cannot find value `x` in this scope".
fn missing_value(message: &str) -> Option<&str> {
    message
        .strip_prefix("cannot find value `")?
        .split('`')
        .next()
}

/// Turns an engine result into what Jupyter shows. `vanished` says where
/// a variable that no longer exists went, if anyone knows.
pub fn outcome(
    code: &str,
    result: CellResult,
    vanished: &dyn Fn(&str) -> Option<String>,
) -> CellOutcome {
    // Like Python's, the traceback ends with `name: value`, so tools that
    // show only the traceback (nbconvert's error message) still name it.
    let error = |ename: &str, evalue: String, mut traceback: Vec<String>| {
        traceback.push(String::new());
        traceback.push(format!("{ename}: {evalue}"));
        CellOutcome::Error(CellError {
            ename: ename.to_owned(),
            evalue,
            traceback,
        })
    };
    match result {
        CellResult::Ran { value, page } => CellOutcome::Ok {
            result: value,
            page,
            after: Vec::new(),
        },
        CellResult::CompileError(diagnostics) => {
            let evalue = diagnostics
                .first()
                .map(|d| d.message.clone())
                .unwrap_or_else(|| "the cell did not compile".to_owned());
            let mut traceback = Vec::new();
            for diagnostic in &diagnostics {
                if !traceback.is_empty() {
                    traceback.push(String::new());
                }
                traceback.extend(render(diagnostic, code));
                if let Some(hint) = persisting_view_hint(&diagnostic.message) {
                    traceback.push(String::new());
                    traceback.extend(hint);
                }
                if let Some(why) = missing_value(&diagnostic.message).and_then(vanished) {
                    traceback.push(String::new());
                    traceback.push(format!("hint: {why}"));
                }
            }
            error("CompileError", evalue, traceback)
        }
        CellResult::Panicked { message, location } => {
            // Locations in the code evcxr generates around the cell mean
            // nothing to the reader; those in a library (ndarray) do.
            let place = if location.is_empty() || location.starts_with("src/lib.rs") {
                "the cell panicked:".to_owned()
            } else {
                format!("the cell panicked at {}:", portable_location(&location))
            };
            error(
                "Panic",
                message.clone(),
                vec![
                    place,
                    message,
                    "Variables defined before this cell are kept.".to_owned(),
                ],
            )
        }
        CellResult::Interrupted { recovery } => error(
            "Interrupted",
            "the cell was interrupted".to_owned(),
            vec!["The cell was interrupted.".to_owned(), recovered(&recovery)],
        ),
        CellResult::ProcessDied { detail, recovery } => error(
            "CellProcessDied",
            detail.clone(),
            vec![
                format!("The process running the cell stopped: {detail}."),
                recovered(&recovery),
                "The next cell runs normally.".to_owned(),
            ],
        ),
        CellResult::Failed(message) => error("Error", message.clone(), vec![message]),
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{expect, Expect};
    use memscope_engine::diagnostics::{CellSpan, Diagnostic};

    use super::*;

    /// The error a user reads for `result` of cell `code`, as nbconvert
    /// and the notebook show it: `ename: evalue`, then the traceback.
    fn check(code: &str, result: CellResult, expected: Expect) {
        let vanished = |name: &str| (name == "gone").then(|| "`gone` was moved into `kept`".into());
        let shown = match outcome(code, result, &vanished) {
            CellOutcome::Error(error) => format!(
                "{}: {}\n---\n{}\n",
                error.ename,
                error.evalue,
                error.traceback.join("\n")
            ),
            CellOutcome::Ok { result, page, .. } => format!("ok {result:?} {page:?}\n"),
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
                  = help: a local variable with a similar name exists: `kept`

                hint: `gone` was moved into `kept`

                CompileError: cannot find value `gone` in this scope
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
                  = help: a local variable with a similar name exists: `kept`

                hint: `v` borrows from another variable, and a borrow cannot outlive its cell.
                      For a view that lives on in later cells, use an NpArray: its views share the
                      buffer and persist, as NumPy's do:
                          let a = NpArray::from(a);  // or np::arange(..), np::zeros(..)
                          let v = a.slice(s![1..3]);  // a view of a's buffer
                      Or keep the view inside one cell (wrap the code in { }), or copy it with .to_owned().

                CompileError: The variable `v` contains a reference with a non-static lifetime so
                can't be persisted.
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

                Panic: index out of bounds
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

                Panic: index out of bounds
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

                Interrupted: the cell was interrupted
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

                Interrupted: the cell was interrupted
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

                CellProcessDied: the cell ended its process with exit status 4 (std::process::exit)
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

                CellProcessDied: x
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

                Error: Unrecognised command :nonsense
            "#]],
        );
    }

    #[test]
    fn hints_read_only_the_messages_they_are_for() {
        assert_eq!(
            missing_value("cannot find value `x` in this scope"),
            Some("x")
        );
        assert_eq!(missing_value("cannot find type `X` in this scope"), None);
        assert!(persisting_view_hint("mismatched types").is_none());
        let odd_name = persisting_view_hint("The variable `a.b` ... can't be persisted").unwrap();
        assert!(odd_name[4].contains("let v = "), "{odd_name:?}");
    }

    #[test]
    fn panic_locations_lose_the_machines_folders() {
        assert_eq!(
            portable_location(
                "/home/me/src/memscope/kernel/memscope-prelude/src/nparray/access.rs:1:2"
            ),
            "memscope-prelude/src/nparray/access.rs:1:2"
        );
        assert_eq!(
            portable_location(
                "/root/.cargo/registry/src/index.crates.io-1/ndarray-0.17.2/src/lib.rs:9:1"
            ),
            "ndarray-0.17.2/src/lib.rs:9:1"
        );
        assert_eq!(portable_location("src/lib.rs:3:4"), "src/lib.rs:3:4");
        assert_eq!(portable_location("/x/y.rs:1:1"), "y.rs:1:1");
    }
}
