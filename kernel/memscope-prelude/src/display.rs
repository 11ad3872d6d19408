//! Rich output from a cell: HTML, Markdown, SVG, PNG or any mime bundle,
//! shown in order with the cell's printed text, and updatable by id.
//!
//! ```no_run
//! use memscope_prelude::display;
//! display::html("<b>bold</b>");
//! display::html_with_id("<i>working…</i>", "progress");
//! display::update_html("<i>done</i>", "progress");
//! display::clear_output(false);
//! ```

use std::io::Write;

use memscope_cell_abi::lines::{CellMessage, DisplayRequest, encode};

/// A mime bundle under construction: `(mime type, data)` pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bundle {
    entries: Vec<(String, String)>,
}

impl Bundle {
    pub fn new() -> Bundle {
        Bundle::default()
    }

    /// Adds `data` under `mime`; binary formats such as `image/png` take
    /// base64 text (see [`png`]).
    pub fn with(mut self, mime: &str, data: impl Into<String>) -> Bundle {
        self.entries.push((mime.to_owned(), data.into()));
        self
    }

    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }
}

fn send(request: DisplayRequest) {
    let line = encode(&CellMessage::Display(request));
    let mut out = std::io::stdout().lock();
    // A closed stdout means the kernel is gone; there is nobody to show it to.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// With a text/plain fallback, so exports that cannot show `mime` (LaTeX,
/// plain text) still say what was there.
fn with_fallback(mime: &str, data: String, fallback: &str) -> Vec<(String, String)> {
    vec![
        (mime.to_owned(), data),
        ("text/plain".to_owned(), fallback.to_owned()),
    ]
}

/// Shows a bundle.
pub fn show(bundle: &Bundle) {
    send(DisplayRequest::Show {
        id: None,
        bundle: bundle.entries.clone(),
    });
}

/// Shows a bundle that [`update`] can later replace.
pub fn show_with_id(bundle: &Bundle, id: &str) {
    send(DisplayRequest::Show {
        id: Some(id.to_owned()),
        bundle: bundle.entries.clone(),
    });
}

/// Replaces what is shown under `id`, wherever it is in the notebook.
pub fn update(bundle: &Bundle, id: &str) {
    send(DisplayRequest::Update {
        id: id.to_owned(),
        bundle: bundle.entries.clone(),
    });
}

/// Shows HTML.
pub fn html(html: impl Into<String>) {
    let html = html.into();
    send(DisplayRequest::Show {
        id: None,
        bundle: with_fallback("text/html", html, "[HTML output]"),
    });
}

/// Shows HTML under `id`, for [`update_html`].
pub fn html_with_id(html: impl Into<String>, id: &str) {
    send(DisplayRequest::Show {
        id: Some(id.to_owned()),
        bundle: with_fallback("text/html", html.into(), "[HTML output]"),
    });
}

/// Replaces the output shown under `id` with new HTML.
pub fn update_html(html: impl Into<String>, id: &str) {
    send(DisplayRequest::Update {
        id: id.to_owned(),
        bundle: with_fallback("text/html", html.into(), "[HTML output]"),
    });
}

/// Shows Markdown (the text itself is the plain fallback).
pub fn markdown(markdown: impl Into<String>) {
    let markdown = markdown.into();
    send(DisplayRequest::Show {
        id: None,
        bundle: vec![
            ("text/markdown".to_owned(), markdown.clone()),
            ("text/plain".to_owned(), markdown),
        ],
    });
}

/// Shows plain text as a display (not as printed output).
pub fn text(text: impl Into<String>) {
    send(DisplayRequest::Show {
        id: None,
        bundle: vec![("text/plain".to_owned(), text.into())],
    });
}

/// Shows an SVG image.
pub fn svg(svg: impl Into<String>) {
    send(DisplayRequest::Show {
        id: None,
        bundle: with_fallback("image/svg+xml", svg.into(), "[SVG image]"),
    });
}

/// Shows a PNG image given its bytes.
pub fn png(bytes: &[u8]) {
    send(DisplayRequest::Show {
        id: None,
        bundle: with_fallback("image/png", base64(bytes), "[PNG image]"),
    });
}

/// Clears the cell's output; with `wait`, only when new output arrives,
/// which makes simple animations flicker-free.
pub fn clear_output(wait: bool) {
    send(DisplayRequest::Clear { wait });
}

/// Standard base64 with padding, as Jupyter expects for image data.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }
}
