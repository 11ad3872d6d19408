//! memscope's cell semantics, between the engine (evcxr, which knows no
//! Jupyter) and the binary (which knows Jupyter and converts):
//!
//! - [`session`]: [`Session::run`] runs one cell and returns a
//!   [`CellReport`] of plain data;
//! - [`commands`]: memscope's `:memory` and `:param` lines, read with the
//!   engine's one grammar of command lines;
//! - [`parameters`]: `:param` lines as typed `let` statements;
//! - [`memory_display`]: when the memory table is shown;
//! - [`variables`]: the Variables panel's view (variables, values and the
//!   memory table joined);
//! - [`failure`] and [`hints`]: a failed cell in the user's terms;
//! - [`build_progress`]: the crates cargo compiles for a cell;
//! - [`timing`]: the line `:timing` adds to each cell.
//!
//! Invariant: no Jupyter and no sockets (`cargo tree -p memscope-session`
//! shows neither `jupyter-protocol` nor `zeromq`); everything a cell means
//! to memscope beyond what evcxr does is decided here, once.

pub mod build_progress;
pub mod commands;
pub mod failure;
pub mod hints;
pub mod memory_display;
pub mod parameters;
pub mod session;
pub mod timing;
pub mod variables;

pub use failure::{Failure, Ran};
pub use memory_display::TableBundle;
pub use memscope_engine::completeness::{Completeness, completeness};
pub use memscope_engine::{
    CompletionSet, DisplayRequest, Engine, EngineConfig, Interrupter, MimeBundle, Phase,
    StreamKind, TypeSource,
};
pub use memscope_memory as memory;
pub use memscope_memory::render::Rendering;
pub use session::{CellReport, Observer, Session};
pub use variables::{Variable, Variables};
