//! NumPy's memory orders, on their own: the layout arithmetic and the
//! errors both name them, and neither depends on the other for it.

/// NumPy's memory orders: the `order` argument of `numpy.copy`,
/// `numpy.empty_like`, `numpy.asarray`, ... (how a new array is laid out),
/// and of `ravel`, `flatten` and `reshape` (in which order the elements are
/// read; `reshape` takes no K).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Order {
    /// Keep the source's layout as closely as possible: C or F if it is
    /// contiguous that way, otherwise the axes ordered as its strides are
    /// (largest stride first), with no gaps and no negative strides. For
    /// reading, the order in which the elements lie in memory.
    #[default]
    K,
    /// F if the source is Fortran-contiguous and not C-contiguous, else C.
    A,
    /// Row-major: the last index varies fastest.
    C,
    /// Column-major (Fortran): the first index varies fastest.
    F,
}
