"""A build folder a killed kernel left a compile running in is taken back.

Covers: a kernel killed outright (SIGKILL, so nothing of it can clean up)
while cargo builds a dependency for its cell leaves that cargo running,
holding the build folder's cargo lock; the next kernel gets the same
folder (its lock is free again), kills the dead kernel's cargo and
everything below it, and runs its first cell without waiting for it.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import processes
from kernel_harness import CELL_TIMEOUT, FIRST_CELL_TIMEOUT, result_text, run, start_kernel, stop_kernel

# The dependency's build script outlasts the test unless it is killed.
BUILD_SECONDS = 120


def slow_crate(root: Path, started: Path) -> Path:
    """A crate whose build script creates `started`, then sleeps."""
    crate = root / "slowdep"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "slowdep"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "build.rs").write_text(
        f'fn main() {{ std::fs::write(r#"{started}"#, "").unwrap();\n'
        f"    std::thread::sleep(std::time::Duration::from_secs({BUILD_SECONDS})); }}\n"
    )
    (crate / "src" / "lib.rs").write_text("pub fn one() -> i32 { 1 }\n")
    return crate


def test_the_next_kernel_kills_a_dead_kernels_compile(tmp_path: Path) -> None:
    started = tmp_path / "build-script-started"
    crate = slow_crate(tmp_path, started)
    first = start_kernel(warm_up=True)
    pid = first.km.provisioner.process.pid
    first.kc.execute(f':dep slowdep = {{ path = "{crate}" }}')
    deadline = time.monotonic() + CELL_TIMEOUT
    while not started.exists():
        assert time.monotonic() < deadline, "the build script never ran"
        time.sleep(0.05)
    # The cargo that runs the build script, and any other of the kernel's.
    cargo = [p for p in processes.descendants(pid).values() if p.name == "cargo"]
    os.kill(pid, signal.SIGKILL)
    first.km.provisioner.process.wait()
    orphans = [p for p in cargo if processes.running(p)]
    assert orphans, "the dead kernel's cargo died with it: nothing to take back"
    left_behind = [d for p in orphans for d in processes.descendants(p.pid).values()]
    first.kc.stop_channels()

    second = start_kernel(warm_up=False)
    try:
        began = time.monotonic()
        reply, msgs = run(second.kc, "21 * 2", timeout=FIRST_CELL_TIMEOUT)
        took = time.monotonic() - began
        assert reply["content"]["status"] == "ok", reply["content"]
        assert result_text(msgs) == "42"
        still = [p for p in orphans + left_behind if processes.running(p)]
        assert not still, f"the dead kernel's compile still runs: {still}"
        assert took < BUILD_SECONDS / 2, f"the first cell waited for the dead kernel's cargo ({took:.0f} s)"
    finally:
        stop_kernel(second)
