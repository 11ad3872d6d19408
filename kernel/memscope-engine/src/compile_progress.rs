//! Progress of long compiles, for the cell that waits on them.
//!
//! evcxr copies cargo's `Compiling <crate> <version>` lines to this
//! process's standard error, which is the server's log, or, under
//! `jupyter console`, the user's terminal, between the cell's own output.
//! We turn standard error into a pipe whose reader hands the crate of each
//! `Compiling` line to the engine, which shows it in the running cell (and
//! in the log at level info), and passes every other line on to the
//! original standard error, unchanged.
//!
//! Invariant: everything else written to standard error still reaches the
//! original one; the reader never stops while the process lives (a writer
//! to a pipe nobody reads would block), and never writes to standard error
//! itself, not even a log line: that is the pipe it alone drains, so a
//! write while the pipe is full would wait for ever, and every other
//! writer to standard error with it.

use std::fs::File;
use std::io::{BufRead, BufReader, PipeReader, Write};
use std::os::fd::AsFd;

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
    let (reader, writer) = std::io::pipe()?;
    let original = File::from(std::io::stderr().as_fd().try_clone_to_owned()?);
    rustix::stdio::dup2_stderr(&writer)?;
    // Descriptor 2 is the pipe's write end now; this copy of it must go,
    // or the reader would never see the end of the pipe.
    drop(writer);
    let (crates_tx, crates_rx) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name("stderr".into())
        .spawn(move || pass_on(reader, original, crates_tx))?;
    Ok(crates_rx)
}

fn pass_on(reader: PipeReader, mut original: impl Write, crates: Sender<String>) {
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
        match compiling_crate(&String::from_utf8_lossy(&line)) {
            Some(name) => {
                let _ = crates.send(name);
            }
            None => {
                let _ = original.write_all(&line);
            }
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

    /// Issue 24: the reader logged each `Compiling` line through the
    /// process's log, which writes to standard error: the very pipe it
    /// drains. With the pipe full (a burst of log lines at
    /// `MEMSCOPE_LOG=info`) it waited on itself, and every writer to
    /// standard error with it. Here the log writes into the pipe, a writer
    /// keeps it brimful, and everything must still come through.
    #[test]
    fn i24_the_reader_never_waits_on_the_pipe_it_drains() {
        /// What the reader passes on, readable from the test's thread.
        #[derive(Clone, Default)]
        struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }

        let (reader, writer) = std::io::pipe().unwrap();
        // As in the kernel, the log goes to the pipe's write end (there,
        // descriptor 2), which stays open.
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(std::sync::Mutex::new(writer.try_clone().unwrap()))
            .finish();
        let passed = Shared::default();
        let (crates_tx, crates_rx) = crossbeam_channel::unbounded();
        let original = passed.clone();
        std::thread::spawn(move || {
            tracing::subscriber::with_default(subscriber, || pass_on(reader, original, crates_tx))
        });
        // One write of it all keeps the pipe brimful while it lasts.
        let filler = "x".repeat(99) + "\n";
        let mut burst = filler.repeat(1000);
        for n in 0..50 {
            burst.push_str(&format!("   Compiling crate{n} v0.1.0\n"));
            burst.push_str(&filler.repeat(20));
        }
        burst.push_str("   Compiling the-end v0.1.0\n");
        std::thread::spawn(move || {
            let mut writer = writer;
            writer.write_all(burst.as_bytes()).unwrap();
        });
        let mut crates = Vec::new();
        while crates.last().map(String::as_str) != Some("the-end v0.1.0") {
            let name = crates_rx
                .recv_timeout(std::time::Duration::from_secs(30))
                .expect("the reader is stuck: it waits on the pipe it drains");
            crates.push(name);
        }
        assert_eq!(crates.len(), 51);
        // Lines come in order, so every other line was passed on by now.
        assert_eq!(passed.0.lock().unwrap().len(), 2000 * filler.len());
    }
}
