//! Stopping a running cell from another thread (Jupyter's interrupt).
//!
//! While the interrupted cell compiles, an interrupt kills the compilers
//! we started (the cell then fails to compile, and nothing else changes;
//! evcxr compiles a failed cell again, so this repeats until the cell has
//! ended). While it runs, the interrupt sends the cell process
//! [`INTERRUPT_SIGNAL`], on which it ends itself; the snapshot taken
//! before the cell then carries on with every earlier variable (see
//! `cell_process::snapshot`). Should the cell still run two seconds later
//! (its code blocked the signal) while a snapshot waits, the process is
//! killed outright: the snapshot carries on all the same. A cell
//! interrupted before the engine reached it does not run. Which request an
//! interrupt is for is [`CellState`]'s business.
//!
//! Invariant: an interrupt acts only in the phases [`Phase::Compiling`] and
//! [`Phase::Running`]: never on the session's set-up, never on a copy that
//! carried on, and it kills a process only while a snapshot of it waits,
//! so it never kills the only copy of the session's variables.

use std::time::{Duration, Instant};

use rustix::process::Signal;

use super::cell_state::{CellState, Phase};
use super::running_process::RunningProcess;
use crate::cell_process::INTERRUPT_SIGNAL;
use crate::processes;

/// How long a running cell may ignore the interrupt signal.
const GRACE: Duration = Duration::from_secs(2);

/// How long an interrupt keeps watching a cell that does not end.
const WATCH_LIMIT: Duration = Duration::from_secs(60);

/// How often a watching interrupt looks at the cell again.
const WATCH_PERIOD: Duration = Duration::from_millis(20);

/// Stops the running cell from another thread; cheap to clone.
#[derive(Clone)]
pub struct Interrupter {
    state: CellState,
    process: RunningProcess,
}

impl Interrupter {
    pub(crate) fn new(state: CellState, process: RunningProcess) -> Interrupter {
        Interrupter { state, process }
    }

    /// Stops the running compile or cell; the running job then ends as
    /// `CellResult::Interrupted`. A cell still waiting for the engine to
    /// start does not run at all.
    pub fn interrupt(&self) {
        if let Some(cell) = self.state.interrupt() {
            let this = self.clone();
            let _ = std::thread::Builder::new()
                .name("interrupt-watch".into())
                .spawn(move || this.watch(cell));
        }
    }

    /// Where the cell is now (the session's set-up, compiling, running…),
    /// for a caller that must know what an interrupt would meet.
    pub fn phase(&self) -> Phase {
        self.state.phase()
    }

    /// Whether a cell has been handed over and waits for the session's
    /// set-up (a first cell sent the moment the kernel answers does).
    pub fn cell_waits_for_set_up(&self) -> bool {
        self.state.cell_waits_for_set_up()
    }

    /// A request is about to be announced to the client: an interrupt
    /// from before it is forgotten, one from after it stops its cell (even
    /// one that comes before the engine starts the cell, which then does
    /// not run).
    pub fn request_started(&self) {
        self.state.request_started();
    }

    /// Until cell number `cell` has returned: kills every compiler while
    /// it compiles or runs (a cell's own `cargo` included), signals the
    /// cell process while it runs, and once the cell has had the signal for
    /// the grace period, kills its process if a snapshot waits.
    fn watch(&self, cell: u64) {
        let began = Instant::now();
        let mut signalled_since = None;
        let mut killed = false;
        while let Some(phase) = self.state.phase_of(cell) {
            if began.elapsed() >= WATCH_LIMIT {
                break;
            }
            if matches!(phase, Phase::Compiling | Phase::Running) {
                kill_compilers();
            }
            if phase == Phase::Running {
                self.process.signal(INTERRUPT_SIGNAL);
                let since = *signalled_since.get_or_insert_with(Instant::now);
                if !killed && since.elapsed() >= GRACE && self.process.snapshot_waits() {
                    tracing::warn!("the cell ignored the interrupt; killing its process");
                    self.process.signal(Signal::KILL);
                    killed = true;
                }
            }
            std::thread::sleep(WATCH_PERIOD);
        }
    }
}

/// Kills the cargo and rustc processes we started, at any depth (rustc is
/// cargo's child, and evcxr's rustc wrapper sits between them): an
/// interrupted compile must stop, not run on behind the user's back.
/// rust-analyzer's questions to the toolchain are left alone: they end by
/// themselves within a second, and killed, they leave its first analysis
/// without the workspace's configuration for the rest of the session.
fn kill_compilers() {
    let table = processes::process_table();
    let ours = processes::descendants(std::process::id(), &table);
    for process in &table {
        let compiler = process.name == "cargo" || process.name.starts_with("rustc");
        if compiler
            && ours.contains(&process.pid)
            && !is_toolchain_query(&processes::command_line(process.pid))
        {
            processes::signal(process.pid, Signal::KILL);
        }
    }
}

/// Whether a cargo or rustc command line asks about the toolchain or the
/// workspace (as rust-analyzer does when it loads the cell's workspace:
/// `cargo metadata`, `cargo locate-project`, `rustc --print cfg`,
/// `rustc -vV`) rather than compiling.
fn is_toolchain_query(args: &[String]) -> bool {
    let subcommand = args
        .iter()
        .skip(1)
        .find(|arg| !arg.starts_with('-') && !arg.starts_with('+'));
    let asks_cargo = matches!(
        subcommand.map(String::as_str),
        Some("metadata" | "locate-project" | "version")
    );
    asks_cargo
        || args.iter().any(|arg| {
            arg == "--print" || arg.starts_with("--print=") || arg == "-vV" || arg == "--version"
        })
}

#[cfg(test)]
mod tests {
    use super::is_toolchain_query;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn toolchain_queries_are_told_from_compiles() {
        for query in [
            "cargo locate-project --workspace --manifest-path /b/Cargo.toml",
            "cargo metadata --format-version 1",
            "/home/u/.cargo/bin/cargo rustc -Z unstable-options --print target-spec-json --",
            "rustc --print cfg -O",
            "rustc -vV",
            "cargo +stable --version",
        ] {
            assert!(is_toolchain_query(&args(query)), "{query}");
        }
        for compile in [
            "cargo build --message-format=json",
            "cargo check",
            "cargo clean",
            "rustc --crate-name ctx --edition=2021 src/lib.rs",
            "cargo run --release",
        ] {
            assert!(!is_toolchain_query(&args(compile)), "{compile}");
        }
    }
}
