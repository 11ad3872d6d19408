//! The values an array reports beside its layout, for the picture: every
//! value of a small array, the first and last few of a large one, in the
//! array's logical (C) order.
//!
//! Invariant: reads at most `ALL_VALUES_UP_TO` elements whatever the
//! array's size (the tail is reached by index, not by walking), through a
//! shared view only, and runs no user code (elements are numbers).

use memscope_cell_abi::ValueSample;
use memscope_cell_abi::facts::{ALL_VALUES_UP_TO, END_VALUES};
use ndarray::ArrayViewD;

use crate::nparray::{Element, fmt::element_text};

/// The sample of `view`'s values the kernel's picture shows.
pub(crate) fn sample<T: Element>(view: &ArrayViewD<'_, T>) -> ValueSample {
    let count = view.len();
    if count <= ALL_VALUES_UP_TO {
        return ValueSample {
            head: view.iter().map(element_text).collect(),
            tail: Vec::new(),
        };
    }
    let mut index = vec![0; view.ndim()];
    let tail = (count - END_VALUES..count)
        .filter_map(|linear| {
            unravel(linear, view.shape(), &mut index);
            view.get(&index[..]).map(element_text)
        })
        .collect();
    ValueSample {
        head: view.iter().take(END_VALUES).map(element_text).collect(),
        tail,
    }
}

/// The index of the `linear`-th element in C order (the last axis fastest).
fn unravel(mut linear: usize, shape: &[usize], index: &mut [usize]) {
    for (slot, &length) in index.iter_mut().zip(shape).rev() {
        *slot = linear % length;
        linear /= length;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array, ShapeBuilder, s};

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn a_small_array_reports_every_value_in_c_order() {
        let grid = Array::from_shape_vec((3, 4), (0..12).collect::<Vec<i32>>()).unwrap();
        let transposed = grid.t();
        let values = sample(&transposed.into_dyn());
        assert_eq!(
            values.head,
            strings(&["0", "4", "8", "1", "5", "9", "2", "6", "10", "3", "7", "11"])
        );
        assert!(values.tail.is_empty());
        assert_eq!(values.all(12).map(<[String]>::len), Some(12));
    }

    #[test]
    fn a_large_array_reports_its_ends_as_the_walk_meets_them() {
        let line = Array::from_iter((0..1000).map(f64::from));
        let backwards = line.slice(s![..;-3]);
        let values = sample(&backwards.into_dyn());
        assert_eq!(values.head, strings(&["999.0", "996.0", "993.0"]));
        assert_eq!(values.tail, strings(&["6.0", "3.0", "0.0"]));
        assert_eq!(values.all(334), None);

        let cube = Array::from_shape_vec((4, 5, 6).f(), (0..120).collect::<Vec<u8>>()).unwrap();
        let values = sample(&cube.view().into_dyn());
        // Fortran order in memory, C order in the sample: [0, 0, 1] is 4.
        assert_eq!(values.head, strings(&["0", "20", "40"]));
        assert_eq!(values.tail, strings(&["79", "99", "119"]));
    }

    #[test]
    fn floats_keep_their_point_and_every_digit() {
        let values = sample(
            &ndarray::arr1(&[1.0_f32, 0.1 + 0.2, -f32::INFINITY])
                .view()
                .into_dyn(),
        );
        assert_eq!(values.head, strings(&["1.0", "0.3", "-inf"]));
        let values = sample(
            &ndarray::arr1(&[0.1_f64 + 0.2, f64::NAN, 1e-7])
                .view()
                .into_dyn(),
        );
        assert_eq!(
            values.head,
            strings(&["0.30000000000000004", "NaN", "1e-7"])
        );
        let values = sample(&ndarray::arr1(&[true, false]).view().into_dyn());
        assert_eq!(values.head, strings(&["true", "false"]));
    }

    #[test]
    fn empty_and_zero_dimensional_arrays() {
        let empty = Array::<i8, _>::zeros((3, 0));
        assert!(sample(&empty.view().into_dyn()).is_empty());
        let scalar = ndarray::arr0(7_u64);
        assert_eq!(sample(&scalar.view().into_dyn()).head, strings(&["7"]));
    }
}
