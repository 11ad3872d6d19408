//! The memscope prelude: the one crate linked into every notebook cell.
//!
//! Every cell starts with `use memscope_prelude::*;`, so the names here are
//! what a notebook sees without importing anything:
//!
//! * [`NpArray`] and [`np`]: arrays with NumPy's views, copies and aliases,
//!   and functions with NumPy's names and meaning.
//! * ndarray's prelude (`Array2`, `array!`, `s![]`, ...) and [`ndarray`]
//!   itself.
//! * [`display`]: rich output (HTML, Markdown, SVG, PNG, any mime bundle),
//!   updatable by id, and `clear_output`.
//! * [`input`] and [`input_password`]: ask the notebook's user for a line.
//! * [`Arrays`](arrays::Arrays) and `#[derive(Arrays)]`: how the memory
//!   table sees arrays kept in vectors, maps, tuples and your own structs;
//!   `HashMap` and `BTreeMap`, to keep arrays by name.
//!
//! Invariant: this crate is small, stable and has no dependency that would
//! slow a cell's compile; it talks to the kernel only through
//! `memscope-cell-abi`'s line format on standard output. The kernel's
//! plumbing (the panic hook, the memory report, the display of final
//! values) sits in one hidden module, so a cell's glob import brings
//! nothing else into scope.

// The derive names the prelude by its crate name, also in its own tests.
extern crate self as memscope_prelude;

pub mod arrays;
pub mod display;
pub mod np;
pub mod nparray;

/// The kernel's plumbing, under a name no user would write, so a cell's
/// glob import of the prelude brings nothing into scope it could clash
/// with.
#[doc(hidden)]
pub mod __kernel;

pub use arrays::Arrays;
pub use ndarray;
pub use ndarray::prelude::*;
pub use nparray::NpArray;
/// Python's lists and dicts are always there; so are Rust's maps, for
/// keeping arrays by name (`params["w"]`).
pub use std::collections::{BTreeMap, HashMap};

use memscope_cell_abi::process::{INPUT_UNAVAILABLE, escape_prompt};

/// Asks the notebook's user for one line of text and returns it.
///
/// ```no_run
/// let name = memscope_prelude::input("Your name: ");
/// println!("hello, {name}");
/// ```
pub fn input(prompt: &str) -> String {
    answered(evcxr_input::get_string(&escape_prompt(prompt)))
}

/// Like [`input`], but the front end hides what is typed.
pub fn input_password(prompt: &str) -> String {
    answered(evcxr_input::get_password(&escape_prompt(prompt)))
}

fn answered(reply: String) -> String {
    if reply == INPUT_UNAVAILABLE {
        panic!(
            "input is not available: this front end does not answer input requests (allow_stdin is false)"
        );
    }
    reply
}
