"""Faults that lose nothing: interrupts, cells that end their own process,
compiles stopped half-way, and what is left behind afterwards.

Each cell runs with a copy-on-write snapshot of the cell process taken just
before it (see kernel/memscope-engine/src/snapshot.rs); when the process
dies mid-cell, the snapshot carries on. So an interrupted `loop {}`, a
long computation, a blocking read, `std::process::exit`, an abort, a stack
overflow and a segfault all end with a clear error, and every variable from
earlier cells is still there. Only a session that started threads of its own
cannot be copied; then the process is restarted and the error names what
was lost.

Most tests share one kernel on purpose: it must survive all of them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kernel_harness import (
    CELL_TIMEOUT,
    FIRST_CELL_TIMEOUT,
    Kernel,
    Msg,
    get_reply,
    iopub_until_idle,
    is_status,
    msg_type,
    result_text,
    run,
    send_request,
    start_kernel_at_once,
    stop_kernel,
    stream_text,
    wait_for_msg,
    warm,
)
import processes
from memory_table import rows, tables

# The bound for an interrupt: from the request to the cell's reply.
INTERRUPT_DEADLINE = 2.0

# What a runaway cell prints just before its long work begins: the test
# interrupts once this has reached it, so the interrupt always lands in
# the work, never in the compile before it.
GO = 'println!("go");\n'

# How often a wait on /proc looks again.
POLL = 0.05


def said_go(msg: Msg) -> bool:
    return msg_type(msg) == "stream" and msg["content"]["name"] == "stdout" and "go" in msg["content"]["text"]


def poll(condition: Callable[[], bool], timeout: float) -> bool:
    """Whether `condition` holds within `timeout` seconds (looked at every POLL)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL)
    return True


def compilers(kernel_pid: int) -> dict[int, str]:
    """The compiles below the kernel, with their command lines: a rustc
    that compiles a crate (it names it, `--crate-name`) and a cargo that
    builds one. A cargo or rustc that only answers a question about the
    toolchain (as rust-analyzer asks them) compiles nothing and ends by
    itself."""
    found = {}
    for child in processes.descendants(kernel_pid).values():
        args = processes.command_line(child.pid)
        if not args or not child.name.startswith(("rustc", "cargo")):
            continue  # gone meanwhile, or no compiler
        words = [a for a in args[1:] if not a.startswith(("-", "+"))]
        compiles = "--crate-name" in args if child.name.startswith("rustc") else bool(
            set(words[:1]) & {"build", "rustc", "check", "test"}
        )
        if compiles:
            found[child.pid] = f"{child.name} [{child.state}]: {' '.join(args)[:200]}"
    return found


def define_state(kc) -> None:
    reply, _ = run(kc, "let kept = np::arange(0, 4, 1);\nlet count = 7_usize;")
    assert reply["content"]["status"] == "ok", reply["content"]


def assert_state_kept(kc) -> None:
    reply, msgs = run(kc, "count + kept.size()")
    assert reply["content"]["status"] == "ok", reply["content"]
    assert result_text(msgs) == "11"
    [table] = tables(msgs)
    assert rows(table)["kept"]["role"] == "owner", "the memory table still knows the array"


def interrupt_after_start(
    kernel: Kernel, code: str, started: Callable[[str], None] | None = None
) -> tuple[dict, float]:
    """Runs `code`, interrupts it once its work has begun, and returns its
    reply and the seconds from interrupt to reply.

    By default the work has begun when the cell's GO line reaches IOPub
    (the cell prints it after it compiled and just before its long work);
    `started(msg_id)` instead returns once something else says so."""
    kc = kernel.kc
    msg_id = kc.execute(code)
    if started is None:
        # Its end (a compile error, say) stops the wait too, to be reported.
        first = wait_for_msg(
            kc, "iopub", msg_id, CELL_TIMEOUT, lambda m: said_go(m) or msg_type(m) == "error" or is_status(m, "idle")
        )
        assert said_go(first), f"the cell ended before its work began: {msg_type(first)} {first['content']}"
    else:
        started(msg_id)
    began = time.monotonic()
    kernel.km.interrupt_kernel()
    reply = get_reply(kc, msg_id, CELL_TIMEOUT)
    waited = time.monotonic() - began
    iopub_until_idle(kc, msg_id, CELL_TIMEOUT)
    return reply, waited


# Each prints GO right before the part that does not end by itself.
RUNAWAY_CELLS = [
    pytest.param(GO + "loop {}", id="busy-loop"),
    pytest.param(
        "let mut total = 0_u64;\n" + GO + "for i in 0..u64::MAX {\n    total = total.wrapping_add(i * i);\n}\ntotal",
        id="long-computation",
    ),
    pytest.param(GO + "std::thread::sleep(std::time::Duration::from_secs(600));", id="sleep"),
    pytest.param(
        "let mut line = String::new();\n" + GO + "std::io::stdin().read_line(&mut line).unwrap();",
        id="blocking-read",
    ),
]


@pytest.mark.parametrize("code", RUNAWAY_CELLS)
def test_interrupt_keeps_every_variable(kernel: Kernel, code: str) -> None:
    kc = kernel.kc
    define_state(kc)
    reply, waited = interrupt_after_start(kernel, code)
    content = reply["content"]
    assert content["status"] == "error" and content["ename"] == "Interrupted", content
    assert waited <= INTERRUPT_DEADLINE, f"the interrupted cell answered after {waited:.2f} s"
    assert any("every variable defined by earlier cells is kept" in line for line in content["traceback"])
    assert_state_kept(kc)


def test_a_cell_that_ignores_the_interrupt_signal_is_stopped_after_the_grace_period(kernel: Kernel) -> None:
    kc = kernel.kc
    define_state(kc)
    # SIGUSR1 (10) set to SIG_IGN (1), then a busy loop: GO only once the
    # signal is ignored.
    code = (
        'unsafe extern "C" { fn signal(signum: i32, handler: usize) -> usize; }\n'
        "unsafe { signal(10, 1) };\n"
        + GO
        + "loop {}"
    )
    reply, waited = interrupt_after_start(kernel, code)
    content = reply["content"]
    assert content["ename"] == "Interrupted", content
    assert waited <= INTERRUPT_DEADLINE + 2.0, f"answered after {waited:.2f} s"
    assert_state_kept(kc)


DYING_CELLS = [
    pytest.param("std::process::exit(3);", "exit status 3", "", id="exit"),
    pytest.param("std::process::abort();", "SIGABRT", "", id="abort"),
    pytest.param(
        "fn deeper(n: u64) -> u64 { if n == u64::MAX { n } else { deeper(n + 1) + 1 } }\ndeeper(0)",
        "SIGABRT",
        "has overflowed its stack",
        id="stack-overflow",
    ),
    pytest.param(
        "let huge: Vec<u8> = Vec::with_capacity(1 << 46);",
        "SIGABRT",
        "memory allocation of",
        id="out-of-memory",
    ),
    pytest.param(
        "unsafe { std::ptr::null_mut::<u64>().write_volatile(1) };",
        "segmentation fault",
        "",
        id="segfault",
    ),
]


@pytest.mark.parametrize("code, cause, stderr", DYING_CELLS)
def test_a_cell_that_ends_its_process_keeps_every_variable(
    kernel: Kernel, code: str, cause: str, stderr: str
) -> None:
    kc = kernel.kc
    define_state(kc)
    reply, msgs = run(kc, code)
    content = reply["content"]
    assert content["status"] == "error" and content["ename"] == "CellProcessDied", content
    assert cause in content["evalue"]
    assert stderr in stream_text(msgs, "stderr")
    assert any("every variable defined by earlier cells is kept" in line for line in content["traceback"])
    assert_state_kept(kc)


def test_a_panic_keeps_every_variable(kernel: Kernel) -> None:
    kc = kernel.kc
    define_state(kc)
    reply, _ = run(kc, 'let doomed = 1;\npanic!("on purpose");')
    assert reply["content"]["ename"] == "Panic"
    assert_state_kept(kc)


def test_interrupt_during_compilation_stops_the_compiler_and_keeps_state(kernel: Kernel) -> None:
    kc = kernel.kc
    define_state(kc)
    # rustc evaluates this constant while compiling: tens of seconds.
    slow_to_compile = (
        "#[allow(long_running_const_eval)]\n"
        "const SLOW: u64 = {\n"
        "    let mut i = 0_u64;\n"
        "    let mut total = 0_u64;\n"
        "    while i < 5_000_000_000 { total = total.wrapping_add(i); i += 1; }\n"
        "    total\n"
        "};\n"
        "SLOW"
    )
    kernel_pid = kernel.km.provisioner.process.pid
    assert not compilers(kernel_pid), "a compile is under way before the cell"

    def compiling(msg_id: str) -> None:
        # Only this cell's compile runs cargo and rustc now; it lasts far
        # longer than the interrupt takes to arrive.
        assert poll(lambda: bool(compilers(kernel_pid)), CELL_TIMEOUT), "the cell's compile never started"

    reply, waited = interrupt_after_start(kernel, slow_to_compile, started=compiling)
    content = reply["content"]
    assert content["status"] == "error" and content["ename"] == "Interrupted", content
    assert waited <= INTERRUPT_DEADLINE, f"the interrupted compile answered after {waited:.2f} s"
    assert any("The cell did not run; every variable is kept." in line for line in content["traceback"])
    # SIGKILL is delivered at once but a rustc with a large heap takes a
    # moment to exit; none may still be there a second after the reply.
    left = compilers(kernel_pid)
    if left:
        poll(lambda: not compilers(kernel_pid), 1.0)
        print(f"compilers exiting at the reply: {left}")
    left = compilers(kernel_pid)
    assert not left, f"compilers still running after the interrupt: {left}"
    assert_state_kept(kc)


def test_without_a_snapshot_the_process_restarts_and_names_the_lost_variables(
    fresh_kernel: Kernel,
) -> None:
    kc = fresh_kernel.kc
    warm(fresh_kernel)
    define_state(kc)
    # A thread of the session's own: fork would copy only the main thread,
    # so from now on no snapshot is taken.
    reply, _ = run(
        kc,
        "std::thread::spawn(|| loop { std::thread::sleep(std::time::Duration::from_secs(1)) });",
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    reply, _ = run(kc, "std::process::exit(4);", timeout=FIRST_CELL_TIMEOUT)
    content = reply["content"]
    assert content["ename"] == "CellProcessDied", content
    lost_line = next(line for line in content["traceback"] if "variables lost" in line)
    assert "count" in lost_line and "kept" in lost_line
    reply, msgs = run(kc, "40 + 2", timeout=FIRST_CELL_TIMEOUT)
    assert reply["content"]["status"] == "ok", reply["content"]
    assert result_text(msgs) == "42"


@pytest.fixture
def starting_kernel(tmp_path: Path) -> Iterator[Kernel]:
    """A kernel handed over the moment it answers kernel_info: its session
    is still being set up. It starts with a cache of its own, empty, so
    its set-up compiles the cells' dependencies (a minute or more), not a
    second's copy from a warm build folder: an interrupt sent at once meets
    it even when the client is slow to hear IOPub (the test checks that it
    did)."""
    k = start_kernel_at_once(env={"MEMSCOPE_CACHE_DIR": str(tmp_path / "cache")})
    yield k
    stop_kernel(k)


def test_an_interrupt_while_the_kernel_starts_stops_only_the_waiting_cell(starting_kernel: Kernel) -> None:
    """The first cell waits for the session's set-up (a compile); an
    interrupt then must not break the set-up, only skip the cell."""
    km, kc = starting_kernel.km, starting_kernel.kc
    kernel_pid = km.provisioner.process.pid
    # The cell goes out the moment the kernel answers, and the interrupt the
    # moment the cell is busy; its reply says the kernel has taken it.
    msg_id = kc.execute("let never = 1;")
    wait_for_msg(kc, "iopub", msg_id, CELL_TIMEOUT, lambda m: is_status(m, "busy"))
    interrupt = send_request(kc, "interrupt_request", channel="control")
    get_reply(kc, interrupt, channel="control")
    # The set-up's code is the first library the cell process loads: none
    # loaded yet means the set-up was still running when the interrupt came
    # (so the cell was still waiting for it).
    loaded = processes.cell_libraries(kernel_pid)
    reply = get_reply(kc, msg_id, FIRST_CELL_TIMEOUT)
    assert not loaded, f"the session was set up before the interrupt came (loaded {loaded}); reply {reply['content']}"
    assert reply["content"]["ename"] == "Interrupted", reply["content"]
    assert any("The cell did not run" in line for line in reply["content"]["traceback"])
    iopub_until_idle(kc, msg_id, CELL_TIMEOUT)
    reply, msgs = run(kc, "np::arange(0, 3, 1)", timeout=FIRST_CELL_TIMEOUT)
    assert reply["content"]["status"] == "ok", reply["content"]
    assert result_text(msgs) == "[0, 1, 2]"
    assert processes.cell_libraries(kernel_pid), "the set-up's library is seen once it is loaded"


@pytest.mark.parametrize("how", ["shutdown", "restart"])
def test_no_process_outlives_its_kernel(fresh_kernel: Kernel, how: str) -> None:
    km, kc = fresh_kernel.km, fresh_kernel.kc
    warm(fresh_kernel)
    define_state(kc)
    # After this the cell process is the snapshot that carried on: a child
    # the kernel adopted, not the one evcxr started.
    reply, _ = interrupt_after_start(fresh_kernel, GO + "loop {}")
    assert reply["content"]["ename"] == "Interrupted"
    kernel_pid = km.provisioner.process.pid
    kernel_process = processes.read(kernel_pid)
    assert kernel_process is not None, "the kernel process is not running"
    before = processes.descendants(kernel_pid)
    assert before, "the kernel runs a cell process"
    if how == "shutdown":
        km.shutdown_kernel(now=False)
    else:
        km.restart_kernel(now=False)
    watched = [kernel_process, *before.values()]
    poll(lambda: not any(processes.running(process) for process in watched), timeout=10)
    survivors = {process.pid: process.name for process in before.values() if processes.running(process)}
    assert not processes.running(kernel_process), "the kernel process is still running"
    assert not survivors, f"processes left behind by the kernel: {survivors}"
    if how == "restart":
        fresh_kernel.kc.stop_channels()
        kc = km.client()
        fresh_kernel.kc = kc
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        reply, msgs = run(kc, "1 + 2", timeout=FIRST_CELL_TIMEOUT)
        assert result_text(msgs) == "3"
        assert len(processes.descendants(km.provisioner.process.pid)) >= 1


def test_no_stray_processes_in_a_long_faulty_session(kernel: Kernel) -> None:
    """After the faults above, the kernel runs exactly one cell process."""
    kernel_pid = kernel.km.provisioner.process.pid
    run(kernel.kc, "1")
    below = {child.pid: child.name for child in processes.descendants(kernel_pid).values()}
    cell_processes = [pid for pid, name in below.items() if name == "memscope"]
    assert len(cell_processes) == 1, f"expected one cell process, found {below}"
    assert os.path.exists(f"/proc/{cell_processes[0]}")
