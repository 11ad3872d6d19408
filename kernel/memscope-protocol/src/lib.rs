//! The protocol edge of memscope: the only code that knows ZeroMQ, message
//! signatures and the JSON form of Jupyter messages.
//!
//! Everything that crosses this crate's boundary is a typed
//! [`jupyter_protocol::JupyterMessage`]. Incoming frames are verified before
//! they are parsed ([`wire`]), malformed input becomes a value rather than a
//! panic, and the sockets ([`transport`]) hand messages to plain channels so
//! that the dispatcher above never sees a socket.

pub mod connection;
pub mod signing;
pub mod transport;
pub mod wire;

pub use jupyter_protocol as messages;
