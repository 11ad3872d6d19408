//! The engine tier for cells compiled without cargo (evcxr patch 0009):
//! while nothing but the cell changes, rustc runs as cargo last ran it.
//! cargo rewrites the cell crate's fingerprint whenever it builds the
//! crate; a compile that left the fingerprint alone but wrote a new library
//! was rustc's alone. A change of the build's inputs (`:opt`, which
//! changes the manifest's profile) goes back through cargo, which shows
//! that the check can tell the two apart. An interrupt stops a compile
//! that rustc runs alone, as it stops cargo's, and the next cell compiles.
//!
//! Slow, like `engine.rs`: run when `RUN_SLOW_TESTS` (or `CI`) is set.

mod support;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use memscope_session::{Ran, Session};
use support::{Recorder, run_with, session, slow_tests_run};

#[test]
fn cells_compile_without_cargo_until_the_build_changes() {
    if !slow_tests_run() {
        return;
    }
    // Held throughout: no other test's cell may build in between.
    let mut session = session();
    let mut value_of = |cell: &str| value(&mut session, cell);
    let nonce = support::nonce();
    // Each cell differs from every cell before it (the nonce), so no cache
    // answers for the compiler.
    let value = value_of(&format!("let direct_{nonce} = 40;\ndirect_{nonce} + 1"));
    assert_eq!(value, "41");
    let folder = build_folder_that_recorded();
    let before = Built::now(&folder);

    let value = value_of(&format!("direct_{nonce} + 2"));
    assert_eq!(value, "42", "the value of a cell compiled without cargo");
    let direct = Built::now(&folder);
    assert!(
        direct.library > before.library,
        "the second cell was compiled: {before:?} then {direct:?}"
    );
    assert_eq!(
        direct.fingerprint, before.fingerprint,
        "cargo did not build the second cell: {before:?} then {direct:?}"
    );

    // A change of profile is a change of the build's inputs: cargo again.
    // (The value comes after evcxr's "Optimization: 1".)
    let value = value_of(&format!(":opt 1\ndirect_{nonce} + 3"));
    assert_eq!(value.lines().last(), Some("43"), "{value}");
    let through_cargo = Built::now(&folder);
    assert!(
        through_cargo.fingerprint > direct.fingerprint,
        "cargo built the cell after `:opt`: {direct:?} then {through_cargo:?}"
    );
    let value = value_of(&format!(":opt 0\ndirect_{nonce} + 4"));
    assert_eq!(value.lines().last(), Some("44"), "{value}");
}

/// The value a cell that must succeed shows, as text.
fn value(session: &mut Session, cell: &str) -> String {
    let report = run_with(session, cell, &mut Recorder::default());
    match report.result {
        Ok(Ran { value, .. }) => value
            .iter()
            .find(|(mime, _)| mime == "text/plain")
            .map(|(_, text)| text.clone())
            .unwrap_or_default(),
        Err(failure) => panic!("{cell}: {failure:#?}"),
    }
}

/// The build folder of this session: the one whose record of rustc's
/// command (evcxr's `.evcxr-rustc.json`) is newest.
fn build_folder_that_recorded() -> PathBuf {
    let builds = support::cache_dir().join("build");
    std::fs::read_dir(&builds)
        .unwrap()
        .flatten()
        .filter_map(|slot| {
            let record = slot.path().join(".evcxr-rustc.json");
            let modified = record.metadata().and_then(|m| m.modified()).ok()?;
            Some((modified, slot.path()))
        })
        .max()
        .expect("a build folder with a recorded rustc command")
        .1
}

/// When the cell crate's library and cargo's fingerprint of it were last
/// written.
#[derive(Debug, Clone, Copy)]
struct Built {
    library: SystemTime,
    fingerprint: SystemTime,
}

impl Built {
    fn now(folder: &Path) -> Built {
        let debug = folder.join("target").join(host_target()).join("debug");
        let library = modified(&debug.join("deps").join("libctx.so"));
        let fingerprint = std::fs::read_dir(debug.join(".fingerprint"))
            .unwrap()
            .flatten()
            .filter(|unit| unit.file_name().to_string_lossy().starts_with("ctx-"))
            .flat_map(|unit| {
                std::fs::read_dir(unit.path())
                    .into_iter()
                    .flatten()
                    .flatten()
            })
            .map(|file| modified(&file.path()))
            .max()
            .expect("cargo's fingerprint of the cell crate");
        Built {
            library,
            fingerprint,
        }
    }
}

fn modified(path: &Path) -> SystemTime {
    path.metadata()
        .and_then(|m| m.modified())
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The folder under `target` that evcxr builds for (`--target` of the host).
fn host_target() -> String {
    let output = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc names its host")
}

/// A procedure macro crate whose `held!` waits while the file `hold`
/// exists, having written `expanding`: a compile a test can interrupt at
/// a moment it knows rustc is running.
fn holding_macro_crate() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("direct_rustc_hold");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"direct_rustc_hold\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
         [lib]\nproc-macro = true\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        format!(
            "use proc_macro::TokenStream;\n\
             #[proc_macro]\n\
             pub fn held(input: TokenStream) -> TokenStream {{\n\
             \x20   let dir = std::path::Path::new(r#\"{}\"#);\n\
             \x20   if dir.join(\"hold\").exists() {{\n\
             \x20       std::fs::write(dir.join(\"expanding\"), \"\").unwrap();\n\
             \x20       while dir.join(\"hold\").exists() {{\n\
             \x20           std::thread::sleep(std::time::Duration::from_millis(20));\n\
             \x20       }}\n\
             \x20   }}\n\
             \x20   input\n\
             }}\n",
            dir.display()
        ),
    )
    .unwrap();
    dir
}

#[test]
fn an_interrupt_stops_a_compile_without_cargo() {
    if !slow_tests_run() {
        return;
    }
    let dir = holding_macro_crate();
    let dep = format!(":dep direct_rustc_hold = {{ path = {dir:?} }}");
    // Held throughout: no other test's cell may build in between.
    let mut session = session();
    assert_eq!(
        value(&mut session, &format!("{dep}\ndirect_rustc_hold::held!(5)")),
        "5"
    );
    let folder = build_folder_that_recorded();
    let before = Built::now(&folder);

    std::fs::write(dir.join("hold"), "").unwrap();
    let interrupter = session.interrupter();
    let expanding = dir.join("expanding");
    let watcher = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
        while !expanding.exists() {
            if std::time::Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        interrupter.interrupt();
        true
    });
    let mut recorder = Recorder::default();
    let report = run_with(
        &mut session,
        "let held_lost = direct_rustc_hold::held!(6);",
        &mut recorder,
    );
    std::fs::remove_file(dir.join("hold")).unwrap();
    assert!(watcher.join().unwrap(), "the macro never ran");
    let failure = report.result.expect_err("interrupted");
    assert_eq!(failure.name, "Interrupted", "{:?}", recorder.seen);
    assert_eq!(
        Built::now(&folder).fingerprint,
        before.fingerprint,
        "the interrupted compile was rustc's alone"
    );
    assert_eq!(value(&mut session, "direct_rustc_hold::held!(7)"), "7");
}
