//! The entry point the cell process calls after every cell.
//!
//! evcxr hands each cell a pointer to its variable store and gets it back
//! when the cell returns. Our cell process passes that pointer to the
//! function exported as `memscope_cell_abi::process::REPORT_SYMBOL`, which
//! prints the short values of the simple variables as one
//! `CellMessage::Values` line, what the table cannot see as one
//! `CellMessage::Unseen` line, and the layout of every array the variables
//! hold, by path (`layers[1]`, `params["w"]`), as one `CellMessage::Memory`
//! line on standard output, before the cell process says the cell is
//! complete.
//!
//! Only the first cell of a cell process exports that function: the
//! engine's set-up code declares it, calling [`report`], in a block in that
//! cell's body. An exported function of the prelude itself would be linked
//! into every cell's library together with all the describe code behind it
//! (about 600 KiB per cell, kept loaded for the session's life), while the
//! cell process needs it from one library only.

use std::collections::HashMap;
use std::ffi::c_void;

use memscope_cell_abi::lines::{CellMessage, encode};

use super::probe::Describer;
use super::summary::summarise;
use super::variable_store::{Stored, VariableStore};
use crate::arrays::{ArrayVisitor, Found};

/// The store's map: each variable by name.
type Variables = HashMap<String, Stored>;

/// The crate evcxr compiles cells into: a type whose path starts here was
/// defined by the notebook, which can give it `#[derive(Arrays)]`.
const CELL_CRATE_PREFIX: &str = "ctx::";

/// Every array the variables hold, by path, and what the table cannot
/// see: the variables of the notebook's own types without `Arrays`, and
/// the arrays past the row limit.
pub(super) fn memory_messages(variables: &Variables) -> [CellMessage; 2] {
    let mut visitor = ArrayVisitor::new();
    let mut opaque = Vec::new();
    for (name, stored) in sorted(variables) {
        match stored.describer {
            Describer::Arrays(visit) => {
                visitor.variable(name, |v| visit(stored.value.as_ref(), v));
            }
            Describer::Opaque(type_name) => {
                let type_name = type_name();
                if type_name.contains(CELL_CRATE_PREFIX) {
                    opaque.push((name.clone(), type_name.replace(CELL_CRATE_PREFIX, "")));
                }
            }
            Describer::Unknown => {}
        }
    }
    let Found {
        mut arrays,
        beyond_limit,
    } = visitor.finish();
    arrays.sort_by(|a, b| a.0.cmp(&b.0));
    [
        CellMessage::Unseen {
            opaque,
            beyond_limit,
        },
        CellMessage::Memory { variables: arrays },
    ]
}

/// The facts of the array `value` is (the first one found in it), as a
/// report would give them; for tests of what the kernel is told.
pub fn describe<T: crate::arrays::Arrays + ?Sized>(
    value: &T,
) -> Option<memscope_cell_abi::ArrayFacts> {
    let mut visitor = ArrayVisitor::new();
    visitor.variable("value", |v| value.visit_arrays(v));
    visitor
        .finish()
        .arrays
        .into_iter()
        .next()
        .map(|(_, facts)| facts)
}

/// The lines a report prints for the variables `values` (name, value),
/// all of one type: what a benchmark of describing times.
pub fn memory_lines_of<T: crate::arrays::Arrays + 'static>(values: &[(&str, T)]) -> String {
    let mut visitor = ArrayVisitor::new();
    for (name, value) in values {
        visitor.variable(name, |v| value.visit_arrays(v));
    }
    let Found {
        mut arrays,
        beyond_limit,
    } = visitor.finish();
    arrays.sort_by(|a, b| a.0.cmp(&b.0));
    let unseen = CellMessage::Unseen {
        opaque: Vec::new(),
        beyond_limit,
    };
    let memory = CellMessage::Memory { variables: arrays };
    format!("{}\n{}", encode(&unseen), encode(&memory))
}

/// The short value of every variable we can summarise, sorted by name.
pub(super) fn values_message(variables: &Variables) -> CellMessage {
    CellMessage::Values {
        values: sorted(variables)
            .filter_map(|(name, stored)| Some((name.clone(), summarise(stored.value.as_ref())?)))
            .collect(),
    }
}

/// The variables in name order (evcxr's map has no order, and the
/// kernel's tables and panel want a stable one).
fn sorted(variables: &Variables) -> impl Iterator<Item = (&String, &Stored)> {
    let mut sorted: Vec<_> = variables.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    sorted.into_iter()
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
        let empty = Variables::new();
        let variables = store.map_or(&empty, |store| &store.variables);
        let [unseen, memory] = memory_messages(variables);
        let messages = [values_message(variables), unseen, memory];
        for message in messages {
            println!("{}", encode(&message));
        }
    });
}

#[cfg(test)]
// The double reference picks the describer (see `probe`).
#[allow(clippy::needless_borrow)]
mod tests {
    use super::*;
    use crate::__kernel::probe::{Probe, ViaArrays as _, probe_of};
    use crate::NpArray;

    fn store<T: 'static>(variables: &mut Variables, name: &str, value: T, describer: Describer) {
        variables.insert(
            name.into(),
            Stored {
                value: Box::new(value),
                describer,
            },
        );
    }

    #[test]
    fn arrays_are_reported_by_path_in_order() {
        let mut variables = Variables::new();
        let a = NpArray::from_vec(vec![1.0_f64, 2.0]);
        let layers = vec![a.clone(), a.clone()];
        store(
            &mut variables,
            "zeta",
            vec![1.0_f64],
            (&&probe_of(&vec![1.0_f64])).describer(),
        );
        store(
            &mut variables,
            "count",
            3_usize,
            (&&Probe::<usize>::NEW).describer(),
        );
        store(
            &mut variables,
            "layers",
            layers,
            (&&Probe::<Vec<NpArray<f64>>>::NEW).describer(),
        );
        store(
            &mut variables,
            "a",
            a,
            (&&Probe::<NpArray<f64>>::NEW).describer(),
        );
        let [
            CellMessage::Unseen {
                opaque,
                beyond_limit,
            },
            CellMessage::Memory { variables },
        ] = memory_messages(&variables)
        else {
            panic!("not the memory messages");
        };
        let names: Vec<_> = variables.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["a", "layers[0]", "layers[1]", "zeta"]);
        assert!(opaque.is_empty() && beyond_limit.is_empty());
    }

    #[test]
    fn only_the_notebooks_own_types_are_reported_as_opaque() {
        let mut variables = Variables::new();
        store(
            &mut variables,
            "model",
            (),
            Describer::Opaque(|| "ctx::Model"),
        );
        store(
            &mut variables,
            "nested",
            (),
            Describer::Opaque(|| "alloc::vec::Vec<ctx::shapes::Square>"),
        );
        store(
            &mut variables,
            "set",
            (),
            Describer::Opaque(|| "std::collections::HashSet<u8>"),
        );
        let [CellMessage::Unseen { opaque, .. }, _] = memory_messages(&variables) else {
            panic!("not the memory messages");
        };
        assert_eq!(
            opaque,
            [
                ("model".to_owned(), "Model".to_owned()),
                (
                    "nested".to_owned(),
                    "alloc::vec::Vec<shapes::Square>".to_owned()
                )
            ]
        );
    }

    #[test]
    fn simple_values_are_reported_in_name_order() {
        let mut variables = Variables::new();
        store(&mut variables, "zeta", vec![1.0_f64], Describer::Unknown);
        store(&mut variables, "count", 3_usize, Describer::Unknown);
        store(&mut variables, "label", "x".to_owned(), Describer::Unknown);
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
