//! The memscope engine: runs Rust cells through evcxr.
//!
//! Invariant: this crate knows nothing of Jupyter. It takes code and
//! returns plain values ([`events::CellResult`]); while a cell runs it
//! reports output through a [`events::CellObserver`]. Broken user code is a
//! result, never an error of the engine.

pub mod build_dir;
pub mod cell_pid;
pub mod cell_process;
pub mod compile_progress;
pub mod completeness;
pub mod diagnostics;
pub mod engine;
pub mod events;
pub mod interrupt;
pub mod output_pump;
pub mod snapshot;

pub use engine::{CompletionSet, Engine, EngineConfig};
pub use events::{Bundle, CellObserver, CellResult, Event, Recovery, StreamKind};
pub use interrupt::Interrupter;
