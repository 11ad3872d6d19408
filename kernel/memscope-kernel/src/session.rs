//! Building replies and broadcasts that are parented to a request.
//!
//! Invariant: every message the kernel sends in answer to a request goes
//! through [`Session`], so every reply and every IOPub message carries that
//! request as its parent header, which is how nbclient and nbval attribute
//! output to cells.

use jupyter_protocol::{
    JupyterMessage, JupyterMessageContent, ReplyError, ReplyStatus, Status, UnknownMessage,
};
use serde::Serialize;

use crate::media::JsonData;
use crate::outbox::{Channel, Outbox};

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
        self.publish_with(content, JsonData::default());
    }

    /// Broadcasts a display on IOPub, with `json` to be written into its
    /// `data` as it is.
    pub fn publish_with(&self, content: impl Into<JupyterMessageContent>, json: JsonData) {
        let mut message = self.child(content);
        message.zmq_identities.clear();
        self.outbox.send_with(Channel::Iopub, message, json);
    }

    /// Sends a request on the stdin channel to the client that sent our
    /// request (same identities).
    pub fn ask(&self, content: impl Into<JupyterMessageContent>) -> JupyterMessage {
        let message = self.child(content);
        self.outbox.send(Channel::Stdin, message.clone());
        message
    }

    /// Replies `<type>_reply` with status error, for a request we cannot
    /// serve (unknown, or with content that did not parse).
    pub fn reply_with_error(&self, ename: &str, evalue: &str) {
        let reply_type = match self.request.header.msg_type.strip_suffix("_request") {
            Some(stem) => format!("{stem}_reply"),
            None => "error_reply".to_owned(),
        };
        let content = ErrorReply {
            status: ReplyStatus::Error,
            error: ReplyError {
                ename: ename.to_owned(),
                evalue: evalue.to_owned(),
                traceback: vec![format!("{ename}: {evalue}")],
            },
        };
        self.reply(JupyterMessageContent::UnknownMessage(UnknownMessage {
            msg_type: reply_type,
            content: serde_json::to_value(content)
                .expect("an error reply has only string fields, which always serialise"),
        }));
    }

    pub fn busy(&self) {
        self.publish(Status::busy());
    }

    pub fn idle(&self) {
        self.publish(Status::idle());
    }
}

/// The content of any `*_reply` with status error. jupyter-protocol types the
/// error fields ([`ReplyError`]) and the status, but its typed replies each
/// carry fields of their own (an `execute_reply` its execution count, a
/// `kernel_info_reply` the language), and it has no type at all for the reply
/// to a request it does not know; so this pairs the two and travels as an
/// `UnknownMessage`.
#[derive(Serialize)]
struct ErrorReply {
    status: ReplyStatus,
    #[serde(flatten)]
    error: ReplyError,
}
