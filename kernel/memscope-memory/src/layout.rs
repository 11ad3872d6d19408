//! Facts about one array's layout that need no other array: its bytes in
//! memory, its extent, its contiguity.

use memscope_prelude::memory::facts::{ArrayFacts, Region, Storage};

use crate::overlap::ByteLayout;

/// The bytes an array's elements occupy, for the overlap solver.
pub fn byte_layout(facts: &ArrayFacts) -> ByteLayout {
    strided_bytes(facts.first, &facts.shape, &facts.strides, facts.itemsize)
}

/// The bytes of a written region of a buffer of `itemsize`-byte elements.
pub fn region_layout(region: &Region, itemsize: usize) -> ByteLayout {
    strided_bytes(region.first, &region.shape, &region.strides, itemsize)
}

fn strided_bytes(first: usize, shape: &[usize], strides: &[isize], itemsize: usize) -> ByteLayout {
    let itemsize = itemsize.max(1) as i64;
    ByteLayout {
        first: first as u64,
        itemsize: itemsize as u64,
        axes: shape
            .iter()
            .zip(strides)
            .map(|(&len, &stride)| (len as u64, (stride as i64).saturating_mul(itemsize)))
            .collect(),
    }
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

/// Number of elements.
pub fn element_count(shape: &[usize]) -> u64 {
    shape
        .iter()
        .try_fold(1_u64, |n, &len| n.checked_mul(len as u64))
        .unwrap_or(u64::MAX)
}

/// C (row-major) and F (column-major) contiguity, by NumPy's rules: axes of
/// length 1 do not count, and an array of at most one element is both.
pub fn contiguity(shape: &[usize], strides: &[isize]) -> (bool, bool) {
    if element_count(shape) <= 1 {
        return (true, true);
    }
    let packed = |axes: &mut dyn Iterator<Item = (&usize, &isize)>| {
        let mut expected: isize = 1;
        for (&len, &stride) in axes {
            if len != 1 && stride != expected {
                return false;
            }
            expected = expected.saturating_mul(len as isize);
        }
        true
    };
    let c = packed(&mut shape.iter().zip(strides).rev());
    let f = packed(&mut shape.iter().zip(strides));
    (c, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguity_follows_numpy() {
        assert_eq!(contiguity(&[3, 4], &[4, 1]), (true, false));
        assert_eq!(contiguity(&[3, 4], &[1, 3]), (false, true));
        assert_eq!(contiguity(&[5], &[1]), (true, true));
        assert_eq!(contiguity(&[5], &[2]), (false, false));
        assert_eq!(contiguity(&[5], &[-1]), (false, false));
        assert_eq!(contiguity(&[1, 4], &[99, 1]), (true, true));
        assert_eq!(contiguity(&[1], &[7]), (true, true));
        assert_eq!(contiguity(&[0, 3], &[3, 1]), (true, true));
        assert_eq!(contiguity(&[2, 3], &[0, 1]), (false, false));
    }

    #[test]
    fn element_counts_saturate() {
        assert_eq!(element_count(&[]), 1);
        assert_eq!(element_count(&[2, 0]), 0);
        assert_eq!(element_count(&[usize::MAX, usize::MAX]), u64::MAX);
    }
}
