//! Progress of long compiles, for the cell that waits on them.
//!
//! evcxr copies cargo's `Compiling <crate> <version>` lines to this
//! process's standard error, where they would only reach the server log. We
//! turn standard error into a pipe whose reader passes every line on to the
//! original standard error, unchanged, and hands the crate of each
//! `Compiling` line to the engine, which shows it in the running cell.
//!
//! Invariant: everything written to standard error still reaches the
//! original one; the reader never stops while the process lives (a writer
//! to a pipe nobody reads would block).

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::FromRawFd;

use crossbeam_channel::{Receiver, Sender};

/// The crate in one of cargo's progress lines: `ndarray v0.17.2` for
/// `   Compiling ndarray v0.17.2`, without the path cargo adds for local
/// crates.
pub fn compiling_crate(line: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix("Compiling ")?;
    let mut words = rest.split_whitespace();
    let name = words.next()?;
    Some(match words.next().filter(|v| v.starts_with('v')) {
        Some(version) => format!("{name} {version}"),
        None => name.to_owned(),
    })
}

/// Redirects this process's standard error through a reader thread and
/// returns the crates being compiled, as cargo reports them. Call once.
pub fn capture() -> std::io::Result<Receiver<String>> {
    let mut ends = [0; 2];
    // SAFETY: plain descriptor calls on our own process; each result is
    // checked before it is used.
    let original = unsafe {
        if libc::pipe(ends.as_mut_ptr()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let original = libc::dup(2);
        if original < 0 || libc::dup2(ends[1], 2) < 0 {
            return Err(std::io::Error::last_os_error());
        }
        libc::close(ends[1]);
        original
    };
    // SAFETY: both descriptors are ours alone from here on.
    let (reader, original) = unsafe { (File::from_raw_fd(ends[0]), File::from_raw_fd(original)) };
    let (crates_tx, crates_rx) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name("stderr".into())
        .spawn(move || pass_on(reader, original, crates_tx))?;
    Ok(crates_rx)
}

fn pass_on(reader: File, mut original: File, crates: Sender<String>) {
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return,
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        }
        let _ = original.write_all(&line);
        if let Some(name) = compiling_crate(&String::from_utf8_lossy(&line)) {
            let _ = crates.send(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crates_are_read_from_cargo_lines() {
        assert_eq!(
            compiling_crate("   Compiling ndarray v0.17.2\n").as_deref(),
            Some("ndarray v0.17.2")
        );
        assert_eq!(
            compiling_crate("Compiling probe v0.1.0 (/tmp/x/probe)").as_deref(),
            Some("probe v0.1.0")
        );
        assert_eq!(compiling_crate("Compiling itoa").as_deref(), Some("itoa"));
        assert_eq!(compiling_crate("warning: unused"), None);
        assert_eq!(compiling_crate("   Compiling "), None);
    }
}
