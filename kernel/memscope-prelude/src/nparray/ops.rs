//! Element-wise arithmetic `+ - * /` between arrays (broadcasting, as in
//! NumPy) and with scalars. Results are always new memory; the work is done
//! by ndarray on borrowed views.
//!
//! ```
//! use memscope_prelude::*;
//! let a = np::arange(0.0, 3.0, 1.0);
//! let m = np::ones(&[2, 3]);
//! let sum = &m + &a; // a is added to every row
//! assert_eq!(sum.to_vec(), vec![1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
//! assert_eq!((&a * 2.0).to_vec(), vec![0.0, 2.0, 4.0]);
//! ```

use std::ops::{Add, Div, Mul, Sub};

use ndarray::ScalarOperand;

use super::{Element, NpArray};

macro_rules! elementwise {
    ($($trait:ident $method:ident),*) => {$(
        /// Element-wise, with NumPy's broadcasting; new memory.
        ///
        /// # Panics
        /// If the shapes cannot be broadcast together.
        impl<T: Element + $trait<Output = T>> $trait<&NpArray<T>> for &NpArray<T> {
            type Output = NpArray<T>;

            fn $method(self, other: &NpArray<T>) -> NpArray<T> {
                // Two shared borrows: fine even when both share a buffer.
                let result = self.read(|a| other.read(|b| (&a).$method(&b)));
                NpArray::from(result)
            }
        }

        /// Element-wise with a scalar; new memory.
        impl<T: Element + ScalarOperand + $trait<Output = T>> $trait<T> for &NpArray<T> {
            type Output = NpArray<T>;

            fn $method(self, scalar: T) -> NpArray<T> {
                NpArray::from(self.read(|a| (&a).$method(scalar)))
            }
        }
    )*};
}

elementwise!(Add add, Sub sub, Mul mul, Div div);
