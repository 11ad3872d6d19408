//! Reaping the orphans the kernel adopts as a subreaper: helpers that
//! cargo or mold leave behind, and the children of a cell process that
//! died. Nobody else waits for them.
//!
//! Invariant: a zombie is reaped only when it was already one a second
//! earlier, so a child that `std::process` is about to wait for (it does
//! so at once) is never taken from it.

use std::time::Duration;

use crate::processes;

/// Reaps, once a second, our children that have been zombies for a second.
pub fn reap_orphans_forever() {
    let me = std::process::id();
    let mut seen_before: Vec<u32> = Vec::new();
    loop {
        let zombies = processes::zombie_children(me);
        for &pid in zombies.iter().filter(|pid| seen_before.contains(pid)) {
            processes::reap(pid, Duration::ZERO);
        }
        seen_before = zombies;
        std::thread::sleep(Duration::from_secs(1));
    }
}
