//! Printing: `Display` shows the elements in ndarray's nested brackets,
//! with every float written as a float; `Debug` adds the layout (shape,
//! strides, offset, flags).
//!
//! ndarray prints a float array with `Display` for each element, so
//! `[0.0, -1.0, 4.5]` comes out as `[0, -1, 4.5]`, which looks like
//! integers. NumPy never hides the dtype that way (it prints
//! `[ 0. -1.  4.5]`), so floats here use Rust's `Debug` for each element
//! (`0.0`, `-1.0`, `4.5`, `1e-7`, `NaN`), which always shows that the
//! number is a float. The brackets, separators and the `...` that shortens
//! large arrays are ndarray's own (integers and `bool` print exactly as
//! ndarray prints them), so that everything prints alike.

use std::any::TypeId;
use std::fmt;

use memscope_cell_abi::process::{BEGIN_CONTENT, END_CONTENT};
use ndarray::{ArrayView, Axis, IxDyn};

use super::borrow::view_of;
use super::{Element, NpArray, NpView, NpViewMut};

/// The elements in nested brackets (`[[1, 2],\n [3, 4]]`; floats
/// `[1.0, 2.5]`); number formatting such as `{:.2}` applies to each
/// element, and `{:#}` prints large arrays in full instead of shortened
/// with `...`.
///
/// ```
/// use memscope_prelude::*;
/// let a = np::arange(0, 4, 1).reshape(&[2, 2]);
/// assert_eq!(a.to_string(), "[[0, 1],\n [2, 3]]");
/// let x = np::array(&[0.0, -1.0, 4.5]);
/// assert_eq!(x.to_string(), "[0.0, -1.0, 4.5]");
/// assert_eq!(format!("{x:.2}"), "[0.00, -1.00, 4.50]");
/// ```
impl<T: Element> NpArray<T> {
    /// How a notebook shows an array that ends a cell: its elements, as
    /// `println!("{a}")` prints them (evcxr calls this method by name).
    pub fn evcxr_display(&self) {
        println!("{BEGIN_CONTENT} text/plain\n{self}\n{END_CONTENT}");
    }
}

impl<T: Element> fmt::Display for NpArray<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Printing must not panic: while a `view_mut()` is alive the
        // elements cannot be read, so say so instead.
        match self.buffer.try_borrow() {
            Some(elements) => write_elements(view_of(&elements, &self.layout), f),
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

/// How many entries of an axis are printed before it is shortened to its
/// first and last few around `...`: ndarray's limits, which apply only to
/// arrays of at least [`SHORTENED_FROM`] elements.
const LAST_AXIS_LIMIT: usize = 11;
const NEXT_TO_LAST_AXIS_LIMIT: usize = 11;
const OTHER_AXES_LIMIT: usize = 6;
const SHORTENED_FROM: usize = 500;

/// Writes `view`'s elements as `Display` shows an `NpArray` (and the
/// guards of `view()` and `view_mut()`).
pub(crate) fn write_elements<T: Element>(
    view: ArrayView<'_, T, IxDyn>,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    let shorten = !f.alternate() && view.len() >= SHORTENED_FROM;
    let printer = Printer {
        ndim: view.ndim(),
        shorten,
        float: is_float::<T>(),
    };
    printer.write(&view, 0, f)
}

/// Whether `T` is a float, which prints with `Debug` (`1.0`, not `1`).
pub(crate) fn is_float<T: 'static>() -> bool {
    TypeId::of::<T>() == TypeId::of::<f64>() || TypeId::of::<T>() == TypeId::of::<f32>()
}

/// One element as an [`NpArray`] prints it: floats with their point.
pub(crate) fn element_text<T: Element>(element: &T) -> String {
    if is_float::<T>() {
        format!("{element:?}")
    } else {
        element.to_string()
    }
}

/// What stays the same while the nested brackets are written.
struct Printer {
    /// The rank of the whole array.
    ndim: usize,
    /// Whether long axes are shortened with `...`.
    shorten: bool,
    /// Whether the elements are floats (written with `Debug`).
    float: bool,
}

impl Printer {
    /// Writes `view`, the part of the array below `depth` fixed indices.
    fn write<T: Element>(
        &self,
        view: &ArrayView<'_, T, IxDyn>,
        depth: usize,
        f: &mut fmt::Formatter<'_>,
    ) -> fmt::Result {
        if view.is_empty() {
            // Any empty axis empties the whole: `[[]]` for two axes.
            let rank = view.ndim();
            return write!(f, "{}{}", "[".repeat(rank), "]".repeat(rank));
        }
        if view.ndim() == 0 {
            return self.write_element(&view[IxDyn(&[])], f);
        }
        // Rows of a matrix are separated by a line break and indented under
        // the first; each further axis adds a blank line between blocks.
        let separator = if view.ndim() == 1 {
            ", ".to_owned()
        } else {
            format!(
                ",\n{}{}",
                "\n".repeat(view.ndim() - 2),
                " ".repeat(depth + 1)
            )
        };
        let axes_after = self.ndim - depth - 1;
        f.write_str("[")?;
        for (position, entry) in self.shown(view.len_of(Axis(0)), axes_after).enumerate() {
            if position > 0 {
                f.write_str(&separator)?;
            }
            match entry {
                None => f.write_str("...")?,
                Some(index) if view.ndim() == 1 => self.write_element(&view[IxDyn(&[index])], f)?,
                Some(index) => self.write(&view.index_axis(Axis(0), index), depth + 1, f)?,
            }
        }
        f.write_str("]")
    }

    /// The indices printed along an axis of `len` entries with `axes_after`
    /// axes after it, `None` standing for the `...`: all of them, or the
    /// first and last `limit / 2`.
    fn shown(&self, len: usize, axes_after: usize) -> impl Iterator<Item = Option<usize>> {
        let limit = match axes_after {
            0 => LAST_AXIS_LIMIT,
            1 => NEXT_TO_LAST_AXIS_LIMIT,
            _ => OTHER_AXES_LIMIT,
        };
        let (head_end, tail_start) = if self.shorten && len > limit {
            (limit / 2, len - limit / 2)
        } else {
            (len, len)
        };
        let ellipsis = (head_end < tail_start).then_some(None);
        (0..head_end)
            .map(Some)
            .chain(ellipsis)
            .chain((tail_start..len).map(Some))
    }

    fn write_element<T: Element>(&self, element: &T, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.float {
            // `Debug` of a float honours width, sign and precision like
            // `Display`, and keeps the decimal point (or exponent) that
            // `Display` drops from whole numbers.
            fmt::Debug::fmt(element, f)
        } else {
            fmt::Display::fmt(element, f)
        }
    }
}

/// The elements, as an [`NpArray`] prints them (floats as floats).
impl<T: Element> fmt::Display for NpView<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_elements(self.view(), f)
    }
}

/// The elements, as an [`NpArray`] prints them (floats as floats).
impl<T: Element> fmt::Display for NpViewMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_elements(self.view(), f)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{ArrayD, IxDyn};

    use crate::nparray::NpArray;

    /// Integers print exactly as ndarray prints them, in every rank and
    /// with and without shortening.
    #[test]
    fn integers_print_as_ndarray_prints_them() {
        let shapes: &[&[usize]] = &[
            &[],
            &[0],
            &[5],
            &[2, 0, 3],
            &[3, 4],
            &[2, 3, 4],
            &[2, 2, 2, 2],
            &[600],
            &[30, 30],
            &[4, 5, 30],
            &[12, 3, 3, 5],
        ];
        for shape in shapes {
            let size: usize = shape.iter().product();
            let elements: Vec<i64> = (0..size as i64).map(|x| x * 7 - 50).collect();
            let plain = ArrayD::from_shape_vec(IxDyn(shape), elements.clone()).unwrap();
            let ours = NpArray::from_shape_vec(shape, elements).unwrap();
            assert_eq!(ours.to_string(), plain.to_string(), "{shape:?}");
            assert_eq!(format!("{ours:#}"), format!("{plain:#}"), "{shape:?}");
            assert_eq!(format!("{ours:4}"), format!("{plain:4}"), "{shape:?}");
        }
        let flags = NpArray::from_vec(vec![true, false]);
        assert_eq!(flags.to_string(), "[true, false]");
    }

    #[test]
    fn floats_keep_their_decimal_point() {
        let x = NpArray::from_vec(vec![0.0, -1.0, 4.5, f64::NAN, f64::INFINITY, -0.0]);
        assert_eq!(x.to_string(), "[0.0, -1.0, 4.5, NaN, inf, -0.0]");
        assert_eq!(format!("{x:.1}"), "[0.0, -1.0, 4.5, NaN, inf, -0.0]");
        assert_eq!(
            format!("{x:6.2}"),
            "[  0.00,  -1.00,   4.50,    NaN,    inf,  -0.00]"
        );
        let m = NpArray::<f32>::from_shape_vec(&[2, 2], vec![1.0, 2.0, 3.0, 1e-7]).unwrap();
        assert_eq!(m.to_string(), "[[1.0, 2.0],\n [3.0, 1e-7]]");
        assert_eq!(NpArray::<f64>::zeros([]).to_string(), "0.0");
        let long = NpArray::<f64>::zeros([1000]).to_string();
        assert_eq!(
            long,
            format!(
                "[{}, ..., {}]",
                ["0.0"; 5].join(", "),
                ["0.0"; 5].join(", ")
            )
        );
    }
}
