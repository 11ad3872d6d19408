//! `NpArray` and `np` against NumPy's known answers: which operations make
//! views, copies or aliases, the resulting shapes, strides and flags, the
//! RefCell borrow rules, and what the kernel is told (`memory_facts` and
//! the write log).
//!
//! Expected numbers are NumPy's, worked out by hand (strides in elements).

use memscope_cell_abi::{ArrayFacts, BufferFacts, Region, Storage};
use memscope_prelude::np::Order;
use memscope_prelude::*;

fn buffer_of(facts: &ArrayFacts) -> &BufferFacts {
    match &facts.storage {
        Storage::Buffer(buffer) => buffer,
        other => panic!("an NpArray's storage should be a buffer, not {other:?}"),
    }
}

/// NumPy's `np.arange(12).reshape(3, 4)`, as an array owning its memory.
fn grid() -> NpArray<i64> {
    NpArray::from_shape_vec(&[3, 4], (0..12).collect()).unwrap()
}

// ---------------------------------------------------------------- slicing

#[test]
fn stepped_slice_of_a_range() {
    let a = np::arange(0, 10, 1);
    let odd = a.slice(s![1..8;2]);
    assert_eq!(odd.shape(), &[4]);
    assert_eq!(odd.strides(), &[2]);
    assert_eq!(odd.to_vec(), vec![1, 3, 5, 7]);
    assert!(!odd.owns_data());
    let f = odd.memory_facts();
    assert_eq!(f.first, buffer_of(&f).start + 4); // i32: element 1 at byte 4
}

#[test]
fn reversed_slice_starts_at_the_last_element() {
    let a = np::arange(0, 10, 1);
    let reversed = a.slice(s![..;-1]);
    assert_eq!(reversed.strides(), &[-1]);
    assert_eq!(reversed.at(&[0]), 9);
    assert_eq!(reversed.to_vec(), (0..10).rev().collect::<Vec<_>>());
    let f = reversed.memory_facts();
    assert_eq!(f.first, buffer_of(&f).start + 9 * 4);
    // A view of the reversed view: strides compose.
    let every_other = reversed.slice(s![..;2]);
    assert_eq!(every_other.strides(), &[-2]);
    assert_eq!(every_other.to_vec(), vec![9, 7, 5, 3, 1]);
    // ndarray's negative steps: s![3..8;-1] is NumPy's a[7:2:-1].
    assert_eq!(a.slice(s![3..8;-1]).to_vec(), vec![7, 6, 5, 4, 3]);
}

#[test]
fn rows_columns_and_transpose_of_a_grid() {
    let m = grid();
    let column = m.slice(s![.., 1]);
    assert_eq!((column.shape(), column.strides()), (&[3][..], &[4][..]));
    assert_eq!(column.to_vec(), vec![1, 5, 9]);
    let row = m.slice(s![1, ..]);
    assert_eq!((row.shape(), row.strides()), (&[4][..], &[1][..]));
    assert_eq!(row.to_vec(), vec![4, 5, 6, 7]);
    // Missing trailing axes mean "all", as in NumPy's m[1]; each slice is
    // a new view (NumPy's `m[1] is m[1]` is false too).
    let again = m.slice(s![1]);
    assert_eq!(
        (again.shape(), again.strides()),
        (row.shape(), row.strides())
    );
    assert!(np::shares_memory(&again, &row) && !again.is_same_array(&row));
    let t = m.t();
    assert_eq!((t.shape(), t.strides()), (&[4, 3][..], &[1, 4][..]));
    assert_eq!(t.at(&[3, 2]), 11);
    let both_reversed = m.slice(s![..;-1, ..;-1]);
    assert_eq!(both_reversed.strides(), &[-4, -1]);
    assert_eq!(both_reversed.at(&[0, 0]), 11);
    assert_eq!(m.permuted_axes(&[1, 0]).strides(), &[1, 4]);
}

#[test]
fn new_axes_integer_indices_and_clipping() {
    let a = np::arange(0, 10, 1);
    let row = a.slice(s![NewAxis, ..]);
    assert_eq!((row.shape(), row.strides()), (&[1, 10][..], &[0, 1][..]));
    let last = a.slice(s![-1]);
    assert_eq!((last.shape(), last.at(&[])), (&[][..], 9));
    // Out-of-range bounds are clipped, as in Python.
    assert_eq!(a.slice(s![..20]).shape(), &[10]);
    assert_eq!(a.slice(s![-20..2]).to_vec(), vec![0, 1]);
    // NumPy keeps stride * step on an axis sliced to one element.
    assert_eq!(a.slice(s![2..3]).strides(), &[1]);
    let nothing = a.slice(s![5..5]);
    assert_eq!((nothing.shape(), nothing.size()), (&[0][..], 0));
}

#[test]
#[should_panic(expected = "index 10 is out of bounds for axis 0 with size 10")]
fn integer_index_out_of_bounds_panics() {
    np::arange(0, 10, 1).slice(s![10]);
}

#[test]
#[should_panic(expected = "too many indices for array")]
fn too_many_indices_panic() {
    np::arange(0, 10, 1).slice(s![1, 2]);
}

// ------------------------------------------- views, aliases and copies

#[test]
fn writes_through_a_view_are_seen_by_base_and_alias() {
    let a = grid();
    let alias = a.clone();
    let column = a.slice(s![.., 2]);
    column.set(&[1], 100);
    assert_eq!(a.at(&[1, 2]), 100);
    assert_eq!(alias.at(&[1, 2]), 100);
    {
        let mut v = column.view_mut();
        v.fill(-1);
    }
    assert_eq!((a.at(&[0, 2]), a.at(&[2, 2])), (-1, -1));
    assert_eq!(alias.slice(s![.., 2]).to_vec(), vec![-1, -1, -1]);
    assert_eq!(a.at(&[1, 3]), 7); // the neighbours are untouched
    assert!(alias.is_same_array(&a));
    assert!(!column.is_same_array(&a));
}

#[test]
fn a_copy_is_independent() {
    let a = grid();
    let c = a.copy();
    c.set(&[0, 0], 42);
    a.set(&[1, 1], 43);
    assert_eq!((a.at(&[0, 0]), c.at(&[1, 1])), (0, 5));
    assert!(c.owns_data() && c.base().is_none());
    assert!(!np::shares_memory(&a, &c) && !np::may_share_memory(&a, &c));
}

#[test]
fn copies_of_stepped_1d_views_hold_the_viewed_elements() {
    // Steps 2 to 4 take their own loops; the others the general one.
    let a = np::arange(0, 23, 1);
    for step in [-5, -3, -2, -1, 1, 2, 3, 4, 5, 7] {
        for start in [0_isize, 1, 2] {
            let view = if step > 0 {
                a.slice(s![start..;step])
            } else {
                a.slice(s![..-start;step])
            };
            let expected: Vec<i64> = view.view().iter().copied().collect();
            for order in [Order::C, Order::F, Order::K, Order::A] {
                let copy = np::copy(&view, order);
                assert_eq!(
                    copy.to_vec(),
                    expected,
                    "step {step}, start {start}, {order:?}"
                );
                assert!(copy.owns_data() && !copy.shares_memory(&a));
                assert_eq!(copy.strides(), &[1]);
            }
        }
    }
}

#[test]
fn take_and_mask_make_new_memory() {
    let m = grid();
    let taken = m.take(&[2, 0], 0);
    assert_eq!(taken.shape(), &[2, 4]);
    assert_eq!(taken.to_vec(), vec![8, 9, 10, 11, 0, 1, 2, 3]);
    let masked = m.mask(&m.map(|x| x % 5 == 0));
    assert_eq!(masked.to_vec(), vec![0, 5, 10]);
    for copy in [&taken, &masked] {
        assert!(copy.owns_data());
        assert!(copy.base().is_none());
        assert!(!copy.shares_memory(&m));
    }
    let row = m.slice(s![0, ..]);
    assert_eq!(row.mask(&[false, true, true, false]).to_vec(), vec![1, 2]);
}

#[test]
#[should_panic(expected = "boolean index did not match")]
fn mask_of_the_wrong_shape_panics() {
    grid().mask(&[true, false]);
}

#[test]
fn reshape_is_a_view_when_it_can_be_and_a_copy_otherwise() {
    let m = grid();
    let flat = m.reshape(&[12]);
    assert!(!flat.owns_data() && flat.shares_memory(&m));
    assert_eq!(flat.strides(), &[1]);
    let flat_t = m.t().reshape(&[12]);
    assert!(flat_t.owns_data() && !flat_t.shares_memory(&m));
    assert_eq!(flat_t.to_vec(), vec![0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    assert!(m.t().reshape_view(&[12]).is_err());
    // Non-contiguous, yet viewable: splitting the stepped rows.
    let stepped = m.slice(s![.., ..;2]); // 3x2, strides [4, 2]
    let split = stepped.reshape_view(&[3, 2, 1]).unwrap();
    assert_eq!(split.strides()[..2], [4, 2]);
    // Its elements 0, 2, ..., 10 are evenly spaced: flat is a view too.
    assert_eq!(stepped.reshape_view(&[6]).unwrap().strides(), &[2]);
    // A block of rows with a gap after each one cannot be flattened.
    let block = m.slice(s![.., ..3]);
    assert!(block.reshape_view(&[9]).is_err());
    assert!(block.reshape(&[9]).owns_data());
    // ravel: a view of C-contiguous data, a copy otherwise.
    assert!(m.ravel().shares_memory(&m));
    assert!(!m.t().ravel().shares_memory(&m));
    assert!(matches!(
        m.reshape_view(&[5]),
        Err(np_error) if np_error.to_string() == "cannot reshape array of size 12 into shape (5,)"
    ));
}

#[test]
#[should_panic(expected = "cannot reshape array of size 12 into shape (5,)")]
fn reshape_to_a_wrong_size_panics() {
    grid().reshape(&[5]);
}

#[test]
fn base_of_a_view_of_a_view_is_the_owner() {
    let owner = grid();
    let row = owner.slice(s![1, ..]);
    let part = row.slice(s![1..3]);
    let base = part.base().unwrap();
    assert!(base.is_same_array(&owner));
    assert_eq!(base.shape(), &[3, 4]);
    assert!(base.owns_data());
    assert!(row.base().unwrap().is_same_array(&owner));
    assert!(owner.base().is_none());
    // The owner's layout, even for an F-ordered allocation.
    let f = owner.copy_order(Order::F);
    assert_eq!(f.t().base().unwrap().strides(), &[1, 3]);
}

#[test]
fn shares_memory_is_exact_and_may_share_memory_is_bounds() {
    let a = np::arange(0, 10, 1);
    let (evens, odds) = (a.slice(s![..;2]), a.slice(s![1..;2]));
    assert!(np::may_share_memory(&evens, &odds));
    assert!(!np::shares_memory(&evens, &odds));
    assert!(np::shares_memory(&evens, &a.slice(s![4..5])));
    assert!(!np::may_share_memory(&a.slice(s![..5]), &a.slice(s![5..])));
    let empty = a.slice(s![3..3]);
    assert!(!np::shares_memory(&empty, &a) && !np::may_share_memory(&empty, &a));
}

// ------------------------------------------------------ flags and orders

#[test]
fn contiguity_flags_follow_numpy() {
    let m = grid();
    let flags = m.flags();
    assert!(flags.c_contiguous && !flags.f_contiguous && flags.owndata && flags.writeable);
    let t = m.t().flags();
    assert!(!t.c_contiguous && t.f_contiguous && !t.owndata);
    // 1-D contiguous: both.
    let row = m.slice(s![1, ..]).flags();
    assert!(row.c_contiguous && row.f_contiguous);
    // A column or a stepped view: neither.
    let column = m.slice(s![.., 1]).flags();
    assert!(!column.c_contiguous && !column.f_contiguous);
    let stepped = np::arange(0, 10, 1).slice(s![..;2]).flags();
    assert!(!stepped.c_contiguous && !stepped.f_contiguous);
    let reversed = np::arange(0, 10, 1).slice(s![..;-1]).flags();
    assert!(!reversed.c_contiguous && !reversed.f_contiguous);
    // At most one element: both, whatever the strides.
    let single = m.slice(s![1..2, 2..3]).flags();
    assert!(single.c_contiguous && single.f_contiguous);
    let empty = m.slice(s![.., 2..2]).flags();
    assert!(empty.c_contiguous && empty.f_contiguous);
    // Rows of a grid are C-contiguous as a block.
    let block = m.slice(s![1..3, ..]).flags();
    assert!(block.c_contiguous && !block.f_contiguous);
}

#[test]
fn copy_orders_for_c_and_f_inputs() {
    let c = np::zeros([2, 3]);
    let f = c.copy_order(Order::F);
    assert_eq!(f.strides(), &[1, 2]);
    assert_eq!(f.strides_bytes(), vec![8, 16]);
    for (order, from_c, from_f) in [
        (Order::C, [3, 1], [3, 1]),
        (Order::F, [1, 2], [1, 2]),
        (Order::A, [3, 1], [1, 2]),
        (Order::K, [3, 1], [1, 2]),
    ] {
        assert_eq!(c.copy_order(order).strides(), &from_c, "{order:?} of C");
        assert_eq!(f.copy_order(order).strides(), &from_f, "{order:?} of F");
    }
    // K keeps the axis order of a permuted, non-contiguous array.
    let cube = NpArray::<u8>::zeros([2, 3, 4]).permuted_axes(&[2, 0, 1]);
    let stepped = cube.slice(s![..;2, .., ..]); // shape [2, 2, 3]
    assert_eq!(stepped.copy_order(Order::K).strides(), &[1, 6, 2]);
    // ValueSample survive every order.
    let values = grid().t();
    for order in [Order::C, Order::F, Order::A, Order::K] {
        assert_eq!(values.copy_order(order).to_vec(), values.to_vec());
    }
    assert_eq!(np::copy_default(&values).strides(), &[1, 4]);
}

#[test]
fn like_functions_make_new_memory_in_k_order() {
    let t = grid().t();
    let e = np::empty_like(&t);
    assert_eq!((e.shape(), e.strides()), (&[4, 3][..], &[1, 4][..]));
    assert!(e.to_vec().iter().all(|&x| x == 0));
    assert!(!np::shares_memory(&e, &t));
    assert_eq!(np::ones_like(&t).at(&[3, 2]), 1);
    assert_eq!(np::full_like(&t, 7).at(&[0, 0]), 7);
    assert_eq!(np::zeros_like(&t).dtype(), "i64");
    let c = np::ascontiguousarray(&t);
    assert!(c.flags().c_contiguous && !c.shares_memory(&t));
    assert!(np::asfortranarray(&t).is_same_array(&t));
}

// ------------------------------------------------ broadcasting, writing

#[test]
fn broadcast_views_are_read_only() {
    let row = np::arange(0, 3, 1);
    let grid = np::broadcast_to(&row, &[2, 3]).unwrap();
    assert_eq!((grid.shape(), grid.strides()), (&[2, 3][..], &[0, 1][..]));
    assert!(!grid.flags().writeable && !grid.owns_data());
    assert_eq!(grid.to_vec(), vec![0, 1, 2, 0, 1, 2]);
    assert_eq!(grid.view().sum(), 6);
    assert!(grid.base().unwrap().is_same_array(&row));
    assert!(np::broadcast_to(&row, &[3, 2]).is_err());
}

#[test]
#[should_panic(expected = "assignment destination is read-only")]
fn view_mut_of_a_broadcast_view_panics() {
    let grid = np::arange(0, 3, 1).broadcast_to(&[2, 3]).unwrap();
    let _v = grid.view_mut();
}

#[test]
#[should_panic(expected = "cannot set WRITEABLE flag to True of this array")]
fn a_broadcast_view_cannot_be_made_writeable() {
    let mut grid = np::arange(0, 3, 1).broadcast_to(&[2, 3]).unwrap();
    grid.set_writeable(true);
}

#[test]
fn read_only_owners_give_read_only_views() {
    let mut a = np::zeros([4]);
    a.set_writeable(false);
    let mut view = a.slice(s![1..]);
    assert!(!view.flags().writeable);
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        view.set_writeable(true);
    }));
    assert!(refused.is_err());
    a.set_writeable(true);
    view.set_writeable(true);
    view.set(&[0], 2.0);
    assert_eq!(a.at(&[1]), 2.0);
}

#[test]
fn writeable_flags_follow_numpy() {
    // A view of a read-only array is read-only, and so is a view of it; it
    // cannot be made writeable while the owner is read-only.
    let mut a = np::zeros([4]);
    a.set_writeable(false);
    let mut view = a.slice(s![1..]);
    assert!(!view.flags().writeable && !view.slice(s![1..]).flags().writeable);
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        view.set_writeable(true);
    }));
    let message = refused.unwrap_err().downcast::<String>().unwrap();
    assert!(message.starts_with("cannot set WRITEABLE flag to True of this array"));
    assert!(!view.flags().writeable);

    // v = b[1:]; v.flags.writeable = False; w = v[1:]: w is read-only, and
    // may be made writeable again, since its owner b is writeable.
    let b = np::zeros([4]);
    let mut frozen_view = b.slice(s![1..]);
    frozen_view.set_writeable(false);
    let mut inner = frozen_view.slice(s![1..]);
    assert!(!inner.flags().writeable);
    inner.set_writeable(true);
    inner.set(&[0], 1.0);
    assert_eq!(b.at(&[2]), 1.0);

    // Copies of a broadcast view are writeable and own their memory.
    let broadcast = np::arange(0, 3, 1).broadcast_to(&[2, 3]).unwrap();
    for copy in [
        broadcast.copy(),
        np::copy_default(&broadcast),
        np::ascontiguousarray(&broadcast),
        broadcast.flatten(),
        broadcast.ravel(),
    ] {
        assert!(copy.flags().writeable && copy.owns_data());
        assert!(!copy.shares_memory(&broadcast));
    }
    // One row of it repeats no element: it may be made writeable (as
    // NumPy allows for `np.broadcast_to(x, (2, 3))[0]`), and writes reach x.
    let mut row = broadcast.slice(s![0, ..]);
    assert!(!row.flags().writeable);
    row.set_writeable(true);
    row.set(&[1], 7);
    assert_eq!(broadcast.at(&[1, 1]), 7);
}

#[test]
fn broadcasting_gives_axes_of_length_one_stride_zero() {
    // np.broadcast_to(x[None, :], (1, 3)).strides == (0, 8), and
    // np.broadcast_to(m[:, :1], (2, 1)).strides == (24, 0).
    let x = np::arange(0, 3, 1);
    let row = x.slice(s![NewAxis, ..]).broadcast_to(&[1, 3]).unwrap();
    assert_eq!(row.strides(), &[0, 1]);
    let m = np::arange(0.0, 6.0, 1.0).reshape(&[2, 3]);
    let column = m.slice(s![.., ..1]).broadcast_to(&[2, 1]).unwrap();
    assert_eq!(column.strides(), &[3, 0]);
    assert_eq!(column.to_vec(), vec![0.0, 3.0]);
}

#[test]
#[should_panic(expected = "assignment destination is read-only")]
fn set_on_a_read_only_array_panics() {
    let mut a = np::zeros([2]);
    a.set_writeable(false);
    a.set(&[0], 1.0);
}

#[test]
fn assign_broadcasts_and_handles_overlap() {
    let m = np::zeros([2, 3]);
    m.assign(&np::array(&[1.0, 2.0, 3.0]));
    assert_eq!(m.to_vec(), vec![1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
    m.slice(s![.., 0]).assign(&np::full([], 9.0));
    assert_eq!(m.slice(s![.., 0]).to_vec(), vec![9.0, 9.0]);
    // Overlapping source and destination: NumPy reads the source first.
    let a = np::arange(0, 6, 1);
    a.slice(s![1..]).assign(&a.slice(s![..5]));
    assert_eq!(a.to_vec(), vec![0, 0, 1, 2, 3, 4]);
}

#[test]
#[should_panic(expected = "could not broadcast input array from shape (2,) into shape (2, 3)")]
fn assign_of_an_incompatible_shape_panics() {
    np::zeros([2, 3]).assign(&np::zeros([2]));
}

#[test]
fn element_access() {
    let m = grid();
    assert_eq!(m.get(&[2, 3]), Some(11));
    assert_eq!(m.get(&[3, 0]), None);
    assert_eq!(m.get(&[0]), None);
    m.fill(5);
    assert!(m.to_vec().iter().all(|&x| x == 5));
}

#[test]
#[should_panic(
    expected = "index 4 is out of bounds for axis 1 with size 4 (index [0, 4], shape (3, 4))"
)]
fn at_out_of_bounds_names_index_and_shape() {
    grid().at(&[0, 4]);
}

// ------------------------------------------------------------- borrowing

#[test]
fn many_readers_at_once() {
    let a = grid();
    let row = a.slice(s![0, ..]);
    let (v1, v2) = (a.view(), row.view());
    assert_eq!(v1.sum() + v2.sum(), 66 + 6);
    assert_eq!(a.at(&[2, 3]), 11); // reading while views live is fine
}

#[test]
#[should_panic(expected = "drop the other view first")]
fn a_writer_while_a_reader_lives_panics() {
    let a = grid();
    let column = a.slice(s![.., 0]);
    let _reading = a.view();
    let _writing = column.view_mut();
}

#[test]
#[should_panic(expected = "already mutably borrowed")]
fn a_reader_while_a_writer_lives_panics() {
    let a = grid();
    let _writing = a.view_mut();
    a.at(&[0, 0]);
}

#[test]
#[should_panic(expected = "drop the other view first")]
fn two_writers_on_one_buffer_panic() {
    let a = grid();
    let (left, right) = (a.slice(s![.., ..2]), a.slice(s![.., 2..]));
    let _l = left.view_mut();
    let _r = right.view_mut();
}

#[test]
fn views_work_as_ndarray_arrays() {
    let a = grid();
    let mirrored = a.slice(s![.., ..;-1]);
    {
        let mut v = mirrored.view_mut();
        *v *= 10;
        v[[0, 0].as_slice()] += 1; // the last element of row 0
    }
    assert_eq!(a.slice(s![0, ..]).to_vec(), vec![0, 10, 20, 31]);
    let v = a.view();
    let copy = NpArray::from_array(&v.slice(s![1.., 1..]));
    drop(v);
    assert_eq!(copy.shape(), &[2, 3]);
    assert!(copy.owns_data());
    assert_eq!(
        NpArray::from(array![[1.0], [2.0]]).to_array(),
        array![[1.0], [2.0]].into_dyn()
    );
}

#[test]
fn floats_print_as_floats() {
    let x = np::array(&[0.0, -1.0, 4.5]);
    assert_eq!(x.to_string(), "[0.0, -1.0, 4.5]");
    assert_eq!(format!("{x:.2}"), "[0.00, -1.00, 4.50]");
    assert_eq!(x.view().to_string(), "[0.0, -1.0, 4.5]");
    assert_eq!(x.view_mut().to_string(), "[0.0, -1.0, 4.5]");
    let m = np::zeros([2, 2]);
    assert_eq!(m.to_string(), "[[0.0, 0.0],\n [0.0, 0.0]]");
    assert!(format!("{m:?}").contains("data: [[0.0, 0.0],\n [0.0, 0.0]]"));
    assert_eq!(NpArray::<f32>::ones([2]).to_string(), "[1.0, 1.0]");
    // Integers and booleans print as before.
    assert_eq!(np::arange(-1, 2, 1).to_string(), "[-1, 0, 1]");
    assert_eq!(
        np::arange(0, 3, 1).map(|v| v > 0).to_string(),
        "[false, true, true]"
    );
}

#[test]
fn printing_does_not_panic_while_a_writer_lives() {
    let a = grid();
    assert_eq!(a.slice(s![..2, ..2]).to_string(), "[[0, 1],\n [4, 5]]");
    let debug = format!("{:?}", a.t());
    assert!(debug.contains("strides: [1, 4]") && debug.contains("owns_data: false"));
    let _writing = a.view_mut();
    assert!(a.to_string().contains("view_mut"));
}

// ------------------------------------------------- what the kernel sees

#[test]
fn memory_facts_of_an_owner_and_a_view() {
    let a = np::zeros([3, 4]);
    let owner = a.memory_facts();
    let owner_buffer = buffer_of(&owner).clone();
    assert_eq!(owner.type_name, "NpArray<f64>");
    assert_eq!((owner.dtype, owner.itemsize), ("f64", 8));
    assert_eq!(
        (owner.shape.as_slice(), owner.strides.as_slice()),
        (&[3, 4][..], &[4, 1][..])
    );
    assert_eq!(owner.first, owner_buffer.start);
    assert_eq!((owner_buffer.len, owner_buffer.owns_data), (12, true));

    let view = a.slice(s![1.., ..;-1]);
    let facts = view.memory_facts();
    let buffer = buffer_of(&facts);
    assert_eq!(buffer.start, owner_buffer.start);
    assert!(!buffer.owns_data && facts.writeable);
    // Element [1, 3] of the buffer is offset 7.
    assert_eq!(facts.first, buffer.start + 7 * 8);
    assert_eq!(facts.strides, vec![4, -1]);
    let broadcast = a.slice(s![0, ..]).broadcast_to(&[2, 4]).unwrap();
    assert!(!broadcast.memory_facts().writeable);
}

#[test]
fn memory_facts_never_panic() {
    let empty = np::zeros([0, 3]);
    let facts = empty.memory_facts();
    assert_eq!(facts.first, buffer_of(&facts).start);
    assert_eq!(buffer_of(&facts).len, 0);
    let empty_view = np::arange(0, 10, 1).slice(s![10..]);
    let facts = empty_view.memory_facts();
    assert_eq!(facts.first, buffer_of(&facts).start);
    let scalar = np::full([], 1_u8);
    assert_eq!(scalar.memory_facts().shape, Vec::<usize>::new());
    // Even while the buffer is borrowed mutably.
    let a = np::arange(0, 4, 1);
    let writing = a.view_mut();
    let facts = a.memory_facts();
    assert_eq!(buffer_of(&facts).written.len(), 1);
    // The values cannot be read then, and are left out.
    assert!(facts.values.is_empty());
    drop(writing);
    assert_eq!(a.memory_facts().values.head, ["0", "1", "2", "3"]);
}

#[test]
fn facts_carry_the_values_in_the_arrays_own_order() {
    let board = np::arange(0.0, 12.0, 1.0).reshape(&[3, 4]);
    let facts = board.t().memory_facts();
    let expected = [
        "0.0", "4.0", "8.0", "1.0", "5.0", "9.0", "2.0", "6.0", "10.0", "3.0", "7.0", "11.0",
    ];
    assert_eq!(facts.values.head, expected);
    assert!(facts.values.tail.is_empty());
    // A long view sends its ends, as its walk meets them.
    let long = np::arange(0, 1000, 1);
    let facts = long.slice(s![..;-7]).memory_facts();
    assert_eq!(facts.values.head, ["999", "992", "985"]);
    assert_eq!(facts.values.tail, ["19", "12", "5"]);
}

/// What the kernel's report after a cell says of `array`.
fn report(array: &NpArray<f64>) -> memscope_cell_abi::ArrayFacts {
    memscope_prelude::__kernel::report::describe(array).expect("an NpArray is described")
}

#[test]
fn the_write_log_records_regions_until_the_kernel_reports() {
    let a = np::zeros([3, 4]);
    let start = buffer_of(&a.memory_facts()).start;
    assert!(buffer_of(&a.memory_facts()).written.is_empty());

    a.set(&[1, 2], 1.0);
    let column = a.slice(s![.., 3]);
    column.fill(2.0);
    drop(column.view_mut());
    // Looking at the facts leaves the log alone; the kernel's report
    // (through `__kernel::report::describe`) takes it.
    assert_eq!(buffer_of(&a.memory_facts()).written.len(), 3);
    let reported = report(&a);
    let element = Region {
        first: start + 6 * 8,
        shape: vec![],
        strides: vec![],
    };
    let column_region = Region {
        first: start + 3 * 8,
        shape: vec![3],
        strides: vec![4],
    };
    assert_eq!(
        buffer_of(&reported).written,
        vec![element, column_region.clone(), column_region]
    );
    // Drained: the next report of any handle on the buffer has nothing.
    assert!(buffer_of(&report(&a)).written.is_empty());

    // Reads are not writes.
    let _ = (a.at(&[0, 0]), a.view().sum(), a.copy());
    assert!(buffer_of(&report(&a)).written.is_empty());

    // Only the first handle reported after a write carries the regions.
    let alias = a.clone();
    alias.set(&[0, 0], 3.0);
    assert_eq!(buffer_of(&report(&alias)).written.len(), 1);
    assert!(buffer_of(&report(&a)).written.is_empty());
}

#[test]
fn the_write_log_collapses_after_32_regions() {
    let a = np::zeros([100]);
    let start = buffer_of(&a.memory_facts()).start;
    for i in 0..32 {
        a.set(&[i], 1.0);
    }
    assert_eq!(buffer_of(&a.memory_facts()).written.len(), 32);
    for i in 0..40 {
        a.set(&[i], 2.0);
    }
    let whole = Region {
        first: start,
        shape: vec![100],
        strides: vec![1],
    };
    assert_eq!(buffer_of(&a.memory_facts()).written, vec![whole]);
    a.set(&[5], 3.0);
    assert_eq!(buffer_of(&a.memory_facts()).written.len(), 1);
}

// ------------------------------------------------------------ np and ops

#[test]
fn np_constructors() {
    assert_eq!(np::arange(0, 10, 3).to_vec(), vec![0, 3, 6, 9]);
    assert_eq!(np::arange(5, 0, -2).to_vec(), vec![5, 3, 1]);
    assert_eq!(np::arange(0, 0, 1).size(), 0);
    assert_eq!(np::arange(3_u8, 1, 1).size(), 0);
    assert_eq!(np::arange(1.0, 2.0, 0.3).to_vec().len(), 4);
    assert_eq!(np::arange(0.0_f32, -1.0, -0.5).to_vec(), vec![0.0, -0.5]);
    let m = np::array2(&[[1_i16, 2], [3, 4], [5, 6]]);
    assert_eq!((m.shape(), m.dtype()), (&[3, 2][..], "i16"));
    assert_eq!(np::empty([2, 2]).to_vec(), vec![0.0; 4]);
    assert_eq!(np::ones([2]).nbytes(), 16);
    assert!(NpArray::<bool>::ones([1]).at(&[0]));
    let dtypes = [
        NpArray::<f32>::zeros([1]).dtype(),
        NpArray::<u128>::zeros([1]).dtype(),
        NpArray::<isize>::zeros([1]).dtype(),
        NpArray::<bool>::zeros([1]).dtype(),
    ];
    assert_eq!(dtypes, ["f32", "u128", "isize", "bool"]);
    // ndarray arrays in any layout are copied into C order.
    let f_ordered = Array2::<i32>::zeros((2, 3).f());
    let from_f = NpArray::from(f_ordered);
    assert_eq!(from_f.strides(), &[3, 1]);
}

#[test]
#[should_panic(expected = "step must not be zero")]
fn arange_with_a_zero_step_panics() {
    np::arange(0, 10, 0);
}

#[test]
fn arithmetic_makes_new_memory() {
    let a = np::arange(1.0, 4.0, 1.0);
    let m = np::ones([2, 3]);
    let sum = &m + &a;
    assert_eq!(sum.to_vec(), vec![2.0, 3.0, 4.0, 2.0, 3.0, 4.0]);
    assert!(sum.owns_data() && !sum.shares_memory(&m));
    assert_eq!((&a - 1.0).to_vec(), vec![0.0, 1.0, 2.0]);
    assert_eq!((&a * &a).to_vec(), vec![1.0, 4.0, 9.0]);
    assert_eq!((&a / 2.0).to_vec(), vec![0.5, 1.0, 1.5]);
    // Both operands on one buffer: two readers, no conflict.
    let reversed = a.slice(s![..;-1]);
    assert_eq!((&a + &reversed).to_vec(), vec![4.0, 4.0, 4.0]);
}

#[test]
#[cfg_attr(miri, ignore)] // Five million elements: minutes under Miri.
fn shares_memory_stays_exact_for_large_arrays() {
    let a = NpArray::<u8>::zeros([5_000_000]);
    let evens = a.slice(s![..;2]);
    assert!(!np::shares_memory(&evens, &a.slice(s![1..;2])));
    assert!(np::may_share_memory(&evens, &a.slice(s![1..;2])));
    assert!(np::shares_memory(&evens, &a.slice(s![4_000_000..;3])));
}

#[test]
#[cfg_attr(miri, ignore)] // Two million elements: minutes under Miri.
fn a_large_copy_of_every_second_element_has_every_value_in_order() {
    // Large enough (8 MiB and more) for the copy to bypass the cache.
    let a = np::arange(0.0, 4_000_001.0, 1.0);
    for (start, expected_len) in [(0, 2_000_001), (1, 2_000_000)] {
        let every_second = a.slice(s![start..;2]);
        let copied = np::copy(&every_second, np::Order::K);
        assert!(!np::shares_memory(&copied, &a));
        let values = copied.to_vec();
        assert_eq!(values.len(), expected_len);
        assert!(
            values
                .iter()
                .enumerate()
                .all(|(i, &x)| x == (start + 2 * i) as f64)
        );
    }
}
