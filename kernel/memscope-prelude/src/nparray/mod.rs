//! [`NpArray`]: NumPy's array semantics (views, copies, aliases, one shared
//! buffer) on top of ndarray, in a form a notebook can keep between cells.
//!
//! A notebook variable must be `'static`, so a borrowed ndarray
//! `ArrayView` cannot survive the cell that made it. An `NpArray` is
//! instead a *handle*: a reference-counted buffer plus the position of the
//! array inside it (offset, shape and strides, in elements). Slicing makes
//! a new handle on the same buffer, so views persist, and a write through
//! any of them is seen through all the others, as in NumPy:
//!
//! ```
//! use memscope_prelude::*;
//! let a = np::arange(0, 10, 1);          // owns its memory
//! let evens = a.slice(s![..;2]);         // a view: same buffer, stride 2
//! let b = a.clone();                     // an alias: the same array
//! let c = a.copy();                      // new memory
//!
//! evens.set(&[1], 100);                  // writes a[2]
//! assert_eq!(a.at(&[2]), 100);
//! assert_eq!(b.at(&[2]), 100);
//! assert_eq!(c.at(&[2]), 2);
//!
//! assert!(!evens.owns_data() && evens.base().unwrap().is_same_array(&a));
//! assert!(np::shares_memory(&a, &evens) && !np::shares_memory(&a, &c));
//! ```
//!
//! Arithmetic comes in NumPy's two kinds: `&a + &b` makes a new array,
//! while `a += &b` (and `-=`, `*=`, `/=`, with an array or a scalar)
//! writes into `a`'s memory, so its aliases and views see the result. To
//! compute anything else, borrow an array as a plain ndarray array with
//! [`NpArray::view`] or [`NpArray::view_mut`]; results come back with
//! [`NpArray::from`].
//!
//! Soundness: the buffer's elements live in a `RefCell`, so at any time a
//! buffer has either readers or one writer, checked at run time; a
//! conflicting borrow panics and says which view to drop. Every ndarray
//! view is built with ndarray's checked constructors. `unsafe` code is in
//! three places, each with its reason:
//! * `borrow.rs`: the guards returned by `view()` and `view_mut()` keep
//!   the `RefCell` borrow next to the ndarray view made from it, a
//!   self-referential pair safe Rust cannot express;
//! * `streaming.rs`: SSE2 streaming stores for large strided copies (Miri
//!   runs the same pointer arithmetic with ordinary stores);
//! * `allocation.rs`: `madvise` asks for huge pages (not under Miri).
//!
//! `miri.sh` runs the prelude's tests under Miri to check them.
//!
//! # Differences from NumPy
//!
//! * Strides are in elements ([`NpArray::strides`]); NumPy's byte strides
//!   are [`NpArray::strides_bytes`]. dtype names are Rust's (`f64`, `i32`).
//! * `clone()` is an alias (Python's `b = a`), but the WRITEABLE flag
//!   belongs to each handle: `set_writeable` does not change aliases cloned
//!   before it.
//! * `slice` takes ndarray's `s![]`, whose negative steps differ from
//!   Python's for bounded ranges (see [`NpArray::slice`]); there is no `...`.
//! * Shapes are `&[usize]`: no `-1` in `reshape`. `len()` is the number of
//!   elements (Python's `len(a)` is `a.shape()[0]`).
//! * `np::empty` and `np::empty_like` are zero-filled (safe Rust never
//!   shows uninitialised memory).
//! * `take` accepts no negative indices; `mask` needs the array's exact
//!   shape.
//! * `shares_memory` is always exact, like NumPy's default
//!   (`max_work=None`): it asks the exact solver with no bound on its
//!   work, so deliberately tangled strides can make it slow, but never
//!   wrong.
//! * A broadcast view cannot be made writeable (NumPy 2 allows it): a
//!   mutable Rust view must not reach one element through two indices.
//! * In-place arithmetic (`a += &b`) on integers is Rust's: `/=`
//!   truncates, and overflow (in debug builds) or division by zero panics
//!   (NumPy wraps around, warns, or refuses `/=`), possibly after some
//!   elements were written.
//! * No dtype views (`a.view(np.uint8)`) and no arrays of objects or
//!   strings: elements are the plain numbers and `bool` ([`Element`]).

mod access;
mod allocation;
mod borrow;
mod buffer;
mod copies;
mod element;
mod error;
pub(crate) mod fmt;
mod in_place;
mod layout;
pub(crate) use allocation::collected;
mod ops;
mod order;
mod reported;
mod shape_like;
mod sharing;
mod streaming;
mod views;
mod write_log;

use std::rc::Rc;

use ndarray::{ArrayBase, ArrayRef, Data, Dimension};

pub use borrow::{NpView, NpViewMut};
pub use copies::Mask;
pub use element::{Arange, Element};
pub use error::NpError;
pub use order::Order;
pub use shape_like::ShapeLike;
pub use sharing::Flags;

use buffer::Buffer;
use layout::Layout;
use memscope_cell_abi::layout::element_count;

/// What makes two handles the same array; compared by address.
type Identity = Rc<()>;

/// An n-dimensional array with NumPy's semantics: a handle on a shared,
/// reference-counted buffer (see the [module documentation](self)).
///
/// Cloning is aliasing: `let b = a.clone()` is Python's `b = a`, a second
/// name for the *same* array, sharing every element. Use
/// [`copy`](NpArray::copy) for new memory.
pub struct NpArray<T> {
    buffer: Rc<Buffer<T>>,
    layout: Layout,
    /// Which array this handle is: `clone()` shares it (an alias, Python's
    /// `b = a`); every view gets a new one, even a view with the very same
    /// layout (NumPy's `a[:]` is not `a`).
    identity: Identity,
    /// NumPy's OWNDATA: this array allocated the buffer.
    owns_data: bool,
    /// NumPy's WRITEABLE, for this handle.
    writeable: bool,
}

/// **Aliasing, not copying.** `a.clone()` is a second handle to the same
/// array, like `b = a` in Python: writes through either are seen by both,
/// and `b.is_same_array(&a)` holds. Use [`NpArray::copy`] for new memory.
///
/// ```
/// use memscope_prelude::*;
/// let a = np::zeros(&[3]);
/// let b = a.clone();
/// b.set(&[0], 1.0);
/// assert_eq!(a.at(&[0]), 1.0);
/// assert!(b.is_same_array(&a));
/// ```
impl<T> Clone for NpArray<T> {
    fn clone(&self) -> NpArray<T> {
        NpArray {
            buffer: Rc::clone(&self.buffer),
            layout: self.layout.clone(),
            identity: Rc::clone(&self.identity),
            owns_data: self.owns_data,
            writeable: self.writeable,
        }
    }
}

/// Construction.
impl<T: Element> NpArray<T> {
    /// A new array that owns `elements`, laid out in a fresh buffer with
    /// `layout` (whose offset is 0 and which covers exactly the elements).
    fn allocate(elements: Vec<T>, layout: Layout) -> NpArray<T> {
        let identity = Identity::default();
        NpArray {
            buffer: Rc::new(Buffer::new(elements, layout.clone(), Rc::clone(&identity))),
            layout,
            identity,
            owns_data: true,
            writeable: true,
        }
    }

    /// A view on this array's buffer with `layout` (NumPy's views: no new
    /// memory, OWNDATA false, writeable if this array is).
    fn view_with(&self, layout: Layout) -> NpArray<T> {
        NpArray {
            buffer: Rc::clone(&self.buffer),
            layout,
            identity: Identity::default(),
            owns_data: false,
            writeable: self.writeable,
        }
    }

    /// A 1-D array owning `elements`.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = NpArray::from_vec(vec![1.5, 2.5]);
    /// assert_eq!(a.shape(), &[2]);
    /// ```
    pub fn from_vec(elements: Vec<T>) -> NpArray<T> {
        let layout = Layout::c_order(&[elements.len()]);
        NpArray::allocate(elements, layout)
    }

    /// An array of `shape` owning `elements`, read in C order (row by row).
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = NpArray::from_shape_vec(&[2, 2], vec![1, 2, 3, 4]).unwrap();
    /// assert_eq!(a.at(&[1, 0]), 3);
    /// assert!(NpArray::from_shape_vec(&[3], vec![1, 2]).is_err());
    /// ```
    pub fn from_shape_vec(shape: &[usize], elements: Vec<T>) -> Result<NpArray<T>, NpError> {
        if element_count(shape) != Some(elements.len()) {
            return Err(NpError::SizeMismatch {
                size: elements.len(),
                shape: shape.to_vec(),
            });
        }
        Ok(NpArray::allocate(elements, Layout::c_order(shape)))
    }

    /// A new C-ordered array with the elements of any ndarray array or
    /// view (`&Array2<f64>`, `&ArrayView1<i32>`, a guard from
    /// [`view`](NpArray::view), ...).
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let m = array![[1.0, 2.0], [3.0, 4.0]];
    /// let a = NpArray::from_array(&m.t());
    /// assert_eq!(a.strides(), &[2, 1]); // copied into C order
    /// assert_eq!(a.at(&[0, 1]), 3.0);
    /// ```
    pub fn from_array<D: Dimension>(array: &ArrayRef<T, D>) -> NpArray<T> {
        let elements: Vec<T> = array.iter().copied().collect();
        NpArray::allocate(elements, Layout::c_order(array.shape()))
    }

    /// A new array of `shape` (see [`ShapeLike`]) filled with `value`
    /// (NumPy's `full`).
    pub fn full(shape: impl ShapeLike, value: T) -> NpArray<T> {
        NpArray::filled(&shape.axis_lengths(), value)
    }

    /// A new array of `shape` (see [`ShapeLike`]) filled with zeros
    /// (`false` for `bool`).
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let counts = NpArray::<u32>::zeros((2, 2));
    /// assert_eq!((counts.dtype(), counts.shape()), ("u32", &[2, 2][..]));
    /// ```
    pub fn zeros(shape: impl ShapeLike) -> NpArray<T> {
        NpArray::zeroed(&shape.axis_lengths())
    }

    /// A new array of `shape` (see [`ShapeLike`]) filled with ones (`true`
    /// for `bool`).
    pub fn ones(shape: impl ShapeLike) -> NpArray<T> {
        NpArray::filled(&shape.axis_lengths(), T::ONE)
    }

    // The work of the three above, not generic over the shape's form, so
    // that it is compiled once per element type (`__kernel/instances.rs`),
    // not again in each cell for each form.

    fn filled(shape: &[usize], value: T) -> NpArray<T> {
        let size = element_count(shape).expect("array is too big: its size overflows usize");
        NpArray::allocate(allocation::filled(size, value), Layout::c_order(shape))
    }

    fn zeroed(shape: &[usize]) -> NpArray<T> {
        // Zeroed memory from the allocator: pages are zero until written,
        // as with NumPy's `np.zeros`.
        let size = element_count(shape).expect("array is too big: its size overflows usize");
        NpArray::allocate(allocation::zeroed(size, T::ZERO), Layout::c_order(shape))
    }
}

/// A new C-ordered array with the elements of an ndarray array, of any
/// dimension (owned arrays, views, shared arrays: the elements are copied).
///
/// ```
/// use memscope_prelude::*;
/// let a = NpArray::from(array![[1, 2, 3], [4, 5, 6]]);
/// assert_eq!((a.shape(), a.owns_data()), (&[2, 3][..], true));
/// ```
impl<T: Element, S: Data<Elem = T>, D: Dimension> From<ArrayBase<S, D>> for NpArray<T> {
    fn from(array: ArrayBase<S, D>) -> NpArray<T> {
        NpArray::from_array(&array)
    }
}

/// A 1-D array owning the vector's elements.
impl<T: Element> From<Vec<T>> for NpArray<T> {
    fn from(elements: Vec<T>) -> NpArray<T> {
        NpArray::from_vec(elements)
    }
}

/// Introspection: NumPy's attributes, as methods.
impl<T: Element> NpArray<T> {
    /// The length of each axis.
    pub fn shape(&self) -> &[usize] {
        &self.layout.shape
    }

    /// How far (in elements, not bytes) the next element along each axis
    /// is; negative for reversed axes, 0 for broadcast ones. NumPy's
    /// `strides` are in bytes: see [`strides_bytes`](NpArray::strides_bytes).
    pub fn strides(&self) -> &[isize] {
        &self.layout.strides
    }

    /// NumPy's `strides`: in bytes.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::zeros(&[3, 4]); // f64: 8 bytes each
    /// assert_eq!(a.strides_bytes(), vec![32, 8]);
    /// ```
    pub fn strides_bytes(&self) -> Vec<isize> {
        let itemsize = self.itemsize() as isize;
        self.layout.strides.iter().map(|s| s * itemsize).collect()
    }

    /// The number of axes.
    pub fn ndim(&self) -> usize {
        self.layout.shape.len()
    }

    /// The number of elements (NumPy's `size`).
    pub fn size(&self) -> usize {
        self.layout.size()
    }

    /// The number of elements, like ndarray's `len` and NumPy's `size`.
    /// (Python's `len(a)` is the length of the first axis: `a.shape()[0]`.)
    pub fn len(&self) -> usize {
        self.size()
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.size() == 0
    }

    /// Bytes per element.
    pub fn itemsize(&self) -> usize {
        std::mem::size_of::<T>()
    }

    /// Bytes of the elements (`size * itemsize`; a view counts only its own
    /// elements, as in NumPy).
    pub fn nbytes(&self) -> usize {
        self.size() * self.itemsize()
    }

    /// The element type's name: `"f64"`, `"i32"`, `"bool"`, ...
    pub fn dtype(&self) -> &'static str {
        T::DTYPE
    }

    /// NumPy's OWNDATA: true for the array that allocated its buffer (and
    /// its aliases), false for views.
    pub fn owns_data(&self) -> bool {
        self.owns_data
    }

    /// NumPy's WRITEABLE flag for this array.
    pub fn is_writeable(&self) -> bool {
        self.writeable
    }
}
