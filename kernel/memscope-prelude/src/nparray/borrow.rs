//! Borrowing an `NpArray`'s elements as ndarray views, under the buffer's
//! `RefCell`: any number of readers, or one writer, per buffer.
//!
//! Inside the crate, `read` and `write` lend a view to a closure. Notebook
//! code gets guards instead, [`NpView`] and [`NpViewMut`], which keep the
//! buffer borrowed for as long as they live and dereference to ndarray's
//! [`ArrayRef`], so every ndarray method that reads (or writes) an array is
//! available on them.

use std::cell::{Ref, RefMut};
use std::fmt;
use std::ops::{Deref, DerefMut};

use ndarray::{
    ArrayBase, ArrayRef, ArrayView, ArrayViewMut, Axis, Dimension, IxDyn, RawData, ShapeBuilder,
    StrideShape,
};

use super::buffer::Buffer;
use super::layout::Layout;
use super::{Element, NpArray};

const BROKEN_LAYOUT: &str =
    "internal error in NpArray: a layout reaches outside its buffer (please report this)";

/// An ndarray view of the elements of `layout` in `elements` (the whole
/// buffer), built with ndarray's checked constructor.
///
/// ndarray takes the lowest-addressed element and non-negative strides, so
/// axes with negative strides are built forwards and then inverted.
pub(crate) fn view_of<'a, T>(elements: &'a [T], layout: &Layout) -> ArrayView<'a, T, IxDyn> {
    let (start, shape) = forward_shape(elements.len(), layout);
    let mut view = ArrayView::from_shape(shape, &elements[start..]).expect(BROKEN_LAYOUT);
    invert_negative_axes(&mut view, layout);
    view
}

/// Like [`view_of`], mutable. ndarray refuses layouts where two indices
/// reach one element; writeable arrays never have them.
pub(crate) fn view_mut_of<'a, T>(
    elements: &'a mut [T],
    layout: &Layout,
) -> ArrayViewMut<'a, T, IxDyn> {
    let (start, shape) = forward_shape(elements.len(), layout);
    let mut view = ArrayViewMut::from_shape(shape, &mut elements[start..]).expect(BROKEN_LAYOUT);
    invert_negative_axes(&mut view, layout);
    view
}

/// Where a view of `layout` starts in a buffer of `len` elements, and its
/// shape with every stride made non-negative.
fn forward_shape(len: usize, layout: &Layout) -> (usize, StrideShape<IxDyn>) {
    let Some((lowest, _)) = layout.offset_bounds() else {
        // Empty: no element is reached, so the strides do not matter; the
        // view still starts at the offset so that slicing it reads back
        // sensible offsets.
        return (layout.offset.min(len), IxDyn(&layout.shape).into());
    };
    let forward_strides: Vec<usize> = layout.strides.iter().map(|s| s.unsigned_abs()).collect();
    (
        lowest,
        IxDyn(&layout.shape).strides(IxDyn(&forward_strides)),
    )
}

fn invert_negative_axes<S: RawData>(view: &mut ArrayBase<S, IxDyn>, layout: &Layout) {
    if layout.offset_bounds().is_none() {
        return;
    }
    for (axis, &stride) in layout.strides.iter().enumerate() {
        if stride < 0 {
            view.invert_axis(Axis(axis));
        }
    }
}

/// Reads back the layout of `view`, a view into `elements`, as positions
/// in `elements`: the offset is the distance between the two addresses, in
/// elements (plain integer arithmetic, nothing is dereferenced).
pub(crate) fn layout_in<T, D: Dimension>(elements: &[T], view: &ArrayView<'_, T, D>) -> Layout {
    let distance = view.as_ptr().addr().wrapping_sub(elements.as_ptr().addr());
    let offset = distance / std::mem::size_of::<T>();
    Layout {
        // Only an empty view can point elsewhere (ndarray does not move the
        // pointer of an empty slice); any in-range offset will do for it.
        offset: if offset <= elements.len() { offset } else { 0 },
        shape: view.shape().to_vec(),
        strides: view.strides().to_vec(),
    }
}

impl<T: Element> NpArray<T> {
    /// Lends `f` a read-only ndarray view of this array.
    #[track_caller]
    pub(crate) fn read<R>(&self, f: impl FnOnce(ArrayView<'_, T, IxDyn>) -> R) -> R {
        let elements = self.buffer.borrow();
        f(view_of(&elements, &self.layout))
    }

    /// Lends `f` a read-only view together with the whole buffer, for
    /// operations that read back where a derived view lies.
    #[track_caller]
    pub(crate) fn read_in_buffer<R>(
        &self,
        f: impl FnOnce(&[T], ArrayView<'_, T, IxDyn>) -> R,
    ) -> R {
        let elements = self.buffer.borrow();
        f(&elements, view_of(&elements, &self.layout))
    }

    /// Lends `f` a mutable view of this array, after checking that it is
    /// writeable and logging the write.
    #[track_caller]
    pub(crate) fn write<R>(&self, f: impl FnOnce(ArrayViewMut<'_, T, IxDyn>) -> R) -> R {
        self.assert_writeable();
        let mut elements = self.buffer.borrow_mut();
        self.buffer.log_write(&self.layout);
        f(view_mut_of(&mut elements, &self.layout))
    }

    /// Borrows the elements as a plain ndarray array, for the length of a
    /// cell (or less): the guard dereferences to [`ArrayRef`], so
    /// `sum()`, `iter()`, `dot()`, `slice(s![..])`, `view()`, arithmetic and
    /// printing all work on it.
    ///
    /// While the guard lives, the buffer is borrowed: `view_mut()`, `set`,
    /// `fill` and `assign` on any array sharing this memory panic (they
    /// would change what you are reading). Drop the guard (or let it go out
    /// of scope at the end of the cell) first.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::arange(0, 6, 1).reshape(&[2, 3]);
    /// let v = a.view();
    /// assert_eq!(v.sum(), 15);
    /// assert_eq!(v.sum_axis(Axis(1)), array![3, 12].into_dyn()); // row sums
    /// ```
    ///
    /// A view cannot outlive its guard:
    ///
    /// ```compile_fail
    /// use memscope_prelude::*;
    /// let a = np::arange(0, 6, 1);
    /// let escaped = a.view().view(); // borrows the temporary guard
    /// a.set(&[0], 100);
    /// println!("{escaped}");
    /// ```
    ///
    /// # Panics
    /// If a `view_mut()` of this buffer is alive.
    #[track_caller]
    pub fn view(&self) -> NpView<'_, T> {
        NpView::new(&self.buffer, &self.layout)
    }

    /// Borrows the elements as a mutable ndarray array. Writes are seen by
    /// every array sharing this memory (the base, other views, aliases),
    /// as in NumPy.
    ///
    /// The whole buffer is borrowed while the guard lives, so no two
    /// mutable views of one element can exist: any other borrow of the
    /// buffer panics until the guard is dropped. The array's region is
    /// logged as written as soon as the guard is made.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::zeros(&[2, 3]);
    /// let column = a.slice(s![.., 1]);
    /// {
    ///     let mut c = column.view_mut();
    ///     *c += 7.0; // `*` reaches the ndarray array behind the guard
    /// } // the guard is dropped here, releasing the buffer
    /// assert_eq!(a.at(&[1, 1]), 7.0);
    /// ```
    ///
    /// # Panics
    /// If the array is not writeable ("assignment destination is
    /// read-only", as NumPy says), or if another view of this buffer is
    /// alive.
    #[track_caller]
    pub fn view_mut(&self) -> NpViewMut<'_, T> {
        self.assert_writeable();
        let guard = NpViewMut::new(&self.buffer, &self.layout);
        self.buffer.log_write(&self.layout);
        guard
    }
}

/// A read-only borrow of an [`NpArray`]'s elements; dereferences to
/// [`ArrayRef`] (the type behind every ndarray array). Made by
/// [`NpArray::view`].
pub struct NpView<'a, T> {
    // Declared before `_elements`, so it is dropped first: it points into
    // the memory that `_elements` keeps borrowed.
    view: ArrayView<'a, T, IxDyn>,
    _elements: Ref<'a, [T]>,
}

impl<'a, T> NpView<'a, T> {
    fn new(buffer: &'a Buffer<T>, layout: &Layout) -> NpView<'a, T> {
        let elements = buffer.borrow();
        let all: *const [T] = &*elements;
        // SAFETY: `all` points at the buffer's heap block, which lives as
        // long as `buffer` ('a) and is never moved, resized or replaced
        // (the `Buffer` invariant). The `Ref` stored next to the view keeps
        // the `RefCell` shared-borrowed for as long as the view exists, so
        // no `&mut` to these elements can be made meanwhile. The `'a` view
        // itself never leaves the guard: `Deref` hands out `&ArrayRef`,
        // whose lifetime is the guard's borrow, and ndarray's
        // `ArrayRef::view` ties any new view to that borrow too.
        let all: &'a [T] = unsafe { &*all };
        NpView {
            view: view_of(all, layout),
            _elements: elements,
        }
    }
}

impl<T> Deref for NpView<'_, T> {
    type Target = ArrayRef<T, IxDyn>;

    fn deref(&self) -> &ArrayRef<T, IxDyn> {
        &self.view
    }
}

/// A mutable borrow of an [`NpArray`]'s elements; dereferences to
/// [`ArrayRef`], mutably. Made by [`NpArray::view_mut`].
pub struct NpViewMut<'a, T> {
    // Dropped before `_elements` (see `NpView`).
    view: ArrayViewMut<'a, T, IxDyn>,
    _elements: RefMut<'a, [T]>,
}

impl<'a, T> NpViewMut<'a, T> {
    fn new(buffer: &'a Buffer<T>, layout: &Layout) -> NpViewMut<'a, T> {
        let mut elements = buffer.borrow_mut();
        let all: *mut [T] = &mut *elements;
        // SAFETY: as in `NpView::new`; here the stored `RefMut` keeps the
        // buffer exclusively borrowed, so this is the only live reference
        // to its elements until the guard is dropped, and `DerefMut` hands
        // out `&mut ArrayRef` tied to the guard's borrow. `ArrayRef` is
        // unsized, so it cannot be swapped with another guard's.
        let all: &'a mut [T] = unsafe { &mut *all };
        NpViewMut {
            view: view_mut_of(all, layout),
            _elements: elements,
        }
    }
}

impl<T> Deref for NpViewMut<'_, T> {
    type Target = ArrayRef<T, IxDyn>;

    fn deref(&self) -> &ArrayRef<T, IxDyn> {
        &self.view
    }
}

impl<T> DerefMut for NpViewMut<'_, T> {
    fn deref_mut(&mut self) -> &mut ArrayRef<T, IxDyn> {
        &mut self.view
    }
}

impl<T: fmt::Debug> fmt::Debug for NpView<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.view, f)
    }
}

impl<T: fmt::Debug> fmt::Debug for NpViewMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.view, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(offset: usize, shape: &[usize], strides: &[isize]) -> Layout {
        Layout::new(offset, shape, strides)
    }

    #[test]
    fn views_walk_negative_and_zero_strides() {
        let elements: Vec<i32> = (0..12).collect();
        // Rows reversed, every second column: first element at offset 8.
        let stepped = layout(8, &[3, 2], &[-4, 2]);
        let view = view_of(&elements, &stepped);
        assert_eq!(
            view.iter().copied().collect::<Vec<_>>(),
            vec![8, 10, 4, 6, 0, 2]
        );
        assert_eq!(layout_in(&elements, &view), stepped);
        // A broadcast row, read-only.
        let broadcast = layout(4, &[2, 3], &[0, 1]);
        assert_eq!(view_of(&elements, &broadcast).sum(), 2 * (4 + 5 + 6));
    }

    #[test]
    fn mutable_views_write_where_the_layout_says() {
        let mut elements = vec![0_u8; 6];
        let reversed_column = layout(4, &[2], &[-3]);
        view_mut_of(&mut elements, &reversed_column).fill(1);
        assert_eq!(elements, vec![0, 1, 0, 0, 1, 0]);
    }

    #[test]
    fn empty_views_stay_inside_the_buffer() {
        let elements = [1.0_f64; 4];
        let at_end = layout(4, &[0, 3], &[3, 1]);
        let view = view_of(&elements, &at_end);
        assert_eq!(view.len(), 0);
        assert_eq!(layout_in(&elements, &view).offset, 4);
    }
}
