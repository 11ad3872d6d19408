//! Every interrupt takes one path, wherever it comes from (an
//! `interrupt_request` on control or shell, a shutdown, SIGINT, SIGTERM):
//! [`Interrupts::interrupt`] stops the interpreter's running cell and
//! cancels a pending request for input, which the shell waits on.
//!
//! Invariant: nothing else calls the interpreter's `Interrupter::interrupt`
//! or cancels input, so no caller can do half of it.

use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use crate::interpreter::Interrupter;

/// The one way to interrupt. Cheap to clone; all clones are one.
#[derive(Clone)]
pub struct Interrupts {
    interpreter: Arc<dyn Interrupter>,
    cancel_input: Sender<()>,
    heard: Receiver<()>,
}

impl Interrupts {
    pub fn new(interpreter: Arc<dyn Interrupter>) -> Interrupts {
        let (cancel_input, heard) = crossbeam_channel::unbounded();
        Interrupts {
            interpreter,
            cancel_input,
            heard,
        }
    }

    /// Stops the running cell, and a wait for input with it.
    pub fn interrupt(&self) {
        self.interpreter.interrupt();
        let _ = self.cancel_input.send(());
    }

    /// Tells the interpreter a request starts (see
    /// `Interrupter::request_started`).
    pub fn request_started(&self) {
        self.interpreter.request_started();
    }

    /// What a wait for input hears: one message per interrupt.
    pub fn heard(&self) -> &Receiver<()> {
        &self.heard
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[derive(Default)]
    struct Counting(AtomicUsize);

    impl Interrupter for Counting {
        fn interrupt(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Issue 24: each caller stopped the cell and cancelled input by
    /// hand, and SIGTERM's path did only the first.
    #[test]
    fn i24_an_interrupt_stops_the_cell_and_cancels_input_together() {
        let interpreter = Arc::new(Counting::default());
        let interrupts = Interrupts::new(interpreter.clone());
        let from_a_signal = interrupts.clone();
        from_a_signal.interrupt();
        interrupts.interrupt();
        assert_eq!(interpreter.0.load(Ordering::SeqCst), 2);
        assert_eq!(interrupts.heard().try_iter().count(), 2);
    }
}
