//! The errors of fallible [`NpArray`](super::NpArray) operations, worded like
//! NumPy's so that a notebook user recognises them.

use std::fmt;

use super::order::Order;

/// A shape in Python's notation: `(3, 4)`, `(3,)`, `()`.
pub(crate) fn shape_tuple(shape: &[usize]) -> String {
    match shape {
        [single] => format!("({single},)"),
        _ => {
            let lengths: Vec<String> = shape.iter().map(usize::to_string).collect();
            format!("({})", lengths.join(", "))
        }
    }
}

/// Why an array could not be built, reshaped, broadcast, converted or
/// written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NpError {
    /// The number of elements does not match the requested shape.
    SizeMismatch { size: usize, shape: Vec<usize> },
    /// `from` cannot be broadcast to `to` (NumPy's broadcasting rules: align
    /// the shapes on the right; each axis must be equal or 1 in `from`).
    NotBroadcastable { from: Vec<usize>, to: Vec<usize> },
    /// A reshape that was asked for as a view would need a copy, because the
    /// elements are not laid out so that new strides can walk them.
    CopyRequired {
        shape: Vec<usize>,
        strides: Vec<isize>,
        new_shape: Vec<usize>,
    },
    /// A conversion asked never to copy (`np::CopyMode::Never`), but the
    /// array is not contiguous in the order asked for (NumPy's
    /// `np.asarray(a, order=..., copy=False)`).
    CopyNotAllowed {
        order: Order,
        shape: Vec<usize>,
        strides: Vec<isize>,
    },
    /// The destination of a copy (`np::copyto`) is read-only.
    ReadOnly,
    /// The source of a copy cannot be broadcast to the destination's shape
    /// (NumPy's rules for assignment: align on the right, each axis equal
    /// or 1 in `from`; extra leading axes of `from` must be 1).
    NotBroadcastableInto { from: Vec<usize>, into: Vec<usize> },
}

impl fmt::Display for NpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NpError::SizeMismatch { size, shape } => write!(
                f,
                "cannot reshape array of size {size} into shape {}",
                shape_tuple(shape)
            ),
            NpError::NotBroadcastable { from, to } => write!(
                f,
                "cannot broadcast an array of shape {} to shape {}",
                shape_tuple(from),
                shape_tuple(to)
            ),
            NpError::CopyRequired {
                shape,
                strides,
                new_shape,
            } => write!(
                f,
                "unable to avoid creating a copy while reshaping: an array of shape {} with \
                 strides {:?} (in elements) cannot be viewed as shape {}",
                shape_tuple(shape),
                strides,
                shape_tuple(new_shape)
            ),
            NpError::CopyNotAllowed {
                order,
                shape,
                strides,
            } => write!(
                f,
                "Unable to avoid copy while creating an array as requested. (An array of shape {} \
                 with strides {:?} (in elements) is not {order:?}-contiguous; \
                 np::CopyMode::IfNeeded copies when needed.)",
                shape_tuple(shape),
                strides
            ),
            NpError::ReadOnly => f.write_str("assignment destination is read-only"),
            NpError::NotBroadcastableInto { from, into } => write!(
                f,
                "could not broadcast input array from shape {} into shape {}",
                shape_tuple(from),
                shape_tuple(into)
            ),
        }
    }
}

impl std::error::Error for NpError {}

#[cfg(test)]
mod tests {
    use super::shape_tuple;

    #[test]
    fn shapes_print_like_python_tuples() {
        assert_eq!(shape_tuple(&[3, 4]), "(3, 4)");
        assert_eq!(shape_tuple(&[3]), "(3,)");
        assert_eq!(shape_tuple(&[]), "()");
    }
}
