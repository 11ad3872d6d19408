//! The line format in which a cell talks to the kernel over standard output.
//!
//! A message is one line that starts with [`MARKER`], followed by fields
//! separated by the unit separator (U+001F). Text fields are escaped so that
//! a field never contains a newline or a separator. The kernel decodes these
//! lines with [`decode`]; every other line is the cell's own output.
//!
//! Invariant: [`decode`] is the exact inverse of [`encode`] and never
//! panics, whatever the line.

mod fields;

use crate::facts::ArrayFacts;
use fields::{FIELDS_PER_VARIABLE, from_fields, to_fields};

/// Starts every line meant for the kernel. U+0001 never appears in ordinary
/// printed text, so user output cannot be mistaken for a message.
pub const MARKER: &str = "\u{1}memscope\u{1f}";
const SEP: char = '\u{1f}';

/// A mime bundle: `(mime type, data)` pairs, in the order given.
pub type MimeBundle = Vec<(String, String)>;

/// A message from a cell (or from the cell process around it) to the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellMessage {
    /// Rich output for the notebook.
    Display(DisplayRequest),
    /// The cell panicked with this message at this location.
    Panic { message: String, location: String },
    /// The layout of every array the variables hold after a cell, each
    /// under its path (`a`, `layers[1]`, `params["w"]`, `model.w`), sorted
    /// by path.
    Memory {
        variables: Vec<(String, ArrayFacts)>,
    },
    /// What the table cannot show of the variables, sent just before
    /// `Memory`.
    Unseen {
        /// `(variable, type)`: variables of a type the notebook defined
        /// without `#[derive(Arrays)]`.
        opaque: Vec<(String, String)>,
        /// `(variable, count, complete)`: arrays past the report's row
        /// limit, counted only; not `complete` when the count stopped at
        /// the report's bound of work.
        beyond_limit: Vec<(String, usize, bool)>,
    },
    /// A short value of every variable simple enough to show in one line
    /// (numbers, `bool`, `char`, strings, and `Option`s of them), as
    /// `(name, value)` sorted by name; sent just before `Memory`.
    Values { values: Vec<(String, String)> },
    /// The cell process has loaded the compiled cell and starts running it:
    /// compiling is over.
    Running,
    /// The process that ran the cell ended before the cell did, and the
    /// copy of it taken before the cell carried on; this is its pid.
    CarriedOn { pid: u32 },
}

/// What a cell asks the notebook to show: the only messages that reach the
/// front end as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisplayRequest {
    /// Show a mime bundle, optionally under a display id.
    Show {
        id: Option<String>,
        bundle: MimeBundle,
    },
    /// Replace the bundle shown under `id`.
    Update { id: String, bundle: MimeBundle },
    /// Clear the cell's output (when the next output arrives, if `wait`).
    Clear { wait: bool },
}

/// Encodes a message as one line, without the trailing newline.
pub fn encode(message: &CellMessage) -> String {
    let mut fields: Vec<String> = Vec::new();
    match message {
        CellMessage::Display(DisplayRequest::Show { id, bundle }) => {
            fields.push("display".into());
            fields.push(id.clone().unwrap_or_default());
            push_bundle(&mut fields, bundle);
        }
        CellMessage::Display(DisplayRequest::Update { id, bundle }) => {
            fields.push("update".into());
            fields.push(id.clone());
            push_bundle(&mut fields, bundle);
        }
        CellMessage::Display(DisplayRequest::Clear { wait }) => {
            fields.push("clear".into());
            fields.push(if *wait { "wait" } else { "now" }.into());
        }
        CellMessage::Panic { message, location } => {
            fields.push("panic".into());
            fields.push(message.clone());
            fields.push(location.clone());
        }
        CellMessage::Running => fields.push("running".into()),
        CellMessage::CarriedOn { pid } => {
            fields.push("carried-on".into());
            fields.push(pid.to_string());
        }
        CellMessage::Values { values } => {
            fields.push("values".into());
            push_bundle(&mut fields, values);
        }
        CellMessage::Unseen {
            opaque,
            beyond_limit,
        } => {
            fields.push("unseen".into());
            fields.push(opaque.len().to_string());
            push_bundle(&mut fields, opaque);
            for (variable, count, complete) in beyond_limit {
                fields.push(variable.clone());
                fields.push(format!("{count}{}", if *complete { "" } else { "+" }));
            }
        }
        CellMessage::Memory { variables } => {
            fields.push("memory".into());
            for (name, facts) in variables {
                fields.extend(to_fields(name, facts));
            }
        }
    }
    let escaped: Vec<String> = fields.iter().map(|f| escape(f)).collect();
    format!("{MARKER}{}", escaped.join("\u{1f}"))
}

/// Pushes `(key, text)` pairs (a bundle's mime types and data, or names
/// and values) as alternating fields.
fn push_bundle(fields: &mut Vec<String>, pairs: &[(String, String)]) {
    for (key, text) in pairs {
        fields.push(key.clone());
        fields.push(text.clone());
    }
}

/// Decodes a line of the cell's standard output; `None` for ordinary output
/// and for anything malformed.
pub fn decode(line: &str) -> Option<CellMessage> {
    let body = line.strip_prefix(MARKER)?;
    let fields: Vec<String> = body.split(SEP).map(unescape).collect::<Option<_>>()?;
    let (kind, rest) = fields.split_first()?;
    match (kind.as_str(), rest) {
        ("display", [id, bundle @ ..]) => Some(CellMessage::Display(DisplayRequest::Show {
            id: (!id.is_empty()).then(|| id.clone()),
            bundle: pairs(bundle)?,
        })),
        ("update", [id, bundle @ ..]) if !id.is_empty() => {
            Some(CellMessage::Display(DisplayRequest::Update {
                id: id.clone(),
                bundle: pairs(bundle)?,
            }))
        }
        ("clear", [wait]) => Some(CellMessage::Display(DisplayRequest::Clear {
            wait: wait == "wait",
        })),
        ("panic", [message, location]) => Some(CellMessage::Panic {
            message: message.clone(),
            location: location.clone(),
        }),
        ("running", []) => Some(CellMessage::Running),
        ("carried-on", [pid]) => Some(CellMessage::CarriedOn {
            pid: pid.parse().ok()?,
        }),
        ("values", values) => Some(CellMessage::Values {
            values: pairs(values)?,
        }),
        ("unseen", [count, rest @ ..]) => {
            let split = count.parse::<usize>().ok()?.checked_mul(2)?;
            let (opaque, beyond) = (rest.get(..split)?, rest.get(split..)?);
            Some(CellMessage::Unseen {
                opaque: pairs(opaque)?,
                beyond_limit: pairs(beyond)?
                    .into_iter()
                    .map(|(variable, count)| {
                        let (count, complete) = match count.strip_suffix('+') {
                            Some(count) => (count, false),
                            None => (count.as_str(), true),
                        };
                        Some((variable, count.parse().ok()?, complete))
                    })
                    .collect::<Option<_>>()?,
            })
        }
        ("memory", variables) if variables.len() % FIELDS_PER_VARIABLE == 0 => {
            Some(CellMessage::Memory {
                variables: variables
                    .chunks(FIELDS_PER_VARIABLE)
                    .map(from_fields)
                    .collect::<Option<_>>()?,
            })
        }
        _ => None,
    }
}

fn pairs(fields: &[String]) -> Option<MimeBundle> {
    if !fields.len().is_multiple_of(2) {
        return None;
    }
    Some(
        fields
            .chunks(2)
            .map(|pair| (pair[0].clone(), pair[1].clone()))
            .collect(),
    )
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{1f}' => out.push_str("\\u"),
            _ => out.push(c),
        }
    }
    out
}

fn unescape(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '\\' => '\\',
            'n' => '\n',
            'r' => '\r',
            'u' => '\u{1f}',
            _ => return None,
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{BufferFacts, Region, Storage, ValueSample};

    #[test]
    fn every_message_round_trips() {
        let tricky = "line one\nline two\r\n\\ back\u{1f}sep é 🦀".to_string();
        let messages = [
            CellMessage::Display(DisplayRequest::Show {
                id: None,
                bundle: vec![
                    ("text/html".into(), tricky.clone()),
                    ("text/plain".into(), "".into()),
                ],
            }),
            CellMessage::Display(DisplayRequest::Show {
                id: Some("d1".into()),
                bundle: vec![],
            }),
            CellMessage::Display(DisplayRequest::Update {
                id: "d1".into(),
                bundle: vec![("text/plain".into(), tricky.clone())],
            }),
            CellMessage::Display(DisplayRequest::Clear { wait: true }),
            CellMessage::CarriedOn { pid: 4242 },
            CellMessage::Running,
            CellMessage::Display(DisplayRequest::Clear { wait: false }),
            CellMessage::Panic {
                message: tricky.clone(),
                location: "src/lib.rs:3:5".into(),
            },
            CellMessage::Values { values: vec![] },
            CellMessage::Values {
                values: vec![
                    ("count".into(), "3".into()),
                    ("title".into(), tricky.clone()),
                ],
            },
            CellMessage::Unseen {
                opaque: vec![],
                beyond_limit: vec![],
            },
            CellMessage::Unseen {
                opaque: vec![("model".into(), tricky.clone())],
                beyond_limit: vec![("layers".into(), 90_000, true), ("deep".into(), 3, false)],
            },
            CellMessage::Memory { variables: vec![] },
            CellMessage::Memory {
                variables: vec![
                    (r#"params["w"].0"#.into(), sample_facts(Storage::Owned)),
                    ("a".into(), sample_facts(Storage::Owned)),
                    ("b".into(), sample_facts(Storage::Shared { unique: false })),
                    ("c".into(), sample_facts(Storage::Shared { unique: true })),
                    ("d".into(), sample_facts(Storage::Borrowed)),
                    (
                        "e".into(),
                        sample_facts(Storage::Buffer(BufferFacts {
                            start: 4096,
                            len: 12,
                            owns_data: true,
                            identity: 8192,
                            written: vec![
                                Region {
                                    first: 4104,
                                    shape: vec![2, 3],
                                    strides: vec![-4, 0],
                                },
                                Region {
                                    first: 4096,
                                    shape: vec![],
                                    strides: vec![],
                                },
                            ],
                        })),
                    ),
                ],
            },
        ];
        for message in messages {
            let line = encode(&message);
            assert!(!line.contains('\n'), "{line:?}");
            assert_eq!(decode(&line), Some(message));
        }
    }

    fn sample_facts(storage: Storage) -> ArrayFacts {
        ArrayFacts {
            type_name: "CowArray<f64, Ix2>".into(),
            dtype: "f64",
            itemsize: 8,
            shape: vec![3, 0],
            strides: vec![-1, 3],
            first: usize::MAX,
            writeable: false,
            values: match storage {
                Storage::Owned => ValueSample::default(),
                _ => ValueSample {
                    head: vec!["-0.5".into(), "NaN".into(), "-inf".into()],
                    tail: vec!["1e-7".into(), "true".into(), "12".into()],
                },
            },
            storage,
        }
    }

    #[test]
    fn ordinary_and_malformed_lines_are_not_messages() {
        for line in [
            "hello",
            "",
            "\u{1}memscope",
            MARKER,
            &format!("{MARKER}display"),
            &format!("{MARKER}display\u{1f}id\u{1f}text/plain"),
            &format!("{MARKER}update\u{1f}\u{1f}a\u{1f}b"),
            &format!("{MARKER}nonsense\u{1f}x"),
            &format!("{MARKER}clear\u{1f}now\u{1f}extra"),
            &format!("{MARKER}running\u{1f}extra"),
            &format!("{MARKER}values\u{1f}count"),
            &format!("{MARKER}panic\u{1f}bad escape \\q\u{1f}loc"),
            &format!("{MARKER}memory\u{1f}a\u{1f}Vec<f64>"),
            &format!(
                "{MARKER}memory\u{1f}a\u{1f}t\u{1f}f65\u{1f}8\u{1f}1\u{1f}1\u{1f}0\u{1f}1\u{1f}owned"
            ),
            &format!(
                "{MARKER}memory\u{1f}a\u{1f}t\u{1f}f64\u{1f}8\u{1f}1,2\u{1f}1\u{1f}0\u{1f}1\u{1f}owned"
            ),
            &format!(
                "{MARKER}memory\u{1f}a\u{1f}t\u{1f}f64\u{1f}8\u{1f}1\u{1f}1\u{1f}0\u{1f}1\u{1f}buffer 1 x 1"
            ),
        ] {
            assert_eq!(decode(line), None, "{line:?}");
        }
    }
}
