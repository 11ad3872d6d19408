//! The entry point the cell process calls after every cell.
//!
//! evcxr hands each cell a pointer to its variable store and gets it back
//! when the cell returns. Our cell process passes that pointer to the
//! function exported as `memscope_cell_abi::process::REPORT_SYMBOL`, which
//! prints the short values of the simple variables as one
//! `CellMessage::Values` line and the layout of every array variable as one
//! `CellMessage::Memory` line on standard output, before the cell process
//! says the cell is complete.
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

use memscope_cell_abi::lines::{CellMessage, encode};

use super::describe::describe;
use super::summary::summarise;
use super::variable_store::VariableStore;

/// The store's map: each variable by name.
type Variables = HashMap<String, Box<dyn Any + 'static>>;

/// Describes every array variable of `variables`, sorted by name.
pub fn memory_message(variables: &Variables) -> CellMessage {
    CellMessage::Memory {
        variables: by_name(variables, describe),
    }
}

/// The short value of every variable we can summarise, sorted by name.
pub fn values_message(variables: &Variables) -> CellMessage {
    CellMessage::Values {
        values: by_name(variables, summarise),
    }
}

/// What `read` makes of each variable it knows, sorted by name (evcxr's
/// map has no order, and the kernel's tables and panel want a stable one).
fn by_name<T>(variables: &Variables, read: fn(&dyn Any) -> Option<T>) -> Vec<(String, T)> {
    let mut read_ones: Vec<_> = variables
        .iter()
        .filter_map(|(name, value)| Some((name.clone(), read(value.as_ref())?)))
        .collect();
    read_ones.sort_by(|a, b| a.0.cmp(&b.0));
    read_ones
}

/// Prints the values and the memory messages for the variable store
/// `store` (ours, which evcxr's cells use: see `variable_store`).
///
/// # Safety
/// `store` must be null or the pointer that evcxr's last cell function
/// returned, and no cell may be running.
pub unsafe fn report(store: *const c_void) {
    // A panic must not cross the C boundary; describing cannot panic, but
    // printing could (a closed stdout), and then the kernel simply gets no
    // table.
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: the caller passes the cells' store or null (see above).
        let store = unsafe { store.cast::<VariableStore>().as_ref() };
        let messages = match store {
            Some(store) => [
                values_message(&store.variables),
                memory_message(&store.variables),
            ],
            None => [
                CellMessage::Values { values: Vec::new() },
                CellMessage::Memory {
                    variables: Vec::new(),
                },
            ],
        };
        for message in messages {
            println!("{}", encode(&message));
        }
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

    #[test]
    fn simple_values_are_reported_in_name_order() {
        let mut variables: HashMap<String, Box<dyn Any>> = HashMap::new();
        variables.insert("zeta".into(), Box::new(vec![1.0_f64]));
        variables.insert("count".into(), Box::new(3_usize));
        variables.insert("label".into(), Box::new("x".to_owned()));
        let CellMessage::Values { values } = values_message(&variables) else {
            panic!("not a values message");
        };
        let expected = [("count", "3"), ("label", "\"x\"")];
        let values: Vec<_> = values
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(values, expected);
    }
}
