//! What the memory table needs to know about a cell's source: which names
//! it mentions, which it binds mutably, which it drops explicitly.
//!
//! The table never reads array elements, so for plain ndarray values it
//! cannot see a write; it can see that a cell mentions a mutable binding,
//! which is the only way safe Rust can write to it.
//!
//! The code is split into tokens by rustc's own lexer (`ra-ap-rustc_lexer`,
//! the one rust-analyzer uses), so literals, lifetimes and nested comments
//! end exactly where the compiler says they end; this module only reads
//! the identifiers and the punctuation between them. The lexer marks broken
//! code (an unterminated string, say) on its tokens instead of failing, so
//! any cell text scans without an error or a panic.

use std::collections::{BTreeMap, BTreeSet};

use ra_ap_rustc_lexer::{Cursor, FrontmatterAllowed, TokenKind};

/// Names found in one cell's code. Strings, characters, lifetimes and
/// comments are skipped, so `"a"`, `'a'`, `'a` and `// a` do not mention `a`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CellNames {
    /// Every identifier in the code that is not a field or a method.
    pub mentioned: BTreeSet<String>,
    /// Names bound with `let` (a new value, even under an old name), with
    /// the position of their first binding in the cell.
    pub bound: BTreeMap<String, usize>,
    /// Names bound with `let mut`.
    pub bound_mutably: BTreeSet<String>,
    /// Names handed alone to `drop`: `drop(a)`, not `drop(&a)` or `drop(a.b)`.
    pub dropped: BTreeSet<String>,
}

impl CellNames {
    /// Reads the names of `code`; any text, broken code included, has an answer.
    pub fn scan(code: &str) -> CellNames {
        let tokens = significant_tokens(code);
        let mut names = CellNames::default();
        let mut i = 0;
        while i < tokens.len() {
            let Token::Word(word) = tokens[i] else {
                i += 1;
                continue;
            };
            if !is_field(&tokens[..i]) {
                names.mentioned.insert(word.to_owned());
            }
            if word == "let" {
                i = names.binding(&tokens, i + 1);
                continue;
            }
            if word == "drop"
                && let Some(name) = lone_argument(&tokens[i + 1..])
            {
                names.dropped.insert(name.to_owned());
            }
            i += 1;
        }
        names
    }

    /// Reads the pattern of a `let` from `tokens[i]` on: one name, or the
    /// names of a tuple or slice pattern (`let (mut a, ref b) = ...`), up
    /// to the `=`, `;` or `:` that ends it. Returns where scanning goes on.
    fn binding(&mut self, tokens: &[Token], mut i: usize) -> usize {
        let mut mutable = false;
        while let Some((at, word)) = next_word(tokens, i) {
            i = at + 1;
            match word {
                "mut" => mutable = true,
                // A binding mode: the name comes next.
                "ref" => {}
                name => {
                    let position = self.bound.len();
                    self.bound.entry(name.to_owned()).or_insert(position);
                    if mutable {
                        self.bound_mutably.insert(name.to_owned());
                    }
                    self.mentioned.insert(name.to_owned());
                    mutable = false;
                    if !pattern_goes_on(&tokens[i..]) {
                        break;
                    }
                }
            }
        }
        i
    }
}

/// A token that is neither whitespace nor a comment.
#[derive(Debug, Clone, Copy)]
enum Token<'a> {
    /// An identifier or a keyword; a raw identifier without its `r#`.
    Word(&'a str),
    /// Punctuation, a literal or a lifetime: only its kind matters here.
    Other(TokenKind),
}

/// The cell's tokens without whitespace and comments, which can stand
/// anywhere and change nothing about the names around them.
fn significant_tokens(code: &str) -> Vec<Token<'_>> {
    // A cell is a fragment of a crate, never a file that could open with
    // front matter.
    let mut cursor = Cursor::new(code, FrontmatterAllowed::No);
    let mut tokens = Vec::new();
    loop {
        let rest = cursor.as_str();
        let kind = cursor.advance_token().kind;
        // The cursor only moves forward, so what is left is a suffix of
        // `rest` and the token is the text in front of it. Measuring it so,
        // rather than by the token's `u32` length, holds for any size.
        let text = &rest[..rest.len() - cursor.as_str().len()];
        match kind {
            TokenKind::Eof => break,
            TokenKind::Whitespace
            | TokenKind::LineComment { .. }
            | TokenKind::BlockComment { .. } => {}
            // An unknown prefix is an identifier glued to a quote or `#`
            // (`f"..."`); the identifier is still a name the cell uses.
            TokenKind::Ident | TokenKind::UnknownPrefix => tokens.push(Token::Word(text)),
            TokenKind::RawIdent => {
                tokens.push(Token::Word(text.strip_prefix("r#").unwrap_or(text)));
            }
            other => tokens.push(Token::Other(other)),
        }
    }
    tokens
}

/// Whether the word after `before` is a field or method: it follows a
/// single `.` (after `..` it is the end of a range, a variable).
fn is_field(before: &[Token]) -> bool {
    match before {
        [
            ..,
            Token::Other(TokenKind::Dot),
            Token::Other(TokenKind::Dot),
        ] => false,
        [.., Token::Other(TokenKind::Dot)] => true,
        _ => false,
    }
}

/// The first word at or after `tokens[from]`, with its index.
fn next_word<'a>(tokens: &[Token<'a>], from: usize) -> Option<(usize, &'a str)> {
    tokens
        .iter()
        .enumerate()
        .skip(from)
        .find_map(|(at, token)| match token {
            Token::Word(word) => Some((at, *word)),
            Token::Other(_) => None,
        })
}

/// The name in a `(name)` that opens `after`: the variable itself handed
/// to a call, as in `drop(a)` (not `drop(&a)` or `drop(a.b)`).
fn lone_argument<'a>(after: &[Token<'a>]) -> Option<&'a str> {
    use TokenKind::{CloseParen, OpenParen};
    match after {
        [
            Token::Other(OpenParen),
            Token::Word(name),
            Token::Other(CloseParen),
            ..,
        ] => Some(name),
        _ => None,
    }
}

/// Whether a `let` pattern goes on after a name, given the tokens that
/// follow it: only `(`, `,` and `[` lead to the next word, and at least
/// one `(` or `,` (as in `(a, b)` and `Some(c)`) separates the two.
fn pattern_goes_on(after: &[Token]) -> bool {
    let mut separated = false;
    for token in after {
        match token {
            Token::Word(_) => return separated,
            Token::Other(TokenKind::OpenParen | TokenKind::Comma) => separated = true,
            Token::Other(TokenKind::OpenBracket) => {}
            Token::Other(_) => return false,
        }
    }
    separated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn finds_mentions_mutable_bindings_and_drops() {
        let names = CellNames::scan(
            "let mut a = np::zeros(&[3]); // b is not here\nlet c = \"d\"; drop( e ); drop(f.g); let x = 'y';",
        );
        assert!(names.mentioned.contains("a") && names.mentioned.contains("e"));
        assert!(!names.mentioned.contains("b") && !names.mentioned.contains("d"));
        assert!(!names.mentioned.contains("y"));
        assert_eq!(names.bound_mutably, set(&["a"]));
        let bound: Vec<(&str, usize)> = names.bound.iter().map(|(n, &p)| (n.as_str(), p)).collect();
        assert_eq!(bound, [("a", 0), ("c", 1), ("x", 2)]);
        assert_eq!(names.dropped, set(&["e"]));
    }

    #[test]
    fn patterns_fields_and_raw_strings() {
        let names = CellNames::scan(
            "let (mut a, b) = (x.c, 1..y);\nlet [p, mut q] = arr;\nlet s = r#\"t \"u\" v\"#; let w: f64 = 1.0;",
        );
        let bound: Vec<&str> = names.bound.keys().map(String::as_str).collect();
        assert_eq!(bound, ["a", "b", "p", "q", "s", "w"]);
        assert_eq!(names.bound_mutably, set(&["a", "q"]));
        assert!(names.mentioned.contains("x") && names.mentioned.contains("y"));
        assert!(!names.mentioned.contains("c"), "a field is not a variable");
        assert!(!names.mentioned.contains("t") && !names.mentioned.contains("u"));
    }

    #[test]
    fn a_char_literal_is_not_a_mention_of_its_letter() {
        let names = CellNames::scan(r"let c = '\n'; let t = ['\t', '\'', '\\', '\u{41}', 'é'];");
        assert_eq!(names.mentioned, set(&["c", "let", "t"]));
    }

    #[test]
    fn a_lifetime_is_not_a_mention_of_its_name() {
        let names = CellNames::scan(
            "fn first<'a>(x: &'a [f64]) -> &'a f64 { &x[0] }\n'outer: loop { break 'outer; }\nlet s: &'static str = \"\";",
        );
        assert_eq!(
            names.mentioned,
            set(&[
                "break", "f64", "first", "fn", "let", "loop", "s", "str", "x"
            ])
        );
    }

    #[test]
    fn nested_block_comments_hide_their_content() {
        let names = CellNames::scan("/* a /* b */ c */ d /** e /* f */ g */ h");
        assert_eq!(names.mentioned, set(&["d", "h"]));
        let names = CellNames::scan("x /* never /* closed */ y");
        assert_eq!(names.mentioned, set(&["x"]));
    }

    #[test]
    fn raw_strings_with_hashes_hide_their_content() {
        let names = CellNames::scan("let s = r##\"a \"# b\"## ; c; r###\"d\"###.len()");
        assert_eq!(names.mentioned, set(&["c", "let", "s"]));
    }

    #[test]
    fn a_byte_string_is_not_a_mention_of_b() {
        let names =
            CellNames::scan("let s = b\"x\"; let t = br#\"y\"#; let u = b'z'; let v = c\"w\";");
        assert_eq!(names.mentioned, set(&["let", "s", "t", "u", "v"]));
    }

    #[test]
    fn a_ref_binding_binds_the_name_after_it() {
        let names = CellNames::scan("let ref a = x; let (ref mut b, c) = y;");
        let bound: Vec<&str> = names.bound.keys().map(String::as_str).collect();
        assert_eq!(bound, ["a", "b", "c"]);
        assert_eq!(names.bound_mutably, set(&["b"]));
    }

    #[test]
    fn only_a_lone_name_in_drop_is_dropped() {
        let names = CellNames::scan(
            "drop(a); std::mem::drop( /* b */ b ); drop(&c); drop(d.e); drop(r#f);",
        );
        assert_eq!(names.dropped, set(&["a", "b", "f"]));
    }

    #[test]
    fn odd_code_does_not_panic() {
        // Every text of up to three of these pieces: lone and unterminated
        // quotes, escapes, comment marks, literal prefixes, non-ASCII
        // characters, the words the scanner looks for, and nothing at all.
        let pieces = [
            "", "'", "\"", "\\", "/", "*", "r", "#", "b", "c", "x", "0", ".", "(", ")", ",", "é",
            "🦀", " ", "\n", "\u{feff}", "let", "mut", "ref", "drop",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let _ = CellNames::scan(&[a, b, c].concat());
                }
            }
        }
        let longer = [
            "\"open",
            "/* open",
            "let mut",
            "drop(",
            "é'",
            "r#\"open",
            "let (a,",
            "/* /* */",
            "r##\"a\"#",
            "let (ref mut",
            "drop( a",
        ];
        for code in longer {
            let _ = CellNames::scan(code);
        }
        let _ = CellNames::scan(&"/*".repeat(10_000));
        let _ = CellNames::scan(&"(".repeat(10_000));
    }
}
