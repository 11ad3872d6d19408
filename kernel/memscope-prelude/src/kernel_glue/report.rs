//! The entry point the cell process calls after every cell.
//!
//! evcxr hands each cell a pointer to its variable store and gets it back
//! when the cell returns. Our cell process passes that pointer to the
//! function exported as `memscope_cell_abi::process::REPORT_SYMBOL`, which
//! prints the layout of every array variable as one `CellMessage::Memory`
//! line on standard output, before the cell process says the cell is
//! complete.
//!
//! Only the first cell of a cell process exports that function: the
//! engine's set-up code declares it, calling [`report`], in a block in that
//! cell's body. An exported function of the prelude itself would be linked
//! into every cell's library together with all the describe code behind it
//! (about 600 KiB per cell, kept loaded for the session's life), while the
//! cell process needs it from one library only.

use std::any::Any;
use std::collections::HashMap;
use std::ffi::c_void;

use memscope_cell_abi::lines::{encode, CellMessage};

use super::describe::describe;

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
pub fn memory_message(variables: &HashMap<String, Box<dyn Any + 'static>>) -> CellMessage {
    let mut described: Vec<_> = variables
        .iter()
        .filter_map(|(name, value)| Some((name.clone(), describe(value.as_ref())?)))
        .collect();
    described.sort_by(|a, b| a.0.cmp(&b.0));
    CellMessage::Memory {
        variables: described,
    }
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
            None => CellMessage::Memory {
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
        let CellMessage::Memory { variables } = memory_message(&variables) else {
            panic!("not a memory message");
        };
        let names: Vec<_> = variables.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["alpha", "zeta"]);
    }
}
