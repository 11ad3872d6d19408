//! A debug adapter that only shows variables: what JupyterLab's debugger
//! sidebar needs for its Variables panel, without a debugger behind it.
//!
//! JupyterLab speaks the Debug Adapter Protocol through `debug_request`
//! on the control channel. memscope cannot stop a compiled cell, but after
//! every cell it knows every variable's type and, for arrays, who owns,
//! views or aliases which buffer: the binary publishes that on a
//! [`VariablesBoard`], and this adapter answers `inspectVariables`,
//! `variables` and `richInspectVariables` from the latest one. JupyterLab
//! asks for the variables on every IOPub message of a running cell, so the
//! answer never waits for the cell: it reads what the last completed cell
//! left. Breakpoints are answered `verified: false` with the reason, and
//! every command that needs a real debugger fails with a clear message.
//!
//! Invariant: every request gets a response (`success` true or false),
//! built from the request and the board alone, in time independent of the
//! running cell; the board is swapped whole, so a response never mixes
//! two cells' variables.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use serde_json::{Value, json};

use crate::interpreter::{MimeBundle, MimeData};

/// One session variable, as the Variables panel lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableView {
    pub name: String,
    pub type_name: String,
    /// One line: for an array its role and layout, for a simple value
    /// (a number, a string) the value, else its type.
    pub value: String,
    /// What the entry expands into (an array's columns of the memory
    /// table), as `(name, value)`; empty for a leaf.
    pub fields: Vec<(String, String)>,
}

/// Renders one variable for "Render Variable"; `None` if it has no
/// rendering (not an array, or gone).
pub type RenderVariable = dyn Fn(&str) -> Option<MimeBundle> + Send + Sync;

/// What the last completed cell left: its variables, and how to render one.
#[derive(Clone)]
pub struct PublishedVariables {
    pub variables: Vec<VariableView>,
    pub render: Arc<RenderVariable>,
}

impl Default for PublishedVariables {
    fn default() -> Self {
        PublishedVariables {
            variables: Vec::new(),
            render: Arc::new(|_| None),
        }
    }
}

/// Where the interpreter publishes each cell's variables and the adapter
/// reads them: a reader holds the lock only to clone an `Arc`. Cheap to
/// clone; all clones see the same board.
#[derive(Clone, Default)]
pub struct VariablesBoard {
    latest: Arc<RwLock<(u64, Arc<PublishedVariables>)>>,
}

impl VariablesBoard {
    /// Replaces the variables shown, at once and whole.
    pub fn publish(&self, snapshot: PublishedVariables) {
        if let Ok(mut latest) = self.latest.write() {
            let generation = latest.0.wrapping_add(1);
            *latest = (generation, Arc::new(snapshot));
        }
    }

    /// The latest snapshot and its generation (how many were published).
    pub fn latest(&self) -> (u64, Arc<PublishedVariables>) {
        match self.latest.read() {
            Ok(latest) => (latest.0, latest.1.clone()),
            Err(_) => (0, Arc::new(PublishedVariables::default())),
        }
    }
}

/// What the adapter says that is the kernel's to say: the file names
/// JupyterLab's debugger derives from a cell's code (prefix, Murmur2 hash
/// of the code with the seed, suffix), and why it cannot stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebuggerInfo {
    pub hash_seed: u32,
    pub tmp_file_prefix: String,
    pub tmp_file_suffix: String,
    /// Said of every breakpoint and of every command that would stop.
    pub cannot_stop: String,
}

impl DebuggerInfo {
    /// `tmpFilePrefix` + Murmur2 of the code + `tmpFileSuffix`, as the
    /// debugger computes it on its side.
    pub fn cell_path(&self, code: &str) -> String {
        format!(
            "{}{}{}",
            self.tmp_file_prefix,
            murmur2(code.as_bytes(), self.hash_seed),
            self.tmp_file_suffix
        )
    }
}

/// Variables shown per snapshot with a reference of their own; more have
/// the same number of bits left for the generation.
const REFERENCE_INDEX_BITS: u32 = 16;
/// A value is cut to this many characters.
const VALUE_LIMIT: usize = 200;

/// The bodies of the responses JupyterLab reads, field for field.
mod body {
    use serde::Serialize;
    use serde_json::{Map, Value};

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct DebugInfo<'a> {
        pub is_started: bool,
        pub hash_method: &'static str,
        pub hash_seed: u32,
        pub tmp_file_prefix: &'a str,
        pub tmp_file_suffix: &'a str,
        pub breakpoints: [Value; 0],
        pub stopped_threads: [u64; 0],
        pub rich_rendering: bool,
        pub exception_paths: [String; 0],
        pub copy_to_globals: bool,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Capabilities {
        pub supports_configuration_done_request: bool,
        pub supports_function_breakpoints: bool,
        pub supports_conditional_breakpoints: bool,
        pub supports_evaluate_for_hovers: bool,
        pub supports_set_variable: bool,
        pub supports_modules_request: bool,
        pub supports_step_back: bool,
        pub supports_restart_frame: bool,
        pub supports_exception_info_request: bool,
        pub exception_breakpoint_filters: [Value; 0],
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Variable {
        pub name: String,
        pub value: String,
        #[serde(rename = "type")]
        pub type_name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub evaluate_name: Option<String>,
        pub variables_reference: u64,
    }

    #[derive(Serialize)]
    pub struct Variables {
        pub variables: Vec<Variable>,
    }

    #[derive(Serialize)]
    pub struct RichInspect {
        pub data: Map<String, Value>,
        pub metadata: Map<String, Value>,
    }

    #[derive(Serialize)]
    pub struct Breakpoint<'a> {
        pub verified: bool,
        pub message: &'a str,
    }

    #[derive(Serialize)]
    pub struct Breakpoints<'a> {
        pub breakpoints: Vec<Breakpoint<'a>>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct DumpCell {
        pub source_path: String,
    }

    #[derive(Serialize)]
    pub struct Threads {
        pub threads: [Value; 0],
    }

    #[derive(Serialize)]
    pub struct Empty {}
}

/// A body as the response carries it.
fn to_body(body: impl serde::Serialize) -> Value {
    // Serialising these plain structs cannot fail.
    serde_json::to_value(body).unwrap_or_default()
}

/// The adapter, shared by the control thread's handlers.
pub struct DebugAdapter {
    board: VariablesBoard,
    info: DebuggerInfo,
    started: AtomicBool,
    seq: AtomicU64,
}

impl DebugAdapter {
    pub fn new(board: VariablesBoard, info: DebuggerInfo) -> DebugAdapter {
        DebugAdapter {
            board,
            info,
            started: AtomicBool::new(false),
            seq: AtomicU64::new(0),
        }
    }

    /// The response to one DAP request (the content of a `debug_request`).
    pub fn answer(&self, request: &Value) -> Value {
        let command = request["command"].as_str().unwrap_or("");
        let arguments = &request["arguments"];
        let outcome = match command {
            "debugInfo" => Ok(self.debug_info()),
            "initialize" => Ok(to_body(body::Capabilities {
                supports_configuration_done_request: true,
                supports_function_breakpoints: false,
                supports_conditional_breakpoints: false,
                supports_evaluate_for_hovers: false,
                supports_set_variable: false,
                supports_modules_request: false,
                supports_step_back: false,
                supports_restart_frame: false,
                supports_exception_info_request: false,
                exception_breakpoint_filters: [],
            })),
            "attach" => {
                self.started.store(true, Ordering::SeqCst);
                Ok(to_body(body::Empty {}))
            }
            "configurationDone" => Ok(to_body(body::Empty {})),
            "disconnect" => {
                self.started.store(false, Ordering::SeqCst);
                Ok(to_body(body::Empty {}))
            }
            "inspectVariables" => Ok(self.inspect_variables()),
            "variables" => Ok(self.variables(arguments)),
            "richInspectVariables" => self.rich_inspect(arguments),
            "setBreakpoints" => Ok(self.set_breakpoints(arguments)),
            "dumpCell" => Ok(self.dump_cell(arguments)),
            "threads" => Ok(to_body(body::Threads { threads: [] })),
            "" => Err("a debug request needs a command".to_owned()),
            other => Err(format!("{other}: {}", self.info.cannot_stop)),
        };
        let (success, body, message) = match outcome {
            Ok(body) => (true, body, None),
            Err(message) => (false, json!({}), Some(message)),
        };
        let mut response = json!({
            "type": "response",
            "seq": self.seq.fetch_add(1, Ordering::SeqCst) + 1,
            "request_seq": request["seq"].clone(),
            "command": command,
            "success": success,
            "body": body,
        });
        if let Some(message) = message {
            response["message"] = json!(message);
        }
        response
    }

    fn debug_info(&self) -> Value {
        to_body(body::DebugInfo {
            is_started: self.started.load(Ordering::SeqCst),
            // JupyterLab throws on any other hash method.
            hash_method: "Murmur2",
            hash_seed: self.info.hash_seed,
            tmp_file_prefix: &self.info.tmp_file_prefix,
            tmp_file_suffix: &self.info.tmp_file_suffix,
            breakpoints: [],
            stopped_threads: [],
            rich_rendering: true,
            exception_paths: [],
            copy_to_globals: false,
        })
    }

    fn inspect_variables(&self) -> Value {
        let (generation, snapshot) = self.board.latest();
        let variables: Vec<body::Variable> = snapshot
            .variables
            .iter()
            .enumerate()
            .map(|(index, variable)| {
                let reference = if variable.fields.is_empty() {
                    0
                } else {
                    reference(generation, index)
                };
                // JupyterLab's tree view shows a variable's type, and its
                // value only for Python's int, float, bool and str: the
                // one line goes with the type there, or the tree would
                // show no role. The sidebar is narrow and cuts the line,
                // so an array's role comes first (its type is nearly
                // always the same `NpArray<…>`); a simple value follows
                // its type, as in a `let`.
                let shown_type = if variable.value == variable.type_name {
                    variable.type_name.clone()
                } else if variable.fields.is_empty() {
                    bounded(&format!("{} · {}", variable.type_name, variable.value))
                } else {
                    bounded(&format!("{} · {}", variable.value, variable.type_name))
                };
                body::Variable {
                    name: variable.name.clone(),
                    value: bounded(&variable.value),
                    type_name: shown_type,
                    evaluate_name: Some(variable.name.clone()),
                    variables_reference: reference,
                }
            })
            .collect();
        to_body(body::Variables { variables })
    }

    /// The fields of the variable a reference from the latest snapshot
    /// names; none for a reference of an older one (its cell is over).
    fn variables(&self, arguments: &Value) -> Value {
        let (generation, snapshot) = self.board.latest();
        let fields = arguments["variablesReference"]
            .as_u64()
            .and_then(|r| index_of(generation, r))
            .and_then(|index| snapshot.variables.get(index))
            .map(|variable| {
                variable
                    .fields
                    .iter()
                    .map(|(name, value)| {
                        // The tree shows the type of such an entry, not
                        // its value (see inspect_variables): the column's
                        // word is both.
                        body::Variable {
                            name: name.clone(),
                            value: bounded(value),
                            type_name: bounded(value),
                            evaluate_name: None,
                            variables_reference: 0,
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        to_body(body::Variables { variables: fields })
    }

    fn rich_inspect(&self, arguments: &Value) -> Result<Value, String> {
        let name = arguments["variableName"].as_str().unwrap_or("");
        let (_, snapshot) = self.board.latest();
        let Some(variable) = snapshot.variables.iter().find(|v| v.name == name) else {
            return Err(format!("no variable {name:?} in the session"));
        };
        let bundle = (snapshot.render)(name).unwrap_or_else(|| {
            let text = if variable.value == variable.type_name {
                format!("{}: {}", variable.name, variable.type_name)
            } else {
                format!(
                    "{}: {} = {}",
                    variable.name, variable.type_name, variable.value
                )
            };
            vec![("text/plain".to_owned(), MimeData::Text(text))]
        });
        let data: serde_json::Map<String, Value> = bundle
            .into_iter()
            .map(|(mime, data)| match data {
                MimeData::Json(text) => {
                    let value = serde_json::from_str(text.get()).unwrap_or(Value::Null);
                    (mime, value)
                }
                MimeData::Text(text) => (mime, Value::String(text)),
            })
            .collect();
        let metadata: serde_json::Map<String, Value> =
            data.keys().map(|k| (k.clone(), json!({}))).collect();
        Ok(to_body(body::RichInspect { data, metadata }))
    }

    /// Every breakpoint asked for, not verified, with the reason
    /// (JupyterLab draws it hollow).
    fn set_breakpoints(&self, arguments: &Value) -> Value {
        let asked = arguments["breakpoints"].as_array().map_or(0, Vec::len);
        let breakpoints = (0..asked)
            .map(|_| body::Breakpoint {
                verified: false,
                message: &self.info.cannot_stop,
            })
            .collect();
        to_body(body::Breakpoints { breakpoints })
    }

    /// The path JupyterLab's debugger gives the cell with this code.
    fn dump_cell(&self, arguments: &Value) -> Value {
        let code = arguments["code"].as_str().unwrap_or("");
        to_body(body::DumpCell {
            source_path: self.info.cell_path(code),
        })
    }
}

fn reference(generation: u64, index: usize) -> u64 {
    // Kept under 2^31 (JavaScript's clients store it as a number).
    let generation = generation % (1 << (31 - REFERENCE_INDEX_BITS));
    (generation << REFERENCE_INDEX_BITS) | (index as u64 + 1)
}

fn index_of(generation: u64, reference: u64) -> Option<usize> {
    let index = reference & ((1 << REFERENCE_INDEX_BITS) - 1);
    let expected = generation % (1 << (31 - REFERENCE_INDEX_BITS));
    (reference >> REFERENCE_INDEX_BITS == expected && index > 0).then(|| index as usize - 1)
}

fn bounded(value: &str) -> String {
    let line = value.lines().next().unwrap_or("");
    if line.chars().count() > VALUE_LIMIT || line.len() < value.len() {
        let cut: String = line.chars().take(VALUE_LIMIT).collect();
        format!("{cut}…")
    } else {
        line.to_owned()
    }
}

/// MurmurHash2, 32 bits (Austin Appleby's), over `data`.
pub fn murmur2(data: &[u8], seed: u32) -> u32 {
    const M: u32 = 0x5bd1_e995;
    let mut h = seed ^ data.len() as u32;
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> 24;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M) ^ k;
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        for (i, byte) in tail.iter().enumerate() {
            h ^= u32::from(*byte) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^ (h >> 15)
}
