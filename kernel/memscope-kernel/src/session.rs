//! Building replies and broadcasts that are parented to a request.
//!
//! Invariant: every message the kernel sends in answer to a request goes
//! through [`Session`], so every reply and every IOPub message carries that
//! request as its parent header, which is how nbclient and nbval attribute
//! output to cells.

use jupyter_protocol::{JupyterMessage, JupyterMessageContent, Status};
use memscope_protocol::transport::{Channel, Outbox};

/// The kernel's side of one request: sends its reply and its broadcasts.
pub struct Session<'a> {
    outbox: &'a Outbox,
    request: &'a JupyterMessage,
    reply_channel: Channel,
}

impl<'a> Session<'a> {
    pub fn new(outbox: &'a Outbox, request: &'a JupyterMessage, reply_channel: Channel) -> Self {
        Session {
            outbox,
            request,
            reply_channel,
        }
    }

    pub fn request(&self) -> &JupyterMessage {
        self.request
    }

    fn child(&self, content: impl Into<JupyterMessageContent>) -> JupyterMessage {
        let mut message = JupyterMessage::new(content.into(), Some(self.request));
        message.header.username = "memscope".to_owned();
        message
    }

    /// Sends the reply on the channel the request came in on.
    pub fn reply(&self, content: impl Into<JupyterMessageContent>) {
        self.outbox.send(self.reply_channel, self.child(content));
    }

    /// Broadcasts on IOPub.
    pub fn publish(&self, content: impl Into<JupyterMessageContent>) {
        let mut message = self.child(content);
        message.zmq_identities.clear();
        self.outbox.send(Channel::Iopub, message);
    }

    /// Sends a request on the stdin channel to the client that sent our
    /// request (same identities).
    pub fn ask(&self, content: impl Into<JupyterMessageContent>) -> JupyterMessage {
        let message = self.child(content);
        self.outbox.send(Channel::Stdin, message.clone());
        message
    }

    pub fn busy(&self) {
        self.publish(Status::busy());
    }

    pub fn idle(&self) {
        self.publish(Status::idle());
    }
}
