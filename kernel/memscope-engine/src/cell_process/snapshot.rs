//! A copy of the cell process, taken just before each cell, that carries
//! on if the cell never returns.
//!
//! Before a cell runs, the cell process forks. The parent runs the cell;
//! the child is a copy-on-write image of every variable as it was before
//! the cell, and waits. When the cell returns, the parent kills the copy.
//! When the parent dies instead (an interrupt, `process::exit`, an abort, a
//! stack overflow, a segfault, the OOM killer), the copy notices that the
//! pipe it shares with the parent has closed and carries on as the cell
//! process: it tells the kernel its pid and ends the cell as evcxr ends a
//! panicked one, so every variable from before the cell is kept.
//!
//! Invariants: at most one copy exists, and only while a cell runs; a copy
//! is taken only while the process has a single thread (fork copies just
//! the calling thread, and a copy missing the threads a session started
//! would not work); the copy dies with the kernel. The copy is a child of
//! the cell process, so it can outlive it only because the kernel makes
//! itself a subreaper (see `Engine::start`): when the parent dies, the copy
//! becomes the kernel's child, and the kernel can signal and reap it.

use std::io::{PipeReader, PipeWriter, Read, Write};

use rustix::process::Signal;

use crate::processes;

/// A waiting copy, held by the process that runs the cell.
pub struct Snapshot {
    pid: u32,
    /// Our end of the pipe: the copy reads end-of-file when it closes,
    /// which happens when this process dies.
    _alive: PipeWriter,
}

/// Which side of the fork returned.
pub enum Forked {
    /// This process runs the cell; the copy waits.
    Original(Snapshot),
    /// This is the copy, and the process that ran the cell has died.
    CarryingOn,
}

impl Snapshot {
    /// Takes a copy of this process, or returns `None` when none can be
    /// taken (more than one thread, or the fork failed); the cell then runs
    /// without one, as with evcxr.
    pub fn take() -> Option<Forked> {
        if processes::thread_count() != Some(1) {
            return None;
        }
        // Nothing buffered may be written twice, once by each process.
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        // Both ends are close-on-exec: a program the cell starts must not
        // keep the copy waiting.
        let (read_end, write_end) = std::io::pipe().ok()?;
        let original = std::process::id();
        let kernel = processes::parent_pid();
        // SAFETY: the process has one thread (checked above), so the child
        // is a complete copy and may go on running Rust code.
        match unsafe { libc::fork() } {
            -1 => None,
            0 => {
                drop(write_end);
                wait_for_end_of(read_end);
                adopt_kernel_as_parent(original, kernel);
                Some(Forked::CarryingOn)
            }
            pid => {
                drop(read_end);
                Some(Forked::Original(Snapshot {
                    pid: pid as u32,
                    _alive: write_end,
                }))
            }
        }
    }

    /// The cell returned: the copy is not needed.
    pub fn discard(self) {
        processes::signal(self.pid, Signal::KILL);
        processes::wait(self.pid);
    }
}

/// Blocks until every write end of the pipe has closed.
fn wait_for_end_of(mut pipe: PipeReader) {
    let mut byte = [0_u8; 1];
    // Nothing is ever written: a read returns only at end-of-file (or an
    // error, which we treat the same). Interrupted reads are retried.
    loop {
        match pipe.read(&mut byte) {
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            _ => return,
        }
    }
}

/// The parent is dying, so this process passes to the kernel (its
/// subreaper). It must die with the kernel, as the cell process does; if
/// the kernel is gone already there is nobody to carry on for.
fn adopt_kernel_as_parent(original: u32, kernel: u32) {
    // A dying process closes its files before its children are handed on:
    // the pipe's end can come first, so wait for the new parent (for at
    // most a second; a process exits in far less).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    while processes::parent_pid() == original && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    processes::die_with_parent();
    if processes::parent_pid() != kernel {
        // SAFETY: `_exit` ends this copy without running exit handlers,
        // which belong to the process it was copied from.
        unsafe { libc::_exit(0) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// fork copies only the calling thread: a process running other
    /// threads must not be copied (the copy could not carry on).
    #[test]
    fn no_snapshot_is_taken_while_other_threads_run() {
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let other = std::thread::spawn(move || {
            let _ = stop_rx.recv();
        });
        assert!(processes::thread_count().is_some_and(|n| n > 1));
        assert!(Snapshot::take().is_none());
        drop(stop_tx);
        other.join().unwrap();
    }
}
