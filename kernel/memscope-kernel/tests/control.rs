//! The control channel without sockets: kernel_info, interrupt and shutdown
//! requests go in; the replies and broadcasts that come out, the interrupts
//! the interpreter hears and what the loop returns are checked.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crossbeam_channel::Receiver;
use jupyter_protocol::{
    ExecuteRequest, InterruptRequest, JupyterMessageContent, KernelInfoRequest, ShutdownRequest,
    UnknownMessage,
};
use memscope_kernel::control::{Control, ShutdownAsked, divert_shell_interrupts};
use memscope_kernel::debug::{DebugAdapter, DebuggerInfo, VariablesBoard};
use memscope_kernel::interpreter::Interrupter;
use memscope_kernel::interrupts::Interrupts;
use memscope_kernel::outbox::{Channel, Inbound, Outbox, Outgoing};
use memscope_kernel::usage::UsageMeter;
use support::{Sent, channels, drain, execution_state, identity, inbound, kinds, status_of};

/// Counts the interrupts the interpreter is asked for.
#[derive(Default)]
struct CountingInterrupter {
    interrupts: AtomicUsize,
}

impl Interrupter for CountingInterrupter {
    fn interrupt(&self) {
        self.interrupts.fetch_add(1, Ordering::SeqCst);
    }
}

struct Harness {
    control: Control,
    out: Receiver<Outgoing>,
    interrupter: Arc<CountingInterrupter>,
    /// What a cell waiting for input hears of interrupts.
    input_interrupts: Receiver<()>,
}

fn harness() -> Harness {
    let (outbox, out) = Outbox::new();
    let interrupter = Arc::new(CountingInterrupter::default());
    let interrupts = Interrupts::new(interrupter.clone());
    let input_interrupts = interrupts.heard().clone();
    Harness {
        control: Control {
            outbox,
            identity: identity(),
            interrupts,
            debugger: Arc::new(DebugAdapter::new(
                VariablesBoard::default(),
                DebuggerInfo {
                    hash_seed: 1,
                    tmp_file_prefix: "/t/".into(),
                    tmp_file_suffix: ".rs".into(),
                    cannot_stop: "cannot stop".into(),
                },
            )),
            usage: UsageMeter::new(),
        },
        out,
        interrupter,
        input_interrupts,
    }
}

impl Harness {
    /// Handles one request; returns what it asked the loop to do and
    /// everything sent, each message checked to be parented to the request.
    fn send(&self, request: Inbound) -> (Option<ShutdownAsked>, Vec<Sent>) {
        let id = request.message.header.msg_id.clone();
        let asked = self.control.handle(&request);
        (asked, drain(&self.out, &id))
    }

    fn interrupts_heard(&self) -> usize {
        self.interrupter.interrupts.load(Ordering::SeqCst)
    }

    /// How many interrupts reached a cell that waits for input.
    fn input_interrupts_heard(&self) -> usize {
        self.input_interrupts.try_iter().count()
    }
}

/// Checks that `sent` is busy, one reply of `reply_type` on control, idle,
/// and returns the reply's content.
fn only_reply(sent: &[Sent], reply_type: &str) -> JupyterMessageContent {
    assert_eq!(kinds(sent), ["status", reply_type, "status"]);
    assert_eq!(
        channels(sent),
        [Channel::Iopub, Channel::Control, Channel::Iopub]
    );
    assert_eq!(execution_state(&sent[0].2), "busy");
    assert_eq!(execution_state(&sent[2].2), "idle");
    sent[1].2.content.clone()
}

#[test]
fn kernel_info_is_answered_on_control() {
    let h = harness();
    let (asked, sent) = h.send(inbound(KernelInfoRequest {}));
    assert_eq!(asked, None);
    let reply = only_reply(&sent, "kernel_info_reply");
    assert_eq!(status_of(&sent[1].2), "ok");
    assert_eq!(
        serde_json::to_value(&reply).unwrap(),
        serde_json::to_value(identity().kernel_info_reply()).unwrap(),
        "control and shell describe the kernel differently"
    );
    let reply = serde_json::to_value(&reply).unwrap();
    assert_eq!(reply["protocol_version"], "5.5");
    assert_eq!(reply["supported_features"], serde_json::json!(["debugger"]));
    assert_eq!(reply["debugger"], true);
    assert_eq!(h.interrupts_heard(), 0);
}

#[test]
fn an_interrupt_reaches_the_interpreter_and_a_cell_waiting_for_input() {
    let h = harness();
    let (asked, sent) = h.send(inbound(InterruptRequest {}));
    assert_eq!(asked, None, "an interrupt is not a shutdown");
    let reply = only_reply(&sent, "interrupt_reply");
    assert_eq!(status_of(&sent[1].2), "ok");
    assert!(matches!(reply, JupyterMessageContent::InterruptReply(_)));
    assert_eq!(h.interrupts_heard(), 1);
    assert_eq!(h.input_interrupts_heard(), 1);
}

#[test]
fn a_shutdown_stops_the_cell_and_returns_what_was_asked() {
    let h = harness();
    for (restart, heard) in [(false, 1), (true, 2)] {
        let (asked, sent) = h.send(inbound(ShutdownRequest { restart }));
        assert_eq!(asked, Some(ShutdownAsked { restart }));
        match only_reply(&sent, "shutdown_reply") {
            JupyterMessageContent::ShutdownReply(reply) => {
                assert_eq!(
                    reply.restart, restart,
                    "the reply must echo the restart flag"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(status_of(&sent[1].2), "ok");
        assert_eq!(
            h.interrupts_heard(),
            heard,
            "a running cell was not stopped"
        );
        assert_eq!(h.input_interrupts_heard(), 1);
    }
}

#[test]
fn other_and_unparsable_requests_get_error_replies() {
    let h = harness();
    let (asked, sent) = h.send(inbound(ExecuteRequest::new("1".into())));
    assert_eq!(asked, None);
    only_reply(&sent, "execute_reply");
    let reply = serde_json::to_value(&sent[1].2.content).unwrap();
    assert_eq!(reply["status"], "error");
    assert_eq!(reply["ename"], "UnknownRequest");
    assert_eq!(
        reply["evalue"],
        "memscope does not handle execute_request on the control channel"
    );

    let mut broken = inbound(JupyterMessageContent::UnknownMessage(UnknownMessage {
        msg_type: "shutdown_request".into(),
        content: serde_json::json!({"restart": "soon"}),
    }));
    broken.problem = Some("invalid shutdown_request content".into());
    let (asked, sent) = h.send(broken);
    assert_eq!(
        asked, None,
        "an unparsable shutdown must not stop the kernel"
    );
    only_reply(&sent, "shutdown_reply");
    let reply = serde_json::to_value(&sent[1].2.content).unwrap();
    assert_eq!(reply["status"], "error");
    assert_eq!(reply["evalue"], "invalid shutdown_request content");
    assert_eq!(
        reply["traceback"],
        serde_json::json!([format!(
            "{}: invalid shutdown_request content",
            reply["ename"].as_str().unwrap()
        )])
    );
    assert_eq!(h.interrupts_heard(), 0);
}

#[test]
fn the_loop_serves_until_a_shutdown_and_leaves_the_rest() {
    let h = harness();
    let (requests, queue) = crossbeam_channel::unbounded();
    requests.send(inbound(KernelInfoRequest {})).unwrap();
    requests
        .send(inbound(ShutdownRequest { restart: true }))
        .unwrap();
    requests.send(inbound(KernelInfoRequest {})).unwrap();
    assert_eq!(h.control.run(&queue), Some(ShutdownAsked { restart: true }));
    assert_eq!(queue.len(), 1, "a request after the shutdown was served");
    let replies: Vec<String> = h
        .out
        .try_iter()
        .filter_map(|entry| match entry {
            Outgoing::Message(_, m, _) if m.header.msg_type.ends_with("_reply") => {
                Some(m.header.msg_type)
            }
            _ => None,
        })
        .collect();
    assert_eq!(replies, ["kernel_info_reply", "shutdown_reply"]);

    drop(requests);
    queue.try_iter().for_each(drop);
    assert_eq!(
        h.control.run(&queue),
        None,
        "a closed channel ends the loop"
    );
}

#[test]
fn an_interrupt_on_the_shell_channel_is_answered_at_once_there() {
    let h = harness();
    let out = h.out.clone();
    let interrupter = h.interrupter.clone();
    let (shell, from_transport) = crossbeam_channel::unbounded();
    let queue = divert_shell_interrupts(Arc::new(h.control), from_transport).unwrap();

    // A cell the shell has not taken yet (it is busy with another), then
    // an interrupt behind it: the interrupt must not wait in the queue.
    let cell = inbound(ExecuteRequest::new("loop {}".into()));
    let cell_id = cell.message.header.msg_id.clone();
    let interrupt = inbound(InterruptRequest {});
    let interrupt_id = interrupt.message.header.msg_id.clone();
    shell.send(cell).unwrap();
    shell.send(interrupt).unwrap();
    shell.send(inbound(KernelInfoRequest {})).unwrap();

    let first = queue
        .recv_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    assert_eq!(first.message.header.msg_id, cell_id);
    let second = queue
        .recv_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    assert_eq!(
        second.message.header.msg_type, "kernel_info_request",
        "the shell's other requests keep their order"
    );
    assert!(queue.try_recv().is_err(), "the interrupt reached the queue");

    let sent = drain(&out, &interrupt_id);
    assert_eq!(kinds(&sent), ["status", "interrupt_reply", "status"]);
    assert_eq!(
        channels(&sent),
        [Channel::Iopub, Channel::Shell, Channel::Iopub],
        "the reply goes back on the channel the request came on"
    );
    assert_eq!(status_of(&sent[1].2), "ok");
    assert_eq!(interrupter.interrupts.load(Ordering::SeqCst), 1);

    drop(shell);
    assert!(
        queue
            .recv_timeout(std::time::Duration::from_secs(5))
            .is_err(),
        "the queue closes when the transport's side does"
    );
}

/// The Kernel Usage panel's request, which jupyter-protocol does not know:
/// answered on control with ipykernel's fields.
#[test]
fn usage_is_answered_on_control() {
    let h = harness();
    let request = JupyterMessageContent::UnknownMessage(UnknownMessage {
        msg_type: "usage_request".into(),
        content: serde_json::json!({}),
    });
    let (asked, sent) = h.send(inbound(request));
    assert_eq!(asked, None);
    let reply = serde_json::to_value(only_reply(&sent, "usage_reply")).unwrap();
    for field in [
        "hostname",
        "pid",
        "kernel_cpu",
        "kernel_memory",
        "cpu_count",
        "host_virtual_memory",
    ] {
        assert!(reply.get(field).is_some(), "{field} missing: {reply}");
    }
    assert_eq!(reply["pid"], std::process::id());
}
