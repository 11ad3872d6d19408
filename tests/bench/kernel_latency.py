"""Cell latency, start time and memory of memscope beside evcxr_jupyter.

Starts each kernel with a real Jupyter client (jupyter_client), runs the
same cells against both, alternating kernels, for several rounds, and prints
medians and ratios side by side. Nothing here asserts a time: the figures
are for reading (BENCHMARKS.md records them), because machines are noisy.

    .venv/bin/python tests/bench/kernel_latency.py            # full run
    .venv/bin/python tests/bench/kernel_latency.py --smoke    # memscope only, a few cells
    .venv/bin/python tests/bench/kernel_latency.py --growth 500   # memory over 500 cells

Every target at once, with evcxr_jupyter and NumPy beside it: targets.py.

evcxr_jupyter 0.22.0 is installed with `cargo install` into
$MEMSCOPE_CACHE_DIR/bench/evcxr_jupyter when missing (a ~7 minute build).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import KernelManager

CACHE = Path(os.environ.get("MEMSCOPE_CACHE_DIR", Path.home() / ".cache" / "memscope"))
EVCXR_ROOT = CACHE / "bench" / "evcxr_jupyter"
EVCXR_VERSION = "0.22.0"
EVCXR_KERNEL = "evcxr-benchmark"

# The cell that makes ndarray available: a dependency for evcxr_jupyter;
# for memscope the prelude already has it, so the import is all there is.
SETUP = {
    "evcxr_jupyter": ':dep ndarray = "0.17.2"\nuse ndarray::prelude::*;',
    "memscope": "use ndarray::prelude::*;",
}
FIRST_CELL = "let first = Array1::<f64>::linspace(0.0, 1.0, 11);\nfirst.sum()"
WARM_CELLS = [
    "let a = Array2::<f64>::zeros((64, 64));",
    "let b = &a + 1.0;",
    "b.sum()",
    "let row = b.row(3).to_owned();",
    "let t = b.t().to_owned();",
    "let total: f64 = t.iter().sum();\ntotal",
    "let v: Vec<f64> = (0..1000).map(|i| i as f64).collect();",
    "1 + 1",
]


@dataclass
class Figures:
    start: list[float] = field(default_factory=list)
    setup: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    # The warm cells that declare a variable (whose type the kernel must learn).
    warm_let: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)


def ensure_evcxr_jupyter() -> Path:
    """The evcxr_jupyter binary, and a kernelspec for it that only this
    benchmark sees (on JUPYTER_PATH), so the user's own Jupyter is untouched."""
    exe = EVCXR_ROOT / "bin" / "evcxr_jupyter"
    if not exe.exists():
        print(f"installing evcxr_jupyter {EVCXR_VERSION} into {EVCXR_ROOT} (cargo install, several minutes)")
        subprocess.run(
            ["cargo", "install", "--locked", "evcxr_jupyter", "--version", EVCXR_VERSION, "--root", str(EVCXR_ROOT)],
            check=True,
        )
    spec = EVCXR_ROOT / "kernels" / EVCXR_KERNEL
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(exe), "--control_file", "{connection_file}"],
                "display_name": "Rust (evcxr_jupyter, benchmark)",
                "language": "rust",
                "interrupt_mode": "message",
            }
        )
    )
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(EVCXR_ROOT), os.environ.get("JUPYTER_PATH")]))
    return exe


def start(kernel: str, evcxr: Path | None, cell_cache: bool = False) -> tuple[KernelManager, object, float]:
    """A started kernel. memscope's cache of compiled cells is off unless
    `cell_cache`: these figures are for cells compiled, as the first run of
    a notebook compiles them (the cache's own figures are measured apart)."""
    km = KernelManager(kernel_name="memscope" if kernel == "memscope" else EVCXR_KERNEL)
    env = dict(os.environ)
    if not cell_cache:
        env["MEMSCOPE_CELL_CACHE_MIB"] = "0"
    began = time.perf_counter()
    km.start_kernel(env=env)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    return km, kc, time.perf_counter() - began


def timed(kc, code: str, timeout: float = 600) -> float:
    began = time.perf_counter()
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=lambda msg: None)
    elapsed = time.perf_counter() - began
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"cell failed: {code!r}: {reply['content'].get('evalue')}")
    return elapsed


def rss_split_mib(km: KernelManager) -> tuple[float, float]:
    """Resident memory of the kernel process, and of all its descendants
    (the cell process, with evcxr's helpers). A process's children are
    listed per thread that started them (memscope's cell process is
    started by a worker thread), so every thread is read."""
    pid = km.provisioner.process.pid  # type: ignore[union-attr]
    kernel = descendants = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                if current == pid:
                    kernel = int(line.split()[1])
                else:
                    descendants += int(line.split()[1])
    return kernel / 1024, descendants / 1024


def rss_mib(km: KernelManager) -> float:
    """Resident memory of the kernel process and all its descendants."""
    return sum(rss_split_mib(km))


def session(
    kernel: str, evcxr: Path | None, figures: Figures, warm_cells: list[str], memory: str | None, cell_cache: bool = False
) -> None:
    km, kc, started = start(kernel, evcxr, cell_cache)
    try:
        figures.start.append(started)
        if memory:
            timed(kc, memory)
        figures.setup.append(timed(kc, SETUP[kernel]))
        figures.first.append(timed(kc, FIRST_CELL))
        for code in warm_cells:
            elapsed = timed(kc, code)
            figures.warm.append(elapsed)
            if code.startswith("let "):
                figures.warm_let.append(elapsed)
        figures.rss_mib.append(rss_mib(km))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def growth(kernel: str, evcxr: Path | None, cells: int) -> tuple[float, float]:
    """Memory of a session over many small ndarray cells: RSS (MiB) after
    the warm-up and after `cells` more of the warm cells in turn."""
    km, kc, _ = start(kernel, evcxr)
    try:
        timed(kc, SETUP[kernel])
        timed(kc, FIRST_CELL)
        kernel_before, cells_before = rss_split_mib(km)
        for i in range(cells):
            timed(kc, WARM_CELLS[i % len(WARM_CELLS)])
        kernel_after, cells_after = rss_split_mib(km)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    before, after = kernel_before + cells_before, kernel_after + cells_after
    print(
        f"{kernel}: RSS after warm-up {before:.1f} MiB, after {cells} more cells {after:.1f} MiB: "
        f"{(after - before) / cells * 1024:.1f} KiB per cell (kernel process "
        f"{kernel_before:.1f} -> {kernel_after:.1f} MiB, cell process and helpers "
        f"{cells_before:.1f} -> {cells_after:.1f} MiB)",
        flush=True,
    )
    return before, after


def time_growth(kernel: str, evcxr: Path | None, cells: int) -> list[float]:
    """Each cell's time over a session of `cells` warm cells in turn, sent
    back to back, after the set-up and first cells: whether a cell's cost
    grows with what the session holds."""
    km, kc, _ = start(kernel, evcxr)
    try:
        timed(kc, SETUP[kernel])
        timed(kc, FIRST_CELL)
        return [timed(kc, WARM_CELLS[i % len(WARM_CELLS)]) for i in range(cells)]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def completion_after_idle(kernel: str, evcxr: Path | None, idle: float) -> tuple[float, int]:
    """How long a completion takes when a person asks for it: a session
    whose first cells ran, then `idle` seconds of nothing (the person reads
    and types), then Tab after `np::ar` (`first.su` for the peer, which has
    no `np`); and how many matches came."""
    km, kc, _ = start(kernel, evcxr)
    try:
        timed(kc, SETUP[kernel])
        timed(kc, FIRST_CELL)
        time.sleep(idle)  # the scenario itself: a person who has not typed yet
        code = "np::ar" if kernel == "memscope" else "first.su"
        began = time.perf_counter()
        reply = kc.complete(code, len(code), reply=True, timeout=120)
        return time.perf_counter() - began, len(reply["content"]["matches"])
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(results: dict[str, Figures]) -> None:
    rows = [
        ("launch to kernel_info_reply (s)", "start"),
        ("ndarray available: setup cell (s)", "setup"),
        ("first cell using ndarray (s)", "first"),
        ("warm cell, median (s)", "warm"),
        ("kernel + cell process RSS at end (MiB)", "rss_mib"),
    ]
    names = list(results)
    print()
    header = f"{'':42}" + "".join(f"{name:>16}" for name in names)
    if len(names) == 2:
        header += f"{'ratio':>10}"
    print(header)
    for label, attribute in rows:
        values = [median(getattr(results[name], attribute)) for name in names]
        line = f"{label:42}" + "".join(f"{value:>16.3f}" for value in values)
        if len(values) == 2 and values[1]:
            line += f"{values[0] / values[1]:>10.2f}"
        print(line)
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="memscope only, two warm cells, one round")
    parser.add_argument("--growth", type=int, metavar="CELLS", help="memscope's memory over this many cells")
    args = parser.parse_args()

    if args.growth:
        growth("memscope", None, args.growth)
        return 0

    if args.smoke:
        results = {"memscope": Figures()}
        session("memscope", None, results["memscope"], WARM_CELLS[:2], None)
        report(results)
        return 0

    evcxr = ensure_evcxr_jupyter()
    results = {"memscope": Figures(), "evcxr_jupyter": Figures(), "memscope, table off": Figures()}
    for round_number in range(args.rounds):
        print(f"round {round_number + 1} of {args.rounds}", flush=True)
        session("memscope", None, results["memscope"], WARM_CELLS, None)
        session("evcxr_jupyter", evcxr, results["evcxr_jupyter"], WARM_CELLS, None)
        session("memscope", None, results["memscope, table off"], WARM_CELLS, ":memory off")
    report({"memscope": results["memscope"], "evcxr_jupyter": results["evcxr_jupyter"]})
    report({"memscope": results["memscope"], "memscope, table off": results["memscope, table off"]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
