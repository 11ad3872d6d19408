//! The prelude's API compiled once, here, for the common element types, so
//! that cells do not compile it again.
//!
//! A generic function is compiled in the crate that first names it with
//! concrete types: `temps.slice(s![2..6]).copy()` in a cell used to make
//! that cell's crate generate about 1,700 functions (the prelude's, and
//! ndarray's iteration code under them) at every compile, most of a warm
//! cell's time. rustc lets a crate reuse the instances its dependencies
//! already compiled ("shared generics") when both are compiled below
//! opt-level 2: cells are compiled at opt-level 0, and the build folders'
//! profile (`session_setup`) compiles this crate at opt-level 1, so it
//! exports every instance it compiles. [`compile_once`] names the API for
//! each element type; nobody calls it, it only gives rustc a reason to
//! compile what it names.
//!
//! What a cell still compiles itself: methods that take its closures
//! (`map`), element types or slice shapes not named here, and ndarray's
//! own API used directly on types this file does not name.
//!
//! Invariant: every public function of `NpArray` and `np` appears here
//! (the tidy tier checks the names), for each of `common_types!`.

use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Sub, SubAssign};

use ndarray::{Array1, Array2, ArrayD, IxDyn, ScalarOperand, s};

use super::probe::{Probe, ViaArrays as _};
use crate::arrays::Arrays;
use crate::np::{self, CopyMode, Order};
use crate::nparray::{Arange, Element, NpArray};

/// The element types compiled here: the ones notebooks use most (Rust's
/// default integer and float, the other common widths, indices, masks).
/// Each costs about 3 s of the prelude's one-time build; the other element
/// types work the same, compiled by the cells that use them.
macro_rules! common_types {
    ($callback:ident) => {
        $callback!(f64 f32 i32 i64 usize u8 bool)
    };
}

/// Names the API for the common element types. Never called.
#[doc(hidden)]
pub fn compile_once() {
    macro_rules! every_type {
        ($($t:ident)*) => {$(
            api::<$t>(<$t as Element>::ZERO);
        )*};
    }
    common_types!(every_type);
    macro_rules! numbers {
        ($($t:ident)*) => {$(
            arithmetic::<$t>(<$t as Element>::ONE);
        )*};
    }
    numbers!(f64 f32 i32 i64 usize u8);
    let _ = (np::zeros(1), np::ones(1), np::empty(1));
}

/// How the memory report looks inside the types cells keep most, chosen
/// where a cell stores a variable (`probe`): compiled here, the cell only
/// names them.
#[allow(clippy::needless_borrow)] // the double reference makes the choice
fn describers<T: Element>() {
    fn describer<V: Arrays + 'static>() {
        let _ = (&&Probe::<V>::NEW).describer();
    }
    describer::<NpArray<T>>();
    describer::<Vec<NpArray<T>>>();
    describer::<Array1<T>>();
    describer::<Array2<T>>();
    describer::<ArrayD<T>>();
    describer::<Vec<T>>();
}

/// Everything an `NpArray<T>` offers whatever `T` is.
fn api<T: Element>(value: T) {
    describers::<T>();
    let a = NpArray::<T>::from_vec(vec![value]);
    let b: NpArray<T> = vec![value].into();
    let _ = NpArray::<T>::from_shape_vec(&[1], vec![value]);
    let _ = NpArray::<T>::full(1, value);
    let _ = NpArray::<T>::zeros(1);
    let _ = NpArray::<T>::ones(1);
    let _ = NpArray::<T>::from_array(&Array1::from_elem(1, value));
    let _ = NpArray::<T>::from_array(&Array2::from_elem((1, 1), value));
    let _ = NpArray::<T>::from_array(&ArrayD::from_elem(IxDyn(&[1]), value));
    let _: NpArray<T> = Array1::from_elem(1, value).into();
    let _: NpArray<T> = Array2::from_elem((1, 1), value).into();
    let _: NpArray<T> = ArrayD::from_elem(IxDyn(&[1]), value).into();

    // Facts.
    let _ = (
        a.shape(),
        a.strides(),
        a.strides_bytes(),
        a.ndim(),
        a.size(),
        a.len(),
    );
    let _ = (
        a.is_empty(),
        a.itemsize(),
        a.nbytes(),
        a.dtype(),
        a.owns_data(),
    );
    let _ = (a.is_writeable(), a.flags(), a.base(), a.memory_facts());
    let _ = (
        a.is_same_array(&b),
        a.shares_memory(&b),
        a.may_share_memory(&b),
    );

    // Elements.
    let _ = (a.get(&[0]), a.at(&[0]));
    a.set(&[0], value);
    a.fill(value);
    a.assign(&b);
    let mut w = a.clone();
    w.set_writeable(true);
    let _ = (a.to_vec(), a.to_array());
    let _ = format!("{a} {a:?} {:?} {:?}", a.view(), a.view_mut());
    a.evcxr_display();

    // New arrays and views.
    let _ = (a.copy(), a.copy_order(Order::K), a.take(&[0], 0));
    let mask = NpArray::<bool>::from_vec(vec![true]);
    let _ = (a.mask(&mask), a.mask(&[true][..]), a.mask(&vec![true]));
    let _ = (a.t(), a.transpose(), a.permuted_axes(&[0]));
    let _ = (
        a.reshape(&[1]),
        a.reshape_order(&[1], Order::F),
        a.reshape_view(&[1]),
    );
    let _ = (
        a.ravel(),
        a.ravel_order(Order::F),
        a.flatten(),
        a.flatten_order(Order::F),
    );
    let _ = a.broadcast_to(&[1]);
    slices(&a);

    // `np`.
    let _ = (
        np::array(&[value]),
        np::array2(&[[value]]),
        np::array2(&[[value; 2]]),
    );
    let _ = (np::array2(&[[value; 3]]), np::array2(&[[value; 4]]));
    let _ = (
        np::full(1, value),
        np::copy(&a, Order::C),
        np::copy_default(&a),
    );
    let _ = (np::empty_like(&a), np::zeros_like(&a), np::ones_like(&a));
    let _ = (
        np::full_like(&a, value),
        np::reshape(&a, &[1]),
        np::transpose(&a),
    );
    let _ = (np::shares_memory(&a, &b), np::may_share_memory(&a, &b));
    let _ = (
        np::broadcast_to(&a, &[1]),
        np::asarray(&a),
        np::copyto(&a, &b),
    );
    let _ = np::array_from(&a, CopyMode::IfNeeded, Order::K);
    let _ = (np::ascontiguousarray(&a), np::asfortranarray(&a));
}

/// The slice shapes `s![]` makes for up to three axes: each axis a range
/// or an index (an index removes the axis; where it stands does not change
/// the type).
fn slices<T: Element>(a: &NpArray<T>) {
    let _ = (a.slice(s![..]), a.slice(s![0]));
    let _ = (a.slice(s![.., ..]), a.slice(s![0, ..]), a.slice(s![0, 0]));
    let _ = (a.slice(s![.., .., ..]), a.slice(s![0, .., ..]));
    let _ = (a.slice(s![0, 0, ..]), a.slice(s![0, 0, 0]));
}

/// Arithmetic, for the element types that have it.
fn arithmetic<T>(value: T)
where
    T: Arange + ScalarOperand,
    T: Add<Output = T> + Sub<Output = T> + Mul<Output = T> + Div<Output = T>,
    T: AddAssign + SubAssign + MulAssign + DivAssign,
{
    let mut a = np::arange(value, value, value);
    let b = a.clone();
    let _ = (&a + &b, &a - &b, &a * &b, &a / &b);
    let _ = (&a + value, &a - value, &a * value, &a / value);
    a += value;
    a -= value;
    a *= value;
    a /= value;
    a += &b;
    a -= &b;
    a *= &b;
    a /= &b;
}
