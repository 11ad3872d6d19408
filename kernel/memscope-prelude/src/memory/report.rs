//! The entry point the cell process calls after every cell.
//!
//! evcxr hands each cell a pointer to its variable store and gets it back
//! when the cell returns. Our cell process passes that pointer to the
//! function named [`REPORT_SYMBOL`], which prints the layout of every array
//! variable as one [`Message::Memory`] line on standard output, before the
//! cell process says the cell is complete.
//!
//! Only the first cell of a cell process exports that function, through
//! [`export_memory_report!`](crate::export_memory_report) in its body: an
//! exported function of the prelude itself would be linked into every
//! cell's library together with all the describe code behind it (about
//! 600 KiB per cell, kept loaded for the session's life), while the cell
//! process needs it from one library only.

use std::any::Any;
use std::collections::HashMap;
use std::ffi::c_void;

use super::describe::describe;
use crate::channel::{encode, Message};

/// The symbol the cell process looks up in each cell's library.
pub const REPORT_SYMBOL: &str = "memscope_memory_report";

/// evcxr's variable store, as evcxr 0.22.0 generates it in every cell
/// (`evcxr_internal_runtime::VariableStore` in its `evcxr_internal_runtime.rs`):
/// one map from variable name to value. Every cell compiles its own copy of
/// that struct and casts the same pointer to it, so its layout is the same
/// in every crate built by this compiler; ours is declared identically for
/// the same reason. The workspace pins evcxr to `=0.22.0`: a new evcxr must
/// be checked against this declaration before the pin moves (the kernel
/// tests of the memory table fail at once if it no longer matches).
struct EvcxrVariableStore {
    variables: HashMap<String, Box<dyn Any + 'static>>,
}

/// Describes every array variable of `variables`, sorted by name.
pub fn memory_message(variables: &HashMap<String, Box<dyn Any + 'static>>) -> Message {
    let mut described: Vec<_> = variables
        .iter()
        .filter_map(|(name, value)| Some((name.clone(), describe(value.as_ref())?)))
        .collect();
    described.sort_by(|a, b| a.0.cmp(&b.0));
    Message::Memory {
        variables: described,
    }
}

/// Exports [`report`] as [`REPORT_SYMBOL`] from the library of the cell
/// that expands it. Meant for a block in the body of a cell (an item at a
/// cell's top level would be compiled again into every later cell).
#[macro_export]
macro_rules! export_memory_report {
    () => {
        #[unsafe(no_mangle)]
        unsafe extern "C" fn memscope_memory_report(store: *const ::std::ffi::c_void) {
            // SAFETY: the cell process keeps `report`'s contract.
            unsafe { $crate::memory::report::report(store) }
        }
    };
}

/// Prints the memory message for evcxr's variable store `store`.
///
/// # Safety
/// `store` must be null or the pointer that evcxr's last cell function
/// returned, and no cell may be running.
pub unsafe fn report(store: *const c_void) {
    // A panic must not cross the C boundary; describing cannot panic, but
    // printing could (a closed stdout), and then the kernel simply gets no
    // table.
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: the caller passes evcxr's store or null (see above).
        let store = unsafe { store.cast::<EvcxrVariableStore>().as_ref() };
        let message = match store {
            Some(store) => memory_message(&store.variables),
            None => Message::Memory {
                variables: Vec::new(),
            },
        };
        println!("{}", encode(&message));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_arrays_are_reported_in_name_order() {
        let mut variables: HashMap<String, Box<dyn Any>> = HashMap::new();
        variables.insert("zeta".into(), Box::new(vec![1.0_f64]));
        variables.insert("count".into(), Box::new(3_usize));
        variables.insert("alpha".into(), Box::new(ndarray::arr2(&[[1_u8]])));
        let Message::Memory { variables } = memory_message(&variables) else {
            panic!("not a memory message");
        };
        let names: Vec<_> = variables.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["alpha", "zeta"]);
    }
}
