//! The engine tier: memscope's session driven without Jupyter, through
//! `Session::run`, against real evcxr, real rustc and this package's own
//! binary as the cell process; a recording observer sees what a front end
//! would. Between the unit tests (no compiler) and the end-to-end tests
//! (jupyter_client), this is where the worker loop, the fence, snapshots,
//! classification, memscope's commands and the evcxr patches are tested
//! on their own.
//!
//! One session serves the whole file, as one kernel serves a notebook
//! (starting one changes the process: it becomes a subreaper and its
//! standard error a pipe), so each test names its variables after itself.
//! Its cache is its own (see `support::cache_dir`): the first run compiles
//! the cells' dependencies there once.
//! Slow, since cells compile: run when `RUN_SLOW_TESTS` is set (as
//! `tests/run.sh` does) or `CI` is; otherwise each test says it was
//! skipped.
//!
//! Facts about evcxr's behaviour follow what its own integration tests
//! check (variables and items persist, panics keep variables, `?` in
//! cells, closures not kept), written as our tests.

use std::path::{Path, PathBuf};

use memscope_session::DisplayRequest;

mod support;
use support::{Recorder, Seen, fails, fails_observed, ok, run_with, session, slow_tests_run};

#[test]
fn variables_and_items_persist_between_cells() {
    if !slow_tests_run() {
        return;
    }
    ok(
        "let persist_n = 40; fn persist_add(a: i32, b: i32) -> i32 { a + b }\nstruct PersistPoint { x: i32 }",
    );
    let (value, _) =
        ok("let persist_p = PersistPoint { x: persist_add(persist_n, 2) };\npersist_p.x");
    assert_eq!(value, "42");
    let (value, _) = ok("persist_p.x + persist_n");
    assert_eq!(value, "82");
}

#[test]
fn output_arrives_in_order_before_the_result() {
    if !slow_tests_run() {
        return;
    }
    let (value, recorder) = ok(
        "println!(\"first\");\neprintln!(\"on stderr\");\nmemscope_prelude::display::text(\"shown\");\nprintln!(\"last\");\n7",
    );
    assert_eq!(value, "7");
    let order: Vec<&Seen> = recorder
        .seen
        .iter()
        .filter(|seen| !matches!(seen, Seen::Err(_)))
        .collect();
    assert!(
        matches!(
            order.as_slice(),
            [Seen::Out(first), Seen::Display(DisplayRequest::Show { .. }), Seen::Out(last)]
                if first == "first\n" && last == "last\n"
        ),
        "{:?}",
        recorder.seen
    );
    assert!(recorder.seen.contains(&Seen::Err("on stderr\n".into())));
}

#[test]
fn a_panic_keeps_the_variables_of_earlier_cells() {
    if !slow_tests_run() {
        return;
    }
    ok("let panic_kept = vec![1, 2, 3];");
    let failure = fails("let panic_lost = 5;\npanic!(\"no {}\", panic_kept.len());");
    assert_eq!(failure.name, "Panic");
    assert_eq!(failure.summary, "no 3");
    let (value, _) = ok("panic_kept.len()");
    assert_eq!(value, "3");
    // What the panicking cell declared was never kept.
    assert_eq!(fails("panic_lost").name, "CompileError");
}

#[test]
fn a_compile_error_says_where_in_the_cell_and_changes_nothing() {
    if !slow_tests_run() {
        return;
    }
    ok("let compile_kept: i32 = 1;");
    let failure = fails("// a comment\nlet compile_kept = 2;\nlet compile_bad: i32 = \"text\";");
    assert_eq!(failure.name, "CompileError");
    assert_eq!(failure.summary, "mismatched types");
    let details = failure.details.join("\n");
    assert!(details.contains("--> cell:3:"), "{details}");
    let (value, _) = ok("compile_kept");
    assert_eq!(value, "1", "the failed cell's new binding was not kept");
}

#[test]
fn a_name_can_be_declared_again_with_another_type() {
    if !slow_tests_run() {
        return;
    }
    ok("let shadowed = 5_u8;");
    ok("let shadowed = format!(\"was {}\", shadowed);");
    let (value, _) = ok("shadowed.len()");
    assert_eq!(value, "5");
}

#[test]
fn question_marks_work_in_cells() {
    if !slow_tests_run() {
        return;
    }
    let (value, _) = ok("let question_n: i32 = \"12\".parse()?;\nquestion_n * 2");
    assert_eq!(value, "24");
    // As in evcxr: the error goes to stderr and the cell ends there, with
    // no error of its own; what it declared is not kept.
    let (value, recorder) = ok("let question_m: i32 = \"twelve\".parse()?;\nprintln!(\"after\");");
    assert_eq!(value, "");
    assert!(
        recorder
            .seen
            .contains(&Seen::Err("invalid digit found in string\n".into())),
        "{:?}",
        recorder.seen
    );
    assert!(!recorder.stdout().contains("after"), "{:?}", recorder.seen);
    assert_eq!(fails("question_m").name, "CompileError");
    let (value, _) = ok("question_n");
    assert_eq!(value, "12");
}

#[test]
fn a_closure_is_not_kept_and_says_why() {
    if !slow_tests_run() {
        return;
    }
    let failure = fails("let closure_add = |x: i32| x + 1;");
    let text = format!("{}\n{}", failure.summary, failure.details.join("\n"));
    assert!(text.contains("closure_add"), "{text}");
    // Used inside its cell, a closure is fine.
    let (value, _) = ok("{ let add_one = |x: i32| x + 1; add_one(41) }");
    assert_eq!(value, "42");
}

#[test]
fn settings_that_would_break_the_session_are_refused() {
    if !slow_tests_run() {
        return;
    }
    ok("let setting_kept = 15;");
    for setting in [":allow_static_linking 0", ":preserve_vars_on_panic 0"] {
        let failure = fails(setting);
        assert!(failure.summary.contains("stays on"), "{failure:?}");
    }
    // Nothing changed: cells still build, and a panic still says why.
    assert_eq!(
        fails("panic!(\"still {}\", setting_kept)").summary,
        "still 15"
    );
}

#[test]
fn a_moved_array_is_missed_with_a_hint_of_where_it_went() {
    if !slow_tests_run() {
        return;
    }
    ok("let moved_from = np::arange(0.0, 3.0, 1.0);");
    ok("let moved_into = moved_from;");
    let failure = fails("moved_from.len()");
    assert_eq!(failure.name, "CompileError");
    let details = failure.details.join("\n");
    assert!(
        details.contains("hint: `moved_from` was moved into `moved_into`"),
        "{details}"
    );
}

#[test]
fn doc_shows_a_user_items_doc_comment() {
    if !slow_tests_run() {
        return;
    }
    ok("/// Adds one, as the doc says.\nfn doc_add_one(x: i32) -> i32 { x + 1 }");
    let (value, _) = ok(":doc doc_add_one");
    assert!(value.contains("fn doc_add_one(x: i32) -> i32"), "{value}");
    assert!(value.contains("Adds one, as the doc says."), "{value}");
}

#[test]
fn vars_lists_the_sessions_variables() {
    if !slow_tests_run() {
        return;
    }
    ok("let listed_by_vars = 9_u16;");
    let (value, _) = ok(":vars");
    assert!(
        value.contains("listed_by_vars") && value.contains("u16"),
        "{value}"
    );
}

#[test]
fn variables_carry_the_types_evcxr_keeps_them_under() {
    if !slow_tests_run() {
        return;
    }
    let mut session = session();
    let report = run_with(
        &mut session,
        "let typed_bytes = vec![1_u8, 2];\nlet typed_text = String::from(\"hi\");",
        &mut Recorder::default(),
    );
    assert!(report.result.is_ok(), "{:?}", report.result);
    let find = |name: &str| {
        let found = report.variables.list.iter().find(|v| v.name == name);
        found.unwrap_or_else(|| panic!("no {name} in {:?}", report.variables.list))
    };
    assert_eq!(find("typed_bytes").type_name, "Vec<u8>");
    assert_eq!(find("typed_text").type_name, "String");
    assert_eq!(find("typed_text").value, "\"hi\"");
}

#[test]
fn completions_come_from_the_sessions_types() {
    if !slow_tests_run() {
        return;
    }
    ok("let completed = vec![1_i64];");
    let code = "completed.pu";
    let found = session().complete(code, code.len());
    // Methods come as snippets of their calls.
    assert!(
        found.matches.iter().any(|m| m == "push(value)"),
        "{found:?}"
    );
    assert_eq!(found.start, "completed.".len());
    assert_eq!(found.end, code.len());
}

#[test]
fn a_cell_that_ends_its_process_loses_nothing_from_before() {
    if !slow_tests_run() {
        return;
    }
    ok("let exit_kept = 11;");
    let failure = fails("std::process::exit(3);");
    assert_eq!(failure.name, "CellProcessDied");
    assert!(failure.summary.contains("exit status 3"), "{failure:?}");
    assert!(
        failure.details.iter().any(|d| d.contains("carried on")),
        "{failure:?}"
    );
    let (value, _) = ok("exit_kept");
    assert_eq!(value, "11");
}

#[test]
fn a_segfault_loses_nothing_from_before() {
    if !slow_tests_run() {
        return;
    }
    ok("let segfault_kept = 12;");
    let failure = fails("unsafe { std::ptr::write_volatile(std::ptr::null_mut::<u8>(), 1) };");
    assert_eq!(failure.name, "CellProcessDied");
    assert!(failure.summary.contains("SIGSEGV"), "{failure:?}");
    let (value, _) = ok("segfault_kept");
    assert_eq!(value, "12");
}

#[test]
fn an_interrupt_while_running_keeps_earlier_variables() {
    if !slow_tests_run() {
        return;
    }
    ok("let running_kept = 13;");
    let interrupter = session().interrupter();
    // The cell says it runs; the interrupt follows that event, not a guess.
    let recorder = Recorder {
        on_output: Some(Box::new(move |seen| {
            if *seen == Seen::Out("GO\n".into()) {
                interrupter.interrupt();
            }
        })),
        ..Recorder::default()
    };
    let (failure, recorder) = fails_observed(
        "println!(\"GO\");\nlet running_lost = 1;\nloop { std::hint::spin_loop(); }",
        recorder,
    );
    assert_eq!(failure.name, "Interrupted", "{:?}", recorder.seen);
    assert!(
        failure.details.iter().any(|d| d.contains("carried on")),
        "interrupted while running, not compiling: {failure:?}"
    );
    let (value, _) = ok("running_kept");
    assert_eq!(value, "13");
}

#[test]
fn an_interrupt_before_the_cell_begins_stops_it_from_beginning() {
    if !slow_tests_run() {
        return;
    }
    let mut session = session();
    let interrupter = session.interrupter();
    // What the dispatcher does for a request it announces, then the
    // interrupt a client sends on seeing it busy.
    interrupter.request_started();
    interrupter.interrupt();
    let mut recorder = Recorder::default();
    let report = run_with(&mut session, "println!(\"must not run\");", &mut recorder);
    let failure = report.result.expect_err("interrupted");
    assert_eq!(failure.name, "Interrupted");
    assert!(
        failure.details.iter().any(|d| d.contains("did not run")),
        "{failure:?}"
    );
    assert!(recorder.stdout().is_empty(), "{:?}", recorder.seen);
}

/// A crate of its own for `:dep`, in a folder that lives as long as the
/// session (which keeps depending on it). While the file `hold` exists its
/// build script says it runs (the file `building`) and waits, so a test
/// can interrupt its compile at leisure.
struct LocalCrate {
    dir: PathBuf,
}

impl LocalCrate {
    fn new(name: &str) -> LocalCrate {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        )
        .unwrap();
        let hold = dir.join("hold");
        std::fs::write(
            dir.join("build.rs"),
            format!(
                "fn main() {{\n\
                 \x20   let hold = std::path::Path::new(r#\"{}\"#);\n\
                 \x20   if hold.exists() {{ std::fs::write(r#\"{}\"#, \"\").unwrap(); }}\n\
                 \x20   for _ in 0..1200 {{\n\
                 \x20       if !hold.exists() {{ return; }}\n\
                 \x20       std::thread::sleep(std::time::Duration::from_millis(50));\n\
                 \x20   }}\n\
                 }}\n",
                hold.display(),
                dir.join("building").display()
            ),
        )
        .unwrap();
        // A nonce, so no cache anywhere has seen this crate.
        let nonce = support::nonce();
        std::fs::write(
            dir.join("src/lib.rs"),
            format!("pub const NONCE: u128 = {nonce};\npub fn answer() -> i32 {{ 42 }}\n"),
        )
        .unwrap();
        LocalCrate { dir }
    }

    fn dep_line(&self, name: &str) -> String {
        format!(":dep {name} = {{ path = {:?} }}", self.dir)
    }

    /// Waits until the build script says it runs (with `hold` on).
    fn wait_until_building(&self) -> bool {
        let building = self.dir.join("building");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
        while !building.exists() {
            if std::time::Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        true
    }

    fn hold(&self, on: bool) {
        let hold = self.dir.join("hold");
        if on {
            std::fs::write(hold, "").unwrap();
        } else {
            let _ = std::fs::remove_file(hold);
        }
    }
}

#[test]
fn a_local_crate_is_a_dependency_and_an_interrupt_while_it_compiles_changes_nothing() {
    if !slow_tests_run() {
        return;
    }
    let local = LocalCrate::new("engine_tier_dep");
    let dep = local.dep_line("engine_tier_dep");
    ok("let compiling_kept = 14;");
    // Interrupted once the crate's build script runs, which holds the
    // compile until the test lets go. (cargo's `Compiling` lines, which
    // the kernel shows, do not reach the engine here: libtest captures the
    // standard error of the thread evcxr copies them from.)
    local.hold(true);
    let interrupter = session().interrupter();
    let dir = local.dir.clone();
    let watcher = std::thread::spawn(move || {
        let building = LocalCrate { dir }.wait_until_building();
        interrupter.interrupt();
        building
    });
    let (failure, recorder) = fails_observed(
        &format!("{dep}\nlet compiling_lost = engine_tier_dep::answer();"),
        Recorder::default(),
    );
    local.hold(false);
    assert!(watcher.join().unwrap(), "the build script never ran");
    assert_eq!(failure.name, "Interrupted", "{:?}", recorder.seen);
    assert!(
        failure.details.iter().any(|d| d.contains("did not run")),
        "interrupted while compiling: {failure:?}"
    );
    let (value, _) = ok(&format!(
        "{dep}\nengine_tier_dep::answer() + compiling_kept"
    ));
    assert_eq!(value, "56");
    assert_eq!(fails("compiling_lost").name, "CompileError");
}

#[test]
fn memory_commands_and_parameters_are_the_sessions() {
    if !slow_tests_run() {
        return;
    }
    let mut session = session();
    let mut recorder = Recorder::default();
    let report = run_with(
        &mut session,
        "// Parameters\n:param param_count = 5\n:param param_name = \"x\"",
        &mut recorder,
    );
    assert!(report.result.is_ok(), "{:?}", report.result);
    let report = run_with(&mut session, ":param param_count = 7", &mut recorder);
    assert!(report.result.is_ok(), "{:?}", report.result);
    let count = report
        .variables
        .list
        .iter()
        .find(|v| v.name == "param_count")
        .expect("param_count is a variable");
    assert_eq!(
        (count.type_name.as_str(), count.value.as_str()),
        ("i64", "7")
    );
    // Not JSON: refused, naming the value, and nothing changes.
    let report = run_with(&mut session, ":param param_count = 1-2", &mut recorder);
    let failure = report.result.expect_err("1-2 is not JSON");
    assert!(failure.summary.contains("\"1-2\""), "{failure:?}");

    let report = run_with(
        &mut session,
        ":memory\nlet memory_base = np::arange(0.0, 6.0, 1.0);\nlet memory_view = memory_base.slice(s![1..4]);",
        &mut recorder,
    );
    assert!(report.result.is_ok(), "{:?}", report.result);
    let table = report.table.expect("a table");
    let view = table.row("memory_view").expect("a row for the view");
    assert_eq!(
        view.base,
        memscope_session::memory::Base::Variable("memory_base".into())
    );
    // `:memory` showed the table before the cell, and the cell's table follows.
    assert_eq!(report.shown.len(), 2, "{:?}", report.shown);
}
