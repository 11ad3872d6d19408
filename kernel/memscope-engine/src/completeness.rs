//! Is a cell ready to run? Answered with rust-analyzer's parser, without
//! compiling anything.
//!
//! Invariant: pure and total: any text gets an answer, never a panic.

use ra_ap_syntax::{Edition, SourceFile, SyntaxKind, TextSize};

use crate::cell_lines::{HeaderLine, header};

/// Whether a piece of code is ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completeness {
    Complete,
    /// More input is needed; the string is the indent for the next line.
    Incomplete(String),
    Invalid,
}

const INDENT: &str = "    ";

/// Judges a cell: unbalanced opening brackets, an unterminated string or
/// comment, or an error only at the very end mean "incomplete"; any other
/// syntax error means "invalid".
pub fn completeness(code: &str) -> Completeness {
    // evcxr's commands (`:dep`) and shell escapes (`!ls`) at the top of a
    // cell are whole lines and always complete; blank them out so the
    // parser sees only Rust, keeping offsets intact.
    let mut rust = String::with_capacity(code.len());
    for (range, line) in header(code).lines {
        // What lies between header lines is their line breaks.
        rust.push_str(&code[rust.len()..range.start]);
        match line {
            HeaderLine::Skipped => rust.push_str(&code[range]),
            // One space a byte, so that offsets stay those of the cell.
            HeaderLine::Command { .. } | HeaderLine::Shell(_) => {
                rust.push_str(&" ".repeat(range.len()))
            }
        }
    }
    rust.push_str(&code[rust.len()..]);
    if rust.trim().is_empty() {
        return Completeness::Complete;
    }

    // Cells hold statements, so parse them as the body of a function.
    const PREFIX: &str = "fn __memscope_cell() {\n";
    let wrapped = format!("{PREFIX}{rust}\n}}");
    let parse = SourceFile::parse(&wrapped, Edition::CURRENT);
    let root = parse.syntax_node();

    let mut depth: i64 = 0;
    let mut unterminated = false;
    let user_end = PREFIX.len() + rust.trim_end().len();
    for token in root
        .descendants_with_tokens()
        .filter_map(|element| element.into_token())
    {
        let start = usize::from(token.text_range().start());
        if start < PREFIX.len() || start >= PREFIX.len() + rust.len() {
            continue; // Our own wrapper's braces.
        }
        match token.kind() {
            SyntaxKind::L_CURLY | SyntaxKind::L_PAREN | SyntaxKind::L_BRACK => depth += 1,
            SyntaxKind::R_CURLY | SyntaxKind::R_PAREN | SyntaxKind::R_BRACK => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return Completeness::Invalid;
        }
        let text = token.text();
        let open_block_comment =
            token.kind() == SyntaxKind::COMMENT && text.starts_with("/*") && !text.ends_with("*/");
        if open_block_comment {
            unterminated = true;
        }
    }
    let errors = parse.errors();
    // rust-analyzer's lexer reports an unterminated string or character
    // literal as "Missing trailing ... symbol"; the literal then swallows the
    // rest of the text, our closing brace included.
    if errors
        .iter()
        .any(|e| e.to_string().contains("Missing trailing"))
    {
        unterminated = true;
    }
    if unterminated || depth > 0 {
        let indent = INDENT.repeat(usize::try_from(depth.max(0)).unwrap_or(0));
        return Completeness::Incomplete(indent);
    }
    if errors.is_empty() {
        return Completeness::Complete;
    }
    // An error that starts at the end of what the user wrote ("expected an
    // expression" after `let x =`) means the statement is unfinished.
    let all_at_end = errors
        .iter()
        .all(|e| e.range().start() >= TextSize::from(u32::try_from(user_end).unwrap_or(u32::MAX)));
    if all_at_end {
        Completeness::Incomplete(String::new())
    } else {
        Completeness::Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(code: &str, expected: Completeness) {
        assert_eq!(completeness(code), expected, "{code:?}");
    }

    #[test]
    fn complete_cells() {
        for code in [
            "let x = 1;",
            "1 + 2",
            "fn f() -> i32 { 3 }\nf()",
            "let s = \"}\";",
            "// a comment with {",
            ":dep ndarray = \"0.17\"",
            ":dep ndarray\nlet a = 1;",
            "let a = vec![1];\n::std::mem::drop(a);",
            "!ls",
            "",
            "   \n",
            "println!(\"hello, world\");",
            "struct P { x: i32 }",
            "let v = vec![1, 2, 3];",
        ] {
            check(code, Completeness::Complete);
        }
    }

    #[test]
    fn incomplete_cells() {
        check("fn f() {", Completeness::Incomplete("    ".into()));
        check(
            "fn f() {\n    if true {",
            Completeness::Incomplete("        ".into()),
        );
        check("let v = vec![1,", Completeness::Incomplete("    ".into()));
        check(
            "let s = \"unterminated",
            Completeness::Incomplete("".into()),
        );
        check("/* open comment", Completeness::Incomplete("".into()));
        check("let x =", Completeness::Incomplete("".into()));
    }

    #[test]
    fn invalid_cells() {
        for code in ["let x = );", "}", "fn f() { let = 3; }", "let 1 = ;x y"] {
            check(code, Completeness::Invalid);
        }
    }
}
