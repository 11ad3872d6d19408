//! The bytes one array covers in memory, and the allocation it belongs
//! to, from its reported facts alone. NumPy's layout arithmetic itself
//! (element counts, contiguity, strided bytes) is `memscope-cell-abi`'s,
//! shared with the prelude.

use memscope_cell_abi::layout::byte_layout as strided_bytes;
use memscope_cell_abi::{ArrayFacts, Region, Storage};

use crate::overlap::ByteLayout;

/// The bytes an array's elements occupy, for the overlap solver.
pub fn byte_layout(facts: &ArrayFacts) -> ByteLayout {
    strided_bytes(facts.first, &facts.shape, &facts.strides, facts.itemsize)
}

/// The bytes of a written region of a buffer of `itemsize`-byte elements.
pub fn region_layout(region: &Region, itemsize: usize) -> ByteLayout {
    strided_bytes(region.first, &region.shape, &region.strides, itemsize)
}

/// `[lo, hi)`: the memory that groups this array with others. For an
/// `NpArray` that is its whole buffer (known exactly); for other arrays the
/// bytes between their first and last element. `None` when it holds no
/// memory (no elements, and no known buffer).
pub fn allocation_extent(facts: &ArrayFacts) -> Option<(u64, u64)> {
    if let Storage::Buffer(buffer) = &facts.storage {
        let bytes = (buffer.len as u64).checked_mul(facts.itemsize as u64)?;
        let start = buffer.start as u64;
        return (bytes > 0).then_some((start, start.checked_add(bytes)?));
    }
    byte_layout(facts).bounds()
}

/// The number of elements, saturating at `u64::MAX` for a shape whose
/// product overflows (no real array has one; the table must not panic).
pub fn element_count(shape: &[usize]) -> u64 {
    memscope_cell_abi::layout::element_count(shape).map_or(u64::MAX, |n| n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_counts_saturate() {
        assert_eq!(element_count(&[]), 1);
        assert_eq!(element_count(&[2, 0]), 0);
        assert_eq!(element_count(&[usize::MAX, usize::MAX]), u64::MAX);
    }
}
