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
        let mut i = 0;
        while i < words.len() {
            let word = &words[i];
            if !word.after_dot {
                names.mentioned.insert(word.text.clone());
            }
            if word.text == "let" {
                i = names.binding(&words, i + 1);
                continue;
            }
            if word.text == "drop" && word.followed_by_paren {
                if let Some(name) = words.get(i + 1).filter(|n| n.closed_right_after) {
                    names.dropped.insert(name.text.clone());
                }
            }
            i += 1;
        }
        names
    }

    /// Reads the pattern of a `let` starting at `words[i]`: one name, or the
    /// names of a tuple or slice pattern (`let (mut a, b) = ...`), up to
    /// the `=`, `;` or `:` that ends it. Returns where scanning goes on.
    fn binding(&mut self, words: &[Word], mut i: usize) -> usize {
        let mut mutable = false;
        while let Some(word) = words.get(i) {
            if word.text == "mut" {
                mutable = true;
            } else if word.text != "ref" {
                let position = self.bound.len();
                self.bound.entry(word.text.clone()).or_insert(position);
                if mutable {
                    self.bound_mutably.insert(word.text.clone());
                }
                self.mentioned.insert(word.text.clone());
                mutable = false;
            }
            i += 1;
            if !word.pattern_goes_on {
                break;
            }
        }
        i
    }
}

struct Word {
    text: String,
    /// Preceded by a single `.`: a field or method, not a variable.
    after_dot: bool,
    /// Only pattern punctuation (`(`, `,`, `[`, spaces) separates it from
    /// the next word, so a `let` pattern continues.
    pattern_goes_on: bool,
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
        } else if c == 'r' && matches!(chars.get(i + 1), Some('"') | Some('#')) {
            // A raw string: r"...", r#"..."#, with as many #s as it opens with.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                i += 1;
                continue;
            }
            j += 1;
            while j < chars.len() {
                if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
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
            let before: Vec<&char> = chars[..start]
                .iter()
                .rev()
                .filter(|c| !c.is_whitespace())
                .take(2)
                .collect();
            let after_dot = before.first() == Some(&&'.') && before.get(1) != Some(&&'.');
            let gap: String = chars[i..]
                .iter()
                .take_while(|c| !(c.is_alphanumeric() || **c == '_'))
                .collect();
            let pattern_goes_on = !gap.is_empty()
                && gap
                    .chars()
                    .all(|c| c.is_whitespace() || matches!(c, '(' | ',' | '['))
                && gap.contains(|c: char| matches!(c, '(' | ','));
            words.push(Word {
                text: chars[start..i].iter().collect(),
                after_dot,
                pattern_goes_on: pattern_goes_on
                    || chars[start..i].iter().collect::<String>() == "mut",
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
    fn unterminated_code_does_not_panic() {
        for code in [
            "\"open", "/* open", "'", "let mut", "drop(", "é'", "r#\"open", "r#", "let (a,",
        ] {
            let _ = CellNames::scan(code);
        }
    }
}
