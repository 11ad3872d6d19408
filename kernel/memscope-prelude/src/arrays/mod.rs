//! [`Arrays`]: how the memory table finds the arrays a value keeps inside
//! it, so `layers[1]`, `params["w"]` and `model.w` get rows of their own.
//!
//! A value that implements [`Arrays`] hands each array it holds to an
//! [`ArrayVisitor`], under the path Rust would write to reach it. The
//! prelude implements it for every array type the table describes
//! (`NpArray`, ndarray's arrays, `Vec` and `Box<[T]>` of numbers) and for
//! std's containers of them, nested as deep as you like: `Vec`,
//! `VecDeque`, `[T; N]`, slices, `Box`, `Rc`, `Arc`, `RefCell`, `Option`,
//! `Result`, tuples of up to 12, and `HashMap`/`BTreeMap` whose keys print
//! as Rust literals (strings, integers, `char`, `bool`).
//!
//! Your own types opt in with one line, and nothing of theirs runs while
//! the table looks (no `Debug`, no `Drop`):
//!
//! ```
//! use memscope_prelude::*;
//!
//! #[derive(Arrays)]
//! struct Layer {
//!     w: NpArray<f64>,
//!     b: NpArray<f64>,
//!     name: String,
//! }
//! ```
//!
//! For a type defined without the derive (in an earlier cell, say),
//! [`arrays!`](crate::arrays!) lists the fields that hold arrays:
//!
//! ```
//! use memscope_prelude::*;
//!
//! struct Model { w: Array2<f32>, steps: u32 }
//! arrays!(Model { w });
//! ```
//!
//! Invariant: visiting reads layouts and a bounded sample of each array's
//! values (`values.rs`: at most 48 elements, never user code) and always
//! ends: depth is bounded, an `Rc` or `Arc` already on the path is not
//! entered again, and past [`ROW_LIMIT`] arrays are only counted.

mod arrays_of_numbers;
mod containers;
mod values;
mod visitor;

pub use memscope_derive::Arrays;
pub use visitor::{ArrayVisitor, PathKey};

pub(crate) use values::sample;
pub(crate) use visitor::Found;

/// A value that may keep arrays inside it.
///
/// Implement it with `#[derive(Arrays)]` or [`arrays!`](crate::arrays!);
/// a hand-written impl calls [`ArrayVisitor::field`],
/// [`ArrayVisitor::index`] or [`ArrayVisitor::key`] for each part that may
/// hold arrays.
pub trait Arrays {
    /// Whether a value of this type can hold an array at all; containers
    /// of types that cannot (`Vec<String>`) skip their elements.
    const MAY_HOLD_ARRAYS: bool = true;

    /// Hands every array inside `self` to `visitor`.
    fn visit_arrays(&self, visitor: &mut ArrayVisitor);

    /// Visits `self` as the content of a `Box`.
    #[doc(hidden)]
    fn visit_in_box(&self, visitor: &mut ArrayVisitor) {
        self.visit_arrays(visitor);
    }

    /// Visits a `Vec<Self>` or `Box<[Self]>`, element by element. Numbers
    /// override it: a vector of numbers is itself an array.
    #[doc(hidden)]
    fn visit_elements(items: &[Self], container: Container, visitor: &mut ArrayVisitor)
    where
        Self: Sized,
    {
        let _ = container;
        visit_each(items, visitor);
    }
}

/// Which contiguous container [`Arrays::visit_elements`] is visiting, for
/// the type name an array of numbers is shown with.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Vec,
    BoxedSlice,
    /// A fixed-size array or a slice: its numbers are not a row of their
    /// own (they live inside whatever holds them).
    Inline,
}

/// Visits each item of `items` under its index.
pub(crate) fn visit_each<'a, T: Arrays + 'a>(
    items: impl IntoIterator<Item = &'a T>,
    visitor: &mut ArrayVisitor,
) {
    if !T::MAY_HOLD_ARRAYS {
        return;
    }
    for (i, item) in items.into_iter().enumerate() {
        if visitor.is_full() {
            break;
        }
        visitor.index(i, |v| item.visit_arrays(v));
    }
}

/// Declares which fields of a struct hold arrays, for a type that cannot
/// take `#[derive(Arrays)]` where it is defined; the other fields are
/// never looked at.
///
/// ```
/// use memscope_prelude::*;
///
/// struct Batch { inputs: Vec<NpArray<f32>>, labels: NpArray<u8>, seed: u64 }
/// arrays!(Batch { inputs, labels });
/// ```
#[macro_export]
macro_rules! arrays {
    ($type:ty { $($field:ident),* $(,)? }) => {
        impl $crate::arrays::Arrays for $type {
            fn visit_arrays(&self, visitor: &mut $crate::arrays::ArrayVisitor) {
                $(visitor.field(stringify!($field), |v| {
                    $crate::arrays::Arrays::visit_arrays(&self.$field, v)
                });)*
            }
        }
    };
}
