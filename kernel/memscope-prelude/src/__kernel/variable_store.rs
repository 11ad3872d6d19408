//! The store that keeps a notebook's variables between cells, compiled
//! once here instead of in every cell.
//!
//! evcxr passes each cell a pointer to the store and gets it back when the
//! cell returns; the cell loads the variables it uses from it and puts
//! them back at its end. By default evcxr pastes its own store module into
//! every cell, so every cell compiles a `HashMap<String, Box<dyn Any>>`'s
//! code again (about half the functions of a warm cell's compile). The
//! engine points evcxr here instead (`set_variable_store_module`, evcxr
//! patch 0008), and a cell compiles only the few lines that box or unbox
//! its own types; the map's work is done by the non-generic functions
//! below.
//!
//! Cells store each variable through [`store_variable!`] (evcxr patch
//! 0012), which chooses, where the variable's type is known, how the
//! memory table will look inside it (see [`probe`](super::probe)); the
//! store keeps that choice beside the value.
//!
//! Invariant: the same items, signatures, printed lines and meaning as
//! evcxr 0.22.0's `evcxr_internal_runtime.rs`, which evcxr's generated code
//! calls and whose lines evcxr reads (the engine tier runs every cell
//! through this module), plus the macro; one difference: a variable whose
//! type changed (a dependency was rebuilt, say after a `:dep`) leaves the
//! store when a cell finds it lost, not when a new value takes its name. [`report`](super::report) reads
//! the store through the same type, so no layout is assumed anywhere.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use super::probe::Describer;

pub use crate::__store_variable as store_variable;

/// Printed by a cell before a variable's type, which evcxr reads to learn
/// it: `EVCXR_VARIABLE_TYPE:name type`.
pub const VARIABLE_TYPE: &str = "EVCXR_VARIABLE_TYPE:";
/// Printed when a stored variable no longer has the type a cell expects.
pub const VARIABLE_CHANGED_TYPE: &str = "EVCXR_VARIABLE_CHANGED_TYPE:";
/// Printed when a cell's `?` caught an error.
pub const USER_ERROR_OCCURRED: &str = "EVCXR_ERROR_OCCURRED";

/// The variables, by name.
#[derive(Default)]
pub struct VariableStore {
    pub(super) variables: HashMap<String, Stored>,
}

/// One variable: its value, and how the memory table looks inside it.
pub(super) struct Stored {
    pub value: Box<dyn Any>,
    pub describer: Describer,
}

/// Stores a variable and how to describe it: `store_variable!(store, x)`
/// for a variable whose type the compiler infers (it is printed for evcxr,
/// as `put_new_variable` does), `store_variable!(store, x: Type)` for one
/// whose type evcxr names. A macro, not a method, because only at the call
/// site is the type concrete enough to choose an `Arrays` impl.
#[doc(hidden)]
#[macro_export]
macro_rules! __store_variable {
    ($store:ident, $name:ident : $type:ty) => {{
        #[allow(unused_imports)]
        use $crate::__kernel::probe::{ViaArrays as _, ViaNothing as _};
        let describer = (&&$crate::__kernel::probe::Probe::<$type>::NEW).describer();
        $store.put_described::<$type>(stringify!($name), $name, describer);
    }};
    ($store:ident, $name:ident) => {{
        #[allow(unused_imports)]
        use $crate::__kernel::probe::{ViaArrays as _, ViaNothing as _};
        let describer = (&&$crate::__kernel::probe::probe_of(&$name)).describer();
        $store.put_new_described(stringify!($name), $name, describer);
    }};
}

/// A new, empty store, handed to evcxr as a raw pointer (it lives until
/// the cell process ends).
pub fn create_variable_store() -> *mut VariableStore {
    Box::into_raw(Box::default())
}

impl VariableStore {
    /// Stores `value` under `name`, replacing what was there.
    pub fn put_variable<T: 'static>(&mut self, name: &str, value: T) {
        self.put_boxed(name, Box::new(value), Describer::Unknown);
    }

    /// [`put_variable`](Self::put_variable), with how to describe it.
    pub fn put_described<T: 'static>(&mut self, name: &str, value: T, describer: Describer) {
        self.put_boxed(name, Box::new(value), describer);
    }

    /// [`put_new_variable`](Self::put_new_variable), with how to describe it.
    pub fn put_new_described<T: 'static>(&mut self, name: &str, value: T, describer: Describer) {
        self.put_new_boxed(name, std::any::type_name::<T>(), Box::new(value), describer);
    }

    /// Stores a variable whose type the compiler inferred, and prints that
    /// type for evcxr, which names it for the cells that load it. A
    /// closure's type cannot be named, so a closure is not kept, and
    /// neither is an older value under its name.
    pub fn put_new_variable<T: 'static>(&mut self, name: &str, value: T) {
        self.put_new_boxed(
            name,
            std::any::type_name::<T>(),
            Box::new(value),
            Describer::Unknown,
        );
    }

    /// Whether the variable `name`, if stored, has type `T`; if not, says
    /// so (for the user on stderr, for evcxr on stdout) and the cell must
    /// not run.
    pub fn check_variable<T: 'static>(&mut self, name: &str) -> bool {
        self.check(name, <dyn Any>::is::<T>)
    }

    /// Takes the variable `name` out of the store, for the cell to own
    /// until it puts it back. evcxr checks each type first, so a missing or
    /// mistyped variable is a bug, and panics.
    pub fn take_variable<T: 'static>(&mut self, name: &str) -> T {
        match self.take_boxed(name).downcast::<T>() {
            Ok(value) => *value,
            Err(_) => changed_type(name),
        }
    }

    /// The value shared under `name`, created by `create` the first time
    /// (evcxr keeps an async cell's runtime this way).
    pub fn lazy_arc<T: 'static, F: FnOnce() -> T>(&mut self, name: &str, create: F) -> Arc<T> {
        let value = self
            .variables
            .entry(name.to_owned())
            .or_insert_with(|| Stored {
                value: Box::new(Arc::new(create())),
                describer: Describer::Unknown,
            });
        match value.value.downcast_ref::<Arc<T>>() {
            Some(value) => Arc::clone(value),
            None => changed_type(name),
        }
    }

    /// Moves every variable of `other` into this store.
    pub fn merge(&mut self, mut other: VariableStore) {
        self.variables.extend(other.variables.drain());
    }

    fn put_boxed(&mut self, name: &str, value: Box<dyn Any>, describer: Describer) {
        self.variables
            .insert(name.to_owned(), Stored { value, describer });
    }

    fn put_new_boxed(
        &mut self,
        name: &str,
        type_name: &str,
        value: Box<dyn Any>,
        describer: Describer,
    ) {
        println!("{VARIABLE_TYPE}{name} {type_name}");
        if type_name.contains("{{closure}}") {
            self.variables.remove(name);
        } else {
            self.put_boxed(name, value, describer);
        }
    }

    fn check(&mut self, name: &str, has_the_type: fn(&dyn Any) -> bool) -> bool {
        match self.variables.get(name) {
            Some(stored) if !has_the_type(stored.value.as_ref()) => {
                eprintln!("The type of the variable {name} was redefined, so was lost.");
                println!("{VARIABLE_CHANGED_TYPE}{name}");
                // Lost for good: evcxr forgets the variable on reading the
                // line above. evcxr's store would keep the value until a new
                // one took its name; this one drops it now, so that the
                // memory report (which reads the store) no longer lists it.
                self.variables.remove(name);
                false
            }
            _ => true,
        }
    }

    fn take_boxed(&mut self, name: &str) -> Box<dyn Any> {
        self.variables
            .remove(name)
            .unwrap_or_else(|| panic!("Variable '{name}' has gone missing"))
            .value
    }
}

#[cold]
fn changed_type(name: &str) -> ! {
    panic!("Variable '{name}' changed type")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_go_in_and_come_out_with_their_types() {
        let mut store = VariableStore::default();
        store.put_variable("n", 3_i32);
        store.put_new_variable("label", String::from("x"));
        assert!(store.check_variable::<i32>("n"));
        assert!(store.check_variable::<u8>("not yet stored"));
        assert_eq!(store.take_variable::<i32>("n"), 3);
        assert_eq!(store.take_variable::<String>("label"), "x");
        assert!(store.variables.is_empty());
    }

    #[test]
    fn a_variable_found_with_another_type_is_lost() {
        let mut store = VariableStore::default();
        store.put_variable("n", 3_i32);
        assert!(!store.check_variable::<u8>("n"));
        assert!(
            !store.variables.contains_key("n"),
            "the memory report no longer sees it"
        );
        assert!(
            store.check_variable::<u8>("n"),
            "a new value may take its name"
        );
    }

    #[test]
    fn a_closure_is_not_kept_nor_what_its_name_held() {
        let mut store = VariableStore::default();
        store.put_variable("f", 1_u8);
        store.put_new_variable("f", |x: u8| x + 1);
        assert!(store.variables.is_empty());
    }

    #[test]
    fn the_macro_keeps_how_to_describe_each_variable() {
        let mut store = VariableStore::default();
        let store_ref = &mut store;
        let layers = vec![crate::NpArray::from_vec(vec![1_u8])];
        let label = std::collections::HashSet::<u8>::new();
        let count = 3;
        store_variable!(store_ref, layers);
        store_variable!(store_ref, label: std::collections::HashSet<u8>);
        store_variable!(store_ref, count: i32);
        let kind = |name: &str| match store.variables[name].describer {
            Describer::Arrays(_) => "arrays",
            Describer::Opaque(_) => "opaque",
            Describer::Unknown => "unknown",
        };
        assert_eq!(
            (kind("layers"), kind("label"), kind("count")),
            ("arrays", "opaque", "arrays")
        );
        assert_eq!(store.take_variable::<i32>("count"), 3);
    }

    #[test]
    fn a_shared_value_is_created_once() {
        let mut store = VariableStore::default();
        let first = store.lazy_arc("runtime", || 7_u32);
        let second = store.lazy_arc("runtime", || unreachable!());
        assert!(Arc::ptr_eq(&first, &second));
    }
}
