//! Memory orders against NumPy's answers: `ravel`, `reshape` and
//! `flatten` in orders K, A, C and F (which give views, which copy, and the
//! elements' order), and `np::asarray` / `np::array_from` with NumPy 2's
//! `copy=` keyword (when the very same array comes back).
//!
//! Expected values are NumPy 2.3's for the same arrays (strides in
//! elements).

use memscope_prelude::np::{CopyMode, Order};
use memscope_prelude::nparray::NpError;
use memscope_prelude::*;

const ORDERS: [Order; 4] = [Order::K, Order::A, Order::C, Order::F];

/// NumPy's `np.arange(6).reshape(2, 3)`, owning its memory.
fn grid() -> NpArray<i64> {
    NpArray::from_shape_vec(&[2, 3], (0..6).collect()).unwrap()
}

/// Whether `result` is a view of `of`'s memory, and its elements in C
/// order.
fn outcome(result: &NpArray<i64>, of: &NpArray<i64>) -> (bool, Vec<i64>) {
    (result.shares_memory(of), result.to_vec())
}

// ----------------------------------------------------------------- ravel

#[test]
fn ravel_of_a_transpose_is_a_view_in_k_a_and_f_order() {
    // m.T.ravel(order=...) for m = np.arange(6).reshape(2, 3)
    let m = grid();
    let t = m.t();
    let memory_order = vec![0, 1, 2, 3, 4, 5];
    assert_eq!(
        outcome(&t.ravel_order(Order::K), &m),
        (true, memory_order.clone())
    );
    assert_eq!(
        outcome(&t.ravel_order(Order::A), &m),
        (true, memory_order.clone())
    );
    assert_eq!(outcome(&t.ravel_order(Order::F), &m), (true, memory_order));
    assert_eq!(
        outcome(&t.ravel_order(Order::C), &m),
        (false, vec![0, 3, 1, 4, 2, 5])
    );
    let view = t.ravel_order(Order::K);
    assert_eq!((view.strides(), view.owns_data()), (&[1][..], false));
    assert!(view.base().unwrap().is_same_array(&m));
    // And of the C-ordered grid itself: a view except in F order.
    assert_eq!(
        outcome(&m.ravel_order(Order::K), &m),
        (true, vec![0, 1, 2, 3, 4, 5])
    );
    assert_eq!(
        outcome(&m.ravel_order(Order::F), &m),
        (false, vec![0, 3, 1, 4, 2, 5])
    );
    assert!(m.ravel().shares_memory(&m));
}

#[test]
fn ravel_in_k_order_views_permutations_but_copies_reversed_axes() {
    // np.arange(24).reshape(2, 3, 4).transpose(2, 0, 1).ravel('K'): a view
    // in memory order; in C order, a copy.
    let cube = NpArray::from_shape_vec(&[2, 3, 4], (0..24).collect()).unwrap();
    let permuted = cube.permuted_axes(&[2, 0, 1]);
    let k = permuted.ravel_order(Order::K);
    assert_eq!(outcome(&k, &cube), (true, (0..24).collect()));
    assert_eq!(
        &permuted.ravel_order(Order::C).to_vec()[..6],
        &[0, 4, 8, 12, 16, 20]
    );
    assert!(!permuted.ravel_order(Order::A).shares_memory(&cube));
    // m[:, ::-1] and m[::-1].T: negative strides always copy, and K reads a
    // reversed axis forwards.
    let m = grid();
    let mirrored = m.slice(s![.., ..;-1]);
    for order in ORDERS {
        assert!(!mirrored.ravel_order(order).shares_memory(&m), "{order:?}");
    }
    assert_eq!(
        mirrored.ravel_order(Order::K).to_vec(),
        vec![2, 1, 0, 5, 4, 3]
    );
    let flipped_t = m.slice(s![..;-1, ..]).t();
    assert_eq!(
        flipped_t.ravel_order(Order::K).to_vec(),
        vec![3, 4, 5, 0, 1, 2]
    );
    assert_eq!(
        flipped_t.ravel_order(Order::A).to_vec(),
        vec![3, 0, 4, 1, 5, 2]
    );
    assert_eq!(
        flipped_t.ravel_order(Order::F).to_vec(),
        vec![3, 4, 5, 0, 1, 2]
    );
}

#[test]
fn ravel_never_returns_a_strided_view() {
    // np.arange(8)[::2].ravel() copies (reshape(-1) would be a view).
    let a = np::arange(0, 8, 1);
    let evens = a.slice(s![..;2]);
    for order in ORDERS {
        let flat = evens.ravel_order(order);
        assert_eq!(outcome(&flat, &a), (false, vec![0, 2, 4, 6]), "{order:?}");
        assert!(flat.owns_data());
    }
    assert!(evens.reshape(&[4]).shares_memory(&a));
    // A broadcast array is copied with its repeats.
    let rows = np::arange(0, 3, 1).broadcast_to(&[2, 3]).unwrap();
    assert_eq!(rows.ravel_order(Order::K).to_vec(), vec![0, 1, 2, 0, 1, 2]);
    assert_eq!(rows.ravel_order(Order::F).to_vec(), vec![0, 0, 1, 1, 2, 2]);
    assert!(rows.ravel().flags().writeable, "a copy is writeable");
}

// --------------------------------------------------------------- flatten

#[test]
fn flatten_always_copies_in_the_order_asked() {
    let m = grid();
    let t = m.t();
    let expected = [
        (Order::K, vec![0, 1, 2, 3, 4, 5]),
        (Order::A, vec![0, 1, 2, 3, 4, 5]),
        (Order::C, vec![0, 3, 1, 4, 2, 5]),
        (Order::F, vec![0, 1, 2, 3, 4, 5]),
    ];
    for (order, values) in expected {
        let flat = t.flatten_order(order);
        assert_eq!(outcome(&flat, &m), (false, values), "{order:?}");
        assert!(flat.owns_data() && flat.base().is_none());
        assert_eq!((flat.shape(), flat.strides()), (&[6][..], &[1][..]));
    }
    assert_eq!(m.flatten_order(Order::F).to_vec(), vec![0, 3, 1, 4, 2, 5]);
    assert_eq!(m.flatten().to_vec(), vec![0, 1, 2, 3, 4, 5]);
    // K walks memory order but keeps a broadcast axis where C puts it:
    // np.broadcast_to(np.arange(3), (2, 3)).flatten('K') is [0 1 2 0 1 2].
    let rows = np::arange(0, 3, 1).broadcast_to(&[2, 3]).unwrap();
    assert_eq!(
        rows.flatten_order(Order::K).to_vec(),
        vec![0, 1, 2, 0, 1, 2]
    );
}

// --------------------------------------------------------------- reshape

#[test]
fn reshape_in_f_order_is_a_view_when_the_memory_allows() {
    let m = grid();
    let t = m.t(); // shape (3, 2), strides (1, 3): F-contiguous
    // m.T.reshape(2, 3, order='F'): a view with strides (1, 2).
    let f = t.reshape_order(&[2, 3], Order::F);
    assert!(f.shares_memory(&m) && !f.owns_data());
    assert_eq!(
        (f.strides(), f.to_vec()),
        (&[1, 2][..], vec![0, 2, 4, 1, 3, 5])
    );
    // order='A' of an F-contiguous array is F.
    let a = t.reshape_order(&[2, 3], Order::A);
    assert!(a.shares_memory(&m) && a.strides() == [1, 2]);
    // order='C': a copy, C-ordered.
    let c = t.reshape_order(&[2, 3], Order::C);
    assert!(!c.shares_memory(&m) && c.owns_data());
    assert_eq!(
        (c.strides(), c.to_vec()),
        (&[3, 1][..], vec![0, 3, 1, 4, 2, 5])
    );
    // m.reshape(3, 2, order='F'): a copy laid out in F order.
    let columns = m.reshape_order(&[3, 2], Order::F);
    assert!(columns.owns_data() && !columns.shares_memory(&m));
    assert_eq!(
        (columns.strides(), columns.to_vec()),
        (&[1, 3][..], vec![0, 4, 3, 2, 1, 5])
    );
    // A stepped cube merged in F order: np.arange(24).reshape(2, 3, 4)[:, :, ::2].T
    // .reshape(12, order='F') is a view with stride 2.
    let cube = NpArray::from_shape_vec(&[2, 3, 4], (0..24).collect()).unwrap();
    let stepped_t = cube.slice(s![.., .., ..;2]).t();
    let merged = stepped_t.reshape_order(&[12], Order::F);
    assert!(merged.shares_memory(&cube));
    assert_eq!(merged.strides(), &[2]);
    assert_eq!(merged.to_vec(), (0..12).map(|i| 2 * i).collect::<Vec<_>>());
    // reshape() is still C order.
    assert_eq!(t.reshape(&[6]).to_vec(), vec![0, 3, 1, 4, 2, 5]);
}

#[test]
#[should_panic(expected = "order 'K' is not permitted for reshaping")]
fn reshape_in_k_order_panics_as_numpy_raises() {
    grid().reshape_order(&[6], Order::K);
}

#[test]
#[should_panic(expected = "cannot reshape array of size 6 into shape (4,)")]
fn reshape_in_f_order_checks_the_size() {
    grid().reshape_order(&[4], Order::F);
}

// ------------------------------------------------- asarray and copy modes

#[test]
fn asarray_is_the_same_array() {
    let a = grid();
    let same = np::asarray(&a);
    assert!(same.is_same_array(&a) && same.owns_data());
    same.set(&[0, 0], 100);
    assert_eq!(a.at(&[0, 0]), 100);
    let mut frozen = grid();
    frozen.set_writeable(false);
    assert!(!np::asarray(&frozen).flags().writeable);
}

#[test]
fn copy_modes_follow_numpy_2() {
    // For each array, and each order K, A, C, F: does np.asarray(a,
    // order=..., copy=None) return `a` itself? (copy=False then does too,
    // and raises where it would not.)
    let m = grid();
    let t = m.t();
    let stepped = m.slice(s![.., ..;2]);
    let reversed = np::arange(0, 4, 1).slice(s![..;-1]);
    let cases: [(&NpArray<i64>, [bool; 4]); 4] = [
        (&m, [true, true, true, false]),
        (&t, [true, true, false, true]),
        (&stepped, [true, true, false, false]),
        (&reversed, [true, true, false, false]),
    ];
    for (array, fits) in cases {
        for (order, fits) in ORDERS.into_iter().zip(fits) {
            let if_needed = np::array_from(array, CopyMode::IfNeeded, order).unwrap();
            assert_eq!(if_needed.is_same_array(array), fits, "{order:?}");
            let never = np::array_from(array, CopyMode::Never, order);
            assert_eq!(never.is_ok(), fits, "{order:?}");
            let always = np::array_from(array, CopyMode::Always, order).unwrap();
            assert!(always.owns_data() && !always.shares_memory(array));
            assert_eq!(always.to_vec(), array.to_vec());
            if !fits {
                assert!(!if_needed.shares_memory(array) && if_needed.owns_data());
            }
        }
    }
    // The copies' layouts: np.array(m.T, order=...) strides.
    let strides = |order| {
        np::array_from(&t, CopyMode::Always, order)
            .unwrap()
            .strides()
            .to_vec()
    };
    assert_eq!(strides(Order::K), vec![1, 3]);
    assert_eq!(strides(Order::A), vec![1, 3]);
    assert_eq!(strides(Order::C), vec![2, 1]);
    assert_eq!(strides(Order::F), vec![1, 3]);
    // A copy of a broadcast view is writeable; the view itself is returned
    // read-only when no copy is needed.
    let broadcast = np::arange(0, 3, 1).broadcast_to(&[2, 3]).unwrap();
    let copied = np::array_from(&broadcast, CopyMode::IfNeeded, Order::C).unwrap();
    assert!(copied.flags().writeable && copied.owns_data());
    let kept = np::array_from(&broadcast, CopyMode::IfNeeded, Order::K).unwrap();
    assert!(kept.is_same_array(&broadcast) && !kept.flags().writeable);
}

#[test]
fn never_copying_an_array_that_needs_a_copy_is_numpys_error() {
    let t = grid().t();
    let error = np::array_from(&t, CopyMode::Never, Order::C).unwrap_err();
    assert_eq!(
        error,
        NpError::CopyNotAllowed {
            order: Order::C,
            shape: vec![3, 2],
            strides: vec![1, 3]
        }
    );
    assert!(
        error
            .to_string()
            .starts_with("Unable to avoid copy while creating an array as requested.")
    );
    assert!(error.to_string().contains("not C-contiguous"));
}
