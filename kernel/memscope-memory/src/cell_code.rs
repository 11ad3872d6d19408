//! What the memory table needs to know about a cell's source: which names
//! it mentions, which it binds mutably, which it drops explicitly.
//!
//! The table never reads array elements, so for plain ndarray values it
//! cannot see a write; it can see that a cell mentions a mutable binding,
//! which is the only way safe Rust can write to it.

use std::collections::{BTreeMap, BTreeSet};

/// Names found in one cell's code. Strings, characters and comments are
/// skipped, so `"a"` and `// a` do not mention `a`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CellNames {
    /// Every identifier in the code.
    pub mentioned: BTreeSet<String>,
    /// Names bound with `let` (a new value, even under an old name), with
    /// the position of their first binding in the cell.
    pub bound: BTreeMap<String, usize>,
    /// Names bound with `let mut`.
    pub bound_mutably: BTreeSet<String>,
    /// Names passed straight to `drop(...)`.
    pub dropped: BTreeSet<String>,
}

impl CellNames {
    pub fn scan(code: &str) -> CellNames {
        let words = identifiers(code);
        let mut names = CellNames::default();
        for (i, word) in words.iter().enumerate() {
            names.mentioned.insert(word.text.clone());
            let next = words.get(i + 1);
            let after = words.get(i + 2);
            if word.text == "let" {
                match (next, after) {
                    (Some(m), Some(name)) if m.text == "mut" => {
                        let position = names.bound.len();
                        names.bound.entry(name.text.clone()).or_insert(position);
                        names.bound_mutably.insert(name.text.clone());
                    }
                    (Some(name), _) => {
                        let position = names.bound.len();
                        names.bound.entry(name.text.clone()).or_insert(position);
                    }
                    _ => {}
                }
            }
            if word.text == "drop" && word.followed_by_paren {
                if let Some(name) = next.filter(|n| n.closed_right_after) {
                    names.dropped.insert(name.text.clone());
                }
            }
        }
        names
    }
}

struct Word {
    text: String,
    /// The next non-space character is `(`.
    followed_by_paren: bool,
    /// The next non-space character is `)`.
    closed_right_after: bool,
}

fn identifiers(code: &str) -> Vec<Word> {
    let chars: Vec<char> = code.chars().collect();
    let mut words = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3; // A character literal such as 'a'; lifetimes are left alone.
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let next = chars[i..].iter().find(|c| !c.is_whitespace());
            words.push(Word {
                text: chars[start..i].iter().collect(),
                followed_by_paren: next == Some(&'('),
                closed_right_after: next == Some(&')'),
            });
        } else {
            i += 1;
        }
    }
    words
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
    fn unterminated_code_does_not_panic() {
        for code in ["\"open", "/* open", "'", "let mut", "drop(", "é'"] {
            let _ = CellNames::scan(code);
        }
    }
}
