//! The memscope prelude: the one crate linked into every notebook cell.
//!
//! Every cell starts with `use memscope_prelude::*;`, so the names here are
//! what a notebook sees without importing anything:
//!
//! * [`display`]: rich output (HTML, Markdown, SVG, PNG, any mime bundle),
//!   updatable by id, and `clear_output`.
//! * [`input`] and [`input_password`]: ask the notebook's user for a line.
//!
//! Invariant: this crate is small, stable and has no dependency that would
//! slow a cell's compile; it talks to the kernel only through lines on
//! standard output in the format of [`channel`].

pub mod channel;
pub mod display;
pub mod memory;
pub mod np;
pub mod nparray;
pub mod result_display;
pub mod runtime;

pub use ndarray;
pub use ndarray::prelude::*;
pub use nparray::NpArray;

/// Asks the notebook's user for one line of text and returns it.
///
/// ```no_run
/// let name = memscope_prelude::input("Your name: ");
/// println!("hello, {name}");
/// ```
pub fn input(prompt: &str) -> String {
    answered(evcxr_input::get_string(&channel::escape_prompt(prompt)))
}

/// Like [`input`], but the front end hides what is typed.
pub fn input_password(prompt: &str) -> String {
    answered(evcxr_input::get_password(&channel::escape_prompt(prompt)))
}

fn answered(reply: String) -> String {
    if reply == channel::INPUT_UNAVAILABLE {
        panic!("input is not available: this front end does not answer input requests (allow_stdin is false)");
    }
    reply
}
