//! The errors of fallible [`NpArray`](super::NpArray) operations, worded like
//! NumPy's so that a notebook user recognises them.

use std::fmt;

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

/// Why an array could not be built, reshaped or broadcast.
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
