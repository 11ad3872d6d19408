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
//! Invariant: the cell process dies with the kernel (parent-death signal);
//! on `SIGUSR2` it writes [`STDERR_FENCE`] to standard error so that the
//! kernel can tell when it has read everything a cell wrote there; the
//! memory report of a cell is printed before the cell's completion line.

use std::ffi::c_void;
use std::io::BufRead;

use memscope_prelude::memory::report::REPORT_SYMBOL;

/// Written on standard error on request; never part of user output.
pub const STDERR_FENCE: &str = "\u{1}memscope-stderr-fence";

/// The signal that asks for a fence.
pub const FENCE_SIGNAL: libc::c_int = libc::SIGUSR2;

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
        if let Err(error) = cells.handle(&line) {
            eprintln!("memscope cell process: {error} (instruction {line:?})");
            std::process::exit(99);
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
        // SAFETY: evcxr built this library for this process; loading it
        // runs no code of the user's but static initialisers.
        let library = unsafe { libloading::Library::new(library) }.map_err(|e| e.to_string())?;
        // SAFETY: evcxr generates every cell function with this signature.
        let cell: CellFunction = unsafe { library.get::<CellFunction>(function.as_bytes()) }
            .map(|symbol| *symbol)
            .map_err(|e| e.to_string())?;
        self.store = cell(self.store as *mut c_void) as usize;
        if self.report.is_none() {
            // SAFETY: the prelude exports the report with this signature.
            self.report = unsafe { library.get::<ReportFunction>(REPORT_SYMBOL.as_bytes()) }
                .ok()
                .map(|symbol| *symbol);
        }
        self.libraries.push(library);
        if let Some(report) = self.report {
            // SAFETY: the store is evcxr's, returned by the cell that just
            // finished, and no cell is running.
            unsafe { report(self.store as *const c_void) };
        }
        println!("{CELL_COMPLETE}");
        Ok(())
    }
}

impl Drop for CellRunner {
    fn drop(&mut self) {
        for library in self.libraries.drain(..) {
            std::mem::forget(library);
        }
    }
}
