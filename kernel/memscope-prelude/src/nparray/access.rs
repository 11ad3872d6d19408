//! Reading and writing single elements and whole arrays: `get`, `at`,
//! `set`, `fill`, `assign`, and the WRITEABLE flag that guards writes.
//!
//! Every write is logged in the buffer's write log, for the kernel's
//! "changed in this cell" column.

use std::rc::Rc;

use super::{Element, NpArray, NpError};

impl<T: Element> NpArray<T> {
    /// The element at `index`, or `None` if the index has the wrong length
    /// or is out of bounds.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let m = np::arange(0, 6, 1).reshape(&[2, 3]);
    /// assert_eq!(m.get(&[1, 2]), Some(5));
    /// assert_eq!(m.get(&[2, 0]), None);
    /// ```
    ///
    /// # Panics
    /// If a `view_mut()` of this buffer is alive.
    #[track_caller]
    pub fn get(&self, index: &[usize]) -> Option<T> {
        let offset = self.layout.element_offset(index)?;
        Some(self.buffer.borrow()[offset])
    }

    /// The element at `index` (NumPy's `a[i, j]` for a full index).
    ///
    /// # Panics
    /// If the index has the wrong length or is out of bounds (the message
    /// names the index and the shape), or if a `view_mut()` of this buffer
    /// is alive.
    #[track_caller]
    pub fn at(&self, index: &[usize]) -> T {
        match self.get(index) {
            Some(value) => value,
            None => panic!("{}", self.index_error(index)),
        }
    }

    /// Writes `value` at `index` (NumPy's `a[i, j] = value`); seen through
    /// every array that shares this memory.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::zeros(&[2, 2]);
    /// let diagonal_end = a.slice(s![1, 1..]);
    /// diagonal_end.set(&[0], 5.0);
    /// assert_eq!(a.at(&[1, 1]), 5.0);
    /// ```
    ///
    /// # Panics
    /// If the array is read-only, the index is out of bounds, or another
    /// view of this buffer is alive.
    #[track_caller]
    pub fn set(&self, index: &[usize], value: T) {
        self.assert_writeable();
        let Some(offset) = self.layout.element_offset(index) else {
            panic!("{}", self.index_error(index));
        };
        let mut elements = self.buffer.borrow_mut();
        elements[offset] = value;
        let element = super::layout::Layout {
            offset,
            shape: Vec::new(),
            strides: Vec::new(),
        };
        self.buffer.log_write(&element);
    }

    /// Writes `value` to every element (NumPy's `a.fill(value)` or
    /// `a[...] = value`).
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::zeros(&[4]);
    /// a.slice(s![..2]).fill(1.0);
    /// assert_eq!(a.to_vec(), vec![1.0, 1.0, 0.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// If the array is read-only or another view of this buffer is alive.
    #[track_caller]
    pub fn fill(&self, value: T) {
        self.write(|mut view| view.fill(value));
    }

    /// Copies `source`'s elements into this array (NumPy's `a[...] =
    /// source`), broadcasting `source` if its shape is smaller (extra
    /// leading axes of length 1 are ignored, as in NumPy). Overlapping
    /// memory is handled as NumPy does: `source` is read completely before
    /// anything is written. [`np::copyto`](crate::np::copyto) is the same
    /// with a `Result`.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let m = np::zeros(&[2, 3]);
    /// m.assign(&np::array(&[1.0, 2.0, 3.0])); // every row
    /// assert_eq!(m.to_vec(), vec![1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
    ///
    /// let a = np::arange(0, 4, 1);
    /// a.assign(&a.slice(s![..;-1])); // reversed in place
    /// assert_eq!(a.to_vec(), vec![3, 2, 1, 0]);
    /// ```
    ///
    /// # Panics
    /// If this array is read-only, if `source` cannot be broadcast to this
    /// array's shape (checked in that order, before anything is written,
    /// with NumPy's messages), or if another view of either buffer is alive.
    #[track_caller]
    pub fn assign(&self, source: &NpArray<T>) {
        if let Err(error) = self.copy_from(source) {
            panic!("{error}");
        }
    }

    /// What `assign` and `np::copyto` do: every check first, then the copy.
    #[track_caller]
    pub(crate) fn copy_from(&self, source: &NpArray<T>) -> Result<(), NpError> {
        if !self.writeable {
            return Err(NpError::ReadOnly);
        }
        let trimmed = source.layout.without_extra_unit_axes(self.ndim());
        if trimmed.broadcast_to(self.shape()).is_err() {
            return Err(NpError::NotBroadcastableInto {
                from: source.shape().to_vec(),
                into: self.shape().to_vec(),
            });
        }
        // ndarray's `assign` broadcasts the rest of the way.
        let source = source.view_with(trimmed);
        if Rc::ptr_eq(&self.buffer, &source.buffer) {
            // One buffer cannot be borrowed for reading and writing at once
            // (and the regions may overlap): read everything first. (This is
            // NumPy's rule; its own loop strays from it in one case, two
            // overlapping 1-D arrays stepping the same way with different
            // steps, where it reads elements it has already written.)
            let snapshot = source.to_array();
            self.write(|mut target| target.assign(&snapshot));
        } else {
            source.read(|source| self.write(|mut target| target.assign(&source)));
        }
        Ok(())
    }

    /// Sets NumPy's WRITEABLE flag of this handle (`a.flags.writeable =
    /// ...`). Making an array read-only is always allowed; views made from
    /// it afterwards are read-only too.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let mut a = np::zeros(&[3]);
    /// a.set_writeable(false);
    /// assert!(!a.slice(s![1..]).flags().writeable);
    /// a.set_writeable(true);
    /// a.set(&[0], 1.0);
    /// ```
    ///
    /// The flag belongs to the handle: aliases cloned before the call keep
    /// theirs (in Python, `b = a` shares one flag). As in NumPy, a view
    /// that is read-only only because it was made so (or made from a
    /// read-only view) can be made writeable again while its owner is
    /// writeable.
    ///
    /// # Panics
    /// When asked to make writeable a view whose owner is read-only, with
    /// NumPy's message "cannot set WRITEABLE flag to True of this array".
    /// Also for a broadcast view (one element at several indices), which
    /// NumPy 2 allows (and then writes one element many times); here it
    /// stays read-only, because a mutable Rust view must not reach one
    /// element through two indices.
    #[track_caller]
    pub fn set_writeable(&mut self, writeable: bool) {
        if writeable {
            let owner_read_only = !self.owns_data && !self.buffer.owner_writeable();
            assert!(
                !self.layout.may_overlap() && !owner_read_only,
                "cannot set WRITEABLE flag to True of this array ({})",
                if owner_read_only {
                    "the array that owns its memory is read-only"
                } else {
                    "it is a broadcast view: one element appears at several indices"
                }
            );
        }
        self.writeable = writeable;
        if self.owns_data {
            self.buffer.set_owner_writeable(writeable);
        }
    }

    /// Panics with NumPy's message unless this array is writeable.
    #[track_caller]
    pub(crate) fn assert_writeable(&self) {
        assert!(self.writeable, "{}", NpError::ReadOnly);
    }

    /// NumPy's wording for a bad index, with the index and the shape.
    fn index_error(&self, index: &[usize]) -> String {
        if index.len() != self.ndim() {
            return format!(
                "index {index:?} has {} entries but the array has shape {} ({} axes)",
                index.len(),
                self.shape_text(),
                self.ndim()
            );
        }
        let (axis, (&i, &len)) = index
            .iter()
            .zip(self.shape())
            .enumerate()
            .find(|&(_, (&i, &len))| i >= len)
            .expect("some index is out of bounds");
        format!(
            "index {i} is out of bounds for axis {axis} with size {len} (index {index:?}, shape {})",
            self.shape_text()
        )
    }
}
