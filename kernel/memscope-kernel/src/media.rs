//! Mime bundles to the protocol's media, and the JSON among them that
//! travels as text.
//!
//! Invariants: every bundle that leaves has a `text/plain` part; JSON a
//! display carries (the memory table's runs to megabytes for thousands of
//! arrays) is never built into a tree of values: it goes out in
//! [`JsonData`], which the transport writes into the content's `data` as it
//! is. Replies, whose bundles are small and whose data may sit deeper in
//! the content (a page payload), carry every part as a value.

use jupyter_protocol::{Media, MediaType};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::interpreter::{MimeBundle, MimeData};

/// Parts of a display's `data` already written as JSON text, as
/// `(mime type, JSON)` pairs, for the transport to write beside the parts
/// in the message's own media.
#[derive(Debug, Clone, Default)]
pub struct JsonData(pub Vec<(String, Box<RawValue>)>);

impl JsonData {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A display's media: text parts in the message, JSON parts as text
/// beside it. JSON a cell printed as text is checked, not parsed; text
/// that is not JSON goes out as a string.
pub fn display_media(bundle: MimeBundle) -> (Media, JsonData) {
    let mut json = JsonData::default();
    let mut parts = Vec::new();
    for (mime, data) in with_plain_text(bundle) {
        match data {
            MimeData::Json(text) => json.0.push((mime, text)),
            MimeData::Text(text) if is_json_mime(&mime) => {
                match serde_json::from_str::<&RawValue>(&text) {
                    Ok(checked) => json.0.push((mime, checked.to_owned())),
                    Err(_) => parts.push(MediaType::Other((mime, Value::String(text)))),
                }
            }
            MimeData::Text(text) => parts.push(text_media(mime, text)),
        }
    }
    (Media::new(parts), json)
}

/// A reply's media: every part in the message, JSON as values.
pub fn media(bundle: MimeBundle) -> Media {
    let parts = with_plain_text(bundle)
        .into_iter()
        .map(|(mime, data)| match data {
            MimeData::Json(text) => {
                let value = serde_json::from_str(text.get()).unwrap_or(Value::Null);
                MediaType::Other((mime, value))
            }
            MimeData::Text(text) if is_json_mime(&mime) => {
                let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
                MediaType::Other((mime, value))
            }
            MimeData::Text(text) => text_media(mime, text),
        })
        .collect();
    Media::new(parts)
}

/// A bundle without `text/plain` gets one that names what it holds: text
/// front ends (jupyter console, Zed's REPL, nbconvert's text exports) show
/// only that part, and would show nothing at all.
fn with_plain_text(mut bundle: MimeBundle) -> MimeBundle {
    if !bundle.is_empty() && !bundle.iter().any(|(mime, _)| mime == "text/plain") {
        let held: Vec<&str> = bundle.iter().map(|(mime, _)| mime.as_str()).collect();
        let plain = format!("[{} output]", held.join(", "));
        bundle.push(("text/plain".to_owned(), MimeData::Text(plain)));
    }
    bundle
}

fn is_json_mime(mime: &str) -> bool {
    mime.ends_with("json")
}

fn text_media(mime: String, data: String) -> MediaType {
    match mime.as_str() {
        "text/plain" => MediaType::Plain(data),
        "text/html" => MediaType::Html(data),
        "text/markdown" => MediaType::Markdown(data),
        "text/latex" => MediaType::Latex(data),
        "image/svg+xml" => MediaType::Svg(data),
        "image/png" => MediaType::Png(data),
        "image/jpeg" => MediaType::Jpeg(data),
        "image/gif" => MediaType::Gif(data),
        _ => MediaType::Other((mime, Value::String(data))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain_of(media: &Media) -> Option<String> {
        media.content.iter().find_map(|m| match m {
            MediaType::Plain(text) => Some(text.clone()),
            _ => None,
        })
    }

    fn json(text: &str) -> MimeData {
        MimeData::Json(RawValue::from_string(text.to_owned()).unwrap())
    }

    #[test]
    fn every_bundle_has_a_plain_text_part() {
        let image = media(vec![
            ("image/png".into(), "iVBORw0KGgo=".into()),
            ("text/html".into(), "<img>".into()),
        ]);
        assert_eq!(
            plain_of(&image).as_deref(),
            Some("[image/png, text/html output]")
        );
        assert_eq!(image.content.len(), 3, "nothing else was dropped");

        let with_text = media(vec![
            ("text/html".into(), "<b>x</b>".into()),
            ("text/plain".into(), "x".into()),
        ]);
        assert_eq!(plain_of(&with_text).as_deref(), Some("x"));
        assert_eq!(with_text.content.len(), 2);

        assert!(media(Vec::new()).content.is_empty());

        let (shown, json_data) = display_media(vec![("application/json".into(), json("[1]"))]);
        assert_eq!(
            plain_of(&shown).as_deref(),
            Some("[application/json output]")
        );
        assert_eq!(json_data.0.len(), 1);
    }

    #[test]
    fn a_display_keeps_json_as_text_and_a_reply_as_values() {
        let bundle = || {
            vec![
                ("text/plain".into(), "t".into()),
                (
                    "application/vnd.memscope.memory+json".into(),
                    json(r#"{"a": [1, 2]}"#),
                ),
                ("application/json".into(), r#"{"printed": true}"#.into()),
                ("application/geo+json".into(), "not json".into()),
            ]
        };
        let (shown, json_data) = display_media(bundle());
        let texts: Vec<(&str, &str)> = json_data
            .0
            .iter()
            .map(|(mime, text)| (mime.as_str(), text.get()))
            .collect();
        assert_eq!(
            texts,
            [
                ("application/vnd.memscope.memory+json", r#"{"a": [1, 2]}"#),
                ("application/json", r#"{"printed": true}"#),
            ]
        );
        let data = serde_json::to_value(&shown).unwrap();
        assert_eq!(data["text/plain"], "t");
        assert_eq!(data["application/geo+json"], "not json");
        assert!(data.get("application/json").is_none());

        let data = serde_json::to_value(media(bundle())).unwrap();
        assert_eq!(
            data["application/vnd.memscope.memory+json"],
            serde_json::json!({"a": [1, 2]})
        );
        assert_eq!(
            data["application/json"],
            serde_json::json!({"printed": true})
        );
        assert_eq!(data["application/geo+json"], "not json");
    }
}
