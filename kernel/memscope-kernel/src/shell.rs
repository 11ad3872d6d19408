//! The shell channel: one handler per request type, each wrapped in
//! busy/idle, run one at a time in arrival order.
//!
//! Invariants: every request gets a reply (unknown or unparsable requests
//! get an error reply), always between a busy and an idle status; outputs of
//! a cell precede its reply; a failed cell yields exactly one `error`
//! broadcast; after a failed cell with `stop_on_error`, execute requests
//! already queued are answered `aborted` without running.

use crossbeam_channel::Receiver;
use jupyter_protocol::{
    ClearOutput, CommClose, CommInfoReply, CompleteReply, DisplayData, ErrorOutput, ExecuteInput,
    ExecuteReply, ExecuteRequest, ExecuteResult, ExecutionCount, HistoryEntry, HistoryReply,
    HistoryRequest, InputReply, InputRequest, InspectReply, InspectRequest, IsCompleteReply,
    JupyterMessageContent, Payload, ReplyError, ReplyStatus, StreamContent, Transient,
    UpdateDisplayData,
};

use crate::history::{CURRENT_SESSION, History};
use crate::identity::KernelIdentity;
use crate::interpreter::{
    CellIo, CellOutcome, Completeness, Completions, Display, InputUnavailable, Interpreter,
    MimeData, StreamName,
};
use crate::interrupts::Interrupts;
use crate::media::{display_media, media};
use crate::offsets::{byte_to_char, char_to_byte};
use crate::outbox::{Channel, Inbound, Outbox};
use crate::session::Session;

/// What becomes of the cells already queued once a request is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueuedCells {
    /// They run as usual.
    Run,
    /// A cell failed with `stop_on_error`: queued execute requests are
    /// answered `aborted` without running.
    Abort,
}

/// The shell dispatcher and the session state it owns.
pub struct Shell<I: Interpreter> {
    interpreter: I,
    /// Told of each request before it goes busy; cancels a wait for input.
    interrupts: Interrupts,
    outbox: Outbox,
    stdin: Receiver<Inbound>,
    identity: KernelIdentity,
    history: History,
    execution_count: usize,
    /// Non-silent cells run, stored in history or not: what the interpreter
    /// is told as the cell's number (see `Interpreter::execute`).
    visible_runs: usize,
}

impl<I: Interpreter> Shell<I> {
    pub fn new(
        interpreter: I,
        outbox: Outbox,
        stdin: Receiver<Inbound>,
        interrupts: Interrupts,
        identity: KernelIdentity,
    ) -> Self {
        Shell {
            interpreter,
            interrupts,
            outbox,
            stdin,
            identity,
            history: History::default(),
            execution_count: 0,
            visible_runs: 0,
        }
    }

    /// Handles requests until the channel closes.
    pub fn run(&mut self, requests: &Receiver<Inbound>) {
        while let Ok(inbound) = requests.recv() {
            self.serve(&inbound, Some(requests));
        }
    }

    /// Handles one request and says what becomes of the cells queued after
    /// it; [`Shell::run`] does that, a caller of `handle` alone must.
    pub fn handle(&mut self, inbound: &Inbound) -> QueuedCells {
        self.serve(inbound, None)
    }

    /// Handles one request. When it asks for the queued cells to be
    /// aborted, those waiting in `queue` are answered before this request
    /// goes idle: a client sends its next cell when it sees idle, and that
    /// cell must run, not be taken for one queued behind the failure.
    fn serve(&mut self, inbound: &Inbound, queue: Option<&Receiver<Inbound>>) -> QueuedCells {
        let outbox = self.outbox.clone();
        let session = Session::new(&outbox, &inbound.message, Channel::Shell);
        // Before busy: a client that saw this request busy and interrupts
        // must stop this request, however soon after.
        self.interrupts.request_started();
        session.busy();
        let mut queued = QueuedCells::Run;
        if let Some(problem) = &inbound.problem {
            session.reply_with_error("InvalidRequest", problem);
        } else {
            match &inbound.message.content {
                JupyterMessageContent::ExecuteRequest(request) => {
                    queued = self.execute(&session, request);
                }
                JupyterMessageContent::KernelInfoRequest(_) => {
                    session.reply(self.identity.kernel_info_reply());
                }
                JupyterMessageContent::IsCompleteRequest(request) => {
                    session.reply(match self.interpreter.is_complete(&request.code) {
                        Completeness::Complete => IsCompleteReply::complete(),
                        Completeness::Incomplete(indent) => IsCompleteReply::incomplete(indent),
                        Completeness::Invalid => IsCompleteReply::invalid(),
                    });
                }
                JupyterMessageContent::CompleteRequest(request) => {
                    let cursor = char_to_byte(&request.code, request.cursor_pos);
                    let found = self.interpreter.complete(&request.code, cursor);
                    let cursor_start = byte_to_char(&request.code, found.start);
                    let cursor_end = byte_to_char(&request.code, found.end);
                    session.reply(CompleteReply {
                        metadata: completion_types(&found, cursor_start, cursor_end),
                        matches: found.matches,
                        cursor_start,
                        cursor_end,
                        ..Default::default()
                    });
                }
                JupyterMessageContent::InspectRequest(request) => {
                    session.reply(self.inspect(request));
                }
                JupyterMessageContent::HistoryRequest(request) => {
                    session.reply(self.history_reply(request));
                }
                JupyterMessageContent::CommInfoRequest(_) => {
                    session.reply(CommInfoReply::default());
                }
                // We serve no comm targets: a comm opened to one is closed
                // at once, as the protocol asks, so the front end does not
                // wait on it. Comm messages have no reply, and a message or
                // close for a comm we do not hold is ignored.
                JupyterMessageContent::CommOpen(open) => {
                    session.publish(CommClose {
                        comm_id: open.comm_id.clone(),
                        data: serde_json::Map::new(),
                    });
                }
                JupyterMessageContent::CommMsg(_) | JupyterMessageContent::CommClose(_) => {}
                other => {
                    let msg_type = other.message_type().to_owned();
                    session.reply_with_error(
                        "UnknownRequest",
                        &format!("memscope does not handle {msg_type} on the shell channel"),
                    );
                }
            }
        }
        if let (QueuedCells::Abort, Some(queue)) = (queued, queue) {
            self.abort_queued(queue);
        }
        session.idle();
        queued
    }

    fn execute(&mut self, session: &Session, request: &ExecuteRequest) -> QueuedCells {
        let store = request.store_history && !request.silent;
        if store {
            self.execution_count += 1;
            self.history.record(self.execution_count, &request.code);
        }
        let count = ExecutionCount::new(self.execution_count);
        if !request.silent {
            session.publish(ExecuteInput {
                code: request.code.clone(),
                execution_count: count,
            });
        }

        let mut io = PublishingIo {
            session,
            stdin: &self.stdin,
            interrupts: self.interrupts.heard(),
            silent: request.silent,
            allow_stdin: request.allow_stdin,
        };
        if !request.silent {
            self.visible_runs += 1;
        }
        let outcome = self
            .interpreter
            .execute(&request.code, self.visible_runs, &mut io);

        match outcome {
            CellOutcome::Ok {
                result,
                page,
                after,
            } => {
                if !result.is_empty() {
                    if store {
                        let plain = result.iter().find_map(|(mime, data)| match data {
                            MimeData::Text(text) if mime == "text/plain" => Some(text),
                            _ => None,
                        });
                        if let Some(text) = plain {
                            self.history.set_output(self.execution_count, text.clone());
                        }
                    }
                    if !request.silent {
                        // jupyter-protocol would send `"transient": null`,
                        // which the spec's schema rejects.
                        let (data, json) = display_media(result);
                        let mut shown = ExecuteResult::new(count, data);
                        shown.transient = Some(Transient::default());
                        session.publish_with(shown, json);
                    }
                }
                if !request.silent {
                    for data in after {
                        let (data, json) = display_media(data);
                        let shown = DisplayData {
                            data,
                            metadata: Default::default(),
                            transient: None,
                        };
                        session.publish_with(shown, json);
                    }
                }
                let payload = page
                    .map(|data| Payload::Page {
                        data: media(data),
                        start: 0,
                    })
                    .into_iter()
                    .collect();
                session.reply(ExecuteReply {
                    status: ReplyStatus::Ok,
                    execution_count: count,
                    payload,
                    user_expressions: Some(Default::default()),
                    error: None,
                });
                QueuedCells::Run
            }
            CellOutcome::Error(error) => {
                if !request.silent {
                    session.publish(ErrorOutput {
                        ename: error.ename.clone(),
                        evalue: error.evalue.clone(),
                        traceback: error.traceback.clone(),
                    });
                }
                session.reply(ExecuteReply {
                    status: ReplyStatus::Error,
                    execution_count: count,
                    payload: Vec::new(),
                    user_expressions: Some(Default::default()),
                    error: Some(Box::new(ReplyError {
                        ename: error.ename,
                        evalue: error.evalue,
                        traceback: error.traceback,
                    })),
                });
                if request.stop_on_error && !request.silent {
                    QueuedCells::Abort
                } else {
                    QueuedCells::Run
                }
            }
        }
    }

    /// Answers every execute request already waiting with `aborted`, as
    /// ipykernel does, and handles any other waiting request normally.
    fn abort_queued(&mut self, requests: &Receiver<Inbound>) {
        let waiting: Vec<Inbound> = requests.try_iter().collect();
        for inbound in waiting {
            let is_execute = matches!(
                inbound.message.content,
                JupyterMessageContent::ExecuteRequest(_)
            );
            if is_execute && inbound.problem.is_none() {
                let session = Session::new(&self.outbox, &inbound.message, Channel::Shell);
                session.busy();
                session.reply(ExecuteReply {
                    status: ReplyStatus::Aborted,
                    execution_count: ExecutionCount::new(self.execution_count),
                    ..Default::default()
                });
                session.idle();
            } else {
                self.handle(&inbound);
            }
        }
    }

    fn inspect(&mut self, request: &InspectRequest) -> InspectReply {
        let cursor = char_to_byte(&request.code, request.cursor_pos);
        // jupyter-protocol reads a missing level as none; the protocol's
        // default is 0.
        let detail_level = u8::from(request.detail_level.unwrap_or(0) >= 1);
        match self
            .interpreter
            .inspect(&request.code, cursor, detail_level)
        {
            Some(bundle) => InspectReply {
                found: true,
                data: media(bundle),
                ..Default::default()
            },
            None => InspectReply::default(),
        }
    }

    fn history_reply(&self, request: &HistoryRequest) -> HistoryReply {
        let (entries, with_output) = match request {
            HistoryRequest::Tail { n, output, .. } => {
                (self.history.tail(usize::try_from(*n).unwrap_or(0)), *output)
            }
            HistoryRequest::Range {
                start,
                stop,
                output,
                ..
            } => (
                self.history.range(i64::from(*start), i64::from(*stop)),
                *output,
            ),
            HistoryRequest::Search {
                pattern,
                unique,
                n,
                output,
                ..
            } => (
                self.history
                    .search(pattern, usize::try_from(*n).unwrap_or(0), *unique),
                *output,
            ),
        };
        let history = entries
            .into_iter()
            .map(|e| {
                if with_output {
                    HistoryEntry::InputOutput(
                        CURRENT_SESSION,
                        e.line,
                        (e.input, e.output.unwrap_or_default()),
                    )
                } else {
                    HistoryEntry::Input(CURRENT_SESSION, e.line, e.input)
                }
            })
            .collect();
        HistoryReply::new(history)
    }
}

/// The completion metadata JupyterLab's completer reads for each match's
/// kind (its icon): `_jupyter_types_experimental`, one entry per match with
/// its text, type and range (in code points, like the reply's cursor), and
/// its signature where the interpreter gave one.
fn completion_types(
    found: &Completions,
    start: usize,
    end: usize,
) -> serde_json::Map<String, serde_json::Value> {
    let mut metadata = serde_json::Map::new();
    if found.kinds.len() == found.matches.len() && !found.matches.is_empty() {
        let signature = |i: usize| found.signatures.get(i).cloned().flatten();
        let types = found
            .matches
            .iter()
            .zip(&found.kinds)
            .enumerate()
            .map(|(i, (text, kind))| {
                let mut entry =
                    serde_json::json!({ "text": text, "type": kind, "start": start, "end": end });
                if let Some(signature) = signature(i) {
                    entry["signature"] = signature.into();
                }
                entry
            })
            .collect();
        metadata.insert(
            "_jupyter_types_experimental".to_owned(),
            serde_json::Value::Array(types),
        );
    }
    metadata
}

/// Publishes a running cell's output on IOPub and serves its input requests.
struct PublishingIo<'a> {
    session: &'a Session<'a>,
    stdin: &'a Receiver<Inbound>,
    interrupts: &'a Receiver<()>,
    silent: bool,
    allow_stdin: bool,
}

impl CellIo for PublishingIo<'_> {
    fn stream(&mut self, name: StreamName, text: &str) {
        if self.silent || text.is_empty() {
            return;
        }
        self.session.publish(match name {
            StreamName::Stdout => StreamContent::stdout(text),
            StreamName::Stderr => StreamContent::stderr(text),
        });
    }

    fn display(&mut self, display: Display) {
        if self.silent {
            return;
        }
        match display {
            Display::Update { data, id } => {
                let (data, json) = display_media(data);
                self.session
                    .publish_with(UpdateDisplayData::new(data, &id), json);
            }
            Display::Show { data, id } => {
                let (data, json) = display_media(data);
                let shown = DisplayData {
                    data,
                    metadata: Default::default(),
                    transient: id.map(|id| Transient {
                        display_id: Some(id),
                    }),
                };
                self.session.publish_with(shown, json);
            }
        }
    }

    fn clear_output(&mut self, wait: bool) {
        if !self.silent {
            self.session.publish(ClearOutput { wait });
        }
    }

    fn input(&mut self, prompt: &str, password: bool) -> Result<String, InputUnavailable> {
        if !self.allow_stdin {
            return Err(InputUnavailable::NotAllowed);
        }
        // Replies to earlier, abandoned prompts must not answer this one, and
        // an interrupt that arrived before this prompt must not cancel it.
        while self.stdin.try_recv().is_ok() {}
        while self.interrupts.try_recv().is_ok() {}
        let asked = self.session.ask(InputRequest {
            prompt: prompt.to_owned(),
            password,
        });
        loop {
            crossbeam_channel::select! {
                recv(self.stdin) -> inbound => {
                    let Ok(inbound) = inbound else {
                        return Err(InputUnavailable::Cancelled);
                    };
                    let answers_us = inbound
                        .message
                        .parent_header
                        .as_ref()
                        .is_none_or(|p| p.msg_id == asked.header.msg_id);
                    if let (true, JupyterMessageContent::InputReply(InputReply { value, .. })) =
                        (answers_us, &inbound.message.content)
                    {
                        return Ok(value.clone());
                    }
                }
                recv(self.interrupts) -> _ => return Err(InputUnavailable::Cancelled),
            }
        }
    }
}
