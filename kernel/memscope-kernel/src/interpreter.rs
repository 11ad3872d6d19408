//! What the dispatcher needs from a language: the [`Interpreter`] trait and
//! the plain types that cross it.
//!
//! Invariant: nothing here mentions Jupyter messages or sockets. An
//! interpreter reports output through [`CellIo`] while a cell runs and
//! returns a [`CellOutcome`]; broken user code is an outcome, never a panic
//! or an `Err` of the kernel.

use std::sync::Arc;

/// A mime bundle: `(mime type, data)` pairs.
pub type MimeBundle = Vec<(String, MimeData)>;

/// One representation in a bundle.
#[derive(Debug, Clone)]
pub enum MimeData {
    /// Text, or base64 for binary data; under a JSON mime type, JSON text
    /// as a cell prints it, checked on the way out.
    Text(String),
    /// JSON the interpreter wrote itself, so known to be valid: written on
    /// the wire as it is (see [`crate::media`]).
    Json(Box<serde_json::value::RawValue>),
}

impl PartialEq for MimeData {
    fn eq(&self, other: &MimeData) -> bool {
        match (self, other) {
            (MimeData::Text(a), MimeData::Text(b)) => a == b,
            (MimeData::Json(a), MimeData::Json(b)) => a.get() == b.get(),
            _ => false,
        }
    }
}

impl Eq for MimeData {}

impl From<String> for MimeData {
    fn from(text: String) -> MimeData {
        MimeData::Text(text)
    }
}

impl From<&str> for MimeData {
    fn from(text: &str) -> MimeData {
        MimeData::Text(text.to_owned())
    }
}

/// What the kernel says of itself and its language (`kernel_info`): the
/// interpreter's to say, so the dispatcher knows no language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelIdentity {
    pub implementation: String,
    pub implementation_version: String,
    pub language: String,
    pub language_version: String,
    pub mimetype: String,
    pub file_extension: String,
    pub pygments_lexer: String,
    pub codemirror_mode: String,
    /// What a console prints on connecting.
    pub banner: String,
    /// `(text, url)` pairs for the front end's help menu.
    pub help_links: Vec<(String, String)>,
}

/// Which output stream a chunk of text belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamName {
    Stdout,
    Stderr,
}

/// A rich output that a cell asked to show (`display_data`), or to show
/// instead of an earlier one (`update_display_data`, which needs the id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Display {
    /// A new output; with an id, a later [`Display::Update`] can replace it.
    Show {
        data: MimeBundle,
        id: Option<String>,
    },
    /// Replaces the output shown under `id`.
    Update { data: MimeBundle, id: String },
}

/// Why a cell's request for input could not be answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputUnavailable {
    /// The client said it cannot answer input requests.
    NotAllowed,
    /// The request was interrupted or the client went away.
    Cancelled,
}

/// The channel through which a running cell reports what it produces.
/// Calls arrive in the order the cell produced them.
pub trait CellIo {
    fn stream(&mut self, name: StreamName, text: &str);
    fn display(&mut self, display: Display);
    fn clear_output(&mut self, wait: bool);
    fn input(&mut self, prompt: &str, password: bool) -> Result<String, InputUnavailable>;
}

/// How a cell ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellOutcome {
    Ok {
        /// The value of the cell's trailing expression, if any.
        result: MimeBundle,
        /// Text meant for the pager (help), shown beside the notebook.
        page: Option<MimeBundle>,
        /// Displays that follow the result (memscope's memory table).
        after: Vec<MimeBundle>,
    },
    Error(CellError),
}

/// A failed cell, in the shape every Jupyter front end shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// A short class name: `CompileError`, `Panic`, `Interrupted`, ...
    pub ename: String,
    /// One line saying what went wrong.
    pub evalue: String,
    /// The full report, one entry per line.
    pub traceback: Vec<String>,
}

/// Completions for the text around a cursor. Offsets are byte offsets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completions {
    pub matches: Vec<String>,
    /// What each match is (`function`, `class`, `module`, ...), one per
    /// match, for JupyterLab's completer; empty if unknown.
    pub kinds: Vec<String>,
    /// A signature or type to show beside each match, one per match (each
    /// may be missing); empty if unknown.
    pub signatures: Vec<Option<String>>,
    pub start: usize,
    pub end: usize,
}

/// Whether a piece of code is ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completeness {
    Complete,
    /// More input is needed; the string is the indent for the next line.
    Incomplete(String),
    Invalid,
}

/// Stops whatever the interpreter is running; callable from another thread.
pub trait Interrupter: Send + Sync {
    fn interrupt(&self);
    /// A request is about to be announced busy: from here on an interrupt
    /// is for it, and one that came earlier (while the kernel was idle or
    /// busy with another request) is forgotten.
    fn request_started(&self) {}
}

/// A language that runs cells.
pub trait Interpreter: Send {
    /// Runs a cell. `execution_count` numbers the non-silent cells this
    /// kernel ran, from 1: Jupyter's execution count when cells are stored
    /// in history (as notebook front ends do), and the same numbers for
    /// tools that run a notebook without storing history (nbval), so that
    /// outputs which show it compare equal.
    fn execute(&mut self, code: &str, execution_count: usize, io: &mut dyn CellIo) -> CellOutcome;
    /// `cursor` is a byte offset into `code`.
    fn complete(&mut self, code: &str, cursor: usize) -> Completions;
    /// Documentation for the name at `cursor` (a byte offset), if any; at
    /// `detail_level` 1 or more, with what the kernel knows beyond it.
    fn inspect(&mut self, code: &str, cursor: usize, detail_level: u8) -> Option<MimeBundle>;
    fn is_complete(&self, code: &str) -> Completeness;
    fn interrupter(&self) -> Arc<dyn Interrupter>;
    /// What `kernel_info` says; asked once, when the kernel starts.
    fn identity(&self) -> KernelIdentity;
}

/// A kernel picks its interpreter at start-up (the engine, or one that
/// explains why the engine could not start).
impl Interpreter for Box<dyn Interpreter> {
    fn execute(&mut self, code: &str, execution_count: usize, io: &mut dyn CellIo) -> CellOutcome {
        (**self).execute(code, execution_count, io)
    }
    fn complete(&mut self, code: &str, cursor: usize) -> Completions {
        (**self).complete(code, cursor)
    }
    fn inspect(&mut self, code: &str, cursor: usize, detail_level: u8) -> Option<MimeBundle> {
        (**self).inspect(code, cursor, detail_level)
    }
    fn is_complete(&self, code: &str) -> Completeness {
        (**self).is_complete(code)
    }
    fn interrupter(&self) -> Arc<dyn Interrupter> {
        (**self).interrupter()
    }
    fn identity(&self) -> KernelIdentity {
        (**self).identity()
    }
}
