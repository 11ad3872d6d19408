//! What NumPy takes as a shape: an integer for one axis, a tuple of
//! integers, or a sequence of them. `np.zeros(3)`, `np.zeros((2, 3))` and
//! `np.zeros([2, 3])` are all written that way in Python, so
//! `np::zeros(3)`, `np::zeros((2, 3))` and `np::zeros(&[2, 3])` are here.

/// A shape: the length of each axis, outermost first. Implemented for
/// `usize` (one axis), tuples of up to six `usize`s, `()` (no axis: one
/// element, as NumPy's `np.zeros(())`), arrays, slices and vectors of
/// `usize` and references to them, so an integer literal in any of these
/// is a `usize` without saying so, and `a.shape()` is a shape too.
pub trait ShapeLike {
    /// The lengths of the axes.
    fn axis_lengths(self) -> Vec<usize>;
}

impl ShapeLike for usize {
    fn axis_lengths(self) -> Vec<usize> {
        vec![self]
    }
}

impl ShapeLike for &[usize] {
    fn axis_lengths(self) -> Vec<usize> {
        self.to_vec()
    }
}

impl<const N: usize> ShapeLike for [usize; N] {
    fn axis_lengths(self) -> Vec<usize> {
        self.to_vec()
    }
}

impl<const N: usize> ShapeLike for &[usize; N] {
    fn axis_lengths(self) -> Vec<usize> {
        self.to_vec()
    }
}

impl ShapeLike for Vec<usize> {
    fn axis_lengths(self) -> Vec<usize> {
        self
    }
}

impl ShapeLike for &Vec<usize> {
    fn axis_lengths(self) -> Vec<usize> {
        self.clone()
    }
}

/// `ShapeLike` for the tuples of the given element names, one `usize` each.
macro_rules! tuple_shapes {
    ($($axis:ident)*) => {
        impl ShapeLike for ($(tuple_shapes!(@usize $axis),)*) {
            #[allow(non_snake_case)]
            fn axis_lengths(self) -> Vec<usize> {
                let ($($axis,)*) = self;
                vec![$($axis),*]
            }
        }
    };
    (@usize $axis:ident) => { usize };
}

tuple_shapes!();
tuple_shapes!(A);
tuple_shapes!(A B);
tuple_shapes!(A B C);
tuple_shapes!(A B C D);
tuple_shapes!(A B C D E);
tuple_shapes!(A B C D E F);

#[cfg(test)]
mod tests {
    use super::*;

    /// The axis lengths of `shape`, through the trait as a function
    /// taking a shape sees it.
    fn lengths(shape: impl ShapeLike) -> Vec<usize> {
        shape.axis_lengths()
    }

    #[test]
    // The borrowed forms are what is being tested.
    #[allow(clippy::needless_borrows_for_generic_args)]
    fn every_form_numpy_takes_gives_its_axes() {
        assert_eq!(lengths(3), [3]);
        assert_eq!(lengths(()), Vec::<usize>::new());
        assert_eq!(lengths((4,)), [4]);
        assert_eq!(lengths((2, 3)), [2, 3]);
        assert_eq!(lengths((1, 2, 3, 4, 5, 6)), [1, 2, 3, 4, 5, 6]);
        assert_eq!(lengths(&[2, 3]), [2, 3]);
        assert_eq!(lengths([2, 3]), [2, 3]);
        assert_eq!(lengths(vec![2, 3]), [2, 3]);
        let shape = vec![5, 1];
        assert_eq!(lengths(&shape), [5, 1]);
        assert_eq!(lengths(&shape[..]), [5, 1]);
    }
}
