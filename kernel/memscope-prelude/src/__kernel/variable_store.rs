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
//! Invariant: the same items, signatures, printed lines and meaning as
//! evcxr 0.22.0's `evcxr_internal_runtime.rs`, which evcxr's generated code
//! calls and whose lines evcxr reads (the engine tier runs every cell
//! through this module). [`report`](super::report) reads the store through
//! the same type, so no layout is assumed anywhere.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

/// Printed by a cell before a variable's type, which evcxr reads to learn
/// it: `EVCXR_VARIABLE_TYPE:name type`.
pub const VARIABLE_TYPE: &str = "EVCXR_VARIABLE_TYPE:";
/// Printed when a stored variable no longer has the type a cell expects.
pub const VARIABLE_CHANGED_TYPE: &str = "EVCXR_VARIABLE_CHANGED_TYPE:";
/// Printed when a cell's `?` caught an error.
pub const USER_ERROR_OCCURRED: &str = "EVCXR_ERROR_OCCURRED";

/// The variables, by name, each boxed as `dyn Any`.
#[derive(Default)]
pub struct VariableStore {
    pub(super) variables: HashMap<String, Box<dyn Any>>,
}

/// A new, empty store, handed to evcxr as a raw pointer (it lives until
/// the cell process ends).
pub fn create_variable_store() -> *mut VariableStore {
    Box::into_raw(Box::default())
}

impl VariableStore {
    /// Stores `value` under `name`, replacing what was there.
    pub fn put_variable<T: 'static>(&mut self, name: &str, value: T) {
        self.put_boxed(name, Box::new(value));
    }

    /// Stores a variable whose type the compiler inferred, and prints that
    /// type for evcxr, which names it for the cells that load it. A
    /// closure's type cannot be named, so a closure is not kept, and
    /// neither is an older value under its name.
    pub fn put_new_variable<T: 'static>(&mut self, name: &str, value: T) {
        self.put_new_boxed(name, std::any::type_name::<T>(), Box::new(value));
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
            .or_insert_with(|| Box::new(Arc::new(create())));
        match value.downcast_ref::<Arc<T>>() {
            Some(value) => Arc::clone(value),
            None => changed_type(name),
        }
    }

    /// Moves every variable of `other` into this store.
    pub fn merge(&mut self, mut other: VariableStore) {
        self.variables.extend(other.variables.drain());
    }

    fn put_boxed(&mut self, name: &str, value: Box<dyn Any>) {
        self.variables.insert(name.to_owned(), value);
    }

    fn put_new_boxed(&mut self, name: &str, type_name: &str, value: Box<dyn Any>) {
        println!("{VARIABLE_TYPE}{name} {type_name}");
        if type_name.contains("{{closure}}") {
            self.variables.remove(name);
        } else {
            self.put_boxed(name, value);
        }
    }

    fn check(&mut self, name: &str, has_the_type: fn(&dyn Any) -> bool) -> bool {
        match self.variables.get(name) {
            Some(value) if !has_the_type(value.as_ref()) => {
                eprintln!("The type of the variable {name} was redefined, so was lost.");
                println!("{VARIABLE_CHANGED_TYPE}{name}");
                false
            }
            _ => true,
        }
    }

    fn take_boxed(&mut self, name: &str) -> Box<dyn Any> {
        self.variables
            .remove(name)
            .unwrap_or_else(|| panic!("Variable '{name}' has gone missing"))
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
        assert!(!store.check_variable::<u8>("n"));
        assert!(store.check_variable::<u8>("not yet stored"));
        assert_eq!(store.take_variable::<i32>("n"), 3);
        assert_eq!(store.take_variable::<String>("label"), "x");
        assert!(store.variables.is_empty());
    }

    #[test]
    fn a_closure_is_not_kept_nor_what_its_name_held() {
        let mut store = VariableStore::default();
        store.put_variable("f", 1_u8);
        store.put_new_variable("f", |x: u8| x + 1);
        assert!(store.variables.is_empty());
    }

    #[test]
    fn a_shared_value_is_created_once() {
        let mut store = VariableStore::default();
        let first = store.lazy_arc("runtime", || 7_u32);
        let second = store.lazy_arc("runtime", || unreachable!());
        assert!(Arc::ptr_eq(&first, &second));
    }
}
