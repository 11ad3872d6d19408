//! What the Variables panel shows after each cell: every session
//! variable with its type; a simple one (a number, a string) also with its
//! value; an array with its memory role and layout in one line ("view of
//! x, [5] strides [2], 40 B"), expanding into the memory table's columns,
//! and rendered ("Render Variable") as the memory table of its buffer; a
//! container of arrays (a `Vec`, a map, a derived struct) with how many it
//! holds, expanding into each array's line by path, and rendered as the
//! table of their buffers; the variables the cell moved or dropped,
//! marked gone. Pure: built from
//! evcxr's variable types, the cell's reported values and the memory
//! table.

use std::sync::Arc;

use memscope_memory::render::cells::{self, HEADERS};
use memscope_memory::render::{RenderOptions, bundle};
use memscope_memory::{GoneWhy, MemoryTable, Row};

use crate::memory_display::TableBundle;

/// One session variable, as the panel lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub type_name: String,
    /// One line: for an array its relation and layout, for a simple value
    /// (a number, a string) the value, else its type.
    pub value: String,
    /// What the entry expands into (an array's columns of the memory
    /// table), as `(name, value)`; empty for a leaf.
    pub fields: Vec<(String, String)>,
}

/// The session's variables after a cell, and what "Render Variable"
/// shows for each.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    /// Sorted by name.
    pub list: Vec<Variable>,
    /// The memory table they were described with, shared, not copied.
    table: Option<Arc<MemoryTable>>,
    options: RenderOptions,
}

impl Variables {
    /// The memory table of `name`'s buffer: its row and every row that
    /// shares the buffer, with the buffer's picture; `None` for a
    /// variable that is not an array.
    pub fn render(&self, name: &str) -> Option<TableBundle> {
        let restricted = self.table.as_deref()?.restricted_to_buffer_of(name)?;
        Some(bundle(&restricted, self.options))
    }
}

/// The panel's variables: `types` (the session's, from evcxr), `values`
/// (the one-line values the cell reported for its simple variables,
/// sorted by name) and
/// the last cell's memory table, if the session has one, rendered with
/// `options` (addresses only after `:memory addresses`).
pub fn snapshot(
    types: &[(String, String)],
    values: &[(String, String)],
    table: Option<&Arc<MemoryTable>>,
    options: RenderOptions,
) -> Variables {
    // The cell reports its values sorted by name.
    let value_of = |name: &str| {
        let found = values.binary_search_by(|(n, _)| n.as_str().cmp(name));
        found.ok().map(|at| &values[at].1)
    };
    let mut variables: Vec<Variable> = types
        .iter()
        .map(|(name, type_name)| match table.and_then(|t| t.row(name)) {
            Some(row) => array_view(row, type_name),
            None if table.is_some_and(|t| t.rows_of(name).next().is_some()) => {
                container_view(table.expect("checked"), name, type_name)
            }
            None => Variable {
                name: name.clone(),
                type_name: type_name.clone(),
                value: match (value_of(name), table) {
                    (Some(value), _) => value.clone(),
                    (None, Some(_)) if looks_like_an_array(type_name) => UNDESCRIBED.to_owned(),
                    // Without a value (a struct, a map), the type alone.
                    (None, _) => type_name.clone(),
                },
                fields: Vec::new(),
            },
        })
        .collect();
    if let Some(table) = table {
        // Arrays evcxr does not list (it lists every variable it keeps,
        // so none should be missing), and the ones the cell made go.
        for row in &table.rows {
            if row.name == row.variable && !variables.iter().any(|v| v.name == row.name) {
                variables.push(array_view(row, &row.type_name));
            }
        }
        for gone in &table.gone {
            // A container's arrays went with it: the panel lists the
            // variable, once.
            let variable = memscope_memory::containers::variable_of(&gone.name);
            if variable != gone.name {
                if !variables.iter().any(|v| v.name == variable) {
                    variables.push(Variable {
                        name: variable.to_owned(),
                        type_name: String::new(),
                        value: "gone, with the arrays it held".to_owned(),
                        fields: Vec::new(),
                    });
                }
                continue;
            }
            let value = match &gone.why {
                GoneWhy::Moved { into } => {
                    format!("gone: moved into {into} (same buffer, new owner)")
                }
                GoneWhy::Dropped => "gone: dropped".to_owned(),
            };
            variables.push(Variable {
                name: gone.name.clone(),
                type_name: String::new(),
                value,
                fields: Vec::new(),
            });
        }
    }
    variables.sort_by(|a, b| a.name.cmp(&b.name));
    Variables {
        list: variables,
        table: table.cloned(),
        options,
    }
}

/// Said of an array-like variable the memory table has no row for (a
/// `Vec<String>`, an `Array2<Complex<f64>>`), so that its absence is not a
/// puzzle.
const UNDESCRIBED: &str = "no memory facts: the table describes arrays of numbers and bool";

/// Whether evcxr's type name is a collection the memory table could be
/// expected to describe.
fn looks_like_an_array(type_name: &str) -> bool {
    // The outermost type, without its path: `ndarray::Array2<u8>` is an
    // `Array2`, `HashMap<String, Array1<f64>>` a `HashMap`.
    let outer = type_name.split('<').next().unwrap_or(type_name);
    let outer = outer.rsplit("::").next().unwrap_or(outer);
    type_name.starts_with("Box<[") || matches!(outer, "Vec" | "VecDeque") || outer.contains("Array")
}

/// A variable that holds arrays: how many, expanding into each one's line.
fn container_view(table: &MemoryTable, name: &str, type_name: &str) -> Variable {
    let mut fields: Vec<(String, String)> = table
        .rows_of(name)
        .map(|row| (row.name.clone(), array_view(row, &row.type_name).value))
        .collect();
    let listed = fields.len();
    let folded = table.folded.iter().find(|f| f.variable == name);
    let more = folded.map_or(0, |f| f.arrays);
    if more > 0 {
        fields.push((
            "...".to_owned(),
            format!("and {more} more arrays the table counts but does not list"),
        ));
    }
    let total = listed + more;
    Variable {
        name: name.to_owned(),
        type_name: type_name.to_owned(),
        value: format!("holds {total} array{}", if total == 1 { "" } else { "s" }),
        fields,
    }
}

fn array_view(row: &Row, type_name: &str) -> Variable {
    let value = format!(
        "{}, {} strides {}, {}",
        cells::relation(row),
        cells::list(&row.shape),
        cells::list(&row.strides),
        cells::bytes(row.bytes)
    );
    // The columns after name and type, as the table shows them.
    let fields = HEADERS
        .iter()
        .zip(cells::row_cells(row))
        .skip(2)
        .map(|(header, cell)| ((*header).to_owned(), cell))
        .collect();
    Variable {
        name: row.name.clone(),
        type_name: type_name.to_owned(),
        value,
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use memscope_cell_abi::{ArrayFacts, Storage};
    use memscope_memory::MemoryTracker;

    const START: usize = 0x10000;

    fn facts(
        type_name: &str,
        first: usize,
        shape: usize,
        stride: isize,
        storage: Storage,
    ) -> ArrayFacts {
        ArrayFacts {
            type_name: type_name.to_owned(),
            dtype: "f64",
            itemsize: 8,
            shape: vec![shape],
            strides: vec![stride],
            first,
            writeable: true,
            storage,
            values: memscope_cell_abi::ValueSample::default(),
        }
    }

    /// `base` owns ten f64s, `evens` views every other one, `other` owns
    /// its own buffer; then `other` is dropped by a second cell.
    fn tables() -> (Arc<MemoryTable>, Arc<MemoryTable>) {
        let base = facts("Array1<f64>", START, 10, 1, Storage::Owned);
        let evens = facts("ArrayView1<f64>", START, 5, 2, Storage::Borrowed);
        let other = facts("Array1<f64>", 0x90000, 3, 1, Storage::Owned);
        let mut tracker = MemoryTracker::new();
        let first = tracker.observe(
            &[
                ("base".into(), base.clone()),
                ("evens".into(), evens.clone()),
                ("other".into(), other),
            ],
            "let base = ...; let evens = ...; let other = ...;",
            Some(1),
        );
        let second = tracker.observe(
            &[("base".into(), base), ("evens".into(), evens)],
            "drop(other);",
            Some(2),
        );
        (Arc::new(first), Arc::new(second))
    }

    fn types(names: &[(&str, &str)]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect()
    }

    fn find<'a>(panel: &'a Variables, name: &str) -> &'a Variable {
        panel.list.iter().find(|v| v.name == name).unwrap()
    }

    #[test]
    fn every_variable_is_listed_with_its_value_role_or_type() {
        let (table, _) = tables();
        let panel = snapshot(
            &types(&[
                ("base", "Array1<f64>"),
                ("count", "i64"),
                ("evens", "ArrayView1<f64>"),
                ("other", "Array1<f64>"),
                ("settings", "HashMap<String, i32>"),
                ("words", "Vec<String>"),
            ]),
            &[("count".into(), "42".into())],
            Some(&table),
            RenderOptions::default(),
        );
        let names: Vec<_> = panel.list.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(
            names,
            ["base", "count", "evens", "other", "settings", "words"]
        );
        assert_eq!(find(&panel, "count").value, "42");
        assert!(find(&panel, "count").fields.is_empty());
        // A type the cell cannot summarise shows the type alone, and an
        // array the table cannot describe says so.
        assert_eq!(find(&panel, "settings").value, "HashMap<String, i32>");
        assert_eq!(find(&panel, "words").value, UNDESCRIBED);
        let evens = find(&panel, "evens");
        assert_eq!(evens.value, "view of base, [5] strides [2], 40 B");
        let fields: Vec<_> = evens.fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(fields, &HEADERS[2..]);
        assert!(
            evens
                .fields
                .contains(&("base / alias of".to_owned(), "view of base".to_owned()))
        );
        assert!(
            find(&panel, "base")
                .value
                .starts_with("owner, [10] strides [1], 80 B")
        );
    }

    #[test]
    fn array_like_types_are_told_apart_from_others() {
        for array in [
            "Vec<String>",
            "Box<[char]>",
            "ndarray::Array2<Complex<f64>>",
            "NpArray<String>",
        ] {
            assert!(looks_like_an_array(array), "{array}");
        }
        for other in [
            "String",
            "HashMap<String, Vec<f64>>",
            "Option<Vec<f64>>",
            "Settings",
        ] {
            assert!(!looks_like_an_array(other), "{other}");
        }
    }

    #[test]
    fn dropped_variables_are_marked_gone() {
        let (_, table) = tables();
        let panel = snapshot(
            &types(&[("base", "Array1<f64>"), ("evens", "ArrayView1<f64>")]),
            &[],
            Some(&table),
            RenderOptions::default(),
        );
        assert_eq!(find(&panel, "other").value, "gone: dropped");
    }

    /// The `text/plain` part of what Render Variable shows for `name`.
    fn plain_text(panel: &Variables, name: &str) -> String {
        let bundle = panel.render(name).expect("a rendering");
        let plain = bundle.iter().find(|(mime, _)| mime == "text/plain");
        plain.expect("a text/plain part").1.to_string()
    }

    #[test]
    fn rendering_shows_the_buffer_and_everything_sharing_it() {
        let (table, _) = tables();
        let all = types(&[
            ("base", "Array1<f64>"),
            ("evens", "ArrayView1<f64>"),
            ("n", "i64"),
        ]);
        let panel = snapshot(&all, &[], Some(&table), RenderOptions::default());
        let text = plain_text(&panel, "evens");
        assert!(text.contains("base") && text.contains("evens"), "{text}");
        assert!(!text.contains("other"), "{text}");
        assert!(
            !text.contains("0x"),
            "an address without `:memory addresses`: {text}"
        );
        // Not an array: nothing to render (the adapter says its value).
        assert!(panel.render("n").is_none());
        assert!(panel.render("nobody").is_none());

        let with_addresses = RenderOptions { addresses: true };
        let panel = snapshot(&all, &[], Some(&table), with_addresses);
        let text = plain_text(&panel, "base");
        assert!(text.contains("0x10000"), "{text}");
    }

    #[test]
    fn a_container_expands_into_its_arrays_and_renders_their_buffers() {
        let base = facts("Array1<f64>", START, 10, 1, Storage::Owned);
        let mut reported = vec![("base".to_owned(), base.clone())];
        for i in 0..12 {
            let view = facts("ArrayView1<f64>", START + 8 * i, 1, 1, Storage::Borrowed);
            reported.push((format!("layers[{i}]"), view));
        }
        let table = MemoryTracker::new()
            .observe(&reported, "let base = ...; let layers = ...;", Some(1))
            .folded(10, Vec::new(), &[]);
        let table = Arc::new(table);
        let panel = snapshot(
            &types(&[("base", "Array1<f64>"), ("layers", "Vec<ArrayView1<f64>>")]),
            &[],
            Some(&table),
            RenderOptions::default(),
        );
        let names: Vec<&str> = panel.list.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(
            names,
            ["base", "layers"],
            "paths are not variables of their own"
        );
        let layers = find(&panel, "layers");
        assert_eq!(layers.value, "holds 12 arrays");
        assert_eq!(layers.fields[0].0, "layers[0]");
        assert_eq!(layers.fields[9].0, "layers[9]");
        assert!(
            layers.fields[0].1.starts_with("view of base"),
            "{:?}",
            layers.fields[0]
        );
        assert_eq!(
            layers.fields[10].1,
            "and 2 more arrays the table counts but does not list"
        );
        let rendered = plain_text(&panel, "layers");
        assert!(
            rendered.contains("layers[3]") && rendered.contains("base"),
            "{rendered}"
        );
    }

    #[test]
    fn no_table_yet_still_lists_the_variables() {
        let panel = snapshot(
            &types(&[("s", "String")]),
            &[("s".into(), "\"hi\"".into())],
            None,
            RenderOptions::default(),
        );
        assert_eq!(find(&panel, "s").value, "\"hi\"");
        assert!(panel.render("s").is_none());
    }
}
