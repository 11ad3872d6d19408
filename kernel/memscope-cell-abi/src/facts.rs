//! What a cell process knows about one array-like value: its layout in
//! memory, and a bounded sample of its values for the picture.
//!
//! Invariant: facts are plain data (addresses as numbers, never pointers to
//! follow), so they can be sent to the kernel and compared across cells;
//! the layout is read without touching an element, and the sample reads at
//! most [`ALL_VALUES_UP_TO`] elements, whatever the array's size.

/// The layout and storage of one array-like value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrayFacts {
    /// A short, readable type: `Array2<f64>`, `ArcArray1<i32>`, `NpArray<f64>`.
    pub type_name: String,
    /// The element type: one of [`DTYPES`].
    pub dtype: &'static str,
    /// Bytes per element.
    pub itemsize: usize,
    pub shape: Vec<usize>,
    /// Strides in elements (not bytes); negative for reversed axes.
    pub strides: Vec<isize>,
    /// Address of the logical first element (index `[0, 0, ...]`).
    pub first: usize,
    /// Whether the value lets its elements be written.
    pub writeable: bool,
    pub storage: Storage,
    /// The first and last values in the array's logical (C) order.
    pub values: ValueSample,
}

/// An array of at most this many elements reports every value; a larger
/// one its first and last [`END_VALUES`].
pub const ALL_VALUES_UP_TO: usize = 48;
/// How many values a larger array reports at each end (as NumPy prints
/// three at each end of a long axis).
pub const END_VALUES: usize = 3;

/// A sample of an array's values as Rust writes them (floats with `Debug`, so `1.0` keeps its
/// point and every float reads back exactly), in the array's C order:
/// every value in `head` for an array of up to [`ALL_VALUES_UP_TO`]
/// elements; else the first and last [`END_VALUES`]. Both are empty when
/// the cell could not read them (an `NpArray` whose buffer a `view_mut()`
/// holds) and for an empty array.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueSample {
    pub head: Vec<String>,
    pub tail: Vec<String>,
}

impl ValueSample {
    /// Every value, in C order, if the sample holds all `count` of them.
    pub fn all(&self, count: u64) -> Option<&[String]> {
        (count > 0 && self.tail.is_empty() && self.head.len() as u64 == count)
            .then_some(&self.head[..])
    }

    /// Whether the cell sent no values.
    pub fn is_empty(&self) -> bool {
        self.head.is_empty() && self.tail.is_empty()
    }
}

/// Who holds the memory behind an array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// It alone owns its allocation (`Array`, `Vec`, `Box<[T]>`, an owned
    /// `CowArray`).
    Owned,
    /// An `ArcArray`: the allocation is reference counted; `unique` is false
    /// while other handles share it.
    Shared { unique: bool },
    /// It borrows memory that something else owns (`'static` views, a
    /// borrowed `CowArray`).
    Borrowed,
    /// An `NpArray`, whose buffer is known exactly.
    Buffer(BufferFacts),
}

/// The buffer behind an `NpArray`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BufferFacts {
    /// Address of the buffer's first element.
    pub start: usize,
    /// Length of the buffer in elements.
    pub len: usize,
    /// True for the array that allocated the buffer (NumPy's OWNDATA).
    pub owns_data: bool,
    /// Which array this is: equal for handles of the same array (aliases
    /// made with `clone`), different for every view, even one with the same
    /// layout. An address, compared only within one report.
    pub identity: usize,
    /// Regions written since the buffer was last reported. Only the first
    /// array of a buffer to be described carries them (reporting drains the
    /// buffer's log), so the kernel joins them per buffer.
    pub written: Vec<Region>,
}

/// A strided set of elements of a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Address of the region's logical first element.
    pub first: usize,
    pub shape: Vec<usize>,
    /// In elements.
    pub strides: Vec<isize>,
}

/// Calls `$callback! { f32 f64 ... bool }` with every element type a cell
/// can report, so that the prelude's element trait, its describers and
/// [`DTYPES`] are generated from this one list.
///
/// ```
/// macro_rules! count { ($($t:ident)*) => { [$(stringify!($t)),*].len() } }
/// assert_eq!(memscope_cell_abi::for_each_dtype!(count), 15);
/// ```
#[macro_export]
macro_rules! for_each_dtype {
    ($callback:ident) => {
        $callback! { f32 f64 i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize bool }
    };
}

macro_rules! names {
    ($($t:ident)*) => { [$(stringify!($t)),*] };
}

/// Every element type a cell reports, by name.
pub const DTYPES: [&str; 15] = for_each_dtype!(names);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtype_names_are_rust_type_names() {
        assert_eq!(DTYPES[0], "f32");
        assert_eq!(DTYPES[14], "bool");
        assert!(DTYPES.contains(&"usize"));
    }
}
