//! Who shares memory with whom: `base`, identity (`is_same_array`),
//! `shares_memory`, `may_share_memory`, and NumPy's flags.

use std::collections::HashSet;
use std::rc::Rc;

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

/// Above this many elements (both arrays together), `shares_memory` stops
/// enumerating element positions and answers from the address bounds alone
/// (then it may say `true` for interleaved arrays that share no element).
const EXACT_SHARING_LIMIT: usize = 1 << 22;

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
            owns_data: true,
            writeable: self.buffer.owner_writeable(),
        })
    }

    /// Whether `other` is the same array: the same buffer, offset, shape and
    /// strides (Python's `a is b` for an alias made with `clone`).
    pub fn is_same_array(&self, other: &NpArray<T>) -> bool {
        Rc::ptr_eq(&self.buffer, &other.buffer) && self.layout == other.layout
    }

    /// Whether the two arrays have at least one element in common (NumPy's
    /// `shares_memory`). Exact: element positions are compared, so two
    /// interleaved views (`a[::2]` and `a[1::2]`) do not share memory.
    /// Empty arrays share nothing.
    ///
    /// For very large arrays (over 4 million elements together) the answer
    /// comes from the address bounds, like
    /// [`may_share_memory`](NpArray::may_share_memory).
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
        if self.size() + other.size() > EXACT_SHARING_LIMIT {
            return true;
        }
        let (smaller, larger) = if self.size() <= other.size() {
            (self, other)
        } else {
            (other, self)
        };
        let positions: HashSet<usize> = smaller.layout.offsets().collect();
        larger
            .layout
            .offsets()
            .any(|offset| positions.contains(&offset))
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
