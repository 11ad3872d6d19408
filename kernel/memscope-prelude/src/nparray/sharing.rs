//! Who shares memory with whom: `base`, identity (`is_same_array`),
//! `shares_memory`, `may_share_memory`, and NumPy's flags.

use std::rc::Rc;

use memscope_cell_abi::layout::byte_layout;
use memscope_overlap::{self as overlap, Overlap};

use super::{Element, NpArray};

/// NumPy's `flags`: the array's layout and permissions at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    /// Walking the elements in C order (last index fastest) visits
    /// consecutive memory. Axes of length 1 are ignored, so an array can be
    /// both C- and F-contiguous (any 1-D contiguous array, any array with at
    /// most one element).
    pub c_contiguous: bool,
    /// Likewise with the first index fastest (Fortran order).
    pub f_contiguous: bool,
    /// This array allocated its buffer (false for views).
    pub owndata: bool,
    /// Its elements may be written through it.
    pub writeable: bool,
}

impl<T: Element> NpArray<T> {
    /// NumPy's `flags`.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::zeros(&[3, 4]);
    /// assert!(a.flags().c_contiguous && !a.flags().f_contiguous);
    /// assert!(a.t().flags().f_contiguous);
    /// let row = a.slice(s![0, ..]); // 1-D and contiguous: both
    /// assert!(row.flags().c_contiguous && row.flags().f_contiguous);
    /// assert!(!row.flags().owndata);
    /// ```
    pub fn flags(&self) -> Flags {
        Flags {
            c_contiguous: self.layout.is_c_contiguous(),
            f_contiguous: self.layout.is_f_contiguous(),
            owndata: self.owns_data,
            writeable: self.writeable,
        }
    }

    /// NumPy's `base`: `None` for an array that owns its memory; for a view,
    /// the array that allocated the buffer, with the shape and strides it
    /// was allocated with. A view of a view has the owner as its base, as
    /// in NumPy.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::zeros(&[3, 4]);
    /// let row = a.slice(s![1, ..]);
    /// let part = row.slice(s![1..3]);
    /// assert!(a.base().is_none());
    /// assert!(part.base().unwrap().is_same_array(&a));
    /// ```
    pub fn base(&self) -> Option<NpArray<T>> {
        if self.owns_data {
            return None;
        }
        Some(NpArray {
            buffer: Rc::clone(&self.buffer),
            layout: self.buffer.owner().clone(),
            identity: Rc::clone(self.buffer.owner_identity()),
            owns_data: true,
            writeable: self.buffer.owner_writeable(),
        })
    }

    /// Whether `other` is the same array, Python's `a is b`: true for an
    /// alias made with `clone` and for an owner and its views' `base()`,
    /// false for a view even when it covers the array exactly (`a[:]`).
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::zeros(&[4]);
    /// assert!(a.clone().is_same_array(&a));
    /// assert!(!a.slice(s![..]).is_same_array(&a));
    /// ```
    pub fn is_same_array(&self, other: &NpArray<T>) -> bool {
        Rc::ptr_eq(&self.identity, &other.identity)
    }

    /// Whether the two arrays have at least one element in common (NumPy's
    /// `shares_memory`). Exact, as NumPy's is by default: two interleaved
    /// views (`a[::2]` and `a[1::2]`) do not share memory. Empty arrays
    /// share nothing. Like NumPy's, the exact question is hard in general,
    /// so deliberately tangled strides can make it slow; the layouts that
    /// slicing, transposing and broadcasting make are answered at once.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::arange(0, 10, 1);
    /// let evens = a.slice(s![..;2]);
    /// let odds = a.slice(s![1..;2]);
    /// assert!(np::may_share_memory(&evens, &odds));
    /// assert!(!np::shares_memory(&evens, &odds));
    /// ```
    pub fn shares_memory(&self, other: &NpArray<T>) -> bool {
        if !self.may_share_memory(other) {
            return false;
        }
        // Positions in the buffer stand in for addresses: both arrays index
        // the same buffer, so element units are as good as bytes.
        let positions = |layout: &super::layout::Layout| {
            byte_layout(layout.offset, &layout.shape, &layout.strides, 1)
        };
        let exact = overlap::shares_memory(
            &positions(&self.layout),
            &positions(&other.layout),
            u64::MAX,
        );
        exact == Overlap::Shared
    }

    /// Whether the two arrays' address ranges overlap (NumPy's
    /// `may_share_memory`): cheap, and `false` means they certainly share
    /// nothing.
    pub fn may_share_memory(&self, other: &NpArray<T>) -> bool {
        if !Rc::ptr_eq(&self.buffer, &other.buffer) {
            return false;
        }
        match (self.layout.offset_bounds(), other.layout.offset_bounds()) {
            (Some((low, high)), Some((other_low, other_high))) => {
                low <= other_high && other_low <= high
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use ndarray::s;

    use crate::nparray::NpArray;

    /// Every pair of a set of views of one 4x6 array, against the answer
    /// of comparing their element positions one by one.
    #[test]
    fn shares_memory_matches_comparing_positions() {
        let m = NpArray::<i32>::zeros([4, 6]);
        let views = [
            m.clone(),
            m.t(),
            m.slice(s![.., ..;2]),
            m.slice(s![.., 1..;2]),
            m.slice(s![..;-1, ..;3]),
            m.slice(s![1, ..]),
            m.slice(s![.., 5]),
            m.slice(s![2.., 2..4]),
            m.slice(s![..;2, ..;-2]),
            m.slice(s![1..2, 3..4]).broadcast_to(&[3, 2]).unwrap(),
        ];
        for a in &views {
            for b in &views {
                let positions: HashSet<usize> = a.layout.offsets().collect();
                let brute = b.layout.offsets().any(|o| positions.contains(&o));
                assert_eq!(a.shares_memory(b), brute, "{:?} / {:?}", a.layout, b.layout);
            }
        }
    }
}
