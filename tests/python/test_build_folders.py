"""Build folders: a kernel that gets a folder no kernel has built in yet (one
more kernel at once than ever before, or a folder left to a crashed front
end's kernel) starts from what another folder built, and compiles no
dependency again: ndarray and the prelude take about a minute from scratch
on a 2-core machine, and the copy a fraction of a second."""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from pathlib import Path

from kernel_harness import FIRST_CELL_TIMEOUT, all_text, start_kernel, stop_kernel, stream_text


def cache_dir() -> Path:
    """The kernel's cache folder, found as the kernel finds it."""
    if os.environ.get("MEMSCOPE_CACHE_DIR"):
        return Path(os.environ["MEMSCOPE_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "memscope"
    return Path.home() / ".cache" / "memscope"


def test_a_folder_no_kernel_has_built_in_compiles_no_dependency() -> None:
    builds = cache_dir() / "build"
    # A slot that has built this tree's prelude and builds nothing now, for
    # the seed to be taken from: a kernel that compiled a cell (one no
    # cache has seen: a cached cell builds nothing) and stopped. The suite's
    # earlier kernels built in the slots too, but each may have been a
    # test's kernel on a prelude of its own or one stopped half-way through
    # a build; the kernel must tell those slots from this one.
    builder = start_kernel()
    try:
        reply, msgs = builder.run(f'const RUN: &str = "{uuid.uuid4()}";', timeout=FIRST_CELL_TIMEOUT)
        assert reply["content"]["status"] == "ok", all_text(msgs)
    finally:
        stop_kernel(builder)
    built_before = {slot for slot in builds.glob("slot-*") if (slot / "target").is_dir()}
    assert built_before, "a kernel has built in a slot"

    # Every slot there is taken, as by kernels running beside this one, so
    # the new kernel gets a folder that has never built anything.
    held = []
    for slot in sorted(builds.glob("slot-*")):
        lock = (slot / ".lock").open("a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # a live kernel holds it: taken all the same
        held.append(lock)

    started = time.time()
    kernel = start_kernel(warm_up=False)
    folder = None
    try:
        reply, msgs = kernel.run(
            'println!("{}", std::env::var("EVCXR_TMPDIR").unwrap());\n'
            "let a = Array1::<f64>::linspace(0.0, 1.0, 5);\n"
            "a.sum()",
            timeout=FIRST_CELL_TIMEOUT,
        )
        assert reply["content"]["status"] == "ok", all_text(msgs)
        folder = Path(stream_text(msgs).strip())
        assert folder.parent == builds and folder not in built_before, folder

        target = folder / "target"
        assert list(target.rglob("libndarray-*.rlib")), "the dependencies were copied from a sibling"
        recompiled = [p.name for p in target.rglob("*.rlib") if p.stat().st_mtime >= started]
        assert recompiled == [], f"compiled again: {recompiled}"
        assert "Compiling" not in all_text(msgs)
    finally:
        stop_kernel(kernel)
        for lock in held:
            lock.close()
        # A new slot would be an old one to the next run of this test.
        if folder is not None and folder.name.startswith("slot-") and folder not in built_before:
            shutil.rmtree(folder, ignore_errors=True)
