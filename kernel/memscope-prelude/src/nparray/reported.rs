//! What the kernel is told about an `NpArray` after each cell: its layout
//! and buffer as plain numbers, and the regions written since last time.

use memscope_cell_abi::{ArrayFacts, BufferFacts, Region, Storage};

use super::borrow::view_of;
use super::{Element, NpArray};
use crate::arrays::sample;

impl<T: Element> NpArray<T> {
    /// The array's layout and storage for the kernel's memory view (hidden:
    /// the kernel's report and the tests call it, notebooks have the table).
    ///
    /// Never panics: addresses were recorded when the buffer was allocated,
    /// and the sample of values (at most 48 elements) is left empty while
    /// a `view_mut()` holds the buffer. `written` lists the
    /// regions written since the kernel's last report; this call leaves
    /// them for the report.
    ///
    /// ```
    /// use memscope_prelude::*;
    /// let a = np::zeros(&[10]);
    /// let tail = a.slice(s![4..]);
    /// let facts = tail.memory_facts();
    /// let memscope_cell_abi::Storage::Buffer(buffer) = &facts.storage else { unreachable!() };
    /// assert_eq!(facts.first, buffer.start + 4 * 8);
    /// assert_eq!((buffer.len, buffer.owns_data), (10, false));
    /// ```
    #[doc(hidden)]
    pub fn memory_facts(&self) -> ArrayFacts {
        self.facts(self.buffer.pending_writes())
    }

    /// The facts for the kernel's report after a cell, which takes the
    /// buffer's written regions: only the first array of a buffer reported
    /// after a write carries them.
    pub(crate) fn report_facts(&self) -> ArrayFacts {
        self.facts(self.buffer.drain_write_log())
    }

    fn facts(&self, written: Vec<Region>) -> ArrayFacts {
        let first = if self.is_empty() {
            self.buffer.start()
        } else {
            self.buffer.address_of(self.layout.offset)
        };
        ArrayFacts {
            type_name: format!("NpArray<{}>", T::DTYPE),
            dtype: T::DTYPE,
            itemsize: self.itemsize(),
            shape: self.shape().to_vec(),
            strides: self.strides().to_vec(),
            first,
            writeable: self.writeable,
            storage: Storage::Buffer(BufferFacts {
                start: self.buffer.start(),
                len: self.buffer.len(),
                owns_data: self.owns_data,
                identity: std::rc::Rc::as_ptr(&self.identity).addr(),
                written,
            }),
            values: self
                .buffer
                .try_borrow()
                .map(|elements| sample(&view_of(&elements, &self.layout)))
                .unwrap_or_default(),
        }
    }
}
