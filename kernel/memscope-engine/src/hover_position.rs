//! Where to ask rust-analyzer about the code at a cursor.
//!
//! evcxr describes the expression that ends at the position it is given.
//! Inside a name that is the name; after a call that a completion just
//! wrote (`np::arange(start, stop, step)`, which JupyterLab's completer
//! inspects to fill its documentation panel) it would be the call, whose
//! placeholder arguments mean nothing: the function named before the
//! parenthesis is what the user wants to read about.
//!
//! The name a cursor is in ([`identifier_around`]) is found here once, for
//! rust-analyzer and for the session's memory table alike.
//!
//! Invariant: pure; every position returned is a char boundary of `code`.

use std::ops::Range;

/// The byte position to hover at for a cursor at byte `cursor`.
pub fn hover_position(code: &str, cursor: usize) -> usize {
    let end = char_boundary_at_or_before(code, cursor);
    let before = code[..end].trim_end();
    if before.ends_with(')')
        && let Some(open) = matching_open(before)
    {
        return code[..open].trim_end().len();
    }
    identifier_around(code, cursor).end
}

/// The bytes of the name (letters, digits, `_`) the cursor at byte
/// `cursor` is in or just after; empty, at the cursor, when there is none.
pub fn identifier_around(code: &str, cursor: usize) -> Range<usize> {
    let is_part = |c: char| c.is_alphanumeric() || c == '_';
    let cursor = char_boundary_at_or_before(code, cursor);
    let start = code[..cursor]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_part(c))
        .last()
        .map_or(cursor, |(i, _)| i);
    let end = cursor
        + code[cursor..]
            .find(|c: char| !is_part(c))
            .unwrap_or(code.len() - cursor);
    start..end
}

fn char_boundary_at_or_before(code: &str, cursor: usize) -> usize {
    let mut at = cursor.min(code.len());
    while !code.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The `(` that the `)` ending `code` closes.
fn matching_open(code: &str) -> Option<usize> {
    let mut depth = 0_usize;
    for (at, c) in code.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_a_name_its_end() {
        assert_eq!(hover_position("np::zeros(&[2])", 6), "np::zeros".len());
        assert_eq!(hover_position("np::zeros", 9), 9);
        assert_eq!(hover_position("é zeros", 4), "é zeros".len());
    }

    #[test]
    fn after_a_call_the_function_called() {
        let code = "np::arange(start, stop, step)";
        assert_eq!(hover_position(code, code.len()), "np::arange".len());
        let nested = "let x = f(g(1), (2, 3)) ";
        assert_eq!(hover_position(nested, nested.len()), "let x = f".len());
    }

    #[test]
    fn the_name_around_a_cursor() {
        assert_eq!(identifier_around("let ab_1 = 2", 6), 4..8);
        assert_eq!(identifier_around("let ab_1 = 2", 8), 4..8, "just after");
        assert_eq!(identifier_around("a + b", 2), 2..2, "none");
        assert_eq!(identifier_around("é zeros", 1), 0..2, "inside a character");
    }

    #[test]
    fn an_unmatched_parenthesis_changes_nothing() {
        assert_eq!(hover_position("a)", 2), 2);
    }
}
