//! Where an array's elements are in its buffer: an offset, a shape and
//! strides (all in elements), and the arithmetic on them that NumPy does:
//! contiguity flags, the strides of a new array in C, F or K order, the
//! order in which `flatten` and `ravel` walk the elements, transposing,
//! broadcasting, and listing element offsets.
//!
//! Everything here is pure arithmetic on numbers; nothing touches memory.
//! Element counts and contiguity are `memscope-cell-abi`'s, the very
//! definitions the kernel's table uses.

use memscope_cell_abi::layout::{contiguity, element_count};

use super::error::NpError;
use super::order::Order;

/// The memory layout of one array inside its buffer.
///
/// Invariant (kept by every constructor of `NpArray`): if the array is not
/// empty, every element offset `offset + Σ index[k] * strides[k]` lies in
/// the buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Position of the logical first element (index `[0, 0, ...]`).
    pub offset: usize,
    pub shape: Vec<usize>,
    pub strides: Vec<isize>,
}

impl Layout {
    #[cfg(test)]
    pub fn new(offset: usize, shape: &[usize], strides: &[isize]) -> Layout {
        Layout {
            offset,
            shape: shape.to_vec(),
            strides: strides.to_vec(),
        }
    }

    /// A fresh C-ordered layout at the start of a buffer.
    pub fn c_order(shape: &[usize]) -> Layout {
        Layout {
            offset: 0,
            shape: shape.to_vec(),
            strides: c_strides(shape),
        }
    }

    /// The number of elements (it fits: every constructor checks).
    pub fn size(&self) -> usize {
        element_count(&self.shape).unwrap_or(usize::MAX)
    }

    /// NumPy's C_CONTIGUOUS: walking the elements in C order visits
    /// consecutive memory. Axes of length 1 do not move, so their stride is
    /// ignored; an empty array is contiguous.
    pub fn is_c_contiguous(&self) -> bool {
        contiguity(&self.shape, &self.strides).c
    }

    /// NumPy's F_CONTIGUOUS: like C, with the first index varying fastest.
    pub fn is_f_contiguous(&self) -> bool {
        contiguity(&self.shape, &self.strides).f
    }

    /// The lowest and highest element offsets, or `None` for an empty array.
    /// The buffer positions of a layout that covers one unbroken block in
    /// C or F order with no reversed axis, so that the block, copied as it
    /// is, is the array in that order.
    pub fn contiguous_block(&self) -> Option<std::ops::Range<usize>> {
        let forward = self
            .strides
            .iter()
            .zip(&self.shape)
            .all(|(&s, &n)| s >= 0 || n <= 1);
        (forward && (self.is_c_contiguous() || self.is_f_contiguous()))
            .then(|| self.offset..self.offset + self.size())
    }

    pub fn offset_bounds(&self) -> Option<(usize, usize)> {
        if self.size() == 0 {
            return None;
        }
        let (mut low, mut high) = (self.offset as isize, self.offset as isize);
        for (&len, &stride) in self.shape.iter().zip(&self.strides) {
            let reach = (len as isize - 1) * stride;
            if reach < 0 {
                low += reach;
            } else {
                high += reach;
            }
        }
        Some((low as usize, high as usize))
    }

    /// The buffer offset of the element at `index`, or `None` if `index`
    /// has the wrong length or is out of bounds.
    pub fn element_offset(&self, index: &[usize]) -> Option<usize> {
        if index.len() != self.shape.len() {
            return None;
        }
        let mut offset = self.offset as isize;
        for ((&i, &len), &stride) in index.iter().zip(&self.shape).zip(&self.strides) {
            if i >= len {
                return None;
            }
            offset += i as isize * stride;
        }
        Some(offset as usize)
    }

    /// Every element's buffer offset, in C order (repeats included, for
    /// broadcast layouts): the brute-force answer tests compare with.
    #[cfg(test)]
    pub fn offsets(&self) -> Offsets<'_> {
        Offsets {
            layout: self,
            index: vec![0; self.shape.len()],
            next: (self.size() > 0).then_some(self.offset as isize),
        }
    }

    /// Whether two different indices might reach the same element.
    ///
    /// Conservative, and the same test as ndarray's for mutable views: sort
    /// the axes by |stride|; each stride must exceed the span of the faster
    /// axes. Broadcast layouts (stride 0 on an axis longer than 1) always
    /// overlap.
    pub fn may_overlap(&self) -> bool {
        if self.size() == 0 {
            return false;
        }
        let mut axes: Vec<usize> = (0..self.shape.len())
            .filter(|&axis| self.shape[axis] > 1)
            .collect();
        axes.sort_by_key(|&axis| self.strides[axis].unsigned_abs());
        let mut span_of_faster_axes = 0_usize;
        for axis in axes {
            let stride = self.strides[axis].unsigned_abs();
            if stride <= span_of_faster_axes {
                return true;
            }
            span_of_faster_axes += (self.shape[axis] - 1) * stride;
        }
        false
    }

    /// The axes in reverse order (NumPy's `.T`).
    pub fn transposed(&self) -> Layout {
        let axes: Vec<usize> = (0..self.shape.len()).rev().collect();
        self.permuted(&axes)
    }

    /// Axis `k` of the result is axis `axes[k]` of `self`.
    ///
    /// # Panics
    /// If `axes` is not a permutation of `0..ndim`, with NumPy's message.
    pub fn permuted(&self, axes: &[usize]) -> Layout {
        let ndim = self.shape.len();
        let mut seen = vec![false; ndim];
        let is_permutation = axes.len() == ndim
            && axes
                .iter()
                .all(|&axis| axis < ndim && !std::mem::replace(&mut seen[axis], true));
        assert!(
            is_permutation,
            "axes don't match array: {axes:?} is not a permutation of the {ndim} axes"
        );
        Layout {
            offset: self.offset,
            shape: axes.iter().map(|&axis| self.shape[axis]).collect(),
            strides: axes.iter().map(|&axis| self.strides[axis]).collect(),
        }
    }

    /// The same elements seen with shape `target` by NumPy's broadcasting
    /// rules: shapes align on the right, missing leading axes and axes of
    /// length 1 are repeated with stride 0.
    pub fn broadcast_to(&self, target: &[usize]) -> Result<Layout, NpError> {
        let not_broadcastable = || NpError::NotBroadcastable {
            from: self.shape.clone(),
            to: target.to_vec(),
        };
        let Some(new_axes) = target.len().checked_sub(self.shape.len()) else {
            return Err(not_broadcastable());
        };
        let mut strides = vec![0; target.len()];
        for (axis, (&len, &stride)) in self.shape.iter().zip(&self.strides).enumerate() {
            let wanted = target[new_axes + axis];
            // Like NumPy's, every axis of length 1 gets stride 0, even one
            // that keeps its length: it is repeated (or not) all the same.
            strides[new_axes + axis] = if len == 1 {
                0
            } else if len == wanted {
                stride
            } else {
                return Err(not_broadcastable());
            };
        }
        Ok(Layout {
            offset: self.offset,
            shape: target.to_vec(),
            strides,
        })
    }

    /// Strides (in elements) for a new, packed array with this shape in
    /// `order`, following `self`'s layout for K and A.
    pub fn strides_for_new(&self, order: Order) -> Vec<isize> {
        match self.resolve_any(order) {
            Order::C | Order::A => c_strides(&self.shape),
            Order::F => f_strides(&self.shape),
            Order::K => self.keep_order_strides(),
        }
    }

    /// NumPy's `order='A'` for this layout: F if it is F- and not
    /// C-contiguous, else C. The other orders are returned unchanged.
    pub fn resolve_any(&self, order: Order) -> Order {
        match order {
            Order::A if self.is_f_contiguous() && !self.is_c_contiguous() => Order::F,
            Order::A => Order::C,
            other => other,
        }
    }

    /// The axes, slowest first, along which `flatten` (and a `ravel` that
    /// copies) walks the elements in `order`: C walks the axes as they are
    /// (the last index fastest), F reversed, K as the elements lie in
    /// memory. Permuting the axes this way and walking in C order visits
    /// the elements in `order`.
    pub fn walk_axes(&self, order: Order) -> Vec<usize> {
        let ndim = self.shape.len();
        match self.resolve_any(order) {
            Order::C | Order::A => (0..ndim).collect(),
            Order::F => (0..ndim).rev().collect(),
            Order::K => self.keep_order_walk(),
        }
    }

    /// NumPy's walk in K order (its iterator's, which `flatten` and
    /// `ravel` use): the axes sorted so that |stride| falls from the
    /// slowest axis to the fastest, with the index still running forwards
    /// on reversed axes. An axis of length 1 or of stride 0 (a broadcast
    /// one) gives no reason to move, so it stays where C order puts it
    /// unless an axis that must move passes it.
    ///
    /// The sort is an insertion sort, and the details matter because with
    /// such axes the result is not a plain sort: the axes are placed from
    /// the last to the first into a list kept fastest first; each looks
    /// back over the placed axes, passing those whose |stride| is larger
    /// and those that give no reason, stops at the first whose |stride| is
    /// not larger, and lands just ahead of the last larger one it passed.
    /// (Checked against NumPy 2.3's `flatten(order='K')` on tens of
    /// thousands of random layouts.)
    fn keep_order_walk(&self) -> Vec<usize> {
        let ndim = self.shape.len();
        let weight = |axis: usize| {
            (self.shape[axis] > 1 && self.strides[axis] != 0)
                .then(|| self.strides[axis].unsigned_abs())
        };
        let mut fastest_first: Vec<usize> = Vec::with_capacity(ndim);
        for axis in (0..ndim).rev() {
            let mut position = fastest_first.len();
            if let Some(own) = weight(axis) {
                for (i, &placed) in fastest_first.iter().enumerate().rev() {
                    match weight(placed) {
                        None => continue,
                        Some(theirs) if theirs > own => position = i,
                        Some(_) => break,
                    }
                }
            }
            fastest_first.insert(position, axis);
        }
        fastest_first.reverse();
        fastest_first
    }

    /// A 1-D layout with stride 1 over the same elements, walking them in
    /// `order`, if the elements allow one: NumPy's `ravel` makes a view
    /// exactly then. C needs a C-contiguous layout, F an F-contiguous one
    /// (A picks one of them, as for copies), and K any layout whose axes
    /// can be reordered into a contiguous block with positive strides: a
    /// transposed or permuted contiguous array, but no reversed axis and
    /// no broadcast one.
    pub fn flat_view(&self, order: Order) -> Option<Layout> {
        let viewable = match self.resolve_any(order) {
            Order::C | Order::A => self.is_c_contiguous(),
            Order::F => self.is_f_contiguous(),
            Order::K => self.is_packed_in_some_axis_order(),
        };
        // Every stride that moves is positive in each case, so the first
        // element is also the lowest one.
        viewable.then(|| Layout {
            offset: self.offset,
            shape: vec![self.size()],
            strides: vec![1],
        })
    }

    /// Whether the axes that move (length above 1), sorted by stride,
    /// fastest first, have the strides of a packed array: 1, then each
    /// the previous times its length. Negative and zero strides fail.
    fn is_packed_in_some_axis_order(&self) -> bool {
        let mut moving: Vec<(usize, isize)> = self
            .shape
            .iter()
            .zip(&self.strides)
            .filter(|&(&len, _)| len > 1)
            .map(|(&len, &stride)| (len, stride))
            .collect();
        moving.sort_by_key(|&(_, stride)| stride.unsigned_abs());
        let mut packed_stride = 1_isize;
        for (len, stride) in moving {
            if stride != packed_stride {
                return false;
            }
            packed_stride *= len as isize;
        }
        true
    }

    /// This layout without the leading axes of length 1 that it has
    /// beyond `ndim` axes: NumPy drops them from the source of an
    /// assignment (`a[...] = b`, `np.copyto`), so a `(1, 3)` source fills
    /// a `(3,)` destination.
    pub fn without_extra_unit_axes(&self, ndim: usize) -> Layout {
        let extra = self.shape.len().saturating_sub(ndim);
        let droppable = self.shape[..extra]
            .iter()
            .take_while(|&&len| len == 1)
            .count();
        Layout {
            offset: self.offset,
            shape: self.shape[droppable..].to_vec(),
            strides: self.strides[droppable..].to_vec(),
        }
    }

    /// NumPy's `order='K'`: C if already C-contiguous (or at most 1-D), F if
    /// F-contiguous, otherwise sort the axes by decreasing |stride| (ties
    /// keep C order) and pack them in that order, so a transposed or
    /// stepped array is copied with the same axis order, without gaps, and
    /// with positive strides.
    fn keep_order_strides(&self) -> Vec<isize> {
        if self.shape.len() <= 1 || self.is_c_contiguous() {
            return c_strides(&self.shape);
        }
        if self.is_f_contiguous() {
            return f_strides(&self.shape);
        }
        let mut slowest_first: Vec<usize> = (0..self.shape.len()).collect();
        // A stable sort: equal strides keep their C order.
        slowest_first.sort_by_key(|&axis| std::cmp::Reverse(self.strides[axis].unsigned_abs()));
        packed_strides(&self.shape, slowest_first.iter().rev().copied())
    }
}

/// The shape that arrays of shapes `a` and `b` broadcast to together
/// (NumPy's rules: align on the right; on each axis the lengths are equal
/// or one of them is 1), or `None` if they do not.
pub(crate) fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let ndim = a.len().max(b.len());
    // The length of axis `axis` of the result, seen from `shape`: 1 where
    // `shape` has no such axis.
    let length = |shape: &[usize], axis: usize| {
        (axis + shape.len())
            .checked_sub(ndim)
            .map_or(1, |own| shape[own])
    };
    (0..ndim)
        .map(|axis| match (length(a, axis), length(b, axis)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

/// C-order strides: the last axis has stride 1. Like NumPy, an axis of
/// length 0 counts as length 1 here, so empty arrays still get strides that
/// say which axis is fastest.
pub(crate) fn c_strides(shape: &[usize]) -> Vec<isize> {
    packed_strides(shape, (0..shape.len()).rev())
}

/// F-order strides: the first axis has stride 1.
pub(crate) fn f_strides(shape: &[usize]) -> Vec<isize> {
    packed_strides(shape, 0..shape.len())
}

/// Strides of a packed array whose axes, fastest first, are `fastest_first`.
fn packed_strides(shape: &[usize], fastest_first: impl Iterator<Item = usize>) -> Vec<isize> {
    let mut strides = vec![0; shape.len()];
    let mut step = 1_isize;
    for axis in fastest_first {
        strides[axis] = step;
        step *= shape[axis].max(1) as isize;
    }
    strides
}

/// The buffer offsets of a layout's elements in C order (an odometer over
/// the index).
#[cfg(test)]
pub(crate) struct Offsets<'a> {
    layout: &'a Layout,
    index: Vec<usize>,
    /// The offset to yield next; `None` when done.
    next: Option<isize>,
}

#[cfg(test)]
impl Iterator for Offsets<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let current = self.next?;
        // Advance the last axis; carry into earlier axes like an odometer.
        self.next = None;
        let mut offset = current;
        for axis in (0..self.index.len()).rev() {
            let stride = self.layout.strides[axis];
            if self.index[axis] + 1 < self.layout.shape[axis] {
                self.index[axis] += 1;
                self.next = Some(offset + stride);
                break;
            }
            offset -= (self.index[axis] as isize) * stride;
            self.index[axis] = 0;
        }
        Some(current as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(offset: usize, shape: &[usize], strides: &[isize]) -> Layout {
        Layout::new(offset, shape, strides)
    }

    #[test]
    fn packed_strides_follow_numpy() {
        assert_eq!(c_strides(&[2, 3, 4]), vec![12, 4, 1]);
        assert_eq!(f_strides(&[2, 3, 4]), vec![1, 2, 6]);
        // Zero-length axes count as 1, as in NumPy.
        assert_eq!(c_strides(&[2, 0, 3]), vec![3, 3, 1]);
        assert_eq!(c_strides(&[]), Vec::<isize>::new());
    }

    #[test]
    fn contiguity_ignores_axes_of_length_one() {
        assert!(layout(0, &[3, 1], &[1, 99]).is_c_contiguous());
        assert!(layout(0, &[3, 1], &[1, 99]).is_f_contiguous());
        assert!(!layout(0, &[3, 4], &[1, 3]).is_c_contiguous());
        assert!(layout(0, &[3, 4], &[1, 3]).is_f_contiguous());
        assert!(layout(0, &[0, 4], &[7, 7]).is_c_contiguous());
        assert!(layout(0, &[], &[]).is_c_contiguous());
    }

    #[test]
    fn offsets_run_in_c_order_with_negative_strides() {
        // A 2x3 C array, reversed along axis 1: first element at offset 2.
        let reversed = layout(2, &[2, 3], &[3, -1]);
        assert_eq!(
            reversed.offsets().collect::<Vec<_>>(),
            vec![2, 1, 0, 5, 4, 3]
        );
        assert_eq!(reversed.offset_bounds(), Some((0, 5)));
        assert_eq!(layout(0, &[0, 3], &[3, 1]).offsets().count(), 0);
        assert_eq!(layout(4, &[], &[]).offsets().collect::<Vec<_>>(), vec![4]);
    }

    #[test]
    fn element_offsets_are_checked() {
        let l = layout(1, &[2, 3], &[3, 1]);
        assert_eq!(l.element_offset(&[1, 2]), Some(6));
        assert_eq!(l.element_offset(&[2, 0]), None);
        assert_eq!(l.element_offset(&[1]), None);
    }

    #[test]
    fn broadcasting_aligns_on_the_right() {
        let row = layout(0, &[3], &[1]);
        let b = row.broadcast_to(&[2, 3]).unwrap();
        assert_eq!(b.strides, vec![0, 1]);
        assert!(b.may_overlap());
        let column = layout(0, &[2, 1], &[1, 1]);
        assert_eq!(column.broadcast_to(&[2, 4]).unwrap().strides, vec![1, 0]);
        assert!(row.broadcast_to(&[2, 4]).is_err());
        assert!(row.broadcast_to(&[]).is_err());
    }

    #[test]
    fn keep_order_sorts_axes_by_stride() {
        // A transposed 3x4x5 C array keeps its memory order in a K copy.
        let transposed = layout(0, &[3, 4, 5], &[20, 5, 1]).permuted(&[2, 0, 1]);
        assert_eq!(transposed.strides_for_new(Order::K), vec![1, 20, 5]);
        // Stepped and reversed: packed, positive, same axis order.
        let stepped = layout(10, &[2, 3], &[-10, 2]);
        assert_eq!(stepped.strides_for_new(Order::K), vec![3, 1]);
        let f = layout(0, &[2, 3], &[1, 2]);
        assert_eq!(f.strides_for_new(Order::A), vec![1, 2]);
        assert_eq!(f.strides_for_new(Order::C), vec![3, 1]);
    }

    /// The elements of `l` in the order `flatten` walks them in `order`.
    fn walked(l: &Layout, order: Order) -> Vec<usize> {
        l.permuted(&l.walk_axes(order)).offsets().collect()
    }

    #[test]
    fn walks_in_k_order_follow_numpy() {
        // NumPy 2.3's `flatten(order='K')` of these layouts (made with
        // `as_strided` over `arange`), written out.
        let broadcast_rows = layout(0, &[2, 3], &[0, 1]);
        assert_eq!(walked(&broadcast_rows, Order::K), vec![0, 1, 2, 0, 1, 2]);
        let reversed_transpose = layout(3, &[3, 2], &[1, -3]);
        assert_eq!(
            walked(&reversed_transpose, Order::K),
            vec![3, 4, 5, 0, 1, 2]
        );
        let reversed_broadcast = layout(3, &[2, 4], &[0, -1]);
        assert_eq!(
            walked(&reversed_broadcast, Order::K),
            vec![3, 2, 1, 0, 3, 2, 1, 0]
        );
        let permuted = layout(0, &[4, 2, 3], &[1, 12, 4]);
        assert_eq!(walked(&permuted, Order::K), (0..24).collect::<Vec<_>>());
        // Axes of length 1 and broadcast axes set no order of their own.
        let mixed = layout(0, &[2, 4, 3, 1], &[48, 1, 0, 8]);
        let rows: Vec<usize> = [0, 1, 2, 3, 48, 49, 50, 51].into_iter().collect();
        let expected: Vec<usize> = rows.iter().flat_map(|&r| [r; 3]).collect();
        assert_eq!(walked(&mixed, Order::K), expected);
        let passed_over = layout(36, &[3, 1, 3, 4], &[1, 24, 0, -12]);
        let block: Vec<usize> = [36, 37, 38, 24, 25, 26, 12, 13, 14, 0, 1, 2].into();
        assert_eq!(walked(&passed_over, Order::K), block.repeat(3));
        let two_broadcasts = layout(96, &[3, 1, 4, 2, 1], &[0, 2, 24, 0, -96]);
        let pairs: Vec<usize> = [96, 120, 144, 168].iter().flat_map(|&x| [x, x]).collect();
        assert_eq!(walked(&two_broadcasts, Order::K), pairs.repeat(3));
        // C and F walks, and A for an F-contiguous layout.
        let f = layout(0, &[2, 3], &[1, 2]);
        assert_eq!(walked(&f, Order::C), vec![0, 2, 4, 1, 3, 5]);
        assert_eq!(walked(&f, Order::F), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(walked(&f, Order::A), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(walked(&f, Order::K), vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn flat_views_exist_only_for_contiguous_walks() {
        let flat = |l: &Layout, order| l.flat_view(order).map(|v| (v.offset, v.strides));
        let c = layout(2, &[2, 3], &[3, 1]);
        assert_eq!(flat(&c, Order::C), Some((2, vec![1])));
        assert_eq!(flat(&c, Order::F), None);
        assert_eq!(flat(&c, Order::K), Some((2, vec![1])));
        let t = c.transposed();
        assert_eq!(flat(&t, Order::C), None);
        assert_eq!(flat(&t, Order::F), Some((2, vec![1])));
        assert_eq!(flat(&t, Order::A), Some((2, vec![1])));
        assert_eq!(flat(&t, Order::K), Some((2, vec![1])));
        // A permuted cube: only K.
        let cube = layout(0, &[4, 2, 3], &[1, 12, 4]);
        assert_eq!(flat(&cube, Order::A), None);
        assert_eq!(flat(&cube, Order::K), Some((0, vec![1])));
        // Reversed, stepped and broadcast layouts are never viewed flat.
        for never in [
            layout(5, &[2, 3], &[-3, -1]),
            layout(0, &[4], &[2]),
            layout(0, &[2, 3], &[0, 1]),
        ] {
            for order in [Order::C, Order::F, Order::A, Order::K] {
                assert_eq!(flat(&never, order), None, "{never:?} {order:?}");
            }
        }
        // Axes of length 1 do not count, whatever their stride.
        let row = layout(6, &[1, 6], &[-6, 1]);
        assert_eq!(flat(&row, Order::C), Some((6, vec![1])));
        assert_eq!(flat(&row, Order::K), Some((6, vec![1])));
    }

    #[test]
    fn shapes_broadcast_together_on_the_right() {
        assert_eq!(broadcast_shapes(&[2, 3], &[3]), Some(vec![2, 3]));
        assert_eq!(broadcast_shapes(&[3], &[2, 1]), Some(vec![2, 3]));
        assert_eq!(broadcast_shapes(&[2, 3], &[1, 2, 3]), Some(vec![1, 2, 3]));
        assert_eq!(broadcast_shapes(&[0, 3], &[1]), Some(vec![0, 3]));
        assert_eq!(broadcast_shapes(&[], &[4]), Some(vec![4]));
        assert_eq!(broadcast_shapes(&[2, 3], &[4]), None);
        assert_eq!(broadcast_shapes(&[0, 3], &[2, 3]), None);
    }

    #[test]
    fn assignment_sources_lose_extra_leading_unit_axes() {
        let source = layout(0, &[1, 1, 3], &[3, 3, 1]);
        assert_eq!(source.without_extra_unit_axes(2).shape, vec![1, 3]);
        assert_eq!(source.without_extra_unit_axes(1).strides, vec![1]);
        assert_eq!(source.without_extra_unit_axes(0).shape, vec![3]);
        let kept = layout(0, &[2, 1, 3], &[3, 3, 1]);
        assert_eq!(kept.without_extra_unit_axes(2).shape, vec![2, 1, 3]);
    }

    #[test]
    fn overlap_detection() {
        assert!(!layout(0, &[3, 4], &[4, 1]).may_overlap());
        assert!(!layout(0, &[3, 4], &[1, 3]).may_overlap());
        assert!(layout(0, &[3, 4], &[1, 1]).may_overlap());
        assert!(!layout(0, &[1, 4], &[0, 1]).may_overlap());
    }
}
