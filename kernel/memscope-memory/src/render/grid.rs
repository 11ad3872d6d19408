//! The logical grid of a 2-D (or higher) array the cell created or
//! changed: its rows and columns, each cell labelled with the buffer
//! position it reads, so `board_t` is seen as 4 x 3 walking `board`'s
//! buffer column by column. Higher dimensions are a stack of 2-D slices.
//!
//! Drawn beside the picture for at most [`MAX_GRIDS`] arrays of at most
//! [`MAX_GRID_ELEMENTS`] elements, with the values beside the positions
//! when the cell sent them and the line fits.

use crate::model::{Change, MemoryTable, Row};

use super::picture::positions;
use super::values::{MAX_LINE, short};

pub const MAX_GRIDS: usize = 4;
pub const MAX_GRID_ELEMENTS: u64 = 48;

/// One array's grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub name: String,
    pub shape: Vec<usize>,
    /// One per element, in C order: its position in the buffer.
    pub positions: Vec<usize>,
    /// One per element, in C order, as the picture shows them.
    pub values: Option<Vec<String>>,
    /// Whether a value was shortened to fit (`values::short`).
    pub rounded: bool,
}

impl Grid {
    /// What the grid shows, for its caption; `then` says where each value
    /// stands ("then" in text, "and under it" in HTML).
    pub fn caption(&self, then: &str) -> String {
        let mut what = "the buffer position each element reads".to_owned();
        if self.values.is_some() {
            what.push_str(&format!(", {then} its value"));
            if self.rounded {
                what.push_str(" (floats to 4 digits)");
            }
        }
        what
    }

    /// The 2-D slices of `items` (one per element, in C order: positions
    /// or values), each with its heading (`[0, :, :]`, or none for a 2-D
    /// array) and its rows.
    pub fn slices<'a, T>(&self, items: &'a [T]) -> Vec<(Option<String>, Vec<&'a [T]>)> {
        let (rows, columns) = match self.shape[..] {
            [.., rows, columns] => (rows, columns),
            _ => return Vec::new(),
        };
        let plane = rows * columns;
        let leading = &self.shape[..self.shape.len() - 2];
        if plane == 0 {
            return Vec::new();
        }
        items
            .chunks(plane)
            .enumerate()
            .map(|(k, chunk)| {
                let heading = (!leading.is_empty()).then(|| {
                    let mut index = Vec::with_capacity(leading.len());
                    let mut rest = k;
                    for &length in leading.iter().rev() {
                        index.push(rest % length.max(1));
                        rest /= length.max(1);
                    }
                    index.reverse();
                    let mut words: Vec<String> = index.iter().map(ToString::to_string).collect();
                    words.extend([":".to_owned(), ":".to_owned()]);
                    format!("[{}]", words.join(", "))
                });
                (heading, chunk.chunks(columns).collect())
            })
            .collect()
    }
}

/// The grids to draw after this table: arrays of two or more dimensions
/// that are new or modified, or asked for by name (the table's `focus`),
/// small enough to read, in a buffer.
pub fn grids(table: &MemoryTable) -> Vec<Grid> {
    let asked = |row: &Row| {
        table
            .focus
            .iter()
            .any(|name| *name == row.name || *name == row.variable)
    };
    table
        .rows
        .iter()
        .filter(|row| row.shape.len() >= 2 && (row.changed != Change::Unchanged || asked(row)))
        .filter_map(|row| grid(table, row))
        .take(MAX_GRIDS)
        .collect()
}

/// The grid of `row`, whatever changed, if it has one.
pub fn grid(table: &MemoryTable, row: &Row) -> Option<Grid> {
    let count = crate::extent::element_count(&row.shape);
    if row.shape.len() < 2 || count == 0 || count > MAX_GRID_ELEMENTS {
        return None;
    }
    let buffer = table.buffers.iter().find(|b| Some(b.id) == row.buffer)?;
    let positions = positions(row, buffer.span.0)?;
    let mut grid = Grid {
        name: row.name.clone(),
        shape: row.shape.clone(),
        positions,
        values: None,
        rounded: false,
    };
    if let Some(values) = row.values.all(count) {
        let shown: Vec<(String, bool)> = values.iter().map(|v| short(v)).collect();
        let columns = row.shape[row.shape.len() - 1];
        let width = |texts: &mut dyn Iterator<Item = usize>| texts.max().unwrap_or(1) + 1;
        let position_width = width(&mut grid.positions.iter().map(|p| p.to_string().len()));
        let value_width = width(&mut shown.iter().map(|(text, _)| text.len()));
        // Indent, positions, a gap of three, values.
        if 2 + columns * (position_width + value_width) + 3 <= MAX_LINE {
            grid.rounded = shown.iter().any(|(_, rounded)| *rounded);
            grid.values = Some(shown.into_iter().map(|(text, _)| text).collect());
        }
    }
    Some(grid)
}
