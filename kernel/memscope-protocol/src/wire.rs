//! Multipart frames to typed messages and back.
//!
//! Invariants: [`decode`] never panics, whatever the frames; it checks the
//! signature before it parses any JSON; a message whose envelope is sound but
//! whose content cannot be parsed is still returned (as
//! [`Decoded::Unparsed`]) so that the kernel can answer it with an error
//! reply instead of leaving the client waiting.

use bytes::Bytes;
use jupyter_protocol::{Header, JupyterMessage, JupyterMessageContent, UnknownMessage};
use serde_json::{Map, Value};

use memscope_kernel::identity::PROTOCOL_VERSION;
use memscope_kernel::media::JsonData;
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::signing::{Signer, Verdict};

/// The frame that separates routing identities from the message.
pub const DELIMITER: &[u8] = b"<IDS|MSG>";

/// Frames larger than this are refused before any parsing: no legitimate
/// request comes close, and parsing one would only cost memory.
pub const MAX_FRAME_BYTES: usize = 64 * 1024 * 1024;

/// Why a multipart message was dropped without a reply.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DropReason {
    #[error("no <IDS|MSG> delimiter among {0} frames")]
    NoDelimiter(usize),
    #[error("{0} frames after the delimiter; a message needs at least 5")]
    TooFewFrames(usize),
    #[error("a frame of {0} bytes exceeds the limit")]
    FrameTooLarge(usize),
    #[error("signature does not match")]
    BadSignature,
    #[error("message is not signed")]
    MissingSignature,
    #[error("header is not a valid Jupyter header: {0}")]
    BadHeader(String),
}

/// A verified message, parsed as far as its content allows.
#[derive(Debug)]
pub enum Decoded {
    /// Header and content both parsed.
    Message(Box<JupyterMessage>),
    /// The header is sound but the content did not parse for its type. The
    /// message carries the raw content as an [`UnknownMessage`] of the
    /// original type, and `problem` says what was wrong.
    Unparsed {
        message: Box<JupyterMessage>,
        problem: String,
    },
}

/// Verifies and parses one multipart message.
pub fn decode(frames: Vec<Bytes>, signer: &Signer) -> Result<Decoded, DropReason> {
    if let Some(big) = frames.iter().find(|f| f.len() > MAX_FRAME_BYTES) {
        return Err(DropReason::FrameTooLarge(big.len()));
    }
    let Some(split) = frames.iter().position(|f| f.as_ref() == DELIMITER) else {
        return Err(DropReason::NoDelimiter(frames.len()));
    };
    let identities = frames[..split].to_vec();
    let rest = &frames[split + 1..];
    if rest.len() < 5 {
        return Err(DropReason::TooFewFrames(rest.len()));
    }
    let (signature, header, parent, metadata, content) =
        (&rest[0], &rest[1], &rest[2], &rest[3], &rest[4]);
    let buffers = rest[5..].to_vec();

    match signer.verify(signature, [header, parent, metadata, content]) {
        Verdict::Valid => {}
        Verdict::Mismatch => return Err(DropReason::BadSignature),
        Verdict::Missing => return Err(DropReason::MissingSignature),
    }

    let header: Header =
        serde_json::from_slice(header).map_err(|e| DropReason::BadHeader(e.to_string()))?;
    // A parent header or metadata that does not parse is not worth refusing
    // the request over: both are advisory for a kernel.
    let parent_header = serde_json::from_slice::<Value>(parent)
        .ok()
        .and_then(|v| jupyter_protocol::deserialize_parent_header(v).ok())
        .flatten();
    let metadata = serde_json::from_slice::<Value>(metadata)
        .ok()
        .filter(Value::is_object)
        .unwrap_or_else(|| Value::Object(Map::new()));

    let (content, problem) = match serde_json::from_slice::<Value>(content) {
        Err(e) => (
            raw_content(&header.msg_type, Value::Null),
            Some(format!("content is not JSON: {e}")),
        ),
        Ok(value) => {
            let value = fill_optional_fields(&header.msg_type, value);
            match JupyterMessageContent::from_type_and_content(&header.msg_type, value.clone()) {
                Ok(content) => (content, None),
                Err(e) => (
                    raw_content(&header.msg_type, value),
                    Some(format!("invalid {} content: {e}", header.msg_type)),
                ),
            }
        }
    };

    let message = Box::new(JupyterMessage {
        zmq_identities: identities,
        header,
        parent_header,
        metadata,
        content,
        buffers,
        channel: None,
    });
    Ok(match problem {
        None => Decoded::Message(message),
        Some(problem) => Decoded::Unparsed { message, problem },
    })
}

fn raw_content(msg_type: &str, content: Value) -> JupyterMessageContent {
    JupyterMessageContent::UnknownMessage(UnknownMessage {
        msg_type: msg_type.to_owned(),
        content,
    })
}

/// Supplies the fields that the spec calls optional but that
/// jupyter-protocol 2.0.3 requires, so that requests built with
/// jupyter_client's defaults parse. Without this a `history_request` for a
/// range without `stop`, or a search without `unique` and `n`, would fail to
/// parse and its sender would wait forever.
fn fill_optional_fields(msg_type: &str, mut value: Value) -> Value {
    let Some(object) = value.as_object_mut() else {
        return value;
    };
    let mut default = |key: &str, v: Value| {
        object.entry(key.to_owned()).or_insert(v);
    };
    match msg_type {
        "history_request" => {
            default("output", Value::Bool(false));
            default("raw", Value::Bool(true));
            default("hist_access_type", Value::from("tail"));
            default("session", Value::Null);
            default("start", Value::from(0));
            default("stop", Value::from(i32::MAX));
            default("n", Value::from(i32::MAX));
            default("pattern", Value::from("*"));
            default("unique", Value::Bool(false));
            // `null` is how jupyter_client sends "not given" for n.
            for key in ["n", "stop", "start"] {
                if object.get(key).is_some_and(Value::is_null) {
                    let fallback = if key == "start" { 0 } else { i32::MAX };
                    object.insert(key.to_owned(), Value::from(fallback));
                }
            }
        }
        "inspect_request" => default("detail_level", Value::from(0)),
        "shutdown_request" => default("restart", Value::Bool(false)),
        "execute_request" => {
            default("silent", Value::Bool(false));
            default("store_history", Value::Bool(true));
            default("user_expressions", Value::Object(Map::new()));
        }
        _ => {}
    }
    value
}

/// Serialises and signs a message into frames, identities first; `json`
/// goes into the content's `data` as it is.
pub fn encode(message: &JupyterMessage, json: &JsonData, signer: &Signer) -> Vec<Bytes> {
    // jupyter-protocol's headers say 5.3; ours say the version we speak.
    let mut header = message.header.clone();
    header.version = PROTOCOL_VERSION.to_owned();
    let header = to_json(&header);
    let parent = match &message.parent_header {
        Some(parent) => to_json(parent),
        None => b"{}".to_vec(),
    };
    let metadata = to_json(&message.metadata);
    let content = content_frame(&message.content, json);
    let signature = signer.sign([&header, &parent, &metadata, &content]);

    let mut frames = Vec::with_capacity(message.zmq_identities.len() + 6 + message.buffers.len());
    frames.extend(message.zmq_identities.iter().cloned());
    frames.push(Bytes::from_static(DELIMITER));
    frames.push(Bytes::from(signature.into_bytes()));
    frames.push(Bytes::from(header));
    frames.push(Bytes::from(parent));
    frames.push(Bytes::from(metadata));
    frames.push(Bytes::from(content));
    frames.extend(message.buffers.iter().cloned());
    frames
}

/// The `iopub_welcome` a new IOPub subscriber gets (protocol 5.5, JEP 65):
/// no parent, and the subscription's topic both as its content and as its
/// routing frame (none for the empty topic, which every subscriber has).
pub fn iopub_welcome(topic: &str) -> JupyterMessage {
    let mut message = JupyterMessage::new(
        JupyterMessageContent::UnknownMessage(UnknownMessage {
            msg_type: "iopub_welcome".to_owned(),
            content: serde_json::json!({ "subscription": topic }),
        }),
        None,
    );
    message.header.username = "memscope".to_owned();
    message.zmq_identities = if topic.is_empty() {
        Vec::new()
    } else {
        vec![Bytes::from(topic.as_bytes().to_vec())]
    };
    message
}

/// The content as JSON, with `json`'s parts written into its `data`
/// object beside the media already there. Only displays carry such parts,
/// and their `data` is a top-level field.
fn content_frame(content: &JupyterMessageContent, json: &JsonData) -> Vec<u8> {
    if json.is_empty() {
        return to_json(content);
    }
    // The content without the JSON parts is small: text and HTML.
    let Ok(Value::Object(mut fields)) = serde_json::to_value(content) else {
        return to_json(content);
    };
    let data = match fields.remove("data") {
        Some(Value::Object(data)) => data,
        _ => Map::new(),
    };
    to_json(&WithData {
        fields: &fields,
        data: &data,
        json,
    })
}

/// A content object whose `data` holds both values and JSON text.
struct WithData<'a> {
    fields: &'a Map<String, Value>,
    data: &'a Map<String, Value>,
    json: &'a JsonData,
}

impl Serialize for WithData<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len() + 1))?;
        for (key, value) in self.fields {
            map.serialize_entry(key, value)?;
        }
        map.serialize_entry("data", &Data(self.data, self.json))?;
        map.end()
    }
}

struct Data<'a>(&'a Map<String, Value>, &'a JsonData);

impl Serialize for Data<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Data(values, json) = self;
        let mut map = serializer.serialize_map(Some(values.len() + json.0.len()))?;
        for (mime, value) in values.iter() {
            map.serialize_entry(mime, value)?;
        }
        for (mime, text) in &json.0 {
            map.serialize_entry(mime, text)?;
        }
        map.end()
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Serialising these types cannot fail: they hold only strings, numbers,
    // maps with string keys and serde_json values.
    serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jupyter_protocol::{ExecuteRequest, HistoryRequest};

    fn signer() -> Signer {
        Signer::from_connection("test-key", "hmac-sha256").unwrap()
    }

    fn frames_for(msg_type: &str, content: &str, signer: &Signer) -> Vec<Bytes> {
        let header = format!(
            r#"{{"msg_id":"m1","username":"u","session":"s","date":"2026-01-01T00:00:00Z","msg_type":"{msg_type}","version":"5.3"}}"#
        );
        let sig = signer.sign([header.as_bytes(), b"{}", b"{}", content.as_bytes()]);
        vec![
            Bytes::from_static(b"peer"),
            Bytes::from_static(DELIMITER),
            Bytes::from(sig),
            Bytes::from(header),
            Bytes::from_static(b"{}"),
            Bytes::from_static(b"{}"),
            Bytes::from(content.to_owned()),
        ]
    }

    fn expect_message(decoded: Decoded) -> JupyterMessage {
        match decoded {
            Decoded::Message(m) => *m,
            Decoded::Unparsed { problem, .. } => panic!("unparsed: {problem}"),
        }
    }

    #[test]
    fn encode_then_decode_round_trips() {
        let s = signer();
        let mut msg = JupyterMessage::new(ExecuteRequest::new("1 + 1".into()), None);
        msg.zmq_identities = vec![Bytes::from_static(b"client-7")];
        let decoded = expect_message(decode(encode(&msg, &JsonData::default(), &s), &s).unwrap());
        assert_eq!(decoded.header.msg_id, msg.header.msg_id);
        assert_eq!(decoded.zmq_identities, msg.zmq_identities);
        match decoded.content {
            JupyterMessageContent::ExecuteRequest(r) => assert_eq!(r.code, "1 + 1"),
            other => panic!("unexpected {other:?}"),
        }
    }

    /// JSON text beside a display is written into its `data` as it is,
    /// beside the parts the message holds, and the whole is signed.
    #[test]
    fn json_text_goes_into_the_data_of_a_display() {
        use jupyter_protocol::{DisplayData, Media, MediaType};
        use serde_json::value::RawValue;
        let s = signer();
        let display = DisplayData {
            data: Media::new(vec![MediaType::Plain("the table".into())]),
            metadata: Default::default(),
            transient: None,
        };
        let msg = JupyterMessage::new(display, None);
        let table =
            r#"{"version":3,"variables":[{"name":"a","values":{"head":["1.0"],"tail":[]}}]}"#;
        let json = JsonData(vec![(
            "application/vnd.memscope.memory+json".to_owned(),
            RawValue::from_string(table.to_owned()).unwrap(),
        )]);
        let frames = encode(&msg, &json, &s);
        let content = frames.last().unwrap().clone();
        let written = std::str::from_utf8(&content).unwrap();
        assert!(written.contains(table), "written as it is: {written}");
        let decoded = expect_message(decode(frames, &s).unwrap());
        let JupyterMessageContent::DisplayData(shown) = decoded.content else {
            panic!("{:?}", decoded.content);
        };
        let data = serde_json::to_value(&shown.data).unwrap();
        assert_eq!(data["text/plain"], "the table");
        assert_eq!(
            data["application/vnd.memscope.memory+json"]["variables"][0]["name"],
            "a"
        );
        let fields = serde_json::from_slice::<Value>(&content).unwrap();
        assert!(
            fields.get("metadata").is_some(),
            "other fields kept: {fields}"
        );
    }

    #[test]
    fn short_and_undelimited_messages_are_dropped_not_panicking() {
        let s = signer();
        assert_eq!(decode(vec![], &s).unwrap_err(), DropReason::NoDelimiter(0));
        assert_eq!(
            decode(vec![Bytes::from_static(b"x")], &s).unwrap_err(),
            DropReason::NoDelimiter(1)
        );
        for keep in 0..5 {
            let frames: Vec<Bytes> = frames_for("kernel_info_request", "{}", &s)
                .into_iter()
                .take(1 + 1 + keep)
                .collect();
            assert!(decode(frames, &s).is_err(), "{keep} frames after delimiter");
        }
    }

    #[test]
    fn wrong_and_missing_signatures_are_dropped() {
        let s = signer();
        let other = Signer::from_connection("other", "hmac-sha256").unwrap();
        let frames = frames_for("execute_request", r#"{"code":"1"}"#, &other);
        assert_eq!(decode(frames, &s).unwrap_err(), DropReason::BadSignature);
        let mut frames = frames_for("execute_request", r#"{"code":"1"}"#, &s);
        frames[2] = Bytes::new();
        assert_eq!(
            decode(frames, &s).unwrap_err(),
            DropReason::MissingSignature
        );
    }

    #[test]
    fn bad_header_is_dropped() {
        let s = signer();
        let mut frames = frames_for("kernel_info_request", "{}", &s);
        frames[3] = Bytes::from_static(b"[1,2]");
        let sig = s.sign([&frames[3], &frames[4], &frames[5], &frames[6]]);
        frames[2] = Bytes::from(sig);
        assert!(matches!(decode(frames, &s), Err(DropReason::BadHeader(_))));
    }

    #[test]
    fn invalid_content_is_returned_for_an_error_reply() {
        let s = signer();
        for content in [r#"{"silent": 3}"#, "not json", "[]"] {
            match decode(frames_for("execute_request", content, &s), &s).unwrap() {
                Decoded::Unparsed { message, problem } => {
                    assert_eq!(message.header.msg_type, "execute_request");
                    assert!(!problem.is_empty());
                }
                Decoded::Message(m) => panic!("{content} parsed as {:?}", m.content),
            }
        }
    }

    #[test]
    fn history_requests_with_client_defaults_parse() {
        let s = signer();
        let cases = [
            r#"{"hist_access_type":"range","output":false,"raw":true}"#,
            r#"{"hist_access_type":"search","pattern":"a*","output":false,"raw":true}"#,
            r#"{"hist_access_type":"tail","n":null,"output":false,"raw":true}"#,
            r#"{"hist_access_type":"range","session":0,"start":1,"stop":null,"output":false,"raw":true}"#,
        ];
        for content in cases {
            let msg =
                expect_message(decode(frames_for("history_request", content, &s), &s).unwrap());
            assert!(
                matches!(msg.content, JupyterMessageContent::HistoryRequest(_)),
                "{content}"
            );
        }
        let msg = expect_message(decode(frames_for("history_request", cases[1], &s), &s).unwrap());
        match msg.content {
            JupyterMessageContent::HistoryRequest(HistoryRequest::Search { unique, n, .. }) => {
                assert!(!unique);
                assert_eq!(n, i32::MAX);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_types_become_unknown_messages() {
        let s = signer();
        let msg =
            expect_message(decode(frames_for("bogus_request", r#"{"a":1}"#, &s), &s).unwrap());
        match msg.content {
            JupyterMessageContent::UnknownMessage(u) => assert_eq!(u.msg_type, "bogus_request"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn oversized_frames_are_refused_before_parsing() {
        let s = signer();
        let mut frames = frames_for("execute_request", r#"{"code":"1"}"#, &s);
        frames.push(Bytes::from(vec![0u8; MAX_FRAME_BYTES + 1]));
        assert!(matches!(
            decode(frames, &s),
            Err(DropReason::FrameTooLarge(_))
        ));
    }

    #[test]
    fn every_header_says_protocol_5_5_and_a_welcome_reads_back() {
        let signer = signer();
        let welcome = iopub_welcome("");
        let frames = encode(&welcome, &JsonData::default(), &signer);
        assert_eq!(
            &frames[0][..],
            DELIMITER,
            "the empty topic has no routing frame"
        );
        let header: Value = serde_json::from_slice(&frames[2]).unwrap();
        assert_eq!(header["version"], "5.5");
        assert_eq!(header["msg_type"], "iopub_welcome");
        let content: Value = serde_json::from_slice(&frames[5]).unwrap();
        assert_eq!(content, serde_json::json!({"subscription": ""}));
        let decoded = expect_message(decode(frames, &signer).unwrap());
        assert!(decoded.parent_header.is_none());

        let topical = encode(&iopub_welcome("stream"), &JsonData::default(), &signer);
        assert_eq!(&topical[0][..], b"stream");
        let content: Value = serde_json::from_slice(&topical[6]).unwrap();
        assert_eq!(content["subscription"], "stream");
    }
}
