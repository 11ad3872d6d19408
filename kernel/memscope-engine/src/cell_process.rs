//! The cell process's side: what our binary does when evcxr starts it as
//! the process that loads and runs cells.
//!
//! We run cells ourselves rather than through evcxr's runtime loop, speaking
//! the same line protocol (`LOAD_AND_RUN <library> <function>` in, the
//! completion line out), so that between a cell's return and its completion
//! line we can ask the prelude for the memory layout of every variable. That
//! costs no compile: the code that describes arrays was compiled once, in
//! the prelude.
//!
//! Each cell runs with a [`Snapshot`] of the process taken just before it,
//! which carries on if the cell never returns (see `snapshot`).
//!
//! Invariant: the cell process dies with the kernel (parent-death signal);
//! on `SIGUSR2` it writes [`STDERR_FENCE`] to standard error so that the
//! kernel can tell when it has read everything a cell wrote there; on
//! [`INTERRUPT_SIGNAL`] it ends itself if, and only if, a cell is running
//! (between cells it holds the session's variables and must live); the
//! memory report of a cell is printed before the cell's completion line.

use std::ffi::c_void;
use std::io::BufRead;
use std::sync::atomic::{AtomicBool, Ordering};

use memscope_prelude::channel::{encode, Message};
use memscope_prelude::memory::report::REPORT_SYMBOL;

use crate::snapshot::{Forked, Snapshot};

/// Written on standard error on request; never part of user output.
pub const STDERR_FENCE: &str = "\u{1}memscope-stderr-fence";

/// The signal that asks for a fence.
pub const FENCE_SIGNAL: libc::c_int = libc::SIGUSR2;

/// The signal that stops the running cell (an interrupt).
pub const INTERRUPT_SIGNAL: libc::c_int = libc::SIGUSR1;

/// The exit status of a cell process stopped by [`INTERRUPT_SIGNAL`].
pub const INTERRUPTED_STATUS: libc::c_int = 130;

/// evcxr's line for a cell that panicked: it keeps the variables from
/// before the cell and forgets the ones the cell defined.
const CELL_PANICKED: &str = "EVCXR_PANIC_NOTIFICATION";

/// Whether a cell is running, for the interrupt handler.
static CELL_RUNNING: AtomicBool = AtomicBool::new(false);

extern "C" fn stop_running_cell(_: libc::c_int) {
    if CELL_RUNNING.load(Ordering::SeqCst) {
        // SAFETY: _exit is async-signal-safe. The snapshot, if any, carries
        // on; without one evcxr restarts the process.
        unsafe { libc::_exit(INTERRUPTED_STATUS) };
    }
}

/// How evcxr marks the process that runs cells (an environment variable).
const IS_CELL_PROCESS: &str = "EVCXR_IS_RUNTIME";
/// The line evcxr waits for after each cell.
const CELL_COMPLETE: &str = "EVCXR_EXECUTION_COMPLETE";

extern "C" fn write_fence(_: libc::c_int) {
    // Only async-signal-safe calls here: one write(2) of a static buffer.
    const LINE: &[u8] = b"\x01memscope-stderr-fence\n";
    // SAFETY: writing a static buffer to fd 2 is async-signal-safe.
    unsafe {
        libc::write(2, LINE.as_ptr().cast(), LINE.len());
    }
}

/// Must be the first call in `main`. In the cell process it never returns;
/// when evcxr uses our binary as its rustc wrapper it runs rustc and exits;
/// otherwise it returns at once.
pub fn enter_if_cell_process() {
    if std::env::var_os(IS_CELL_PROCESS).is_some() {
        // SAFETY: prctl and signal only change this process's dispositions;
        // the handler is async-signal-safe.
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            libc::signal(FENCE_SIGNAL, write_fence as *const () as libc::sighandler_t);
            libc::signal(
                INTERRUPT_SIGNAL,
                stop_running_cell as *const () as libc::sighandler_t,
            );
        }
        run_cells();
    }
    evcxr::runtime_hook();
}

type CellFunction = extern "C" fn(*mut c_void) -> *mut c_void;
type ReportFunction = unsafe extern "C" fn(*const c_void);

fn run_cells() -> ! {
    let mut cells = CellRunner::default();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        // A line that is not an instruction (an answer to an input request
        // that arrived after its cell ended) is reported and skipped.
        if let Err(error) = cells.handle(&line) {
            eprintln!("memscope cell process: {error} (instruction {line:?})");
        }
    }
    std::process::exit(0);
}

#[derive(Default)]
struct CellRunner {
    /// Every cell's library stays loaded: later cells use its items, and
    /// unloading would run thread-local destructors from unmapped code.
    libraries: Vec<libloading::Library>,
    /// evcxr's variable store, threaded from one cell to the next.
    store: usize,
    report: Option<ReportFunction>,
}

impl CellRunner {
    fn handle(&mut self, line: &str) -> Result<(), String> {
        let mut words = line.split(' ');
        let (Some("LOAD_AND_RUN"), Some(library), Some(function), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return Err("unknown instruction".to_owned());
        };
        let snapshot = match Snapshot::take() {
            Some(Forked::CarryingOn) => {
                self.carry_on();
                return Ok(());
            }
            Some(Forked::Original(snapshot)) => Some(snapshot),
            None => None,
        };
        let ran = self.run(library, function);
        if let Some(snapshot) = snapshot {
            snapshot.discard();
        }
        if let Err(error) = ran {
            // The cell did not run: it ends as an error, and evcxr keeps the
            // variables from before it.
            let message = format!("the compiled cell could not be loaded: {error}");
            println!(
                "{}",
                encode(&Message::Panic {
                    message,
                    location: String::new()
                })
            );
            println!("{CELL_PANICKED}");
        }
        self.report_and_complete();
        Ok(())
    }

    /// Loads the cell's library and runs the cell.
    fn run(&mut self, library: &str, function: &str) -> Result<(), String> {
        // SAFETY: evcxr built this library for this process; loading it
        // runs no code of the user's but static initialisers.
        let library = unsafe { libloading::Library::new(library) }.map_err(|e| e.to_string())?;
        // SAFETY: evcxr generates every cell function with this signature.
        let cell: CellFunction = unsafe { library.get::<CellFunction>(function.as_bytes()) }
            .map(|symbol| *symbol)
            .map_err(|e| e.to_string())?;
        CELL_RUNNING.store(true, Ordering::SeqCst);
        self.store = cell(self.store as *mut c_void) as usize;
        CELL_RUNNING.store(false, Ordering::SeqCst);
        if self.report.is_none() {
            // SAFETY: the prelude exports the report with this signature.
            self.report = unsafe { library.get::<ReportFunction>(REPORT_SYMBOL.as_bytes()) }
                .ok()
                .map(|symbol| *symbol);
        }
        self.libraries.push(library);
        Ok(())
    }

    /// The process that ran the cell has died and this copy of it, taken
    /// before the cell, takes its place: the kernel learns the new pid, and
    /// evcxr ends the cell as a panicked one, keeping earlier variables.
    fn carry_on(&mut self) {
        let pid = std::process::id();
        println!("{}", encode(&Message::CarriedOn { pid }));
        println!("{CELL_PANICKED}");
        self.report_and_complete();
    }

    fn report_and_complete(&self) {
        if let Some(report) = self.report {
            // SAFETY: the store is evcxr's, returned by the last cell that
            // finished, and no cell is running.
            unsafe { report(self.store as *const c_void) };
        }
        println!("{CELL_COMPLETE}");
    }
}

impl Drop for CellRunner {
    fn drop(&mut self) {
        for library in self.libraries.drain(..) {
            std::mem::forget(library);
        }
    }
}
