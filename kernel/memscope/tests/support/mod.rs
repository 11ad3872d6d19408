//! What the engine-tier test binaries share: one session per binary
//! (started on first use), a recording observer, and helpers that run a
//! cell and, when it does not end as expected, print the cell, what it
//! showed and the end of the source evcxr generated for it.

#![allow(dead_code, reason = "each test binary uses the helpers it needs")]

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use memscope_session::{
    CellReport, DisplayRequest, Engine, EngineConfig, Failure, Observer, Ran, Session, StreamKind,
    TypeSource,
};

/// Whether the slow tests run here (rust-analyzer's rule: an environment
/// switch, not `#[ignore]`).
pub fn slow_tests_run() -> bool {
    let run = std::env::var_os("RUN_SLOW_TESTS").is_some() || std::env::var_os("CI").is_some();
    if !run {
        eprintln!("skipped: a slow test (set RUN_SLOW_TESTS=1 to run it)");
    }
    run
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A number no earlier run has used (the clock in nanoseconds): written
/// into a cell's code, it keeps every cache from answering for the compiler.
pub fn nonce() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// The engine tier's own cache, apart from the kernels': its sessions
/// link the source tree's prelude, and must not leave that in a build
/// folder a kernel takes next (which would then rebuild its own prelude).
/// It lives in cargo's target folder, so its compiled dependencies outlast
/// a run.
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("engine-tier-cache")
}

/// Set in a test's child process for a session typed by rust-analyzer,
/// evcxr's way, to compare with the compiler's types.
pub const TYPES_FROM_RUST_ANALYZER: &str = "MEMSCOPE_TEST_TYPES_FROM_RUST_ANALYZER";

fn type_source() -> TypeSource {
    if std::env::var_os(TYPES_FROM_RUST_ANALYZER).is_some() {
        TypeSource::RustAnalyzer
    } else {
        TypeSource::Compiler
    }
}

/// The one session of this test binary, started on first use.
pub fn session() -> MutexGuard<'static, Session> {
    static SESSION: OnceLock<Mutex<Session>> = OnceLock::new();
    let session = SESSION.get_or_init(|| {
        let cache_dir = cache_dir();
        let prelude_dir = workspace()
            .join("kernel/memscope-prelude")
            .canonicalize()
            .expect("the prelude's source");
        // SAFETY: the other test threads wait on this lock and touch no
        // environment while the engine starts.
        let engine = unsafe {
            Engine::start(EngineConfig {
                cache_dir,
                prelude_dir,
                cell_lock: Some(workspace().join("Cargo.lock")),
                cell_cache_bytes: 512 << 20,
                direct_rustc: true,
                cell_process: PathBuf::from(env!("CARGO_BIN_EXE_memscope")),
                type_source: type_source(),
            })
        }
        .expect("the engine starts");
        Mutex::new(Session::new(engine))
    });
    // A failed test must not fail the ones after it.
    session
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What the cell showed, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Out(String),
    Err(String),
    Display(DisplayRequest),
}

/// What a test does on seeing an output, as it comes.
pub type OnOutput = Box<dyn FnMut(&Seen)>;

/// Records what a cell produces; `on_output` can act on it as it comes
/// (interrupt when a cell says it runs).
#[derive(Default)]
pub struct Recorder {
    pub seen: Vec<Seen>,
    pub on_output: Option<OnOutput>,
    pub answers: Vec<String>,
}

impl Recorder {
    pub fn stdout(&self) -> String {
        let mut out = String::new();
        for seen in &self.seen {
            if let Seen::Out(text) = seen {
                out.push_str(text);
            }
        }
        out
    }

    fn see(&mut self, seen: Seen) {
        if let Some(act) = &mut self.on_output {
            act(&seen);
        }
        self.seen.push(seen);
    }
}

impl Observer for Recorder {
    fn stream(&mut self, kind: StreamKind, text: &str) {
        self.see(match kind {
            StreamKind::Stdout => Seen::Out(text.to_owned()),
            StreamKind::Stderr => Seen::Err(text.to_owned()),
        });
    }

    fn display(&mut self, request: DisplayRequest) {
        self.see(Seen::Display(request));
    }

    fn input(&mut self, _prompt: &str, _password: bool) -> Option<String> {
        self.answers.pop()
    }
}

/// Runs `cell` in the shared session.
pub fn run_with(session: &mut Session, cell: &str, recorder: &mut Recorder) -> CellReport {
    session.run(cell, 1, recorder)
}

/// What a failure looks like to someone reading a test's output: the
/// cell, the failure, and the code evcxr generated for it.
pub fn explain(session: &mut Session, cell: &str, what: &str) -> String {
    let source = session.last_source().unwrap_or_default();
    // The end holds the cell's own code; the start is evcxr's runtime.
    let lines: Vec<&str> = source.lines().collect();
    let tail = lines[lines.len().saturating_sub(60)..].join("\n");
    format!("cell:\n{cell}\n\n{what}\n\nlast generated source (its end):\n{tail}")
}

/// Runs a cell that must succeed; returns its value as text and what it
/// printed.
#[track_caller]
pub fn ok(cell: &str) -> (String, Recorder) {
    let mut session = session();
    let mut recorder = Recorder::default();
    let report = run_with(&mut session, cell, &mut recorder);
    match report.result {
        Ok(Ran { value, .. }) => {
            let text = value
                .iter()
                .find(|(mime, _)| mime == "text/plain")
                .map(|(_, text)| text.clone())
                .unwrap_or_default();
            (text, recorder)
        }
        Err(failure) => panic!("{}", explain(&mut session, cell, &format!("{failure:#?}"))),
    }
}

/// Runs a cell that must fail; returns how.
#[track_caller]
pub fn fails(cell: &str) -> Failure {
    fails_observed(cell, Recorder::default()).0
}

#[track_caller]
pub fn fails_observed(cell: &str, mut recorder: Recorder) -> (Failure, Recorder) {
    let mut session = session();
    let report = run_with(&mut session, cell, &mut recorder);
    match report.result {
        Err(failure) => (failure, recorder),
        Ok(ran) => {
            let what = format!("it ran: {ran:?}\nit showed: {:?}", recorder.seen);
            panic!("{}", explain(&mut session, cell, &what))
        }
    }
}

/// Runs the test `test_name` of this test binary again in a child process
/// with `env` added (a test that needs sessions of its own, or the same
/// cells in a new session, reads `env` to know it is the child); returns
/// what the child printed, after checking that it passed.
pub fn rerun_in_child(test_name: &str, env: &[(&str, &str)]) -> String {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .envs(env.iter().copied())
        .output()
        .expect("the child runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The lines a child printed after `marker` (libtest may print the test's
/// name on the same line first).
pub fn marked_lines<'a>(stdout: &'a str, marker: &str) -> Vec<&'a str> {
    stdout
        .lines()
        .filter_map(|line| line.split_once(marker))
        .map(|(_, rest)| rest)
        .collect()
}
