//! [`Arrays`] for the arrays themselves: `NpArray`, ndarray's arrays and
//! views, and vectors and boxed slices of numbers, each reporting its
//! layout and a sample of its values (`values.rs`).

use ndarray::{ArrayBase, ArrayView1, CowRepr, Data, Dimension, OwnedArcRepr, OwnedRepr, ViewRepr};

use memscope_cell_abi::{ArrayFacts, Storage};

use super::values::sample;
use super::{ArrayVisitor, Arrays, Container, visit_each};
use crate::nparray::{Element, NpArray};

impl<T: Element> Arrays for NpArray<T> {
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        visitor.array(|| self.report_facts());
    }
}

/// A number is no array, but a `Vec` or `Box<[_]>` of numbers is one.
macro_rules! numbers {
    ($($t:ident)*) => {$(
        impl Arrays for $t {
            const MAY_HOLD_ARRAYS: bool = false;
            fn visit_arrays(&self, _: &mut ArrayVisitor) {}
            fn visit_elements(items: &[$t], container: Container, visitor: &mut ArrayVisitor) {
                match container {
                    Container::Vec => visitor.array(|| slice_facts(items, format!("Vec<{}>", stringify!($t)))),
                    Container::BoxedSlice => visitor.array(|| slice_facts(items, format!("Box<[{}]>", stringify!($t)))),
                    Container::Inline => visit_each(items, visitor),
                }
            }
        }
    )*};
}
memscope_cell_abi::for_each_dtype!(numbers);

fn slice_facts<T: Element>(slice: &[T], type_name: String) -> ArrayFacts {
    ArrayFacts {
        type_name,
        dtype: T::DTYPE,
        itemsize: std::mem::size_of::<T>(),
        shape: vec![slice.len()],
        strides: vec![1],
        first: slice.as_ptr() as usize,
        writeable: true,
        storage: Storage::Owned,
        values: sample(&ArrayView1::from(slice).into_dyn()),
    }
}

impl<T: Element, D: Dimension> Arrays for ArrayBase<OwnedRepr<T>, D> {
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        visitor.array(|| facts_of(self, type_name::<T, D>("Array"), true, Storage::Owned));
    }
}

impl<T: Element, D: Dimension> Arrays for ArrayBase<OwnedArcRepr<T>, D> {
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        let storage = Storage::Shared {
            unique: self.is_unique(),
        };
        visitor.array(|| facts_of(self, type_name::<T, D>("ArcArray"), true, storage));
    }
}

impl<T: Element, D: Dimension> Arrays for ArrayBase<CowRepr<'_, T>, D> {
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        let name = type_name::<T, D>("CowArray");
        visitor.array(|| {
            if self.is_view() {
                facts_of(self, name, false, Storage::Borrowed)
            } else {
                facts_of(self, name, true, Storage::Owned)
            }
        });
    }
}

impl<T: Element, D: Dimension> Arrays for ArrayBase<ViewRepr<&T>, D> {
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        visitor.array(|| {
            facts_of(
                self,
                type_name::<T, D>("ArrayView"),
                false,
                Storage::Borrowed,
            )
        });
    }
}

impl<T: Element, D: Dimension> Arrays for ArrayBase<ViewRepr<&mut T>, D> {
    fn visit_arrays(&self, visitor: &mut ArrayVisitor) {
        visitor.array(|| {
            facts_of(
                self,
                type_name::<T, D>("ArrayViewMut"),
                true,
                Storage::Borrowed,
            )
        });
    }
}

/// `Array2<f64>`, `ArcArray<f64, Ix3>`, `ArrayViewD<u8>`: the names people write.
fn type_name<T: Element, D: Dimension>(kind: &str) -> String {
    let rank = match D::NDIM {
        Some(n) => n.to_string(),
        None => "D".to_owned(),
    };
    let has_alias = match kind {
        "ArcArray" => matches!(D::NDIM, Some(1 | 2)),
        "CowArray" => false,
        _ => true,
    };
    if has_alias {
        format!("{kind}{rank}<{}>", T::DTYPE)
    } else {
        let dim = match D::NDIM {
            Some(n) => format!("Ix{n}"),
            None => "IxDyn".to_owned(),
        };
        format!("{kind}<{}, {dim}>", T::DTYPE)
    }
}

fn facts_of<S, D>(
    array: &ArrayBase<S, D>,
    type_name: String,
    writeable: bool,
    storage: Storage,
) -> ArrayFacts
where
    S: Data,
    S::Elem: Element,
    D: Dimension,
{
    ArrayFacts {
        type_name,
        dtype: S::Elem::DTYPE,
        itemsize: std::mem::size_of::<S::Elem>(),
        shape: array.shape().to_vec(),
        strides: array.strides().to_vec(),
        first: array.as_ptr() as usize,
        writeable,
        storage,
        values: sample(&array.view().into_dyn()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrays::Found;
    use ndarray::{Array3, ArrayD, ArrayView, CowArray, Ix1, array, s};

    fn facts<T: Arrays>(value: &T) -> ArrayFacts {
        let mut visitor = ArrayVisitor::new();
        visitor.variable("x", |v| value.visit_arrays(v));
        let Found { mut arrays, .. } = visitor.finish();
        assert_eq!(arrays.len(), 1, "one array");
        arrays.remove(0).1
    }

    #[test]
    fn owned_arrays_of_every_rank_are_described() {
        let a = array![[1.0_f64, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let f = facts(&a);
        assert_eq!(f.type_name, "Array2<f64>");
        assert_eq!((f.dtype, f.itemsize), ("f64", 8));
        assert_eq!((f.shape, f.strides), (vec![2, 3], vec![3, 1]));
        assert_eq!(f.first, a.as_ptr() as usize);
        assert_eq!(f.storage, Storage::Owned);

        let d: ArrayD<u8> = ArrayD::zeros(vec![2, 2, 2, 2, 2, 2, 2]);
        assert_eq!(facts(&d).type_name, "ArrayD<u8>");
        let cube = Array3::<bool>::from_elem((1, 2, 3), false);
        assert_eq!(facts(&cube).dtype, "bool");
    }

    #[test]
    fn arc_arrays_say_whether_they_are_shared() {
        let a = ndarray::arr1(&[1_i32, 2, 3]).into_shared();
        assert_eq!(facts(&a).storage, Storage::Shared { unique: true });
        let b = a.clone();
        assert_eq!(facts(&a).storage, Storage::Shared { unique: false });
        assert_eq!(facts(&b).first, facts(&a).first);
        assert_eq!(facts(&b).type_name, "ArcArray1<i32>");
    }

    #[test]
    fn views_and_cows_are_borrowed() {
        let data = [0.0_f32; 10];
        let view: ArrayView<'_, f32, Ix1> = ArrayView::from(&data);
        let reversed = view.slice_move(s![..;-1]);
        let f = facts(&reversed);
        assert_eq!((f.strides, f.writeable), (vec![-1], false));
        assert_eq!(f.first, data.as_ptr() as usize + 9 * 4);
        assert_eq!(f.storage, Storage::Borrowed);

        let cow: CowArray<'_, f32, Ix1> = CowArray::from(reversed);
        assert_eq!(facts(&cow).storage, Storage::Borrowed);
        let owned: CowArray<'_, f32, Ix1> = CowArray::from(ndarray::arr1(&[1.0_f32]));
        assert_eq!(facts(&owned).storage, Storage::Owned);
    }

    #[test]
    fn vectors_and_boxed_slices_are_one_dimensional_owners() {
        let v = vec![1_u64, 2, 3];
        assert_eq!(facts(&v).type_name, "Vec<u64>");
        assert_eq!(facts(&v).shape, vec![3]);
        let b: Box<[i16]> = vec![1, 2].into_boxed_slice();
        assert_eq!(facts(&b).type_name, "Box<[i16]>");
    }
}
