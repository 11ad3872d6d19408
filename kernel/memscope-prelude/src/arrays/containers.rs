//! [`Arrays`] for std's containers: each element, field or map value is
//! visited under the path Rust would write for it.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

use super::{ArrayVisitor, Arrays, Container, PathKey, visit_each};

impl<T: Arrays> Arrays for Vec<T> {
    const MAY_HOLD_ARRAYS: bool = true;
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        T::visit_elements(self, Container::Vec, visitor);
    }
}

impl<T: Arrays> Arrays for [T] {
    const MAY_HOLD_ARRAYS: bool = T::MAY_HOLD_ARRAYS;
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        T::visit_elements(self, Container::Inline, visitor);
    }
    /// A `Box<[f64]>` is an array of its own, as a `Vec<f64>` is.
    fn visit_in_box(&self, visitor: &mut ArrayVisitor) {
        T::visit_elements(self, Container::BoxedSlice, visitor);
    }
}

impl<T: Arrays, const N: usize> Arrays for [T; N] {
    const MAY_HOLD_ARRAYS: bool = T::MAY_HOLD_ARRAYS;
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        T::visit_elements(self, Container::Inline, visitor);
    }
}

impl<T: Arrays> Arrays for VecDeque<T> {
    const MAY_HOLD_ARRAYS: bool = T::MAY_HOLD_ARRAYS;
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        visit_each(self, visitor);
    }
}

/// A box is its content: `Box<Layer>` shows `boxed.w`.
impl<T: Arrays + ?Sized> Arrays for Box<T> {
    const MAY_HOLD_ARRAYS: bool = true;
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        (**self).visit_in_box(visitor);
    }
}

impl<T: Arrays + ?Sized> Arrays for Rc<T> {
    const MAY_HOLD_ARRAYS: bool = T::MAY_HOLD_ARRAYS;
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        let address = Rc::as_ptr(self).cast::<()>().addr();
        visitor.shared(address, |v| (**self).visit_arrays(v));
    }
}

impl<T: Arrays + ?Sized> Arrays for Arc<T> {
    const MAY_HOLD_ARRAYS: bool = T::MAY_HOLD_ARRAYS;
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        let address = Arc::as_ptr(self).cast::<()>().addr();
        visitor.shared(address, |v| (**self).visit_arrays(v));
    }
}

/// A `RefCell` that is borrowed for writing right now is skipped: reading
/// it could not be done without waiting for the writer.
impl<T: Arrays + ?Sized> Arrays for RefCell<T> {
    const MAY_HOLD_ARRAYS: bool = T::MAY_HOLD_ARRAYS;
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        if let Ok(inner) = self.try_borrow() {
            inner.visit_arrays(visitor);
        }
    }
}

/// `Some(array)` is shown under the option's own path.
impl<T: Arrays> Arrays for Option<T> {
    const MAY_HOLD_ARRAYS: bool = T::MAY_HOLD_ARRAYS;
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        if let Some(inner) = self {
            inner.visit_arrays(visitor);
        }
    }
}

/// `Ok` and `Err` alike are shown under the result's own path.
impl<T: Arrays, E: Arrays> Arrays for Result<T, E> {
    const MAY_HOLD_ARRAYS: bool = T::MAY_HOLD_ARRAYS || E::MAY_HOLD_ARRAYS;
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        match self {
            Ok(inner) => inner.visit_arrays(visitor),
            Err(inner) => inner.visit_arrays(visitor),
        }
    }
}

impl<K: PathKey, V: Arrays, S> Arrays for HashMap<K, V, S> {
    const MAY_HOLD_ARRAYS: bool = V::MAY_HOLD_ARRAYS;
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        visit_map(self.iter(), visitor);
    }
}

impl<K: PathKey, V: Arrays> Arrays for BTreeMap<K, V> {
    const MAY_HOLD_ARRAYS: bool = V::MAY_HOLD_ARRAYS;
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        visit_map(self.iter(), visitor);
    }
}

fn visit_map<'a, K: PathKey + 'a, V: Arrays + 'a>(
    entries: impl Iterator<Item = (&'a K, &'a V)>,
    visitor: &mut ArrayVisitor,
) {
    if !V::MAY_HOLD_ARRAYS {
        return;
    }
    for (key, value) in entries {
        if visitor.is_full() {
            break;
        }
        visitor.key(key, |v| value.visit_arrays(v));
    }
}

/// Tuples show their parts as `.0`, `.1`, ...
macro_rules! tuples {
    ($( ($($t:ident $i:tt),+) )*) => {$(
        impl<$($t: Arrays),+> Arrays for ($($t,)+) {
            const MAY_HOLD_ARRAYS: bool = $($t::MAY_HOLD_ARRAYS)||+;
            fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
                $(if $t::MAY_HOLD_ARRAYS {
                    visitor.field(stringify!($i), |v| self.$i.visit_arrays(v));
                })+
            }
        }
    )*};
}
tuples! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11)
}

/// Values that never hold arrays, so that containers of them (and tuples
/// and structs with such fields) still have an impl.
macro_rules! no_arrays {
    ($($t:ty),*) => {$(
        impl Arrays for $t {
            const MAY_HOLD_ARRAYS: bool = false;
            fn visit_arrays(&self, _: &mut ArrayVisitor) {}
        }
    )*};
}
no_arrays!(
    String,
    str,
    char,
    (),
    std::path::PathBuf,
    std::time::Duration
);

/// A reference is what it points to (`("w", array)` pairs, a struct that
/// borrows its arrays).
impl<T: Arrays + ?Sized> Arrays for &T {
    const MAY_HOLD_ARRAYS: bool = T::MAY_HOLD_ARRAYS;
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        (**self).visit_arrays(visitor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NpArray;
    use crate::arrays::Found;

    fn paths<T: Arrays>(value: &T) -> Vec<String> {
        let mut visitor = ArrayVisitor::new();
        visitor.variable("x", |v| value.visit_arrays(v));
        let Found { arrays, .. } = visitor.finish();
        arrays.into_iter().map(|(path, _)| path).collect()
    }

    #[test]
    fn nested_containers_name_each_array_by_its_path() {
        let a = NpArray::from_vec(vec![1.0_f64, 2.0]);
        let nested = vec![None, Some(a.clone())];
        assert_eq!(paths(&nested), ["x[1]"]);
        let mut params = HashMap::new();
        params.insert("w".to_owned(), (a.clone(), a.clone()));
        assert_eq!(paths(&params), [r#"x["w"].0"#, r#"x["w"].1"#]);
        let mixed = (
            3_u8,
            "label".to_owned(),
            [a.clone()],
            Box::new(Rc::new(a.clone())),
        );
        assert_eq!(paths(&mixed), ["x.2[0]", "x.3"]);
        let results: Vec<Result<NpArray<f64>, String>> = vec![Ok(a.clone()), Err("no".into())];
        assert_eq!(paths(&results), ["x[0]"]);
        let mut ordered = BTreeMap::new();
        ordered.insert('b', VecDeque::from([a.clone()]));
        assert_eq!(paths(&ordered), ["x['b'][0]"]);
    }

    #[test]
    fn vectors_of_numbers_are_arrays_and_fixed_arrays_are_not() {
        assert_eq!(paths(&vec![1.0_f32, 2.0]), ["x"]);
        assert_eq!(paths(&vec![1_u8].into_boxed_slice()), ["x"]);
        assert_eq!(paths(&vec![vec![1_i32], vec![]]), ["x[0]", "x[1]"]);
        assert!(paths(&[1.0_f64; 3]).is_empty());
        assert!(paths(&vec!["text".to_owned()]).is_empty());
    }

    #[test]
    fn derived_structs_and_enums_show_their_fields() {
        #[derive(crate::Arrays)]
        struct Layer {
            w: NpArray<f64>,
            #[allow(dead_code)]
            seen: std::collections::HashSet<u8>,
            pub bias: Option<NpArray<f64>>,
        }
        #[derive(crate::Arrays)]
        struct Pair(NpArray<f64>, String, NpArray<f64>);
        #[derive(crate::Arrays)]
        enum Shape {
            Flat(NpArray<f64>),
            Grid {
                cells: Vec<NpArray<f64>>,
                rows: usize,
            },
            Empty,
        }
        #[derive(crate::Arrays)]
        struct Wrapper<'a, T: Clone, const N: usize = 2>
        where
            T: Default,
        {
            inner: [T; N],
            borrowed: &'a NpArray<f64>,
        }
        let a = NpArray::from_vec(vec![1.0_f64, 2.0]);
        let layer = Layer {
            w: a.clone(),
            seen: Default::default(),
            bias: Some(a.clone()),
        };
        assert_eq!(paths(&layer), ["x.w", "x.bias"]);
        assert_eq!(
            paths(&Pair(a.clone(), "p".into(), a.clone())),
            ["x.0", "x.2"]
        );
        assert_eq!(paths(&Shape::Flat(a.clone())), ["x.0"]);
        let grid = Shape::Grid {
            cells: vec![a.clone()],
            rows: 1,
        };
        assert_eq!(paths(&grid), ["x.cells[0]"]);
        assert!(paths(&Shape::Empty).is_empty());
        let wrapper = Wrapper {
            inner: [vec![1_u8], vec![2_u8]],
            borrowed: &a,
        };
        assert_eq!(paths(&wrapper), ["x.inner[0]", "x.inner[1]", "x.borrowed"]);
    }

    #[test]
    fn a_cycle_through_rc_ends() {
        struct Node {
            array: NpArray<u8>,
            next: Option<Rc<RefCell<Node>>>,
        }
        crate::arrays!(Node { array, next });
        let first = Rc::new(RefCell::new(Node {
            array: NpArray::from_vec(vec![1]),
            next: None,
        }));
        let second = Rc::new(RefCell::new(Node {
            array: NpArray::from_vec(vec![2]),
            next: Some(Rc::clone(&first)),
        }));
        first.borrow_mut().next = Some(Rc::clone(&second));
        assert_eq!(paths(&first), ["x.array", "x.next.array"]);
        // Break the cycle so the test does not leak.
        first.borrow_mut().next = None;
    }
}
