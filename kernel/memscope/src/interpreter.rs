//! Adapts the engine (which knows nothing of Jupyter) to the dispatcher's
//! `Interpreter` trait: cell results become Jupyter-shaped errors here.

use std::sync::Arc;

use memscope_engine::completeness::{completeness, Completeness as EngineCompleteness};
use memscope_engine::diagnostics::render;
use memscope_engine::{CellObserver, CellResult, Engine, Event, Recovery, StreamKind};
use memscope_kernel::interpreter::{
    CellError, CellIo, CellOutcome, Completeness, Completions, Display, Interpreter, Interrupter,
    MimeBundle, StreamName,
};
use memscope_prelude::channel::Message;
use memscope_prelude::memory::facts::ArrayFacts;

use crate::build_progress::BuildProgress;
use crate::memory_display::{split_commands, MemoryDisplay};

pub struct EngineInterpreter {
    engine: Engine,
    memory: MemoryDisplay,
    /// Counts cells run, to give each cell's build progress its own id.
    cells_run: usize,
}

impl EngineInterpreter {
    pub fn new(engine: Engine) -> Self {
        EngineInterpreter {
            engine,
            memory: MemoryDisplay::default(),
            cells_run: 0,
        }
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
/// cell's memory report for the table and its build progress.
struct Forward<'a> {
    io: &'a mut dyn CellIo,
    cell: usize,
    memory: Option<Vec<(String, ArrayFacts)>>,
    build: Option<BuildProgress>,
}

impl CellObserver for Forward<'_> {
    fn event(&mut self, event: Event) {
        let io = &mut *self.io;
        match event {
            Event::Stream(StreamKind::Stdout, text) => io.stream(StreamName::Stdout, &text),
            Event::Stream(StreamKind::Stderr, text) => io.stream(StreamName::Stderr, &text),
            Event::Display(Message::Display { id, bundle }) => io.display(Display {
                data: bundle,
                display_id: id,
                update: false,
            }),
            Event::Display(Message::Update { id, bundle }) => io.display(Display {
                data: bundle,
                display_id: Some(id),
                update: true,
            }),
            Event::Display(Message::Clear { wait }) => io.clear_output(wait),
            Event::Memory(variables) | Event::Display(Message::Memory { variables }) => {
                self.memory = Some(variables)
            }
            Event::Compiling(name) => match &mut self.build {
                Some(build) => build.next_crate(name, io),
                None => self.build = Some(BuildProgress::start(self.cell, name, io)),
            },
            // The engine turns these into the cell's result.
            Event::Display(Message::Panic { .. } | Message::CarriedOn { .. })
            | Event::Panic { .. }
            | Event::CarriedOn { .. } => {}
        }
    }

    fn input(&mut self, prompt: &str, password: bool) -> Option<String> {
        self.io.input(prompt, password).ok()
    }
}

impl Interpreter for EngineInterpreter {
    fn execute(&mut self, code: &str, execution_count: usize, io: &mut dyn CellIo) -> CellOutcome {
        let (commands, rest) = match split_commands(code) {
            Ok(split) => split,
            Err(message) => return outcome(code, CellResult::Failed(message), &|_| None),
        };
        let mut shown: Vec<MimeBundle> = commands
            .into_iter()
            .filter_map(|command| self.memory.command(command))
            .collect();
        if rest.trim().is_empty() {
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
        } else if let Some(variables) = forward.memory {
            shown.extend(
                self.memory
                    .after_cell(&variables, rest, execution_count, succeeded),
            );
        }
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
    use super::portable_location;

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
