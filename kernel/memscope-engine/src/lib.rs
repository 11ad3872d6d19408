//! The memscope engine: runs Rust cells through evcxr.
//!
//! Invariant: this crate knows nothing of Jupyter. It takes code and
//! returns plain values ([`events::CellResult`]); while a cell runs it
//! reports output through a [`events::CellObserver`]. Broken user code is a
//! result, never an error of the engine.
//!
//! The kernel's side: `engine` (the handle, [`Engine`]), `worker` (the
//! thread that owns evcxr), `session_setup`, `classify`, `output_pump`,
//! `supervision` (the kernel's view of the cell process), `link_timing`
//! (our binary as the cell crate's linker, to time linking), and the pure
//! helpers [`cell_lines`], [`diagnostics`], [`completeness`] and
//! [`hover_position`] (where to ask rust-analyzer about a cursor, and the
//! name a cursor is in). The cell process's side: [`cell_process`]. Both use [`processes`] for `/proc` and
//! system calls.

// The engine's API: the handle, its types, and what the session and the
// binary use of it (the grammar of command lines, completeness, rustc's
// messages rendered against the cell, the cell process's entry, where to
// ask rust-analyzer about a cursor, and the process calls of the kernel's
// lifetime).
pub mod cell_lines;
pub mod cell_process;
pub mod completeness;
pub mod diagnostics;
pub mod events;
pub mod hover_position;
pub mod processes;

// Its inside.
mod build_dir;
mod classify;
mod compile_progress;
mod engine;
mod link_timing;
mod output_pump;
mod session_setup;
mod supervision;
mod worker;

pub use engine::Engine;
pub use events::{
    CellObserver, CellResult, CellTiming, CompletionSet, EngineConfig, Event, Recovery, StreamKind,
    TypeSource,
};
pub use memscope_cell_abi::{ArrayFacts, DisplayRequest, MimeBundle};
pub use supervision::cell_state::Phase;
pub use supervision::interrupt::Interrupter;
