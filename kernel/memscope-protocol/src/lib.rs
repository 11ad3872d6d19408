//! The protocol edge of memscope: the only code that knows ZeroMQ, message
//! signatures and the JSON form of Jupyter messages.
//!
//! Everything that crosses this crate's boundary is a typed
//! [`jupyter_protocol::JupyterMessage`]. Incoming frames are verified before
//! they are parsed ([`wire`]), malformed input becomes a value rather than a
//! panic, and the sockets ([`transport`]) serve the channels that the
//! dispatcher declares (`memscope_kernel::outbox`), so that the dispatcher
//! never sees a socket and does not depend on this crate.

pub mod connection;
pub mod signing;
pub mod transport;
pub mod wire;

pub use jupyter_protocol as messages;
