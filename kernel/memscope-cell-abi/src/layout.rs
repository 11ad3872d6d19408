//! NumPy's arithmetic on a strided layout, written once: how many elements
//! it has, whether it is C- or F-contiguous, and which bytes it covers.
//!
//! The prelude uses it for `NpArray::flags()` and `shares_memory`, the
//! memory model for the table's columns and the overlap of variables, so
//! the two sides of the process boundary cannot disagree.
//!
//! Invariant: pure and total; no input makes a function here panic
//! (overflowing products saturate or give `None`).

use memscope_overlap::ByteLayout;

/// The number of elements of `shape`, or `None` if the product overflows
/// `usize` at any axis. Like NumPy, which refuses such a shape as "too
/// big" even when a later axis is empty, an overflow is never taken for 0.
pub fn element_count(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1_usize, |n, &len| n.checked_mul(len))
}

/// NumPy's C_CONTIGUOUS and F_CONTIGUOUS flags of a layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contiguity {
    /// Walking the elements in C order (last index fastest) visits
    /// consecutive elements.
    pub c: bool,
    /// Likewise in Fortran order (first index fastest).
    pub f: bool,
}

/// C and F contiguity by NumPy's rules: axes of length 1 do not count, and
/// an array of at most one element (an empty one included) is both.
/// Strides are in elements.
pub fn contiguity(shape: &[usize], strides: &[isize]) -> Contiguity {
    if element_count(shape).is_some_and(|count| count <= 1) {
        return Contiguity { c: true, f: true };
    }
    let packed = |axes: &mut dyn Iterator<Item = (&usize, &isize)>| {
        let mut expected: isize = 1;
        for (&len, &stride) in axes {
            if len != 1 && stride != expected {
                return false;
            }
            expected = expected.saturating_mul(isize::try_from(len).unwrap_or(isize::MAX));
        }
        true
    };
    Contiguity {
        c: packed(&mut shape.iter().zip(strides).rev()),
        f: packed(&mut shape.iter().zip(strides)),
    }
}

/// The bytes a strided layout covers, for the overlap solver: `first` is
/// the address (or position) of the logical first element, strides are in
/// elements of `itemsize` bytes. Element positions inside one buffer work
/// as well as addresses, with `itemsize` 1.
pub fn byte_layout(
    first: usize,
    shape: &[usize],
    strides: &[isize],
    itemsize: usize,
) -> ByteLayout {
    let itemsize = itemsize.max(1) as u64;
    ByteLayout {
        first: first as u64,
        itemsize,
        axes: shape
            .iter()
            .zip(strides)
            .map(|(&len, &stride)| (len as u64, (stride as i64).saturating_mul(itemsize as i64)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(shape: &[usize], strides: &[isize]) -> (bool, bool) {
        let Contiguity { c, f } = contiguity(shape, strides);
        (c, f)
    }

    #[test]
    fn contiguity_follows_numpy() {
        assert_eq!(flags(&[3, 4], &[4, 1]), (true, false));
        assert_eq!(flags(&[3, 4], &[1, 3]), (false, true));
        assert_eq!(flags(&[5], &[1]), (true, true));
        assert_eq!(flags(&[5], &[2]), (false, false));
        assert_eq!(flags(&[5], &[-1]), (false, false));
        assert_eq!(flags(&[1, 4], &[99, 1]), (true, true));
        assert_eq!(flags(&[3, 1], &[1, 99]), (true, true));
        assert_eq!(flags(&[1], &[7]), (true, true));
        assert_eq!(flags(&[0, 3], &[3, 1]), (true, true));
        assert_eq!(flags(&[0, 4], &[7, 7]), (true, true));
        assert_eq!(flags(&[], &[]), (true, true));
        assert_eq!(flags(&[2, 3], &[0, 1]), (false, false));
    }

    #[test]
    fn element_counts_are_checked() {
        assert_eq!(element_count(&[]), Some(1));
        assert_eq!(element_count(&[2, 0]), Some(0));
        assert_eq!(element_count(&[2, 3, 4]), Some(24));
        assert_eq!(element_count(&[usize::MAX, 2]), None);
        // An empty axis after an overflow does not make the count 0.
        assert_eq!(element_count(&[usize::MAX, usize::MAX, 0]), None);
    }

    #[test]
    fn byte_layouts_scale_strides_by_the_item_size() {
        let layout = byte_layout(4096, &[2, 3], &[3, -1], 8);
        assert_eq!(layout.first, 4096);
        assert_eq!(layout.itemsize, 8);
        assert_eq!(layout.axes, vec![(2, 24), (3, -8)]);
        let saturated = byte_layout(0, &[2], &[isize::MAX], 8);
        assert_eq!(saturated.axes, vec![(2, i64::MAX)]);
        assert_eq!(byte_layout(0, &[1], &[1], 0).itemsize, 1);
    }
}
