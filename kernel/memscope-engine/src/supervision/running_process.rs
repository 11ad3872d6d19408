//! Which process runs cells, seen from the kernel: evcxr's child, or the
//! snapshot that carried on after it died (see `cell_process::snapshot`).
//!
//! Invariants: signals for the cell process (interrupt, fence) go to the
//! process recorded here, never to a pid that may have been reused: a
//! process that carried on is our child (the kernel is a subreaper), so its
//! pid stays ours until we reap it, and we reap it only when it is replaced.
//! evcxr's own child is reaped only through evcxr's `Child`, so evcxr never
//! waits on a pid we took. At shutdown nothing here runs: every cell
//! process, evcxr's or adopted, dies with the kernel by its parent-death
//! signal, and is killed with every other process below the kernel on the
//! kernel's one way out (`processes::kill_descendants`).

use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ExitStatus};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::process::Signal;

use crate::cell_process::{FENCE_SIGNAL, INTERRUPTED_STATUS};
use crate::output_pump::CellSignals;
use crate::processes;

/// Shared by the engine's threads; cheap to clone.
#[derive(Clone, Default)]
pub struct RunningProcess {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    /// evcxr's handle on the process it started (and restarts).
    evcxr_child: Option<Arc<Mutex<Child>>>,
    /// The pid of evcxr's child when we last looked.
    evcxr_pid: Option<u32>,
    /// The process running cells now.
    current: Option<u32>,
}

impl RunningProcess {
    /// Follows evcxr's child: call after starting the context and after
    /// every cell, since evcxr restarts its child when it dies.
    pub fn follow(&self, child: Arc<Mutex<Child>>) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let pid = child.lock().map(|c| c.id()).ok();
        if pid != state.evcxr_pid {
            // evcxr started a new process: whatever carried on before is
            // gone with the old one's pipes.
            if let Some(adopted) = state.current.filter(|&p| Some(p) != state.evcxr_pid) {
                processes::reap(adopted, Duration::from_millis(200));
            }
            state.evcxr_pid = pid;
            state.current = pid;
        }
        state.evcxr_child = Some(child);
    }

    /// The process running cells now.
    pub fn current(&self) -> Option<u32> {
        self.state.lock().ok()?.current
    }

    /// Sends `signal` to the process running cells; false if there is none
    /// or it is gone.
    pub fn signal(&self, signal: Signal) -> bool {
        self.current()
            .is_some_and(|pid| processes::signal(pid, signal))
    }

    /// `pid` carried on after the process running cells died: from now on
    /// signals go to it. Returns the process it replaced. Never waits.
    pub fn adopt(&self, pid: u32) -> Option<u32> {
        self.state.lock().ok()?.current.replace(pid)
    }

    /// How `replaced`, the process a carried-on copy took over from, ended:
    /// waits up to a second for it to exit and reaps it.
    pub fn how_it_ended(&self, replaced: Option<u32>) -> String {
        let Some(old) = replaced else {
            return describe(None);
        };
        let evcxr_child = self
            .state
            .lock()
            .ok()
            .filter(|state| state.evcxr_pid == Some(old))
            .and_then(|state| state.evcxr_child.clone());
        let status = match evcxr_child {
            Some(child) => wait_for_child(&child, Duration::from_secs(1)),
            None => processes::reap(old, Duration::from_secs(1)),
        };
        describe(status)
    }

    /// Whether the process running cells has a snapshot waiting: a child
    /// running the same program (a cell's own child processes run others).
    pub fn snapshot_waits(&self) -> bool {
        let Some(pid) = self.current() else {
            return false;
        };
        let table = processes::process_table();
        let Some(name) = table.iter().find(|p| p.pid == pid).map(|p| &p.name) else {
            return false;
        };
        table.iter().any(|p| p.parent == pid && &p.name == name)
    }
}

impl CellSignals for RunningProcess {
    fn ask_for_fence(&self) -> bool {
        self.signal(FENCE_SIGNAL)
    }

    fn carried_on(&self, pid: u32) -> Option<u32> {
        self.adopt(pid)
    }
}

/// evcxr's child's exit status, once it has one.
fn wait_for_child(child: &Mutex<Child>, patience: Duration) -> Option<ExitStatus> {
    let until = Instant::now() + patience;
    loop {
        if let Ok(Some(status)) = child.lock().ok()?.try_wait() {
            return Some(status);
        }
        if Instant::now() >= until {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// How a cell process ended, in words a notebook user can act on.
pub fn describe(status: Option<ExitStatus>) -> String {
    let Some(status) = status else {
        return "the process running the cell ended".to_owned();
    };
    if let Some(code) = status.code() {
        if code == INTERRUPTED_STATUS {
            return "the cell was interrupted".to_owned();
        }
        return format!("the cell ended its process with exit status {code} (std::process::exit)");
    }
    match status.signal() {
        Some(libc::SIGABRT) => "the cell aborted its process (SIGABRT: std::process::abort, \
             a stack overflow or a failed allocation; its stderr says which)"
            .to_owned(),
        Some(libc::SIGSEGV) => {
            "the cell's process crashed with a segmentation fault (SIGSEGV)".to_owned()
        }
        Some(libc::SIGBUS) => "the cell's process crashed with a bus error (SIGBUS)".to_owned(),
        Some(libc::SIGKILL) => "the cell's process was killed (SIGKILL; the system may have \
             run out of memory)"
            .to_owned(),
        Some(signal) => format!("the cell's process was ended by signal {signal}"),
        None => "the process running the cell ended".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses_are_described_by_cause() {
        let exited = |code: i32| Some(ExitStatus::from_raw(code << 8));
        let signalled = |signal: i32| Some(ExitStatus::from_raw(signal));
        assert!(describe(exited(3)).contains("exit status 3"));
        assert_eq!(describe(exited(130)), "the cell was interrupted");
        assert!(describe(signalled(libc::SIGABRT)).contains("stack overflow"));
        assert!(describe(signalled(libc::SIGSEGV)).contains("segmentation fault"));
        assert!(describe(signalled(libc::SIGKILL)).contains("killed"));
        assert!(describe(None).contains("ended"));
    }
}
