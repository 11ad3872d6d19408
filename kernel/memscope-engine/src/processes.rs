//! Processes, for both sides of the engine: the one module that reads
//! `/proc` and makes the process calls (signals, reaping, `prctl`), so
//! that the rest of the engine speaks of pids and signals, not of system
//! calls.
//!
//! Invariant: nothing here blocks for longer than the patience it is
//! given, and nothing panics: a process that is gone, or a `/proc` entry
//! that cannot be read, is an answer (`false`, `None`, an empty list).

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, WaitOptions};

/// One line of the process table.
pub struct ProcessEntry {
    pub pid: u32,
    pub parent: u32,
    pub name: String,
    /// The state letter of `/proc/<pid>/stat`: `R`, `S`, `Z` (exited, not
    /// yet reaped), ...
    pub state: String,
}

/// Every process's id, parent, name and state, from `/proc`.
pub fn process_table() -> Vec<ProcessEntry> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            parse_stat(pid, &stat)
        })
        .collect()
}

/// Reads "pid (name) state ppid ...": the name may contain spaces and
/// parentheses, so the fields after it start at the last ')'.
fn parse_stat(pid: u32, stat: &str) -> Option<ProcessEntry> {
    let (head, tail) = stat.rsplit_once(')')?;
    let name = head.split_once('(')?.1.to_owned();
    let mut fields = tail.split_whitespace();
    let state = fields.next()?.to_owned();
    let parent = fields.next()?.parse().ok()?;
    Some(ProcessEntry {
        pid,
        parent,
        name,
        state,
    })
}

/// Every process below `root`, at any depth, `root` included.
pub fn descendants(root: u32, table: &[ProcessEntry]) -> Vec<u32> {
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(table.iter().filter(|p| p.parent == parent).map(|p| p.pid));
        i += 1;
    }
    found
}

/// Whether process `pid` runs: it exists and has not exited (a zombie,
/// exited but not yet reaped by its parent, does not run).
pub fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| parse_stat(pid, &stat))
        .is_some_and(|entry| !matches!(entry.state.as_str(), "Z" | "X" | "x"))
}

/// Kills every process below this one (the cell process, its snapshot,
/// cargo, rustc), at any depth, and returns how many it killed. Looks
/// again until none is left, for up to `patience`: a cargo killed between
/// two looks may have started a rustc meanwhile.
pub fn kill_descendants(patience: Duration) -> usize {
    let me = std::process::id();
    let until = Instant::now() + patience;
    let mut killed = std::collections::HashSet::new();
    loop {
        let table = process_table();
        let running: Vec<u32> = descendants(me, &table)
            .into_iter()
            .filter(|&pid| pid != me)
            .filter(|pid| table.iter().any(|p| p.pid == *pid && p.state != "Z"))
            .collect();
        if running.is_empty() || Instant::now() >= until {
            return killed.len();
        }
        for pid in running {
            if signal(pid, Signal::KILL) {
                killed.insert(pid);
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The folder process `pid` works in, if it is ours to read.
pub fn working_folder(pid: u32) -> Option<std::path::PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/cwd")).ok()
}

/// The arguments process `pid` was started with (empty if it is gone).
pub fn command_line(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|bytes| {
            bytes
                .split(|&b| b == 0)
                .filter(|arg| !arg.is_empty())
                .map(|arg| String::from_utf8_lossy(arg).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Our children that have exited and not been reaped.
pub fn zombie_children(parent: u32) -> Vec<u32> {
    process_table()
        .into_iter()
        .filter(|p| p.parent == parent && p.state == "Z")
        .map(|p| p.pid)
        .collect()
}

/// The number of threads of this process.
pub fn thread_count() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))?
        .trim()
        .parse()
        .ok()
}

/// Sends `signal` to `pid`; false if there is no such process (or it is
/// not ours to signal).
pub fn signal(pid: u32, signal: Signal) -> bool {
    pid_of(pid).is_some_and(|pid| rustix::process::kill_process(pid, signal).is_ok())
}

/// Reaps our child `pid`, waiting up to `patience` for it to exit; `None`
/// if it has not exited by then or is not our child.
pub fn reap(pid: u32, patience: Duration) -> Option<ExitStatus> {
    let pid = pid_of(pid)?;
    let until = Instant::now() + patience;
    loop {
        match rustix::process::waitpid(Some(pid), WaitOptions::NOHANG) {
            Ok(Some((_, status))) => return Some(ExitStatus::from_raw(status.as_raw())),
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(5)),
            _ => return None,
        }
    }
}

/// Waits for our child `pid` to exit and reaps it; `None` if it is not
/// our child. Only for a process that is sure to exit at once (one just
/// killed).
pub fn wait(pid: u32) -> Option<ExitStatus> {
    let pid = pid_of(pid)?;
    loop {
        match rustix::process::waitpid(Some(pid), WaitOptions::empty()) {
            Ok(Some((_, status))) => return Some(ExitStatus::from_raw(status.as_raw())),
            // A signal handled meanwhile (the fence) interrupts the wait.
            Err(rustix::io::Errno::INTR) => continue,
            _ => return None,
        }
    }
}

/// Makes this process the reaper of its orphaned descendants, so that a
/// cell process's snapshot becomes our child when its parent dies; false
/// if the system refused.
pub fn become_subreaper() -> bool {
    rustix::process::set_child_subreaper(Some(rustix::process::getpid())).is_ok()
}

/// Lowers the calling thread to nice 10, so that work nobody waits for
/// gives way to a cell's compile on a machine with few cores; the threads
/// it starts from then on inherit it (Linux's nice is per thread). Returns
/// whether the system agreed.
pub fn lower_priority_of_this_thread() -> bool {
    rustix::process::setpriority_process(Some(rustix::thread::gettid()), 10).is_ok()
}

/// Has glibc's allocator serve every thread from one arena. By default
/// each thread that allocates gets an arena of its own and keeps what it
/// frees there: rust-analyzer's first analysis runs on a thread of its own
/// (evcxr patch 0003), and its second arena kept the kernel about 60 MiB
/// larger for the rest of its life (610-613 against 549-551 MiB after the
/// latency benchmark's session, three runs each). The kernel's other
/// threads allocate little: the first cell, which waits for that analysis,
/// took 6.45-7.54 s against 5.75-6.56 s, within the machine's noise. Call
/// it before any thread starts.
pub fn use_one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tunable of glibc's allocator; it is
    // called before the process has other threads that could allocate.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Asks the system to kill this process when its parent dies.
pub fn die_with_parent() {
    // Refused only on systems without the call, where nothing can be done.
    let _ = rustix::process::set_parent_process_death_signal(Some(Signal::KILL));
}

/// The pid of this process's parent (0 once it has none).
pub fn parent_pid() -> u32 {
    rustix::process::getppid().map_or(0, |pid| pid.as_raw_pid() as u32)
}

fn pid_of(pid: u32) -> Option<Pid> {
    Pid::from_raw(i32::try_from(pid).ok()?)
}

/// The nice value of thread `tid` of this process, from `/proc`.
pub fn thread_nice(tid: u32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // Fields after the name (which may hold spaces) start at the state,
    // field 3; nice is field 19.
    let after_name = &stat[stat.rfind(')')? + 2..];
    after_name.split(' ').nth(19 - 3)?.parse().ok()
}

/// The ids of this process's threads named `named` (of which Linux keeps
/// the first 15 bytes).
pub fn threads_named(named: &str) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter(|task| {
            let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            let name = name.trim_end();
            name == named || (name.len() == 15 && named.starts_with(name))
        })
        .filter_map(|task| task.file_name().to_str()?.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The id of the calling thread.
    fn this_thread() -> u32 {
        let link = std::fs::read_link("/proc/thread-self").unwrap();
        link.file_name().unwrap().to_str().unwrap().parse().unwrap()
    }

    #[test]
    fn a_thread_that_gives_way_passes_it_on_to_its_threads_and_no_other() {
        let own_before = thread_nice(this_thread());
        let (lowered, inherited) = std::thread::spawn(|| {
            assert!(lower_priority_of_this_thread());
            let lowered = thread_nice(this_thread());
            let inherited = std::thread::spawn(|| thread_nice(this_thread()));
            (lowered, inherited.join().unwrap())
        })
        .join()
        .unwrap();
        assert_eq!((lowered, inherited), (Some(10), Some(10)));
        assert_eq!(
            thread_nice(this_thread()),
            own_before,
            "the spawning thread changed"
        );
    }

    #[test]
    fn stat_lines_with_odd_names_are_read() {
        let entry = parse_stat(42, "42 (a (b) c) S 7 42 42 0 -1").unwrap();
        assert_eq!((entry.pid, entry.parent), (42, 7));
        assert_eq!(
            (entry.name.as_str(), entry.state.as_str()),
            ("a (b) c", "S")
        );
        assert!(parse_stat(1, "garbage").is_none());
    }

    #[test]
    fn this_process_is_in_the_table_and_below_its_parent() {
        let table = process_table();
        let me = std::process::id();
        let entry = table.iter().find(|p| p.pid == me).expect("this process");
        assert_eq!(entry.parent, parent_pid());
        assert!(descendants(entry.parent, &table).contains(&me));
        assert!(thread_count().is_some_and(|n| n >= 1));
    }

    #[test]
    fn running_processes_are_told_from_exited_ones() {
        assert!(is_running(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        while processes_state(child.id()) != Some("Z".to_owned()) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(!is_running(child.id()), "a zombie does not run");
        child.wait().unwrap();
        assert!(!is_running(child.id()), "a reaped process does not run");
    }

    fn processes_state(pid: u32) -> Option<String> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        parse_stat(pid, &stat).map(|entry| entry.state)
    }

    #[test]
    #[expect(
        clippy::zombie_processes,
        reason = "the child is reaped by `reap`, the function under test"
    )]
    fn a_child_is_signalled_and_reaped() {
        let child = std::process::Command::new("sleep")
            .arg("60")
            .spawn()
            .unwrap();
        assert!(signal(child.id(), Signal::KILL));
        let status = reap(child.id(), Duration::from_secs(5)).expect("reaped");
        assert_eq!(status.signal(), Some(Signal::KILL.as_raw()));
        assert!(!signal(child.id(), Signal::KILL), "a reaped pid is gone");
    }
}
