//! The memory model behind memscope's table, and its renderings.
//!
//! * [`overlap`] (the `memscope-overlap` crate, shared with the prelude):
//!   whether two strided layouts have an element in common, decided exactly
//!   (NumPy's `shares_memory`) or by bounds (`may_share_memory`).
//! * [`extent`]: the bytes one array covers and the allocation it belongs
//!   to (NumPy's layout arithmetic itself is `memscope-cell-abi`'s).
//! * [`model`]: the table of one moment: buffers, roles, sharing.
//! * [`tracker`]: the table across cells: stable buffer ids, changes, moves.
//! * [`containers`]: arrays inside other values: paths, their order, and
//!   the folding of large containers.
//! * [`cell_code`]: the names a cell mentions, binds and drops.
//! * [`render`]: the table as text, HTML and JSON.
//!
//! Invariant: pure. No IO, no clock, no randomness; nothing here fails or
//! panics on any input, so a strange layout can never cost the user a cell.

pub mod cell_code;
pub mod containers;
pub mod extent;
pub mod model;
pub mod render;
pub mod tracker;

pub use memscope_overlap as overlap;

pub use containers::{Folded, Opaque, ROWS_PER_VARIABLE};
pub use model::{Base, BufferId, Change, Gone, GoneWhy, MemoryTable, Role, Row};
pub use tracker::MemoryTracker;
