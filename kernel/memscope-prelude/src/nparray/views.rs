//! Views: new arrays on the same buffer, made by slicing, transposing,
//! reshaping, raveling and broadcasting (NumPy's basic indexing and
//! friends), and `flatten`, the copy that `ravel` falls back to.
//!
//! Slicing and reshaping are done by ndarray on a temporary view of the
//! buffer; the resulting view's position is then read back as an offset
//! into the buffer, so the new `NpArray` can outlive the borrow.

use ndarray::{IxDyn, SliceArg, SliceInfoElem};

use memscope_cell_abi::layout::element_count;

use super::borrow::layout_in;
use super::error::{NpError, shape_tuple};
use super::layout::{Layout, c_strides, f_strides};
use super::order::Order;
use super::{Element, NpArray};

/// How a reshape can be done.
enum Reshaped<T> {
    /// As a view with this layout.
    View(Layout),
    /// Only by copying; here are the elements, in the reshape's order.
    Copy(Vec<T>),
}

impl<T: Element> NpArray<T> {
    /// A view of part of the array (NumPy's basic indexing), with
    /// ndarray's [`s!`](ndarray::s) macro:
    ///
    /// | NumPy          | here                    | result                          |
    /// |----------------|-------------------------|---------------------------------|
    /// | `a[1:8:2]`     | `a.slice(s![1..8;2])`   | every second element            |
    /// | `a[::-1]`      | `a.slice(s![..;-1])`    | reversed (stride -1)            |
    /// | `m[:, 1]`      | `m.slice(s![.., 1])`    | a column (the axis is dropped)  |
    /// | `m[1]`         | `m.slice(s![1])`        | a row (missing axes are `..`)   |
    /// | `a[:, None]`   | `a.slice(s![.., NewAxis])` | a new axis of length 1       |
    ///
    /// Out-of-range slice bounds are clipped, as in Python; an integer index
    /// out of range panics, like NumPy's `IndexError`.
    ///
    /// Negative steps follow ndarray, not Python: `s![a..b;-k]` takes the
    /// elements `a..b` and walks them backwards from the last one, so
    /// NumPy's `a[7:2:-1]` is `s![3..8;-1]`. (`s![..;-k]` means the same in
    /// both.)
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::arange(0, 10, 1);
    /// let odd = a.slice(s![1..8;2]);
    /// assert_eq!((odd.shape(), odd.strides()), (&[4][..], &[2][..]));
    /// assert_eq!(odd.to_vec(), vec![1, 3, 5, 7]);
    ///
    /// let m = np::arange(0, 12, 1).reshape(&[3, 4]);
    /// let column = m.slice(s![.., 2]);
    /// assert_eq!(column.to_vec(), vec![2, 6, 10]);
    /// assert_eq!(column.strides(), &[4]);
    /// ```
    ///
    /// # Panics
    /// If there are more indices than axes, or an integer index is out of
    /// bounds, or a step is zero.
    #[track_caller]
    pub fn slice<I: SliceArg<IxDyn>>(&self, info: I) -> NpArray<T> {
        let (elements, numpy_strides) = self.numpy_slice(info.as_ref());
        let mut layout =
            self.read_in_buffer(|buffer, view| layout_in(buffer, &view.slice(elements.as_slice())));
        // ndarray sets the stride of an axis sliced down to one element (or
        // none) to 0; NumPy keeps `stride * step`. They agree on every
        // other axis; report NumPy's.
        layout.strides = numpy_strides;
        self.view_with(layout)
    }

    /// Checks `given` against the array and turns it into ndarray slice
    /// elements with NumPy's conveniences applied: missing trailing axes
    /// become `..`, slice bounds are clipped, negative indices are resolved.
    /// Also returns the strides NumPy gives the result.
    fn numpy_slice(&self, given: &[SliceInfoElem]) -> (Vec<SliceInfoElem>, Vec<isize>) {
        let ndim = self.ndim();
        let indexed = given
            .iter()
            .filter(|e| !matches!(e, SliceInfoElem::NewAxis))
            .count();
        assert!(
            indexed <= ndim,
            "too many indices for array: array is {ndim}-dimensional, but {indexed} were indexed"
        );
        let whole_axis = SliceInfoElem::from(..);
        let padded = given
            .iter()
            .copied()
            .chain(std::iter::repeat_n(whole_axis, ndim - indexed));

        let (mut elements, mut strides, mut axis) = (Vec::new(), Vec::new(), 0);
        for element in padded {
            match element {
                SliceInfoElem::NewAxis => {
                    elements.push(element);
                    strides.push(0);
                }
                SliceInfoElem::Index(index) => {
                    let len = self.shape()[axis] as isize;
                    let resolved = if index < 0 { index + len } else { index };
                    assert!(
                        (0..len).contains(&resolved),
                        "index {index} is out of bounds for axis {axis} with size {len}"
                    );
                    elements.push(SliceInfoElem::Index(resolved));
                    axis += 1;
                }
                SliceInfoElem::Slice { start, end, step } => {
                    assert!(step != 0, "slice step cannot be zero");
                    let len = self.shape()[axis] as isize;
                    let clip = |bound: isize| {
                        if bound < 0 {
                            (bound + len).max(0)
                        } else {
                            bound.min(len)
                        }
                    };
                    elements.push(SliceInfoElem::Slice {
                        start: clip(start),
                        end: Some(clip(end.unwrap_or(len))),
                        step,
                    });
                    strides.push(self.strides()[axis] * step);
                    axis += 1;
                }
            }
        }
        (elements, strides)
    }

    /// The transpose (NumPy's `a.T`): the axes reversed, a view.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let m = np::zeros(&[3, 4]);
    /// assert_eq!((m.t().shape(), m.t().strides()), (&[4, 3][..], &[1, 4][..]));
    /// ```
    pub fn t(&self) -> NpArray<T> {
        self.view_with(self.layout.transposed())
    }

    /// The same as [`t`](NpArray::t) (NumPy's `a.transpose()`).
    pub fn transpose(&self) -> NpArray<T> {
        self.t()
    }

    /// The axes in a new order, a view: axis `k` of the result is axis
    /// `axes[k]` of `self` (NumPy's `a.transpose(axes)`).
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::zeros(&[2, 3, 4]);
    /// assert_eq!(a.permuted_axes(&[2, 0, 1]).shape(), &[4, 2, 3]);
    /// ```
    ///
    /// # Panics
    /// If `axes` is not a permutation of `0..ndim`.
    pub fn permuted_axes(&self, axes: &[usize]) -> NpArray<T> {
        self.view_with(self.layout.permuted(axes))
    }

    /// The elements with a new shape, read in C order (NumPy's `reshape`):
    /// a view when new strides can walk the same memory, otherwise **a
    /// copy**, silently, as in NumPy. Use
    /// [`reshape_view`](NpArray::reshape_view) to insist on a view, and
    /// [`owns_data`](NpArray::owns_data) or
    /// [`shares_memory`](NpArray::shares_memory) to see which you got.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let m = np::arange(0, 12, 1).reshape(&[3, 4]); // a view of the arange
    /// assert!(m.reshape(&[12]).shares_memory(&m));     // C-contiguous: a view
    /// assert!(!m.t().reshape(&[12]).shares_memory(&m)); // transposed: a copy
    /// ```
    ///
    /// # Panics
    /// If the number of elements differs (use `reshape_view` for a
    /// `Result`).
    #[track_caller]
    pub fn reshape(&self, shape: &[usize]) -> NpArray<T> {
        self.reshape_order(shape, Order::C)
    }

    /// The elements with a new shape, read and placed in `order` (NumPy's
    /// `reshape(shape, order=...)`): C walks both shapes with the last
    /// index fastest, F with the first index fastest, A is F for an array
    /// that is F- and not C-contiguous and C otherwise. A view when new
    /// strides can walk the same memory in that order, else a copy laid
    /// out in that order.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let m = np::arange(0, 6, 1).reshape(&[2, 3]);
    /// let t = m.t(); // F-contiguous
    /// let f = t.reshape_order(&[6], np::Order::F);
    /// assert!(f.shares_memory(&m)); // a view: F order is memory order
    /// assert_eq!(f.to_vec(), vec![0, 1, 2, 3, 4, 5]);
    /// let c = t.reshape_order(&[6], np::Order::C); // a copy
    /// assert_eq!(c.to_vec(), vec![0, 3, 1, 4, 2, 5]);
    /// let columns = m.reshape_order(&[3, 2], np::Order::F); // a copy, F-ordered
    /// assert_eq!((columns.strides(), columns.at(&[1, 0])), (&[1, 3][..], 3));
    /// ```
    ///
    /// # Panics
    /// If the number of elements differs, or for `Order::K`, which NumPy
    /// refuses too ("order 'K' is not permitted for reshaping").
    #[track_caller]
    pub fn reshape_order(&self, shape: &[usize], order: Order) -> NpArray<T> {
        let column_major = match self.layout.resolve_any(order) {
            Order::K => panic!("order 'K' is not permitted for reshaping"),
            Order::F => true,
            Order::C | Order::A => false,
        };
        match self.reshaped(shape, column_major) {
            Ok(Reshaped::View(layout)) => self.view_with(layout),
            Ok(Reshaped::Copy(elements)) => {
                let strides = if column_major {
                    f_strides(shape)
                } else {
                    c_strides(shape)
                };
                let layout = Layout {
                    offset: 0,
                    shape: shape.to_vec(),
                    strides,
                };
                NpArray::allocate(elements, layout)
            }
            Err(error) => panic!("{error}"),
        }
    }

    /// Like [`reshape`](NpArray::reshape) but never copies: an error when
    /// the layout does not allow a view (NumPy 2's `reshape(...,
    /// copy=False)`).
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let m = np::zeros(&[3, 4]);
    /// assert!(m.reshape_view(&[2, 6]).is_ok());
    /// assert!(m.t().reshape_view(&[12]).is_err());
    /// ```
    pub fn reshape_view(&self, shape: &[usize]) -> Result<NpArray<T>, NpError> {
        match self.reshaped(shape, false)? {
            Reshaped::View(layout) => Ok(self.view_with(layout)),
            Reshaped::Copy(_) => Err(NpError::CopyRequired {
                shape: self.shape().to_vec(),
                strides: self.strides().to_vec(),
                new_shape: shape.to_vec(),
            }),
        }
    }

    /// ndarray's `to_shape` decides, in C order or (`column_major`) F
    /// order: it returns a view when the layout allows one. (When it does
    /// not, it has already copied; `reshape_view` then drops that copy.)
    fn reshaped(&self, shape: &[usize], column_major: bool) -> Result<Reshaped<T>, NpError> {
        if element_count(shape) != Some(self.size()) {
            return Err(NpError::SizeMismatch {
                size: self.size(),
                shape: shape.to_vec(),
            });
        }
        if self.is_empty() {
            // No element to walk: any strides do; give NumPy's packed ones.
            return Ok(Reshaped::View(Layout {
                offset: self.layout.offset,
                shape: shape.to_vec(),
                strides: if column_major {
                    f_strides(shape)
                } else {
                    c_strides(shape)
                },
            }));
        }
        let order = if column_major {
            ndarray::Order::ColumnMajor
        } else {
            ndarray::Order::RowMajor
        };
        Ok(self.read_in_buffer(|buffer, view| {
            let reshaped = view
                .to_shape((shape.to_vec(), order))
                .expect("the sizes were checked");
            if reshaped.is_view() {
                Reshaped::View(layout_in(buffer, &reshaped.view()))
            } else {
                // Walking the new array in the reshape's order is walking
                // the old one in that order.
                let walk = if column_major {
                    reshaped.view().reversed_axes()
                } else {
                    reshaped.view()
                };
                Reshaped::Copy(walk.iter().copied().collect())
            }
        }))
    }

    /// The elements as 1-D in C order: a view if the array is
    /// C-contiguous, else a copy (NumPy's `ravel`). Unlike
    /// `reshape(&[size])`, it never returns a strided view: NumPy's ravel
    /// is always contiguous.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let m = np::arange(0, 6, 1).reshape(&[2, 3]);
    /// assert!(m.ravel().shares_memory(&m));
    /// assert_eq!(m.t().ravel().to_vec(), vec![0, 3, 1, 4, 2, 5]);
    /// let every_other = np::arange(0, 6, 1).slice(s![..;2]);
    /// assert!(every_other.ravel().owns_data()); // a copy
    /// ```
    pub fn ravel(&self) -> NpArray<T> {
        self.ravel_order(Order::C)
    }

    /// The elements as 1-D in `order` (NumPy's `ravel(order=...)`): a view
    /// with stride 1 when the elements already lie in memory in that order,
    /// else a copy (the same as [`flatten_order`](NpArray::flatten_order)).
    /// C needs a C-contiguous array, F an F-contiguous one, A either (F
    /// order for an F- and not C-contiguous array); K, memory order, takes
    /// any array whose axes can be reordered into one contiguous block: a
    /// transpose or any permutation of a contiguous array, but nothing
    /// reversed, stepped or broadcast.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let m = np::arange(0, 6, 1).reshape(&[2, 3]);
    /// let t = m.t();
    /// for order in [np::Order::K, np::Order::A, np::Order::F] {
    ///     assert!(t.ravel_order(order).shares_memory(&m)); // views
    /// }
    /// assert_eq!(t.ravel_order(np::Order::K).to_vec(), vec![0, 1, 2, 3, 4, 5]);
    /// assert!(t.ravel_order(np::Order::C).owns_data()); // a copy
    /// let reversed = m.slice(s![.., ..;-1]);
    /// assert!(reversed.ravel_order(np::Order::K).owns_data()); // a copy too
    /// ```
    pub fn ravel_order(&self, order: Order) -> NpArray<T> {
        match self.layout.flat_view(order) {
            Some(layout) => self.view_with(layout),
            None => self.flatten_order(order),
        }
    }

    /// The elements as 1-D in C order, always in new memory that the result
    /// owns (NumPy's `flatten`).
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let m = np::arange(0, 6, 1).reshape(&[2, 3]);
    /// let flat = m.flatten();
    /// assert!(flat.owns_data() && !np::shares_memory(&flat, &m));
    /// assert_eq!(flat.to_vec(), vec![0, 1, 2, 3, 4, 5]);
    /// ```
    pub fn flatten(&self) -> NpArray<T> {
        self.flatten_order(Order::C)
    }

    /// The elements as 1-D in `order`, always in new memory (NumPy's
    /// `flatten(order=...)`): C row by row, F column by column, A F for an
    /// F- and not C-contiguous array and C otherwise, K in the order the
    /// elements lie in memory (a reversed axis is still read forwards).
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let m = np::arange(0, 6, 1).reshape(&[2, 3]);
    /// assert_eq!(m.flatten_order(np::Order::F).to_vec(), vec![0, 3, 1, 4, 2, 5]);
    /// assert_eq!(m.t().flatten_order(np::Order::K).to_vec(), vec![0, 1, 2, 3, 4, 5]);
    /// ```
    pub fn flatten_order(&self, order: Order) -> NpArray<T> {
        let walk = self.layout.walk_axes(order);
        NpArray::from_vec(self.permuted_axes(&walk).to_vec())
    }

    /// A read-only view with a larger shape, repeating elements along new or
    /// length-1 axes with stride 0 (NumPy's `broadcast_to`). Like NumPy's,
    /// the result is not writeable: one element appears at many indices.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let row = np::arange(0, 3, 1);
    /// let grid = row.broadcast_to(&[2, 3]).unwrap();
    /// assert_eq!(grid.strides(), &[0, 1]);
    /// assert_eq!(grid.at(&[1, 2]), 2);
    /// assert!(!grid.flags().writeable);
    /// assert!(row.broadcast_to(&[2, 4]).is_err());
    /// ```
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<NpArray<T>, NpError> {
        let mut view = self.view_with(self.layout.broadcast_to(shape)?);
        view.writeable = false;
        Ok(view)
    }

    /// The shape in Python's notation, `(3, 4)`, for messages.
    pub(crate) fn shape_text(&self) -> String {
        shape_tuple(self.shape())
    }
}
