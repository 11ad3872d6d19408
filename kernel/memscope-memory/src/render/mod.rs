//! The memory table as a Jupyter mime bundle: `text/plain` (a `tabled`
//! table, for terminals, markdown and PDF), `text/html` (inline styles only,
//! so it survives the sanitizer of untrusted notebooks) and
//! [`MEMORY_MIME`] (JSON, for tests), and a Table Schema data resource
//! ([`data_resource::DATA_RESOURCE_MIME`]) for front ends that render
//! tables but not HTML.
//!
//! Invariant: pure functions of the table; the same table always renders
//! to the same bytes. Addresses appear only when asked for.

pub mod cells;
pub mod data_resource;
pub mod grid;
pub mod html;
pub mod json;
pub mod picture;
pub mod text;
pub mod values;

use serde_json::value::RawValue;

use crate::model::MemoryTable;

/// The text and HTML tables show at most this many rows (a reader cannot
/// use more, and a table of thousands of rows would cost more than the
/// cell); the JSON rendering always lists every variable.
pub const MAX_ROWS: usize = 500;

/// The line that stands for the rows left out, if any.
pub(crate) fn rows_left_out(table: &MemoryTable) -> Option<String> {
    let left_out = table.rows.len().checked_sub(MAX_ROWS).filter(|&n| n > 0)?;
    Some(format!(
        "... and {left_out} more array variables (the {MEMORY_MIME} output lists all {})",
        table.rows.len()
    ))
}

/// The lines under the table for what it does not list one by one: the
/// arrays of a large container, and the variables it cannot look into.
pub(crate) fn unlisted(table: &MemoryTable) -> Vec<String> {
    let mut lines = Vec::new();
    for folded in &table.folded {
        let variable = &folded.variable;
        if folded.arrays > 0 {
            let at_least = if folded.complete { "" } else { "at least " };
            let mut line = format!(
                "... and {at_least}{} more arrays in {variable}",
                folded.arrays
            );
            if folded.not_compared > 0 {
                line.push_str(&format!(
                    " ({} of them counted, not compared: a cell describes {} arrays per variable, {} in all)",
                    folded.not_compared, REPORT_PER_VARIABLE, REPORT_LIMIT
                ));
            }
            lines.push(line);
        }
        if folded.gone > 0 {
            lines.push(format!(
                "... and {} more arrays of {variable} are gone",
                folded.gone
            ));
        }
    }
    for opaque in &table.opaque {
        lines.push(format!(
            "{} holds no arrays the table can see: its type {} has no #[derive(Arrays)] (or arrays!({} {{ field, ... }}))",
            opaque.variable,
            opaque.type_name,
            opaque.type_name,
        ));
    }
    lines
}

/// How many arrays a cell describes in full, in all and per variable (the
/// prelude's `ROW_LIMIT` and `ROWS_PER_VARIABLE`).
pub const REPORT_LIMIT: usize = 10_000;
pub const REPORT_PER_VARIABLE: usize = 1_000;

/// The mime type of the JSON rendering.
pub const MEMORY_MIME: &str = "application/vnd.memscope.memory+json";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Show each array's first-element address (never by default, so that
    /// executed notebooks compare equal across runs).
    pub addresses: bool,
}

/// One rendering of the table: text, or JSON text that a front end writes
/// on the wire as it is. JSON stays text all the way: a tree of
/// `serde_json::Value`s for 10,000 arrays costs six times what writing
/// the text does (`BENCHMARKS.md`, table scaling).
#[derive(Debug, Clone)]
pub enum Rendering {
    Text(String),
    Json(Box<RawValue>),
}

impl PartialEq for Rendering {
    fn eq(&self, other: &Rendering) -> bool {
        match (self, other) {
            (Rendering::Text(a), Rendering::Text(b)) => a == b,
            (Rendering::Json(a), Rendering::Json(b)) => a.get() == b.get(),
            _ => false,
        }
    }
}

/// The rendering as text (JSON written compactly).
impl std::fmt::Display for Rendering {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rendering::Text(text) => f.write_str(text),
            Rendering::Json(json) => f.write_str(json.get()),
        }
    }
}

/// `value` as JSON text. Serialising the renderings' plain structs of
/// strings, numbers and lists cannot fail; `null` stands in if it ever did.
pub(crate) fn json_text(value: &impl serde::Serialize) -> Box<RawValue> {
    serde_json::value::to_raw_value(value)
        .unwrap_or_else(|_| RawValue::from_string("null".to_owned()).expect("null is JSON"))
}

/// Every rendering of `table`, as `(mime type, rendering)` pairs.
pub fn bundle(table: &MemoryTable, options: RenderOptions) -> Vec<(String, Rendering)> {
    vec![
        (
            "text/plain".to_owned(),
            Rendering::Text(text::render(table, options)),
        ),
        (
            "text/html".to_owned(),
            Rendering::Text(html::render(table, options)),
        ),
        (
            MEMORY_MIME.to_owned(),
            Rendering::Json(json::text(table, options)),
        ),
        (
            data_resource::DATA_RESOURCE_MIME.to_owned(),
            Rendering::Json(data_resource::text(table, options)),
        ),
    ]
}
