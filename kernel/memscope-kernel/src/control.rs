//! The control channel: kernel_info, interrupt and shutdown, served on their
//! own thread so that they are answered while a cell runs.
//!
//! Invariant: control never waits for the shell; an interrupt reaches the
//! interpreter through its [`Interrupter`], and a shutdown is replied to
//! before the process is asked to stop.

use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use jupyter_protocol::{InterruptReply, JupyterMessageContent, ShutdownReply};

use crate::identity::KernelIdentity;
use crate::interpreter::Interrupter;
use crate::outbox::{Channel, Inbound, Outbox};
use crate::session::Session;

/// What the control loop needs besides its requests.
pub struct Control {
    pub outbox: Outbox,
    pub identity: KernelIdentity,
    pub interrupter: Arc<dyn Interrupter>,
    /// Told of every interrupt, so a cell waiting for input stops waiting.
    pub interrupts: Sender<()>,
}

/// What a shutdown request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownAsked {
    pub restart: bool,
}

impl Control {
    /// Serves requests until a shutdown request arrives (returned) or the
    /// channel closes (`None`).
    pub fn run(&self, requests: &Receiver<Inbound>) -> Option<ShutdownAsked> {
        while let Ok(inbound) = requests.recv() {
            if let Some(asked) = self.handle(&inbound) {
                return Some(asked);
            }
        }
        None
    }

    pub fn handle(&self, inbound: &Inbound) -> Option<ShutdownAsked> {
        let session = Session::new(&self.outbox, &inbound.message, Channel::Control);
        session.busy();
        let mut shutdown = None;
        match (&inbound.problem, &inbound.message.content) {
            (None, JupyterMessageContent::KernelInfoRequest(_)) => {
                session.reply(self.identity.kernel_info_reply());
            }
            (None, JupyterMessageContent::InterruptRequest(_)) => {
                self.interrupter.interrupt();
                let _ = self.interrupts.send(());
                session.reply(InterruptReply::new());
            }
            (None, JupyterMessageContent::ShutdownRequest(request)) => {
                // Stop a running cell first, so the shell is free to wind down.
                self.interrupter.interrupt();
                let _ = self.interrupts.send(());
                session.reply(ShutdownReply {
                    restart: request.restart,
                    ..Default::default()
                });
                shutdown = Some(ShutdownAsked {
                    restart: request.restart,
                });
            }
            (problem, content) => {
                let why = match problem {
                    Some(problem) => problem.clone(),
                    None => format!(
                        "memscope does not handle {} on the control channel",
                        content.message_type()
                    ),
                };
                session.reply_with_error("UnknownRequest", &why);
            }
        }
        session.idle();
        shutdown
    }
}
