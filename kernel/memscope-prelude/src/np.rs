//! NumPy's functions, by NumPy's names, for [`NpArray`]s: `np::arange`,
//! `np::zeros`, `np::copy`, `np::shares_memory`, ...
//!
//! ```
//! use memscope_prelude::*;
//! let a = np::arange(0, 12, 1).reshape(&[3, 4]);
//! let b = np::transpose(&a);
//! let c = np::ascontiguousarray(&b); // a copy: b is not C-contiguous
//! assert!(np::shares_memory(&a, &b));
//! assert!(!np::shares_memory(&a, &c));
//! ```
//!
//! Differences from NumPy, all for Rust's sake: the default element type of
//! `zeros`, `ones` and `empty` is `f64` as in NumPy, and other types go
//! through `NpArray::<T>::zeros(...)` or `full`; `arange` takes all three
//! of start, stop and step; shapes are slices (`&[3, 4]`); functions that
//! NumPy lets raise return a `Result` where failure is ordinary
//! (`broadcast_to`, `array_from`, `copyto`); NumPy's `copy=` keyword is
//! [`CopyMode`].

use crate::nparray::{Arange, Element, NpArray, NpError};

pub use crate::nparray::{Order, ShapeLike};

/// NumPy 2's `copy=` keyword of `np.array` and `np.asarray` (NumPy calls
/// the type `np._CopyMode`), for [`array_from`].
///
/// (Not named `Copy`: a glob import of `np` would then hide Rust's `Copy`
/// trait.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CopyMode {
    /// Always new memory (`copy=True`, the default of `np.array`).
    Always,
    /// New memory only if the array is not laid out as the order asks
    /// (`copy=None`, what `np.asarray` does).
    IfNeeded,
    /// Never new memory: an error if the layout does not fit
    /// (`copy=False`).
    Never,
}

/// A new 1-D array with a copy of `values` (NumPy's `np.array([...])`).
///
/// ```
/// use memscope_prelude::*;
/// let a = np::array(&[1.0, 2.0, 3.0]);
/// assert_eq!((a.shape(), a.dtype()), (&[3][..], "f64"));
/// ```
pub fn array<T: Element>(values: &[T]) -> NpArray<T> {
    NpArray::from_vec(values.to_vec())
}

/// A new 2-D array from rows of equal length (NumPy's
/// `np.array([[...], [...]])`).
///
/// ```
/// use memscope_prelude::*;
/// let m = np::array2(&[[1, 2, 3], [4, 5, 6]]);
/// assert_eq!(m.shape(), &[2, 3]);
/// assert_eq!(m.at(&[1, 0]), 4);
/// ```
pub fn array2<T: Element, const N: usize>(rows: &[[T; N]]) -> NpArray<T> {
    let elements: Vec<T> = rows.iter().flatten().copied().collect();
    NpArray::from_shape_vec(&[rows.len(), N], elements).expect("one element per index")
}

/// Evenly spaced values from `start` up to, not including, `stop` (NumPy's
/// `np.arange(start, stop, step)`), in a new 1-D array. Integers give an
/// integer array, floats a float array; a negative step counts down.
///
/// ```
/// use memscope_prelude::*;
/// assert_eq!(np::arange(0, 5, 1).to_vec(), vec![0, 1, 2, 3, 4]);
/// assert_eq!(np::arange(10, 0, -3).to_vec(), vec![10, 7, 4, 1]);
/// assert_eq!(np::arange(0.0, 1.0, 0.25).to_vec(), vec![0.0, 0.25, 0.5, 0.75]);
/// let bytes: NpArray<u8> = np::arange(0, 4, 1);
/// assert_eq!(bytes.dtype(), "u8");
/// ```
///
/// # Panics
/// If `step` is zero.
pub fn arange<T: Arange>(start: T, stop: T, step: T) -> NpArray<T> {
    let len = T::arange_len(start, stop, step);
    NpArray::from_vec(crate::nparray::collected(
        (0..len).map(|i| T::arange_value(start, step, i)),
    ))
}

/// A new `f64` array of zeros (NumPy's `np.zeros(shape)`). The shape is
/// written as in NumPy: `3`, `(2, 3)` or `&[2, 3]` (see [`ShapeLike`]).
/// For another element type: `NpArray::<i32>::zeros((2, 3))`.
///
/// ```
/// use memscope_prelude::*;
/// let z = np::zeros((2, 3));
/// assert_eq!((z.shape(), z.at(&[1, 2])), (&[2, 3][..], 0.0));
/// assert_eq!(np::zeros(3).shape(), np::zeros(&[3]).shape());
/// ```
pub fn zeros(shape: impl ShapeLike) -> NpArray<f64> {
    NpArray::zeros(shape)
}

/// A new `f64` array of ones (NumPy's `np.ones(shape)`).
///
/// ```
/// use memscope_prelude::*;
/// assert_eq!(np::ones(2).to_vec(), vec![1.0, 1.0]);
/// assert_eq!(np::ones((2, 3)).shape(), &[2, 3]);
/// ```
pub fn ones(shape: impl ShapeLike) -> NpArray<f64> {
    NpArray::ones(shape)
}

/// A new array filled with `value`, of `value`'s type (NumPy's
/// `np.full(shape, value)`).
///
/// ```
/// use memscope_prelude::*;
/// let sevens = np::full((2, 2), 7_u8);
/// assert_eq!((sevens.dtype(), sevens.at(&[1, 1])), ("u8", 7));
/// ```
pub fn full<T: Element>(shape: impl ShapeLike, value: T) -> NpArray<T> {
    NpArray::full(shape, value)
}

/// A new `f64` array (NumPy's `np.empty(shape)`). NumPy leaves the memory
/// uninitialised, so its values are whatever was there; safe Rust never
/// shows uninitialised memory, so here it is zero-filled.
///
/// ```
/// use memscope_prelude::*;
/// assert_eq!(np::empty(3).to_vec(), vec![0.0; 3]);
/// assert_eq!(np::empty(&[2, 3]).shape(), &[2, 3]);
/// ```
pub fn empty(shape: impl ShapeLike) -> NpArray<f64> {
    NpArray::zeros(shape)
}

/// A copy of `a` in new memory, laid out in `order` (NumPy's
/// `np.copy(a, order=...)`).
///
/// ```
/// use memscope_prelude::*;
/// let a = np::zeros(&[2, 3]);
/// assert_eq!(np::copy(&a, np::Order::F).strides(), &[1, 2]);
/// ```
pub fn copy<T: Element>(a: &NpArray<T>, order: Order) -> NpArray<T> {
    a.copy_order(order)
}

/// A copy of `a` in NumPy's default order for `np.copy`, K: the layout of
/// `a` kept as closely as possible. (The method `a.copy()` defaults to C,
/// as in NumPy.)
///
/// ```
/// use memscope_prelude::*;
/// let t = np::zeros(&[2, 3]).t(); // F-contiguous
/// assert_eq!(np::copy_default(&t).strides(), &[1, 3]);
/// assert_eq!(t.copy().strides(), &[2, 1]);
/// ```
pub fn copy_default<T: Element>(a: &NpArray<T>) -> NpArray<T> {
    a.copy_order(Order::K)
}

/// A new array with `a`'s shape, element type and layout (K order), whose
/// values are **not** copied (NumPy's `np.empty_like`). NumPy leaves them
/// uninitialised; here they are zero.
///
/// ```
/// use memscope_prelude::*;
/// let a = np::arange(0, 6, 1).reshape(&[2, 3]).t();
/// let e = np::empty_like(&a);
/// assert_eq!((e.shape(), e.strides()), (a.shape(), &[1, 3][..]));
/// assert!(!np::shares_memory(&a, &e));
/// ```
pub fn empty_like<T: Element>(a: &NpArray<T>) -> NpArray<T> {
    a.filled_like(T::ZERO, Order::K)
}

/// A new array of zeros like `a` (shape, element type, K layout).
///
/// ```
/// use memscope_prelude::*;
/// let z = np::zeros_like(&np::arange(0, 3, 1));
/// assert_eq!(z.to_vec(), vec![0, 0, 0]);
/// ```
pub fn zeros_like<T: Element>(a: &NpArray<T>) -> NpArray<T> {
    a.filled_like(T::ZERO, Order::K)
}

/// A new array of ones like `a`.
///
/// ```
/// use memscope_prelude::*;
/// assert_eq!(np::ones_like(&np::zeros(&[2])).to_vec(), vec![1.0, 1.0]);
/// ```
pub fn ones_like<T: Element>(a: &NpArray<T>) -> NpArray<T> {
    a.filled_like(T::ONE, Order::K)
}

/// A new array like `a`, filled with `value`.
///
/// ```
/// use memscope_prelude::*;
/// assert_eq!(np::full_like(&np::zeros(&[2]), 0.5).to_vec(), vec![0.5, 0.5]);
/// ```
pub fn full_like<T: Element>(a: &NpArray<T>, value: T) -> NpArray<T> {
    a.filled_like(value, Order::K)
}

/// Whether `a` and `b` have an element in common (exact; see
/// [`NpArray::shares_memory`]).
///
/// ```
/// use memscope_prelude::*;
/// let a = np::arange(0, 10, 1);
/// assert!(np::shares_memory(&a, &a.slice(s![3..5])));
/// assert!(!np::shares_memory(&a.slice(s![..3]), &a.slice(s![3..])));
/// ```
pub fn shares_memory<T: Element>(a: &NpArray<T>, b: &NpArray<T>) -> bool {
    a.shares_memory(b)
}

/// Whether `a` and `b`'s address ranges overlap (cheap; `false` is
/// certain, `true` may be a false alarm).
///
/// ```
/// use memscope_prelude::*;
/// let a = np::arange(0, 10, 1);
/// assert!(np::may_share_memory(&a.slice(s![..;2]), &a.slice(s![1..;2])));
/// ```
pub fn may_share_memory<T: Element>(a: &NpArray<T>, b: &NpArray<T>) -> bool {
    a.may_share_memory(b)
}

/// `a` with a new shape: a view if the layout allows, else a copy (see
/// [`NpArray::reshape`]).
///
/// ```
/// use memscope_prelude::*;
/// let m = np::reshape(&np::arange(0, 6, 1), &[2, 3]);
/// assert_eq!(m.at(&[1, 0]), 3);
/// ```
///
/// # Panics
/// If the number of elements differs.
pub fn reshape<T: Element>(a: &NpArray<T>, shape: &[usize]) -> NpArray<T> {
    a.reshape(shape)
}

/// The transpose of `a`, a view.
///
/// ```
/// use memscope_prelude::*;
/// assert_eq!(np::transpose(&np::zeros(&[2, 3])).shape(), &[3, 2]);
/// ```
pub fn transpose<T: Element>(a: &NpArray<T>) -> NpArray<T> {
    a.t()
}

/// A read-only view of `a` repeated to `shape` (see
/// [`NpArray::broadcast_to`]).
///
/// ```
/// use memscope_prelude::*;
/// let b = np::broadcast_to(&np::array(&[1, 2]), &[3, 2]).unwrap();
/// assert_eq!(b.to_vec(), vec![1, 2, 1, 2, 1, 2]);
/// ```
pub fn broadcast_to<T: Element>(a: &NpArray<T>, shape: &[usize]) -> Result<NpArray<T>, NpError> {
    a.broadcast_to(shape)
}

/// `a` itself, an alias (NumPy's `np.asarray(a)` of an array, which needs
/// no conversion and so returns the very same array).
///
/// ```
/// use memscope_prelude::*;
/// let a = np::arange(0, 4, 1);
/// let b = np::asarray(&a);
/// assert!(b.is_same_array(&a));
/// b.set(&[0], 100);
/// assert_eq!(a.at(&[0]), 100);
/// ```
pub fn asarray<T: Element>(a: &NpArray<T>) -> NpArray<T> {
    a.clone()
}

/// `a` as an array laid out in `order`, copied or not as `copy` says
/// (NumPy's `np.array(a, copy=..., order=...)` and `np.asarray(a,
/// order=..., copy=...)`).
///
/// Whether the layout fits: any layout fits K and A (for an existing
/// array they mean "as it is"); C needs a C-contiguous array, F an
/// F-contiguous one. With [`CopyMode::IfNeeded`] an array that fits is
/// returned itself (an alias, as `np::asarray` does) and one that does not
/// is copied in `order`; [`CopyMode::Always`] copies in `order` (K keeping
/// the axis order); [`CopyMode::Never`] returns the array itself or
/// [`NpError::CopyNotAllowed`], NumPy's "Unable to avoid copy while
/// creating an array as requested."
///
/// ```
/// use memscope_prelude::*;
/// use np::{CopyMode, Order};
/// let m = np::arange(0, 6, 1).reshape(&[2, 3]);
/// let t = m.t(); // F-contiguous
/// assert!(np::array_from(&t, CopyMode::IfNeeded, Order::F).unwrap().is_same_array(&t));
/// let c = np::array_from(&t, CopyMode::IfNeeded, Order::C).unwrap(); // a copy
/// assert!(c.flags().c_contiguous && !c.shares_memory(&m));
/// assert!(np::array_from(&t, CopyMode::Never, Order::C).is_err());
/// let fresh = np::array_from(&m, CopyMode::Always, Order::K).unwrap();
/// assert!(fresh.owns_data() && !fresh.shares_memory(&m));
/// ```
pub fn array_from<T: Element>(
    a: &NpArray<T>,
    copy: CopyMode,
    order: Order,
) -> Result<NpArray<T>, NpError> {
    let flags = a.flags();
    let fits = match order {
        Order::K | Order::A => true,
        Order::C => flags.c_contiguous,
        Order::F => flags.f_contiguous,
    };
    match copy {
        CopyMode::Always => Ok(a.copy_order(order)),
        CopyMode::IfNeeded | CopyMode::Never if fits => Ok(a.clone()),
        CopyMode::IfNeeded => Ok(a.copy_order(order)),
        CopyMode::Never => Err(NpError::CopyNotAllowed {
            order,
            shape: a.shape().to_vec(),
            strides: a.strides().to_vec(),
        }),
    }
}

/// Copies `src`'s elements into `dst`, which keeps its shape and memory
/// (NumPy's `np.copyto(dst, src)`, or `dst[...] = src`): `src` is
/// broadcast to `dst`'s shape (extra leading axes of length 1 are
/// ignored), and read completely before anything is written when the two
/// share memory. Every view and alias of `dst`'s memory sees the new
/// values. Nothing is written on an error.
///
/// ```
/// use memscope_prelude::*;
/// let dst = np::zeros(&[2, 3]);
/// np::copyto(&dst, &np::array(&[1.0, 2.0, 3.0])).unwrap(); // every row
/// assert_eq!(dst.to_vec(), vec![1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
/// assert!(np::copyto(&dst, &np::zeros(&[2])).is_err());
/// ```
///
/// # Errors
/// [`NpError::ReadOnly`] if `dst` is read-only (checked first), or
/// [`NpError::NotBroadcastableInto`] if `src` does not broadcast to `dst`'s
/// shape.
///
/// # Panics
/// If another view of either buffer is alive (`view()`, `view_mut()`).
#[track_caller]
pub fn copyto<T: Element>(dst: &NpArray<T>, src: &NpArray<T>) -> Result<(), NpError> {
    dst.copy_from(src)
}

/// `a` itself (an alias) if it is C-contiguous, else a C-ordered copy
/// (NumPy's `np.ascontiguousarray`).
///
/// ```
/// use memscope_prelude::*;
/// let a = np::zeros(&[2, 3]);
/// assert!(np::ascontiguousarray(&a).is_same_array(&a));
/// assert!(np::ascontiguousarray(&a.t()).flags().c_contiguous);
/// ```
pub fn ascontiguousarray<T: Element>(a: &NpArray<T>) -> NpArray<T> {
    if a.flags().c_contiguous {
        a.clone()
    } else {
        a.copy_order(Order::C)
    }
}

/// `a` itself (an alias) if it is F-contiguous, else an F-ordered copy
/// (NumPy's `np.asfortranarray`).
///
/// ```
/// use memscope_prelude::*;
/// let a = np::zeros(&[2, 3]);
/// let f = np::asfortranarray(&a);
/// assert_eq!(f.strides(), &[1, 2]);
/// assert!(np::asfortranarray(&f).is_same_array(&f));
/// ```
pub fn asfortranarray<T: Element>(a: &NpArray<T>) -> NpArray<T> {
    if a.flags().f_contiguous {
        a.clone()
    } else {
        a.copy_order(Order::F)
    }
}
