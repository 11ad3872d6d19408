//! Linking timed on its own, for `:timing`.
//!
//! rustc links a cell's library itself, so evcxr's phases count linking as
//! compiling. When evcxr runs our binary as its rustc wrapper for the cell
//! crate, the wrapper hands rustc our binary as the linker
//! ([`with_timed_linker`]); run as the linker, our binary runs the real
//! one and appends how long it took to [`TIMES_FILE`] in rustc's working
//! folder, the build folder, which the engine reads after each cell
//! ([`take_link_time`]).
//!
//! Only the cell crate's command changes: cargo never sees what a wrapper
//! adds, so no dependency's fingerprint changes and nothing is rebuilt
//! (setting the linker through cargo rebuilds every dependency). evcxr
//! patch 0009 records the command with the additions, so cells that rustc
//! compiles without cargo are timed too.
//!
//! Invariant: the real linker (the one the command named, else `cc`) gets
//! exactly the arguments it would have had; failing to time never fails a
//! link, and a link that fails fails as it would have.

use std::ffi::OsString;
use std::path::Path;
use std::time::{Duration, Instant};

/// The file, in the build folder, that collects the links' times (one
/// line of nanoseconds per link).
pub(crate) const TIMES_FILE: &str = "memscope-link-times";

/// The linker argument that says our binary runs as the linker.
const TIMED_LINK: &str = "--memscope-timed-link";
/// The linker argument that names the real linker.
const REAL_LINKER: &str = "--memscope-real-linker=";

/// The name evcxr gives the cell crate.
const CELL_CRATE: &str = "ctx";

/// The environment variable with which evcxr runs our binary as rustc's
/// wrapper (evcxr's `WRAP_RUSTC_ENV`).
const EVCXR_RUSTC_WRAPPER: &str = "EVCXR_RUSTC_WRAPPER";

/// The arguments of a rustc wrapper (rustc's path, then rustc's
/// arguments) with `linker` as the cell crate's linker, or `None` when
/// they do not build the cell crate or already time its link.
pub(crate) fn with_timed_linker(args: &[OsString], linker: &Path) -> Option<Vec<OsString>> {
    let builds_the_cell = args
        .windows(2)
        .any(|pair| pair[0] == "--crate-name" && pair[1] == CELL_CRATE);
    let marked = format!("link-arg={TIMED_LINK}");
    if !builds_the_cell || args.iter().any(|a| a.to_str() == Some(marked.as_str())) {
        return None;
    }
    let mut kept = Vec::with_capacity(args.len() + 6);
    let mut real = OsString::from("cc");
    let mut iter = args.iter().peekable();
    while let Some(arg) = iter.next() {
        let text = arg.to_str().unwrap_or_default();
        // `-C linker=X`, `-Clinker=X`, `--codegen linker=X`, `--codegen=linker=X`.
        let spread = (text == "-C" || text == "--codegen")
            .then(|| iter.peek().and_then(|next| next.to_str()))
            .flatten()
            .and_then(|next| next.strip_prefix("linker="));
        if let Some(named) = spread {
            real = OsString::from(named);
            iter.next();
            continue;
        }
        let joined = text
            .strip_prefix("-C")
            .or_else(|| text.strip_prefix("--codegen="))
            .and_then(|rest| rest.strip_prefix("linker="));
        if let Some(named) = joined {
            real = OsString::from(named);
            continue;
        }
        kept.push(arg.clone());
    }
    let mut real_arg = OsString::from(format!("link-arg={REAL_LINKER}"));
    real_arg.push(&real);
    let mut linker_arg = OsString::from("linker=");
    linker_arg.push(linker);
    kept.extend([
        OsString::from("-C"),
        linker_arg,
        OsString::from("-C"),
        OsString::from(format!("link-arg={TIMED_LINK}")),
        OsString::from("-C"),
        real_arg,
    ]);
    Some(kept)
}

/// The real linker and its arguments, when `args` (a linker's, without
/// the program) are those of a timed link.
pub(crate) fn real_link(args: &[OsString]) -> Option<(OsString, Vec<OsString>)> {
    if !args.iter().any(|a| a == TIMED_LINK) {
        return None;
    }
    let mut real = OsString::from("cc");
    let mut rest = Vec::with_capacity(args.len());
    for arg in args {
        if arg == TIMED_LINK {
            continue;
        }
        match arg.to_str().and_then(|a| a.strip_prefix(REAL_LINKER)) {
            Some(named) => real = OsString::from(named),
            None => rest.push(arg.clone()),
        }
    }
    Some((real, rest))
}

/// As rustc's wrapper for the cell crate: runs again with the timed
/// linker (see the module's documentation). Returns if there is nothing
/// to do or the new process could not start.
pub(crate) fn time_the_cell_crates_link() {
    if std::env::var_os(EVCXR_RUSTC_WRAPPER).is_none() {
        return;
    }
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let Ok(this) = std::env::current_exe() else {
        return;
    };
    if let Some(timed) = with_timed_linker(&args, &this) {
        use std::os::unix::process::CommandExt;
        // Only returns on failure, after which evcxr wraps rustc untimed.
        let _ = std::process::Command::new(&this).args(timed).exec();
    }
}

/// As the linker of a timed link: runs the real linker, records how long
/// it took, and exits as it did. Returns if this is no such link.
pub(crate) fn link_if_linker() {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let Some((real, rest)) = real_link(&args).or_else(|| real_link_from_file(&args)) else {
        return;
    };
    let began = Instant::now();
    let status = std::process::Command::new(&real).args(&rest).status();
    let took = began.elapsed();
    match status {
        Ok(status) => {
            record(Path::new(TIMES_FILE), took);
            std::process::exit(status.code().unwrap_or(1));
        }
        Err(error) => {
            eprintln!(
                "memscope: cannot run the linker {}: {error}",
                Path::new(&real).display()
            );
            std::process::exit(1);
        }
    }
}

/// A timed link whose arguments rustc wrote to a file (`@file`, which it
/// does when the command line is too long): the real linker, and a copy of
/// the file without our two lines. rustc writes one argument per line;
/// ours contain nothing it would escape.
fn real_link_from_file(args: &[OsString]) -> Option<(OsString, Vec<OsString>)> {
    let [only] = args else {
        return None;
    };
    let file = Path::new(only.to_str()?.strip_prefix('@')?);
    let text = std::fs::read_to_string(file).ok()?;
    let lines: Vec<OsString> = text.lines().map(OsString::from).collect();
    let (real, rest) = real_link(&lines)?;
    let copy = file.with_extension("memscope");
    let rest: Vec<String> = rest
        .iter()
        .filter_map(|a| a.to_str().map(str::to_owned))
        .collect();
    std::fs::write(&copy, rest.join("\n")).ok()?;
    let mut at = OsString::from("@");
    at.push(&copy);
    Some((real, vec![at]))
}

fn record(file: &Path, took: Duration) {
    use std::io::Write;
    // Best effort: a time that cannot be written is a figure missing from
    // `:timing`, not a failed link.
    if let Ok(mut times) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
    {
        let _ = writeln!(times, "{}", took.as_nanos());
    }
}

/// The time the links recorded in `folder` took since the last call, and
/// forgets them; `None` when none was recorded.
pub(crate) fn take_link_time(folder: &Path) -> Option<Duration> {
    let file = folder.join(TIMES_FILE);
    let text = std::fs::read_to_string(&file).ok()?;
    let _ = std::fs::remove_file(&file);
    let nanos: u64 = text
        .lines()
        .filter_map(|line| line.trim().parse::<u64>().ok())
        .sum();
    Some(Duration::from_nanos(nanos))
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    fn text(args: &[OsString]) -> Vec<&str> {
        args.iter().map(|a| a.to_str().unwrap()).collect()
    }

    #[test]
    fn only_the_cell_crate_gets_the_timed_linker() {
        let dependency = os(&["rustc", "--crate-name", "ndarray", "src/lib.rs"]);
        assert_eq!(with_timed_linker(&dependency, Path::new("/m")), None);
        let cell = os(&["rustc", "--crate-name", "ctx", "src/lib.rs"]);
        let timed = with_timed_linker(&cell, Path::new("/m")).unwrap();
        assert_eq!(
            text(&timed),
            [
                "rustc",
                "--crate-name",
                "ctx",
                "src/lib.rs",
                "-C",
                "linker=/m",
                "-C",
                "link-arg=--memscope-timed-link",
                "-C",
                "link-arg=--memscope-real-linker=cc",
            ]
        );
        assert_eq!(with_timed_linker(&timed, Path::new("/m")), None, "once");
    }

    #[test]
    fn a_linker_the_command_named_stays_the_real_one() {
        for named in [
            &["-C", "linker=clang"][..],
            &["-Clinker=clang"],
            &["--codegen", "linker=clang"],
            &["--codegen=linker=clang"],
        ] {
            let mut args = os(&["rustc", "--crate-name", "ctx"]);
            args.extend(os(named));
            args.extend(os(&["-C", "opt-level=0"]));
            let timed = with_timed_linker(&args, Path::new("/m")).unwrap();
            let timed = text(&timed);
            assert_eq!(
                &timed[..5],
                ["rustc", "--crate-name", "ctx", "-C", "opt-level=0"],
                "{named:?}"
            );
            assert_eq!(
                timed.last(),
                Some(&"link-arg=--memscope-real-linker=clang"),
                "{named:?}"
            );
            assert!(!timed.contains(&"linker=clang"), "{named:?}");
        }
    }

    #[test]
    fn the_real_linker_gets_its_own_arguments_back() {
        let args = os(&[
            "-o",
            "x.so",
            "--memscope-timed-link",
            "--memscope-real-linker=clang",
            "a.o",
        ]);
        let (real, rest) = real_link(&args).unwrap();
        assert_eq!(real, OsStr::new("clang"));
        assert_eq!(text(&rest), ["-o", "x.so", "a.o"]);
        assert_eq!(real_link(&os(&["-o", "x.so"])), None, "not a timed link");
    }

    #[test]
    fn arguments_in_a_file_are_read_from_it() {
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("linker-arguments");
        std::fs::write(
            &file,
            "-o\nx.so\n--memscope-timed-link\n--memscope-real-linker=cc\na.o\n",
        )
        .unwrap();
        let at = OsString::from(format!("@{}", file.display()));
        let (real, rest) = real_link_from_file(&[at]).unwrap();
        assert_eq!(real, OsStr::new("cc"));
        let copy = rest[0]
            .to_str()
            .unwrap()
            .strip_prefix('@')
            .unwrap()
            .to_owned();
        assert_eq!(std::fs::read_to_string(copy).unwrap(), "-o\nx.so\na.o");
        let plain = folder.path().join("plain");
        std::fs::write(&plain, "-o\nx.so\n").unwrap();
        assert_eq!(
            real_link_from_file(&[OsString::from(format!("@{}", plain.display()))]),
            None
        );
    }

    #[test]
    fn recorded_times_are_summed_once() {
        let folder = tempfile::tempdir().unwrap();
        assert_eq!(take_link_time(folder.path()), None);
        record(&folder.path().join(TIMES_FILE), Duration::from_millis(3));
        record(&folder.path().join(TIMES_FILE), Duration::from_millis(4));
        assert_eq!(
            take_link_time(folder.path()),
            Some(Duration::from_millis(7))
        );
        assert_eq!(take_link_time(folder.path()), None);
    }
}
