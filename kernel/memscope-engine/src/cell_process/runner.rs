//! Runs cells inside the cell process.
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
//! Invariant: from the kernel's set-up on, the cell process announces a
//! cell ([`CellMessage::Running`]) before calling it; it prints the memory
//! report of a cell before the cell's completion line.

use std::ffi::c_void;
use std::io::BufRead;
use std::sync::atomic::Ordering;

use memscope_cell_abi::lines::{CellMessage, encode};
use memscope_cell_abi::process::{
    EXECUTION_COMPLETE, LOAD_AND_RUN, PANIC_NOTIFICATION, REPORT_SYMBOL,
};

use super::CELL_RUNNING;
use super::snapshot::{Forked, Snapshot};

/// A cell as evcxr generates it: takes the variable store and returns it.
type CellFunction = unsafe extern "C" fn(*mut c_void) -> *mut c_void;
/// The memory report the first cell exports (see the prelude's `report`).
type ReportFunction = unsafe extern "C" fn(*const c_void);

/// Reads evcxr's instructions until its pipe closes, then exits.
pub(super) fn run_cells() -> ! {
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

struct CellRunner {
    /// Every cell's library stays loaded: later cells use its items, and
    /// unloading would run thread-local destructors from unmapped code.
    libraries: Vec<libloading::Library>,
    /// evcxr's variable store, threaded from one cell to the next (null
    /// before the first cell).
    store: *mut c_void,
    report: Option<ReportFunction>,
}

impl Default for CellRunner {
    fn default() -> CellRunner {
        CellRunner {
            libraries: Vec::new(),
            store: std::ptr::null_mut(),
            report: None,
        }
    }
}

impl CellRunner {
    fn handle(&mut self, line: &str) -> Result<(), String> {
        let mut words = line.split(' ');
        let (Some(LOAD_AND_RUN), Some(library), Some(function), None) =
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
            let panic = CellMessage::Panic {
                message,
                location: String::new(),
            };
            println!("{}", encode(&panic));
            println!("{PANIC_NOTIFICATION}");
        }
        self.report_and_complete();
        Ok(())
    }

    /// Loads the cell's library and runs the cell.
    fn run(&mut self, library: &str, function: &str) -> Result<(), String> {
        // SAFETY: evcxr built this library for this process. Loading it runs
        // its static initialisers, which are the user's code as much as the
        // cell is: running the user's code is this process's job.
        let library = unsafe { libloading::Library::new(library) }.map_err(|e| e.to_string())?;
        // SAFETY: evcxr generates every cell function with this signature.
        let cell: CellFunction = unsafe { library.get::<CellFunction>(function.as_bytes()) }
            .map(|symbol| *symbol)
            .map_err(|e| e.to_string())?;
        if self.report.is_some() {
            // Only once the kernel's set-up has run here: before it, evcxr
            // creates its context with a cell of its own, nobody reads the
            // process's stdout yet, and evcxr waits until its output has
            // been taken. Set-up cells are no user's to interrupt anyway.
            println!("{}", encode(&CellMessage::Running));
        }
        CELL_RUNNING.store(true, Ordering::SeqCst);
        // SAFETY: the cell takes the store the previous cell returned (or
        // null for the first), as evcxr's own runtime passes it; the
        // library stays loaded while anything it made may be used.
        self.store = unsafe { cell(self.store) };
        CELL_RUNNING.store(false, Ordering::SeqCst);
        if self.report.is_none() {
            // SAFETY: the engine's set-up code exports the report with this
            // signature (see `session_setup`).
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
        println!("{}", encode(&CellMessage::CarriedOn { pid }));
        println!("{PANIC_NOTIFICATION}");
        self.report_and_complete();
    }

    fn report_and_complete(&self) {
        if let Some(report) = self.report {
            // SAFETY: the store is evcxr's, returned by the last cell that
            // finished, and no cell is running.
            unsafe { report(self.store) };
        }
        println!("{EXECUTION_COMPLETE}");
    }
}

impl Drop for CellRunner {
    fn drop(&mut self) {
        for library in self.libraries.drain(..) {
            std::mem::forget(library);
        }
    }
}
