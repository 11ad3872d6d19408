//! The panic hook the kernel installs once in a fresh cell process.
//!
//! Cells share the process's standard library, so a panic hook installed
//! here reports panics from every later cell too.

use memscope_cell_abi::lines::{CellMessage, encode};

/// Reports panics to the kernel as one message, instead of the default
/// report on standard error, so that a panic becomes the cell's single error
/// output.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_owned()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "panic with a non-text payload".to_owned()
        };
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_default();
        println!("{}", encode(&CellMessage::Panic { message, location }));
    }));
}
