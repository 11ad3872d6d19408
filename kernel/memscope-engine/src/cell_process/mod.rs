//! The code that runs inside the cell process: what our binary does when
//! evcxr starts it as the process that loads and runs cells. Everything
//! else in this crate is the kernel's side.
//!
//! * [`runner`]: runs cells (evcxr's `LOAD_AND_RUN` line protocol) and
//!   prints the memory report between a cell's return and its completion
//!   line.
//! * [`snapshot`]: a copy of the process taken before each cell, which
//!   carries on if the cell never returns.
//!
//! Invariant: the cell process dies with the kernel (parent-death signal);
//! on [`FENCE_SIGNAL`] it writes the stderr fence so that the kernel can
//! tell when it has read everything a cell wrote there; on
//! [`INTERRUPT_SIGNAL`] it ends itself if, and only if, a cell is running
//! (between cells it holds the session's variables and must live).

pub mod runner;
pub mod snapshot;

use std::sync::atomic::{AtomicBool, Ordering};

use memscope_cell_abi::process::{IS_CELL_PROCESS, STDERR_FENCE_LINE};
use rustix::process::Signal;

/// The signal that asks for a stderr fence.
pub const FENCE_SIGNAL: Signal = Signal::USR2;

/// The signal that stops the running cell (an interrupt).
pub const INTERRUPT_SIGNAL: Signal = Signal::USR1;

/// The exit status of a cell process stopped by [`INTERRUPT_SIGNAL`].
pub const INTERRUPTED_STATUS: i32 = 130;

/// Whether a cell is running, for the interrupt handler.
static CELL_RUNNING: AtomicBool = AtomicBool::new(false);

extern "C" fn stop_running_cell(_: libc::c_int) {
    if CELL_RUNNING.load(Ordering::SeqCst) {
        // SAFETY: _exit is async-signal-safe. The snapshot, if any, carries
        // on; without one evcxr restarts the process.
        unsafe { libc::_exit(INTERRUPTED_STATUS) };
    }
}

extern "C" fn write_fence(_: libc::c_int) {
    // Only async-signal-safe calls here: one write(2) of a static buffer
    // (rustix makes the system call itself, without locks or allocation).
    let _ = rustix::io::write(rustix::stdio::stderr(), STDERR_FENCE_LINE.as_bytes());
}

/// Must be the first call in `main`. In the cell process it never returns;
/// when evcxr uses our binary as its rustc wrapper it runs rustc and exits
/// (for the cell crate, first starting again with our binary as the
/// linker), and as that linker it links and exits (see `link_timing`);
/// otherwise it returns at once.
pub fn enter_if_cell_process() {
    if std::env::var_os(IS_CELL_PROCESS).is_some() {
        crate::processes::die_with_parent();
        // SAFETY: `signal` only changes this process's dispositions, and
        // both handlers make async-signal-safe calls only.
        unsafe {
            libc::signal(
                FENCE_SIGNAL.as_raw(),
                write_fence as *const () as libc::sighandler_t,
            );
            libc::signal(
                INTERRUPT_SIGNAL.as_raw(),
                stop_running_cell as *const () as libc::sighandler_t,
            );
        }
        runner::run_cells();
    }
    // Before evcxr's hook: the linker inherits the wrapper's environment.
    crate::link_timing::link_if_linker();
    crate::link_timing::time_the_cell_crates_link();
    evcxr::runtime_hook();
}
