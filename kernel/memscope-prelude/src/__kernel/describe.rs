//! Recognises array-like values behind `dyn Any` and reads their layout.
//!
//! evcxr keeps each variable as a `Box<dyn Any>`, so the only way to know
//! what a variable is, without compiling anything per cell, is to compare
//! its `TypeId` with every array type we support: ndarray's `Array`,
//! `ArcArray`, `CowArray`, `'static` views, `Vec<T>`, `Box<[T]>` and
//! [`NpArray`], for every element type and for 1 to 6 dimensions and
//! `IxDyn`. The table of describers is built once per process.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::OnceLock;

use ndarray::{
    ArcArray, Array, ArrayBase, ArrayView, ArrayViewMut, CowArray, Dimension, Ix1, Ix2, Ix3, Ix4,
    Ix5, Ix6, IxDyn, RawData,
};

use memscope_cell_abi::{ArrayFacts, Storage};

use crate::nparray::{Element, NpArray};

type Describer = fn(&dyn Any) -> Option<ArrayFacts>;

/// The layout of `value` if it is an array-like value we know.
pub fn describe(value: &dyn Any) -> Option<ArrayFacts> {
    let describer = describers().get(&value.type_id())?;
    describer(value)
}

fn describers() -> &'static HashMap<TypeId, Describer> {
    static TABLE: OnceLock<HashMap<TypeId, Describer>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = HashMap::new();
        // Defined after `table`, so that the macro's body can name it.
        macro_rules! register_every_element {
            ($($t:ident)*) => { $(register_element::<$t>(&mut table);)* };
        }
        memscope_cell_abi::for_each_dtype!(register_every_element);
        table
    })
}

fn register_element<T: Element>(table: &mut HashMap<TypeId, Describer>) {
    register_dim::<T, Ix1>(table);
    register_dim::<T, Ix2>(table);
    register_dim::<T, Ix3>(table);
    register_dim::<T, Ix4>(table);
    register_dim::<T, Ix5>(table);
    register_dim::<T, Ix6>(table);
    register_dim::<T, IxDyn>(table);
    table.insert(TypeId::of::<Vec<T>>(), describe_vec::<T>);
    table.insert(TypeId::of::<Box<[T]>>(), describe_boxed_slice::<T>);
    table.insert(TypeId::of::<NpArray<T>>(), describe_nparray::<T>);
}

fn register_dim<T: Element, D: Dimension + 'static>(table: &mut HashMap<TypeId, Describer>) {
    table.insert(TypeId::of::<Array<T, D>>(), describe_array::<T, D>);
    table.insert(TypeId::of::<ArcArray<T, D>>(), describe_arc_array::<T, D>);
    table.insert(
        TypeId::of::<CowArray<'static, T, D>>(),
        describe_cow::<T, D>,
    );
    table.insert(
        TypeId::of::<ArrayView<'static, T, D>>(),
        describe_view::<T, D>,
    );
    table.insert(
        TypeId::of::<ArrayViewMut<'static, T, D>>(),
        describe_view_mut::<T, D>,
    );
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
    S: RawData,
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
    }
}

fn describe_array<T: Element, D: Dimension + 'static>(value: &dyn Any) -> Option<ArrayFacts> {
    let array = value.downcast_ref::<Array<T, D>>()?;
    Some(facts_of(
        array,
        type_name::<T, D>("Array"),
        true,
        Storage::Owned,
    ))
}

fn describe_arc_array<T: Element, D: Dimension + 'static>(value: &dyn Any) -> Option<ArrayFacts> {
    let array = value.downcast_ref::<ArcArray<T, D>>()?;
    let storage = Storage::Shared {
        unique: array.is_unique(),
    };
    Some(facts_of(
        array,
        type_name::<T, D>("ArcArray"),
        true,
        storage,
    ))
}

fn describe_cow<T: Element, D: Dimension + 'static>(value: &dyn Any) -> Option<ArrayFacts> {
    let array = value.downcast_ref::<CowArray<'static, T, D>>()?;
    let name = type_name::<T, D>("CowArray");
    Some(if array.is_view() {
        facts_of(array, name, false, Storage::Borrowed)
    } else {
        facts_of(array, name, true, Storage::Owned)
    })
}

fn describe_view<T: Element, D: Dimension + 'static>(value: &dyn Any) -> Option<ArrayFacts> {
    let array = value.downcast_ref::<ArrayView<'static, T, D>>()?;
    Some(facts_of(
        array,
        type_name::<T, D>("ArrayView"),
        false,
        Storage::Borrowed,
    ))
}

fn describe_view_mut<T: Element, D: Dimension + 'static>(value: &dyn Any) -> Option<ArrayFacts> {
    let array = value.downcast_ref::<ArrayViewMut<'static, T, D>>()?;
    Some(facts_of(
        array,
        type_name::<T, D>("ArrayViewMut"),
        true,
        Storage::Borrowed,
    ))
}

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
    }
}

fn describe_vec<T: Element>(value: &dyn Any) -> Option<ArrayFacts> {
    let vec = value.downcast_ref::<Vec<T>>()?;
    Some(slice_facts(vec, format!("Vec<{}>", T::DTYPE)))
}

fn describe_boxed_slice<T: Element>(value: &dyn Any) -> Option<ArrayFacts> {
    let boxed = value.downcast_ref::<Box<[T]>>()?;
    Some(slice_facts(boxed, format!("Box<[{}]>", T::DTYPE)))
}

fn describe_nparray<T: Element>(value: &dyn Any) -> Option<ArrayFacts> {
    Some(value.downcast_ref::<NpArray<T>>()?.report_facts())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array3, ArrayD, array, s};

    fn facts(value: &dyn Any) -> ArrayFacts {
        describe(value).expect("an array type")
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
    fn static_views_and_cows_are_borrowed() {
        // A `'static` view needs memory that lives for ever: a static.
        static DATA: [f32; 10] = [0.0; 10];
        let view: ArrayView<'static, f32, Ix1> = ArrayView::from(&DATA);
        let reversed = view.slice_move(s![..;-1]);
        let f = facts(&reversed);
        assert_eq!((f.strides, f.writeable), (vec![-1], false));
        assert_eq!(f.first, DATA.as_ptr() as usize + 9 * 4);
        assert_eq!(f.storage, Storage::Borrowed);

        let cow: CowArray<'static, f32, Ix1> = CowArray::from(reversed);
        assert_eq!(facts(&cow).storage, Storage::Borrowed);
        let owned: CowArray<'static, f32, Ix1> = CowArray::from(ndarray::arr1(&[1.0_f32]));
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

    #[test]
    fn other_values_are_not_arrays() {
        assert_eq!(describe(&5_i32), None);
        assert_eq!(describe(&"text".to_owned()), None);
        assert_eq!(describe(&vec!["a"]), None);
    }
}
