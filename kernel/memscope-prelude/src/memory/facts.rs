//! What a cell process knows about one array-like value: its layout in
//! memory, read without touching a single element.
//!
//! Invariant: facts are plain data (addresses as numbers, never pointers to
//! follow), so they can be sent to the kernel and compared across cells.

/// The layout and storage of one array-like value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrayFacts {
    /// A short, readable type: `Array2<f64>`, `ArcArray1<i32>`, `NpArray<f64>`.
    pub type_name: String,
    /// The element type: `f64`, `u8`, `bool`, ...
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

/// Every element type the prelude describes, by name.
pub const DTYPES: [&str; 15] = [
    "f32", "f64", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128",
    "usize", "bool",
];

/// How many channel fields one variable takes (see [`to_fields`]).
pub const FIELDS_PER_VARIABLE: usize = 9;

/// Encodes a named variable's facts as channel fields. Lists are
/// comma-separated numbers, so no field ever needs the separator.
pub fn to_fields(name: &str, facts: &ArrayFacts) -> [String; FIELDS_PER_VARIABLE] {
    [
        name.to_owned(),
        facts.type_name.clone(),
        facts.dtype.to_owned(),
        facts.itemsize.to_string(),
        join(&facts.shape),
        join(&facts.strides),
        facts.first.to_string(),
        u8::from(facts.writeable).to_string(),
        storage_field(&facts.storage),
    ]
}

/// The inverse of [`to_fields`]; `None` for anything malformed.
pub fn from_fields(fields: &[String]) -> Option<(String, ArrayFacts)> {
    let [name, type_name, dtype, itemsize, shape, strides, first, writeable, storage] = fields
    else {
        return None;
    };
    let facts = ArrayFacts {
        type_name: type_name.clone(),
        dtype: DTYPES.iter().find(|known| *known == dtype)?,
        itemsize: itemsize.parse().ok()?,
        shape: split(shape)?,
        strides: split(strides)?,
        first: first.parse().ok()?,
        writeable: match writeable.as_str() {
            "1" => true,
            "0" => false,
            _ => return None,
        },
        storage: parse_storage(storage)?,
    };
    (facts.shape.len() == facts.strides.len()).then_some((name.clone(), facts))
}

fn join<N: ToString>(numbers: &[N]) -> String {
    numbers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn split<N: std::str::FromStr>(text: &str) -> Option<Vec<N>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(',').map(|n| n.parse().ok()).collect()
}

fn storage_field(storage: &Storage) -> String {
    match storage {
        Storage::Owned => "owned".to_owned(),
        Storage::Shared { unique: true } => "shared unique".to_owned(),
        Storage::Shared { unique: false } => "shared".to_owned(),
        Storage::Borrowed => "borrowed".to_owned(),
        Storage::Buffer(buffer) => {
            let mut field = format!(
                "buffer {} {} {} {}",
                buffer.start,
                buffer.len,
                u8::from(buffer.owns_data),
                buffer.identity
            );
            for region in &buffer.written {
                field.push_str(&format!(
                    " {}/{}/{}",
                    region.first,
                    join(&region.shape),
                    join(&region.strides)
                ));
            }
            field
        }
    }
}

fn parse_storage(field: &str) -> Option<Storage> {
    let mut words = field.split(' ');
    Some(match words.next()? {
        "owned" => Storage::Owned,
        "borrowed" => Storage::Borrowed,
        "shared" => Storage::Shared {
            unique: words.next() == Some("unique"),
        },
        "buffer" => {
            let start = words.next()?.parse().ok()?;
            let len = words.next()?.parse().ok()?;
            let owns_data = words.next()? == "1";
            let identity = words.next()?.parse().ok()?;
            let written = words.map(parse_region).collect::<Option<_>>()?;
            Storage::Buffer(BufferFacts {
                start,
                len,
                owns_data,
                identity,
                written,
            })
        }
        _ => return None,
    })
}

fn parse_region(word: &str) -> Option<Region> {
    let mut parts = word.split('/');
    let region = Region {
        first: parts.next()?.parse().ok()?,
        shape: split(parts.next()?)?,
        strides: split(parts.next()?)?,
    };
    (parts.next().is_none() && region.shape.len() == region.strides.len()).then_some(region)
}
