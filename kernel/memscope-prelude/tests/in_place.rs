//! Writing into existing arrays against NumPy's answers: the in-place
//! operators (`+= -= *= /=`), `np::copyto` and `assign`: the values every
//! alias and view sees afterwards, the errors (and that nothing is written
//! before them), and the regions the write log reports to the kernel.
//!
//! Expected values are NumPy 2.3's for the same statements.

use memscope_cell_abi::{ArrayFacts, BufferFacts, Region, Storage};
use memscope_prelude::nparray::NpError;
use memscope_prelude::*;

fn buffer_of(facts: &ArrayFacts) -> &BufferFacts {
    match &facts.storage {
        Storage::Buffer(buffer) => buffer,
        other => panic!("an NpArray's storage should be a buffer, not {other:?}"),
    }
}

/// The regions the kernel's next report of `array`'s buffer would list as
/// written, in element units from the buffer's start (as `(first offset,
/// shape, strides)`); taking them empties the log, as a report does.
fn written<T: nparray::Element>(array: &NpArray<T>) -> Vec<(usize, Vec<usize>, Vec<isize>)> {
    let facts = memscope_prelude::__kernel::report::describe(array).expect("an NpArray");
    let buffer = buffer_of(&facts);
    let itemsize = facts.itemsize;
    buffer
        .written
        .iter()
        .map(
            |Region {
                 first,
                 shape,
                 strides,
             }| {
                (
                    (first - buffer.start) / itemsize,
                    shape.clone(),
                    strides.clone(),
                )
            },
        )
        .collect()
}

/// Runs `f`, which must panic, and returns its message.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .expect_err("this should have panicked");
    match (
        payload.downcast_ref::<String>(),
        payload.downcast_ref::<&str>(),
    ) {
        (Some(message), _) => message.clone(),
        (None, Some(message)) => (*message).to_owned(),
        (None, None) => panic!("a panic without a message"),
    }
}

// ------------------------------------------------- through aliases and views

#[test]
fn an_alias_sees_an_in_place_update_and_a_new_binding_does_not() {
    // a = np.arange(4.0); b = a; b += 1
    let a = np::arange(0.0, 4.0, 1.0);
    let mut b = a.clone();
    b += 1.0;
    assert_eq!(a.to_vec(), vec![1.0, 2.0, 3.0, 4.0]);
    assert!(b.is_same_array(&a) && a.owns_data());
    assert_eq!(written(&a), vec![(0, vec![4], vec![1])]);
    // b = b + 1: new memory; a is not touched.
    let b = &b + 1.0;
    assert_eq!(b.to_vec(), vec![2.0, 3.0, 4.0, 5.0]);
    assert_eq!(a.to_vec(), vec![1.0, 2.0, 3.0, 4.0]);
    assert!(!b.shares_memory(&a) && b.owns_data());
    assert!(written(&a).is_empty(), "a new array is not a write");
}

#[test]
fn a_stepped_view_updates_only_its_elements() {
    // a = np.arange(6); v = a[::2]; v *= 2
    let a = np::arange(0, 6, 1);
    let mut v = a.slice(s![..;2]);
    v *= 2;
    assert_eq!(a.to_vec(), vec![0, 1, 4, 3, 8, 5]);
    assert_eq!(v.to_vec(), vec![0, 4, 8]);
    assert!(!v.owns_data() && v.base().unwrap().is_same_array(&a));
    assert_eq!(written(&a), vec![(0, vec![3], vec![2])]);
}

#[test]
fn every_operator_with_scalars_and_arrays() {
    let a = np::arange(1.0, 5.0, 1.0);
    let mut x = a.clone();
    x -= 1.0;
    assert_eq!(a.to_vec(), vec![0.0, 1.0, 2.0, 3.0]);
    x /= 2.0;
    assert_eq!(a.to_vec(), vec![0.0, 0.5, 1.0, 1.5]);
    x *= &np::array(&[4.0, 4.0, 2.0, 2.0]);
    assert_eq!(a.to_vec(), vec![0.0, 2.0, 2.0, 3.0]);
    x += &np::array(&[1.0, 1.0, 1.0, 1.0]);
    x -= &np::full([], 0.5); // a 0-d array broadcasts like a scalar
    x /= &np::array(&[1.0, 5.0, 5.0, 0.0]);
    assert_eq!(a.to_vec()[..3], [0.5, 0.5, 0.5]);
    assert_eq!(a.at(&[3]), f64::INFINITY); // float division by zero: inf, as in NumPy
    // Integers divide as Rust does: truncating toward zero (NumPy refuses
    // `/=` on an integer array and floors with `//=`).
    let mut i = np::array(&[7, -7, 9]);
    i /= 2;
    assert_eq!(i.to_vec(), vec![3, -3, 4]);
    let mut bytes: NpArray<u8> = np::arange(0, 3, 1);
    bytes += &np::full([3], 250_u8);
    assert_eq!(bytes.to_vec(), vec![250, 251, 252]);
}

#[test]
fn the_right_side_broadcasts_to_the_left_shape() {
    // m = np.zeros((2, 3)); m += np.arange(3.0); m *= np.array([[1.0], [10.0]])
    let mut m = np::zeros([2, 3]);
    m += &np::arange(0.0, 3.0, 1.0);
    m *= &np::array2(&[[1.0], [10.0]]);
    assert_eq!(m.to_vec(), vec![0.0, 1.0, 2.0, 0.0, 10.0, 20.0]);
    assert_eq!(m.shape(), &[2, 3]);
    // Through a transposed view: the column is a row of the transpose.
    let grid = np::zeros([2, 3]);
    let mut columns = grid.t();
    columns += &np::array(&[1.0, 2.0]);
    assert_eq!(grid.to_vec(), vec![1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
    assert_eq!(written(&grid), vec![(0, vec![3, 2], vec![1, 3])]);
}

// ------------------------------------------------------- overlapping memory

#[test]
fn an_overlapping_right_side_is_read_before_any_write() {
    // a = np.arange(5.0); a += a[::-1]  ->  [4, 4, 4, 4, 4]
    let mut a = np::arange(0.0, 5.0, 1.0);
    a += &a.slice(s![..;-1]);
    assert_eq!(a.to_vec(), vec![4.0; 5]);
    // a = np.arange(5.0); a[1:] += a[:-1]  ->  [0, 1, 3, 5, 7]
    let a = np::arange(0.0, 5.0, 1.0);
    let mut tail = a.slice(s![1..]);
    tail += &a.slice(s![..4]);
    assert_eq!(a.to_vec(), vec![0.0, 1.0, 3.0, 5.0, 7.0]);
    assert_eq!(written(&a), vec![(1, vec![4], vec![1])]);
    // An array with itself, and with its own transpose.
    let mut s = np::arange(1, 4, 1);
    let same = s.clone();
    s *= &same;
    assert_eq!(s.to_vec(), vec![1, 4, 9]);
    let mut m = np::arange(0, 4, 1).reshape(&[2, 2]);
    let transposed = m.t();
    m += &transposed; // NumPy: [[0, 3], [3, 6]]
    assert_eq!(m.to_vec(), vec![0, 3, 3, 6]);
}

// ------------------------------------------------------------------ refusals

#[test]
fn read_only_left_operands_are_refused_before_any_write() {
    let a = np::arange(0.0, 3.0, 1.0);
    let mut broadcast = a.broadcast_to(&[2, 3]).unwrap();
    let mut frozen = np::arange(0.0, 3.0, 1.0);
    frozen.set_writeable(false);
    let mut view_of_frozen = frozen.slice(s![1..]);
    for message in [
        panic_message(|| broadcast += 1.0),
        panic_message(|| frozen -= 1.0),
        panic_message(|| view_of_frozen *= &np::ones([2])),
        // Read-only comes first, even when the shapes do not fit either.
        panic_message(|| frozen /= &np::ones([4])),
    ] {
        assert_eq!(message, "output array is read-only");
    }
    assert_eq!(a.to_vec(), vec![0.0, 1.0, 2.0]);
    assert_eq!(frozen.to_vec(), vec![0.0, 1.0, 2.0]);
    assert!(written(&a).is_empty() && written(&frozen).is_empty());
}

#[test]
fn shapes_that_do_not_fit_the_output_are_refused_with_numpys_messages() {
    let mut row = np::zeros([3]);
    let grid = np::ones([2, 3]);
    // b = np.zeros(3); b += np.ones((2, 3))
    assert_eq!(
        panic_message(|| row += &grid),
        "non-broadcastable output operand with shape (3,) doesn't match the broadcast shape (2, 3)"
    );
    // m += np.ones((1, 1, 3)): the output cannot gain an axis either.
    let mut m = np::zeros([2, 3]);
    assert_eq!(
        panic_message(|| m += &np::ones([1, 1, 3])),
        "non-broadcastable output operand with shape (2, 3) doesn't match the broadcast shape (1, 2, 3)"
    );
    assert_eq!(
        panic_message(|| m -= &np::ones([4])),
        "operands could not be broadcast together with shapes (2, 3) (4,)"
    );
    assert_eq!(row.to_vec(), vec![0.0; 3]);
    assert_eq!(m.to_vec(), vec![0.0; 6]);
    assert!(written(&row).is_empty() && written(&m).is_empty());
}

#[test]
fn an_empty_left_operand_is_updated_without_writing() {
    let mut empty = np::zeros([0, 3]);
    empty += &np::ones([3]);
    assert_eq!(empty.shape(), &[0, 3]);
    assert!(written(&empty).is_empty());
    assert_eq!(
        panic_message(|| empty += &np::ones([4])),
        "operands could not be broadcast together with shapes (0, 3) (4,)"
    );
}

#[test]
fn a_live_view_of_the_buffer_is_reported_before_any_write() {
    let mut a = np::zeros([3]);
    let other = a.slice(s![1..]);
    let reading = other.view();
    assert!(panic_message(|| a += 1.0).contains("drop the other view first"));
    drop(reading);
    assert_eq!(a.to_vec(), vec![0.0; 3]);
    assert!(written(&a).is_empty());
}

// ---------------------------------------------------------- copyto, assign

#[test]
fn copyto_fills_a_preallocated_array_through_its_views() {
    // dst = np.zeros((2, 3)); np.copyto(dst, np.arange(3.0))
    let dst = np::zeros([2, 3]);
    let alias = dst.clone();
    np::copyto(&dst, &np::arange(0.0, 3.0, 1.0)).unwrap();
    assert_eq!(alias.to_vec(), vec![0.0, 1.0, 2.0, 0.0, 1.0, 2.0]);
    assert_eq!(written(&dst), vec![(0, vec![2, 3], vec![3, 1])]);
    // Into a column; a (1, 1, 2) source loses its extra leading axes, as
    // in NumPy (np.copyto(dst[:, 1], np.ones((1, 1, 2)) * 9)).
    let column = dst.slice(s![.., 1]);
    np::copyto(&column, &np::full([1, 1, 2], 9.0)).unwrap();
    assert_eq!(dst.to_vec(), vec![0.0, 9.0, 2.0, 0.0, 9.0, 2.0]);
    assert_eq!(written(&dst), vec![(1, vec![2], vec![3])]);
    // And `assign`, which is the same with a panic.
    dst.assign(&np::full([1, 2, 3], 5.0));
    assert_eq!(dst.to_vec(), vec![5.0; 6]);
}

#[test]
fn copyto_reads_an_overlapping_source_first() {
    // a = np.arange(6.0); np.copyto(a[1:], a[:-1])  ->  [0, 0, 1, 2, 3, 4]
    let a = np::arange(0.0, 6.0, 1.0);
    np::copyto(&a.slice(s![1..]), &a.slice(s![..5])).unwrap();
    assert_eq!(a.to_vec(), vec![0.0, 0.0, 1.0, 2.0, 3.0, 4.0]);
    // np.copyto(a, a[::-1])
    let a = np::arange(0, 6, 1);
    np::copyto(&a, &a.slice(s![..;-1])).unwrap();
    assert_eq!(a.to_vec(), vec![5, 4, 3, 2, 1, 0]);
    // A matrix and its own transpose: np.copyto(m, m.T)
    let m = np::arange(0, 4, 1).reshape(&[2, 2]);
    np::copyto(&m, &m.t()).unwrap();
    assert_eq!(m.to_vec(), vec![0, 2, 1, 3]);
}

#[test]
fn copyto_refuses_with_numpys_messages_and_writes_nothing() {
    let mut frozen = np::zeros([3]);
    frozen.set_writeable(false);
    // Read-only is checked first, as in NumPy.
    let error = np::copyto(&frozen, &np::ones([4])).unwrap_err();
    assert_eq!(error, NpError::ReadOnly);
    assert_eq!(error.to_string(), "assignment destination is read-only");
    let broadcast = np::zeros([3]).broadcast_to(&[2, 3]).unwrap();
    assert_eq!(
        np::copyto(&broadcast, &np::ones([3])),
        Err(NpError::ReadOnly)
    );

    let dst = np::zeros([2, 3]);
    let error = np::copyto(&dst, &np::ones([2])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "could not broadcast input array from shape (2,) into shape (2, 3)"
    );
    // Extra leading axes must be 1: (2, 1, 3) does not fit (2, 3).
    let error = np::copyto(&dst, &np::ones([2, 1, 3])).unwrap_err();
    assert_eq!(
        error,
        NpError::NotBroadcastableInto {
            from: vec![2, 1, 3],
            into: vec![2, 3]
        }
    );
    assert_eq!(dst.to_vec(), vec![0.0; 6]);
    assert!(written(&dst).is_empty() && written(&frozen).is_empty());
}

#[test]
fn assign_to_a_read_only_array_panics_before_checking_shapes() {
    let mut frozen = np::zeros([3]);
    frozen.set_writeable(false);
    assert_eq!(
        panic_message(|| frozen.assign(&np::ones([4]))),
        "assignment destination is read-only"
    );
}
