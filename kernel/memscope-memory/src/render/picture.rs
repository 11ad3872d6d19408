//! The picture under the table: for each buffer, one bar per variable
//! showing which parts of the buffer its elements cover, so a slice is
//! seen sitting inside its base and `x[::2]` beside `x[1::2]`.
//!
//! A bar has one slot per element for small buffers, and each slot the
//! variable covers carries the position of that element in the variable's
//! own C order: `backwards` reads 11 10 ... 0, a transpose 0 3 6 9 1 4 ...
//! over the same cells, and 0 marks the first element (its offset). For
//! larger buffers each slot stands for an equal run of elements and is
//! filled when the variable covers at least one of them (decided exactly,
//! like the table).
//!
//! Under a numbered picture, a line gives the value at each position
//! where it fits (`values.rs`); a bar of runs ends with its walk and its
//! first and last values.

use memscope_cell_abi::layout::byte_layout;

use crate::model::{BufferId, MemoryTable, Row};
use crate::overlap::{ByteLayout, DEFAULT_MAX_WORK, Overlap, shares_memory};

/// At most this many slots per bar.
pub const MAX_SLOTS: u64 = 48;
/// Pictures are drawn for at most this many buffers...
pub const MAX_BUFFERS: usize = 8;
/// ...and at most this many variables per buffer.
pub const MAX_VARIABLES: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub buffer: BufferId,
    pub bytes: u64,
    /// Elements per slot (1 for small buffers).
    pub elements_per_slot: u64,
    pub bars: Vec<Bar>,
    /// Variables of this buffer left out of the picture.
    pub more: usize,
    /// The value at each slot (`None` where no variable's values say),
    /// when slots are elements and the line fits.
    pub values: Option<Vec<Option<String>>>,
    /// Whether a value was shortened to fit (`values::short`).
    pub rounded: bool,
}

impl Picture {
    /// Whether its bars carry order numbers (one slot per element).
    pub fn numbered(&self) -> bool {
        self.bars.iter().any(|bar| {
            bar.covered
                .iter()
                .any(|slot| matches!(slot, Slot::Element { .. }))
        })
    }

    /// The width every numbered slot is padded to in text: the widest
    /// order number with its `+`, or value.
    pub fn cell_width(&self) -> usize {
        let marks = self
            .bars
            .iter()
            .flat_map(|bar| &bar.covered)
            .map(|slot| slot.mark().len());
        let values = self.values.iter().flatten().flatten().map(String::len);
        marks.chain(values).max().unwrap_or(1)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub name: String,
    pub covered: Vec<Slot>,
    /// For a bar whose slots are runs of elements (so it has no order
    /// numbers): where its walk starts and its steps, in elements
    /// (`from 99, steps [-2], 50 elements`).
    pub walk: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Covered,
    /// One element, covered, with its position in the variable's C order
    /// (the first, when the variable reads it more than once: `repeated`,
    /// a broadcast).
    Element {
        order: u64,
        repeated: bool,
    },
    Empty,
    /// The exact check gave up: it may cover this slot.
    Maybe,
}

impl Slot {
    /// The slot as text: its order number (with `+` if read again), or a
    /// mark: `#` covered, `.` not, `?` perhaps.
    pub fn mark(&self) -> String {
        match self {
            Slot::Element { order, repeated } => {
                format!("{order}{}", if *repeated { "+" } else { "" })
            }
            Slot::Covered => "#".to_owned(),
            Slot::Empty => ".".to_owned(),
            Slot::Maybe => "?".to_owned(),
        }
    }
}

/// Variables with more elements than this get no order numbers (a
/// broadcast can read a small buffer millions of times).
pub const MAX_ORDERED_ELEMENTS: u64 = 4096;

/// The pictures of the first [`MAX_BUFFERS`] buffers.
pub fn pictures(table: &MemoryTable) -> Vec<Picture> {
    table
        .buffers
        .iter()
        .take(MAX_BUFFERS)
        .filter_map(|buffer| {
            let rows: Vec<&Row> = buffer
                .variables
                .iter()
                .filter_map(|name| table.row(name))
                .collect();
            let itemsize = rows.first()?.itemsize.max(1) as u64;
            let (lo, hi) = buffer.span;
            let elements = (hi - lo).div_ceil(itemsize);
            let per_slot = elements.div_ceil(MAX_SLOTS).max(1);
            let slot_bytes = per_slot * itemsize;
            let slots = (hi - lo).div_ceil(slot_bytes);
            let bars = rows
                .iter()
                .take(MAX_VARIABLES)
                .map(|row| {
                    let ordered = ordered_slots(row, lo, slots, per_slot, itemsize);
                    let walk = ordered.is_none().then(|| walk(row, lo));
                    let covered = ordered.unwrap_or_else(|| {
                        (0..slots)
                            .map(|s| {
                                let start = lo + s * slot_bytes;
                                coverage(row, start, slot_bytes.min(hi - start))
                            })
                            .collect()
                    });
                    Bar {
                        name: row.name.clone(),
                        covered,
                        walk,
                    }
                })
                .collect::<Vec<Bar>>();
            let mut picture = Picture {
                buffer: buffer.id,
                bytes: hi - lo,
                elements_per_slot: per_slot,
                bars,
                more: rows.len().saturating_sub(MAX_VARIABLES),
                values: None,
                rounded: false,
            };
            if per_slot == 1 {
                add_values(&mut picture, &rows, lo, slots, itemsize);
            }
            Some(picture)
        })
        .collect()
}

/// One slot per element, each covered one with its C-order position; `None`
/// when the picture's slots are runs of elements, the row's elements are
/// of another size, or it has too many elements to number.
fn ordered_slots(
    row: &Row,
    lo: u64,
    slots: u64,
    per_slot: u64,
    itemsize: u64,
) -> Option<Vec<Slot>> {
    if per_slot != 1 || row.itemsize as u64 != itemsize {
        return None;
    }
    let mut cells = vec![Slot::Empty; usize::try_from(slots).ok()?];
    for (order, position) in (0..).zip(positions(row, lo)?) {
        let cell = cells.get_mut(position)?;
        *cell = match *cell {
            Slot::Element { order: seen, .. } => Slot::Element {
                order: seen,
                repeated: true,
            },
            _ => Slot::Element {
                order,
                repeated: false,
            },
        };
    }
    Some(cells)
}

/// The buffer position (in elements from `lo`, the buffer's first byte) of
/// each of `row`'s elements, in the row's C order; `None` past
/// [`MAX_ORDERED_ELEMENTS`] or for a position outside the buffer.
pub fn positions(row: &Row, lo: u64) -> Option<Vec<usize>> {
    let count = crate::extent::element_count(&row.shape);
    let itemsize = row.itemsize.max(1) as u64;
    if count > MAX_ORDERED_ELEMENTS {
        return None;
    }
    let first = (row.address as u64).checked_sub(lo)? / itemsize;
    let mut index = vec![0_usize; row.shape.len()];
    let mut found = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let mut position = first as i128;
        for (i, stride) in index.iter().zip(&row.strides) {
            position += *i as i128 * *stride as i128;
        }
        found.push(usize::try_from(position).ok()?);
        // The next index in C order: the last axis fastest.
        for axis in (0..index.len()).rev() {
            index[axis] += 1;
            if index[axis] < row.shape[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    Some(found)
}

/// The value at each of a numbered picture's slots, from every row of the
/// buffer whose cell sent all its values, if the line fits: no wider than
/// [`MAX_LINE`](super::values::MAX_LINE) or than the numbers above it.
fn add_values(picture: &mut Picture, rows: &[&Row], lo: u64, slots: u64, itemsize: u64) {
    let Ok(slots) = usize::try_from(slots) else {
        return;
    };
    let mut at: Vec<Option<String>> = vec![None; slots];
    let mut rounded = false;
    for row in rows.iter().filter(|row| row.itemsize as u64 == itemsize) {
        let count = crate::extent::element_count(&row.shape);
        let (Some(values), Some(positions)) = (row.values.all(count), positions(row, lo)) else {
            continue;
        };
        for (value, position) in values.iter().zip(positions) {
            if let Some(slot @ None) = at.get_mut(position) {
                let (text, shortened) = super::values::short(value);
                rounded |= shortened;
                *slot = Some(text);
            }
        }
    }
    if at.iter().all(Option::is_none) {
        return;
    }
    let numbers = picture.cell_width();
    let widest = at.iter().flatten().map(String::len).max().unwrap_or(1);
    let line = |width: usize| slots * (width + 1);
    if line(widest) <= super::values::MAX_LINE.max(line(numbers)) {
        picture.values = Some(at);
        picture.rounded = rounded;
    }
}

/// Where `row`'s walk through the buffer starts and how it steps, in
/// elements, and its first and last values: what order numbers and the
/// values line would show, for a bar too long to number.
fn walk(row: &Row, lo: u64) -> String {
    let count = crate::extent::element_count(&row.shape);
    let first = (row.address as u64).saturating_sub(lo) / row.itemsize.max(1) as u64;
    let steps: Vec<String> = row.strides.iter().map(ToString::to_string).collect();
    let walk = format!(
        "from {first}, steps [{}], {count} elements",
        steps.join(", ")
    );
    match super::values::ends(&row.values, count) {
        Some(values) => format!("{walk}: {values}"),
        None => walk,
    }
}

/// The legend of the numbers and of the values line, said once under the
/// pictures: one short line for each that appears (short enough for a
/// PDF page).
pub fn legend(pictures: &[Picture]) -> Vec<&'static str> {
    let mut lines = Vec::new();
    if pictures.iter().any(Picture::numbered) {
        lines.push(
            "numbers: place in the variable's C order, 0 = its first; . not covered; + read again",
        );
    }
    if pictures.iter().any(|p| p.values.is_some()) {
        lines.push(if pictures.iter().any(|p| p.rounded) {
            "values: the element at each position, floats to 4 digits"
        } else {
            "values: the element at each position"
        });
    }
    lines
}

/// The label of the values line: never a Rust name, so it cannot be
/// mistaken for a variable's bar.
pub const VALUES_LABEL: &str = "(values)";

fn coverage(row: &Row, start: u64, len: u64) -> Slot {
    let slot = ByteLayout {
        first: start,
        itemsize: len.max(1),
        axes: Vec::new(),
    };
    let array = byte_layout(row.address, &row.shape, &row.strides, row.itemsize);
    match shares_memory(&array, &slot, DEFAULT_MAX_WORK) {
        Overlap::Shared => Slot::Covered,
        Overlap::Disjoint => Slot::Empty,
        Overlap::Unknown => Slot::Maybe,
    }
}
