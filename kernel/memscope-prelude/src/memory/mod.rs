//! How the kernel learns the memory layout of a session's arrays.
//!
//! After each cell, the cell process calls [`report::report`] (exported
//! from the first cell's library, see [`report`]) with evcxr's variable
//! store; it describes every array-like variable ([`describe`]) and prints
//! the [`facts`] as one channel message.
//!
//! Invariant: describing never reads an array element and never panics; a
//! value of a type it does not know is simply not an array.

pub mod describe;
pub mod facts;
pub mod report;
