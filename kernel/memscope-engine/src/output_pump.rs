//! Turns the cell process's raw stdout and stderr lines into ordered
//! events: batched text, rich displays, memory reports, and what the
//! engine itself needs to hear (panics, a cell starting to run, a snapshot
//! carrying on).
//!
//! Invariants: one thread reads both streams and is the only writer of
//! output events, so events keep the order in which they were read; after a
//! [`Fence`] is acknowledged, every line the cell wrote before it has been
//! turned into an event. Consecutive lines are merged into one event of at
//! most [`BATCH_BYTES`], so a flood of output becomes few messages. The
//! pump never waits on a process: it asks for fences and records a
//! carried-on pid, and leaves everything slower to the engine.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use memscope_cell_abi::lines::{self, CellMessage};
use memscope_cell_abi::process::STDERR_FENCE;

use crate::events::{Event, StreamKind};

/// The largest chunk of text sent as one event.
pub const BATCH_BYTES: usize = 64 * 1024;

/// How long a batch may collect lines after its first one. Short enough
/// that output feels live, long enough that a flood becomes few messages
/// (ipykernel flushes every 200 ms).
pub const BATCH_WINDOW: Duration = Duration::from_millis(25);

/// How long stderr may stay silent before the fence is given up on.
const FENCE_TIMEOUT: Duration = Duration::from_secs(2);

/// A request to confirm that all output so far has become events.
pub struct Fence {
    pub done: Sender<()>,
}

/// What the pump hands on, in the order the cell process wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PumpEvent {
    /// For the cell's observer.
    Observed(Event),
    /// The cell panicked (the engine makes it the cell's result).
    Panic { message: String, location: String },
    /// The cell process began running the compiled cell.
    Running,
    /// Process `pid` carried on after the one running the cell died; that
    /// one was `replaced` (the engine finds out how it ended).
    CarriedOn { pid: u32, replaced: Option<u32> },
}

/// What the pump needs of the process that runs cells.
pub trait CellSignals {
    /// Asks it to write a stderr fence; false if it cannot be asked.
    fn ask_for_fence(&self) -> bool;
    /// Records that process `pid` carried on after the one running the
    /// cell ended (fences go to it from now on); returns the one it
    /// replaced. Must not wait.
    fn carried_on(&self, pid: u32) -> Option<u32>;
}

/// Runs until an output channel or the fence channel closes, handing each
/// event to `emit` in order.
pub fn pump(
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    fences: Receiver<Fence>,
    cell: impl CellSignals,
    emit: impl FnMut(PumpEvent),
) {
    pump_with_window(stdout, stderr, fences, cell, emit, BATCH_WINDOW);
}

/// [`pump`], with a batch window of the caller's choosing (the tests use
/// a long one, so that what they check does not depend on timing).
fn pump_with_window(
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    fences: Receiver<Fence>,
    cell: impl CellSignals,
    emit: impl FnMut(PumpEvent),
    window: Duration,
) {
    let mut pump = Pump {
        emit,
        cell,
        early_fences: 0,
        fences,
        pending_fence: None,
        window,
    };
    loop {
        if let Some(fence) = pump.pending_fence.take() {
            pump.fence(fence, &stdout, &stderr);
            continue;
        }
        crossbeam_channel::select! {
            recv(stdout) -> line => match line {
                Ok(line) => {
                    pump.collect(StreamKind::Stdout, line, &stdout);
                }
                Err(_) => return,
            },
            recv(stderr) -> line => match line {
                Ok(line) => {
                    // The fence line can beat the fence request here.
                    if pump.collect(StreamKind::Stderr, line, &stderr) {
                        pump.early_fences += 1;
                    }
                }
                Err(_) => return,
            },
            recv(pump.fences) -> fence => match fence {
                Ok(fence) => pump.fence(fence, &stdout, &stderr),
                Err(_) => return,
            },
        }
    }
}

struct Pump<C: CellSignals, E: FnMut(PumpEvent)> {
    emit: E,
    cell: C,
    /// Stderr fences read before their fence request arrived: everything
    /// written before them has already been emitted.
    early_fences: usize,
    fences: Receiver<Fence>,
    /// A fence request that arrived while a batch was collecting lines.
    pending_fence: Option<Fence>,
    window: Duration,
}

/// Text of one stream collected for one event.
struct Batch {
    kind: StreamKind,
    text: String,
    started: Instant,
}

/// What one line read from a stream is.
enum Line {
    /// Text of the cell's, without its newline.
    Text(String),
    /// A message for the kernel (stdout only).
    Message(CellMessage),
    /// The stderr fence, after this much text the cell wrote without a
    /// final newline.
    Fence(String),
}

fn read_line(kind: StreamKind, line: String) -> Line {
    match kind {
        StreamKind::Stdout => match lines::decode(&line) {
            Some(message) => Line::Message(message),
            None => Line::Text(line),
        },
        StreamKind::Stderr => match line.strip_suffix(STDERR_FENCE) {
            Some(before) => Line::Fence(before.to_owned()),
            None => Line::Text(line),
        },
    }
}

impl<C: CellSignals, E: FnMut(PumpEvent)> Pump<C, E> {
    fn emit(&mut self, event: PumpEvent) {
        (self.emit)(event);
    }

    /// Emits the batch's text, if any, and starts it afresh.
    fn flush(&mut self, batch: &mut Batch) {
        if !batch.text.is_empty() {
            let text = std::mem::take(&mut batch.text);
            self.emit(PumpEvent::Observed(Event::Stream(batch.kind, text)));
        }
    }

    /// Handles `first` and the lines of `kind` that follow it within the
    /// batch window; returns true if the stderr fence was among them (the
    /// batch ends there).
    fn collect(&mut self, kind: StreamKind, first: String, lines: &Receiver<String>) -> bool {
        let mut batch = Batch {
            kind,
            text: String::new(),
            started: Instant::now(),
        };
        let mut fenced = false;
        let mut next = Some(first);
        while let Some(line) = next.take() {
            match read_line(kind, line) {
                Line::Text(text) => {
                    batch.text.push_str(&text);
                    batch.text.push('\n');
                }
                Line::Message(message) => {
                    self.flush(&mut batch);
                    self.message(message);
                }
                Line::Fence(before) => {
                    batch.text.push_str(&before);
                    fenced = true;
                    break;
                }
            }
            next = self.more_of_batch(lines, &batch);
        }
        self.flush(&mut batch);
        fenced
    }

    fn message(&mut self, message: CellMessage) {
        let event = match message {
            CellMessage::Display(request) => PumpEvent::Observed(Event::Display(request)),
            CellMessage::Memory { variables } => PumpEvent::Observed(Event::Memory(variables)),
            CellMessage::Values { values } => PumpEvent::Observed(Event::Values(values)),
            CellMessage::Unseen {
                opaque,
                beyond_limit,
            } => PumpEvent::Observed(Event::Unseen {
                opaque,
                beyond_limit,
            }),
            CellMessage::Panic { message, location } => PumpEvent::Panic { message, location },
            CellMessage::Running => PumpEvent::Running,
            CellMessage::CarriedOn { pid } => PumpEvent::CarriedOn {
                pid,
                replaced: self.cell.carried_on(pid),
            },
        };
        self.emit(event);
    }

    /// The next line of `batch`, if one arrives within the batch window and
    /// the batch has room. A fence request ends the wait: the cell has
    /// returned, so nothing more is worth waiting for (the fence itself
    /// collects whatever is still queued).
    fn more_of_batch(&mut self, lines: &Receiver<String>, batch: &Batch) -> Option<String> {
        if batch.text.len() >= BATCH_BYTES {
            return None;
        }
        if self.pending_fence.is_some() {
            return lines.try_recv().ok();
        }
        let left = self.window.saturating_sub(batch.started.elapsed());
        crossbeam_channel::select! {
            recv(lines) -> line => line.ok(),
            recv(self.fences) -> fence => {
                self.pending_fence = fence.ok();
                None
            },
            default(left) => None,
        }
    }

    fn fence(&mut self, fence: Fence, stdout: &Receiver<String>, stderr: &Receiver<String>) {
        // evcxr has handed us every stdout line of the cell before it
        // returned, so whatever is queued now is all there is.
        while let Ok(line) = stdout.try_recv() {
            self.collect(StreamKind::Stdout, line, stdout);
        }
        // Asked only now, after the cell's stdout: a cell whose process
        // died is answered by the process that carried on, which its
        // stdout named.
        let expect_stderr_fence = self.cell.ask_for_fence();
        if expect_stderr_fence && self.early_fences > 0 {
            self.early_fences -= 1;
            while let Ok(line) = stderr.try_recv() {
                self.collect(StreamKind::Stderr, line, stderr);
            }
        } else if expect_stderr_fence {
            // The timeout is for silence, not for the whole wait: a cell that
            // flooded stderr may take seconds to drain, and none of it may
            // be left behind for the next cell.
            loop {
                match stderr.recv_timeout(FENCE_TIMEOUT) {
                    Ok(line) => {
                        if self.collect(StreamKind::Stderr, line, stderr) {
                            break;
                        }
                    }
                    Err(_) => {
                        tracing::warn!("no stderr fence from the cell process");
                        break;
                    }
                }
            }
        } else {
            while let Ok(line) = stderr.try_recv() {
                self.collect(StreamKind::Stderr, line, stderr);
            }
        }
        let _ = fence.done.send(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use memscope_cell_abi::lines::{DisplayRequest, encode};

    /// A cell process that always agrees to write a fence (the tests write
    /// the fence line themselves), and that a pid 1 less than any copy's
    /// ran the cell.
    struct AlwaysFences;

    impl CellSignals for AlwaysFences {
        fn ask_for_fence(&self) -> bool {
            true
        }

        fn carried_on(&self, pid: u32) -> Option<u32> {
            Some(pid - 1)
        }
    }

    /// Asks the pump for a stderr fence, as the engine does after a cell,
    /// and waits until the pump has passed it.
    fn fence_and_wait(fences: &crossbeam_channel::Sender<Fence>) {
        let (done_tx, done_rx) = crossbeam_channel::bounded(1);
        fences.send(Fence { done: done_tx }).unwrap();
        done_rx.recv().unwrap();
    }

    fn stream(kind: StreamKind, text: &str) -> PumpEvent {
        PumpEvent::Observed(Event::Stream(kind, text.to_owned()))
    }

    fn run(stdout_lines: &[&str], stderr_lines: &[&str]) -> Vec<PumpEvent> {
        let (out_tx, out_rx) = crossbeam_channel::unbounded();
        let (err_tx, err_rx) = crossbeam_channel::unbounded();
        let (fence_tx, fence_rx) = crossbeam_channel::unbounded();
        let (ev_tx, ev_rx) = crossbeam_channel::unbounded();
        for l in stdout_lines {
            out_tx.send(l.to_string()).unwrap();
        }
        for l in stderr_lines {
            err_tx.send(l.to_string()).unwrap();
        }
        let thread = std::thread::spawn(move || {
            pump(out_rx, err_rx, fence_rx, AlwaysFences, |event| {
                ev_tx.send(event).unwrap()
            })
        });
        fence_and_wait(&fence_tx);
        drop((out_tx, err_tx, fence_tx));
        thread.join().unwrap();
        ev_rx.try_iter().collect()
    }

    #[test]
    fn a_process_that_carried_on_is_reported_in_order() {
        let carried = encode(&CellMessage::CarriedOn { pid: 77 });
        let events = run(&["before", &carried], &[STDERR_FENCE]);
        assert_eq!(
            events,
            [
                stream(StreamKind::Stdout, "before\n"),
                PumpEvent::CarriedOn {
                    pid: 77,
                    replaced: Some(76)
                },
            ]
        );
    }

    #[test]
    fn lines_are_batched_and_displays_split_them_in_order() {
        let clear = DisplayRequest::Clear { wait: false };
        let display = encode(&CellMessage::Display(clear.clone()));
        let running = encode(&CellMessage::Running);
        let events = run(
            &[&running, "a", "b", &display, "c"],
            &["oops", STDERR_FENCE],
        );
        let stdout: Vec<&PumpEvent> = events
            .iter()
            .filter(|e| **e != stream(StreamKind::Stderr, "oops\n"))
            .collect();
        assert_eq!(
            stdout,
            [
                &PumpEvent::Running,
                &stream(StreamKind::Stdout, "a\nb\n"),
                &PumpEvent::Observed(Event::Display(clear)),
                &stream(StreamKind::Stdout, "c\n"),
            ]
        );
        assert!(events.contains(&stream(StreamKind::Stderr, "oops\n")));
    }

    /// Regression: a fence line read before its request made the request
    /// wait for the whole silence timeout, two seconds per cell.
    #[test]
    fn a_fence_that_beats_its_request_is_not_waited_for() {
        let (_out_tx, out_rx) = crossbeam_channel::unbounded::<String>();
        let (err_tx, err_rx) = crossbeam_channel::unbounded();
        let (fence_tx, fence_rx) = crossbeam_channel::unbounded();
        let (ev_tx, ev_rx) = crossbeam_channel::unbounded();
        std::thread::spawn(move || {
            pump(out_rx, err_rx, fence_rx, AlwaysFences, |event| {
                ev_tx.send(event).unwrap()
            })
        });
        err_tx.send("warning".to_owned()).unwrap();
        err_tx.send(STDERR_FENCE.to_owned()).unwrap();
        // Wait until the pump has read both lines on its own.
        assert_eq!(
            ev_rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            stream(StreamKind::Stderr, "warning\n")
        );
        let asked = Instant::now();
        fence_and_wait(&fence_tx);
        assert!(asked.elapsed() < FENCE_TIMEOUT, "{:?}", asked.elapsed());
    }

    #[test]
    fn fence_after_partial_stderr_line_keeps_the_text() {
        let partial = format!("no newline{STDERR_FENCE}");
        let events = run(&[], &[&partial]);
        assert_eq!(events, [stream(StreamKind::Stderr, "no newline")]);
    }

    #[test]
    fn a_flood_becomes_few_events_and_loses_nothing() {
        let lines: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let events = run(&refs, &[STDERR_FENCE]);
        let text: String = events
            .iter()
            .map(|e| match e {
                PumpEvent::Observed(Event::Stream(StreamKind::Stdout, t)) => t.as_str(),
                _ => "",
            })
            .collect();
        let expected: String = lines.iter().map(|l| format!("{l}\n")).collect();
        assert_eq!(text, expected);
        assert!(events.len() < 20, "{} events", events.len());
    }

    /// Lines that arrive one at a time, each after the pump has taken the
    /// one before and gone back to waiting, still make one batch while the
    /// window lasts; the fence request ends it. The window is long and the
    /// producer waits for the pump, not for a clock, so nothing here
    /// depends on timing.
    #[test]
    fn lines_that_trickle_in_are_still_batched() {
        let (out_tx, out_rx) = crossbeam_channel::unbounded();
        let (err_tx, err_rx) = crossbeam_channel::unbounded::<String>();
        let (fence_tx, fence_rx) = crossbeam_channel::unbounded();
        let (ev_tx, ev_rx) = crossbeam_channel::unbounded();
        let long_window = Duration::from_secs(600);
        std::thread::spawn(move || {
            pump_with_window(
                out_rx,
                err_rx,
                fence_rx,
                AlwaysFences,
                |event| ev_tx.send(event).unwrap(),
                long_window,
            )
        });
        for i in 0..200 {
            out_tx.send(i.to_string()).unwrap();
            while !out_tx.is_empty() {
                std::thread::yield_now();
            }
        }
        err_tx.send(STDERR_FENCE.to_owned()).unwrap();
        fence_and_wait(&fence_tx);
        let events: Vec<PumpEvent> = ev_rx.try_iter().collect();
        let expected: String = (0..200).map(|i| format!("{i}\n")).collect();
        assert_eq!(events, [stream(StreamKind::Stdout, &expected)]);
    }

    #[test]
    fn panic_reports_become_panic_events() {
        let line = encode(&CellMessage::Panic {
            message: "boom".into(),
            location: "src/lib.rs:1:1".into(),
        });
        let events = run(&[&line], &[STDERR_FENCE]);
        assert_eq!(
            events,
            [PumpEvent::Panic {
                message: "boom".into(),
                location: "src/lib.rs:1:1".into()
            }]
        );
    }
}
