//! The kernel's five ZeroMQ sockets and the tasks that move frames between
//! them and the dispatcher's channels ([`memscope_kernel::outbox`]).
//!
//! Invariants: sockets bind only to the transport and address of the
//! connection file; no task ever returns early on a bad message or a
//! disconnected peer (each error is logged and the loop goes on); the
//! heartbeat echoes exactly the bytes it received; the outbox's queue is
//! written to the sockets in order on two lanes, control's replies on one
//! and every other channel on the other, so a reply on control never waits
//! behind a backlog of output on IOPub; a flush is acknowledged only after
//! everything queued before it was handed to its socket; IOPub is an XPUB
//! socket, and each new subscription gets an `iopub_welcome` (protocol 5.5,
//! JEP 65), so a client knows its subscription is in place. Above this module
//! nothing knows a socket: requests arrive on [`Endpoints`]' receivers, and
//! replies and broadcasts leave through an [`Outbox`].

use std::time::Duration;

use bytes::Bytes;
use crossbeam_channel::{Receiver, Sender};
use jupyter_protocol::ConnectionInfo;
use memscope_kernel::media::JsonData;
use memscope_kernel::outbox::{Channel, FlushAck, Inbound, Outbox, Outgoing};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

use crate::signing::{SchemeError, Signer};
use crate::wire::{self, Decoded};

/// The receiving ends of the request channels, plus the outbox.
pub struct Endpoints {
    pub shell: Receiver<Inbound>,
    pub control: Receiver<Inbound>,
    pub stdin: Receiver<Inbound>,
    pub outbox: Outbox,
}

/// Why the transport could not start. The cause is the error's source, not
/// part of its message: the binary prints the whole chain once.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error(transparent)]
    Scheme(#[from] SchemeError),
    #[error("cannot bind {channel} socket to {url}")]
    Bind {
        channel: &'static str,
        url: String,
        source: zeromq::ZmqError,
    },
    #[error("cannot start the thread that hands the outbox to the sockets")]
    Forwarder(#[source] std::io::Error),
}

/// Binds all five sockets and spawns their tasks on `runtime`.
pub fn start(
    info: &ConnectionInfo,
    runtime: &tokio::runtime::Handle,
) -> Result<Endpoints, TransportError> {
    let signer = Signer::from_connection(&info.key, &info.signature_scheme)?;
    if !signer.is_signing() {
        tracing::warn!("the connection file has an empty key: messages are not signed");
    }
    runtime.block_on(bind_all(info, signer, runtime))
}

async fn bind<S: Socket>(
    mut socket: S,
    channel: &'static str,
    url: String,
) -> Result<S, TransportError> {
    socket
        .bind(&url)
        .await
        .map_err(|source| TransportError::Bind {
            channel,
            url,
            source,
        })?;
    Ok(socket)
}

async fn bind_all(
    info: &ConnectionInfo,
    signer: Signer,
    runtime: &tokio::runtime::Handle,
) -> Result<Endpoints, TransportError> {
    let shell = bind(zeromq::RouterSocket::new(), "shell", info.shell_url()).await?;
    let control = bind(zeromq::RouterSocket::new(), "control", info.control_url()).await?;
    let stdin = bind(zeromq::RouterSocket::new(), "stdin", info.stdin_url()).await?;
    let iopub = bind(zeromq::XPubSocket::new(), "iopub", info.iopub_url()).await?;
    let heartbeat = bind(zeromq::RepSocket::new(), "heartbeat", info.hb_url()).await?;

    let (shell_send, shell_recv) = shell.split();
    let (control_send, control_recv) = control.split();
    let (stdin_send, stdin_recv) = stdin.split();

    let (shell_tx, shell_rx) = crossbeam_channel::unbounded();
    let (control_tx, control_rx) = crossbeam_channel::unbounded();
    let (stdin_tx, stdin_rx) = crossbeam_channel::unbounded();
    runtime.spawn(read_requests("shell", shell_recv, signer.clone(), shell_tx));
    runtime.spawn(read_requests(
        "control",
        control_recv,
        signer.clone(),
        control_tx,
    ));
    runtime.spawn(read_requests("stdin", stdin_recv, signer.clone(), stdin_tx));
    runtime.spawn(echo_heartbeats(heartbeat));

    let (outbox, queue) = Outbox::new();
    let (to_ordered, ordered_queue) = unbounded_channel();
    let (to_control, control_queue) = unbounded_channel();
    std::thread::Builder::new()
        .name("outbox".into())
        .spawn(move || forward_outbox(&queue, &to_ordered, &to_control))
        .map_err(TransportError::Forwarder)?;
    let ordered = OutgoingSockets {
        shell: Some(shell_send),
        stdin: Some(stdin_send),
        iopub: Some(iopub),
        control: None,
    };
    let control = OutgoingSockets {
        control: Some(control_send),
        shell: None,
        stdin: None,
        iopub: None,
    };
    runtime.spawn(write_messages(ordered_queue, ordered, signer.clone()));
    runtime.spawn(write_messages(control_queue, control, signer));

    Ok(Endpoints {
        shell: shell_rx,
        control: control_rx,
        stdin: stdin_rx,
        outbox,
    })
}

async fn read_requests<R: SocketRecv>(
    channel: &'static str,
    mut socket: R,
    signer: Signer,
    sink: Sender<Inbound>,
) {
    loop {
        let frames = match socket.recv().await {
            Ok(message) => message.into_vec(),
            Err(error) => {
                // The only error a ROUTER's receive half returns is "no
                // message" when it has no peers; wait a little rather than spin.
                tracing::debug!(channel, %error, "receive failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let inbound = match wire::decode(frames, &signer) {
            Ok(Decoded::Message(message)) => Inbound {
                message: *message,
                problem: None,
            },
            Ok(Decoded::Unparsed { message, problem }) => {
                tracing::warn!(channel, msg_type = %message.header.msg_type, %problem, "unparsable request");
                Inbound {
                    message: *message,
                    problem: Some(problem),
                }
            }
            Err(reason) => {
                tracing::warn!(channel, %reason, "dropped a message");
                continue;
            }
        };
        if sink.send(inbound).is_err() {
            return; // The kernel has stopped listening.
        }
    }
}

async fn echo_heartbeats(mut socket: zeromq::RepSocket) {
    loop {
        match socket.recv().await {
            Ok(ping) => {
                if let Err(error) = socket.send(ping).await {
                    // A client that went away between ping and pong is normal.
                    tracing::debug!(%error, "heartbeat reply failed");
                }
            }
            Err(error) => {
                tracing::debug!(%error, "heartbeat receive failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

/// How long a flush waits for the control lane before it goes on.
const CONTROL_FLUSH_WAIT: Duration = Duration::from_secs(2);

/// Moves the outbox's entries, in order, from its crossbeam queue (on which
/// a task must not block) to the writer tasks' tokio queues: replies on
/// control to a lane of their own, every other message to the other. A
/// flush goes on to the other lane once the control lane has written what
/// came before it. Ends when every outbox is gone or a writer task has
/// stopped.
fn forward_outbox(
    queue: &Receiver<Outgoing>,
    ordered: &UnboundedSender<Outgoing>,
    control: &UnboundedSender<Outgoing>,
) {
    for outgoing in queue.iter() {
        let lane = match &outgoing {
            Outgoing::Message(Channel::Control, ..) => control,
            Outgoing::Message(..) => ordered,
            Outgoing::Flush(_) => {
                let (ack, done) = FlushAck::new();
                if control.send(Outgoing::Flush(ack)).is_ok() {
                    let _ = done.recv_timeout(CONTROL_FLUSH_WAIT);
                }
                ordered
            }
        };
        if lane.send(outgoing).is_err() {
            return;
        }
    }
}

/// The sockets one writer task owns.
struct OutgoingSockets {
    shell: Option<zeromq::RouterSendHalf>,
    control: Option<zeromq::RouterSendHalf>,
    stdin: Option<zeromq::RouterSendHalf>,
    iopub: Option<zeromq::XPubSocket>,
}

async fn write_messages(
    mut queue: UnboundedReceiver<Outgoing>,
    mut sockets: OutgoingSockets,
    signer: Signer,
) {
    loop {
        // An XPUB socket learns its subscriptions only when it is read, so
        // the lane that owns IOPub reads it between messages (both waits
        // can be given up without losing anything; a send never is).
        let outgoing = match sockets.iopub.as_mut() {
            Some(iopub) => tokio::select! {
                outgoing = queue.recv() => outgoing,
                subscription = iopub.recv() => {
                    if let Ok(frames) = subscription {
                        welcome(iopub, &frames, &signer).await;
                    }
                    continue;
                }
            },
            None => queue.recv().await,
        };
        let Some(outgoing) = outgoing else { return };
        let (channel, mut message, json) = match outgoing {
            Outgoing::Message(channel, message, json) => (channel, message, json),
            Outgoing::Flush(ack) => {
                ack.acknowledge();
                continue;
            }
        };
        if channel == Channel::Iopub {
            // IOPub is broadcast; its single "identity" is the topic.
            message.zmq_identities = vec![Bytes::from(message.header.msg_type.clone())];
        }
        let frames = wire::encode(&message, &json, &signer);
        let Ok(frames) = ZmqMessage::try_from(frames) else {
            continue; // Unreachable: encode always yields at least six frames.
        };
        let result = match (channel, &mut sockets) {
            (Channel::Shell, OutgoingSockets { shell: Some(s), .. }) => s.send(frames).await,
            (
                Channel::Control,
                OutgoingSockets {
                    control: Some(s), ..
                },
            ) => s.send(frames).await,
            (Channel::Stdin, OutgoingSockets { stdin: Some(s), .. }) => s.send(frames).await,
            (Channel::Iopub, OutgoingSockets { iopub: Some(s), .. }) => s.send(frames).await,
            // Unreachable: `forward_outbox` routes each channel to the lane
            // that owns its socket.
            _ => continue,
        };
        if let Err(error) = result {
            tracing::warn!(?channel, msg_type = %message.header.msg_type, %error, "send failed");
        }
    }
}

/// Answers a subscription (one frame: 1, then the topic) with an
/// `iopub_welcome` under that topic; ignores unsubscriptions and anything
/// else a subscriber sends.
async fn welcome(iopub: &mut zeromq::XPubSocket, frames: &ZmqMessage, signer: &Signer) {
    let Some(topic) = subscription_topic(frames) else {
        return;
    };
    let message = wire::iopub_welcome(&topic);
    let frames = wire::encode(&message, &JsonData::default(), signer);
    let Ok(frames) = ZmqMessage::try_from(frames) else {
        return;
    };
    if let Err(error) = iopub.send(frames).await {
        tracing::warn!(%error, "iopub_welcome failed");
    }
}

/// The topic of a subscription message, or `None` for anything else.
fn subscription_topic(frames: &ZmqMessage) -> Option<String> {
    if frames.len() != 1 {
        return None;
    }
    let frame = frames.get(0)?;
    match frame.split_first() {
        Some((1, topic)) => String::from_utf8(topic.to_vec()).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status() -> jupyter_protocol::JupyterMessage {
        jupyter_protocol::JupyterMessage::new(jupyter_protocol::Status::idle(), None)
    }

    /// Issue 24: one queue for every channel put control's replies (an
    /// interrupt's, the Variables panel's) behind any backlog of output.
    #[test]
    fn i24_a_reply_on_control_does_not_wait_behind_output() {
        let (outbox, queue) = Outbox::new();
        let (to_ordered, mut ordered) = unbounded_channel();
        let (to_control, mut control) = unbounded_channel();
        for _ in 0..1000 {
            outbox.send(Channel::Iopub, status());
        }
        outbox.send(Channel::Control, status());
        outbox.send(Channel::Shell, status());
        drop(outbox);
        // Nothing drains the output's lane: the reply is on its own.
        forward_outbox(&queue, &to_ordered, &to_control);
        assert!(matches!(
            control.try_recv(),
            Ok(Outgoing::Message(Channel::Control, ..))
        ));
        assert!(control.try_recv().is_err());
        let mut channels = Vec::new();
        while let Ok(Outgoing::Message(channel, ..)) = ordered.try_recv() {
            channels.push(channel);
        }
        assert_eq!(channels.len(), 1001);
        assert_eq!(channels.last(), Some(&Channel::Shell), "in order");
    }

    /// A flush waits for both lanes: the control lane first, then the
    /// other, where the flush itself goes last.
    #[test]
    fn a_flush_follows_everything_on_both_lanes() {
        let (outbox, queue) = Outbox::new();
        let (to_ordered, mut ordered) = unbounded_channel();
        let (to_control, mut control) = unbounded_channel();
        outbox.send(Channel::Control, status());
        outbox.send(Channel::Iopub, status());
        let control_writer = std::thread::spawn(move || {
            let mut seen = Vec::new();
            while let Some(outgoing) = control.blocking_recv() {
                match outgoing {
                    Outgoing::Message(channel, ..) => seen.push(channel),
                    Outgoing::Flush(ack) => {
                        ack.acknowledge();
                        return seen;
                    }
                }
            }
            seen
        });
        let flusher = std::thread::spawn(move || outbox.flush(Duration::from_secs(30)));
        let forwarder =
            std::thread::spawn(move || forward_outbox(&queue, &to_ordered, &to_control));
        assert_eq!(control_writer.join().unwrap(), [Channel::Control]);
        assert!(matches!(
            ordered.blocking_recv(),
            Some(Outgoing::Message(Channel::Iopub, ..))
        ));
        match ordered.blocking_recv() {
            Some(Outgoing::Flush(ack)) => ack.acknowledge(),
            other => panic!("{other:?}"),
        }
        flusher.join().unwrap();
        drop(forwarder);
    }

    /// The message and its sources, joined as anyhow's `{:#}` prints them.
    fn chain(error: &dyn std::error::Error) -> String {
        let mut text = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            text.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        text
    }

    /// Regression: the cause was in the message and the source both, so
    /// the printed chain said it twice.
    #[test]
    fn a_bind_error_names_its_cause_once() {
        let error = TransportError::Bind {
            channel: "shell",
            url: "tcp://127.0.0.1:1".into(),
            source: zeromq::ZmqError::Socket("address in use"),
        };
        assert_eq!(
            chain(&error),
            "cannot bind shell socket to tcp://127.0.0.1:1: Socket Error: address in use"
        );
    }

    #[test]
    fn only_a_subscription_has_a_topic() {
        let one = |frame: &[u8]| ZmqMessage::from(frame.to_vec());
        assert_eq!(subscription_topic(&one(b"\x01")), Some(String::new()));
        assert_eq!(
            subscription_topic(&one(b"\x01status")),
            Some("status".to_owned())
        );
        assert_eq!(
            subscription_topic(&one(b"\x00status")),
            None,
            "an unsubscription"
        );
        assert_eq!(subscription_topic(&one(b"\x01\xff")), None, "not UTF-8");
        let two = ZmqMessage::try_from(vec![Bytes::from_static(b"\x01"), Bytes::from_static(b"x")])
            .unwrap();
        assert_eq!(subscription_topic(&two), None);
    }
}
