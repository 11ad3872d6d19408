//! Which process runs cells, seen from the kernel: evcxr's child, or the
//! snapshot that carried on after it died (see `snapshot`).
//!
//! Invariants: signals for the cell process (interrupt, fence) go to the
//! process recorded here, never to a pid that may have been reused: a
//! process that carried on is our child (the kernel is a subreaper), so its
//! pid stays ours until we reap it, and we reap it only when it is replaced
//! or at shutdown. evcxr's own child is reaped only through evcxr's
//! `Child`, so evcxr never waits on a pid we took.

use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ExitStatus};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Shared by the engine's threads; cheap to clone.
#[derive(Clone, Default)]
pub struct CellPid {
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

impl CellPid {
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
                reap(adopted, Duration::from_millis(200));
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
    pub fn signal(&self, signal: libc::c_int) -> bool {
        let Some(pid) = self.current() else {
            return false;
        };
        // SAFETY: signalling a process that is our child or grandchild,
        // whose pid cannot have been reused (see the module's invariant).
        unsafe { libc::kill(pid as libc::pid_t, signal) == 0 }
    }

    /// `pid` carried on after the process running cells died: records it
    /// and says how the old one ended.
    pub fn carried_on(&self, pid: u32) -> String {
        let Ok(mut state) = self.state.lock() else {
            return "the cell process ended".to_owned();
        };
        let previous = state.current.replace(pid);
        let status = match previous {
            Some(old) if Some(old) == state.evcxr_pid => {
                let child = state.evcxr_child.clone();
                child.and_then(|c| wait_for_child(&c, Duration::from_secs(1)))
            }
            Some(old) => reap(old, Duration::from_secs(1)),
            None => None,
        };
        describe(status)
    }

    /// At shutdown: a process that carried on is not evcxr's, so evcxr
    /// will not stop it; we do.
    pub fn stop_adopted(&self) {
        let Ok(state) = self.state.lock() else { return };
        if let Some(adopted) = state.current.filter(|&p| Some(p) != state.evcxr_pid) {
            // SAFETY: the process is our child (see the invariant).
            unsafe { libc::kill(adopted as libc::pid_t, libc::SIGKILL) };
            reap(adopted, Duration::from_secs(2));
        }
    }
}

/// Reaps, once a second, the orphans the kernel adopts as a subreaper
/// (helpers that cargo or mold leave behind, a snapshot's parent's
/// children): nobody else waits for them. A zombie is reaped only when it
/// was already one a second earlier, so a child that `std::process` is
/// about to wait for (it does so at once) is never taken from it.
pub fn reap_orphans_forever() {
    let me = std::process::id();
    let mut seen_before: Vec<u32> = Vec::new();
    loop {
        let zombies = zombie_children(me);
        for &pid in zombies.iter().filter(|pid| seen_before.contains(pid)) {
            // SAFETY: waitpid on a zombie child of ours, without blocking.
            unsafe { libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), libc::WNOHANG) };
        }
        seen_before = zombies;
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Our children that have exited and not been reaped.
fn zombie_children(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
            let state = fields.next()?;
            let ppid: u32 = fields.next()?.parse().ok()?;
            (state == "Z" && ppid == parent).then_some(pid)
        })
        .collect()
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

/// Reaps our child `pid`, waiting up to `patience` for it to exit.
fn reap(pid: u32, patience: Duration) -> Option<ExitStatus> {
    let until = Instant::now() + patience;
    loop {
        let mut raw = 0;
        // SAFETY: waitpid on a child of ours, without blocking.
        let reaped = unsafe { libc::waitpid(pid as libc::pid_t, &mut raw, libc::WNOHANG) };
        if reaped == pid as libc::pid_t {
            return Some(ExitStatus::from_raw(raw));
        }
        if reaped < 0 || Instant::now() >= until {
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
        if code == crate::cell_process::INTERRUPTED_STATUS {
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
