//! The dispatcher without sockets: requests go in, the messages that come
//! out are read back in order. A scripted interpreter stands in for Rust.

use std::sync::Arc;

use jupyter_protocol::{
    ExecuteRequest, HistoryRequest, IsCompleteRequest, JupyterMessage, JupyterMessageContent,
    ReplyStatus, UnknownMessage,
};
use memscope_kernel::identity::KernelIdentity;
use memscope_kernel::interpreter::{
    CellError, CellIo, CellOutcome, Completeness, Completions, Display, Interpreter, Interrupter,
    MimeBundle, StreamName,
};
use memscope_kernel::shell::Shell;
use memscope_protocol::transport::{Channel, Inbound, Outbox, Outgoing};

/// Runs cells by a tiny script: `print X` prints, `fail` fails, `show`
/// displays HTML, anything else evaluates to itself.
struct Scripted;

struct NoInterrupt;
impl Interrupter for NoInterrupt {
    fn interrupt(&self) {}
}

impl Interpreter for Scripted {
    fn execute(&mut self, code: &str, count: usize, io: &mut dyn CellIo) -> CellOutcome {
        if let Some(text) = code.strip_prefix("print ") {
            io.stream(StreamName::Stdout, &format!("{text}\n"));
            return CellOutcome::Ok {
                result: vec![],
                page: None,
                after: vec![],
            };
        }
        if code == "fail" {
            return CellOutcome::Error(CellError {
                ename: "CompileError".into(),
                evalue: "mismatched types".into(),
                traceback: vec!["error[E0308]: mismatched types".into()],
            });
        }
        if code == "show" {
            io.display(Display {
                data: vec![("text/html".into(), "<b>x</b>".into())],
                display_id: None,
                update: false,
            });
        }
        // A cell named "table" is followed by a display of its count, as
        // memscope's memory table follows every cell.
        let after = if code == "table" {
            vec![vec![(
                "text/plain".into(),
                format!("table of cell {count}"),
            )]]
        } else {
            vec![]
        };
        CellOutcome::Ok {
            result: vec![("text/plain".into(), code.to_owned())],
            page: None,
            after,
        }
    }
    fn complete(&mut self, _: &str, _: usize) -> Completions {
        Completions::default()
    }
    fn inspect(&mut self, _: &str, _: usize) -> Option<MimeBundle> {
        None
    }
    fn is_complete(&self, code: &str) -> Completeness {
        if code.ends_with('{') {
            Completeness::Incomplete("    ".into())
        } else {
            Completeness::Complete
        }
    }
    fn interrupter(&self) -> Arc<dyn Interrupter> {
        Arc::new(NoInterrupt)
    }
}

struct Harness {
    shell: Shell<Scripted>,
    out: tokio::sync::mpsc::UnboundedReceiver<Outgoing>,
}

fn harness() -> Harness {
    let (outbox, out) = Outbox::for_testing();
    let (_stdin_tx, stdin) = crossbeam_channel::unbounded();
    let (_int_tx, interrupts) = crossbeam_channel::unbounded();
    let identity = KernelIdentity {
        rustc_version: "1.95.0".into(),
        implementation_version: "0.1.0".into(),
    };
    Harness {
        shell: Shell::new(Scripted, outbox, stdin, interrupts, identity),
        out,
    }
}

fn execute(code: &str) -> ExecuteRequest {
    ExecuteRequest {
        code: code.into(),
        silent: false,
        store_history: true,
        user_expressions: None,
        allow_stdin: false,
        stop_on_error: true,
    }
}

fn inbound(content: impl Into<JupyterMessageContent>) -> Inbound {
    Inbound {
        message: JupyterMessage::new(content.into(), None),
        problem: None,
    }
}

impl Harness {
    /// Handles one request and returns `(channel, msg_type)` of everything
    /// sent, checking that each message is parented to the request.
    fn send(&mut self, request: Inbound) -> Vec<(Channel, String, JupyterMessage)> {
        let id = request.message.header.msg_id.clone();
        self.shell.handle(&request);
        self.drain(&id)
    }

    fn drain(&mut self, parent: &str) -> Vec<(Channel, String, JupyterMessage)> {
        let mut sent = Vec::new();
        while let Ok(Outgoing::Message(channel, message)) = self.out.try_recv() {
            assert_eq!(
                message.parent_header.as_ref().map(|h| h.msg_id.as_str()),
                Some(parent),
                "{} not parented to the request",
                message.header.msg_type
            );
            sent.push((channel, message.header.msg_type.clone(), message));
        }
        sent
    }
}

fn kinds(sent: &[(Channel, String, JupyterMessage)]) -> Vec<String> {
    sent.iter().map(|(_, t, _)| t.clone()).collect()
}

fn status_of(message: &JupyterMessage) -> String {
    serde_json::to_value(&message.content).unwrap()["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn execute_publishes_in_protocol_order() {
    let mut h = harness();
    let sent = h.send(inbound(execute("print hi")));
    assert_eq!(
        kinds(&sent),
        [
            "status",
            "execute_input",
            "stream",
            "execute_reply",
            "status"
        ]
    );
    assert_eq!(sent[3].0, Channel::Shell);
    let sent = h.send(inbound(execute("show")));
    assert_eq!(
        kinds(&sent),
        [
            "status",
            "execute_input",
            "display_data",
            "execute_result",
            "execute_reply",
            "status"
        ]
    );
}

#[test]
fn displays_that_follow_a_cell_come_after_its_result() {
    let mut h = harness();
    let sent = h.send(inbound(execute("table")));
    assert_eq!(
        kinds(&sent),
        [
            "status",
            "execute_input",
            "execute_result",
            "display_data",
            "execute_reply",
            "status"
        ]
    );
    match &sent[3].2.content {
        JupyterMessageContent::DisplayData(d) => {
            let text = serde_json::to_value(&d.data).unwrap();
            assert_eq!(text["text/plain"], "table of cell 1");
        }
        other => panic!("{other:?}"),
    }
    let mut silent = execute("table");
    silent.silent = true;
    assert_eq!(
        kinds(&h.send(inbound(silent))),
        ["status", "execute_reply", "status"]
    );
}

/// nbval runs every cell with `store_history: false`; the number a cell
/// shows in its outputs must still be the one a notebook run gave it.
#[test]
fn cells_run_without_history_are_numbered_like_a_notebook_run() {
    let mut h = harness();
    for expected in ["table of cell 1", "table of cell 2"] {
        let mut unstored = execute("table");
        unstored.store_history = false;
        let sent = h.send(inbound(unstored));
        let shown = sent
            .iter()
            .find_map(|(_, _, m)| match &m.content {
                JupyterMessageContent::DisplayData(d) => {
                    Some(serde_json::to_value(&d.data).unwrap())
                }
                _ => None,
            })
            .unwrap();
        assert_eq!(shown["text/plain"], expected);
    }
}

#[test]
fn execution_count_counts_stored_cells_only() {
    let mut h = harness();
    let count = |sent: &[(Channel, String, JupyterMessage)]| -> usize {
        let reply = &sent
            .iter()
            .find(|(_, t, _)| t == "execute_reply")
            .unwrap()
            .2;
        match &reply.content {
            JupyterMessageContent::ExecuteReply(r) => r.execution_count.value(),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(count(&h.send(inbound(execute("1")))), 1);
    let mut unstored = execute("2");
    unstored.store_history = false;
    assert_eq!(count(&h.send(inbound(unstored))), 1);
    let mut silent = execute("print quiet");
    silent.silent = true;
    let sent = h.send(inbound(silent));
    assert_eq!(
        kinds(&sent),
        ["status", "execute_reply", "status"],
        "silent shows nothing"
    );
    assert_eq!(count(&sent), 1);
    assert_eq!(count(&h.send(inbound(execute("3")))), 2);
}

#[test]
fn a_failed_cell_has_one_error_output_and_an_error_reply() {
    let mut h = harness();
    let sent = h.send(inbound(execute("fail")));
    assert_eq!(
        kinds(&sent),
        [
            "status",
            "execute_input",
            "error",
            "execute_reply",
            "status"
        ]
    );
    let reply = serde_json::to_value(&sent[3].2.content).unwrap();
    assert_eq!(reply["status"], "error");
    assert_eq!(reply["ename"], "CompileError");
    assert_eq!(reply["evalue"], "mismatched types");
}

#[test]
fn stop_on_error_aborts_queued_cells_only() {
    let mut h = harness();
    let (tx, rx) = crossbeam_channel::unbounded();
    let failing = inbound(execute("fail"));
    let queued = inbound(execute("print never"));
    let other = inbound(IsCompleteRequest { code: "x".into() });
    let ids: Vec<String> = [&failing, &queued, &other]
        .iter()
        .map(|i| i.message.header.msg_id.clone())
        .collect();
    tx.send(failing).unwrap();
    tx.send(queued).unwrap();
    tx.send(other).unwrap();
    drop(tx);
    h.shell.run(&rx);
    let mut replies = Vec::new();
    while let Ok(Outgoing::Message(_, m)) = h.out.try_recv() {
        assert_ne!(m.header.msg_type, "stream", "an aborted cell ran");
        if m.header.msg_type.ends_with("_reply") {
            replies.push((m.parent_header.clone().unwrap().msg_id, status_of(&m)));
        }
    }
    assert_eq!(
        replies,
        [
            (ids[0].clone(), "error".to_owned()),
            (ids[1].clone(), "aborted".to_owned()),
            (ids[2].clone(), "complete".to_owned()),
        ]
    );
}

#[test]
fn unknown_and_unparsable_requests_get_error_replies() {
    let mut h = harness();
    let unknown = inbound(JupyterMessageContent::UnknownMessage(UnknownMessage {
        msg_type: "bogus_request".into(),
        content: serde_json::json!({}),
    }));
    let sent = h.send(unknown);
    assert_eq!(kinds(&sent), ["status", "bogus_reply", "status"]);
    assert_eq!(status_of(&sent[1].2), "error");

    let mut broken = inbound(JupyterMessageContent::UnknownMessage(UnknownMessage {
        msg_type: "execute_request".into(),
        content: serde_json::json!({"silent": 3}),
    }));
    broken.problem = Some("invalid execute_request content".into());
    let sent = h.send(broken);
    assert_eq!(kinds(&sent), ["status", "execute_reply", "status"]);
    assert_eq!(status_of(&sent[1].2), "error");
}

#[test]
fn history_tail_and_search_follow_execution_counts() {
    let mut h = harness();
    for code in ["let a = 1", "let b = 2", "let a = 1"] {
        h.send(inbound(execute(code)));
    }
    let sent = h.send(inbound(HistoryRequest::Search {
        pattern: "let a*".into(),
        unique: true,
        output: false,
        raw: true,
        n: 10,
    }));
    let reply = serde_json::to_value(&sent[1].2.content).unwrap();
    assert_eq!(reply["history"], serde_json::json!([[1, 3, "let a = 1"]]));
}

#[test]
fn is_complete_reports_the_indent() {
    let mut h = harness();
    let sent = h.send(inbound(IsCompleteRequest {
        code: "fn f() {".into(),
    }));
    let reply = serde_json::to_value(&sent[1].2.content).unwrap();
    assert_eq!(reply["status"], "incomplete");
    assert_eq!(reply["indent"], "    ");
}

#[test]
fn every_reply_carries_ok_status_by_default() {
    let mut h = harness();
    let sent = h.send(inbound(execute("1")));
    assert_eq!(status_of(&sent[3].2), "ok");
    assert!(matches!(
        &sent[3].2.content,
        JupyterMessageContent::ExecuteReply(r) if r.status == ReplyStatus::Ok
    ));
}
