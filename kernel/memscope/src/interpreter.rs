//! Adapts the engine (which knows nothing of Jupyter) to the dispatcher's
//! `Interpreter` trait: cell results become Jupyter-shaped errors here.

use std::sync::Arc;

use memscope_engine::completeness::{completeness, Completeness as EngineCompleteness};
use memscope_engine::diagnostics::render;
use memscope_engine::{CellObserver, CellResult, Engine, Event, StreamKind};
use memscope_kernel::interpreter::{
    CellError, CellIo, CellOutcome, Completeness, Completions, Display, Interpreter, Interrupter,
    MimeBundle, StreamName,
};
use memscope_prelude::channel::Message;

pub struct EngineInterpreter {
    engine: Engine,
}

impl EngineInterpreter {
    pub fn new(engine: Engine) -> Self {
        EngineInterpreter { engine }
    }
}

struct InterruptEngine(memscope_engine::Interrupter);

impl Interrupter for InterruptEngine {
    fn interrupt(&self) {
        self.0.interrupt();
    }
}

/// Forwards engine events to the dispatcher's cell output.
struct Forward<'a>(&'a mut dyn CellIo);

impl CellObserver for Forward<'_> {
    fn event(&mut self, event: Event) {
        match event {
            Event::Stream(StreamKind::Stdout, text) => self.0.stream(StreamName::Stdout, &text),
            Event::Stream(StreamKind::Stderr, text) => self.0.stream(StreamName::Stderr, &text),
            Event::Display(Message::Display { id, bundle }) => self.0.display(Display {
                data: bundle,
                display_id: id,
                update: false,
            }),
            Event::Display(Message::Update { id, bundle }) => self.0.display(Display {
                data: bundle,
                display_id: Some(id),
                update: true,
            }),
            Event::Display(Message::Clear { wait }) => self.0.clear_output(wait),
            // The engine turns panics into the cell's result.
            Event::Display(Message::Panic { .. }) | Event::Panic { .. } => {}
        }
    }

    fn input(&mut self, prompt: &str, password: bool) -> Option<String> {
        self.0.input(prompt, password).ok()
    }
}

impl Interpreter for EngineInterpreter {
    fn execute(&mut self, code: &str, io: &mut dyn CellIo) -> CellOutcome {
        let result = self.engine.execute(code, &mut Forward(io));
        outcome(code, result)
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

fn lost(variables: &[String]) -> String {
    if variables.is_empty() {
        "No variables were lost.".to_owned()
    } else {
        format!("Variables lost: {}.", variables.join(", "))
    }
}

/// Turns an engine result into what Jupyter shows.
pub fn outcome(code: &str, result: CellResult) -> CellOutcome {
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
            }
            error("CompileError", evalue, traceback)
        }
        CellResult::Panicked { message, location } => {
            // Locations in the code evcxr generates around the cell mean
            // nothing to the reader; those in a library (ndarray) do.
            let place = if location.is_empty() || location.starts_with("src/lib.rs") {
                "the cell panicked:".to_owned()
            } else {
                format!("the cell panicked at {location}:")
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
        CellResult::Interrupted { lost_variables } => error(
            "Interrupted",
            "the cell was interrupted".to_owned(),
            vec![
                "The cell was interrupted and its process restarted.".to_owned(),
                lost(&lost_variables),
            ],
        ),
        CellResult::ProcessDied {
            detail,
            lost_variables,
        } => error(
            "CellProcessDied",
            "the process running the cell stopped".to_owned(),
            vec![
                detail,
                "The cell process was restarted; the next cell runs normally.".to_owned(),
                lost(&lost_variables),
            ],
        ),
        CellResult::Failed(message) => error("Error", message.clone(), vec![message]),
    }
}
