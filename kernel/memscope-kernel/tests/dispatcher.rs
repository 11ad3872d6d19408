//! The shell dispatcher without sockets: requests go in, the messages that
//! come out are read back in order. A scripted interpreter stands in for
//! Rust.

mod support;

use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use jupyter_protocol::{
    CommClose, CommId, CommInfoRequest, CommMsg, CommOpen, CompleteRequest, ExecuteRequest,
    HistoryRequest, InputReply, InputRequest, InspectRequest, IsCompleteRequest, JupyterMessage,
    JupyterMessageContent, KernelInfoRequest, ReplyStatus, UnknownMessage,
};
use memscope_kernel::identity::KernelIdentity;
use memscope_kernel::interpreter::MimeData;
use memscope_kernel::interpreter::{
    CellError, CellIo, CellOutcome, Completeness, Completions, Display, Interpreter, Interrupter,
    MimeBundle, StreamName,
};
use memscope_kernel::interrupts::Interrupts;
use memscope_kernel::outbox::{Channel, Inbound, Outbox, Outgoing};
use memscope_kernel::shell::Shell;
use support::{
    Sent, as_received, channels, drain, execution_state, identity, inbound, kinds, sent_for,
    status_of,
};

/// How long a test waits for a message it is sure to get; reached only when
/// the dispatcher is broken.
const PATIENCE: Duration = Duration::from_secs(30);

/// Runs cells by a tiny script: `print X` prints, `fail` fails, `show`
/// displays HTML, `ask PROMPT` asks for input and evaluates to what it got,
/// anything else evaluates to itself.
struct Scripted;

struct NoInterrupt;
impl Interrupter for NoInterrupt {
    fn interrupt(&self) {}
}

impl Interpreter for Scripted {
    fn execute(&mut self, code: &str, count: usize, io: &mut dyn CellIo) -> CellOutcome {
        if let Some(prompt) = code.strip_prefix("ask ") {
            let answer = io.input(prompt, false);
            return CellOutcome::Ok {
                result: vec![("text/plain".into(), format!("{answer:?}").into())],
                page: None,
                after: vec![],
            };
        }
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
            io.display(Display::Show {
                data: vec![("text/html".into(), "<b>x</b>".into())],
                id: None,
            });
        }
        // A cell named "table" is followed by a display of its count, as
        // memscope's memory table follows every cell.
        let after = if code == "table" {
            vec![vec![
                ("text/plain".into(), format!("table of cell {count}").into()),
                // JSON the interpreter wrote goes out as it is.
                (
                    "application/json".into(),
                    MimeData::Json(
                        serde_json::value::RawValue::from_string(format!(r#"{{"cell":{count}}}"#))
                            .unwrap(),
                    ),
                ),
            ]]
        } else {
            vec![]
        };
        CellOutcome::Ok {
            result: vec![("text/plain".into(), code.into())],
            page: None,
            after,
        }
    }
    fn complete(&mut self, code: &str, cursor: usize) -> Completions {
        if code.starts_with("é co") {
            // Two matches of two kinds, replacing "co" (bytes 3..5).
            return Completions {
                matches: vec!["count".into(), "Counter".into()],
                kinds: vec!["function".into(), "class".into()],
                signatures: vec![Some("fn(n: usize) -> usize".into()), None],
                start: 3,
                end: cursor,
            };
        }
        Completions::default()
    }
    fn inspect(&mut self, _: &str, _: usize, _: u8) -> Option<MimeBundle> {
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
    fn identity(&self) -> KernelIdentity {
        identity()
    }
}

struct Harness {
    shell: Shell<Scripted>,
    out: Receiver<Outgoing>,
    /// Where the client's answers to input requests arrive.
    stdin: Sender<Inbound>,
    /// How control interrupts.
    interrupts: Interrupts,
}

fn harness() -> Harness {
    let (outbox, out) = Outbox::new();
    let (stdin, stdin_rx) = crossbeam_channel::unbounded();
    let interrupts = Interrupts::new(Arc::new(NoInterrupt));
    Harness {
        shell: Shell::new(Scripted, outbox, stdin_rx, interrupts.clone(), identity()),
        out,
        stdin,
        interrupts,
    }
}

fn execute(code: &str) -> ExecuteRequest {
    execute_allowing_stdin(code, false)
}

/// An execute request from a client that can (`allow_stdin`) or cannot
/// answer input requests.
fn execute_allowing_stdin(code: &str, allow_stdin: bool) -> ExecuteRequest {
    ExecuteRequest {
        code: code.into(),
        silent: false,
        store_history: true,
        user_expressions: None,
        allow_stdin,
        stop_on_error: true,
    }
}

/// A client's answer to the input request `asked`, or to no request at all.
fn input_reply(asked: Option<&JupyterMessage>, value: &str) -> Inbound {
    let reply = InputReply {
        value: value.into(),
        ..Default::default()
    };
    Inbound {
        message: JupyterMessage::new(reply, asked),
        problem: None,
    }
}

impl Harness {
    /// Handles one request and returns everything sent, checking that each
    /// message is parented to the request.
    fn send(&mut self, request: Inbound) -> Vec<Sent> {
        let id = request.message.header.msg_id.clone();
        self.shell.handle(&request);
        drain(&self.out, &id)
    }

    /// Handles a request whose cell asks for input, as [`Harness::send`]
    /// does, on a thread of its own. Once the input request is out, `client`
    /// gets it with the stdin channel and the interrupt channel, to answer
    /// or to interrupt, as a Jupyter client would. The harness is used up,
    /// so that a shell that never ends its cell fails the test instead of
    /// hanging it.
    fn send_and_prompt(
        self,
        request: Inbound,
        client: impl FnOnce(&JupyterMessage, &Sender<Inbound>, &Interrupts),
    ) -> Vec<Sent> {
        let Harness {
            mut shell,
            out,
            stdin,
            interrupts,
        } = self;
        let id = request.message.header.msg_id.clone();
        let handling = std::thread::spawn(move || shell.handle(&request));
        let mut sent = Vec::new();
        let mut next = |waiting_for: &str| {
            let entry = out
                .recv_timeout(PATIENCE)
                .unwrap_or_else(|_| panic!("no {waiting_for} after {:?}", kinds(&sent)));
            let Outgoing::Message(channel, message, json) = entry else {
                panic!("the shell flushed the outbox");
            };
            sent.push(sent_for(&id, channel, as_received(message, json)));
            sent.last().unwrap().2.clone()
        };
        let asked = loop {
            let message = next("input request");
            if message.header.msg_type == "input_request" {
                break message;
            }
        };
        client(&asked, &stdin, &interrupts);
        while execution_state(&next("idle status")) != "idle" {}
        handling.join().unwrap();
        sent.extend(drain(&out, &id));
        sent
    }
}

/// The text of the cell's result, which for `ask` is what input returned.
fn result_text(sent: &[Sent]) -> String {
    let result = sent
        .iter()
        .find_map(|(_, _, m)| match &m.content {
            JupyterMessageContent::ExecuteResult(r) => Some(serde_json::to_value(&r.data).unwrap()),
            _ => None,
        })
        .expect("no execute_result");
    result["text/plain"].as_str().unwrap().to_owned()
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
    assert_eq!(
        channels(&sent),
        [
            Channel::Iopub,
            Channel::Iopub,
            Channel::Iopub,
            Channel::Shell,
            Channel::Iopub
        ]
    );
    assert_eq!(execution_state(&sent[0].2), "busy");
    assert_eq!(execution_state(&sent[4].2), "idle");
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
            assert_eq!(text["application/json"], serde_json::json!({"cell": 1}));
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
    let count = |sent: &[Sent]| -> usize {
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
    while let Ok(Outgoing::Message(_, m, _)) = h.out.try_recv() {
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

/// Regression: the failing cell went idle before the queued cells were
/// aborted, so a client that sent its next cell on seeing idle (as nbclient
/// does) could have that cell aborted too, on a loaded machine.
#[test]
fn queued_cells_are_aborted_before_the_failing_cell_goes_idle() {
    let mut h = harness();
    let (tx, rx) = crossbeam_channel::unbounded();
    let failing = inbound(execute("fail"));
    let queued = inbound(execute("print never"));
    let (failing_id, queued_id) = (
        failing.message.header.msg_id.clone(),
        queued.message.header.msg_id.clone(),
    );
    tx.send(failing).unwrap();
    tx.send(queued).unwrap();
    drop(tx);
    h.shell.run(&rx);
    let mut order = Vec::new();
    while let Ok(Outgoing::Message(_, m, _)) = h.out.try_recv() {
        let parent = m.parent_header.clone().unwrap().msg_id;
        if m.header.msg_type == "execute_reply" && parent == queued_id {
            order.push("queued cell aborted");
        }
        if execution_state(&m) == "idle" && parent == failing_id {
            order.push("failing cell idle");
        }
    }
    assert_eq!(order, ["queued cell aborted", "failing cell idle"]);
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

/// Every reply the shell sends for a request it serves says `ok`, on the
/// shell channel, between busy and idle; only `is_complete_reply` differs,
/// because its status is its verdict (checked above).
#[test]
fn every_reply_carries_ok_status_by_default() {
    let mut h = harness();
    let sent = h.send(inbound(execute("1")));
    assert_eq!(status_of(&sent[3].2), "ok");
    assert!(matches!(
        &sent[3].2.content,
        JupyterMessageContent::ExecuteReply(r) if r.status == ReplyStatus::Ok
    ));

    let requests: [(JupyterMessageContent, &str); 6] = [
        (KernelInfoRequest {}.into(), "kernel_info_reply"),
        (
            CompleteRequest {
                code: "1".into(),
                cursor_pos: 1,
            }
            .into(),
            "complete_reply",
        ),
        (
            InspectRequest {
                code: "1".into(),
                cursor_pos: 1,
                detail_level: Some(0),
            }
            .into(),
            "inspect_reply",
        ),
        (
            HistoryRequest::Tail {
                n: 10,
                output: false,
                raw: true,
            }
            .into(),
            "history_reply",
        ),
        (
            CommInfoRequest { target_name: None }.into(),
            "comm_info_reply",
        ),
        (execute("2").into(), "execute_reply"),
    ];
    for (request, reply_type) in requests {
        let sent = h.send(inbound(request));
        let replies: Vec<&Sent> = sent
            .iter()
            .filter(|(_, t, _)| t.ends_with("_reply"))
            .collect();
        assert_eq!(replies.len(), 1, "{reply_type}: {:?}", kinds(&sent));
        let (channel, msg_type, reply) = replies[0];
        assert_eq!((*channel, msg_type.as_str()), (Channel::Shell, reply_type));
        assert_eq!(status_of(reply), "ok", "{reply_type}");
        assert_eq!(execution_state(&sent[0].2), "busy", "{reply_type}");
        assert_eq!(
            execution_state(&sent.last().unwrap().2),
            "idle",
            "{reply_type}"
        );
    }
}

#[test]
fn an_answered_input_request_gives_the_cell_the_answer() {
    let h = harness();
    let mut request = inbound(execute_allowing_stdin("ask name? ", true));
    request.message.zmq_identities = vec!["client".into()];
    let sent = h.send_and_prompt(request, |asked, stdin, _| {
        stdin.send(input_reply(Some(asked), "Ada")).unwrap();
    });
    assert_eq!(
        kinds(&sent),
        [
            "status",
            "execute_input",
            "input_request",
            "execute_result",
            "execute_reply",
            "status"
        ]
    );
    let (channel, _, asked) = &sent[2];
    assert_eq!(*channel, Channel::Stdin);
    assert_eq!(
        asked.zmq_identities,
        ["client"],
        "asked another client than the one that sent the cell"
    );
    match &asked.content {
        JupyterMessageContent::InputRequest(InputRequest { prompt, password }) => {
            assert_eq!((prompt.as_str(), *password), ("name? ", false));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(result_text(&sent), r#"Ok("Ada")"#);
}

#[test]
fn a_client_that_cannot_answer_is_not_asked() {
    let mut h = harness();
    // With nobody left to answer, a prompt sent by mistake is cancelled
    // instead of waiting for ever.
    h.stdin = crossbeam_channel::unbounded().0;
    let sent = h.send(inbound(execute_allowing_stdin("ask name? ", false)));
    assert!(
        !kinds(&sent).contains(&"input_request".to_owned()),
        "{:?}",
        kinds(&sent)
    );
    assert_eq!(result_text(&sent), "Err(NotAllowed)");
}

/// Answers to other prompts (an earlier cell's, or ones queued before this
/// prompt was sent) must not answer this one.
#[test]
fn stale_input_replies_are_dropped() {
    let h = harness();
    // An answer without a parent header counts as an answer to whatever is
    // asked; this one comes before the prompt, so it answers nothing.
    h.stdin.send(input_reply(None, "queued before")).unwrap();
    let earlier_prompt = JupyterMessage::new(InputRequest::default(), None);
    let request = inbound(execute_allowing_stdin("ask name? ", true));
    let sent = h.send_and_prompt(request, |asked, stdin, _| {
        stdin
            .send(input_reply(Some(&earlier_prompt), "for an earlier prompt"))
            .unwrap();
        stdin.send(input_reply(Some(asked), "Ada")).unwrap();
    });
    assert_eq!(result_text(&sent), r#"Ok("Ada")"#);
}

#[test]
fn an_interrupt_cancels_a_waiting_input_request() {
    let h = harness();
    let request = inbound(execute_allowing_stdin("ask name? ", true));
    let sent = h.send_and_prompt(request, |_, _, interrupts| interrupts.interrupt());
    assert_eq!(result_text(&sent), "Err(Cancelled)");
}

/// An interrupt meant for something that ran before the prompt must not
/// cancel it.
#[test]
fn an_interrupt_from_before_the_prompt_does_not_cancel_it() {
    let h = harness();
    h.interrupts.interrupt();
    let request = inbound(execute_allowing_stdin("ask name? ", true));
    let sent = h.send_and_prompt(request, |asked, stdin, _| {
        stdin.send(input_reply(Some(asked), "Ada")).unwrap();
    });
    assert_eq!(result_text(&sent), r#"Ok("Ada")"#);
}

/// We serve no comm targets: a comm opened to one is closed at once on
/// IOPub (so the front end does not wait on it); a message or a close for
/// a comm nobody opened is ignored without an error.
#[test]
fn a_comm_to_a_target_we_do_not_serve_is_closed_at_once() {
    let mut h = harness();
    let open = CommOpen {
        comm_id: CommId("c1".into()),
        target_name: "jupyter.widget".into(),
        ..Default::default()
    };
    let sent = h.send(inbound(open));
    assert_eq!(
        kinds(&sent),
        ["status", "comm_close", "status"],
        "{:?}",
        kinds(&sent)
    );
    let (channel, _, close) = &sent[1];
    assert_eq!(*channel, Channel::Iopub);
    let JupyterMessageContent::CommClose(close) = &close.content else {
        panic!("a comm_close");
    };
    assert_eq!(close.comm_id.0, "c1");

    for stray in [
        JupyterMessageContent::CommMsg(CommMsg {
            comm_id: CommId("nobody".into()),
            ..Default::default()
        }),
        JupyterMessageContent::CommClose(CommClose {
            comm_id: CommId("nobody".into()),
            ..Default::default()
        }),
    ] {
        let sent = h.send(inbound(stray));
        assert_eq!(kinds(&sent), ["status", "status"], "{:?}", kinds(&sent));
    }
}

/// JupyterLab's completer shows each match's kind from the reply's
/// `_jupyter_types_experimental`, with offsets in code points like the
/// reply's cursor, and a signature where there is one.
#[test]
fn completions_carry_their_kinds_for_jupyterlab() {
    let mut h = harness();
    let sent = h.send(inbound(CompleteRequest {
        code: "é co".into(),
        cursor_pos: 4,
    }));
    let (_, _, reply) = sent
        .iter()
        .find(|(_, t, _)| t == "complete_reply")
        .expect("a complete_reply");
    let reply = serde_json::to_value(&reply.content).unwrap();
    assert_eq!(
        (reply["cursor_start"].clone(), reply["cursor_end"].clone()),
        (2.into(), 4.into())
    );
    assert_eq!(
        reply["metadata"]["_jupyter_types_experimental"],
        serde_json::json!([
            {"text": "count", "type": "function", "start": 2, "end": 4, "signature": "fn(n: usize) -> usize"},
            {"text": "Counter", "type": "class", "start": 2, "end": 4},
        ])
    );
}
