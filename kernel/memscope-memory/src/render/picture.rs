//! The picture under the table: for each buffer, one bar per variable
//! showing which parts of the buffer its elements cover, so a slice is
//! seen sitting inside its base and `x[::2]` beside `x[1::2]`.
//!
//! A bar has one slot per element for small buffers; for larger ones each
//! slot stands for an equal run of elements and is filled when the variable
//! covers at least one of them (decided exactly, like the table).

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Covered,
    Empty,
    /// The exact check gave up: it may cover this slot.
    Maybe,
}

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
                .map(|row| Bar {
                    name: row.name.clone(),
                    covered: (0..slots)
                        .map(|s| {
                            coverage(
                                row,
                                lo + s * slot_bytes,
                                slot_bytes.min(hi - lo - s * slot_bytes),
                            )
                        })
                        .collect(),
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
