//! The session's input history, answering tail, range and search requests.
//!
//! Invariant: entries are numbered by execution count, so history line N is
//! the cell shown as `[N]`; only cells run with `store_history` are kept.

/// The session number reported with each entry: this kernel keeps one
/// session's history, and IPython numbers the current session this way.
pub const CURRENT_SESSION: usize = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub line: usize,
    pub input: String,
    pub output: Option<String>,
}

#[derive(Debug, Default)]
pub struct History {
    entries: Vec<Entry>,
}

impl History {
    pub fn record(&mut self, line: usize, input: &str) {
        self.entries.push(Entry {
            line,
            input: input.to_owned(),
            output: None,
        });
    }

    /// Attaches the plain-text result to the entry for `line`.
    pub fn set_output(&mut self, line: usize, output: String) {
        if let Some(entry) = self.entries.iter_mut().rev().find(|e| e.line == line) {
            entry.output = Some(output);
        }
    }

    /// The last `n` entries, oldest first.
    pub fn tail(&self, n: usize) -> Vec<Entry> {
        let skip = self.entries.len().saturating_sub(n);
        self.entries[skip..].to_vec()
    }

    /// Lines `start..stop`; negative numbers count back from the end, as in
    /// IPython, and `stop` past the end is clamped.
    pub fn range(&self, start: i64, stop: i64) -> Vec<Entry> {
        let last = self.entries.last().map_or(0, |e| e.line as i64);
        let resolve = |n: i64| if n < 0 { last + 1 + n } else { n };
        let (start, stop) = (resolve(start), resolve(stop));
        self.entries
            .iter()
            .filter(|e| (e.line as i64) >= start && (e.line as i64) < stop)
            .cloned()
            .collect()
    }

    /// Entries whose input matches the glob `pattern` (`*`, `?`), the last
    /// `n` of them; with `unique`, each distinct input once, at its latest.
    pub fn search(&self, pattern: &str, n: usize, unique: bool) -> Vec<Entry> {
        let mut found: Vec<Entry> = self
            .entries
            .iter()
            .filter(|e| glob_matches(pattern, &e.input))
            .cloned()
            .collect();
        if unique {
            let mut seen = std::collections::HashSet::new();
            let mut kept: Vec<Entry> = found
                .into_iter()
                .rev()
                .filter(|e| seen.insert(e.input.clone()))
                .collect();
            kept.reverse();
            found = kept;
        }
        let skip = found.len().saturating_sub(n);
        found.split_off(skip)
    }
}

/// Glob matching over characters, the part of SQLite's GLOB (which
/// IPython's history search uses) that clients send: `*` is any run, `?`
/// is any one character. Unlike SQLite, `[...]` classes are not supported:
/// brackets match themselves, like everything else.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    // Iterative matcher with backtracking to the last star: linear in
    // practice and never recursive, so long inputs cannot blow the stack.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(inputs: &[&str]) -> History {
        let mut h = History::default();
        for (i, input) in inputs.iter().enumerate() {
            h.record(i + 1, input);
        }
        h
    }

    fn inputs(entries: Vec<Entry>) -> Vec<String> {
        entries.into_iter().map(|e| e.input).collect()
    }

    #[test]
    fn glob() {
        let cases = [
            ("*", "anything", true),
            ("let a*", "let alpha = 1;", true),
            ("let a*", "let beta = 1;", false),
            ("1?2*", "1+2", true),
            ("1?2*", "12", false),
            ("*soup*", "let alphabet_soup = 5;", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("", "", true),
            ("é?", "éa", true),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(glob_matches(pattern, text), expected, "{pattern} ~ {text}");
        }
    }

    #[test]
    fn tail_range_and_search() {
        let h = history(&["a = 1", "b = 2", "a = 1", "c"]);
        assert_eq!(inputs(h.tail(2)), ["a = 1", "c"]);
        assert_eq!(inputs(h.tail(10)).len(), 4);
        assert_eq!(inputs(h.range(2, 4)), ["b = 2", "a = 1"]);
        assert_eq!(inputs(h.range(-2, i64::from(i32::MAX))), ["a = 1", "c"]);
        assert_eq!(inputs(h.search("a*", 10, false)), ["a = 1", "a = 1"]);
        assert_eq!(inputs(h.search("a*", 10, true)), ["a = 1"]);
        assert_eq!(h.search("a*", 10, true)[0].line, 3);
        assert_eq!(inputs(h.search("*", 1, false)), ["c"]);
    }
}
