//! Turns the cell process's raw stdout and stderr lines into ordered
//! [`Event`]s: batched text, rich displays and panic reports.
//!
//! Invariants: one thread reads both streams and is the only writer of
//! output events, so events keep the order in which they were read; after a
//! [`Fence`] is acknowledged, every line the cell wrote before it has been
//! turned into an event. Consecutive lines are merged into one event of at
//! most [`BATCH_BYTES`], so a flood of output becomes few messages.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use memscope_prelude::channel::{self, Message};

use crate::cell_process::STDERR_FENCE;
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

/// What the pump needs of the process that runs cells.
pub trait CellProcess {
    /// Asks it to write a stderr fence; false if it cannot be asked.
    fn ask_for_fence(&self) -> bool;
    /// Records that process `pid` carried on after the one running the
    /// cell ended, and says how that one ended.
    fn carried_on(&self, pid: u32) -> String;
}

impl CellProcess for crate::cell_pid::CellPid {
    fn ask_for_fence(&self) -> bool {
        self.signal(crate::cell_process::FENCE_SIGNAL)
    }

    fn carried_on(&self, pid: u32) -> String {
        crate::cell_pid::CellPid::carried_on(self, pid)
    }
}

/// Runs until an output channel or the fence channel closes, handing each
/// event to `emit` in order.
pub fn pump(
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    fences: Receiver<Fence>,
    cell: impl CellProcess,
    emit: impl FnMut(Event),
) {
    let mut pump = Pump {
        emit,
        cell,
        early_fences: 0,
        fences,
        pending_fence: None,
    };
    loop {
        if let Some(fence) = pump.pending_fence.take() {
            pump.fence(fence, &stdout, &stderr);
            continue;
        }
        crossbeam_channel::select! {
            recv(stdout) -> line => match line {
                Ok(line) => pump.stdout(line, &stdout),
                Err(_) => return,
            },
            recv(stderr) -> line => match line {
                Ok(line) => {
                    // The fence line can beat the fence request here.
                    if pump.stderr(line, &stderr) {
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

struct Pump<C: CellProcess, E: FnMut(Event)> {
    emit: E,
    cell: C,
    /// Stderr fences read before their fence request arrived: everything
    /// written before them has already been emitted.
    early_fences: usize,
    fences: Receiver<Fence>,
    /// A fence request that arrived while a batch was collecting lines.
    pending_fence: Option<Fence>,
}

impl<C: CellProcess, E: FnMut(Event)> Pump<C, E> {
    fn emit(&mut self, event: Event) {
        (self.emit)(event);
    }

    /// The next line of a batch begun at `started`, if one arrives within
    /// the batch window and the batch has room. A fence request ends the
    /// wait: the cell has returned, so nothing more is worth waiting for
    /// (the fence itself collects whatever is still queued).
    fn more_of_batch(
        &mut self,
        lines: &Receiver<String>,
        text: &str,
        started: Instant,
    ) -> Option<String> {
        if text.len() >= BATCH_BYTES {
            return None;
        }
        if self.pending_fence.is_some() {
            return lines.try_recv().ok();
        }
        let left = BATCH_WINDOW.saturating_sub(started.elapsed());
        crossbeam_channel::select! {
            recv(lines) -> line => line.ok(),
            recv(self.fences) -> fence => {
                self.pending_fence = fence.ok();
                None
            },
            default(left) => None,
        }
    }

    /// Handles `first` and every line already waiting behind it.
    fn stdout(&mut self, first: String, more: &Receiver<String>) {
        let started = Instant::now();
        let mut text = String::new();
        let mut next = Some(first);
        while let Some(line) = next.take() {
            if let Some(message) = channel::decode(&line) {
                if !text.is_empty() {
                    self.emit(Event::Stream(StreamKind::Stdout, std::mem::take(&mut text)));
                }
                self.emit(match message {
                    Message::Panic { message, location } => Event::Panic { message, location },
                    Message::Memory { variables } => Event::Memory(variables),
                    Message::CarriedOn { pid } => Event::CarriedOn {
                        pid,
                        ended: self.cell.carried_on(pid),
                    },
                    other => Event::Display(other),
                });
            } else {
                text.push_str(&line);
                text.push('\n');
            }
            next = self.more_of_batch(more, &text, started);
        }
        if !text.is_empty() {
            self.emit(Event::Stream(StreamKind::Stdout, text));
        }
    }

    /// Handles `first` and every line already waiting behind it; returns
    /// true if the stderr fence was among them.
    fn stderr(&mut self, first: String, more: &Receiver<String>) -> bool {
        let started = Instant::now();
        let mut text = String::new();
        let mut fenced = false;
        let mut next = Some(first);
        while let Some(line) = next.take() {
            if let Some(before) = line.strip_suffix(STDERR_FENCE) {
                // Text the cell wrote without a final newline.
                text.push_str(before);
                fenced = true;
                break;
            }
            text.push_str(&line);
            text.push('\n');
            next = self.more_of_batch(more, &text, started);
        }
        if !text.is_empty() {
            self.emit(Event::Stream(StreamKind::Stderr, text));
        }
        fenced
    }

    fn fence(&mut self, fence: Fence, stdout: &Receiver<String>, stderr: &Receiver<String>) {
        // evcxr has handed us every stdout line of the cell before it
        // returned, so whatever is queued now is all there is.
        while let Ok(line) = stdout.try_recv() {
            self.stdout(line, stdout);
        }
        // Asked only now, after the cell's stdout: a cell whose process
        // died is answered by the process that carried on, which its
        // stdout named.
        let expect_stderr_fence = self.cell.ask_for_fence();
        if expect_stderr_fence && self.early_fences > 0 {
            self.early_fences -= 1;
            while let Ok(line) = stderr.try_recv() {
                self.stderr(line, stderr);
            }
        } else if expect_stderr_fence {
            // The timeout is for silence, not for the whole wait: a cell that
            // flooded stderr may take seconds to drain, and none of it may
            // be left behind for the next cell.
            loop {
                match stderr.recv_timeout(FENCE_TIMEOUT) {
                    Ok(line) => {
                        if self.stderr(line, stderr) {
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
                self.stderr(line, stderr);
            }
        }
        let _ = fence.done.send(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell process that always agrees to write a fence (the tests write
    /// the fence line themselves).
    struct AlwaysFences;

    impl CellProcess for AlwaysFences {
        fn ask_for_fence(&self) -> bool {
            true
        }

        fn carried_on(&self, pid: u32) -> String {
            format!("{pid} carried on")
        }
    }

    /// Asks the pump for a stderr fence, as the engine does after a cell,
    /// and waits until the pump has passed it.
    fn fence_and_wait(fences: &crossbeam_channel::Sender<Fence>) {
        let (done_tx, done_rx) = crossbeam_channel::bounded(1);
        fences.send(Fence { done: done_tx }).unwrap();
        done_rx.recv().unwrap();
    }

    fn run(stdout_lines: &[&str], stderr_lines: &[&str]) -> Vec<Event> {
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
        let carried = channel::encode(&Message::CarriedOn { pid: 77 });
        let events = run(&["before", &carried], &[STDERR_FENCE]);
        assert_eq!(
            events,
            [
                Event::Stream(StreamKind::Stdout, "before\n".into()),
                Event::CarriedOn {
                    pid: 77,
                    ended: "77 carried on".into()
                },
            ]
        );
    }

    #[test]
    fn lines_are_batched_and_displays_split_them_in_order() {
        let display = channel::encode(&Message::Clear { wait: false });
        let events = run(&["a", "b", &display, "c"], &["oops", STDERR_FENCE]);
        let stdout: Vec<&Event> = events
            .iter()
            .filter(|e| !matches!(e, Event::Stream(StreamKind::Stderr, _)))
            .collect();
        assert_eq!(
            stdout,
            [
                &Event::Stream(StreamKind::Stdout, "a\nb\n".into()),
                &Event::Display(Message::Clear { wait: false }),
                &Event::Stream(StreamKind::Stdout, "c\n".into()),
            ]
        );
        assert!(events.contains(&Event::Stream(StreamKind::Stderr, "oops\n".into())));
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
            Event::Stream(StreamKind::Stderr, "warning\n".into())
        );
        let asked = Instant::now();
        fence_and_wait(&fence_tx);
        assert!(asked.elapsed() < FENCE_TIMEOUT, "{:?}", asked.elapsed());
    }

    #[test]
    fn fence_after_partial_stderr_line_keeps_the_text() {
        let partial = format!("no newline{STDERR_FENCE}");
        let events = run(&[], &[&partial]);
        assert_eq!(
            events,
            [Event::Stream(StreamKind::Stderr, "no newline".into())]
        );
    }

    #[test]
    fn a_flood_becomes_few_events_and_loses_nothing() {
        let lines: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let events = run(&refs, &[STDERR_FENCE]);
        let text: String = events
            .iter()
            .map(|e| match e {
                Event::Stream(StreamKind::Stdout, t) => t.as_str(),
                _ => "",
            })
            .collect();
        let expected: String = lines.iter().map(|l| format!("{l}\n")).collect();
        assert_eq!(text, expected);
        assert!(events.len() < 20, "{} events", events.len());
    }

    #[test]
    fn lines_that_trickle_in_are_still_batched() {
        // A producer slower than the pump: without the batch window every
        // line would be its own event.
        let (out_tx, out_rx) = crossbeam_channel::unbounded();
        let (_err_tx, err_rx) = crossbeam_channel::unbounded::<String>();
        let (_fence_tx, fence_rx) = crossbeam_channel::unbounded();
        let (ev_tx, ev_rx) = crossbeam_channel::unbounded();
        let producer = std::thread::spawn(move || {
            for i in 0..200 {
                out_tx.send(i.to_string()).unwrap();
                std::thread::sleep(Duration::from_micros(500));
            }
        });
        let pump_thread = std::thread::spawn(move || {
            pump(out_rx, err_rx, fence_rx, AlwaysFences, |event| {
                ev_tx.send(event).unwrap()
            })
        });
        producer.join().unwrap();
        pump_thread.join().unwrap();
        let events: Vec<Event> = ev_rx.try_iter().collect();
        let lines: usize = events
            .iter()
            .map(|e| match e {
                Event::Stream(_, t) => t.lines().count(),
                _ => 0,
            })
            .sum();
        assert_eq!(lines, 200);
        assert!(events.len() < 50, "{} events for 200 lines", events.len());
    }

    #[test]
    fn panic_reports_become_panic_events() {
        let line = channel::encode(&Message::Panic {
            message: "boom".into(),
            location: "src/lib.rs:1:1".into(),
        });
        let events = run(&[&line], &[STDERR_FENCE]);
        assert_eq!(
            events,
            [Event::Panic {
                message: "boom".into(),
                location: "src/lib.rs:1:1".into()
            }]
        );
    }
}
