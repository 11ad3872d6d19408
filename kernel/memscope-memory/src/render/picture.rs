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
                .collect();
            Some(Picture {
                buffer: buffer.id,
                bytes: hi - lo,
                elements_per_slot: per_slot,
                bars,
                more: rows.len().saturating_sub(MAX_VARIABLES),
            })
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

/// Where `row`'s walk through the buffer starts and how it steps, in
/// elements: what order numbers would show, for a bar too long to number.
fn walk(row: &Row, lo: u64) -> String {
    let count = crate::extent::element_count(&row.shape);
    let first = (row.address as u64).saturating_sub(lo) / row.itemsize.max(1) as u64;
    let steps: Vec<String> = row.strides.iter().map(ToString::to_string).collect();
    format!(
        "from {first}, steps [{}], {count} elements",
        steps.join(", ")
    )
}

/// The legend of the order numbers, for a picture that has them.
pub fn legend(picture: &Picture) -> Option<&'static str> {
    let numbered = picture.bars.iter().any(|bar| {
        bar.covered
            .iter()
            .any(|slot| matches!(slot, Slot::Element { .. }))
    });
    numbered.then_some(
        "numbers: each element's place in the variable's C order, 0 = its first; . = not covered; + = read again",
    )
}

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
