//! Stopping a running cell from another thread (Jupyter's interrupt).
//!
//! While the interrupted cell compiles or runs, an interrupt kills the
//! compilers we started (the cell then fails to compile, and nothing else
//! changes; evcxr compiles a failed cell again, so this repeats until the
//! cell has ended) and sends the cell process [`INTERRUPT_SIGNAL`], on
//! which it ends itself only while a cell runs; the snapshot taken before
//! the cell then carries on with every earlier variable (see `snapshot`).
//! Should the cell still run two seconds later (its code blocked the
//! signal) while a snapshot waits, the process is killed outright: the
//! snapshot carries on all the same. A cell interrupted before the engine
//! reached it does not run. An interrupt is for the request the client saw
//! start last: the kernel calls [`Interrupter::request_started`] before it
//! announces a request busy, and an interrupt from before that is
//! forgotten (one that came while the kernel was idle stops nothing).
//!
//! Invariant: an interrupt never kills a cell process that holds the only
//! copy of the session's variables (without a snapshot it only signals),
//! nor the compile of the session's set-up.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::cell_pid::CellPid;
use crate::cell_process::INTERRUPT_SIGNAL;

/// How long a running cell may ignore the interrupt signal.
const GRACE: Duration = Duration::from_secs(2);

/// How long an interrupt keeps watching a cell that does not end.
const WATCH_LIMIT: Duration = Duration::from_secs(60);

/// Stops the running cell from another thread.
#[derive(Clone, Default)]
pub struct Interrupter {
    pub(crate) interrupted: Arc<AtomicBool>,
    pub(crate) cell: CellPid,
    /// Whether the worker is compiling or running a user's cell (not the
    /// session's set-up, which an interrupt must never break).
    pub(crate) in_cell: Arc<AtomicBool>,
    /// Cells started plus cells finished: odd while a cell is under way.
    cells: Arc<AtomicU64>,
}

impl Interrupter {
    /// Stops the running compile or cell; the running job then ends as
    /// `CellResult::Interrupted`. A cell still waiting for the engine to
    /// start does not run at all.
    pub fn interrupt(&self) {
        self.interrupted.store(true, Ordering::SeqCst);
        let seen = self.cells.load(Ordering::SeqCst);
        if seen % 2 == 1 {
            let this = self.clone();
            let _ = std::thread::Builder::new()
                .name("interrupt-watch".into())
                .spawn(move || this.watch(seen));
        }
    }

    /// Until the interrupted cell (number `seen`) has ended, while it
    /// compiles or runs: kills every compiler (evcxr compiles a failed cell
    /// again to word its errors) and signals the cell process (which ends
    /// itself only while the cell runs); once the cell has had the signal
    /// for the grace period, kills its process if a snapshot waits.
    fn watch(&self, seen: u64) {
        let began = std::time::Instant::now();
        let mut signalled_since = None;
        let mut killed = false;
        while self.cells.load(Ordering::SeqCst) == seen && began.elapsed() < WATCH_LIMIT {
            if self.in_cell.load(Ordering::SeqCst) {
                kill_compilers();
                self.cell.signal(INTERRUPT_SIGNAL);
                let since = *signalled_since.get_or_insert_with(std::time::Instant::now);
                if !killed && since.elapsed() >= GRACE && self.snapshot_waits() {
                    tracing::warn!("the cell ignored the interrupt; killing its process");
                    self.cell.signal(libc::SIGKILL);
                    killed = true;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A request is about to be announced to the client: an interrupt
    /// from before it is forgotten, one from after it stops its cell (even
    /// one that comes before the engine starts the cell, which then does
    /// not run).
    pub fn request_started(&self) {
        self.interrupted.store(false, Ordering::SeqCst);
    }

    pub(crate) fn cell_started(&self) {
        self.cells.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn cell_finished(&self) {
        self.cells.fetch_add(1, Ordering::SeqCst);
        // Whatever interrupted this cell is spent.
        self.interrupted.store(false, Ordering::SeqCst);
    }

    /// Whether the cell process has a snapshot waiting: a child running
    /// the same program (a cell's own child processes run others).
    fn snapshot_waits(&self) -> bool {
        let Some(pid) = self.cell.current() else {
            return false;
        };
        let processes = process_table();
        let Some(name) = processes.iter().find(|p| p.pid == pid).map(|p| &p.name) else {
            return false;
        };
        processes.iter().any(|p| p.parent == pid && &p.name == name)
    }
}

/// Kills the cargo and rustc processes we started, at any depth (rustc is
/// cargo's child, and evcxr's rustc wrapper sits between them): an
/// interrupted compile must stop, not run on behind the user's back.
fn kill_compilers() {
    let processes = process_table();
    let mut ours = vec![std::process::id()];
    let mut i = 0;
    while i < ours.len() {
        let parent = ours[i];
        ours.extend(
            processes
                .iter()
                .filter(|p| p.parent == parent)
                .map(|p| p.pid),
        );
        i += 1;
    }
    for process in &processes {
        let compiler = process.name == "cargo" || process.name.starts_with("rustc");
        if compiler && ours.contains(&process.pid) {
            // SAFETY: sending a signal to a process we started.
            unsafe {
                libc::kill(process.pid as libc::pid_t, libc::SIGKILL);
            }
        }
    }
}

struct ProcessEntry {
    pid: u32,
    parent: u32,
    name: String,
}

/// Every process's id, parent and name, from /proc.
fn process_table() -> Vec<ProcessEntry> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // stat is "pid (name) state ppid ...": the name may contain
            // spaces and parentheses, so split at the last ')'.
            let (head, tail) = stat.rsplit_once(')')?;
            let name = head.split_once('(')?.1.to_owned();
            let parent = tail.split_whitespace().nth(1)?.parse().ok()?;
            Some(ProcessEntry { pid, parent, name })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interrupted(interrupter: &Interrupter) -> bool {
        interrupter.interrupted.load(Ordering::SeqCst)
    }

    #[test]
    fn an_interrupt_after_busy_stops_the_cell_even_before_the_engine_starts_it() {
        let interrupter = Interrupter::default();
        interrupter.request_started();
        interrupter.interrupt();
        interrupter.cell_started();
        assert!(interrupted(&interrupter), "the worker would run the cell");
        interrupter.cell_finished();
        assert!(!interrupted(&interrupter), "the next cell would not run");
    }

    #[test]
    fn an_interrupt_before_the_request_stops_nothing() {
        let interrupter = Interrupter::default();
        interrupter.interrupt();
        interrupter.request_started();
        interrupter.cell_started();
        assert!(!interrupted(&interrupter));
        interrupter.cell_finished();
    }
}
