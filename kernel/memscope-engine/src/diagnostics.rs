//! Compiler diagnostics in the coordinates of the cell the user wrote.
//!
//! Invariant: rendering is a pure function of a [`Diagnostic`] and the
//! cell's source (evcxr's errors become diagnostics in [`from_evcxr`]); every location it prints is `cell:LINE:COLUMN`, 1-based,
//! counted in characters of the cell, so a reader can find the spot.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

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

/// Renders a diagnostic as rustc does, with the renderer rustc and cargo
/// use (`annotate-snippets`), against the cell's source: the headline,
/// the location arrow, each line with its underlines (spans on one line
/// under one copy of it), then the help and notes.
pub fn render(diagnostic: &Diagnostic, cell: &str) -> Vec<String> {
    let level = match diagnostic.level.as_str() {
        "warning" => Level::WARNING,
        "note" => Level::NOTE,
        "help" => Level::HELP,
        _ => Level::ERROR,
    };
    let mut title = level.primary_title(&diagnostic.message);
    if let Some(code) = &diagnostic.code {
        title = title.id(code);
    }
    let mut snippet = Snippet::source(cell).line_start(1).path("cell");
    let mut located = false;
    for span in &diagnostic.spans {
        let Some(range) = byte_range(cell, span) else {
            continue; // A span outside the cell points at nothing to show.
        };
        let kind = if span.primary {
            AnnotationKind::Primary
        } else {
            AnnotationKind::Context
        };
        let annotation = kind.span(range);
        snippet = snippet.annotation(if span.label.is_empty() {
            annotation
        } else {
            annotation.label(&span.label)
        });
        located = true;
    }
    let mut group = Group::with_title(title);
    if located {
        group = group.element(snippet);
    }
    for note in &diagnostic.notes {
        group = group.element(match note.split_once(": ") {
            Some(("help", text)) => Level::HELP.message(text),
            Some(("note", text)) => Level::NOTE.message(text),
            _ => Level::NOTE.message(note.as_str()),
        });
    }
    let rendered = Renderer::plain().render(&[group]);
    rendered.lines().map(str::to_owned).collect()
}

/// A span's bytes in the cell; `None` if it lies outside the cell.
fn byte_range(cell: &str, span: &CellSpan) -> Option<std::ops::Range<usize>> {
    let offset = |line: usize, column: usize| -> Option<usize> {
        let start = line_start(cell, line)?;
        let text = cell[start..].split('\n').next().unwrap_or("");
        // Columns count characters; one past the end is the line's end.
        let within = text
            .char_indices()
            .map(|(at, _)| at)
            .chain(std::iter::once(text.len()))
            .nth(column.checked_sub(1)?)?;
        Some(start + within)
    };
    let start = offset(span.line, span.column)?;
    let end = offset(span.end_line, span.end_column)
        .filter(|&end| end >= start)
        .unwrap_or(start);
    Some(start..end)
}

/// Where 1-based `line` starts in `cell`.
fn line_start(cell: &str, line: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let mut start = 0;
    for _ in 1..line {
        start += cell[start..].find('\n')? + 1;
    }
    Some(start)
}

/// evcxr's diagnostics of a cell that did not compile, in the cell's
/// coordinates (evcxr has mapped rustc's spans back to the cell already)
/// and in terms of what the user wrote: warnings that point nowhere in
/// the cell (at the code evcxr wraps it in) are left out, and so is an
/// unused variable, since a cell's variables are kept for later cells by
/// code after the user's, which an error (rustc's recovery from a missing
/// `;`, say) can leave unreached.
pub fn from_evcxr(errors: &[evcxr::CompilationError], cell: &str) -> Vec<Diagnostic> {
    errors
        .iter()
        .map(|error| in_cell_terms(one_from_evcxr(error), cell))
        .filter(|d| d.level != "warning" || !d.spans.is_empty())
        .filter(|d| !(d.level == "warning" && d.code.as_deref() == Some("unused_variables")))
        .collect()
}

fn one_from_evcxr(error: &evcxr::CompilationError) -> Diagnostic {
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
    // evcxr appends a help's suggested replacement after a blank line
    // ("add `;` here\n\n;"); the caret already shows where.
    let mut notes: Vec<String> = error
        .help()
        .into_iter()
        .map(|h| format!("help: {}", h.split("\n\n").next().unwrap_or_default()))
        .collect();
    if let Some(hint) = error.evcxr_extra_hint() {
        notes.push(format!("note: {hint}"));
    }
    let (level, message) = match error.level() {
        // evcxr reports a help or note of rustc's in place of an error
        // whose own location is in the code it generated (`exit` alone in
        // a cell gives "consider importing this function"): the cell did
        // not compile, and the help says what to do.
        child @ ("help" | "note") => {
            notes.insert(0, format!("{child}: {}", error.message()));
            ("error".to_owned(), "the cell did not compile".to_owned())
        }
        level => (level.to_owned(), error.message()),
    };
    without_generated_names(Diagnostic {
        level,
        code: error.code().map(str::to_owned),
        message,
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

/// rustc's "expected X, found Y" names as Y the token after the point,
/// which after the cell's last statement is evcxr's code (`fn`,
/// `evcxr_variable_store`, "<end of input>"): Y is said again from the
/// cell, as the token the user wrote there or "the end of the cell". A
/// label that only repeats the message is dropped.
fn in_cell_terms(mut diagnostic: Diagnostic, cell: &str) -> Diagnostic {
    let said_before = said(&diagnostic);
    if let Some((expected, found)) = diagnostic.message.split_once(", found ")
        && expected.starts_with("expected ")
    {
        let point = diagnostic
            .spans
            .iter()
            .find(|s| s.primary)
            .map(|s| (s.end_line, s.end_column));
        if let Some((line, column)) = point {
            let wrote = token_after(cell, line, column);
            let said = match &wrote {
                None => "the end of the cell".to_owned(),
                Some(token) if is_keyword(token) => format!("keyword `{token}`"),
                Some(token) => format!("`{token}`"),
            };
            if found != said {
                diagnostic.message = format!("{expected}, found {said}");
            }
        }
    }
    let said_now = said(&diagnostic);
    for span in &mut diagnostic.spans {
        if said_before.contains(&span.label) || said_now.contains(&span.label) {
            span.label.clear();
        }
    }
    diagnostic
}

/// The ways a label can repeat the message (evcxr labels spans with it).
fn said(diagnostic: &Diagnostic) -> [String; 3] {
    [
        diagnostic.headline(),
        format!("{}: {}", diagnostic.level, diagnostic.message),
        diagnostic.message.clone(),
    ]
}

/// The token that starts at or after 1-based `line`:`column` (counted in
/// characters) of the cell, if any: an identifier or number, or one other
/// character.
fn token_after(cell: &str, line: usize, column: usize) -> Option<String> {
    let mut rest: Vec<char> = Vec::new();
    for (i, text) in cell.lines().enumerate().skip(line.saturating_sub(1)) {
        if i + 1 == line {
            rest.extend(text.chars().skip(column.saturating_sub(1)));
        } else {
            rest.push('\n');
            rest.extend(text.chars());
        }
    }
    let start = rest.iter().position(|c| !c.is_whitespace())?;
    let word = |c: &char| c.is_alphanumeric() || *c == '_';
    let token: String = if word(&rest[start]) {
        rest[start..].iter().take_while(|c| word(c)).collect()
    } else {
        rest[start].to_string()
    };
    Some(token)
}

fn is_keyword(word: &str) -> bool {
    const KEYWORDS: [&str; 38] = [
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
        "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
        "true", "type", "unsafe", "use", "where", "while",
    ];
    KEYWORDS.contains(&word)
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

    fn expected_semicolon(line: usize, column: usize, found: &str) -> Diagnostic {
        let message = format!("expected `;`, found {found}");
        Diagnostic {
            level: "error".into(),
            code: None,
            message: message.clone(),
            spans: vec![CellSpan {
                line,
                column,
                end_line: line,
                end_column: column,
                label: format!("error: {message}"),
                primary: true,
            }],
            notes: vec![],
        }
    }

    #[test]
    fn what_was_found_is_said_from_the_cell() {
        let cell = "let q = 1\nloop {}";
        let shown = in_cell_terms(expected_semicolon(1, 10, "keyword `fn`"), cell);
        assert_eq!(shown.message, "expected `;`, found keyword `loop`");
        assert_eq!(shown.spans[0].label, "", "a label that repeats the message");

        let shown = in_cell_terms(expected_semicolon(1, 10, "<end of input>"), "let q = 1");
        assert_eq!(shown.message, "expected `;`, found the end of the cell");

        let right = in_cell_terms(
            expected_semicolon(1, 10, "keyword `let`"),
            "let w = 2\nlet z = 3;",
        );
        assert_eq!(right.message, "expected `;`, found keyword `let`");
        let symbol = in_cell_terms(expected_semicolon(1, 6, "`evcxr`"), "f(1) + 2");
        assert_eq!(symbol.message, "expected `;`, found `+`");

        let other = Diagnostic {
            message: "mismatched types".into(),
            ..expected_semicolon(1, 1, "x")
        };
        assert_eq!(
            in_cell_terms(other.clone(), "x").message,
            "mismatched types"
        );
    }

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

    /// Issue 24: two spans on one line printed the line twice; rustc
    /// prints it once, with both underlines (rustc 1.95's own output for
    /// this cell as a program, with `cell` for the file).
    #[test]
    fn i24_renders_like_rustc_with_cell_locations() {
        let cell = "let a = 1;\nlet x: i32 = \"text\";";
        let expected = [
            "error[E0308]: mismatched types",
            " --> cell:2:14",
            "  |",
            "2 | let x: i32 = \"text\";",
            "  |        ---   ^^^^^^ expected `i32`, found `&str`",
            "  |        |",
            "  |        expected due to this",
            "  |",
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
            ["error: linking failed", " |", " = note: see above"]
        );
        assert_eq!(d.location(), None);
    }
}
