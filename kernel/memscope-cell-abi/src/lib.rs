//! The contract between a memscope cell and the kernel, written once for
//! both sides of the process boundary.
//!
//! The cell side (the prelude, linked into every cell) encodes; the kernel
//! side (the engine and the memory model) decodes. Both depend on this
//! crate and on nothing else of each other, so what crosses the boundary
//! is defined in one place:
//!
//! * [`lines`]: the one-line messages a cell prints for the kernel
//!   ([`CellMessage`]), and how they are told from the cell's own output.
//! * [`process`]: the rest of the process protocol: evcxr's words, the
//!   stderr fence, the memory report's symbol, input prompts.
//! * [`facts`]: what a cell reports of one array's memory ([`ArrayFacts`])
//!   and the one list of element types.
//! * [`layout`]: NumPy's arithmetic on a strided layout (element count,
//!   contiguity, the bytes it covers), so that `NpArray::flags()` and the
//!   table's columns cannot disagree.
//!
//! Invariant: plain data and pure functions, no dependency but
//! `memscope-overlap`: this crate is compiled into every cell.

pub mod facts;
pub mod layout;
pub mod lines;
pub mod process;

pub use facts::{ArrayFacts, BufferFacts, DTYPES, Region, Storage, ValueSample};
pub use lines::{CellMessage, DisplayRequest, MimeBundle};
