//! Printing: `Display` shows the elements as ndarray (and NumPy) print
//! them; `Debug` adds the layout (shape, strides, offset, flags).

use std::fmt;

use super::borrow::view_of;
use super::{Element, NpArray};

/// The elements, as ndarray prints them (`[[1, 2],\n [3, 4]]`); number
/// formatting such as `{:.2}` applies to each element.
///
/// ```
/// use memscope_prelude::*;
/// let a = np::arange(0, 4, 1).reshape(&[2, 2]);
/// assert_eq!(a.to_string(), "[[0, 1],\n [2, 3]]");
/// ```
impl<T: Element> NpArray<T> {
    /// How a notebook shows an array that ends a cell: its elements, as
    /// `println!("{a}")` prints them (evcxr calls this method by name).
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/plain\n{self}\nEVCXR_END_CONTENT");
    }
}

impl<T: Element> fmt::Display for NpArray<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Printing must not panic: while a `view_mut()` is alive the
        // elements cannot be read, so say so instead.
        match self.buffer.try_borrow() {
            Some(elements) => fmt::Display::fmt(&view_of(&elements, &self.layout), f),
            None => write!(
                f,
                "<NpArray of shape {}: elements hidden while a view_mut() of its buffer is alive>",
                self.shape_text()
            ),
        }
    }
}

/// The layout and flags, then the elements.
impl<T: Element> fmt::Debug for NpArray<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// Shows its text verbatim inside `debug_struct`.
        struct Verbatim(String);
        impl fmt::Debug for Verbatim {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        f.debug_struct("NpArray")
            .field("dtype", &T::DTYPE)
            .field("shape", &self.shape())
            .field("strides", &self.strides())
            .field("offset", &self.layout.offset)
            .field("owns_data", &self.owns_data)
            .field("writeable", &self.writeable)
            .field("data", &Verbatim(self.to_string()))
            .finish()
    }
}
