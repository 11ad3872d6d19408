//! The memscope engine: runs Rust cells through evcxr.
//!
//! Invariant: this crate knows nothing of Jupyter. It takes code and
//! returns plain values ([`events::CellResult`]); while a cell runs it
//! reports output through a [`events::CellObserver`]. Broken user code is a
//! result, never an error of the engine.
//!
//! The kernel's side: [`engine`] (the handle), `worker` (the thread that
//! owns evcxr), [`session_setup`], [`classify`], [`output_pump`],
//! [`supervision`] (the kernel's view of the cell process), and the pure
//! helpers [`diagnostics`] and [`completeness`]. The cell process's side:
//! [`cell_process`]. Both use [`processes`] for `/proc` and system calls.

pub mod build_dir;
pub mod cell_lines;
pub mod cell_process;
pub mod classify;
pub mod compile_progress;
pub mod completeness;
pub mod diagnostics;
pub mod engine;
pub mod events;
pub mod output_pump;
pub mod processes;
pub mod session_setup;
pub mod supervision;
mod worker;

pub use engine::{CompletionSet, Engine, EngineConfig};
pub use events::{CellObserver, CellResult, Event, Recovery, StreamKind};
pub use memscope_cell_abi::{ArrayFacts, DisplayRequest, MimeBundle};
pub use supervision::interrupt::Interrupter;
