//! The element types an [`NpArray`](super::NpArray) can hold, with their
//! NumPy-style dtype names, and the arithmetic `np::arange` needs.
//!
//! The set is closed (the trait is sealed): the plain numbers and `bool`,
//! exactly the types the kernel knows how to describe, generated from
//! `memscope-cell-abi`'s one list of them.

use std::fmt;

mod sealed {
    pub trait Sealed {}
}

/// An element type of [`NpArray`](super::NpArray): a plain number or `bool`.
///
/// `DTYPE` is the short name the kernel shows (`"f64"`, `"i32"`, `"bool"`),
/// `ZERO` and `ONE` are what `np::zeros` and `np::ones` fill with.
///
/// ```
/// use memscope_prelude::nparray::Element;
/// assert_eq!(<f64 as Element>::DTYPE, "f64");
/// assert_eq!(<bool as Element>::ONE, true);
/// ```
pub trait Element:
    sealed::Sealed
    + Copy
    + PartialEq
    + Default
    + fmt::Debug
    + fmt::Display
    + crate::arrays::Arrays
    + 'static
{
    /// The element type's name: `"f64"`, `"u8"`, `"bool"`, ...
    const DTYPE: &'static str;
    /// `0` (or `false`).
    const ZERO: Self;
    /// `1` (or `true`).
    const ONE: Self;
}

macro_rules! element {
    (bool) => {
        impl sealed::Sealed for bool {}
        impl Element for bool {
            const DTYPE: &'static str = "bool";
            const ZERO: Self = false;
            const ONE: Self = true;
        }
    };
    ($t:ident) => {
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: &'static str = stringify!($t);
            const ZERO: Self = 0 as $t;
            const ONE: Self = 1 as $t;
        }
    };
}
macro_rules! elements {
    ($($t:ident)*) => { $(element!($t);)* };
}
memscope_cell_abi::for_each_dtype!(elements);

/// The numbers `np::arange` can count with: how many values a half-open
/// range `start, start + step, ...` (stopping before `stop`) has, and the
/// value at a position.
pub trait Arange: Element {
    /// The number of values of the range; 0 if `step` points away from `stop`.
    ///
    /// # Panics
    /// If `step` is zero.
    fn arange_len(start: Self, stop: Self, step: Self) -> usize;
    /// `start + index * step`.
    fn arange_value(start: Self, step: Self, index: usize) -> Self;
}

macro_rules! float_arange {
    ($($t:ty),*) => {$(
        impl Arange for $t {
            fn arange_len(start: Self, stop: Self, step: Self) -> usize {
                assert!(step != 0.0, "arange: step must not be zero");
                // NumPy's rule: ceil((stop - start) / step) values, none
                // if that is negative or NaN.
                let count = ((stop - start) / step).ceil();
                if count.is_nan() || count <= 0.0 {
                    0
                } else {
                    count as usize
                }
            }
            fn arange_value(start: Self, step: Self, index: usize) -> Self {
                // Multiplying (rather than adding `step` repeatedly) keeps
                // rounding errors from piling up along a long range.
                start + index as $t * step
            }
        }
    )*};
}
float_arange!(f32, f64);

macro_rules! integer_arange {
    ($($t:ty),*) => {$(
        impl Arange for $t {
            fn arange_len(start: Self, stop: Self, step: Self) -> usize {
                assert!(step != 0, "arange: step must not be zero");
                // In i128, where `stop - start` cannot overflow for any
                // narrower type; u128 values above i128::MAX are refused.
                let wide = |v: $t| {
                    i128::try_from(v).expect("arange: value too large for an integer range")
                };
                let (start, stop, step) = (wide(start), wide(stop), wide(step));
                let distance = stop.checked_sub(start).expect("arange: range too large");
                if distance == 0 || (distance > 0) != (step > 0) {
                    return 0; // stepping away from `stop`
                }
                // ceil(distance / step), both of one sign.
                let whole_steps = distance / step;
                let count = whole_steps + i128::from(distance % step != 0);
                usize::try_from(count).expect("arange: too many values")
            }
            fn arange_value(start: Self, step: Self, index: usize) -> Self {
                let wide = |v: $t| v as i128;
                let value = wide(start) + index as i128 * wide(step);
                value as $t
            }
        }
    )*};
}
integer_arange!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);
