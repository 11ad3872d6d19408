//! The Variables panel's debug requests without sockets: the sequence
//! JupyterLab 4 sends, each answered on control between busy and idle,
//! with the shapes JupyterLab reads; breakpoints refused with the reason;
//! unknown and malformed commands answered `success: false`.

#[allow(
    dead_code,
    reason = "shared with the other dispatcher tests, which use the rest"
)]
mod support;

use std::sync::Arc;

use jupyter_protocol::{DebugRequest, JupyterMessageContent};
use memscope_kernel::control::Control;
use memscope_kernel::debug::{
    DebugAdapter, DebuggerInfo, PublishedVariables, VariableView, VariablesBoard, murmur2,
};
use memscope_kernel::interpreter::Interrupter;
use memscope_kernel::interrupts::Interrupts;
use memscope_kernel::outbox::{Channel, Outbox};
use memscope_kernel::usage::UsageMeter;
use serde_json::{Value, json};
use support::{channels, drain, execution_state, identity, inbound, kinds};

struct NoInterrupts;

impl Interrupter for NoInterrupts {
    fn interrupt(&self) {}
}

struct Harness {
    control: Control,
    out: crossbeam_channel::Receiver<memscope_kernel::outbox::Outgoing>,
    board: VariablesBoard,
    seq: std::cell::Cell<u64>,
}

/// The kernel's strings, as a test kernel would give them.
fn debugger_info() -> DebuggerInfo {
    DebuggerInfo {
        hash_seed: 0x6d73_6370,
        tmp_file_prefix: "/testkernel/cell-".into(),
        tmp_file_suffix: ".rs".into(),
        cannot_stop: "the test kernel cannot stop".into(),
    }
}

fn harness() -> Harness {
    let (outbox, out) = Outbox::new();
    let board = VariablesBoard::default();
    Harness {
        control: Control {
            outbox,
            identity: identity(),
            interrupts: Interrupts::new(Arc::new(NoInterrupts)),
            debugger: Arc::new(DebugAdapter::new(board.clone(), debugger_info())),
            usage: UsageMeter::new(),
        },
        out,
        board,
        seq: std::cell::Cell::new(0),
    }
}

impl Harness {
    /// Sends one DAP request; checks busy, a debug_reply on control, idle;
    /// returns the response.
    fn ask(&self, command: &str, arguments: Value) -> Value {
        self.seq.set(self.seq.get() + 1);
        let request = inbound(JupyterMessageContent::DebugRequest(DebugRequest {
            content: json!({"type": "request", "seq": self.seq.get(), "command": command, "arguments": arguments}),
        }));
        let id = request.message.header.msg_id.clone();
        assert_eq!(self.control.handle(&request), None);
        let sent = drain(&self.out, &id);
        assert_eq!(kinds(&sent), ["status", "debug_reply", "status"]);
        assert_eq!(
            channels(&sent),
            [Channel::Iopub, Channel::Control, Channel::Iopub]
        );
        assert_eq!(execution_state(&sent[0].2), "busy");
        assert_eq!(execution_state(&sent[2].2), "idle");
        let response = serde_json::to_value(&sent[1].2.content).unwrap();
        assert_eq!(response["type"], "response");
        assert_eq!(response["command"], command);
        assert_eq!(response["request_seq"], self.seq.get());
        response
    }
}

fn arrays() -> PublishedVariables {
    PublishedVariables {
        variables: vec![
            VariableView {
                name: "n".into(),
                type_name: "i32".into(),
                value: "7".into(),
                fields: vec![],
            },
            VariableView {
                name: "v".into(),
                type_name: "NpArray<f64>".into(),
                value: "view of x, [5] strides [2], 40 B".into(),
                fields: vec![
                    ("role".into(), "view".into()),
                    ("base / alias of".into(), "view of x".into()),
                ],
            },
            VariableView {
                name: "settings".into(),
                type_name: "Settings".into(),
                value: "Settings".into(),
                fields: vec![],
            },
        ],
        render: Arc::new(|name| {
            (name == "v").then(|| vec![("text/html".into(), "<table>v</table>".into())])
        }),
    }
}

#[test]
fn jupyterlabs_sequence_gets_the_answers_it_reads() {
    let h = harness();
    h.board.publish(arrays());

    let info = h.ask("debugInfo", json!({}));
    assert_eq!(info["success"], true);
    let body = &info["body"];
    assert_eq!(
        body["hashMethod"], "Murmur2",
        "JupyterLab throws on anything else"
    );
    assert_eq!(body["isStarted"], false);
    assert_eq!(body["breakpoints"], json!([]));
    assert_eq!(body["stoppedThreads"], json!([]));
    assert_eq!(body["richRendering"], true);
    assert!(
        body["hashSeed"].is_u64()
            && body["tmpFilePrefix"].is_string()
            && body["tmpFileSuffix"] == ".rs"
    );

    let init = h.ask(
        "initialize",
        json!({"clientID": "jupyterlab", "adapterID": "memscope"}),
    );
    assert_eq!(init["success"], true);
    assert_eq!(init["body"]["exceptionBreakpointFilters"], json!([]));
    assert_eq!(init["body"]["supportsModulesRequest"], false);
    assert_eq!(h.ask("attach", json!({}))["success"], true);
    assert_eq!(
        h.ask("debugInfo", json!({}))["body"]["isStarted"],
        true,
        "attached"
    );
    assert_eq!(h.ask("configurationDone", json!({}))["success"], true);

    let listed = h.ask("inspectVariables", json!({}));
    let variables = listed["body"]["variables"].as_array().unwrap();
    assert_eq!(variables.len(), 3);
    assert_eq!(variables[0]["name"], "n");
    assert_eq!(variables[0]["value"], "7");
    assert_eq!(
        variables[0]["type"], "i32 · 7",
        "a simple value follows its type"
    );
    assert_eq!(variables[2]["type"], "Settings", "no value: the type alone");
    assert_eq!(
        variables[0]["variablesReference"], 0,
        "a leaf does not expand"
    );
    assert_eq!(variables[1]["value"], "view of x, [5] strides [2], 40 B");
    assert_eq!(
        variables[1]["type"], "view of x, [5] strides [2], 40 B · NpArray<f64>",
        "JupyterLab's tree shows the type only"
    );
    let reference = variables[1]["variablesReference"].as_u64().unwrap();
    assert!(reference > 0 && reference < 1 << 31);

    let fields = h.ask("variables", json!({"variablesReference": reference}));
    let fields = fields["body"]["variables"].as_array().unwrap();
    assert_eq!(fields.len(), 2);
    assert_eq!(
        (fields[0]["name"].as_str(), fields[0]["value"].as_str()),
        (Some("role"), Some("view"))
    );

    let rich = h.ask("richInspectVariables", json!({"variableName": "v"}));
    assert_eq!(rich["success"], true);
    assert_eq!(rich["body"]["data"]["text/html"], "<table>v</table>");
    assert_eq!(rich["body"]["metadata"]["text/html"], json!({}));
    let plain = h.ask("richInspectVariables", json!({"variableName": "n"}));
    assert_eq!(plain["body"]["data"]["text/plain"], "n: i32 = 7");
    let opaque = h.ask("richInspectVariables", json!({"variableName": "settings"}));
    assert_eq!(opaque["body"]["data"]["text/plain"], "settings: Settings");
    let missing = h.ask("richInspectVariables", json!({"variableName": "nope"}));
    assert_eq!(missing["success"], false);
    assert!(missing["message"].as_str().unwrap().contains("nope"));

    assert_eq!(h.ask("disconnect", json!({}))["success"], true);
    assert_eq!(h.ask("debugInfo", json!({}))["body"]["isStarted"], false);
}

#[test]
fn a_reference_from_an_earlier_cell_expands_into_nothing() {
    let h = harness();
    h.board.publish(arrays());
    let listed = h.ask("inspectVariables", json!({}));
    let reference = listed["body"]["variables"][1]["variablesReference"].clone();
    h.board.publish(arrays()); // a cell ran meanwhile
    let fields = h.ask("variables", json!({"variablesReference": reference}));
    assert_eq!(fields["body"]["variables"], json!([]));
}

#[test]
fn values_are_one_bounded_line() {
    let h = harness();
    h.board.publish(PublishedVariables {
        variables: vec![VariableView {
            name: "long".into(),
            type_name: "String".into(),
            value: format!("{}\nsecond line", "x".repeat(500)),
            fields: vec![],
        }],
        ..PublishedVariables::default()
    });
    let listed = h.ask("inspectVariables", json!({}));
    let value = listed["body"]["variables"][0]["value"].as_str().unwrap();
    assert!(
        value.chars().count() <= 201 && value.ends_with('…'),
        "{value}"
    );
}

#[test]
fn breakpoints_are_refused_with_the_reason_and_cells_get_their_path() {
    let h = harness();
    let set = h.ask(
        "setBreakpoints",
        json!({"source": {"path": debugger_info().cell_path("let a = 1;")}, "breakpoints": [{"line": 1}, {"line": 2}]}),
    );
    assert_eq!(set["success"], true);
    let breakpoints = set["body"]["breakpoints"].as_array().unwrap();
    assert_eq!(breakpoints.len(), 2);
    for breakpoint in breakpoints {
        assert_eq!(breakpoint["verified"], false);
        assert!(
            breakpoint["message"]
                .as_str()
                .unwrap()
                .contains("cannot stop")
        );
    }
    let dumped = h.ask("dumpCell", json!({"code": "let a = 1;"}));
    assert_eq!(
        dumped["body"]["sourcePath"],
        debugger_info().cell_path("let a = 1;")
    );
    let info = h.ask("debugInfo", json!({}));
    let seed = u32::try_from(info["body"]["hashSeed"].as_u64().unwrap()).unwrap();
    let expected = format!(
        "{}{}{}",
        info["body"]["tmpFilePrefix"].as_str().unwrap(),
        murmur2(b"let a = 1;", seed),
        info["body"]["tmpFileSuffix"].as_str().unwrap()
    );
    assert_eq!(
        debugger_info().cell_path("let a = 1;"),
        expected,
        "the path follows debugInfo's hash parameters"
    );
}

#[test]
fn commands_a_debugger_would_need_fail_clearly() {
    let h = harness();
    for command in ["continue", "stackTrace", "evaluate", "next"] {
        let response = h.ask(command, json!({}));
        assert_eq!(response["success"], false, "{command}");
        // In the kernel's words, which the adapter was given.
        assert_eq!(
            response["message"],
            format!("{command}: {}", debugger_info().cannot_stop),
            "{command}"
        );
    }
    let nameless = h.ask("", json!({}));
    assert_eq!(nameless["success"], false);
}

#[test]
fn murmur2_matches_the_reference_values() {
    // As ipykernel's `murmur2_x86` computes them (over UTF-8), every tail
    // length included.
    assert_eq!(murmur2(b"", 0), 0);
    assert_eq!(murmur2(b"", 1), 0x5bd1_5e36);
    assert_eq!(murmur2(b"a", 0), 0x9268_5f5e);
    assert_eq!(murmur2(b"abcd", 0x9747_b28c), 0xb11a_b5f4);
    assert_eq!(murmur2(b"let a = 1;", 0x6d73_6370), 0x0dc8_0c14);
    assert_eq!(murmur2("héllo wörld".as_bytes(), 42), 0xf514_f5e7);
}
