//! The engine's API types: how it is configured, what it reports while a
//! cell runs, how a cell ends, and completions.

use std::path::PathBuf;
use std::time::Duration;

use memscope_cell_abi::{ArrayFacts, DisplayRequest, MimeBundle};

use crate::diagnostics::Diagnostic;

/// Which output stream text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    Stdout,
    Stderr,
}

/// Something the running cell produced, in order: exactly what the
/// observer is to show or keep. (Panics and a snapshot carrying on are
/// the engine's to turn into the cell's result.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Stream(StreamKind, String),
    /// A display, update or clear request from the prelude.
    Display(DisplayRequest),
    /// The layout of every array the variables hold, by path (`a`,
    /// `layers[1]`), sent after the cell returned and before its result.
    Memory(Vec<(String, ArrayFacts)>),
    /// What the table cannot show, sent just before `Memory`: variables of
    /// the notebook's own types without `Arrays` (name, type), and arrays
    /// past the report's limit (variable, count, whether fully counted).
    Unseen {
        opaque: Vec<(String, String)>,
        beyond_limit: Vec<(String, usize, bool)>,
    },
    /// A one-line value of each variable simple enough to show (numbers,
    /// `bool`, `char`, strings, `Option`s of them), as `(name, value)`;
    /// sent just before `Memory`.
    Values(Vec<(String, String)>),
    /// cargo started compiling this crate (`ndarray v0.17.2`) for the cell.
    Compiling(String),
}

/// How a cell ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellResult {
    /// It ran; `value` is its trailing expression (empty if none), `page`
    /// is help text meant for a pager.
    Ran {
        value: MimeBundle,
        page: Option<MimeBundle>,
        /// Where its time went, when the user asked (`:timing`).
        timing: Option<CellTiming>,
    },
    /// rustc rejected it; nothing ran and no state changed.
    CompileError(Vec<Diagnostic>),
    /// It panicked; variables defined by earlier cells survive.
    Panicked { message: String, location: String },
    /// It was interrupted.
    Interrupted { recovery: Recovery },
    /// The process running it ended (exit, abort, crash).
    ProcessDied { detail: String, recovery: Recovery },
    /// evcxr refused the cell for another reason (bad command, ...).
    Failed(String),
}

/// Where a cell's time went, from evcxr's phases: its compiles (rustc,
/// linking included: rustc links the cell's library itself, through our
/// binary, which times it), running it, and the rest (evcxr's own work: reading the cell, writing its crate,
/// the cell cache). Cells never wait for rust-analyzer: types come from
/// rustc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CellTiming {
    /// Every compile, linking included.
    pub compile: Duration,
    /// Of `compile`, linking the cell's library, when it was timed (a
    /// cell the cell cache served was not linked).
    pub link: Option<Duration>,
    /// How many times rustc ran: more than once when evcxr compiled again
    /// to settle a variable's type or to show the value another way.
    pub compiles: usize,
    pub run: Duration,
    pub total: Duration,
}

impl CellTiming {
    /// Splits `total` by evcxr's phases: `Execution` is the run, every
    /// other phase ends with a compile.
    pub fn from_phases<'a>(
        phases: impl IntoIterator<Item = (&'a str, Duration)>,
        total: Duration,
    ) -> CellTiming {
        let mut timing = CellTiming {
            total,
            ..CellTiming::default()
        };
        for (name, took) in phases {
            if name == "Execution" {
                timing.run += took;
            } else {
                timing.compile += took;
                timing.compiles += 1;
            }
        }
        timing
    }

    /// What is neither compiling nor running.
    pub fn other(&self) -> Duration {
        self.total.saturating_sub(self.compile + self.run)
    }
}

/// The observer of a running cell.
pub trait CellObserver {
    fn event(&mut self, event: Event);
    /// Asks the user for a line; `None` when nobody can answer.
    fn input(&mut self, prompt: &str, password: bool) -> Option<String>;
}

/// How the session went on after the process running a cell ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// The cell never ran (it was stopped while compiling): nothing changed.
    Untouched,
    /// The copy of the process taken before the cell carried on: every
    /// variable defined before the cell is kept.
    CarriedOn,
    /// There was no copy (the session had started threads of its own): the
    /// cell process was restarted and these variables were lost.
    Restarted { lost_variables: Vec<String> },
}

/// Where the engine keeps things and what every session starts with.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Persistent cache; build folders live in `cache_dir/build`.
    pub cache_dir: PathBuf,
    /// The `memscope-prelude` crate, linked into every cell.
    pub prelude_dir: PathBuf,
    /// The lock file the cell crate is built with (see
    /// `build_dir::use_lock_file`); cargo resolves afresh without one.
    pub cell_lock: Option<PathBuf>,
    /// The most the cache of compiled cells (`cache_dir/cells`) may hold;
    /// 0 switches it off.
    pub cell_cache_bytes: u64,
    /// The program evcxr starts as the cell process: one that calls
    /// `cell_process::enter_if_cell_process` first (the kernel's own
    /// binary; the engine's tests name it too).
    pub cell_process: PathBuf,
    /// Where the types of a cell's new variables come from.
    pub type_source: TypeSource,
    /// Whether a cell whose build inputs did not change since cargo's last
    /// build is compiled by running rustc as cargo ran it then (evcxr patch
    /// 0009): cargo's own work is tens of milliseconds of every cell.
    pub direct_rustc: bool,
}

/// Where the types of a cell's new variables come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TypeSource {
    /// rustc, which compiles the cell and reports them as it runs: no cell
    /// waits for rust-analyzer (what kernels use).
    #[default]
    Compiler,
    /// rust-analyzer, before the cell compiles (evcxr's way; the engine
    /// tier compares the two).
    RustAnalyzer,
}

/// Completions around a cursor; offsets are bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompletionSet {
    pub matches: Vec<String>,
    /// What each match is, in Jupyter's words (`function`, `class`,
    /// `module`, `instance`, `keyword`, `magic`), one per match.
    pub kinds: Vec<&'static str>,
    /// What rust-analyzer says beside each match (a function's signature,
    /// a value's type; a command's description), one per match.
    pub details: Vec<Option<String>>,
    pub start: usize,
    pub end: usize,
}
