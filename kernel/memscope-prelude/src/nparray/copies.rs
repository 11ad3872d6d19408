//! Operations that always make new memory: copies in a chosen order,
//! integer-array and boolean-mask indexing (NumPy's "advanced indexing"),
//! `map`, and conversions to plain Rust and ndarray values.

use ndarray::{ArrayD, Axis, IxDyn};

use super::allocation;
use super::borrow::view_mut_of;
use super::layout::Layout;
use super::order::Order;
use super::streaming;
use super::{Element, NpArray};

impl<T: Element> NpArray<T> {
    /// A copy in C order, in new memory (NumPy's `a.copy()`, whose default
    /// order is C; `np::copy` defaults to K).
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::arange(0, 4, 1);
    /// let c = a.copy();
    /// c.set(&[0], 100);
    /// assert_eq!(a.at(&[0]), 0);
    /// assert!(c.owns_data() && !c.shares_memory(&a));
    /// ```
    pub fn copy(&self) -> NpArray<T> {
        self.copy_order(Order::C)
    }

    /// A copy in new memory laid out in `order` (NumPy's
    /// `a.copy(order=...)`): C row-major, F column-major, A F only if the
    /// source is F- and not C-contiguous, K following the source's axis
    /// order.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::zeros(&[2, 3]);
    /// assert_eq!(a.copy_order(np::Order::F).strides(), &[1, 2]);
    /// assert_eq!(a.t().copy_order(np::Order::K).strides(), &[1, 3]);
    /// assert_eq!(a.t().copy_order(np::Order::C).strides(), &[2, 1]);
    /// ```
    pub fn copy_order(&self, order: Order) -> NpArray<T> {
        let target = Layout {
            offset: 0,
            shape: self.shape().to_vec(),
            strides: self.layout.strides_for_new(order),
        };
        // A contiguous array copied into its own layout is one block copy.
        if let Some(block) = self.layout.contiguous_block()
            && (target.strides == self.layout.strides || self.size() <= 1)
        {
            let elements = self.read_in_buffer(|all, _| {
                let mut elements = allocation::with_capacity(block.len());
                elements.extend_from_slice(&all[block]);
                elements
            });
            return NpArray::allocate(elements, target);
        }
        if let ([len], [stride]) = (&self.layout.shape[..], &self.layout.strides[..]) {
            let elements = self.read_in_buffer(|all, _| {
                let mut elements = allocation::with_capacity(*len);
                extend_strided(&mut elements, all, self.layout.offset, *stride, *len);
                elements
            });
            return NpArray::allocate(elements, target);
        }
        let elements = allocation::zeroed(self.size(), T::ZERO);
        let copy = NpArray::allocate(elements, target.clone());
        self.read(|source| {
            let mut elements = copy.buffer.borrow_mut();
            assign_with_fixed_rank(view_mut_of(&mut elements, &target), source);
        });
        copy
    }

    /// A new array with this shape, laid out in `order` (relative to this
    /// array's layout), every element `value`: NumPy's `full_like`.
    pub(crate) fn filled_like(&self, value: T, order: Order) -> NpArray<T> {
        let layout = Layout {
            offset: 0,
            shape: self.shape().to_vec(),
            strides: self.layout.strides_for_new(order),
        };
        NpArray::allocate(allocation::filled(self.size(), value), layout)
    }

    /// The elements at `indices` along `axis`, in new memory (NumPy's
    /// `np.take(a, indices, axis)`, or `a[:, [2, 0]]` for axis 1). Indices
    /// may repeat; negative ones are not accepted.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let m = np::arange(0, 6, 1).reshape(&[2, 3]);
    /// let picked = m.take(&[2, 0, 2], 1);
    /// assert_eq!(picked.to_vec(), vec![2, 0, 2, 5, 3, 5]);
    /// assert!(picked.owns_data() && !picked.shares_memory(&m));
    /// ```
    ///
    /// # Panics
    /// If `axis` or an index is out of bounds.
    #[track_caller]
    pub fn take(&self, indices: &[usize], axis: usize) -> NpArray<T> {
        let ndim = self.ndim();
        assert!(
            axis < ndim,
            "axis {axis} is out of bounds for array of dimension {ndim}"
        );
        let len = self.shape()[axis];
        if let Some(bad) = indices.iter().find(|&&index| index >= len) {
            panic!("index {bad} is out of bounds for axis {axis} with size {len}");
        }
        NpArray::from(self.read(|view| view.select(Axis(axis), indices)))
    }

    /// The elements where `mask` is true, in C order, as a new 1-D array
    /// (NumPy's `a[mask]`). The mask has the array's shape: another
    /// `NpArray<bool>` (say from [`map`](NpArray::map)) or, for 1-D arrays,
    /// a slice of `bool`.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::arange(0, 6, 1);
    /// let big = a.mask(&a.map(|x| x > 3));
    /// assert_eq!(big.to_vec(), vec![4, 5]);
    /// let some = a.mask(&[true, false, true, false, false, false]);
    /// assert_eq!(some.to_vec(), vec![0, 2]);
    /// ```
    ///
    /// # Panics
    /// If the mask's shape differs from the array's.
    #[track_caller]
    pub fn mask(&self, mask: impl Mask) -> NpArray<T> {
        let (mask_shape, keep) = mask.shape_and_values();
        assert!(
            mask_shape == self.shape(),
            "boolean index did not match indexed array: mask shape {} but array shape {}",
            super::error::shape_tuple(&mask_shape),
            self.shape_text()
        );
        let selected = self.read(|view| {
            view.iter()
                .zip(keep)
                .filter_map(|(&value, keep)| keep.then_some(value))
                .collect()
        });
        NpArray::from_vec(selected)
    }

    /// A new array of `f` applied to every element, in C order. The element
    /// type may change (`|x| x > 0.0` gives a boolean mask).
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::arange(0.0, 3.0, 1.0);
    /// assert_eq!(a.map(|x| x * x).to_vec(), vec![0.0, 1.0, 4.0]);
    /// ```
    pub fn map<U: Element>(&self, mut f: impl FnMut(T) -> U) -> NpArray<U> {
        let values = self.read(|view| view.iter().map(|&x| f(x)).collect());
        NpArray::allocate(values, Layout::c_order(self.shape()))
    }

    /// A copy of the elements as a plain ndarray array (C order).
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::arange(0, 4, 1).reshape(&[2, 2]);
    /// let plain: ArrayD<i32> = a.t().to_array();
    /// assert_eq!(plain, array![[0, 2], [1, 3]].into_dyn());
    /// ```
    pub fn to_array(&self) -> ArrayD<T> {
        let elements = self.to_vec();
        ArrayD::from_shape_vec(IxDyn(self.shape()), elements).expect("one element per index")
    }

    /// The elements in C order, as a `Vec`.
    pub fn to_vec(&self) -> Vec<T> {
        self.read(|view| view.iter().copied().collect())
    }
}

/// Appends the `len` elements of a 1-D layout. Small steps get a loop of
/// their own, with the step known at compile time (the compiler then
/// unrolls and vectorises it; for every second element this is ~15%
/// faster than a step known only at run time); every second element of a
/// large array is streamed past the cache (see `streaming`).
fn extend_strided<T: Element>(
    elements: &mut Vec<T>,
    all: &[T],
    offset: usize,
    stride: isize,
    len: usize,
) {
    fn walk<T: Copy, const STEP: usize>(elements: &mut Vec<T>, from: &[T], len: usize) {
        elements.extend((0..len).map(|i| from[i * STEP]));
    }
    let from = &all[offset..];
    match stride {
        2 if streaming::extend_every_second(elements, from, len, streaming::STREAMING_BYTES) => {}
        2 => walk::<T, 2>(elements, from, len),
        3 => walk::<T, 3>(elements, from, len),
        4 => walk::<T, 4>(elements, from, len),
        _ => {
            elements.extend((0..len).map(|i| all[offset.wrapping_add_signed(i as isize * stride)]))
        }
    }
}

/// `target.assign(&source)`, with the views turned into fixed-rank ones
/// when they have 1 to 4 axes: ndarray's loops over a fixed rank are several
/// times faster than over `IxDyn`.
fn assign_with_fixed_rank<T: Copy>(
    target: ndarray::ArrayViewMut<'_, T, IxDyn>,
    source: ndarray::ArrayView<'_, T, IxDyn>,
) {
    use ndarray::{Ix1, Ix2, Ix3, Ix4};
    macro_rules! fixed {
        ($rank:ty) => {
            match (
                target.into_dimensionality::<$rank>(),
                source.into_dimensionality::<$rank>(),
            ) {
                (Ok(mut target), Ok(source)) => return target.assign(&source),
                (Err(_), _) | (_, Err(_)) => unreachable!("both views have the same rank"),
            }
        };
    }
    match target.ndim() {
        1 => fixed!(Ix1),
        2 => fixed!(Ix2),
        3 => fixed!(Ix3),
        4 => fixed!(Ix4),
        _ => {
            let mut target = target;
            target.assign(&source)
        }
    }
}

/// What [`NpArray::mask`] accepts: a boolean array or slice.
pub trait Mask {
    /// The mask's shape, and its values in C order.
    fn shape_and_values(self) -> (Vec<usize>, Vec<bool>);
}

impl Mask for &NpArray<bool> {
    fn shape_and_values(self) -> (Vec<usize>, Vec<bool>) {
        (self.shape().to_vec(), self.to_vec())
    }
}

impl Mask for &[bool] {
    fn shape_and_values(self) -> (Vec<usize>, Vec<bool>) {
        (vec![self.len()], self.to_vec())
    }
}

impl<const N: usize> Mask for &[bool; N] {
    fn shape_and_values(self) -> (Vec<usize>, Vec<bool>) {
        (vec![N], self.to_vec())
    }
}

impl Mask for &Vec<bool> {
    fn shape_and_values(self) -> (Vec<usize>, Vec<bool>) {
        (vec![self.len()], self.clone())
    }
}
