//! The memory table as a Jupyter mime bundle: `text/plain` (a `tabled`
//! table, for terminals, markdown and PDF), `text/html` (inline styles only,
//! so it survives the sanitizer of untrusted notebooks) and
//! [`MEMORY_MIME`] (JSON, for tests).
//!
//! Invariant: pure functions of the table; the same table always renders
//! to the same bytes. Addresses appear only when asked for.

mod cells;
pub mod html;
pub mod json;
pub mod picture;
pub mod text;

use crate::model::MemoryTable;

/// The mime type of the JSON rendering.
pub const MEMORY_MIME: &str = "application/vnd.memscope.memory+json";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Show each array's first-element address (never by default, so that
    /// executed notebooks compare equal across runs).
    pub addresses: bool,
}

/// Every rendering of `table`, as `(mime type, data)` pairs.
pub fn bundle(table: &MemoryTable, options: RenderOptions) -> Vec<(String, String)> {
    vec![
        ("text/plain".to_owned(), text::render(table, options)),
        ("text/html".to_owned(), html::render(table, options)),
        (MEMORY_MIME.to_owned(), json::render(table, options)),
    ]
}
