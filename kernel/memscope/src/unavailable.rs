//! The interpreter of a kernel whose engine could not start (no cache
//! folder it may write, say): the kernel stays up and answers every cell
//! with the reason, so the notebook shows it, instead of dying at launch
//! with the reason in a log the user never sees.

use std::sync::Arc;

use memscope_kernel::interpreter::{
    CellError, CellIo, CellOutcome, Completeness, Completions, Interpreter, Interrupter,
    KernelIdentity, MimeBundle,
};

pub struct Unavailable {
    reason: String,
    identity: KernelIdentity,
}

impl Unavailable {
    pub fn new(reason: String, identity: KernelIdentity) -> Unavailable {
        Unavailable { reason, identity }
    }
}

struct NothingToInterrupt;

impl Interrupter for NothingToInterrupt {
    fn interrupt(&self) {}
}

impl Interpreter for Unavailable {
    fn execute(&mut self, _code: &str, _count: usize, _io: &mut dyn CellIo) -> CellOutcome {
        CellOutcome::Error(CellError {
            ename: "KernelSetupError".to_owned(),
            evalue: self.reason.clone(),
            traceback: vec![format!("memscope cannot run cells: {}", self.reason)],
        })
    }

    fn complete(&mut self, _code: &str, cursor: usize) -> Completions {
        Completions {
            matches: Vec::new(),
            kinds: Vec::new(),
            signatures: Vec::new(),
            start: cursor,
            end: cursor,
        }
    }

    fn inspect(&mut self, _code: &str, _cursor: usize, _detail_level: u8) -> Option<MimeBundle> {
        None
    }

    fn is_complete(&self, _code: &str) -> Completeness {
        Completeness::Complete
    }

    fn interrupter(&self) -> Arc<dyn Interrupter> {
        Arc::new(NothingToInterrupt)
    }

    fn identity(&self) -> KernelIdentity {
        self.identity.clone()
    }
}
