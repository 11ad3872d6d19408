//! What the kernel's set-up code calls inside a cell process; nothing here
//! is for notebooks to use.
//!
//! Cells import the prelude with a glob, so this one module is all of the
//! kernel's plumbing that a cell's scope sees, and it is hidden from the
//! documentation and from completions:
//!
//! * [`panic_hook`]: panics become the cell's one error message.
//! * [`report`]: the memory report after each cell, exported from the
//!   first cell's library; [`probe`], which picks, where each variable is
//!   stored, how the report looks inside it (the prelude's `Arrays`); and
//!   [`summary`], the one-line values of the simple variables (for
//!   JupyterLab's Variables panel).
//! * [`result_display`]: a cell's final value shown after one compile.
//! * [`instances`]: the API compiled once for the common element types,
//!   so that cells reuse it instead of compiling it again, and
//!   [`variable_store`], the store evcxr's cells keep variables in,
//!   compiled once here.
//!
//! Invariant: the set-up code in `memscope-engine` names these paths as
//! text; they change together.

pub mod instances;
pub mod panic_hook;
pub mod probe;
pub mod report;
pub mod result_display;
pub mod summary;
pub mod variable_store;
