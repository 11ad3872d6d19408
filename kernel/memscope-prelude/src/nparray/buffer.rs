//! The memory behind one or more `NpArray`s: a fixed-length block of
//! elements behind a `RefCell`, the layout of the array that allocated it,
//! and its write log.
//!
//! Invariant: the block is never resized or replaced, so the address of its
//! first element, taken once at allocation, stays true for its whole life
//! (and can be reported without borrowing anything).

use std::cell::{Cell, Ref, RefCell, RefMut};

use super::Identity;
use super::layout::Layout;
use super::write_log::WriteLog;
use memscope_cell_abi::Region;

const ALREADY_MUTABLY_BORROWED: &str = "this NpArray's buffer is already mutably borrowed by a live \
     view_mut() (of this array, or of another array that shares its memory); a read needs no \
     writer at the same time, so drop the other view first";

const ALREADY_BORROWED: &str = "this NpArray's buffer is already borrowed by a live view() or \
     view_mut() (of this array, or of another array that shares its memory); a write needs the \
     buffer to itself, so drop the other view first";

pub(crate) struct Buffer<T> {
    elements: RefCell<Box<[T]>>,
    /// Address of element 0 (fixed, see the module invariant).
    start: usize,
    len: usize,
    /// The layout of the array that allocated the buffer (NumPy's `base`).
    owner: Layout,
    /// The identity of that array, so that `base()` is that very array.
    owner_identity: Identity,
    /// Whether that owner is writeable; a view cannot be made writeable
    /// again when its owner is not.
    owner_writeable: Cell<bool>,
    write_log: RefCell<WriteLog>,
}

impl<T> Buffer<T> {
    /// A buffer holding `elements`, allocated by an array with layout `owner`.
    pub fn new(elements: Vec<T>, owner: Layout, owner_identity: Identity) -> Buffer<T> {
        let elements = elements.into_boxed_slice();
        Buffer {
            start: elements.as_ptr().addr(),
            len: elements.len(),
            elements: RefCell::new(elements),
            owner,
            owner_identity,
            owner_writeable: Cell::new(true),
            write_log: RefCell::new(WriteLog::default()),
        }
    }

    pub fn start(&self) -> usize {
        self.start
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn owner(&self) -> &Layout {
        &self.owner
    }

    pub fn owner_identity(&self) -> &Identity {
        &self.owner_identity
    }

    pub fn owner_writeable(&self) -> bool {
        self.owner_writeable.get()
    }

    pub fn set_owner_writeable(&self, writeable: bool) {
        self.owner_writeable.set(writeable);
    }

    /// Shared access to the elements.
    ///
    /// # Panics
    /// If a mutable borrow is live, with a message that says what to do.
    #[track_caller]
    pub fn borrow(&self) -> Ref<'_, [T]> {
        let elements = self.elements.try_borrow().expect(ALREADY_MUTABLY_BORROWED);
        Ref::map(elements, |elements| &**elements)
    }

    /// Shared access, or `None` while a mutable borrow is live.
    pub fn try_borrow(&self) -> Option<Ref<'_, [T]>> {
        let elements = self.elements.try_borrow().ok()?;
        Some(Ref::map(elements, |elements| &**elements))
    }

    /// Exclusive access to the elements (as a slice: callers can change
    /// elements but never replace or resize the block).
    ///
    /// # Panics
    /// If any other borrow is live, with a message that says what to do.
    #[track_caller]
    pub fn borrow_mut(&self) -> RefMut<'_, [T]> {
        let elements = self.elements.try_borrow_mut().expect(ALREADY_BORROWED);
        RefMut::map(elements, |elements| &mut **elements)
    }

    /// The address of the element at `offset` (no bounds check, no access).
    pub fn address_of(&self, offset: usize) -> usize {
        self.start
            .wrapping_add(offset.wrapping_mul(std::mem::size_of::<T>()))
    }

    /// Records that the elements of `layout` are being written.
    pub fn log_write(&self, layout: &Layout) {
        if layout.size() == 0 {
            return; // Nothing is written.
        }
        let region = Region {
            first: self.address_of(layout.offset),
            shape: layout.shape.clone(),
            strides: layout.strides.clone(),
        };
        let whole_buffer = || Region {
            first: self.start,
            shape: vec![self.len],
            strides: vec![1],
        };
        // The log is only borrowed inside these two methods, never across
        // user code, so this borrow cannot conflict.
        if let Ok(mut log) = self.write_log.try_borrow_mut() {
            log.record(region, whole_buffer);
        }
    }

    /// Takes the regions written since the last call.
    pub fn drain_write_log(&self) -> Vec<Region> {
        self.write_log
            .try_borrow_mut()
            .map(|mut log| log.drain())
            .unwrap_or_default()
    }

    /// The regions written since the last report, leaving the log as it is.
    pub fn pending_writes(&self) -> Vec<Region> {
        self.write_log
            .try_borrow()
            .map(|log| log.regions().to_vec())
            .unwrap_or_default()
    }
}
