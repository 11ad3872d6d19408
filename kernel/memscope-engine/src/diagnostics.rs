//! Compiler diagnostics in the coordinates of the cell the user wrote.
//!
//! Invariant: rendering is a pure function of a [`Diagnostic`] and the
//! cell's source (evcxr's errors become diagnostics in [`from_evcxr`]); every location it prints is `cell:LINE:COLUMN`, 1-based,
//! counted in characters of the cell, so a reader can find the spot.

/// Where in the cell a message points. Lines and columns are 1-based;
/// `end_column` is exclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellSpan {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub label: String,
    pub primary: bool,
}

/// One compiler message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// `error`, `warning`, ...
    pub level: String,
    /// `E0308`, if the compiler gave one.
    pub code: Option<String>,
    pub message: String,
    pub spans: Vec<CellSpan>,
    /// Help and notes without a location.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// The first line: `error[E0308]: mismatched types`.
    pub fn headline(&self) -> String {
        match &self.code {
            Some(code) => format!("{}[{}]: {}", self.level, code, self.message),
            None => format!("{}: {}", self.level, self.message),
        }
    }

    /// The primary location, as `cell:LINE:COLUMN`.
    pub fn location(&self) -> Option<String> {
        let span = self
            .spans
            .iter()
            .find(|s| s.primary)
            .or(self.spans.first())?;
        Some(format!("cell:{}:{}", span.line, span.column))
    }
}

/// Renders a diagnostic the way rustc does, against the cell's source:
/// headline, location arrow, the source line, a caret underline with the
/// label, then notes.
pub fn render(diagnostic: &Diagnostic, cell: &str) -> Vec<String> {
    let lines: Vec<&str> = cell.lines().collect();
    let mut out = vec![diagnostic.headline()];
    let width = diagnostic
        .spans
        .iter()
        .map(|s| s.line.to_string().len())
        .max()
        .unwrap_or(1);
    let pad = " ".repeat(width);
    if let Some(location) = diagnostic.location() {
        out.push(format!("{pad}--> {location}"));
    }
    let mut spans = diagnostic.spans.clone();
    spans.sort_by_key(|s| (s.line, s.column));
    if !spans.is_empty() {
        out.push(format!("{pad} |"));
    }
    for span in &spans {
        let Some(source) = lines.get(span.line.wrapping_sub(1)) else {
            continue;
        };
        out.push(format!("{:>width$} | {}", span.line, source));
        let start = span.column.saturating_sub(1);
        let end = if span.end_line == span.line {
            span.end_column.saturating_sub(1).max(start + 1)
        } else {
            source.chars().count().max(start + 1)
        };
        let marker = if span.primary { '^' } else { '-' };
        let underline: String = std::iter::repeat_n(marker, end - start).collect();
        let label = if span.label.is_empty() {
            String::new()
        } else {
            format!(" {}", span.label)
        };
        out.push(format!("{pad} | {}{underline}{label}", " ".repeat(start)));
    }
    for note in &diagnostic.notes {
        out.push(format!("{pad} = {note}"));
    }
    out
}

/// A diagnostic of evcxr's, in the cell's coordinates (evcxr has mapped
/// rustc's spans back to the cell already).
pub fn from_evcxr(error: &evcxr::CompilationError) -> Diagnostic {
    let spans = error
        .spanned_messages()
        .iter()
        .filter_map(|m| {
            let span = m.span?;
            Some(CellSpan {
                line: span.start_line,
                column: span.start_column,
                end_line: span.end_line,
                end_column: span.end_column,
                label: m.label.clone(),
                primary: m.is_primary,
            })
        })
        .collect();
    let mut notes: Vec<String> = error
        .help()
        .into_iter()
        .map(|h| format!("help: {h}"))
        .collect();
    if let Some(hint) = error.evcxr_extra_hint() {
        notes.push(format!("note: {hint}"));
    }
    without_generated_names(Diagnostic {
        level: error.level().to_owned(),
        code: error.code().map(str::to_owned),
        message: error.message(),
        spans,
        notes,
    })
}

/// The diagnostic in the user's words: rustc speaks of the code evcxr
/// wraps a cell in (`expected `;`, found `evcxr_variable_store``, for a
/// last statement without its semicolon), which the user never wrote.
/// Generated names in the message become what they are to the user, and
/// labels and notes that name them are left out.
fn without_generated_names(mut diagnostic: Diagnostic) -> Diagnostic {
    diagnostic.message = diagnostic
        .message
        .replace("found `evcxr_variable_store`", "found the end of the cell");
    if names_generated_code(&diagnostic.message) {
        diagnostic.message = replace_generated_names(&diagnostic.message);
    }
    for span in &mut diagnostic.spans {
        if names_generated_code(&span.label) {
            span.label.clear();
        }
    }
    diagnostic.notes.retain(|note| !names_generated_code(note));
    diagnostic
}

/// Whether `text` names an item of evcxr's generated code
/// (`evcxr_variable_store`, `EvcxrUserCodeError`, `evcxr_internal_runtime`).
fn names_generated_code(text: &str) -> bool {
    text.to_ascii_lowercase().contains("evcxr")
}

/// Each backquoted piece of `text` that names generated code, as
/// "`(kernel code)`".
fn replace_generated_names(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pieces = text.split('`');
    if let Some(first) = pieces.next() {
        out.push_str(first);
    }
    for (i, piece) in pieces.enumerate() {
        out.push('`');
        // Odd pieces (the first after a backquote) are quoted.
        if i % 2 == 0 && names_generated_code(piece) {
            out.push_str("(kernel code)");
        } else {
            out.push_str(piece);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_never_reach_the_user() {
        let raw = Diagnostic {
            level: "error".into(),
            code: None,
            message: "expected `;`, found `evcxr_variable_store`".into(),
            spans: vec![CellSpan {
                line: 1,
                column: 10,
                end_line: 1,
                end_column: 11,
                label: "unexpected token `evcxr_variable_store`".into(),
                primary: true,
            }],
            notes: vec![
                "help: add `;` here".into(),
                "note: required by `evcxr_internal_runtime::VariableStore::put`".into(),
            ],
        };
        let shown = without_generated_names(raw);
        assert_eq!(shown.message, "expected `;`, found the end of the cell");
        assert_eq!(shown.spans[0].label, "");
        assert_eq!(shown.notes, ["help: add `;` here"]);

        let other = Diagnostic {
            message: "the trait `From<Oops>` is not implemented for `EvcxrUserCodeError`".into(),
            ..shown.clone()
        };
        assert_eq!(
            without_generated_names(other).message,
            "the trait `From<Oops>` is not implemented for `(kernel code)`"
        );
        let plain = Diagnostic {
            message: "cannot find value `x` in this scope".into(),
            ..shown.clone()
        };
        assert_eq!(without_generated_names(plain.clone()), plain);
    }

    fn mismatched() -> Diagnostic {
        Diagnostic {
            level: "error".into(),
            code: Some("E0308".into()),
            message: "mismatched types".into(),
            spans: vec![
                CellSpan {
                    line: 2,
                    column: 14,
                    end_line: 2,
                    end_column: 20,
                    label: "expected `i32`, found `&str`".into(),
                    primary: true,
                },
                CellSpan {
                    line: 2,
                    column: 8,
                    end_line: 2,
                    end_column: 11,
                    label: "expected due to this".into(),
                    primary: false,
                },
            ],
            notes: vec!["help: try using a conversion".into()],
        }
    }

    #[test]
    fn renders_like_rustc_with_cell_locations() {
        let cell = "let a = 1;\nlet x: i32 = \"text\";";
        let expected = [
            "error[E0308]: mismatched types",
            " --> cell:2:14",
            "  |",
            "2 | let x: i32 = \"text\";",
            "  |        --- expected due to this",
            "2 | let x: i32 = \"text\";",
            "  |              ^^^^^^ expected `i32`, found `&str`",
            "  = help: try using a conversion",
        ];
        assert_eq!(render(&mismatched(), cell), expected);
    }

    #[test]
    fn spans_outside_the_cell_are_skipped_not_panicking() {
        let mut d = mismatched();
        d.spans[0].line = 99;
        d.spans[1].line = 0;
        let out = render(&d, "one line");
        assert_eq!(out[0], "error[E0308]: mismatched types");
        assert!(out.iter().all(|l| !l.contains("one line")));
    }

    #[test]
    fn no_spans_means_headline_and_notes_only() {
        let d = Diagnostic {
            level: "error".into(),
            code: None,
            message: "linking failed".into(),
            spans: vec![],
            notes: vec!["note: see above".into()],
        };
        assert_eq!(
            render(&d, ""),
            ["error: linking failed", "  = note: see above"]
        );
        assert_eq!(d.location(), None);
    }
}
