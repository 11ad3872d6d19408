//! The memory table on hand-built layouts: no compiler, no cell process.
//! Addresses are made up; element size 8 unless a test says otherwise.

use memscope_memory::render::{bundle, json, text, RenderOptions};
use memscope_memory::{Base, Change, GoneWhy, MemoryTable, MemoryTracker, Role};
use memscope_prelude::memory::facts::{ArrayFacts, BufferFacts, Region, Storage};

const F64: usize = 8;

fn facts(first: usize, shape: &[usize], strides: &[isize], storage: Storage) -> ArrayFacts {
    let type_name = match &storage {
        Storage::Owned => format!("Array{}<f64>", shape.len()),
        Storage::Shared { .. } => format!("ArcArray{}<f64>", shape.len()),
        Storage::Borrowed => format!("ArrayView{}<f64>", shape.len()),
        Storage::Buffer(_) => "NpArray<f64>".to_owned(),
    };
    ArrayFacts {
        type_name,
        dtype: "f64",
        itemsize: F64,
        shape: shape.to_vec(),
        strides: strides.to_vec(),
        first,
        writeable: !matches!(storage, Storage::Borrowed),
        storage,
    }
}

/// An `NpArray` over the buffer at `start` of `len` elements, whose first
/// element is element `offset` of the buffer. Owners of one buffer are one
/// array (aliases); every view is an array of its own.
fn np(
    start: usize,
    len: usize,
    offset: usize,
    shape: &[usize],
    strides: &[isize],
    owns: bool,
) -> ArrayFacts {
    np_written(start, len, offset, shape, strides, owns, vec![])
}

fn np_written(
    start: usize,
    len: usize,
    offset: usize,
    shape: &[usize],
    strides: &[isize],
    owns_data: bool,
    written: Vec<Region>,
) -> ArrayFacts {
    static VIEWS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    let identity = if owns_data {
        start
    } else {
        VIEWS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    };
    facts(
        start + offset * F64,
        shape,
        strides,
        Storage::Buffer(BufferFacts {
            start,
            len,
            owns_data,
            identity,
            written,
        }),
    )
}

fn vars(list: Vec<(&str, ArrayFacts)>) -> Vec<(String, ArrayFacts)> {
    let mut list: Vec<_> = list.into_iter().map(|(n, f)| (n.to_owned(), f)).collect();
    list.sort_by(|a, b| a.0.cmp(&b.0));
    list
}

fn table(list: Vec<(&str, ArrayFacts)>) -> MemoryTable {
    MemoryTracker::new().observe(&vars(list), "", Some(1))
}

const X: usize = 0x10000; // A ten-element f64 buffer.

#[test]
fn an_array_alone_owns_its_buffer() {
    let t = table(vec![("a", facts(X, &[10], &[1], Storage::Owned))]);
    let a = t.row("a").unwrap();
    assert_eq!(
        (a.role, a.buffer.unwrap().to_string()),
        (Role::Owner, "buf1".into())
    );
    assert_eq!((a.bytes, a.c_contiguous, a.f_contiguous), (80, true, true));
    assert_eq!(a.changed, Change::New);
    assert!(a.shares_memory_with.is_empty());
}

#[test]
fn a_slice_is_a_view_of_its_owner() {
    let t = table(vec![
        ("a", np(X, 10, 0, &[10], &[1], true)),
        ("v", np(X, 10, 2, &[3], &[1], false)),
    ]);
    let v = t.row("v").unwrap();
    assert_eq!(v.role, Role::View);
    assert_eq!(v.base, Base::Variable("a".into()));
    assert_eq!(v.shares_memory_with, ["a"]);
    assert_eq!(t.row("a").unwrap().shares_memory_with, ["v"]);
    assert_eq!(v.buffer, t.row("a").unwrap().buffer);
}

#[test]
fn interleaved_slices_overlap_in_bounds_but_share_nothing() {
    let t = table(vec![
        ("evens", np(X, 10, 0, &[5], &[2], false)),
        ("odds", np(X, 10, 1, &[5], &[2], false)),
        ("x", np(X, 10, 0, &[10], &[1], true)),
    ]);
    let evens = t.row("evens").unwrap();
    assert_eq!(evens.shares_memory_with, ["x"]);
    assert_eq!(evens.bounds_overlap_with, ["odds", "x"]);
    assert_eq!(t.row("odds").unwrap().shares_memory_with, ["x"]);
    assert_eq!(t.row("x").unwrap().shares_memory_with, ["evens", "odds"]);
}

#[test]
fn disjoint_slices_of_one_buffer_share_nothing() {
    let t = table(vec![
        ("head", np(X, 10, 0, &[5], &[1], false)),
        ("tail", np(X, 10, 5, &[5], &[1], false)),
    ]);
    let head = t.row("head").unwrap();
    assert!(head.shares_memory_with.is_empty() && head.bounds_overlap_with.is_empty());
    assert_eq!(head.buffer, t.row("tail").unwrap().buffer);
    assert_eq!(head.base, Base::NotAVariable, "the owner is not a variable");
}

#[test]
fn rows_and_columns_of_a_matrix_cross_at_one_element() {
    // A 3x4 C-order matrix; row 1 and column 2 meet at [1, 2].
    let t = table(vec![
        ("m", np(X, 12, 0, &[3, 4], &[4, 1], true)),
        ("row1", np(X, 12, 4, &[4], &[1], false)),
        ("row2", np(X, 12, 8, &[4], &[1], false)),
        ("col2", np(X, 12, 2, &[3], &[4], false)),
        ("mt", np(X, 12, 0, &[4, 3], &[1, 4], false)),
    ]);
    assert_eq!(
        t.row("row1").unwrap().shares_memory_with,
        ["col2", "m", "mt"]
    );
    assert_eq!(
        t.row("row2").unwrap().shares_memory_with,
        ["col2", "m", "mt"]
    );
    assert!(!t
        .row("row1")
        .unwrap()
        .shares_memory_with
        .contains(&"row2".to_owned()));
    let col = t.row("col2").unwrap();
    assert_eq!((col.c_contiguous, col.f_contiguous), (false, false));
    let mt = t.row("mt").unwrap();
    assert_eq!(
        (mt.c_contiguous, mt.f_contiguous, mt.role),
        (false, true, Role::View)
    );
}

#[test]
fn reversed_and_broadcast_views_are_exact() {
    let t = table(vec![
        ("x", np(X, 10, 0, &[10], &[1], true)),
        ("rev", np(X, 10, 9, &[10], &[-1], false)),
        ("rev_evens", np(X, 10, 9, &[5], &[-2], false)),
        ("evens", np(X, 10, 0, &[5], &[2], false)),
        ("third", np(X, 10, 3, &[4, 2], &[0, 0], false)),
        ("late", np(X, 10, 4, &[6], &[1], false)),
    ]);
    assert!(t
        .row("rev")
        .unwrap()
        .shares_memory_with
        .contains(&"x".to_owned()));
    // Elements 9,7,5,3,1 against 0,2,4,6,8.
    assert!(!t
        .row("rev_evens")
        .unwrap()
        .shares_memory_with
        .contains(&"evens".to_owned()));
    let third = t.row("third").unwrap();
    assert!(!third.shares_memory_with.contains(&"late".to_owned()));
    assert!(third.shares_memory_with.contains(&"rev_evens".to_owned()));
    assert_eq!(third.bytes, 64, "bytes count elements, not distinct memory");
}

#[test]
fn the_same_array_under_two_names_is_an_alias() {
    let shared = |unique| facts(X, &[10], &[1], Storage::Shared { unique });
    let t = table(vec![("a", shared(false)), ("b", shared(false))]);
    let a = t.row("a").unwrap();
    assert_eq!(
        (a.role, a.alias_of.clone()),
        (Role::Alias, vec!["b".to_owned()])
    );
    assert_eq!(t.row("b").unwrap().alias_of, ["a"]);
    assert_eq!(a.shares_memory_with, ["b"]);
    assert_eq!(a.base, Base::None);
}

#[test]
fn copy_on_write_splits_an_alias_into_two_owners() {
    let mut tracker = MemoryTracker::new();
    let shared = facts(X, &[10], &[1], Storage::Shared { unique: false });
    let before = tracker.observe(
        &vars(vec![("a", shared.clone()), ("b", shared)]),
        "let b = a.clone();",
        Some(1),
    );
    assert_eq!(before.row("b").unwrap().role, Role::Alias);
    let after = tracker.observe(
        &vars(vec![
            ("a", facts(X, &[10], &[1], Storage::Shared { unique: true })),
            (
                "b",
                facts(0x90000, &[10], &[1], Storage::Shared { unique: true }),
            ),
        ]),
        "b[0] = 1.0;",
        Some(2),
    );
    let (a, b) = (after.row("a").unwrap(), after.row("b").unwrap());
    assert_eq!((a.role, b.role), (Role::Owner, Role::Owner));
    assert_eq!(a.buffer.unwrap().to_string(), "buf1");
    assert_eq!(b.buffer.unwrap().to_string(), "buf2");
    assert_eq!(
        (a.changed, b.changed),
        (Change::Unchanged, Change::Modified)
    );
    assert!(a.shares_memory_with.is_empty());
}

#[test]
fn a_move_keeps_the_buffer_under_a_new_owner() {
    let mut tracker = MemoryTracker::new();
    let a = facts(X, &[10], &[1], Storage::Owned);
    tracker.observe(&vars(vec![("a", a.clone())]), "let a = ...;", Some(1));
    let t = tracker.observe(&vars(vec![("b", a)]), "let b = a;", Some(2));
    assert_eq!(t.gone.len(), 1);
    assert_eq!(t.gone[0].why, GoneWhy::Moved { into: "b".into() });
    let b = t.row("b").unwrap();
    assert_eq!(
        (b.role, b.changed, b.buffer.unwrap().to_string()),
        (Role::Owner, Change::New, "buf1".into())
    );
}

#[test]
fn a_dropped_buffer_does_not_lend_its_id_to_a_new_one() {
    let mut tracker = MemoryTracker::new();
    let a = facts(X, &[10], &[1], Storage::Owned);
    tracker.observe(&vars(vec![("a", a.clone())]), "", Some(1));
    // The allocator may give the freed memory to the next array.
    let t = tracker.observe(
        &vars(vec![("c", a)]),
        "drop(a);\nlet c = Array1::zeros(10);",
        Some(2),
    );
    assert_eq!(t.gone[0].why, GoneWhy::Dropped);
    assert_eq!(t.row("c").unwrap().buffer.unwrap().to_string(), "buf2");
}

#[test]
fn buffer_ids_follow_names_not_addresses() {
    let one = vars(vec![
        ("a", facts(0x9000, &[2], &[1], Storage::Owned)),
        ("b", facts(0x1000, &[2], &[1], Storage::Owned)),
    ]);
    let t = MemoryTracker::new().observe(&one, "", None);
    assert_eq!(t.row("a").unwrap().buffer.unwrap().to_string(), "buf1");
    assert_eq!(t.row("b").unwrap().buffer.unwrap().to_string(), "buf2");
}

#[test]
fn writes_mark_exactly_the_variables_they_touch() {
    let mut tracker = MemoryTracker::new();
    let layout = |written| {
        vars(vec![
            ("x", np_written(X, 10, 0, &[10], &[1], true, written)),
            ("evens", np(X, 10, 0, &[5], &[2], false)),
            ("odds", np(X, 10, 1, &[5], &[2], false)),
        ])
    };
    tracker.observe(&layout(vec![]), "", Some(1));
    // `odds.fill(0.0)` logs the region of odds.
    let region = Region {
        first: X + F64,
        shape: vec![5],
        strides: vec![2],
    };
    let t = tracker.observe(&layout(vec![region]), "odds.fill(0.0);", Some(2));
    assert_eq!(t.row("odds").unwrap().changed, Change::Modified);
    assert_eq!(
        t.row("x").unwrap().changed,
        Change::Modified,
        "x sees the write"
    );
    assert_eq!(t.row("evens").unwrap().changed, Change::Unchanged);
}

#[test]
fn plain_arrays_count_as_modified_when_a_cell_uses_a_mutable_binding() {
    let mut tracker = MemoryTracker::new();
    let list = vars(vec![
        ("a", facts(X, &[10], &[1], Storage::Owned)),
        ("b", facts(0x90000, &[10], &[1], Storage::Owned)),
    ]);
    tracker.observe(
        &list,
        "let mut a = Array1::zeros(10);\nlet b = a.clone();",
        Some(1),
    );
    let t = tracker.observe(&list, "a[0] = 1.0;\nprintln!(\"{b}\");", Some(2));
    assert_eq!(t.row("a").unwrap().changed, Change::Modified);
    assert_eq!(
        t.row("b").unwrap().changed,
        Change::Unchanged,
        "b is not mutable"
    );
    let t = tracker.observe(&list, "let b = 1;", Some(3));
    assert_eq!(t.row("a").unwrap().changed, Change::Unchanged);
}

#[test]
fn empty_arrays_hold_no_buffer() {
    let t = table(vec![("e", facts(8, &[0], &[1], Storage::Owned))]);
    let e = t.row("e").unwrap();
    assert_eq!((e.buffer, e.role, e.bytes), (None, Role::Owner, 0));
}

#[test]
fn a_view_with_its_bases_layout_is_still_a_view() {
    let t = table(vec![
        ("a", np(X, 10, 0, &[10], &[1], true)),
        ("whole", np(X, 10, 0, &[10], &[1], false)),
    ]);
    let whole = t.row("whole").unwrap();
    assert_eq!(
        (whole.role, whole.base.clone()),
        (Role::View, Base::Variable("a".into()))
    );
    assert!(whole.alias_of.is_empty());
    assert_eq!(whole.shares_memory_with, ["a"]);
}

#[test]
fn a_thousand_views_of_one_buffer() {
    let mut list = vec![("owner".to_owned(), np(X, 4000, 0, &[4000], &[1], true))];
    for i in 0..1000 {
        list.push((format!("v{i:04}"), np(X, 4000, 4 * i, &[4], &[1], false)));
    }
    list.sort_by(|a, b| a.0.cmp(&b.0));
    let t = MemoryTracker::new().observe(&list, "", Some(1));
    assert_eq!(t.rows.len(), 1001);
    assert_eq!(t.row("owner").unwrap().shares_memory_with.len(), 1000);
    assert_eq!(t.row("v0500").unwrap().shares_memory_with, ["owner"]);
    assert!(t
        .rows
        .iter()
        .filter(|r| r.role == Role::View)
        .all(|r| r.base == Base::Variable("owner".into())));
}

fn scenario() -> MemoryTable {
    let mut tracker = MemoryTracker::new();
    tracker.observe(
        &vars(vec![("old", facts(0x50000, &[4], &[1], Storage::Owned))]),
        "",
        Some(1),
    );
    tracker.observe(
        &vars(vec![
            ("x", np(X, 10, 0, &[10], &[1], true)),
            ("evens", np(X, 10, 0, &[5], &[2], false)),
            ("odds", np(X, 10, 1, &[5], &[2], false)),
            ("y", np(X, 10, 0, &[10], &[1], true)),
            ("m", facts(0x90000, &[2, 3], &[1, 2], Storage::Owned)),
        ]),
        "drop(old);",
        Some(2),
    )
}

#[test]
fn text_rendering() {
    let rendered = text::render(&scenario(), RenderOptions::default());
    expect_test::expect![[r#"
        Memory after this cell
         name  | type         | dtype | shape  | strides | bytes | role  | base / alias of | shares memory with | contiguous | writeable | changed | buffer
        -------+--------------+-------+--------+---------+-------+-------+-----------------+--------------------+------------+-----------+---------+--------
         evens | NpArray<f64> | f64   | [5]    | [2]     | 40 B  | view  | view of x       | x, y               | no         | yes       | new     | buf2
         m     | Array2<f64>  | f64   | [2, 3] | [1, 2]  | 48 B  | owner |                 | -                  | F          | yes       | new     | buf3
         odds  | NpArray<f64> | f64   | [5]    | [2]     | 40 B  | view  | view of x       | x, y               | no         | yes       | new     | buf2
         x     | NpArray<f64> | f64   | [10]   | [1]     | 80 B  | alias | same array as y | evens, odds, y     | C F        | yes       | new     | buf2
         y     | NpArray<f64> | f64   | [10]   | [1]     | 80 B  | alias | same array as x | evens, odds, x     | C F        | yes       | new     | buf2
        old is gone: dropped

        buf2 (80 B, one mark per element):
          evens  #.#.#.#.#.
          odds   .#.#.#.#.#
          x      ##########
          y      ##########

        buf3 (48 B, one mark per element):
          m  ######"#]].assert_eq(&rendered);
}

#[test]
fn json_rendering() {
    let rendered = json::render(&scenario(), RenderOptions::default());
    let pretty = serde_json::to_string_pretty(
        &serde_json::from_str::<serde_json::Value>(&rendered).unwrap(),
    )
    .unwrap();
    expect_test::expect![[r#"
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
          "gone": [
            {
              "into": null,
              "name": "old",
              "why": "dropped"
            }
          ],
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
              "dtype": "f64",
              "f_contiguous": false,
              "itemsize": 8,
              "may_share_with": [],
              "name": "evens",
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
              "dtype": "f64",
              "f_contiguous": true,
              "itemsize": 8,
              "may_share_with": [],
              "name": "m",
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
              "dtype": "f64",
              "f_contiguous": false,
              "itemsize": 8,
              "may_share_with": [],
              "name": "odds",
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
              "dtype": "f64",
              "f_contiguous": true,
              "itemsize": 8,
              "may_share_with": [],
              "name": "x",
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
              "dtype": "f64",
              "f_contiguous": true,
              "itemsize": 8,
              "may_share_with": [],
              "name": "y",
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
              "writeable": true
            }
          ],
          "version": 1
        }"#]]
    .assert_eq(&pretty);
}

#[test]
fn html_rendering_uses_inline_styles_only() {
    let table = scenario();
    let html = memscope_memory::render::html::render(&table, RenderOptions::default());
    for banned in ["<style", "<svg", "class=", "var(", "<script"] {
        assert!(!html.contains(banned), "{banned} in {html}");
    }
    expect_test::expect_file!["snapshots/table.html"].assert_eq(&html);
}

#[test]
fn addresses_appear_only_on_request() {
    let table = scenario();
    let plain = bundle(&table, RenderOptions::default());
    assert!(plain.iter().all(|(_, data)| !data.contains("0x10000")));
    let with = bundle(&table, RenderOptions { addresses: true });
    assert!(with.iter().all(|(_, data)| data.contains("0x10000")));
}

#[test]
fn views_name_the_oldest_of_an_owners_aliases() {
    let mut tracker = MemoryTracker::new();
    let x = np(X, 10, 0, &[10], &[1], true);
    tracker.observe(
        &vars(vec![("x", x.clone())]),
        "let x = np::zeros(&[10]);",
        Some(1),
    );
    let t = tracker.observe(
        &vars(vec![
            ("x", x.clone()),
            ("alias", x),
            ("v", np(X, 10, 2, &[2], &[1], false)),
        ]),
        "let alias = x.clone();\nlet v = x.slice(s![2..4]);",
        Some(2),
    );
    assert_eq!(t.row("v").unwrap().base, Base::Variable("x".into()));
}

#[test]
fn aliases_made_in_one_cell_follow_the_order_of_their_lets() {
    let x = np(X, 10, 0, &[10], &[1], true);
    let t = MemoryTracker::new().observe(
        &vars(vec![
            ("x", x.clone()),
            ("same", x),
            ("v", np(X, 10, 2, &[2], &[1], false)),
        ]),
        "let x = np::zeros(&[10]);\nlet same = x.clone();\nlet v = x.slice(s![2..4]);",
        Some(1),
    );
    assert_eq!(t.row("v").unwrap().base, Base::Variable("x".into()));
}

#[test]
fn arc_array_windows_are_views_of_the_full_holder() {
    let shared = |first, shape: &[usize], strides: &[isize]| {
        facts(first, shape, strides, Storage::Shared { unique: false })
    };
    // A 3x4 C-ordered ArcArray, its reversal and its transpose.
    let t = table(vec![
        ("a", shared(X, &[3, 4], &[4, 1])),
        ("rev", shared(X + 11 * F64, &[3, 4], &[-4, -1])),
        ("at", shared(X, &[4, 3], &[1, 4])),
        ("tail", shared(X + 4 * F64, &[2, 4], &[4, 1])),
    ]);
    assert_eq!(t.row("a").unwrap().role, Role::Owner);
    for window in ["rev", "at", "tail"] {
        let row = t.row(window).unwrap();
        assert_eq!(
            (row.role, row.base.clone()),
            (Role::View, Base::Variable("a".into())),
            "{window}"
        );
    }
}

#[test]
fn arc_array_windows_whose_holder_is_gone_have_no_owner() {
    let shared = |first, len| facts(first, &[len], &[1], Storage::Shared { unique: false });
    let t = table(vec![
        ("head", shared(X, 3)),
        ("tail", shared(X + 5 * F64, 5)),
    ]);
    for window in ["head", "tail"] {
        let row = t.row(window).unwrap();
        assert_eq!(
            (row.role, row.base.clone()),
            (Role::View, Base::NotAVariable),
            "{window}"
        );
    }
    let unique = table(vec![(
        "only",
        facts(X, &[3], &[2], Storage::Shared { unique: true }),
    )]);
    assert_eq!(
        unique.row("only").unwrap().role,
        Role::Owner,
        "the sole holder owns it"
    );
}

#[test]
fn a_move_into_an_existing_variable_hands_over_the_buffer() {
    let mut tracker = MemoryTracker::new();
    let a = facts(X, &[10], &[1], Storage::Owned);
    let b = facts(0x90000, &[3], &[1], Storage::Owned);
    tracker.observe(
        &vars(vec![("a", a.clone()), ("b", b)]),
        "let mut b = ...;",
        Some(1),
    );
    let t = tracker.observe(&vars(vec![("b", a)]), "b = a;", Some(2));
    assert_eq!(t.gone[0].why, GoneWhy::Moved { into: "b".into() });
    let b = t.row("b").unwrap();
    assert_eq!(
        (b.buffer.unwrap().to_string(), b.changed),
        ("buf1".into(), Change::Modified)
    );
}

#[test]
fn a_vec_that_grows_into_new_memory_keeps_its_buffer_id() {
    let mut tracker = MemoryTracker::new();
    let vec = |first, len| {
        let mut f = facts(first, &[len], &[1], Storage::Owned);
        f.type_name = "Vec<f64>".into();
        f
    };
    tracker.observe(
        &vars(vec![("v", vec(X, 4)), ("w", vec(0x50000, 2))]),
        "",
        Some(1),
    );
    let t = tracker.observe(
        &vars(vec![("v", vec(0x90000, 5)), ("w", vec(0x50000, 2))]),
        "v.push(1.0);",
        Some(2),
    );
    let v = t.row("v").unwrap();
    assert_eq!(
        (v.buffer.unwrap().to_string(), v.changed),
        ("buf1".into(), Change::Modified)
    );
    assert_eq!(t.row("w").unwrap().buffer.unwrap().to_string(), "buf2");
    let t = tracker.observe(
        &vars(vec![("v", vec(0xA0000, 5)), ("w", vec(0x50000, 2))]),
        "let v = vec![0.0; 5];",
        Some(3),
    );
    assert_eq!(
        t.row("v").unwrap().buffer.unwrap().to_string(),
        "buf3",
        "a new value is a new buffer"
    );
}

#[test]
fn a_restart_forgets_the_old_process() {
    let mut tracker = MemoryTracker::new();
    tracker.observe(
        &vars(vec![("a", facts(X, &[10], &[1], Storage::Owned))]),
        "",
        Some(1),
    );
    tracker.restart();
    let t = tracker.observe(
        &vars(vec![("b", facts(X, &[10], &[1], Storage::Owned))]),
        "let b = a;",
        Some(2),
    );
    assert!(t.gone.is_empty(), "nothing of the old process is listed");
    assert_eq!(t.row("b").unwrap().buffer.unwrap().to_string(), "buf2");
}

#[test]
fn a_binding_made_immutable_again_is_not_modified_by_reading_it() {
    let mut tracker = MemoryTracker::new();
    let list = vars(vec![("a", facts(X, &[10], &[1], Storage::Owned))]);
    tracker.observe(&list, "let mut a = Array1::zeros(10);", Some(1));
    tracker.observe(&list, "let a = a;", Some(2));
    let t = tracker.observe(&list, "println!(\"{}\", a.sum());", Some(3));
    assert_eq!(t.row("a").unwrap().changed, Change::Unchanged);
}

#[test]
fn text_and_html_show_the_first_rows_and_json_lists_all() {
    let list: Vec<(String, ArrayFacts)> = (0..600)
        .map(|i| {
            (
                format!("v{i:03}"),
                facts(X + i * 0x1000, &[2], &[1], Storage::Owned),
            )
        })
        .collect();
    let table = MemoryTracker::new().observe(&list, "", Some(1));
    let text = text::render(&table, RenderOptions::default());
    assert!(text.contains(" v499 ") && !text.contains(" v500 "));
    assert!(text.contains("... and 100 more array variables"));
    let html = memscope_memory::render::html::render(&table, RenderOptions::default());
    assert!(html.contains(">v499<") && !html.contains(">v500<") && html.contains("100 more"));
    let json: serde_json::Value =
        serde_json::from_str(&json::render(&table, RenderOptions::default())).unwrap();
    assert_eq!(json["variables"].as_array().unwrap().len(), 600);
}
