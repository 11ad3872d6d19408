//! The words in the table's cells, shared by the text and HTML renderings.

use crate::model::{Base, Change, Role, Row};

pub const HEADERS: [&str; 13] = [
    "name",
    "type",
    "dtype",
    "shape",
    "strides",
    "bytes",
    "role",
    "base / alias of",
    "shares memory with",
    "contiguous",
    "writeable",
    "changed",
    "buffer",
];

/// Columns that the text and HTML tables fold into one line when every row
/// says the same in them (the JSON and the data resource keep them all).
const FOLDABLE: [&str; 6] = [
    "type",
    "dtype",
    "contiguous",
    "writeable",
    "changed",
    "buffer",
];

/// The columns to show, as indices into [`HEADERS`], and a line for those
/// folded away: `every row: type NpArray<i32>, dtype i32, writeable yes`.
/// A table of one row folds nothing.
pub fn shown_columns(rows: &[Row]) -> (Vec<usize>, Option<String>) {
    let cells: Vec<[String; 13]> = rows.iter().map(row_cells).collect();
    let mut shown = Vec::new();
    let mut folded = Vec::new();
    for (column, header) in HEADERS.iter().enumerate() {
        let same = cells.len() > 1
            && FOLDABLE.contains(header)
            && cells.iter().all(|row| row[column] == cells[0][column]);
        if same {
            folded.push(format!("{header} {}", cells[0][column]));
        } else {
            shown.push(column);
        }
    }
    let line = (!folded.is_empty()).then(|| format!("every row: {}", folded.join(", ")));
    (shown, line)
}

pub fn list<T: std::fmt::Display>(items: &[T]) -> String {
    let inner: Vec<String> = items.iter().map(ToString::to_string).collect();
    format!("[{}]", inner.join(", "))
}

pub fn role(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::View => "view",
        Role::Alias => "alias",
        Role::CopyOnWrite => "copy-on-write",
    }
}

pub fn changed(change: Change) -> &'static str {
    match change {
        Change::New => "new",
        Change::Modified => "modified",
        Change::Unchanged => "unchanged",
    }
}

/// The words for how a row relates to another array, written once for
/// every rendering (the table's column, the Variables panel's line).
fn same_array_as(names: &str) -> String {
    format!("same array as {names}")
}

fn copy_on_write_with(names: &str) -> String {
    format!("copy-on-write with {names}")
}

fn base_words(base: &Base) -> Option<String> {
    match base {
        Base::None => None,
        Base::Variable(name) => Some(format!("view of {name}")),
        Base::NotAVariable => Some("view; owner is not a variable".to_owned()),
    }
}

/// How a row relates to the others: the names it is the same array as,
/// or shares copy-on-write memory with, then the owner it looks into.
pub fn base_or_alias(row: &Row) -> String {
    let names = |words: fn(&str) -> String, names: &[String]| {
        (!names.is_empty())
            .then(|| words(&some_names(names.iter().map(String::as_str), names.len())))
    };
    let parts: Vec<String> = [
        names(same_array_as, &row.alias_of),
        names(copy_on_write_with, &row.copy_on_write_with),
        base_words(&row.base),
    ]
    .into_iter()
    .flatten()
    .collect();
    parts.join("; ")
}

/// A row's role in a few words, naming the one array it most depends on:
/// the first it is the same array as, else the first it shares
/// copy-on-write memory with, else its owner, else its role.
pub fn relation(row: &Row) -> String {
    if let Some(other) = row.alias_of.first() {
        return same_array_as(other);
    }
    if let Some(other) = row.copy_on_write_with.first() {
        return copy_on_write_with(other);
    }
    base_words(&row.base).unwrap_or_else(|| role(row.role).to_owned())
}

pub fn shares(row: &Row) -> String {
    let total = row.shares_memory_with.len() + row.may_share_with.len();
    if total == 0 {
        return "-".to_owned();
    }
    let names = row
        .shares_memory_with
        .iter()
        .map(|name| std::borrow::Cow::Borrowed(name.as_str()))
        .chain(
            row.may_share_with
                .iter()
                .map(|name| std::borrow::Cow::Owned(format!("{name} (may share)"))),
        );
    some_names(names, total)
}

/// A cell names at most this many arrays; the JSON lists them all.
pub const NAMES_PER_CELL: usize = 8;

/// The first [`NAMES_PER_CELL`] of `total` names, then how many more: a
/// cell of a thousand names reads no better than its count, and would
/// cost the text table megabytes.
fn some_names<S: AsRef<str>>(names: impl Iterator<Item = S>, total: usize) -> String {
    let mut line = String::new();
    for (k, name) in names.take(NAMES_PER_CELL).enumerate() {
        if k > 0 {
            line.push_str(", ");
        }
        line.push_str(name.as_ref());
    }
    if total > NAMES_PER_CELL {
        line.push_str(&format!(", and {} more", total - NAMES_PER_CELL));
    }
    line
}

pub fn contiguity(row: &Row) -> &'static str {
    match (row.c_contiguous, row.f_contiguous) {
        (true, true) => "C F",
        (true, false) => "C",
        (false, true) => "F",
        (false, false) => "no",
    }
}

pub fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

pub fn buffer(row: &Row) -> String {
    row.buffer
        .map_or_else(|| "-".to_owned(), |id| id.to_string())
}

/// Bytes as people read them: `80 B`, `1.5 KiB`, `256 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let digits = if value < 10.0 { 1 } else { 0 };
    format!("{value:.digits$} {}", UNITS[unit])
}

/// The cells of one row, in [`HEADERS`] order.
pub fn row_cells(row: &Row) -> [String; 13] {
    [
        row.name.clone(),
        row.type_name.clone(),
        row.dtype.to_owned(),
        list(&row.shape),
        list(&row.strides),
        bytes(row.bytes),
        role(row.role).to_owned(),
        base_or_alias(row),
        shares(row),
        contiguity(row).to_owned(),
        yes_no(row.writeable).to_owned(),
        changed(row.changed).to_owned(),
        buffer(row),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_like_people_write_them() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(80), "80 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(256 * 1024 * 1024), "256 MiB");
        assert_eq!(bytes(u64::MAX), "16384 PiB");
    }
}
