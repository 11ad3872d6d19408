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

use serde_json::{json, Value};

use crate::interpreter::MimeBundle;

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
pub struct VariablesSnapshot {
    pub variables: Vec<VariableView>,
    pub render: Arc<RenderVariable>,
}

impl Default for VariablesSnapshot {
    fn default() -> Self {
        VariablesSnapshot {
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
    latest: Arc<RwLock<(u64, Arc<VariablesSnapshot>)>>,
}

impl VariablesBoard {
    /// Replaces the variables shown, at once and whole.
    pub fn publish(&self, snapshot: VariablesSnapshot) {
        if let Ok(mut latest) = self.latest.write() {
            let generation = latest.0.wrapping_add(1);
            *latest = (generation, Arc::new(snapshot));
        }
    }

    /// The latest snapshot and its generation (how many were published).
    pub fn latest(&self) -> (u64, Arc<VariablesSnapshot>) {
        match self.latest.read() {
            Ok(latest) => (latest.0, latest.1.clone()),
            Err(_) => (0, Arc::new(VariablesSnapshot::default())),
        }
    }
}

/// The file names JupyterLab's debugger derives from a cell's code:
/// prefix, Murmur2 hash of the code with this seed, suffix.
const HASH_SEED: u32 = 0x6d73_6370;
const TMP_FILE_PREFIX: &str = "/memscope/cell-";
const TMP_FILE_SUFFIX: &str = ".rs";
/// Variables shown per snapshot with a reference of their own; more have
/// the same number of bits left for the generation.
const REFERENCE_INDEX_BITS: u32 = 16;
/// A value is cut to this many characters.
const VALUE_LIMIT: usize = 200;

const CANNOT_STOP: &str =
    "memscope cannot stop in compiled cells: its debugger only shows variables";

/// The adapter, shared by the control thread's handlers.
pub struct DebugAdapter {
    board: VariablesBoard,
    started: AtomicBool,
    seq: AtomicU64,
}

impl DebugAdapter {
    pub fn new(board: VariablesBoard) -> DebugAdapter {
        DebugAdapter {
            board,
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
            "initialize" => Ok(json!({
                "supportsConfigurationDoneRequest": true,
                "supportsFunctionBreakpoints": false,
                "supportsConditionalBreakpoints": false,
                "supportsEvaluateForHovers": false,
                "supportsSetVariable": false,
                "supportsModulesRequest": false,
                "supportsStepBack": false,
                "supportsRestartFrame": false,
                "supportsExceptionInfoRequest": false,
                "exceptionBreakpointFilters": [],
            })),
            "attach" => {
                self.started.store(true, Ordering::SeqCst);
                Ok(json!({}))
            }
            "configurationDone" => Ok(json!({})),
            "disconnect" => {
                self.started.store(false, Ordering::SeqCst);
                Ok(json!({}))
            }
            "inspectVariables" => Ok(self.inspect_variables()),
            "variables" => Ok(self.variables(arguments)),
            "richInspectVariables" => self.rich_inspect(arguments),
            "setBreakpoints" => Ok(set_breakpoints(arguments)),
            "dumpCell" => Ok(dump_cell(arguments)),
            "threads" => Ok(json!({"threads": []})),
            "" => Err("a debug request needs a command".to_owned()),
            other => Err(format!("{other}: {CANNOT_STOP}")),
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
        json!({
            "isStarted": self.started.load(Ordering::SeqCst),
            // JupyterLab throws on any other hash method.
            "hashMethod": "Murmur2",
            "hashSeed": HASH_SEED,
            "tmpFilePrefix": TMP_FILE_PREFIX,
            "tmpFileSuffix": TMP_FILE_SUFFIX,
            "breakpoints": [],
            "stoppedThreads": [],
            "richRendering": true,
            "exceptionPaths": [],
            "copyToGlobals": false,
        })
    }

    fn inspect_variables(&self) -> Value {
        let (generation, snapshot) = self.board.latest();
        let variables: Vec<Value> = snapshot
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
                json!({
                    "name": variable.name,
                    "value": bounded(&variable.value),
                    "type": shown_type,
                    "evaluateName": variable.name,
                    "variablesReference": reference,
                })
            })
            .collect();
        json!({ "variables": variables })
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
                        json!({
                            "name": name,
                            "value": bounded(value),
                            "type": bounded(value),
                            "variablesReference": 0,
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        json!({ "variables": fields })
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
            vec![("text/plain".to_owned(), text)]
        });
        let data: serde_json::Map<String, Value> = bundle
            .into_iter()
            .map(|(mime, text)| {
                let value = match mime.ends_with("json") {
                    true => serde_json::from_str(&text).unwrap_or(Value::String(text)),
                    false => Value::String(text),
                };
                (mime, value)
            })
            .collect();
        let metadata: serde_json::Map<String, Value> =
            data.keys().map(|k| (k.clone(), json!({}))).collect();
        Ok(json!({ "data": data, "metadata": metadata }))
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

/// Every breakpoint asked for, not verified, with the reason (JupyterLab
/// draws it hollow).
fn set_breakpoints(arguments: &Value) -> Value {
    let asked = arguments["breakpoints"].as_array().map_or(0, Vec::len);
    let breakpoints: Vec<Value> = (0..asked)
        .map(|_| json!({"verified": false, "message": CANNOT_STOP}))
        .collect();
    json!({ "breakpoints": breakpoints })
}

/// The path JupyterLab's debugger gives the cell with this code.
fn dump_cell(arguments: &Value) -> Value {
    let code = arguments["code"].as_str().unwrap_or("");
    json!({ "sourcePath": cell_path(code) })
}

/// `tmpFilePrefix` + Murmur2 of the code + `tmpFileSuffix`, as the debugger
/// computes it on its side.
pub fn cell_path(code: &str) -> String {
    format!(
        "{TMP_FILE_PREFIX}{}{TMP_FILE_SUFFIX}",
        murmur2(code.as_bytes(), HASH_SEED)
    )
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
