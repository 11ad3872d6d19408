//! The control channel: kernel_info, interrupt, shutdown, the debug
//! requests of JupyterLab's Variables panel (`debug.rs`) and the Kernel
//! Usage panel's `usage_request` (`usage.rs`), served on their own thread
//! so that they are answered while a cell runs.
//!
//! An `interrupt_request` sent on the shell channel (VS Code's Jupyter
//! extension sent interrupts there for `interrupt_mode: message` kernels
//! until late 2025) is taken off the shell's queue by
//! [`divert_shell_interrupts`] and answered here too, at once, on the shell
//! channel: queued behind the running cell, it could never stop it.
//!
//! Invariant: control never waits for the shell; an interrupt reaches the
//! interpreter through [`Interrupts`], and a shutdown is replied to
//! before the process is asked to stop.

use std::sync::Arc;

use crossbeam_channel::Receiver;
use jupyter_protocol::{
    DebugReply, InterruptReply, JupyterMessageContent, ShutdownReply, UnknownMessage,
};

use crate::debug::DebugAdapter;
use crate::identity::KernelIdentity;
use crate::interrupts::Interrupts;
use crate::outbox::{Channel, Inbound, Outbox};
use crate::session::Session;
use crate::usage::UsageMeter;

/// What the control loop needs besides its requests.
pub struct Control {
    pub outbox: Outbox,
    pub identity: KernelIdentity,
    /// Stops the running cell (and its wait for input).
    pub interrupts: Interrupts,
    /// Answers `debug_request`s (JupyterLab's Variables panel).
    pub debugger: Arc<DebugAdapter>,
    /// Answers `usage_request`s (the Kernel Usage panel).
    pub usage: UsageMeter,
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

    /// Answers one control request.
    pub fn handle(&self, inbound: &Inbound) -> Option<ShutdownAsked> {
        self.answer(inbound, Channel::Control)
    }

    /// Answers `inbound` with its reply on `channel`.
    fn answer(&self, inbound: &Inbound, channel: Channel) -> Option<ShutdownAsked> {
        let session = Session::new(&self.outbox, &inbound.message, channel);
        session.busy();
        let mut shutdown = None;
        match (&inbound.problem, &inbound.message.content) {
            (None, JupyterMessageContent::KernelInfoRequest(_)) => {
                session.reply(self.identity.kernel_info_reply());
            }
            (None, JupyterMessageContent::DebugRequest(request)) => {
                session.reply(DebugReply {
                    content: self.debugger.answer(&request.content),
                });
            }
            (None, JupyterMessageContent::InterruptRequest(_)) => {
                self.interrupts.interrupt();
                session.reply(InterruptReply::new());
            }
            (None, JupyterMessageContent::ShutdownRequest(request)) => {
                // Stop a running cell first, so the shell is free to wind down.
                self.interrupts.interrupt();
                session.reply(ShutdownReply {
                    restart: request.restart,
                    ..Default::default()
                });
                shutdown = Some(ShutdownAsked {
                    restart: request.restart,
                });
            }
            // Not a message type jupyter-protocol knows.
            (None, JupyterMessageContent::UnknownMessage(request))
                if request.msg_type == "usage_request" =>
            {
                session.reply(JupyterMessageContent::UnknownMessage(UnknownMessage {
                    msg_type: "usage_reply".to_owned(),
                    content: self.usage.usage(),
                }));
            }
            (problem, content) => {
                let why = match problem {
                    Some(problem) => problem.clone(),
                    None => format!(
                        "memscope does not handle {} on the {} channel",
                        content.message_type(),
                        channel.name()
                    ),
                };
                session.reply_with_error("UnknownRequest", &why);
            }
        }
        session.idle();
        shutdown
    }
}

/// Passes the shell's requests on to the returned queue, except interrupt
/// requests, which `control` answers as they arrive (on the shell channel,
/// where they came from), however long the running cell takes. The thread
/// ends when either side of it closes.
pub fn divert_shell_interrupts(
    control: Arc<Control>,
    shell: Receiver<Inbound>,
) -> std::io::Result<Receiver<Inbound>> {
    let (queue_tx, queue_rx) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name("shell-interrupts".into())
        .spawn(move || {
            while let Ok(inbound) = shell.recv() {
                if is_interrupt(&inbound) {
                    control.answer(&inbound, Channel::Shell);
                } else if queue_tx.send(inbound).is_err() {
                    return;
                }
            }
        })?;
    Ok(queue_rx)
}

fn is_interrupt(inbound: &Inbound) -> bool {
    inbound.problem.is_none()
        && matches!(
            inbound.message.content,
            JupyterMessageContent::InterruptRequest(_)
        )
}
