//! The engine tier for where variables' types come from: the compiler
//! that builds each cell (what kernels use) against rust-analyzer (evcxr's
//! way), on a corpus of `let`s and on every cell of the tutorials. Each
//! session is a child process of its own (this test binary again): first
//! one typed by rust-analyzer, then one typed by the compiler, which is
//! handed rust-analyzer's types and checks, for every type it writes
//! differently, that the two name the same type (a cell that compiles only
//! if they do). A type whose first name does not compile is repaired from
//! rustc's suggestion, and one that cannot be named says so and costs no
//! other variable.
//!
//! Slow, like `engine.rs`: run when `RUN_SLOW_TESTS` (or `CI`) is set.

mod support;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use support::{Recorder, TYPES_FROM_RUST_ANALYZER, ok, run_with, session, slow_tests_run};

const TEST_NAME: &str = "the_compilers_types_name_what_rust_analyzer_names";
/// Set in a child: run the corpus and print each variable's type.
const CHILD: &str = "MEMSCOPE_TEST_TYPES_CHILD";
/// Set in the compiler's child: rust-analyzer's types, as its child printed them.
const ANALYZER_TYPES: &str = "MEMSCOPE_TEST_ANALYZER_TYPES";

/// `let`s of the kinds notebooks hold, by what their types exercise.
const CORPUS: &[&str] = &[
    // Numbers, text, fallback of literals.
    "let c_i = 3; let c_f = 2.5; let c_u8 = 7_u8; let c_big = 1_u128 << 100; let c_bool = true;
     let c_char = 'x'; let c_text = String::from(\"hi\"); let c_static = \"static text\";
     let c_unit = (); let c_isize = -4_isize;",
    // std collections.
    "use std::collections::{HashMap, BTreeMap, HashSet, BTreeSet, VecDeque, BinaryHeap, LinkedList};
     let c_vec = vec![1.0, 2.0]; let c_nested = vec![vec![1_u32], vec![]];
     let c_map: HashMap<String, f64> = HashMap::new(); let mut c_btree = BTreeMap::new(); c_btree.insert(1, \"one\");
     let c_set = HashSet::from([1_i64]); let c_bset = BTreeSet::from(['a']);
     let c_deque = VecDeque::from(vec![1_i16]); let c_heap = BinaryHeap::from(vec![3_u64]);
     let c_list = LinkedList::from([1.5_f32]); let c_boxed_slice: Box<[u8]> = vec![1, 2].into_boxed_slice();",
    // Option, Result, tuples, arrays, references to statics.
    "let c_some = Some(4_u16); let c_none: Option<String> = None; let c_ok: Result<i32, String> = Ok(1);
     let c_parsed = \"42\".parse::<i64>(); let c_float_parse = \"x\".parse::<f64>();
     let c_pair = (1, \"a\"); let c_triple = (1.0, 'b', vec![c_i]); let c_array = [1_u8; 4];
     let c_matrix = [[0.0_f64; 3]; 2]; let c_slice_ref: &'static [i32] = &[1, 2];",
    // Smart pointers and cells.
    "use std::rc::Rc; use std::cell::{Cell, RefCell}; use std::sync::{Arc, Mutex, RwLock};
     let c_rc = Rc::new(RefCell::new(vec![1_u32])); let c_arc = Arc::new(Mutex::new(0_usize));
     let c_rw = RwLock::new(String::new()); let c_cell = Cell::new(1_i8); let c_box = Box::new(5_i32);
     let c_dyn: Box<dyn std::fmt::Debug> = Box::new(1); let c_cow: std::borrow::Cow<'static, str> = \"x\".into();
     let c_weak = Rc::downgrade(&c_rc);",
    // Iterators and their adapters (owned, so they can be kept).
    "let c_range = 0..10; let c_incl = 0..=3_u8; let c_rev = (0..3).rev(); let c_step = (0..20).step_by(5);
     let c_chain = (0..2).chain(5..7); let c_into_iter = vec![1, 2].into_iter();
     let c_zip = (0..3).zip(10..13); let c_take = (0..).take(3); let c_skip = (0..5).skip(2);
     let c_enumerate = vec!['a'].into_iter().enumerate(); let c_peek = (0..3).peekable();
     let c_chars_owned: Vec<char> = \"abc\".chars().collect(); let c_repeat = std::iter::repeat(1).take(2);
     let c_once = std::iter::once(1.0); let c_empty = std::iter::empty::<u8>();",
    // Strings' iterators over static text.
    "let c_words = \"a b c\".split_whitespace(); let c_lines = \"a\\nb\".lines(); let c_chars = \"abc\".chars();
     let c_split = \"a,b\".split(','); let c_bytes = \"ab\".bytes();",
    // Nested generics.
    "let c_deep = Some(vec![(1_u8, Some(String::new()))]);
     let c_map_of_vecs: std::collections::HashMap<String, Vec<Option<f64>>> = Default::default();
     let c_result_vec: Result<Vec<u8>, std::num::ParseIntError> = \"1\".parse::<u8>().map(|x| vec![x]);
     let c_opt_box = Some(Box::new([1_u16, 2]));
     let c_tuple_of_maps = (std::collections::BTreeMap::<u8, u8>::new(), vec![std::collections::HashSet::<char>::new()]);",
    // Other std types.
    "let c_path = std::path::PathBuf::from(\"/tmp\"); let c_duration = std::time::Duration::from_millis(5);
     let c_instant = std::time::Instant::now(); let c_os = std::ffi::OsString::from(\"x\");
     let c_nonzero = std::num::NonZeroU32::new(3).unwrap(); let c_ordering = 1.cmp(&2);
     let c_wrapping = std::num::Wrapping(5_u8); let c_phantom = std::marker::PhantomData::<f64>;
     let c_error = \"x\".parse::<i32>().unwrap_err(); let c_hasher = std::collections::hash_map::DefaultHasher::new();
     let c_random_state = std::collections::hash_map::RandomState::new();",
    // ndarray's arrays, owned and shared (views borrow, so cells cannot keep them).
    "let c_a1 = Array1::<f64>::zeros(3); let c_a2 = Array2::<f32>::ones((2, 2)); let c_ad = ArrayD::<i32>::zeros(IxDyn(&[2, 3]));
     let c_arc_array = ArcArray::<f64, Ix2>::zeros((2, 2)); let c_cow_array = CowArray::from(array![1.0, 2.0]);
     let c_linspace = Array1::linspace(0.0, 1.0, 5); let c_column = c_a2.column(0).to_owned();
     let c_shape = c_a2.raw_dim(); let c_axis = Axis(1); let c_arr_vec = vec![Array1::<u8>::zeros(2)];
     let c_ix = Ix2(1, 2); let c_a3 = Array3::<u8>::zeros((1, 2, 3));",
    // The prelude's own types.
    "let c_np = np::arange(0.0, 6.0, 1.0); let c_np_int = np::arange(0, 4, 1); let c_np_view = c_np.slice(s![..;2]);
     let c_np_2d = c_np.reshape(&[2, 3]); let c_np_t = c_np_2d.t(); let c_np_copy = np::copy(&c_np_t, np::Order::C);
     let c_np_vec = vec![c_np.clone()];",
    // User structs and enums, generic or not.
    "#[derive(Debug, Clone)] struct CorpusPoint { x: f64, y: f64 }
     #[derive(Debug)] enum CorpusShape { Circle(f64), Square { side: f64 } }
     #[derive(Debug)] struct CorpusWrap<T>(T);
     mod corpus_mod { #[derive(Debug)] pub struct Inner(pub u8); }
     let c_point = CorpusPoint { x: 1.0, y: 2.0 }; let c_shape = CorpusShape::Circle(1.0);
     let c_square = CorpusShape::Square { side: 2.0 }; let c_wrap = CorpusWrap(vec![c_point.clone()]);
     let c_inner = corpus_mod::Inner(1); let c_points = vec![c_point.clone(); 2];",
    // Patterns bind several variables; `mut` comes from the syntax.
    "let (c_left, mut c_right) = (1_u8, String::from(\"r\")); c_right.push('!');
     let CorpusPoint { x: c_px, y: c_py } = c_point.clone(); let [c_first, c_second] = [1_i16, 2];
     let (c_nested_a, (c_nested_b, c_nested_c)) = (1, (2.0, 'c'));",
    // Shadowing with a new type, in one cell and across cells.
    "let c_shadow = 1; let c_shadow = c_shadow.to_string(); let c_later = vec![1_u8];",
    "let c_later = c_later.len() as f32; let c_i = \"now text\";",
];

/// A crate the corpus takes as a `:dep`: one type re-exported from a
/// private module (its first name cannot compile; rustc suggests the
/// re-export) and one no path outside the crate can name.
fn local_crate() -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("engine_types_dep");
    std::fs::create_dir_all(root.join("src")).unwrap();
    let manifest = "[package]\nname = \"engine_types_dep\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[lib]\npath = \"src/lib.rs\"\n";
    let source = "mod defined { #[derive(Debug)] pub struct Reexported(pub i32); }\n\
                  pub use defined::Reexported;\n\
                  mod hidden { #[derive(Debug)] pub struct Secret; }\n\
                  pub fn secret() -> hidden::Secret { hidden::Secret }\n\
                  #[derive(Debug)] pub enum Level { Low, High }\n";
    for (file, text) in [("Cargo.toml", manifest), ("src/lib.rs", source)] {
        let path = root.join(file);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            std::fs::write(path, text).unwrap();
        }
    }
    root
}

/// The cells of a tutorial, in order.
fn tutorial_cells(name: &str) -> Vec<String> {
    let path = support::workspace().join("notebooks").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let notebook: serde_json::Value = serde_json::from_str(&text).unwrap();
    notebook["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|cell| cell["cell_type"] == "code")
        .map(|cell| match &cell["source"] {
            serde_json::Value::Array(lines) => lines.iter().filter_map(|l| l.as_str()).collect(),
            other => other.as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

const TUTORIALS: &[&str] = &[
    "getting-started.ipynb",
    "copying-arrays.ipynb",
    "ownership-and-sharing.ipynb",
    "views-and-strides.ipynb",
];

fn dep_cell() -> String {
    let dep = local_crate();
    format!(
        ":dep engine_types_dep = {{ path = {:?} }}",
        dep.display().to_string()
    )
}

/// Every cell the comparison runs: the corpus, the `:dep` crate's types,
/// then each tutorial, one after the other in the same session.
fn cells() -> Vec<String> {
    let mut cells: Vec<String> = CORPUS.iter().map(|c| (*c).to_owned()).collect();
    cells.push(dep_cell());
    cells.push(
        "let c_reexported = engine_types_dep::Reexported(1); let c_level = engine_types_dep::Level::High;"
            .to_owned(),
    );
    cells.push("let c_use_them = (c_reexported.0, format!(\"{c_level:?}\"));".to_owned());
    for tutorial in TUTORIALS {
        cells.extend(tutorial_cells(tutorial));
    }
    cells
}

/// `(cell, variable) → type`, as a child printed them.
type Types = BTreeMap<(usize, String), String>;

fn parse_types(lines: &[&str]) -> Types {
    lines
        .iter()
        .filter_map(|line| {
            let mut fields = line.splitn(3, '\t');
            let cell = fields.next()?.parse().ok()?;
            Some(((cell, fields.next()?.to_owned()), fields.next()?.to_owned()))
        })
        .collect()
}

#[test]
fn the_compilers_types_name_what_rust_analyzer_names() {
    if std::env::var_os(CHILD).is_some() {
        return run_cells_and_print_types();
    }
    if !slow_tests_run() {
        return;
    }
    let analyzer_out =
        support::rerun_in_child(TEST_NAME, &[(CHILD, "1"), (TYPES_FROM_RUST_ANALYZER, "1")]);
    let analyzer = parse_types(&support::marked_lines(&analyzer_out, "type\t"));
    let encoded: String = support::marked_lines(&analyzer_out, "type\t").join("\n");
    let compiler_out =
        support::rerun_in_child(TEST_NAME, &[(CHILD, "1"), (ANALYZER_TYPES, &encoded)]);
    let compiler = parse_types(&support::marked_lines(&compiler_out, "type\t"));

    let declared_by_corpus = analyzer
        .keys()
        .filter(|(cell, _)| *cell < CORPUS.len())
        .count();
    assert!(
        declared_by_corpus >= 100,
        "the corpus declares only {declared_by_corpus} variables rust-analyzer types"
    );
    // Every variable rust-analyzer's session kept, the compiler's kept.
    let missing: Vec<_> = analyzer
        .keys()
        .filter(|key| !compiler.contains_key(*key))
        .collect();
    assert!(
        missing.is_empty(),
        "kept only with rust-analyzer: {missing:?}\n{compiler_out}"
    );
    // Written the same, or checked in the compiler's session to be the same.
    let different: Vec<&str> = support::marked_lines(&compiler_out, "different\t");
    assert!(different.is_empty(), "types that differ: {different:#?}");
    let checked = support::marked_lines(&compiler_out, "same\t").len();
    let equal = analyzer
        .iter()
        .filter(|(key, ty)| ty.is_empty() || compiler.get(*key) == Some(ty))
        .count();
    assert_eq!(equal + checked, analyzer.len(), "{compiler_out}");
    eprintln!(
        "{} variables: {equal} written alike, {checked} written differently and checked the same",
        analyzer.len()
    );
}

/// In a child: runs every cell, printing `type\t<cell>\t<name>\t<type>` for
/// each variable after each cell that ran. With rust-analyzer's types at
/// hand, checks each type written differently in a cell that compiles only
/// if both name the same type.
fn run_cells_and_print_types() {
    let analyzer = std::env::var(ANALYZER_TYPES)
        .ok()
        .map(|text| parse_types(&text.lines().collect::<Vec<_>>()));
    let mut session = session();
    // Each variable as the last cell left it: only what a cell declares or
    // changes is printed (and checked).
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (index, cell) in cells().iter().enumerate() {
        let report = run_with(&mut session, cell, &mut Recorder::default());
        if report.result.is_err() {
            continue;
        }
        let now: BTreeMap<String, String> = report
            .variables
            .list
            .iter()
            .map(|v| (v.name.clone(), v.type_name.clone()))
            .collect();
        for variable in report
            .variables
            .list
            .iter()
            .filter(|v| seen.get(&v.name) != Some(&v.type_name))
        {
            println!("\ntype\t{index}\t{}\t{}", variable.name, variable.type_name);
            let Some(theirs) = analyzer
                .as_ref()
                .and_then(|a| a.get(&(index, variable.name.clone())))
            else {
                continue;
            };
            // Where rust-analyzer had no type (a variable gone: dropped or
            // moved), there is nothing to compare.
            if *theirs == variable.type_name || theirs.is_empty() {
                continue;
            }
            let check = format!(
                "{{ fn same_type<T>(_: std::marker::PhantomData<(T, T)>) {{}}\n\
                 same_type(std::marker::PhantomData::<({}, {})>); }}",
                variable.type_name, theirs
            );
            let mut checked = run_with(&mut session, &check, &mut Recorder::default());
            // A first name that did not compile (another crate's private
            // module) is repaired as the check cell loads the variable:
            // check the repaired name.
            let repaired = checked
                .variables
                .list
                .iter()
                .find(|v| v.name == variable.name && v.type_name != variable.type_name)
                .map(|v| v.type_name.clone());
            if let (Err(_), Some(repaired)) = (&checked.result, &repaired) {
                let check = check.replace(&variable.type_name, repaired);
                checked = run_with(&mut session, &check, &mut Recorder::default());
            }
            match checked.result {
                Ok(_) => println!(
                    "\nsame\t{}\t{} = {theirs}",
                    variable.name, variable.type_name
                ),
                Err(failure) => println!(
                    "\ndifferent\t{}\t{} ≠ {theirs}: {}",
                    variable.name,
                    variable.type_name,
                    failure.details.join(" ").replace('\n', " ")
                ),
            }
        }
        seen = now;
    }
}

#[test]
fn a_type_rustc_can_name_is_repaired_and_one_it_cannot_costs_nothing_else() {
    if std::env::var_os(CHILD).is_some() || !slow_tests_run() {
        return;
    }
    ok(&dep_cell());
    ok(
        "let repaired_kept = 5; let repaired_reexported = engine_types_dep::Reexported(40);\n\
        let repaired_secret = engine_types_dep::secret();",
    );
    // The next cell loads them: the re-exported type's first name (its
    // private module's) does not compile, and rustc's suggestion repairs
    // it; the secret one has no name outside its crate.
    let (value, recorder) = ok("repaired_reexported.0 + repaired_kept - 3");
    assert_eq!(value, "42");
    let told: String = recorder
        .seen
        .iter()
        .filter_map(|seen| match seen {
            support::Seen::Err(text) => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        told.contains("`repaired_secret` was dropped")
            && told.contains("let repaired_secret: Type"),
        "{told:?}"
    );
    let mut session = session();
    let report = run_with(&mut session, "repaired_kept", &mut Recorder::default());
    let types: BTreeMap<String, String> = report
        .variables
        .list
        .iter()
        .map(|v| (v.name.clone(), v.type_name.clone()))
        .collect();
    assert_eq!(types["repaired_reexported"], "engine_types_dep::Reexported");
    assert_eq!(types["repaired_kept"], "i32");
    assert!(!types.contains_key("repaired_secret"), "{types:?}");
}
