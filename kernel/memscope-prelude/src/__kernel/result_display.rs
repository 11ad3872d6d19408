//! A cell's final value shown after one compile instead of two, for the
//! types cells end with most.
//!
//! evcxr shows the expression that ends a cell by compiling
//! `(expr).evcxr_display()`; for a type without such a method that compile
//! fails, and evcxr compiles the cell a second time with `{:?}` formatting.
//! The kernel imports [`ShowWithDebug`] into every session, so the first
//! compile succeeds for the standard library's types and ndarray's arrays
//! and prints exactly what the second would have printed.
//!
//! The display convention's other methods still win:
//! - a type's own (inherent) `evcxr_display`, such as
//!   [`NpArray`](crate::NpArray)'s: Rust's method lookup prefers inherent
//!   methods to trait methods;
//! - an `evcxr_display` a crate gives through a trait of its own
//!   (`evcxr_image::ImageDisplay` for `image`'s buffers): `ShowWithDebug`
//!   is implemented for the types listed here, not for every `Debug` type,
//!   because two traits with a method of that name for the same type make
//!   the call ambiguous, and evcxr would fall back to `{:?}`. A type of the
//!   notebook's own or of another crate is shown as evcxr shows it, after
//!   the second compile when it has no display of its own.
//!
//! When the user changes evcxr's result format (`:fmt`, `:types`), the
//! kernel also imports [`DeferToFormat`], implemented for the same types:
//! with two methods of the same name for one type the call is ambiguous,
//! so it fails to compile and evcxr formats the value its own way.
//!
//! ```
//! use memscope_prelude::__kernel::result_display::ShowWithDebug as _;
//! (1 + 1).evcxr_display(); // prints 2 between evcxr's content markers
//! ```

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::ops::{Range, RangeInclusive};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use memscope_cell_abi::process::{BEGIN_CONTENT, END_CONTENT};

/// Prints a value the way evcxr prints a final expression by default.
pub trait ShowWithDebug {
    fn evcxr_display(&self);
}

/// Only exists to make `evcxr_display` ambiguous for the types
/// [`ShowWithDebug`] shows (see the module's documentation); calling it
/// shows nothing.
pub trait DeferToFormat {
    fn evcxr_display(&self);
}

fn show(value: &dyn fmt::Debug) {
    // One write, so the markers and the text cannot be interleaved with
    // output from another thread.
    print!("{BEGIN_CONTENT} text/plain\n{value:?}\n{END_CONTENT}\n");
}

/// Implements both traits for each type, given with its generic
/// parameters in brackets: `[T] Vec<T>`.
macro_rules! shown_with_debug {
    ($([$($generics:tt)*] $shown:ty),* $(,)?) => {$(
        impl<$($generics)*> ShowWithDebug for $shown where $shown: fmt::Debug {
            fn evcxr_display(&self) {
                show(&self);
            }
        }

        impl<$($generics)*> DeferToFormat for $shown where $shown: fmt::Debug {
            fn evcxr_display(&self) {}
        }
    )*};
}

shown_with_debug!(
    [] i8, [] i16, [] i32, [] i64, [] i128, [] isize,
    [] u8, [] u16, [] u32, [] u64, [] u128, [] usize,
    [] f32, [] f64, [] bool, [] char, [] str, [] String, [] (),
    [] Duration, [] std::cmp::Ordering,
    [T] Vec<T>, [T] [T], [T, const N: usize] [T; N], [T] VecDeque<T>,
    [T] BinaryHeap<T>, [T, S] HashSet<T, S>, [T] BTreeSet<T>,
    [K, V, S] HashMap<K, V, S>, [K, V] BTreeMap<K, V>,
    [T] Option<T>, [T, E] Result<T, E>,
    [T: ?Sized] Box<T>, [T: ?Sized] Rc<T>, [T: ?Sized] Arc<T>,
    [T] Range<T>, [T] RangeInclusive<T>,
    [S: ndarray::RawData, D] ndarray::ArrayBase<S, D>,
    [A] (A,), [A, B] (A, B), [A, B, C] (A, B, C), [A, B, C, D] (A, B, C, D),
    [A, B, C, D, E] (A, B, C, D, E), [A, B, C, D, E, F] (A, B, C, D, E, F),
);

#[cfg(test)]
mod tests {
    // Only `ShowWithDebug`, as a session has it: with `DeferToFormat` too
    // every call below would be ambiguous.
    use super::ShowWithDebug as _;

    /// A type of the notebook's own with a display through a trait of its
    /// own, as `evcxr_image` gives `image`'s buffers one.
    #[derive(Debug)]
    struct Picture;

    trait OwnDisplay {
        fn evcxr_display(&self);
    }

    impl OwnDisplay for Picture {
        fn evcxr_display(&self) {}
    }

    #[test]
    fn a_crates_own_display_trait_is_not_ambiguous_with_ours() {
        // Both traits in scope, as in a cell: this compiles only because
        // `ShowWithDebug` is not implemented for `Picture`.
        (Picture).evcxr_display();
        (1 + 1).evcxr_display();
        (vec![(1, "a")]).evcxr_display();
        ndarray::arr1(&[1.0, 2.0]).evcxr_display();
    }
}
