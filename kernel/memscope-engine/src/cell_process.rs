//! The cell process's side: what our binary does when evcxr starts it as
//! the process that loads and runs cells.
//!
//! Invariant: the cell process dies with the kernel (parent-death signal),
//! and on `SIGUSR2` it writes [`STDERR_FENCE`] to standard error so that the
//! kernel can tell when it has read everything a cell wrote there.

/// Written on standard error on request; never part of user output.
pub const STDERR_FENCE: &str = "\u{1}memscope-stderr-fence";

/// The signal that asks for a fence.
pub const FENCE_SIGNAL: libc::c_int = libc::SIGUSR2;

extern "C" fn write_fence(_: libc::c_int) {
    // Only async-signal-safe calls here: one write(2) of a static buffer.
    const LINE: &[u8] = b"\x01memscope-stderr-fence\n";
    // SAFETY: writing a static buffer to fd 2 is async-signal-safe.
    unsafe {
        libc::write(2, LINE.as_ptr().cast(), LINE.len());
    }
}

/// Must be the first call in `main`. In the cell process it never returns
/// (evcxr's runtime loop takes over); when evcxr uses our binary as its
/// rustc wrapper it runs rustc and exits; otherwise it returns at once.
pub fn enter_if_cell_process() {
    if std::env::var_os("EVCXR_IS_RUNTIME").is_some() {
        // SAFETY: prctl and signal only change this process's dispositions;
        // the handler is async-signal-safe.
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            libc::signal(FENCE_SIGNAL, write_fence as *const () as libc::sighandler_t);
        }
    }
    evcxr::runtime_hook();
}
