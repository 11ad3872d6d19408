//! What the socket-free tests of the shell and the control channel share:
//! building requests, and reading back what the dispatcher sent for one.

use crossbeam_channel::Receiver;
use jupyter_protocol::{JupyterMessage, JupyterMessageContent};
use memscope_kernel::identity::KernelIdentity;
use memscope_kernel::media::JsonData;
use memscope_kernel::outbox::{Channel, Inbound, Outgoing};

/// One message the dispatcher sent: its channel, its type and itself.
pub type Sent = (Channel, String, JupyterMessage);

pub fn identity() -> KernelIdentity {
    KernelIdentity {
        implementation: "testkernel".into(),
        implementation_version: "0.1.0".into(),
        language: "testlang".into(),
        language_version: "1.0".into(),
        mimetype: "text/x-test".into(),
        file_extension: ".test".into(),
        pygments_lexer: "text".into(),
        codemirror_mode: "text".into(),
        banner: "a test kernel".into(),
        help_links: vec![("Help".into(), "https://example.org/".into())],
    }
}

pub fn inbound(content: impl Into<JupyterMessageContent>) -> Inbound {
    Inbound {
        message: JupyterMessage::new(content.into(), None),
        problem: None,
    }
}

/// The message as a client reads it: with the JSON that travels beside
/// its content written into the content's `data`, as the transport does.
pub fn as_received(mut message: JupyterMessage, json: JsonData) -> JupyterMessage {
    if json.is_empty() {
        return message;
    }
    let mut content = serde_json::to_value(&message.content).unwrap();
    for (mime, text) in json.0 {
        content["data"][mime] = serde_json::from_str(text.get()).unwrap();
    }
    message.content =
        JupyterMessageContent::from_type_and_content(&message.header.msg_type, content).unwrap();
    message
}

/// Records a message sent for the request `parent`, checking that it is
/// parented to it.
pub fn sent_for(parent: &str, channel: Channel, message: JupyterMessage) -> Sent {
    assert_eq!(
        message.parent_header.as_ref().map(|h| h.msg_id.as_str()),
        Some(parent),
        "{} not parented to the request",
        message.header.msg_type
    );
    (channel, message.header.msg_type.clone(), message)
}

/// Everything queued so far, each message checked to be parented to the
/// request `parent`.
pub fn drain(out: &Receiver<Outgoing>, parent: &str) -> Vec<Sent> {
    let mut sent = Vec::new();
    while let Ok(Outgoing::Message(channel, message, json)) = out.try_recv() {
        sent.push(sent_for(parent, channel, as_received(message, json)));
    }
    sent
}

pub fn kinds(sent: &[Sent]) -> Vec<String> {
    sent.iter().map(|(_, t, _)| t.clone()).collect()
}

pub fn channels(sent: &[Sent]) -> Vec<Channel> {
    sent.iter().map(|(c, _, _)| *c).collect()
}

/// The `status` field of a reply's content.
pub fn status_of(message: &JupyterMessage) -> String {
    content_field(message, "status")
}

/// The `execution_state` of a status broadcast, empty for other messages.
pub fn execution_state(message: &JupyterMessage) -> String {
    content_field(message, "execution_state")
}

fn content_field(message: &JupyterMessage, field: &str) -> String {
    serde_json::to_value(&message.content).unwrap()[field]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}
