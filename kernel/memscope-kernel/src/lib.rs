//! The dispatcher of memscope: turns Jupyter requests into calls on an
//! [`interpreter::Interpreter`] and its results into replies and broadcasts.
//!
//! Invariants: this crate knows Jupyter's message types but no socket and no
//! JSON framing, and no Rust compiler (that lives behind the `Interpreter`
//! trait). It declares the types a transport serves ([`outbox`]) and
//! depends on no transport: `memscope-protocol` implements them over ZeroMQ,
//! as xeus-zmq implements xeus. It is tested without sockets: feed requests
//! in, read the messages that come out.

pub mod control;
pub mod debug;
pub mod history;
pub mod identity;
pub mod interpreter;
pub mod interrupts;
pub mod media;
pub mod offsets;
pub mod outbox;
pub mod session;
pub mod shell;
pub mod usage;
