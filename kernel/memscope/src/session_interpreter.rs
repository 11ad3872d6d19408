//! Adapts the session (which knows nothing of Jupyter) to the dispatcher's
//! `Interpreter` trait; every conversion is `to_kernel`'s.

use std::sync::Arc;

use memscope_kernel::debug::VariablesBoard;
use memscope_kernel::interpreter::{
    CellIo, CellOutcome, Completeness, Completions, Interpreter, Interrupter, KernelIdentity,
    MimeBundle,
};
use memscope_session::{DisplayRequest, Observer, Session, StreamKind, completeness};

use crate::to_kernel;

pub struct SessionInterpreter {
    session: Session,
    /// Where each cell's variables go for JupyterLab's Variables panel.
    board: VariablesBoard,
    identity: KernelIdentity,
}

impl SessionInterpreter {
    pub fn new(session: Session, board: VariablesBoard, identity: KernelIdentity) -> Self {
        SessionInterpreter {
            session,
            board,
            identity,
        }
    }
}

struct InterruptSession(memscope_session::Interrupter);

impl Interrupter for InterruptSession {
    fn interrupt(&self) {
        self.0.interrupt();
    }

    fn request_started(&self) {
        self.0.request_started();
    }
}

/// The session's observer, writing to the dispatcher's cell output.
struct Forward<'a>(&'a mut dyn CellIo);

impl Observer for Forward<'_> {
    fn stream(&mut self, kind: StreamKind, text: &str) {
        self.0.stream(to_kernel::stream_name(kind), text);
    }

    fn display(&mut self, request: DisplayRequest) {
        match to_kernel::display(request) {
            Ok(display) => self.0.display(display),
            Err(wait) => self.0.clear_output(wait),
        }
    }

    fn input(&mut self, prompt: &str, password: bool) -> Option<String> {
        self.0.input(prompt, password).ok()
    }
}

impl Interpreter for SessionInterpreter {
    fn execute(&mut self, code: &str, execution_count: usize, io: &mut dyn CellIo) -> CellOutcome {
        let report = self.session.run(code, execution_count, &mut Forward(io));
        self.board
            .publish(to_kernel::variables_snapshot(report.variables));
        to_kernel::outcome(report.result, report.shown)
    }

    fn complete(&mut self, code: &str, cursor: usize) -> Completions {
        to_kernel::completions(self.session.complete(code, cursor))
    }

    fn inspect(&mut self, code: &str, cursor: usize, detail_level: u8) -> Option<MimeBundle> {
        self.session
            .inspect(code, cursor, detail_level)
            .map(to_kernel::text_bundle)
    }

    fn is_complete(&self, code: &str) -> Completeness {
        to_kernel::completeness(completeness(code))
    }

    fn interrupter(&self) -> Arc<dyn Interrupter> {
        Arc::new(InterruptSession(self.session.interrupter()))
    }

    fn identity(&self) -> KernelIdentity {
        self.identity.clone()
    }
}
