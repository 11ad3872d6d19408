//! Chooses, where a value's type is written out in full, whether the
//! memory table can look inside it: the [`Arrays`] impl when the type has
//! one, and a do-nothing fallback when it has not.
//!
//! A generic function cannot ask "does `T` implement `Arrays`?" (stable
//! Rust has no specialization), but method lookup at a call site whose
//! types are concrete can: `(&&Probe::<T>::NEW).describer()` finds
//! [`ViaArrays`]'s method on `&Probe<T>` first, and only when `T` has no
//! impl does lookup go on to [`ViaNothing`]'s on `Probe<T>`. The cells'
//! store statements (see `variable_store`) and `#[derive(Arrays)]` expand
//! to such calls, with both traits imported.

use std::any::Any;
use std::marker::PhantomData;

use crate::arrays::{ArrayVisitor, Arrays};

/// Stands for the type `T` in a method call; never holds a value.
pub struct Probe<T: ?Sized>(PhantomData<fn(&T)>);

impl<T: ?Sized> Probe<T> {
    pub const NEW: Probe<T> = Probe(PhantomData);
}

/// The probe for the type of `value` (for a variable whose type only the
/// compiler knows).
pub fn probe_of<T>(_: &T) -> Probe<T> {
    Probe::NEW
}

/// How the report looks inside one stored variable.
#[derive(Clone, Copy)]
pub enum Describer {
    /// Its type implements `Arrays`: visit it through this function.
    Arrays(fn(&dyn Any, &mut ArrayVisitor)),
    /// Its type does not; this gives the type's name, so that a type of
    /// the notebook's own can be pointed at `#[derive(Arrays)]`.
    Opaque(fn() -> &'static str),
    /// Stored without a probe (evcxr's plain `put_variable`).
    Unknown,
}

/// Chosen when `T` implements [`Arrays`].
pub trait ViaArrays<T: ?Sized> {
    fn visit(&self, value: &T, visitor: &mut ArrayVisitor);
    fn describer(&self) -> Describer
    where
        T: Sized + 'static;
}

impl<T: Arrays + ?Sized> ViaArrays<T> for &Probe<T> {
    fn visit(&self, value: &T, visitor: &mut ArrayVisitor) {
        value.visit_arrays(visitor);
    }
    fn describer(&self) -> Describer
    where
        T: Sized + 'static,
    {
        Describer::Arrays(visit_stored::<T>)
    }
}

/// Chosen when `T` does not implement [`Arrays`].
pub trait ViaNothing<T: ?Sized> {
    fn visit(&self, value: &T, visitor: &mut ArrayVisitor);
    fn describer(&self) -> Describer
    where
        T: Sized + 'static;
}

impl<T: ?Sized> ViaNothing<T> for Probe<T> {
    fn visit(&self, _: &T, _: &mut ArrayVisitor) {}
    fn describer(&self) -> Describer
    where
        T: Sized + 'static,
    {
        Describer::Opaque(std::any::type_name::<T>)
    }
}

fn visit_stored<T: Arrays + 'static>(value: &dyn Any, visitor: &mut ArrayVisitor) {
    if let Some(value) = value.downcast_ref::<T>() {
        value.visit_arrays(visitor);
    }
}

#[cfg(test)]
// The double reference is what makes the choice: it is not needless here.
#[allow(clippy::needless_borrow)]
mod tests {
    use super::*;
    use crate::NpArray;

    fn is_arrays(describer: Describer) -> bool {
        matches!(describer, Describer::Arrays(_))
    }

    #[test]
    fn the_impl_is_chosen_when_there_is_one() {
        let a = NpArray::from_vec(vec![1.0_f64]);
        assert!(is_arrays((&&probe_of(&a)).describer()));
        assert!(is_arrays(
            (&&Probe::<Vec<Option<NpArray<f64>>>>::NEW).describer()
        ));
        let text = String::from("x");
        assert!(is_arrays((&&probe_of(&text)).describer()));
        struct Mine;
        let Describer::Opaque(name) = (&&probe_of(&Mine)).describer() else {
            panic!("a type without Arrays is opaque");
        };
        assert!(name().ends_with("Mine"));
    }

    #[test]
    fn unsuffixed_literals_still_compile() {
        // Integer and float literals are not yet i32/f64 when the probe is
        // looked up; every number has an impl, so the choice is the same.
        let n = 5;
        let x = 2.5;
        let v = vec![1, 2];
        assert!(is_arrays((&&probe_of(&n)).describer()));
        assert!(is_arrays((&&probe_of(&x)).describer()));
        assert!(is_arrays((&&probe_of(&v)).describer()));
    }
}
