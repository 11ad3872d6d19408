//! Arrays kept inside other values: the path a row is named by
//! (`layers[1]`, `params["w"]`, `model.w`), the variable it lives in, the
//! order paths are listed in, and the folding of a container with more
//! arrays than a reader can use.
//!
//! Invariant: folding changes what is listed, never what is computed:
//! every array the cell reported took part in roles and sharing before
//! the table was folded, and every name a kept row lists that was folded
//! away is still counted, as "... N more in layers".

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use crate::model::MemoryTable;

/// Rows a table lists per variable; the rest are counted.
pub const ROWS_PER_VARIABLE: usize = 10;

/// The variable a path starts from: `layers` for `layers[1].w`.
pub fn variable_of(path: &str) -> &str {
    let end = path.find(['[', '.']).unwrap_or(path.len());
    &path[..end]
}

/// Paths in the order a reader expects: as text, except that runs of
/// digits compare as numbers, so `layers[2]` comes before `layers[10]`.
pub fn path_order(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let (da, ra) = split_digits(a);
                let (db, rb) = split_digits(b);
                let (ta, tb) = (trim_zeros(da), trim_zeros(db));
                let order = ta
                    .len()
                    .cmp(&tb.len())
                    .then(ta.cmp(tb))
                    .then(da.len().cmp(&db.len()));
                if order != Ordering::Equal {
                    return order;
                }
                (a, b) = (ra, rb);
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                (a, b) = (&a[1..], &b[1..]);
            }
        }
    }
}

fn split_digits(text: &[u8]) -> (&[u8], &[u8]) {
    let end = text
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at(end)
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let start = digits
        .iter()
        .position(|&c| c != b'0')
        .unwrap_or(digits.len());
    &digits[start..]
}

/// A variable of the notebook's own type that the table cannot look
/// inside: its type has no `#[derive(Arrays)]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opaque {
    pub variable: String,
    pub type_name: String,
}

/// What a folded table does not list of one variable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folded {
    pub variable: String,
    /// Arrays not listed: rows folded away, and arrays past the cell's
    /// report limit (counted, not compared).
    pub arrays: usize,
    /// Of those, the ones past the report limit.
    pub not_compared: usize,
    /// False when the cell stopped counting at its bound of work: there
    /// are at least `arrays`.
    pub complete: bool,
    /// Paths gone with this variable that are not listed.
    pub gone: usize,
}

impl MemoryTable {
    /// The table as listed: at most `per_variable` rows and gone paths per
    /// variable, with what the cell could not show (`opaque` variables,
    /// and `(variable, count, complete)` arrays past its report limit).
    pub fn folded(
        mut self,
        per_variable: usize,
        opaque: Vec<Opaque>,
        beyond_limit: &[(String, usize, bool)],
    ) -> MemoryTable {
        let mut folded: BTreeMap<String, Folded> = BTreeMap::new();
        fn fold<'a>(folded: &'a mut BTreeMap<String, Folded>, variable: &str) -> &'a mut Folded {
            folded.entry(variable.to_owned()).or_insert_with(|| Folded {
                variable: variable.to_owned(),
                complete: true,
                ..Folded::default()
            })
        }
        for (variable, count, complete) in beyond_limit {
            let entry = fold(&mut folded, variable);
            entry.arrays += count;
            entry.not_compared += count;
            entry.complete &= complete;
        }
        let mut listed: HashMap<&str, usize> = HashMap::new();
        let mut hidden: HashMap<String, String> = HashMap::new();
        for row in &self.rows {
            let seen = listed.entry(row.variable.as_str()).or_default();
            *seen += 1;
            if *seen > per_variable {
                hidden.insert(row.name.clone(), row.variable.clone());
                fold(&mut folded, &row.variable).arrays += 1;
            }
        }
        let mut gone_listed: HashMap<String, usize> = HashMap::new();
        self.gone.retain(|gone| {
            let variable = variable_of(&gone.name);
            let seen = gone_listed.entry(variable.to_owned()).or_default();
            *seen += 1;
            let keep = *seen <= per_variable;
            if !keep {
                fold(&mut folded, variable).gone += 1;
            }
            keep
        });
        if !hidden.is_empty() {
            self.rows.retain(|row| !hidden.contains_key(&row.name));
            for row in &mut self.rows {
                for list in [
                    &mut row.alias_of,
                    &mut row.copy_on_write_with,
                    &mut row.shares_memory_with,
                    &mut row.may_share_with,
                    &mut row.bounds_overlap_with,
                ] {
                    fold_names(list, &hidden);
                }
            }
            for buffer in &mut self.buffers {
                buffer.variables.retain(|name| !hidden.contains_key(name));
            }
        }
        self.opaque = opaque;
        self.folded = folded.into_values().collect();
        self
    }

    /// The rows of `name`: its own row if it is an array, else the rows of
    /// the arrays it holds (in path order).
    pub fn rows_of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a crate::Row> + 'a {
        self.rows
            .iter()
            .filter(move |row| row.name == name || row.variable == name)
    }
}

/// Replaces the folded names of `list` by one entry per variable,
/// "... 3 more in layers", after the listed names.
fn fold_names(list: &mut Vec<String>, hidden: &HashMap<String, String>) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut kept = Vec::with_capacity(list.len());
    for name in list.iter() {
        match hidden.get(name) {
            Some(variable) => *counts.entry(variable).or_default() += 1,
            None => kept.push(name.clone()),
        }
    }
    if counts.is_empty() {
        return;
    }
    kept.extend(
        counts
            .into_iter()
            .map(|(variable, count)| more_in(count, variable)),
    );
    *list = kept;
}

/// How a list names arrays it does not show one by one (ASCII, as the
/// text table is).
pub fn more_in(count: usize, variable: &str) -> String {
    format!("... {count} more in {variable}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_belongs_to_the_variable_it_starts_from() {
        assert_eq!(variable_of("a"), "a");
        assert_eq!(variable_of("layers[1].w"), "layers");
        assert_eq!(variable_of("m.w"), "m");
        assert_eq!(variable_of(r#"params["a.b"]"#), "params");
    }

    #[test]
    fn numbers_in_paths_compare_as_numbers() {
        let mut paths = vec![
            "layers[10]",
            "layers[2]",
            "layers",
            "layers[1].w",
            "a",
            "layers[02]",
            "b1",
        ];
        paths.sort_by(|a, b| path_order(a, b));
        assert_eq!(
            paths,
            [
                "a",
                "b1",
                "layers",
                "layers[1].w",
                "layers[2]",
                "layers[02]",
                "layers[10]"
            ]
        );
    }
}
