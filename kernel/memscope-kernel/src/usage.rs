//! What `usage_reply` says: the numbers of JupyterLab's Kernel Usage panel
//! (jupyter-resource-usage), in the fields ipykernel answers
//! `usage_request` with: the CPU and memory of the kernel and of every
//! process under it (the cell process, a running rustc or cargo), and the
//! host's CPU count, CPU load and memory.
//!
//! CPU is the share of one CPU used since the previous request (as
//! psutil's `cpu_percent` counts it: two busy cores are 200), so the first
//! request gives the average since each process started; the host's share
//! likewise, over all its CPUs, is since the previous request or, at the
//! first, since boot (the panel hides a share it is not given). Memory is each
//! process's proportional set size where Linux reports it (`Pss`, what
//! ipykernel sums too), else its resident set.
//!
//! Invariant: never fails: a process that ends while it is read, or a
//! file that cannot be read, counts as nothing; parsing is pure and tested
//! on text.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{Value, json};

/// Counters from one request, for the shares of the next.
struct Sample {
    at: Instant,
    /// CPU time of the kernel's process tree, in clock ticks.
    tree_ticks: u64,
    /// The host's busy and total CPU time, in clock ticks.
    host: (u64, u64),
}

/// Answers `usage_request`s, remembering the last one's counters.
pub struct UsageMeter {
    last: Mutex<Option<Sample>>,
    /// Clock ticks per second, the unit of `/proc`'s CPU times.
    ticks_per_second: u64,
}

impl Default for UsageMeter {
    fn default() -> Self {
        UsageMeter::new()
    }
}

impl UsageMeter {
    pub fn new() -> UsageMeter {
        UsageMeter {
            last: Mutex::new(None),
            ticks_per_second: clock_ticks_per_second(),
        }
    }

    /// The content of a `usage_reply`.
    pub fn usage(&self) -> Value {
        let pid = std::process::id();
        let tree = process_tree(pid);
        let now = Instant::now();
        let tree_ticks: u64 = tree.iter().map(|&p| process_ticks(p)).sum();
        let stat = read("/proc/stat").unwrap_or_default();
        let host = host_cpu_ticks(&stat).unwrap_or_default();
        let memory: u64 = tree.iter().map(|&p| process_memory(p)).sum();
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let kernel_cpu = match last.as_ref() {
            Some(before) => share(
                tree_ticks.saturating_sub(before.tree_ticks),
                now.duration_since(before.at).as_secs_f64(),
                self.ticks_per_second,
            ),
            None => share(
                tree_ticks,
                process_age(pid, self.ticks_per_second),
                self.ticks_per_second,
            ),
        };
        let since = last.as_ref().map_or((0, 0), |before| before.host);
        let (busy, total) = (
            host.0.saturating_sub(since.0),
            host.1.saturating_sub(since.1),
        );
        let host_cpu_percent = if total > 0 {
            round(100.0 * busy as f64 / total as f64)
        } else {
            0.0
        };
        *last = Some(Sample {
            at: now,
            tree_ticks,
            host,
        });
        json!({
            "hostname": read("/proc/sys/kernel/hostname").unwrap_or_default().trim(),
            "pid": pid,
            "kernel_cpu": kernel_cpu,
            "kernel_memory": memory,
            "cpu_count": cpu_count(&stat),
            "host_cpu_percent": host_cpu_percent,
            "host_virtual_memory": read("/proc/meminfo").as_deref().map_or_else(|| json!({}), virtual_memory),
        })
    }
}

/// `ticks` of CPU time over `seconds`, as a percentage of one CPU.
fn share(ticks: u64, seconds: f64, ticks_per_second: u64) -> f64 {
    if seconds <= 0.0 || ticks_per_second == 0 {
        return 0.0;
    }
    round(100.0 * ticks as f64 / ticks_per_second as f64 / seconds)
}

fn round(percent: f64) -> f64 {
    (percent * 10.0).round() / 10.0
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn clock_ticks_per_second() -> u64 {
    rustix::param::clock_ticks_per_second()
}

/// `pid` and every process below it, found through each process's parent
/// in `/proc/*/stat`.
fn process_tree(pid: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(parent) = read(&format!("/proc/{child}/stat"))
                .as_deref()
                .and_then(|stat| stat_fields(stat).and_then(|f| f.parent))
            {
                children.entry(parent).or_default().push(child);
            }
        }
    }
    let mut tree = vec![pid];
    let mut next = 0;
    while next < tree.len() {
        if let Some(below) = children.get(&tree[next]) {
            tree.extend(below);
        }
        next += 1;
    }
    tree
}

/// What the kernel reads of one `/proc/PID/stat` line.
#[derive(Debug, PartialEq, Eq)]
struct StatFields {
    parent: Option<u32>,
    /// User plus system CPU time, in clock ticks.
    ticks: u64,
    /// When the process started, in clock ticks after boot.
    started: u64,
}

/// Parses a `/proc/PID/stat` line. The command name is in parentheses and
/// may hold spaces and parentheses itself, so fields are counted from the
/// last `)`.
fn stat_fields(stat: &str) -> Option<StatFields> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state (3), ppid (4), ... utime (14), stime (15),
    // ... starttime (22), numbered as in proc(5).
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok());
    Some(StatFields {
        parent: field(4).and_then(|p| u32::try_from(p).ok()),
        ticks: field(14)? + field(15)?,
        started: field(22)?,
    })
}

fn process_ticks(pid: u32) -> u64 {
    read(&format!("/proc/{pid}/stat"))
        .as_deref()
        .and_then(stat_fields)
        .map_or(0, |f| f.ticks)
}

/// How long `pid` has run, in seconds.
fn process_age(pid: u32, ticks_per_second: u64) -> f64 {
    let started = read(&format!("/proc/{pid}/stat"))
        .as_deref()
        .and_then(stat_fields)
        .map_or(0, |f| f.started);
    let uptime = read("/proc/uptime")
        .and_then(|text| text.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0);
    uptime - started as f64 / ticks_per_second.max(1) as f64
}

/// The process's proportional set size, else its resident set, in bytes.
fn process_memory(pid: u32) -> u64 {
    if let Some(pss) = read(&format!("/proc/{pid}/smaps_rollup"))
        .as_deref()
        .and_then(|text| kilobytes(text, "Pss:"))
    {
        return pss;
    }
    read(&format!("/proc/{pid}/status"))
        .as_deref()
        .and_then(|text| kilobytes(text, "VmRSS:"))
        .unwrap_or(0)
}

/// The value of a `Name:   1234 kB` line, in bytes.
fn kilobytes(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|line| line.starts_with(name))?;
    let number = line[name.len()..].split_whitespace().next()?;
    number.parse::<u64>().ok().map(|kb| kb * 1024)
}

/// The host's busy and total CPU time from `/proc/stat`'s `cpu` line
/// (idle and iowait are not busy).
fn host_cpu_ticks(stat: &str) -> Option<(u64, u64)> {
    let line = stat.lines().find(|line| line.starts_with("cpu "))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|n| n.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest is in user).
    let total: u64 = ticks.iter().take(8).sum();
    let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
    Some((total.saturating_sub(idle), total))
}

/// Logical CPUs: the `cpuN` lines of `/proc/stat`.
fn cpu_count(stat: &str) -> usize {
    stat.lines()
        .filter(|line| {
            line.strip_prefix("cpu")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .count()
        .max(1)
}

/// psutil's `virtual_memory()` fields, in bytes, from `/proc/meminfo`.
fn virtual_memory(meminfo: &str) -> Value {
    let field = |name: &str| kilobytes(meminfo, &format!("{name}:")).unwrap_or(0);
    let total = field("MemTotal");
    let available = field("MemAvailable");
    let used = total.saturating_sub(available);
    let percent = if total > 0 {
        round(100.0 * used as f64 / total as f64)
    } else {
        0.0
    };
    json!({
        "total": total,
        "available": available,
        "percent": percent,
        "used": used,
        "free": field("MemFree"),
        "active": field("Active"),
        "inactive": field("Inactive"),
        "buffers": field("Buffers"),
        "cached": field("Cached"),
        "shared": field("Shmem"),
        "slab": field("Slab"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_is_read_from_after_the_name() {
        let stat = "4242 (cell (1) x) S 4200 4242 4200 0 -1 4194304 100 0 0 0 \
                    250 50 0 0 20 0 3 0 98765 1000 200 18446744073709551615";
        assert_eq!(
            stat_fields(stat),
            Some(StatFields {
                parent: Some(4200),
                ticks: 300,
                started: 98765
            })
        );
        assert_eq!(stat_fields("no name here"), None);
        assert_eq!(stat_fields("1 (x) S 0"), None, "cut short");
    }

    #[test]
    fn host_figures_come_from_proc_stat_and_meminfo() {
        let stat = "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\n\
                    cpu1 50 0 25 400 25 0 0 0 0 0\nintr 1 2 3\ncpufreq x\n";
        assert_eq!(host_cpu_ticks(stat), Some((150, 1000)));
        assert_eq!(cpu_count(stat), 2);
        let meminfo = "MemTotal:       1000 kB\nMemFree:         200 kB\n\
                       MemAvailable:    600 kB\nBuffers:          10 kB\nCached:  100 kB\n";
        let memory = virtual_memory(meminfo);
        assert_eq!(memory["total"], 1_024_000);
        assert_eq!(memory["available"], 614_400);
        assert_eq!(memory["used"], 409_600);
        assert_eq!(memory["percent"], 40.0);
        assert_eq!(memory["slab"], 0, "a missing line counts as nothing");
    }

    #[test]
    fn shares_are_of_one_cpu() {
        assert_eq!(share(200, 1.0, 100), 200.0, "two busy cores");
        assert_eq!(share(5, 0.5, 100), 10.0);
        assert_eq!(share(5, 0.0, 100), 0.0);
    }

    #[test]
    fn this_process_is_measured() {
        let meter = UsageMeter::new();
        let first = meter.usage();
        assert_eq!(first["pid"], std::process::id());
        assert!(first["kernel_memory"].as_u64().unwrap() > 0, "{first}");
        assert!(first["cpu_count"].as_u64().unwrap() >= 1);
        let since_boot = first["host_cpu_percent"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&since_boot), "{first}");
        assert!(first["host_virtual_memory"]["total"].as_u64().unwrap() > 0);
        // Work, then measure again: the share covers the interval.
        let mut x = 0_u64;
        let began = Instant::now();
        while began.elapsed().as_millis() < 60 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        let second = meter.usage();
        assert!(second["kernel_cpu"].as_f64().unwrap() >= 0.0);
        assert!(second["host_cpu_percent"].as_f64().is_some(), "{second}");
    }
}
