//! When the kernel ends, and what it leaves behind: nothing.
//!
//! A kernel ends on a shutdown request, when the front end that started it
//! is gone, or on a signal, and every way out is the same one ([`Ending`],
//! then `wiring::run`'s exit): the cell process, its snapshot and any
//! compiler are killed, so no process of ours outlives the kernel, holding
//! memory and a build folder's cargo lock.
//!
//! - The front end: jupyter_client puts its own pid in `JPY_PARENT_PID`,
//!   and a front end killed outright (a closed terminal under jupyter
//!   console, a `kill -9`) never sends a shutdown. ipykernel polls that
//!   pid; so do we, every [`PARENT_POLL`]. Without the variable the kernel
//!   lives until it is told to stop.
//! - SIGTERM ends the kernel as a shutdown request does, with exit
//!   status 0. SIGINT interrupts the running cell, as it does in
//!   ipykernel. SIGHUP ends the kernel when it has a terminal (its user
//!   closed it) and is ignored when it was started detached, with no
//!   terminal (as jupyter_client starts kernels, in a session of their
//!   own), where nothing but a stray `kill -HUP` could send it.
//!
//! Invariant: every source of an ending only sends an [`Ending`]; the one
//! receiver decides, so two endings at once clean up once.

use std::time::Duration;

use anyhow::{Context, Result};
use crossbeam_channel::Sender;
use memscope_engine::processes;
use memscope_kernel::interrupts::Interrupts;

/// How often the front end's pid is looked at: the kernel is gone within
/// about this long after its front end.
pub const PARENT_POLL: Duration = Duration::from_millis(250);

/// Why the kernel ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// A shutdown request (with `restart`, the client starts a new kernel).
    Shutdown { restart: bool },
    /// The control channel closed: the transport is gone.
    ControlClosed,
    /// The process `JPY_PARENT_PID` named is gone.
    FrontEndGone { pid: u32 },
    /// SIGTERM, or SIGHUP with a terminal.
    Signal { name: &'static str },
}

/// The front end's pid, from `JPY_PARENT_PID`, if it names a process
/// other than this one and init (which are not front ends).
pub fn front_end_pid(value: Option<&str>) -> Option<u32> {
    let pid: u32 = value?.trim().parse().ok()?;
    (pid > 1 && pid != std::process::id()).then_some(pid)
}

/// Watches the front end's pid on a thread of its own and sends
/// [`Ending::FrontEndGone`] once it no longer runs.
pub fn watch_front_end(pid: u32, endings: Sender<Ending>) -> Result<()> {
    if !processes::is_running(pid) {
        tracing::warn!(
            pid,
            "JPY_PARENT_PID names no running process; not watching it"
        );
        return Ok(());
    }
    std::thread::Builder::new()
        .name("front-end-watch".into())
        .spawn(move || {
            while processes::is_running(pid) {
                std::thread::sleep(PARENT_POLL);
            }
            let _ = endings.send(Ending::FrontEndGone { pid });
        })
        .context("cannot start the thread that watches the front end")?;
    Ok(())
}

/// Handles SIGTERM, SIGINT and SIGHUP on `runtime` (see the module's
/// documentation). Handlers, unlike ignored signals, are reset in the
/// processes the kernel starts, so cargo, rustc and the cell process keep
/// the default actions.
pub fn handle_signals(
    runtime: &tokio::runtime::Handle,
    endings: Sender<Ending>,
    interrupts: Interrupts,
) -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let _entered = runtime.enter();
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut hup = signal(SignalKind::hangup()).context("cannot handle SIGHUP")?;
    let detached = !has_terminal();
    runtime.spawn(async move {
        loop {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => {
                    interrupts.interrupt();
                    continue;
                }
                _ = hup.recv() => {
                    if detached {
                        tracing::info!("SIGHUP ignored: the kernel has no terminal");
                        continue;
                    }
                    "SIGHUP"
                }
            };
            let _ = endings.send(Ending::Signal { name });
        }
    });
    Ok(())
}

/// Whether this process has a controlling terminal.
fn has_terminal() -> bool {
    std::fs::File::open("/dev/tty").is_ok()
}

/// Kills every process the kernel started, and says how many.
pub fn end_descendants() -> usize {
    processes::kill_descendants(Duration::from_secs(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_front_end_is_read_from_the_variable() {
        assert_eq!(front_end_pid(Some("4242")), Some(4242));
        assert_eq!(front_end_pid(Some(" 77\n")), Some(77));
        assert_eq!(front_end_pid(None), None);
        assert_eq!(front_end_pid(Some("")), None);
        assert_eq!(front_end_pid(Some("-3")), None);
        assert_eq!(front_end_pid(Some("parent")), None);
        assert_eq!(front_end_pid(Some("1")), None, "init is no front end");
        let me = std::process::id().to_string();
        assert_eq!(front_end_pid(Some(&me)), None, "nor is the kernel itself");
    }

    #[test]
    fn a_front_end_that_exits_ends_the_kernel() {
        let mut front_end = std::process::Command::new("sleep")
            .arg("0.3")
            .spawn()
            .unwrap();
        let (endings, ended) = crossbeam_channel::unbounded();
        watch_front_end(front_end.id(), endings).unwrap();
        assert!(ended.try_recv().is_err(), "ended while the front end runs");
        // Not reaped yet: a zombie front end is gone all the same.
        let ending = ended.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(
            ending,
            Ending::FrontEndGone {
                pid: front_end.id()
            }
        );
        front_end.wait().unwrap();
    }
}
