//! What passes between the dispatcher and a transport: requests come in as
//! [`Inbound`] values on crossbeam receivers, and every message goes out
//! through an [`Outbox`]. A transport (memscope-protocol's ZeroMQ sockets,
//! or a test) implements the other end of these channels, so the dispatcher
//! depends on no transport.
//!
//! Invariant: the outbox is one FIFO queue for all channels, so messages on
//! one channel leave in the order they were queued (a transport may write
//! the control channel's on a lane of its own, so that replies on control
//! never wait behind a backlog of output); sending never blocks and never
//! fails the sender (once the transport is gone, sends do nothing); a flush
//! is acknowledged by the transport only after everything queued before it
//! has been handed to the wire.

use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use jupyter_protocol::JupyterMessage;

use crate::media::JsonData;

/// The socket a message travels on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Shell,
    Control,
    Stdin,
    Iopub,
}

impl Channel {
    /// The channel's name in the messaging spec.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Shell => "shell",
            Channel::Control => "control",
            Channel::Stdin => "stdin",
            Channel::Iopub => "iopub",
        }
    }
}

/// A verified request, with what was wrong with its content if anything.
#[derive(Debug)]
pub struct Inbound {
    pub message: JupyterMessage,
    /// Set when the content did not parse for its message type; the message
    /// then carries its raw content as an `UnknownMessage`.
    pub problem: Option<String>,
}

/// Sends messages out through the kernel's transport. Cheap to clone, usable
/// from any thread, and never blocks: a closed transport makes sends no-ops.
#[derive(Clone)]
pub struct Outbox {
    queue: Sender<Outgoing>,
}

/// An entry of the outgoing queue, as the transport receives it.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "nearly every entry is a message; boxing it would cost an allocation per message to save space only while a rare flush waits"
)]
pub enum Outgoing {
    /// A message, and JSON to write into its content's `data` (empty but
    /// for displays that carry JSON text).
    Message(Channel, JupyterMessage, JsonData),
    /// A request to acknowledge once everything queued before it has been
    /// handed to the wire.
    Flush(FlushAck),
}

/// The acknowledgement a transport owes for an [`Outgoing::Flush`].
#[derive(Debug)]
pub struct FlushAck(Sender<()>);

impl FlushAck {
    /// An acknowledgement and the receiver that hears it, for a transport
    /// that must flush lanes of its own before it acknowledges a flush.
    pub fn new() -> (FlushAck, Receiver<()>) {
        let (done, acknowledged) = crossbeam_channel::bounded(1);
        (FlushAck(done), acknowledged)
    }

    /// Tells the flushing thread that everything before the flush is out.
    pub fn acknowledge(self) {
        // An error means the flushing thread stopped waiting (its timeout
        // passed); it no longer needs to know.
        let _ = self.0.send(());
    }
}

impl Outbox {
    /// An outbox and the receiving end of its queue, which the transport
    /// drains in order.
    pub fn new() -> (Outbox, Receiver<Outgoing>) {
        let (queue, receiver) = crossbeam_channel::unbounded();
        (Outbox { queue }, receiver)
    }

    /// Queues `message` for `channel`. Messages on one channel leave in the
    /// order they were queued.
    pub fn send(&self, channel: Channel, message: JupyterMessage) {
        self.send_with(channel, message, JsonData::default());
    }

    /// Queues `message` with JSON text for its content's `data`.
    pub fn send_with(&self, channel: Channel, message: JupyterMessage, json: JsonData) {
        // An error means the transport has stopped, i.e. the kernel is
        // shutting down; there is nobody left to tell.
        let _ = self.queue.send(Outgoing::Message(channel, message, json));
    }

    /// Waits (at most `timeout`) until everything queued so far has been
    /// handed to the wire; used before the process exits.
    pub fn flush(&self, timeout: Duration) {
        let (ack, acknowledged) = FlushAck::new();
        if self.queue.send(Outgoing::Flush(ack)).is_ok() {
            // A timeout or a transport that dropped the flush both end the
            // wait; the caller exits either way.
            let _ = acknowledged.recv_timeout(timeout);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use jupyter_protocol::Status;

    use super::*;

    fn status() -> JupyterMessage {
        JupyterMessage::new(Status::idle(), None)
    }

    #[test]
    fn a_flush_returns_after_the_transport_took_everything_before_it() {
        let (outbox, queue) = Outbox::new();
        let handed_on = Arc::new(AtomicBool::new(false));
        let transport = {
            let handed_on = Arc::clone(&handed_on);
            std::thread::spawn(move || {
                let mut taken = Vec::new();
                for entry in queue.iter() {
                    match entry {
                        Outgoing::Message(channel, ..) => taken.push(channel),
                        Outgoing::Flush(ack) => {
                            handed_on.store(true, Ordering::SeqCst);
                            ack.acknowledge();
                            break;
                        }
                    }
                }
                taken
            })
        };
        outbox.send(Channel::Shell, status());
        outbox.send(Channel::Iopub, status());
        outbox.flush(Duration::from_secs(3600));
        assert!(handed_on.load(Ordering::SeqCst), "flush returned early");
        assert_eq!(transport.join().unwrap(), [Channel::Shell, Channel::Iopub]);
    }

    /// Flushes with a timeout far longer than the test may take, and
    /// fails (instead of hanging) if the flush waited anywhere near it.
    fn flush_ends_by_itself(outbox: &Outbox) {
        let began = std::time::Instant::now();
        outbox.flush(Duration::from_secs(60));
        let waited = began.elapsed();
        assert!(
            waited < Duration::from_secs(10),
            "the flush waited {waited:?}: for its timeout, not for the transport"
        );
    }

    #[test]
    fn a_flush_the_transport_drops_ends_the_wait() {
        let (outbox, queue) = Outbox::new();
        let transport = std::thread::spawn(move || drop(queue.recv()));
        flush_ends_by_itself(&outbox);
        transport.join().unwrap();
    }

    #[test]
    fn a_closed_transport_makes_sends_and_flushes_no_ops() {
        let (outbox, queue) = Outbox::new();
        drop(queue);
        outbox.send(Channel::Shell, status());
        flush_ends_by_itself(&outbox);
    }
}
