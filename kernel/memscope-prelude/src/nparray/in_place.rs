//! In-place arithmetic, NumPy's `a += b`, `a -= b`, `a *= b`, `a /= b`:
//! the left array's elements are overwritten, in its own buffer, so every
//! alias and view of that memory sees the result, and no new array is
//! made. The right side is a scalar or an array that broadcasts to the
//! left one's shape (which never changes).
//!
//! ```
//! use memscope_prelude::*;
//! let a = np::arange(0.0, 4.0, 1.0);
//! let mut b = a.clone(); // Python's `b = a`: the same array
//! b += 10.0;
//! assert_eq!(a.to_vec(), vec![10.0, 11.0, 12.0, 13.0]);
//!
//! let mut evens = a.slice(s![..;2]); // a view
//! evens *= &np::array(&[2.0, 3.0]);
//! assert_eq!(a.to_vec(), vec![20.0, 11.0, 36.0, 13.0]);
//! ```
//!
//! As in NumPy, everything that can refuse is checked before the first
//! write: the left array must be writeable ("output array is read-only")
//! and the right one must broadcast to its shape; and when the two share
//! memory (`a += &a.slice(s![..;-1])`) the right side is read completely
//! before anything is written, as if it had been copied first. Writes are
//! logged as one region, the left array's, so the memory table marks
//! exactly what changed.
//!
//! The element arithmetic is Rust's. For integers that means `/=`
//! truncates toward zero (NumPy refuses `/=` on integer arrays and floors
//! with `//=`), and an overflow in a debug build, or a division by zero,
//! panics part-way, after some elements were written (NumPy wraps around,
//! or warns and stores 0). Float arithmetic never panics.

use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};
use std::rc::Rc;

use super::error::shape_tuple;
use super::layout::broadcast_shapes;
use super::{Element, NpArray};

macro_rules! in_place {
    ($($trait:ident $method:ident $symbol:literal),*) => {$(
        #[doc = concat!("`a ", $symbol, " scalar`: every element of `a` updated in place, in its buffer, so aliases and views see it (NumPy's in-place operators).")]
        ///
        /// # Panics
        /// If `a` is read-only ("output array is read-only") or another
        /// view of its buffer is alive, before anything is written. For
        /// integers, on overflow (debug builds) or division by zero, after
        /// some elements were written: the arithmetic is Rust's.
        impl<T: Element + $trait> $trait<T> for NpArray<T> {
            #[track_caller]
            fn $method(&mut self, scalar: T) {
                self.update_each(|element| element.$method(scalar));
            }
        }

        #[doc = concat!("`a ", $symbol, " &b`: element-wise, in place, with `b` broadcast to `a`'s shape, which never changes. When `b` shares memory with `a`, it is read completely before anything is written, as in NumPy.")]
        ///
        /// # Panics
        /// If `a` is read-only, if `b` does not broadcast to `a`'s shape
        /// (checked in that order, with NumPy's messages), or if another
        /// view of either buffer is alive, before anything is written.
        /// For integers, on overflow (debug builds) or division by zero,
        /// after some elements were written.
        impl<T: Element + $trait> $trait<&NpArray<T>> for NpArray<T> {
            #[track_caller]
            fn $method(&mut self, other: &NpArray<T>) {
                self.update_with(other, |element, value| element.$method(value));
            }
        }
    )*};
}

in_place!(AddAssign add_assign "+=", SubAssign sub_assign "-=", MulAssign mul_assign "*=", DivAssign div_assign "/=");

impl<T: Element> NpArray<T> {
    /// Applies `update` to every element, in place.
    #[track_caller]
    fn update_each(&self, update: impl FnMut(&mut T)) {
        self.assert_output_writeable();
        self.write(|mut target| target.map_inplace(update));
    }

    /// `update(element, value)` for every element and the value of `other`
    /// broadcast to the same index, in place.
    #[track_caller]
    fn update_with(&self, other: &NpArray<T>, mut update: impl FnMut(&mut T, T)) {
        self.assert_output_writeable();
        self.assert_broadcasts_into_output(other.shape());
        // ndarray's `zip_mut_with` broadcasts `other` to this shape.
        if Rc::ptr_eq(&self.buffer, &other.buffer) {
            // One buffer cannot be lent for reading and writing at once,
            // and the two may overlap: NumPy reads the input first (it
            // copies it), so read it first here too.
            let snapshot = other.to_array();
            self.write(|mut target| target.zip_mut_with(&snapshot, |x, &y| update(x, y)));
        } else {
            other.read(|source| {
                self.write(|mut target| target.zip_mut_with(&source, |x, &y| update(x, y)))
            });
        }
    }

    /// Panics with NumPy's message for an in-place operation on a
    /// read-only array (which differs from the one for assignment).
    #[track_caller]
    fn assert_output_writeable(&self) {
        assert!(self.writeable, "output array is read-only");
    }

    /// Panics, with NumPy's messages, unless an operand of `shape`
    /// broadcasts to this array's shape: the shapes must broadcast
    /// together, and to exactly this shape, since the output cannot grow.
    #[track_caller]
    fn assert_broadcasts_into_output(&self, shape: &[usize]) {
        match broadcast_shapes(self.shape(), shape) {
            None => panic!(
                "operands could not be broadcast together with shapes {} {}",
                self.shape_text(),
                shape_tuple(shape)
            ),
            Some(together) if together != self.shape() => panic!(
                "non-broadcastable output operand with shape {} doesn't match the broadcast shape {}",
                self.shape_text(),
                shape_tuple(&together)
            ),
            Some(_) => {}
        }
    }
}
