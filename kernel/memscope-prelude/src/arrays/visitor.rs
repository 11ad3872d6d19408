//! [`ArrayVisitor`]: collects the arrays a value holds, each under the
//! path Rust would write to reach it, within fixed bounds of work.

use std::fmt::Write as _;

use memscope_cell_abi::ArrayFacts;

/// Arrays described in full in one report; past it they are only counted
/// (10,000 rows are what the table's own benchmark measures). A
/// variable's first array is always described, so one large container
/// cannot hide the variables after it.
pub const ROW_LIMIT: usize = 10_000;

/// Arrays of one variable described in full; past it they are only
/// counted.
pub const ROWS_PER_VARIABLE: usize = 1_000;

/// Parts of values entered in one report; past it nothing more is
/// visited, so a `Vec` of ten million `Option`s costs a bounded time.
const NODE_LIMIT: usize = 1_000_000;

/// How deep a path may go; deeper parts are not visited.
const DEPTH_LIMIT: usize = 64;

/// What a report found: arrays by path, and per variable how many more
/// it holds than were described.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub arrays: Vec<(String, ArrayFacts)>,
    /// `(variable, count, complete)`: arrays past [`ROWS_PER_VARIABLE`]
    /// or [`ROW_LIMIT`]; not `complete` when the work bound stopped the
    /// counting.
    pub beyond_limit: Vec<(String, usize, bool)>,
}

/// Walks values for arrays; see [`Arrays`](super::Arrays).
pub struct ArrayVisitor {
    path: String,
    depth: usize,
    nodes: usize,
    found: Found,
    /// Arrays of the current variable described, and past the limits.
    described: usize,
    beyond: usize,
    /// Addresses of the `Rc`/`Arc` allocations on the current path, which
    /// are not entered again (a cycle through a `RefCell`).
    open_shared: Vec<usize>,
}

impl ArrayVisitor {
    pub(crate) fn new() -> ArrayVisitor {
        ArrayVisitor {
            path: String::new(),
            depth: 0,
            nodes: 0,
            found: Found::default(),
            described: 0,
            beyond: 0,
            open_shared: Vec::new(),
        }
    }

    /// Visits the variable `name` with `visit`.
    pub(crate) fn variable(&mut self, name: &str, visit: impl FnOnce(&mut ArrayVisitor)) {
        self.path.clear();
        self.path.push_str(name);
        self.described = 0;
        self.beyond = 0;
        visit(self);
        if self.beyond > 0 {
            let complete = self.nodes < NODE_LIMIT;
            self.found
                .beyond_limit
                .push((name.to_owned(), self.beyond, complete));
        }
    }

    pub(crate) fn finish(self) -> Found {
        self.found
    }

    /// Whether the work bound is spent: containers stop visiting.
    pub fn is_full(&self) -> bool {
        self.nodes >= NODE_LIMIT
    }

    /// Visits the field `name` (`.w`, or `.0` for a tuple's first).
    pub fn field(&mut self, name: &str, visit: impl FnOnce(&mut ArrayVisitor)) {
        self.enter(
            |path| {
                path.push('.');
                path.push_str(name);
            },
            visit,
        );
    }

    /// Visits the element at `index` (`[3]`).
    pub fn index(&mut self, index: usize, visit: impl FnOnce(&mut ArrayVisitor)) {
        self.enter(
            |path| {
                let _ = write!(path, "[{index}]");
            },
            visit,
        );
    }

    /// Visits the map value under `key` (`["w"]`, `[3]`, `['x']`).
    pub fn key<K: PathKey + ?Sized>(&mut self, key: &K, visit: impl FnOnce(&mut ArrayVisitor)) {
        self.enter(
            |path| {
                path.push('[');
                key.write_key(path);
                path.push(']');
            },
            visit,
        );
    }

    /// Visits what an `Rc` or `Arc` at `address` points to, under the same
    /// path, unless that allocation is already being visited further up
    /// (a cycle). Two paths to one allocation both see its arrays, which
    /// the table then shows as aliases.
    #[doc(hidden)]
    pub fn shared(&mut self, address: usize, visit: impl FnOnce(&mut ArrayVisitor)) {
        if self.open_shared.contains(&address) {
            return;
        }
        self.open_shared.push(address);
        visit(self);
        self.open_shared.pop();
    }

    /// Records an array at the current path; `facts` is asked only while
    /// rows remain.
    #[doc(hidden)]
    pub fn array(&mut self, facts: impl FnOnce() -> ArrayFacts) {
        let room = self.described == 0
            || (self.described < ROWS_PER_VARIABLE && self.found.arrays.len() < ROW_LIMIT);
        if room {
            self.found.arrays.push((self.path.clone(), facts()));
            self.described += 1;
        } else {
            self.beyond += 1;
        }
    }

    fn enter(&mut self, segment: impl FnOnce(&mut String), visit: impl FnOnce(&mut ArrayVisitor)) {
        if self.depth >= DEPTH_LIMIT || self.is_full() {
            return;
        }
        self.nodes += 1;
        let length = self.path.len();
        segment(&mut self.path);
        self.depth += 1;
        visit(self);
        self.depth -= 1;
        self.path.truncate(length);
    }
}

/// A map key that can be written into a path as a Rust literal.
pub trait PathKey {
    fn write_key(&self, path: &mut String);
}

impl PathKey for str {
    fn write_key(&self, path: &mut String) {
        let _ = write!(path, "{self:?}");
    }
}

impl PathKey for String {
    fn write_key(&self, path: &mut String) {
        self.as_str().write_key(path);
    }
}

impl PathKey for char {
    fn write_key(&self, path: &mut String) {
        let _ = write!(path, "{self:?}");
    }
}

impl<K: PathKey + ?Sized> PathKey for &K {
    fn write_key(&self, path: &mut String) {
        (**self).write_key(path);
    }
}

macro_rules! display_keys {
    ($($t:ty)*) => {$(
        impl PathKey for $t {
            fn write_key(&self, path: &mut String) {
                let _ = write!(path, "{self}");
            }
        }
    )*};
}
display_keys!(bool i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize);

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> ArrayFacts {
        ArrayFacts {
            type_name: "Vec<u8>".into(),
            dtype: "u8",
            itemsize: 1,
            shape: vec![1],
            strides: vec![1],
            first: 0x1000,
            writeable: true,
            storage: memscope_cell_abi::Storage::Owned,
            values: memscope_cell_abi::ValueSample::default(),
        }
    }

    #[test]
    fn paths_are_written_as_rust_would() {
        let mut v = ArrayVisitor::new();
        v.variable("m", |v| {
            v.field("w", |v| v.array(facts));
            v.index(2, |v| v.field("0", |v| v.array(facts)));
            v.key("it's \"w\"", |v| v.array(facts));
            v.key(&'x', |v| v.array(facts));
            v.key(&-3_i64, |v| v.key(&true, |v| v.array(facts)));
        });
        let paths: Vec<_> = v.finish().arrays.into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "m.w",
                "m[2].0",
                r#"m["it's \"w\""]"#,
                "m['x']",
                "m[-3][true]"
            ]
        );
    }

    #[test]
    // Twelve thousand variables: pure bookkeeping with nothing for Miri to
    // check, and minutes of interpretation.
    #[cfg_attr(miri, ignore)]
    fn past_the_limits_arrays_are_counted_per_variable() {
        let mut v = ArrayVisitor::new();
        for name in ["big", "bigger"] {
            v.variable(name, |v| {
                for i in 0..ROWS_PER_VARIABLE + 5 {
                    v.index(i, |v| v.array(facts));
                }
            });
        }
        for i in 0..ROW_LIMIT {
            v.variable(&format!("x{i}"), |v| v.array(facts));
        }
        v.variable("last", |v| {
            v.field("a", |v| v.array(facts));
            v.field("b", |v| v.array(facts));
        });
        let found = v.finish();
        // Past the limit in all, each variable's first array still is.
        assert_eq!(found.arrays.len(), 2 * ROWS_PER_VARIABLE + ROW_LIMIT + 1);
        assert_eq!(found.arrays.last().unwrap().0, "last.a");
        let beyond = &found.beyond_limit;
        assert_eq!(
            beyond[..2],
            [("big".into(), 5, true), ("bigger".into(), 5, true)]
        );
        assert_eq!(beyond.last(), Some(&("last".into(), 1, true)));
    }

    #[test]
    fn an_allocation_on_the_path_is_not_entered_again() {
        let mut v = ArrayVisitor::new();
        let mut entered = 0;
        v.variable("cycle", |v| {
            v.shared(7, |v| {
                entered += 1;
                v.field("next", |v| v.shared(7, |_| entered += 1));
                v.shared(8, |_| entered += 1);
            });
        });
        assert_eq!(entered, 2);
    }

    #[test]
    fn depth_and_work_are_bounded() {
        fn dive(v: &mut ArrayVisitor, left: usize) {
            if left == 0 {
                v.array(facts);
            } else {
                v.field("next", |v| dive(v, left - 1));
            }
        }
        let mut v = ArrayVisitor::new();
        v.variable("deep", |v| dive(v, 100));
        v.variable("shallow", |v| dive(v, 3));
        let found = v.finish();
        assert_eq!(found.arrays.len(), 1);
        assert_eq!(found.arrays[0].0, "shallow.next.next.next");
    }
}
