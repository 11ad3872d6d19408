"""Load: many queued requests, a flood of output, many IOPub subscribers and
a long session.

The suite runs scaled-down sizes; MEMSCOPE_FULL_LOAD=1 runs the full ones
(1,000 queued requests, 100 MB of output, 2,000 cells):

    MEMSCOPE_FULL_LOAD=1 .venv/bin/python -m pytest tests/python/test_load.py -s

Figures (time, memory growth) are printed, not asserted, except for bounds
that mean "unbounded" when broken.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from queue import Empty

import pytest

import processes
from kernel_harness import (
    CELL_TIMEOUT,
    FIRST_CELL_TIMEOUT,
    STARTUP_TIMEOUT,
    Kernel,
    get_reply,
    iopub_until_idle,
    is_status,
    msg_type,
    parent_id,
    result_text,
    run,
    start_kernel,
    stop_kernel,
    stream_text,
)

FULL = os.environ.get("MEMSCOPE_FULL_LOAD") == "1"
QUEUED_REQUESTS = 1000 if FULL else 100
FLOOD_LINES = 1_000_000 if FULL else 200_000  # lines of 100 bytes
SESSION_CELLS = 2000 if FULL else 300

# pytest-timeout's default is for ordinary tests; these scale with their
# size (about 0.25 s per cell on a 2-core machine, so there is room).
CELL_BUDGET = 1.0
STARTUP_BUDGET = STARTUP_TIMEOUT + FIRST_CELL_TIMEOUT


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def tree_rss_kib(pid: int) -> int:
    """RSS of `pid` and all its descendants."""
    total = rss_kib(pid)
    for child in processes.descendants(pid):
        try:
            total += rss_kib(child)
        except OSError:
            pass  # it ended meanwhile
    return total


@pytest.mark.timeout(120 + QUEUED_REQUESTS * CELL_BUDGET)
def test_queued_requests_run_in_order_with_their_counts(kernel: Kernel) -> None:
    kc = kernel.kc
    first_count = get_reply(kc, kc.execute("0"), CELL_TIMEOUT)["content"]["execution_count"]
    began = time.monotonic()
    ids = [kc.execute(f"{i} * 3") for i in range(QUEUED_REQUESTS)]
    replies = [get_reply(kc, msg_id, CELL_TIMEOUT) for msg_id in ids]
    elapsed = time.monotonic() - began
    print(f"\n{QUEUED_REQUESTS} queued cells answered in {elapsed:.1f} s")
    counts = [reply["content"]["execution_count"] for reply in replies]
    assert [r["content"]["status"] for r in replies] == ["ok"] * QUEUED_REQUESTS
    assert counts == list(range(first_count + 1, first_count + 1 + QUEUED_REQUESTS))
    # Results on IOPub, in the order the requests were sent.
    results: dict[str, str] = {}
    order: list[str] = []
    deadline = time.monotonic() + CELL_TIMEOUT
    while len(results) < QUEUED_REQUESTS and time.monotonic() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except Empty:
            continue
        if msg_type(msg) == "execute_result" and parent_id(msg) in ids:
            results[parent_id(msg)] = msg["content"]["data"]["text/plain"]
            order.append(parent_id(msg))
    assert order == ids, "results arrived out of order"
    assert [results[msg_id] for msg_id in ids] == [str(i * 3) for i in range(QUEUED_REQUESTS)]


def test_a_flood_of_output_arrives_whole_with_bounded_kernel_memory(kernel: Kernel) -> None:
    kc = kernel.kc
    kernel_pid = kernel.km.provisioner.process.pid
    base = rss_kib(kernel_pid)
    peak = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            try:
                peak[0] = max(peak[0], rss_kib(kernel_pid))
            except OSError:
                pass
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = f'let line = "x".repeat(99);\nfor _ in 0..{FLOOD_LINES} {{ println!("{{line}}"); }}\n"done"'
    began = time.monotonic()
    reply, msgs = run(kc, code, timeout=600, validate=False)
    elapsed = time.monotonic() - began
    done.set()
    sampler.join()
    assert reply["content"]["status"] == "ok", reply["content"]
    text = stream_text(msgs)
    expected_bytes = FLOOD_LINES * 100
    print(
        f"\n{expected_bytes / 1e6:.0f} MB printed in {elapsed:.1f} s as "
        f"{sum(1 for m in msgs if msg_type(m) == 'stream')} messages; kernel RSS "
        f"{base // 1024} MiB before, {peak[0] // 1024} MiB at most"
    )
    assert len(text) == expected_bytes, "output was lost or duplicated"
    assert text == ("x" * 99 + "\n") * FLOOD_LINES
    assert result_text(msgs) == '"done"'
    # Bounded: the kernel forwards output as it comes instead of holding it.
    assert peak[0] - base < 256 * 1024, f"kernel RSS grew by {(peak[0] - base) // 1024} MiB"


def test_ten_iopub_clients_all_see_every_message(kernel: Kernel) -> None:
    km, kc = kernel.km, kernel.kc
    listeners = []
    try:
        for _ in range(10):
            client = km.client()
            # IOPub only: a client's shell socket takes the session id as its
            # identity, and this test's clients share one session, so their
            # shell sockets would receive each other's replies.
            client.start_channels(shell=False, iopub=True, stdin=False, hb=False, control=False)
            listeners.append(client)
        # A subscription takes effect a moment after connecting: wait until
        # every listener has seen a status message of a probe request.
        for client in listeners:
            deadline = time.monotonic() + 30
            while True:
                probe = kc.kernel_info()
                try:
                    while True:
                        msg = client.get_iopub_msg(timeout=0.5)
                        if parent_id(msg) == probe and is_status(msg, "idle"):
                            break
                    break
                except Empty:
                    assert time.monotonic() < deadline, "a listener never saw IOPub traffic"
        code = (
            'for i in 0..200 { println!("line {i}"); }\n'
            'memscope_prelude::display::html("<b>shown</b>");\n'
            'eprintln!("to stderr");\n'
            "6 * 7"
        )
        reply, expected = run(kc, code)
        assert reply["content"]["status"] == "ok"
        msg_id = reply["parent_header"]["msg_id"]
        fingerprint = [(msg_type(m), m["header"]["msg_id"]) for m in expected]
        for number, client in enumerate(listeners):
            seen = iopub_until_idle(client, msg_id, CELL_TIMEOUT)
            assert [(msg_type(m), m["header"]["msg_id"]) for m in seen] == fingerprint, (
                f"listener {number} saw a different stream of messages"
            )
    finally:
        for client in listeners:
            client.stop_channels()


@pytest.mark.timeout(300 + SESSION_CELLS * CELL_BUDGET)
def test_a_long_session_keeps_working_with_bounded_memory(fresh_kernel: Kernel) -> None:
    kc = fresh_kernel.kc
    kernel_pid = fresh_kernel.km.provisioner.process.pid
    # The last warm-up cell is new code on every run, so the cache of
    # compiled cells cannot serve it: it waits for rust-analyzer's first
    # analysis, which otherwise finishes in the background (about 400 MiB)
    # while the measured cells run, when earlier runs left them all cached.
    warm_up = ["let a = Array2::<f64>::zeros((64, 64));", "let b = &a + 1.0;", "b.sum()",
               f"let started_at: u128 = {time.time_ns()};"]
    for code in warm_up:
        reply, _ = run(kc, code, timeout=600)
        assert reply["content"]["status"] == "ok", reply["content"]
    cells = [
        "let b = &a + 1.0;",
        "b.sum()",
        "let row = b.row(3).to_owned();",
        "let v: Vec<f64> = (0..1000).map(|i| i as f64).collect();",
        "let n = np::arange(0, 100, 1);",
        "1 + 1",
    ]
    before = tree_rss_kib(kernel_pid)
    began = time.monotonic()
    for i in range(SESSION_CELLS):
        reply, _ = run(kc, cells[i % len(cells)], validate=False)
        assert reply["content"]["status"] == "ok", (i, reply["content"])
    after = tree_rss_kib(kernel_pid)
    per_cell = (after - before) / SESSION_CELLS
    print(
        f"\n{SESSION_CELLS} cells in {time.monotonic() - began:.0f} s; kernel + cell process RSS "
        f"{before // 1024} -> {after // 1024} MiB, {per_cell:.1f} KiB per cell"
    )
    reply, msgs = run(kc, "b.sum()")
    assert result_text(msgs) == str(64 * 64 * 1.0)
    assert per_cell < 1024, "memory grows by a MiB or more per cell"
    # Every cell's library stays loaded for the session's life, so what a
    # cell links matters: the memory report (and the describe code for all
    # array types behind it) must come from the first library only.
    libraries = processes.cell_libraries(kernel_pid)
    assert len(libraries) > SESSION_CELLS
    exporting = [path for path in libraries if REPORT_SYMBOL in path.read_bytes()]
    assert len(exporting) == 1, f"{len(exporting)} of {len(libraries)} cell libraries export the report"


REPORT_SYMBOL = b"memscope_memory_report"


@pytest.mark.timeout(2 * STARTUP_BUDGET)
def test_a_new_kernel_clears_the_cell_libraries_of_the_last_one() -> None:
    first = start_kernel()
    try:
        for code in ["let a = 1;", "let b = a + 1;", "a + b"]:
            reply, _ = run(first.kc, code)
            assert reply["content"]["status"] == "ok", reply["content"]
        folders = {path.parent for path in processes.cell_libraries(first.km.provisioner.process.pid)}
        assert len(folders) == 1, folders
        folder = folders.pop()
        assert len(list(folder.glob("libcode_*.so"))) >= 4
    finally:
        stop_kernel(first)
    # The build folder was released, so the next kernel takes it again.
    second = start_kernel()
    try:
        libraries = processes.cell_libraries(second.km.provisioner.process.pid)
        assert {path.parent for path in libraries} == {folder}
        left = sorted(path.name for path in folder.glob("libcode_*.so"))
        assert left == sorted(path.name for path in libraries)
    finally:
        stop_kernel(second)
