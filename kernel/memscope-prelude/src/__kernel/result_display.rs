//! A cell's final value shown after one compile instead of two.
//!
//! evcxr shows the expression that ends a cell by compiling
//! `(expr).evcxr_display()`; for a type without such a method that compile
//! fails, and evcxr compiles the cell a second time with `{:?}` formatting.
//! The kernel imports [`ShowWithDebug`] into every session, so the first
//! compile succeeds for every `Debug` type and prints exactly what the
//! second would have printed. A type's own (inherent) `evcxr_display`,
//! such as [`NpArray`](crate::NpArray)'s, still wins: Rust's method lookup
//! prefers inherent methods to trait methods.
//!
//! When the user changes evcxr's result format (`:fmt`, `:types`), the
//! kernel also imports [`DeferToFormat`]: with two blanket methods of the
//! same name in scope the call is ambiguous, so it fails to compile and
//! evcxr formats the value its own way, as before.
//!
//! ```
//! use memscope_prelude::__kernel::result_display::ShowWithDebug as _;
//! (1 + 1).evcxr_display(); // prints 2 between evcxr's content markers
//! ```

use std::fmt;

use memscope_cell_abi::process::{BEGIN_CONTENT, END_CONTENT};

/// Prints any `Debug` value the way evcxr prints a final expression by
/// default.
pub trait ShowWithDebug {
    fn evcxr_display(&self);
}

impl<T: fmt::Debug + ?Sized> ShowWithDebug for T {
    fn evcxr_display(&self) {
        // One write, so the markers and the text cannot be interleaved with
        // output from another thread.
        print!("{BEGIN_CONTENT} text/plain\n{self:?}\n{END_CONTENT}\n");
    }
}

/// Only exists to make `evcxr_display` ambiguous for `Debug` types (see
/// the module's documentation); calling it shows nothing.
pub trait DeferToFormat {
    fn evcxr_display(&self);
}

impl<T: fmt::Debug + ?Sized> DeferToFormat for T {
    fn evcxr_display(&self) {}
}
