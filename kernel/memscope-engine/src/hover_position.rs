//! Where to ask rust-analyzer about the code at a cursor.
//!
//! evcxr describes the expression that ends at the position it is given.
//! Inside a name that is the name; after a call that a completion just
//! wrote (`np::arange(start, stop, step)`, which JupyterLab's completer
//! inspects to fill its documentation panel) it would be the call, whose
//! placeholder arguments mean nothing: the function named before the
//! parenthesis is what the user wants to read about.
//!
//! Invariant: pure; the position returned is a char boundary of `code`.

/// The byte position to hover at for a cursor at byte `cursor`.
pub fn hover_position(code: &str, cursor: usize) -> usize {
    let mut end = cursor.min(code.len());
    while !code.is_char_boundary(end) {
        end -= 1;
    }
    let before = code[..end].trim_end();
    if before.ends_with(')')
        && let Some(open) = matching_open(before)
    {
        return code[..open].trim_end().len();
    }
    end + code[end..]
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(code.len() - end)
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
    fn an_unmatched_parenthesis_changes_nothing() {
        assert_eq!(hover_position("a)", 2), 2);
    }
}
