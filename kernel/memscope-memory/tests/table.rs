//! The memory table on hand-built layouts: no compiler, no cell process.
//! Addresses are made up; every element is an 8-byte `f64`.
//!
//! Most tests run a few cells through one tracker and compare the tables
//! with an `expect!` snapshot in the compact form that `compact` writes. After a
//! deliberate change, `UPDATE_EXPECT=1 cargo test -p memscope-memory`
//! rewrites the snapshots; read the diff before keeping it, since a
//! snapshot is only a test while its content is right. The renderings
//! users see (text, JSON, HTML) have their own snapshots further down.

use std::fmt::Write as _;

use expect_test::{Expect, expect, expect_file};
use memscope_cell_abi::{ArrayFacts, BufferFacts, Region, Storage, ValueSample};
use memscope_memory::render::{RenderOptions, bundle, data_resource, html, json, text};
use memscope_memory::{Base, GoneWhy, MemoryTable, MemoryTracker, Role, Row};

/// The size of one element.
const F64: usize = 8;
// Addresses of unrelated allocations, far enough apart never to overlap.
const X: usize = 0x10000;
const Y: usize = 0x90000;
const Z: usize = 0x50000;

/// A ten-element `NpArray` buffer at `X`.
const TEN: NpBuffer = NpBuffer { start: X, len: 10 };

fn array(
    type_name: String,
    first: usize,
    shape: &[usize],
    strides: &[isize],
    storage: Storage,
) -> ArrayFacts {
    ArrayFacts {
        type_name,
        dtype: "f64",
        itemsize: F64,
        shape: shape.to_vec(),
        strides: strides.to_vec(),
        first,
        writeable: true,
        storage,
        values: ValueSample::default(),
    }
}

/// `facts` with the values a cell would send, read from `buffer` (the
/// values of the whole `NpArray` buffer it lies in) through its layout.
fn valued(mut facts: ArrayFacts, buffer: &[String]) -> ArrayFacts {
    let Storage::Buffer(storage) = &facts.storage else {
        panic!("an NpArray");
    };
    let offset = (facts.first - storage.start) / facts.itemsize;
    let count: usize = facts.shape.iter().product();
    let mut read = Vec::with_capacity(count);
    let mut index = vec![0_usize; facts.shape.len()];
    for _ in 0..count {
        let position = offset as isize
            + index
                .iter()
                .zip(&facts.strides)
                .map(|(i, s)| *i as isize * s)
                .sum::<isize>();
        read.push(buffer[position as usize].clone());
        for axis in (0..index.len()).rev() {
            index[axis] += 1;
            if index[axis] < facts.shape[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    facts.values = if count <= 48 {
        ValueSample {
            head: read,
            tail: Vec::new(),
        }
    } else {
        ValueSample {
            head: read[..3].to_vec(),
            tail: read[count - 3..].to_vec(),
        }
    };
    facts
}

/// An `ndarray::Array` that owns its memory.
fn owned(first: usize, shape: &[usize], strides: &[isize]) -> ArrayFacts {
    let type_name = format!("Array{}<f64>", shape.len());
    array(type_name, first, shape, strides, Storage::Owned)
}

/// An `ArcArray` whose allocation other handles hold too.
fn arc(first: usize, shape: &[usize], strides: &[isize]) -> ArrayFacts {
    let type_name = format!("ArcArray{}<f64>", shape.len());
    array(
        type_name,
        first,
        shape,
        strides,
        Storage::Shared { unique: false },
    )
}

/// An `ArcArray` that is the only holder of its allocation.
fn arc_alone(first: usize, shape: &[usize], strides: &[isize]) -> ArrayFacts {
    let type_name = format!("ArcArray{}<f64>", shape.len());
    array(
        type_name,
        first,
        shape,
        strides,
        Storage::Shared { unique: true },
    )
}

/// A `Vec<f64>` of `len` elements.
fn vec_of(first: usize, len: usize) -> ArrayFacts {
    array("Vec<f64>".to_owned(), first, &[len], &[1], Storage::Owned)
}

/// An `NpArray` buffer of `len` elements at `start`. Every owner of one
/// buffer is the same array (they are aliases); every view is an array of
/// its own, as NumPy's are.
struct NpBuffer {
    start: usize,
    len: usize,
}

impl NpBuffer {
    /// The array that allocated the buffer, seen from its first element.
    fn owner(&self, shape: &[usize], strides: &[isize]) -> ArrayFacts {
        self.array(0, shape, strides, true, self.start)
    }

    /// A view whose first element is element `offset` of the buffer.
    fn view(&self, offset: usize, shape: &[usize], strides: &[isize]) -> ArrayFacts {
        // Owners use the buffer's start as their identity; counting views
        // down from the top keeps the two apart.
        static VIEWS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let identity = usize::MAX - VIEWS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.array(offset, shape, strides, false, identity)
    }

    fn array(
        &self,
        offset: usize,
        shape: &[usize],
        strides: &[isize],
        owns_data: bool,
        identity: usize,
    ) -> ArrayFacts {
        let buffer = BufferFacts {
            start: self.start,
            len: self.len,
            owns_data,
            identity,
            written: Vec::new(),
        };
        let first = self.start + offset * F64;
        array(
            "NpArray<f64>".to_owned(),
            first,
            shape,
            strides,
            Storage::Buffer(buffer),
        )
    }
}

/// An `NpArray` after a cell that wrote `region` of its buffer (what the
/// prelude's write log reports).
fn wrote(mut facts: ArrayFacts, region: Region) -> ArrayFacts {
    if let Storage::Buffer(buffer) = &mut facts.storage {
        buffer.written.push(region);
    }
    facts
}

/// The variables in name order, as the kernel hands them over.
fn named(variables: Vec<(&str, ArrayFacts)>) -> Vec<(String, ArrayFacts)> {
    let mut variables: Vec<_> = variables
        .into_iter()
        .map(|(name, facts)| (name.to_owned(), facts))
        .collect();
    variables.sort_by(|a, b| a.0.cmp(&b.0));
    variables
}

/// The table as the snapshots show it: a header, then one line per
/// variable, then one per variable that is gone. Every column is always
/// there and an empty list is `-`, so a snapshot states every value:
/// `base` is the owner a view looks into (`not a variable` when the
/// session has none), `cow with` the other copy-on-write holders of its
/// allocation, `shares` lists the variables with an element in
/// common (`(may share)` when the exact answer was out of reach), and
/// `bounds overlap` those whose first-to-last-byte bounds meet.
fn compact(table: &MemoryTable) -> String {
    let header = [
        "name",
        "role",
        "base",
        "alias of",
        "cow with",
        "buffer",
        "bytes",
        "contiguous",
        "changed",
        "shares",
        "bounds overlap",
    ];
    let mut lines = vec![header.map(str::to_owned)];
    lines.extend(table.rows.iter().map(compact_row));
    let mut widths = [0; 11];
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for line in &lines {
        let cells: Vec<String> = line
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    for gone in &table.gone {
        let why = match &gone.why {
            GoneWhy::Moved { into } => format!("moved into {into}"),
            GoneWhy::Dropped => "dropped".to_owned(),
        };
        writeln!(out, "{} is gone: {why}", gone.name).unwrap();
    }
    out
}

fn compact_row(row: &Row) -> [String; 11] {
    let list = |names: &[String]| {
        if names.is_empty() {
            "-".to_owned()
        } else {
            names.join(", ")
        }
    };
    let base = match &row.base {
        Base::None => "-".to_owned(),
        Base::Variable(owner) => owner.clone(),
        Base::NotAVariable => "not a variable".to_owned(),
    };
    let contiguous = match (row.c_contiguous, row.f_contiguous) {
        (true, true) => "C F",
        (true, false) => "C",
        (false, true) => "F",
        (false, false) => "no",
    };
    let mut shares = row.shares_memory_with.clone();
    shares.extend(
        row.may_share_with
            .iter()
            .map(|name| format!("{name} (may share)")),
    );
    [
        row.name.clone(),
        // The role as JSON names it (`copy-on-write`).
        serde_json::to_value(row.role)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned(),
        base,
        list(&row.alias_of),
        list(&row.copy_on_write_with),
        row.buffer
            .map_or_else(|| "-".to_owned(), |id| id.to_string()),
        row.bytes.to_string(),
        contiguous.to_owned(),
        format!("{:?}", row.changed).to_lowercase(),
        list(&shares),
        list(&row.bounds_overlap_with),
    ]
}

/// Checks the table after one cell without code in which `variables` exist.
fn check(variables: Vec<(&str, ArrayFacts)>, expect: Expect) {
    let table = MemoryTracker::new().observe(&named(variables), "", Some(1));
    expect.assert_eq(&compact(&table));
}

/// Cells run one after another through one tracker, as in a notebook; the
/// transcript holds each cell's code and the table after it.
struct Session {
    tracker: MemoryTracker,
    cells: u32,
    transcript: String,
}

impl Session {
    fn new() -> Session {
        Session {
            tracker: MemoryTracker::new(),
            cells: 0,
            transcript: String::new(),
        }
    }

    /// Runs a cell whose source is `code` and after which `variables` exist.
    fn cell(mut self, code: &str, variables: Vec<(&str, ArrayFacts)>) -> Session {
        self.cells += 1;
        let table = self
            .tracker
            .observe(&named(variables), code, Some(self.cells));
        let heading = format!("cell {}: ", self.cells);
        let code = code.replace('\n', &format!("\n{:1$}", "", heading.len()));
        if !self.transcript.is_empty() {
            self.transcript.push('\n');
        }
        writeln!(self.transcript, "{}", format!("{heading}{code}").trim_end()).unwrap();
        self.transcript.push_str(&compact(&table));
        self
    }

    /// Restarts the cell process: every variable is gone.
    fn restart(mut self) -> Session {
        self.tracker.restart();
        self.transcript.push_str("\nrestart\n");
        self
    }

    fn check(self, expect: Expect) {
        expect.assert_eq(&self.transcript);
    }
}

#[test]
fn an_array_alone_owns_its_buffer() {
    check(
        vec![("a", owned(X, &[10], &[1]))],
        expect![[r#"
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         new      -       -
        "#]],
    );
}

#[test]
fn a_slice_is_a_view_of_its_owner() {
    check(
        vec![
            ("a", TEN.owner(&[10], &[1])),
            ("v", TEN.view(2, &[3], &[1])),
        ],
        expect![[r#"
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         new      v       v
            v     view   a     -         -         buf1    24     C F         new      a       a
        "#]],
    );
}

#[test]
fn interleaved_slices_overlap_in_bounds_but_share_nothing() {
    check(
        vec![
            ("evens", TEN.view(0, &[5], &[2])),
            ("odds", TEN.view(1, &[5], &[2])),
            ("x", TEN.owner(&[10], &[1])),
        ],
        expect![[r#"
            name   role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares       bounds overlap
            evens  view   x     -         -         buf1    40     no          new      x            odds, x
            odds   view   x     -         -         buf1    40     no          new      x            evens, x
            x      owner  -     -         -         buf1    80     C F         new      evens, odds  evens, odds
        "#]],
    );
}

#[test]
fn disjoint_slices_of_one_buffer_share_nothing() {
    // The owner is not a variable of the session.
    check(
        vec![
            ("head", TEN.view(0, &[5], &[1])),
            ("tail", TEN.view(5, &[5], &[1])),
        ],
        expect![[r#"
            name  role  base            alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            head  view  not a variable  -         -         buf1    40     C F         new      -       -
            tail  view  not a variable  -         -         buf1    40     C F         new      -       -
        "#]],
    );
}

#[test]
fn rows_and_columns_of_a_matrix_cross_at_one_element() {
    // A 3x4 C-order matrix; row 1 and column 2 meet at [1, 2].
    let m = NpBuffer { start: X, len: 12 };
    check(
        vec![
            ("m", m.owner(&[3, 4], &[4, 1])),
            ("row1", m.view(4, &[4], &[1])),
            ("row2", m.view(8, &[4], &[1])),
            ("col2", m.view(2, &[3], &[4])),
            ("mt", m.view(0, &[4, 3], &[1, 4])),
        ],
        expect![[r#"
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares                bounds overlap
            col2  view   m     -         -         buf1    24     no          new      m, mt, row1, row2     m, mt, row1, row2
            m     owner  -     -         -         buf1    96     C           new      col2, mt, row1, row2  col2, mt, row1, row2
            mt    view   m     -         -         buf1    96     F           new      col2, m, row1, row2   col2, m, row1, row2
            row1  view   m     -         -         buf1    32     C F         new      col2, m, mt           col2, m, mt
            row2  view   m     -         -         buf1    32     C F         new      col2, m, mt           col2, m, mt
        "#]],
    );
}

#[test]
fn reversed_and_broadcast_views_are_exact() {
    // rev_evens holds elements 9, 7, 5, 3, 1 and evens 0, 2, 4, 6, 8;
    // third repeats element 3 eight times (and counts 64 bytes: bytes
    // count elements, not distinct memory), while late starts at 4.
    check(
        vec![
            ("x", TEN.owner(&[10], &[1])),
            ("rev", TEN.view(9, &[10], &[-1])),
            ("rev_evens", TEN.view(9, &[5], &[-2])),
            ("evens", TEN.view(0, &[5], &[2])),
            ("third", TEN.view(3, &[4, 2], &[0, 0])),
            ("late", TEN.view(4, &[6], &[1])),
        ],
        expect![[r#"
            name       role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares                              bounds overlap
            evens      view   x     -         -         buf1    40     no          new      late, rev, x                        late, rev, rev_evens, third, x
            late       view   x     -         -         buf1    48     C F         new      evens, rev, rev_evens, x            evens, rev, rev_evens, x
            rev        view   x     -         -         buf1    80     no          new      evens, late, rev_evens, third, x    evens, late, rev_evens, third, x
            rev_evens  view   x     -         -         buf1    40     no          new      late, rev, third, x                 evens, late, rev, third, x
            third      view   x     -         -         buf1    64     no          new      rev, rev_evens, x                   evens, rev, rev_evens, x
            x          owner  -     -         -         buf1    80     C F         new      evens, late, rev, rev_evens, third  evens, late, rev, rev_evens, third
        "#]],
    );
}

#[test]
fn the_same_array_under_two_names_is_an_alias() {
    // `let b = a.clone();` on an NpArray: one array, two names.
    check(
        vec![("a", TEN.owner(&[10], &[1])), ("b", TEN.owner(&[10], &[1]))],
        expect![[r#"
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a     alias  -     b         -         buf1    80     C F         new      b       b
            b     alias  -     a         -         buf1    80     C F         new      a       a
        "#]],
    );
}

#[test]
fn arc_array_clones_are_copy_on_write_not_aliases() {
    // `let b = a.clone();` on an ArcArray: one allocation for now, but a
    // write through either copies it first, so neither sees the other's.
    check(
        vec![("a", arc(X, &[10], &[1])), ("b", arc(X, &[10], &[1]))],
        expect![[r#"
            name  role           base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a     copy-on-write  -     -         b         buf1    80     C F         new      b       b
            b     copy-on-write  -     -         a         buf1    80     C F         new      a       a
        "#]],
    );
}

#[test]
fn a_write_splits_copy_on_write_holders_into_two_owners() {
    Session::new()
        .cell(
            "let b = a.clone();",
            vec![("a", arc(X, &[10], &[1])), ("b", arc(X, &[10], &[1]))],
        )
        .cell(
            "b[0] = 1.0;",
            vec![
                ("a", arc_alone(X, &[10], &[1])),
                ("b", arc_alone(Y, &[10], &[1])),
            ],
        )
        .check(expect![[r#"
            cell 1: let b = a.clone();
            name  role           base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a     copy-on-write  -     -         b         buf1    80     C F         new      b       b
            b     copy-on-write  -     -         a         buf1    80     C F         new      a       a

            cell 2: b[0] = 1.0;
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed    shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         unchanged  -       -
            b     owner  -     -         -         buf2    80     C F         modified   -       -
        "#]]);
}

#[test]
fn a_move_keeps_the_buffer_under_a_new_owner() {
    Session::new()
        .cell("let a = ...;", vec![("a", owned(X, &[10], &[1]))])
        .cell("let b = a;", vec![("b", owned(X, &[10], &[1]))])
        .check(expect![[r#"
            cell 1: let a = ...;
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         new      -       -

            cell 2: let b = a;
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            b     owner  -     -         -         buf1    80     C F         new      -       -
            a is gone: moved into b
        "#]]);
}

#[test]
fn a_dropped_buffer_does_not_lend_its_id_to_a_new_one() {
    // The allocator may give the freed memory to the next array.
    Session::new()
        .cell("", vec![("a", owned(X, &[10], &[1]))])
        .cell(
            "drop(a);\nlet c = Array1::zeros(10);",
            vec![("c", owned(X, &[10], &[1]))],
        )
        .check(expect![[r#"
            cell 1:
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         new      -       -

            cell 2: drop(a);
                    let c = Array1::zeros(10);
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            c     owner  -     -         -         buf2    80     C F         new      -       -
            a is gone: dropped
        "#]]);
}

#[test]
fn buffer_ids_follow_names_not_addresses() {
    check(
        vec![
            ("a", owned(0x9000, &[2], &[1])),
            ("b", owned(0x1000, &[2], &[1])),
        ],
        expect![[r#"
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a     owner  -     -         -         buf1    16     C F         new      -       -
            b     owner  -     -         -         buf2    16     C F         new      -       -
        "#]],
    );
}

#[test]
fn writes_mark_exactly_the_variables_they_touch() {
    // `odds.fill(0.0)` logs the region of odds, which x sees too.
    let odds_region = Region {
        first: X + F64,
        shape: vec![5],
        strides: vec![2],
    };
    Session::new()
        .cell(
            "",
            vec![
                ("x", TEN.owner(&[10], &[1])),
                ("evens", TEN.view(0, &[5], &[2])),
                ("odds", TEN.view(1, &[5], &[2])),
            ],
        )
        .cell(
            "odds.fill(0.0);",
            vec![
                ("x", wrote(TEN.owner(&[10], &[1]), odds_region)),
                ("evens", TEN.view(0, &[5], &[2])),
                ("odds", TEN.view(1, &[5], &[2])),
            ],
        )
        .check(expect![[r#"
            cell 1:
            name   role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares       bounds overlap
            evens  view   x     -         -         buf1    40     no          new      x            odds, x
            odds   view   x     -         -         buf1    40     no          new      x            evens, x
            x      owner  -     -         -         buf1    80     C F         new      evens, odds  evens, odds

            cell 2: odds.fill(0.0);
            name   role   base  alias of  cow with  buffer  bytes  contiguous  changed    shares       bounds overlap
            evens  view   x     -         -         buf1    40     no          unchanged  x            odds, x
            odds   view   x     -         -         buf1    40     no          modified   x            evens, x
            x      owner  -     -         -         buf1    80     C F         modified   evens, odds  evens, odds
        "#]]);
}

#[test]
fn plain_arrays_count_as_modified_when_a_cell_uses_a_mutable_binding() {
    // Cell 2 uses both, but only a is mutable; cell 3 does not use a.
    let arrays = || vec![("a", owned(X, &[10], &[1])), ("b", owned(Y, &[10], &[1]))];
    Session::new()
        .cell(
            "let mut a = Array1::zeros(10);\nlet b = a.clone();",
            arrays(),
        )
        .cell("a[0] = 1.0;\nprintln!(\"{b}\");", arrays())
        .cell("let b = 1;", arrays())
        .check(expect![[r#"
            cell 1: let mut a = Array1::zeros(10);
                    let b = a.clone();
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         new      -       -
            b     owner  -     -         -         buf2    80     C F         new      -       -

            cell 2: a[0] = 1.0;
                    println!("{b}");
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed    shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         modified   -       -
            b     owner  -     -         -         buf2    80     C F         unchanged  -       -

            cell 3: let b = 1;
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed    shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         unchanged  -       -
            b     owner  -     -         -         buf2    80     C F         new        -       -
        "#]]);
}

#[test]
fn char_literals_naming_a_mutable_array_do_not_mark_it_modified() {
    // `'\n'` and `'\t'` are characters, not the variables n and t; only
    // the last cell writes to n.
    let arrays = || vec![("n", owned(X, &[10], &[1])), ("t", owned(Y, &[10], &[1]))];
    Session::new()
        .cell(
            "let mut n = Array1::zeros(10);\nlet mut t = Array1::zeros(10);",
            arrays(),
        )
        .cell(r#"println!("{}{}", '\n', '\t');"#, arrays())
        .cell("n[0] = 1.0;", arrays())
        .check(expect![[r#"
            cell 1: let mut n = Array1::zeros(10);
                    let mut t = Array1::zeros(10);
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            n     owner  -     -         -         buf1    80     C F         new      -       -
            t     owner  -     -         -         buf2    80     C F         new      -       -

            cell 2: println!("{}{}", '\n', '\t');
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed    shares  bounds overlap
            n     owner  -     -         -         buf1    80     C F         unchanged  -       -
            t     owner  -     -         -         buf2    80     C F         unchanged  -       -

            cell 3: n[0] = 1.0;
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed    shares  bounds overlap
            n     owner  -     -         -         buf1    80     C F         modified   -       -
            t     owner  -     -         -         buf2    80     C F         unchanged  -       -
        "#]]);
}

#[test]
fn lifetimes_comments_and_byte_strings_naming_a_mutable_array_do_not_mark_it_modified() {
    let arrays = || vec![("a", owned(X, &[10], &[1])), ("b", owned(Y, &[10], &[1]))];
    Session::new()
        .cell(
            "let mut a = Array1::zeros(10);\nlet mut b = Array1::zeros(10);",
            arrays(),
        )
        .cell("fn first<'a>(v: &'a [f64]) -> &'a f64 { &v[0] }", arrays())
        .cell("/* outer /* inner */ a and b */", arrays())
        .cell(r#"let bytes = b"x";"#, arrays())
        .check(expect![[r#"
            cell 1: let mut a = Array1::zeros(10);
                    let mut b = Array1::zeros(10);
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         new      -       -
            b     owner  -     -         -         buf2    80     C F         new      -       -

            cell 2: fn first<'a>(v: &'a [f64]) -> &'a f64 { &v[0] }
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed    shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         unchanged  -       -
            b     owner  -     -         -         buf2    80     C F         unchanged  -       -

            cell 3: /* outer /* inner */ a and b */
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed    shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         unchanged  -       -
            b     owner  -     -         -         buf2    80     C F         unchanged  -       -

            cell 4: let bytes = b"x";
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed    shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         unchanged  -       -
            b     owner  -     -         -         buf2    80     C F         unchanged  -       -
        "#]]);
}

#[test]
fn empty_arrays_hold_no_buffer() {
    check(
        vec![("e", owned(8, &[0], &[1]))],
        expect![[r#"
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            e     owner  -     -         -         -       0      C F         new      -       -
        "#]],
    );
}

#[test]
fn a_view_with_its_bases_layout_is_still_a_view() {
    check(
        vec![
            ("a", TEN.owner(&[10], &[1])),
            ("whole", TEN.view(0, &[10], &[1])),
        ],
        expect![[r#"
            name   role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a      owner  -     -         -         buf1    80     C F         new      whole   whole
            whole  view   a     -         -         buf1    80     C F         new      a       a
        "#]],
    );
}

#[test]
fn a_thousand_views_of_one_buffer() {
    // Too many rows for a snapshot: the owner's line alone lists a thousand names.
    let buffer = NpBuffer {
        start: X,
        len: 4000,
    };
    let mut variables = vec![("owner".to_owned(), buffer.owner(&[4000], &[1]))];
    for i in 0..1000 {
        variables.push((format!("v{i:04}"), buffer.view(4 * i, &[4], &[1])));
    }
    let table = MemoryTracker::new().observe(&variables, "", Some(1));
    assert_eq!(table.rows.len(), 1001);
    assert_eq!(table.row("owner").unwrap().shares_memory_with.len(), 1000);
    assert_eq!(table.row("v0500").unwrap().shares_memory_with, ["owner"]);
    let views = table.rows.iter().filter(|row| row.role == Role::View);
    assert!(
        views
            .clone()
            .all(|row| row.base == Base::Variable("owner".into()))
    );
    assert_eq!(views.count(), 1000);
}

#[test]
fn views_name_the_oldest_of_an_owners_aliases() {
    Session::new()
        .cell(
            "let x = np::zeros(&[10]);",
            vec![("x", TEN.owner(&[10], &[1]))],
        )
        .cell(
            "let alias = x.clone();\nlet v = x.slice(s![2..4]);",
            vec![
                ("x", TEN.owner(&[10], &[1])),
                ("alias", TEN.owner(&[10], &[1])),
                ("v", TEN.view(2, &[2], &[1])),
            ],
        )
        .check(expect![[r#"
            cell 1: let x = np::zeros(&[10]);
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            x     owner  -     -         -         buf1    80     C F         new      -       -

            cell 2: let alias = x.clone();
                    let v = x.slice(s![2..4]);
            name   role   base  alias of  cow with  buffer  bytes  contiguous  changed    shares    bounds overlap
            alias  alias  -     x         -         buf1    80     C F         new        v, x      v, x
            v      view   x     -         -         buf1    16     C F         new        alias, x  alias, x
            x      alias  -     alias     -         buf1    80     C F         unchanged  alias, v  alias, v
        "#]]);
}

#[test]
fn aliases_made_in_one_cell_follow_the_order_of_their_lets() {
    Session::new()
        .cell(
            "let x = np::zeros(&[10]);\nlet same = x.clone();\nlet v = x.slice(s![2..4]);",
            vec![
                ("x", TEN.owner(&[10], &[1])),
                ("same", TEN.owner(&[10], &[1])),
                ("v", TEN.view(2, &[2], &[1])),
            ],
        )
        .check(expect![[r#"
            cell 1: let x = np::zeros(&[10]);
                    let same = x.clone();
                    let v = x.slice(s![2..4]);
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares   bounds overlap
            same  alias  -     x         -         buf1    80     C F         new      v, x     v, x
            v     view   x     -         -         buf1    16     C F         new      same, x  same, x
            x     alias  -     same      -         buf1    80     C F         new      same, v  same, v
        "#]]);
}

#[test]
fn arc_array_windows_are_copy_on_write_with_the_full_holder_as_base() {
    // A 3x4 C-ordered ArcArray, its reversal, its transpose and its tail.
    check(
        vec![
            ("a", arc(X, &[3, 4], &[4, 1])),
            ("rev", arc(X + 11 * F64, &[3, 4], &[-4, -1])),
            ("at", arc(X, &[4, 3], &[1, 4])),
            ("tail", arc(X + 4 * F64, &[2, 4], &[4, 1])),
        ],
        expect![[r#"
            name  role           base  alias of  cow with       buffer  bytes  contiguous  changed  shares         bounds overlap
            a     copy-on-write  -     -         at, rev, tail  buf1    96     C           new      at, rev, tail  at, rev, tail
            at    copy-on-write  a     -         a, rev, tail   buf1    96     F           new      a, rev, tail   a, rev, tail
            rev   copy-on-write  a     -         a, at, tail    buf1    96     no          new      a, at, tail    a, at, tail
            tail  copy-on-write  a     -         a, at, rev     buf1    64     C           new      a, at, rev     a, at, rev
        "#]],
    );
}

#[test]
fn arc_array_windows_that_share_no_element_are_still_copy_on_write_with_each_other() {
    // head and tail hold one allocation through a: a write through either
    // copies it, though they share no memory now.
    check(
        vec![
            ("a", arc(X, &[10], &[1])),
            ("head", arc(X, &[3], &[1])),
            ("tail", arc(X + 5 * F64, &[5], &[1])),
        ],
        expect![[r#"
            name  role           base  alias of  cow with    buffer  bytes  contiguous  changed  shares      bounds overlap
            a     copy-on-write  -     -         head, tail  buf1    80     C F         new      head, tail  head, tail
            head  copy-on-write  a     -         a, tail     buf1    24     C F         new      a           a
            tail  copy-on-write  a     -         a, head     buf1    40     C F         new      a           a
        "#]],
    );
}

#[test]
fn overlapping_arc_array_windows_without_their_full_holder_are_copy_on_write() {
    check(
        vec![
            ("left", arc(X, &[6], &[1])),
            ("right", arc(X + 4 * F64, &[6], &[1])),
        ],
        expect![[r#"
            name   role           base            alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            left   copy-on-write  not a variable  -         right     buf1    48     C F         new      right   right
            right  copy-on-write  not a variable  -         left      buf1    48     C F         new      left    left
        "#]],
    );
}

#[test]
fn arc_array_windows_whose_holder_is_gone_have_no_owner() {
    // Disjoint windows whose fellow holders are not variables: nothing in
    // their layouts ties them to one allocation, so each keeps its role.
    check(
        vec![
            ("head", arc(X, &[3], &[1])),
            ("tail", arc(X + 5 * F64, &[5], &[1])),
        ],
        expect![[r#"
            name  role  base            alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            head  view  not a variable  -         -         buf1    24     C F         new      -       -
            tail  view  not a variable  -         -         buf2    40     C F         new      -       -
        "#]],
    );
}

#[test]
fn an_arc_array_whose_fellow_holders_are_not_variables_keeps_its_role() {
    // The other handle is a temporary (or inside a value of another type).
    check(
        vec![("lone", arc(X, &[10], &[1]))],
        expect![[r#"
        name  role  base            alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
        lone  view  not a variable  -         -         buf1    80     C F         new      -       -
    "#]],
    );
}

#[test]
fn a_unique_arc_array_owns_its_allocation() {
    // The sole holder owns its allocation, however it looks at it.
    check(
        vec![
            ("only", arc_alone(X, &[10], &[1])),
            ("strided", arc_alone(Y, &[3], &[2])),
        ],
        expect![[r#"
            name     role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            only     owner  -     -         -         buf1    80     C F         new      -       -
            strided  owner  -     -         -         buf2    24     no          new      -       -
        "#]],
    );
}

#[test]
fn a_borrowed_view_with_an_arc_arrays_layout_is_a_view_not_an_alias() {
    // Writing through `a` needs it unborrowed (or copies it first), so the
    // two are not one array.
    let view = array(
        "ArrayView1<f64>".to_owned(),
        X,
        &[10],
        &[1],
        Storage::Borrowed,
    );
    check(
        vec![("a", arc_alone(X, &[10], &[1])), ("v", view)],
        expect![[r#"
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         new      v       v
            v     view   a     -         -         buf1    80     C F         new      a       a
        "#]],
    );
}

#[test]
fn a_move_into_an_existing_variable_hands_over_the_buffer() {
    Session::new()
        .cell(
            "let mut b = ...;",
            vec![("a", owned(X, &[10], &[1])), ("b", owned(Y, &[3], &[1]))],
        )
        .cell("b = a;", vec![("b", owned(X, &[10], &[1]))])
        .check(expect![[r#"
            cell 1: let mut b = ...;
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         new      -       -
            b     owner  -     -         -         buf2    24     C F         new      -       -

            cell 2: b = a;
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed   shares  bounds overlap
            b     owner  -     -         -         buf1    80     C F         modified  -       -
            a is gone: moved into b
        "#]]);
}

#[test]
fn a_vec_that_grows_into_new_memory_keeps_its_buffer_id() {
    // Cell 2 reallocates v; cell 3 gives v a new value, so a new buffer.
    Session::new()
        .cell("", vec![("v", vec_of(X, 4)), ("w", vec_of(Z, 2))])
        .cell(
            "v.push(1.0);",
            vec![("v", vec_of(Y, 5)), ("w", vec_of(Z, 2))],
        )
        .cell(
            "let v = vec![0.0; 5];",
            vec![("v", vec_of(0xA0000, 5)), ("w", vec_of(Z, 2))],
        )
        .check(expect![[r#"
            cell 1:
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            v     owner  -     -         -         buf1    32     C F         new      -       -
            w     owner  -     -         -         buf2    16     C F         new      -       -

            cell 2: v.push(1.0);
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed    shares  bounds overlap
            v     owner  -     -         -         buf1    40     C F         modified   -       -
            w     owner  -     -         -         buf2    16     C F         unchanged  -       -

            cell 3: let v = vec![0.0; 5];
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed    shares  bounds overlap
            v     owner  -     -         -         buf3    40     C F         new        -       -
            w     owner  -     -         -         buf2    16     C F         unchanged  -       -
        "#]]);
}

#[test]
fn a_restart_forgets_the_old_process() {
    // Nothing of the old process is listed as gone, and its buffer id is
    // not reused.
    Session::new()
        .cell("", vec![("a", owned(X, &[10], &[1]))])
        .restart()
        .cell("let b = a;", vec![("b", owned(X, &[10], &[1]))])
        .check(expect![[r#"
            cell 1:
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         new      -       -

            restart

            cell 2: let b = a;
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            b     owner  -     -         -         buf2    80     C F         new      -       -
        "#]]);
}

#[test]
fn a_binding_made_immutable_again_is_not_modified_by_reading_it() {
    let arrays = || vec![("a", owned(X, &[10], &[1]))];
    Session::new()
        .cell("let mut a = Array1::zeros(10);", arrays())
        .cell("let a = a;", arrays())
        .cell("println!(\"{}\", a.sum());", arrays())
        .check(expect![[r#"
            cell 1: let mut a = Array1::zeros(10);
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         new      -       -

            cell 2: let a = a;
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         new      -       -

            cell 3: println!("{}", a.sum());
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed    shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         unchanged  -       -
        "#]]);
}

/// The table the rendering tests show: aliases, interleaved views, an
/// F-ordered owner and a dropped variable.
fn scenario() -> MemoryTable {
    let mut tracker = MemoryTracker::new();
    tracker.observe(&named(vec![("old", owned(Z, &[4], &[1]))]), "", Some(1));
    let variables = named(vec![
        ("x", TEN.owner(&[10], &[1])),
        ("evens", TEN.view(0, &[5], &[2])),
        ("odds", TEN.view(1, &[5], &[2])),
        ("y", TEN.owner(&[10], &[1])),
        ("m", owned(Y, &[2, 3], &[1, 2])),
    ]);
    tracker.observe(&variables, "drop(old);", Some(2))
}

#[test]
fn text_rendering() {
    let rendered = text::render(&scenario(), RenderOptions::default());
    expect![[r#"
        Memory after this cell
         name  | type         | shape  | strides | bytes | role  | base / alias of | shares memory with | contiguous | buffer
        -------+--------------+--------+---------+-------+-------+-----------------+--------------------+------------+--------
         evens | NpArray<f64> | [5]    | [2]     | 40 B  | view  | view of x       | x, y               | no         | buf2
         m     | Array2<f64>  | [2, 3] | [1, 2]  | 48 B  | owner |                 | -                  | F          | buf3
         odds  | NpArray<f64> | [5]    | [2]     | 40 B  | view  | view of x       | x, y               | no         | buf2
         x     | NpArray<f64> | [10]   | [1]     | 80 B  | alias | same array as y | evens, odds, y     | C F        | buf2
         y     | NpArray<f64> | [10]   | [1]     | 80 B  | alias | same array as x | evens, odds, x     | C F        | buf2
        every row: dtype f64, writeable yes, changed new
        old is gone: dropped

        buf2 (80 B, one mark per element):
          evens  0.1.2.3.4.
          odds   .0.1.2.3.4
          x      0123456789
          y      0123456789

        buf3 (48 B, one mark per element):
          m  031425
          (numbers: place in the variable's C order, 0 = its first; . not covered; + read again)

        m (2 x 3): the buffer position each element reads
          0 2 4
          1 3 5"#]]
    .assert_eq(&rendered);
}

#[test]
fn json_rendering() {
    let rendered = json::render(&scenario(), RenderOptions::default());
    let value: serde_json::Value = serde_json::from_str(&rendered).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    expect![[r#"
        {
          "buffers": [
            {
              "bytes": 80,
              "id": "buf2",
              "variables": [
                "evens",
                "odds",
                "x",
                "y"
              ]
            },
            {
              "bytes": 48,
              "id": "buf3",
              "variables": [
                "m"
              ]
            }
          ],
          "execution_count": 2,
          "folded": [],
          "gone": [
            {
              "into": null,
              "name": "old",
              "why": "dropped"
            }
          ],
          "opaque": [],
          "variables": [
            {
              "alias_of": [],
              "base": "x",
              "base_is_gone": false,
              "bounds_overlap_with": [
                "odds",
                "x",
                "y"
              ],
              "buffer": "buf2",
              "bytes": 40,
              "c_contiguous": false,
              "changed": "new",
              "copy_on_write_with": [],
              "dtype": "f64",
              "f_contiguous": false,
              "itemsize": 8,
              "may_share_with": [],
              "name": "evens",
              "offset": 0,
              "path": "evens",
              "role": "view",
              "shape": [
                5
              ],
              "shares_memory_with": [
                "x",
                "y"
              ],
              "strides": [
                2
              ],
              "type": "NpArray<f64>",
              "values": {
                "head": [],
                "tail": []
              },
              "variable": "evens",
              "writeable": true
            },
            {
              "alias_of": [],
              "base": null,
              "base_is_gone": false,
              "bounds_overlap_with": [],
              "buffer": "buf3",
              "bytes": 48,
              "c_contiguous": false,
              "changed": "new",
              "copy_on_write_with": [],
              "dtype": "f64",
              "f_contiguous": true,
              "itemsize": 8,
              "may_share_with": [],
              "name": "m",
              "offset": 0,
              "path": "m",
              "role": "owner",
              "shape": [
                2,
                3
              ],
              "shares_memory_with": [],
              "strides": [
                1,
                2
              ],
              "type": "Array2<f64>",
              "values": {
                "head": [],
                "tail": []
              },
              "variable": "m",
              "writeable": true
            },
            {
              "alias_of": [],
              "base": "x",
              "base_is_gone": false,
              "bounds_overlap_with": [
                "evens",
                "x",
                "y"
              ],
              "buffer": "buf2",
              "bytes": 40,
              "c_contiguous": false,
              "changed": "new",
              "copy_on_write_with": [],
              "dtype": "f64",
              "f_contiguous": false,
              "itemsize": 8,
              "may_share_with": [],
              "name": "odds",
              "offset": 1,
              "path": "odds",
              "role": "view",
              "shape": [
                5
              ],
              "shares_memory_with": [
                "x",
                "y"
              ],
              "strides": [
                2
              ],
              "type": "NpArray<f64>",
              "values": {
                "head": [],
                "tail": []
              },
              "variable": "odds",
              "writeable": true
            },
            {
              "alias_of": [
                "y"
              ],
              "base": null,
              "base_is_gone": false,
              "bounds_overlap_with": [
                "evens",
                "odds",
                "y"
              ],
              "buffer": "buf2",
              "bytes": 80,
              "c_contiguous": true,
              "changed": "new",
              "copy_on_write_with": [],
              "dtype": "f64",
              "f_contiguous": true,
              "itemsize": 8,
              "may_share_with": [],
              "name": "x",
              "offset": 0,
              "path": "x",
              "role": "alias",
              "shape": [
                10
              ],
              "shares_memory_with": [
                "evens",
                "odds",
                "y"
              ],
              "strides": [
                1
              ],
              "type": "NpArray<f64>",
              "values": {
                "head": [],
                "tail": []
              },
              "variable": "x",
              "writeable": true
            },
            {
              "alias_of": [
                "x"
              ],
              "base": null,
              "base_is_gone": false,
              "bounds_overlap_with": [
                "evens",
                "odds",
                "x"
              ],
              "buffer": "buf2",
              "bytes": 80,
              "c_contiguous": true,
              "changed": "new",
              "copy_on_write_with": [],
              "dtype": "f64",
              "f_contiguous": true,
              "itemsize": 8,
              "may_share_with": [],
              "name": "y",
              "offset": 0,
              "path": "y",
              "role": "alias",
              "shape": [
                10
              ],
              "shares_memory_with": [
                "evens",
                "odds",
                "x"
              ],
              "strides": [
                1
              ],
              "type": "NpArray<f64>",
              "values": {
                "head": [],
                "tail": []
              },
              "variable": "y",
              "writeable": true
            }
          ],
          "version": 3
        }"#]]
    .assert_eq(&pretty);
}

#[test]
fn html_rendering_uses_inline_styles_only() {
    let html = html::render(&scenario(), RenderOptions::default());
    for banned in ["<style", "<svg", "class=", "var(", "<script"] {
        assert!(!html.contains(banned), "{banned} in {html}");
    }
    expect_file!["snapshots/table.html"].assert_eq(&html);
}

/// The table the copy-on-write rendering tests show: two full `ArcArray`
/// handles of one allocation and a third handle that is a window into it.
fn copy_on_write_scenario() -> MemoryTable {
    let variables = named(vec![
        ("a", arc(X, &[10], &[1])),
        ("b", arc(X, &[10], &[1])),
        ("tail", arc(X + 6 * F64, &[4], &[1])),
    ]);
    MemoryTracker::new().observe(&variables, "", Some(1))
}

#[test]
fn text_rendering_of_copy_on_write_holders() {
    let rendered = text::render(&copy_on_write_scenario(), RenderOptions::default());
    expect![[r#"
        Memory after this cell
         name | shape | strides | bytes | role          | base / alias of                    | shares memory with
        ------+-------+---------+-------+---------------+------------------------------------+--------------------
         a    | [10]  | [1]     | 80 B  | copy-on-write | copy-on-write with b, tail         | b, tail
         b    | [10]  | [1]     | 80 B  | copy-on-write | copy-on-write with a, tail         | a, tail
         tail | [4]   | [1]     | 32 B  | copy-on-write | copy-on-write with a, b; view of a | a, b
        every row: type ArcArray1<f64>, dtype f64, contiguous C F, writeable yes, changed new, buffer buf1

        buf1 (80 B, one mark per element):
          a     0123456789
          b     0123456789
          tail  ......0123
          (numbers: place in the variable's C order, 0 = its first; . not covered; + read again)"#]].assert_eq(&rendered);
}

#[test]
fn json_rendering_of_copy_on_write_holders() {
    let rendered = json::render(&copy_on_write_scenario(), RenderOptions::default());
    let value: serde_json::Value = serde_json::from_str(&rendered).unwrap();
    assert_eq!(value["version"], 3);
    let relations: Vec<serde_json::Value> = value["variables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|variable| {
            serde_json::json!([
                variable["name"],
                variable["role"],
                variable["base"],
                variable["alias_of"],
                variable["copy_on_write_with"],
                variable["shares_memory_with"],
            ])
        })
        .collect();
    assert_eq!(
        relations,
        [
            serde_json::json!(["a", "copy-on-write", null, [], ["b", "tail"], ["b", "tail"]]),
            serde_json::json!(["b", "copy-on-write", null, [], ["a", "tail"], ["a", "tail"]]),
            serde_json::json!(["tail", "copy-on-write", "a", [], ["a", "b"], ["a", "b"]]),
        ]
    );
}

#[test]
fn html_rendering_of_copy_on_write_holders() {
    let html = html::render(&copy_on_write_scenario(), RenderOptions::default());
    let badge = "<span style=\"background-color:#a21caf;color:#ffffff;padding:0 6px;border-radius:3px\">copy-on-write</span>";
    assert_eq!(html.matches(badge).count(), 3, "{html}");
    for relation in [
        ">copy-on-write with b, tail<",
        ">copy-on-write with a, tail<",
        ">copy-on-write with a, b; view of a<",
    ] {
        assert!(html.contains(relation), "{relation} in {html}");
    }
    assert!(!html.contains("same array as"), "{html}");
}

#[test]
fn data_resource_rendering_is_a_table_schema_with_the_same_rows() {
    let rendered = data_resource::render(&scenario(), RenderOptions::default());
    let value: serde_json::Value = serde_json::from_str(&rendered).unwrap();
    let fields: Vec<(String, String)> = value["schema"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "name",
            "type",
            "dtype",
            "shape",
            "strides",
            "bytes",
            "role",
            "base / alias of",
            "shares memory with",
            "contiguous",
            "writeable",
            "changed",
            "buffer"
        ]
    );
    assert!(fields.contains(&("bytes".into(), "integer".into())));
    assert!(fields.contains(&("writeable".into(), "boolean".into())));
    assert_eq!(value["schema"]["primaryKey"], serde_json::json!(["name"]));
    let data = value["data"].as_array().unwrap();
    assert_eq!(data.len(), 5, "one record per variable");
    let evens = &data[0];
    assert_eq!(evens["name"], "evens");
    assert_eq!(evens["role"], "view");
    assert_eq!(evens["base / alias of"], "view of x");
    assert_eq!(evens["shares memory with"], "x, y");
    assert_eq!(evens["bytes"], 40);
    assert_eq!(evens["writeable"], true);
    assert_eq!(data[3]["role"], "alias");
    for record in data {
        assert_eq!(
            record.as_object().unwrap().len(),
            fields.len(),
            "every record has every field"
        );
    }
}

#[test]
fn addresses_appear_only_on_request() {
    let table = scenario();
    let plain = bundle(&table, RenderOptions::default());
    assert!(
        plain
            .iter()
            .all(|(_, data)| !data.to_string().contains("0x10000"))
    );
    let with = bundle(&table, RenderOptions { addresses: true });
    assert!(
        with.iter()
            .all(|(_, data)| data.to_string().contains("0x10000"))
    );
}

#[test]
fn text_and_html_show_the_first_rows_and_json_lists_all() {
    let variables: Vec<(String, ArrayFacts)> = (0..600)
        .map(|i| (format!("v{i:03}"), owned(X + i * 0x1000, &[2], &[1])))
        .collect();
    let table = MemoryTracker::new().observe(&variables, "", Some(1));
    let text = text::render(&table, RenderOptions::default());
    assert!(text.contains(" v499 ") && !text.contains(" v500 "));
    assert!(text.contains("... and 100 more array variables"));
    let html = html::render(&table, RenderOptions::default());
    assert!(html.contains(">v499<") && !html.contains(">v500<") && html.contains("100 more"));
    let json: serde_json::Value =
        serde_json::from_str(&json::render(&table, RenderOptions::default())).unwrap();
    assert_eq!(json["variables"].as_array().unwrap().len(), 600);
}

// Arrays inside containers: rows named by path, related to every other
// array exactly as variables are.

#[test]
fn arrays_in_a_vec_and_a_map_are_aliases_and_views_of_the_variable() {
    let a = || TEN.owner(&[10], &[1]);
    let evens = TEN.view(0, &[5], &[2]);
    let middle = TEN.view(4, &[4], &[1]);
    Session::new()
        .cell("let a = np::arange(0.0, 10.0, 1.0);", vec![("a", a())])
        .cell(
            "let layers = vec![a.clone(), a.slice(s![..;2])];",
            vec![("a", a()), ("layers[0]", a()), ("layers[1]", evens.clone())],
        )
        .cell(
            "let mut params = HashMap::new();\nparams.insert(\"w\".to_owned(), a.slice(s![4..8]));",
            vec![
                ("a", a()),
                ("layers[0]", a()),
                ("layers[1]", evens),
                ("params[\"w\"]", middle),
            ],
        )
        .check(expect![[r#"
            cell 1: let a = np::arange(0.0, 10.0, 1.0);
            name  role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            a     owner  -     -         -         buf1    80     C F         new      -       -

            cell 2: let layers = vec![a.clone(), a.slice(s![..;2])];
            name       role   base  alias of   cow with  buffer  bytes  contiguous  changed    shares                bounds overlap
            a          alias  -     layers[0]  -         buf1    80     C F         unchanged  layers[0], layers[1]  layers[0], layers[1]
            layers[0]  alias  -     a          -         buf1    80     C F         new        a, layers[1]          a, layers[1]
            layers[1]  view   a     -          -         buf1    40     no          new        a, layers[0]          a, layers[0]

            cell 3: let mut params = HashMap::new();
                    params.insert("w".to_owned(), a.slice(s![4..8]));
            name         role   base  alias of   cow with  buffer  bytes  contiguous  changed    shares                             bounds overlap
            a            alias  -     layers[0]  -         buf1    80     C F         unchanged  layers[0], layers[1], params["w"]  layers[0], layers[1], params["w"]
            layers[0]    alias  -     a          -         buf1    80     C F         unchanged  a, layers[1], params["w"]          a, layers[1], params["w"]
            layers[1]    view   a     -          -         buf1    40     no          unchanged  a, layers[0], params["w"]          a, layers[0], params["w"]
            params["w"]  view   a     -          -         buf1    32     C F         new        a, layers[0], layers[1]            a, layers[0], layers[1]
        "#]]);
}

#[test]
fn moving_a_container_moves_its_arrays() {
    Session::new()
        .cell(
            "let layers = vec![a1, a2];",
            vec![("layers[0]", owned(X, &[10], &[1])), ("layers[1]", owned(Y, &[3], &[1]))],
        )
        .cell(
            "let kept = layers;",
            vec![("kept[0]", owned(X, &[10], &[1])), ("kept[1]", owned(Y, &[3], &[1]))],
        )
        .check(expect![[r#"
            cell 1: let layers = vec![a1, a2];
            name       role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            layers[0]  owner  -     -         -         buf1    80     C F         new      -       -
            layers[1]  owner  -     -         -         buf2    24     C F         new      -       -

            cell 2: let kept = layers;
            name     role   base  alias of  cow with  buffer  bytes  contiguous  changed  shares  bounds overlap
            kept[0]  owner  -     -         -         buf1    80     C F         new      -       -
            kept[1]  owner  -     -         -         buf2    24     C F         new      -       -
            layers[0] is gone: moved into kept[0]
            layers[1] is gone: moved into kept[1]
        "#]]);
}

/// `a` and a `Vec` of fifteen one-element views of it, folded to ten rows
/// per variable, with 40 more arrays past the report's limit.
fn folded_scenario() -> MemoryTable {
    let mut variables = vec![("a".to_owned(), TEN.owner(&[10], &[1]))];
    for i in 0..15 {
        variables.push((format!("layers[{i}]"), TEN.view(i % 10, &[1], &[1])));
    }
    MemoryTracker::new()
        .observe(&variables, "let layers = ...;", Some(1))
        .folded(
            10,
            vec![memscope_memory::Opaque {
                variable: "model".to_owned(),
                type_name: "Model".to_owned(),
            }],
            &[("layers".to_owned(), 40, true)],
        )
}

#[test]
fn a_large_container_is_listed_in_part_and_counted_whole() {
    let table = folded_scenario();
    let names: Vec<&str> = table.rows.iter().map(|row| row.name.as_str()).collect();
    assert_eq!(names.len(), 11, "{names:?}");
    assert_eq!(
        names[..4],
        ["a", "layers[0]", "layers[1]", "layers[2]"],
        "numbers sort as numbers"
    );
    let a = table.row("a").unwrap();
    assert_eq!(a.shares_memory_with.len(), 11);
    assert_eq!(a.shares_memory_with[10], "... 5 more in layers");
    assert_eq!(table.row("layers[9]").unwrap().variable, "layers");
    let folded = &table.folded[0];
    assert_eq!(
        (folded.arrays, folded.not_compared, folded.complete),
        (45, 40, true)
    );
    expect![[r#"
        Memory after this cell
         name      | shape | strides | bytes | role  | base / alias of | shares memory with
        -----------+-------+---------+-------+-------+-----------------+----------------------------------------------------------------------------------------------------
         a         | [10]  | [1]     | 80 B  | owner |                 | layers[0], layers[1], layers[2], layers[3], layers[4], layers[5], layers[6], layers[7], and 3 more
         layers[0] | [1]   | [1]     | 8 B   | view  | view of a       | a, ... 1 more in layers
         layers[1] | [1]   | [1]     | 8 B   | view  | view of a       | a, ... 1 more in layers
         layers[2] | [1]   | [1]     | 8 B   | view  | view of a       | a, ... 1 more in layers
         layers[3] | [1]   | [1]     | 8 B   | view  | view of a       | a, ... 1 more in layers
         layers[4] | [1]   | [1]     | 8 B   | view  | view of a       | a, ... 1 more in layers
         layers[5] | [1]   | [1]     | 8 B   | view  | view of a       | a
         layers[6] | [1]   | [1]     | 8 B   | view  | view of a       | a
         layers[7] | [1]   | [1]     | 8 B   | view  | view of a       | a
         layers[8] | [1]   | [1]     | 8 B   | view  | view of a       | a
         layers[9] | [1]   | [1]     | 8 B   | view  | view of a       | a
        every row: type NpArray<f64>, dtype f64, contiguous C F, writeable yes, changed new, buffer buf1
        ... and 45 more arrays in layers (40 of them counted, not compared: a cell describes 1000 arrays per variable, 10000 in all)
        model holds no arrays the table can see: its type Model has no #[derive(Arrays)] (or arrays!(Model { field, ... }))

        buf1 (80 B, one mark per element):
          a          0123456789
          layers[0]  0.........
          layers[1]  .0........
          layers[2]  ..0.......
          layers[3]  ...0......
          layers[4]  ....0.....
          layers[5]  .....0....
          layers[6]  ......0...
          layers[7]  .......0..
          layers[8]  ........0.
          layers[9]  .........0
          (numbers: place in the variable's C order, 0 = its first; . not covered; + read again)"#]].assert_eq(&text::render(&table, RenderOptions::default()));
    let html = html::render(&table, RenderOptions::default());
    assert!(html.contains("... and 45 more arrays in layers"), "{html}");
    assert!(
        html.contains("model holds no arrays the table can see"),
        "{html}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&json::render(&table, RenderOptions::default())).unwrap();
    assert_eq!(json["folded"][0]["arrays"], 45);
    assert_eq!(json["opaque"][0]["type"], "Model");
    assert_eq!(json["variables"][1]["path"], "layers[0]");
    assert_eq!(json["variables"][1]["variable"], "layers");
}

/// Twelve numbers read in every way views-and-strides teaches, and a
/// buffer too long to number.
#[test]
fn pictures_number_each_element_in_its_variables_order() {
    let twelve = NpBuffer { start: X, len: 12 };
    let hundred = NpBuffer { start: Y, len: 100 };
    // ValueSample unlike positions, so the test tells them apart.
    let halves: Vec<String> = (0..12).map(|i| format!("{i}.5")).collect();
    let wholes: Vec<String> = (0..100).map(|i| format!("{i}.0")).collect();
    let table = MemoryTracker::new().observe(
        &named(vec![
            ("counts", valued(twelve.owner(&[12], &[1]), &halves)),
            ("backwards", valued(twelve.view(11, &[12], &[-1]), &halves)),
            ("board", valued(twelve.view(0, &[3, 4], &[4, 1]), &halves)),
            ("board_t", valued(twelve.view(0, &[4, 3], &[1, 4]), &halves)),
            (
                "cube",
                valued(twelve.view(0, &[2, 2, 3], &[1, 2, 4]), &halves),
            ),
            ("every_third", valued(twelve.view(0, &[4], &[3]), &halves)),
            ("tiled", valued(twelve.view(0, &[3, 4], &[0, 1]), &halves)),
            ("nothing", valued(twelve.view(5, &[0], &[1]), &halves)),
            ("long", valued(hundred.owner(&[100], &[1]), &wholes)),
            ("long_back", valued(hundred.view(99, &[50], &[-2]), &wholes)),
        ]),
        "",
        Some(1),
    );
    let text = text::render(&table, RenderOptions::default());
    let pictures = &text[text.find("buf1 (").unwrap()..];
    expect![[r#"
        buf1 (96 B, one mark per element):
          backwards      11   10    9    8    7    6    5    4    3    2    1    0
          board           0    1    2    3    4    5    6    7    8    9   10   11
          board_t         0    3    6    9    1    4    7   10    2    5    8   11
          counts          0    1    2    3    4    5    6    7    8    9   10   11
          cube            0    6    3    9    1    7    4   10    2    8    5   11
          every_third     0    .    .    1    .    .    2    .    .    3    .    .
          nothing         .    .    .    .    .    .    .    .    .    .    .    .
          tiled          0+   1+   2+   3+    .    .    .    .    .    .    .    .
          (values)      0.5  1.5  2.5  3.5  4.5  5.5  6.5  7.5  8.5  9.5 10.5 11.5

        buf2 (800 B, one mark per 3 elements):
          long       ##################################  from 0, steps [1], 100 elements: 0.0, 1.0, 2.0, ..., 97.0, 98.0, 99.0
          long_back  ##################################  from 99, steps [-2], 50 elements: 99.0, 97.0, 95.0, ..., 5.0, 3.0, 1.0
          (numbers: place in the variable's C order, 0 = its first; . not covered; + read again)
          (values: the element at each position)

        board (3 x 4): the buffer position each element reads, then its value
           0  1  2  3    0.5  1.5  2.5  3.5
           4  5  6  7    4.5  5.5  6.5  7.5
           8  9 10 11    8.5  9.5 10.5 11.5

        board_t (4 x 3): the buffer position each element reads, then its value
           0  4  8    0.5  4.5  8.5
           1  5  9    1.5  5.5  9.5
           2  6 10    2.5  6.5 10.5
           3  7 11    3.5  7.5 11.5

        cube (2 x 2 x 3): the buffer position each element reads, then its value
          [0, :, :]
             0  4  8    0.5  4.5  8.5
             2  6 10    2.5  6.5 10.5
          [1, :, :]
             1  5  9    1.5  5.5  9.5
             3  7 11    3.5  7.5 11.5

        tiled (3 x 4): the buffer position each element reads, then its value
          0 1 2 3   0.5 1.5 2.5 3.5
          0 1 2 3   0.5 1.5 2.5 3.5
          0 1 2 3   0.5 1.5 2.5 3.5"#]].assert_eq(pictures);
    let html = html::render(&table, RenderOptions::default());
    assert!(
        html.contains(">11</td>") && html.contains("<b>0</b>"),
        "{html}"
    );
    assert!(
        html.contains("<b>0+</b>"),
        "a broadcast's first element is read again: {html}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&json::render(&table, RenderOptions::default())).unwrap();
    let offsets: Vec<(String, serde_json::Value)> = json["variables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap().to_owned(), v["offset"].clone()))
        .collect();
    expect![[r#"
        [
            (
                "backwards",
                Number(11),
            ),
            (
                "board",
                Number(0),
            ),
            (
                "board_t",
                Number(0),
            ),
            (
                "counts",
                Number(0),
            ),
            (
                "cube",
                Number(0),
            ),
            (
                "every_third",
                Number(0),
            ),
            (
                "long",
                Number(0),
            ),
            (
                "long_back",
                Number(99),
            ),
            (
                "nothing",
                Number(5),
            ),
            (
                "tiled",
                Number(0),
            ),
        ]
    "#]]
    .assert_debug_eq(&offsets);
}

#[test]
fn a_grid_is_drawn_for_a_changed_array_or_one_asked_for_by_name() {
    let twelve = NpBuffer { start: X, len: 12 };
    let variables = named(vec![
        ("counts", twelve.owner(&[12], &[1])),
        ("board", twelve.view(0, &[3, 4], &[4, 1])),
    ]);
    let mut tracker = MemoryTracker::new();
    let first = tracker.observe(&variables, "let board = ...;", Some(1));
    assert!(text::render(&first, RenderOptions::default()).contains("board (3 x 4)"));
    let second = tracker.observe(&variables, "1 + 1", Some(2));
    assert!(!text::render(&second, RenderOptions::default()).contains("board (3 x 4)"));
    let asked = second.restricted_to_buffer_of("board").unwrap();
    assert!(text::render(&asked, RenderOptions::default()).contains("board (3 x 4)"));
}

/// Values sit under the picture and in the grid only where they fit:
/// long floats are shortened (and the legend says so), and a line that
/// would be much wider than the numbers above it is left out; the JSON
/// keeps every value as the cell sent it.
#[test]
fn values_are_shown_where_they_fit() {
    let six = NpBuffer { start: X, len: 6 };
    let sevenths: Vec<String> = (0..6)
        .map(|i| format!("{:?}", f64::from(i) / 7.0))
        .collect();
    let forty_eight = NpBuffer { start: Y, len: 48 };
    let wide: Vec<String> = (0..48).map(|i| format!("{}.25", 1000 + i)).collect();
    let table = MemoryTracker::new().observe(
        &named(vec![
            ("fractions", valued(six.owner(&[2, 3], &[3, 1]), &sevenths)),
            ("many", valued(forty_eight.owner(&[48], &[1]), &wide)),
        ]),
        "",
        Some(1),
    );
    let rendered = text::render(&table, RenderOptions::default());
    let pictures = &rendered[rendered.find("buf1 (").unwrap()..];
    expect![[r#"
        buf1 (48 B, one mark per element):
          fractions       0      1      2      3      4      5
          (values)      0.0 0.1429 0.2857 0.4286 0.5714 0.7143

        buf2 (384 B, one mark per element):
          many   0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47
          (numbers: place in the variable's C order, 0 = its first; . not covered; + read again)
          (values: the element at each position, floats to 4 digits)

        fractions (2 x 3): the buffer position each element reads, then its value (floats to 4 digits)
          0 1 2      0.0 0.1429 0.2857
          3 4 5   0.4286 0.5714 0.7143"#]]
    .assert_eq(pictures);
    let html = html::render(&table, RenderOptions::default());
    assert!(html.contains(">(values)</td>"), "{html}");
    assert!(
        html.contains("5<br><span style=\"font-size:9px\">0.7143</span></td>"),
        "the grid's cell holds the position, then the value: {html}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&json::render(&table, RenderOptions::default())).unwrap();
    let fractions = &json["variables"][0];
    assert_eq!(fractions["name"], "fractions");
    assert_eq!(fractions["values"]["head"][1], "0.14285714285714285");
    assert_eq!(fractions["values"]["tail"], serde_json::json!([]));
    let many = &json["variables"][1];
    // Left out of the picture, every value is still in the JSON.
    assert_eq!(many["values"]["head"].as_array().unwrap().len(), 48);
    assert_eq!(many["values"]["head"][47], "1047.25");
}
