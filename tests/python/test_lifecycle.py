"""Kernel lifecycle: interrupt, restart and shutdown of memscope.

Covers: interrupting a cell that never ends (a busy `loop {}` and a sleeping,
printing loop; via KernelManager.interrupt_kernel, which sends an
interrupt_request because the kernelspec's interrupt_mode is "message", and
via an interrupt_request sent by hand on control) answers the cell with
status "error" / ename "Interrupted" within 5 s and leaves the kernel usable;
an interrupt_request sent on shell, as VS Code's Jupyter extension sent it
until late 2025, which must be answered at once, not queued behind the
running cell; and SIGINT, which interrupts as in ipykernel) answers the cell
with status "error" / ename "Interrupted" within 5 s and leaves the kernel
usable, with its variables; restart_kernel(now=False) replaces the process
(the old one exits by itself, state is gone, the new one runs cells);
shutdown_kernel(now=False) and a shutdown_request on control make the
process exit by itself.

A kernel never outlives its front end: when the process JPY_PARENT_PID
names is killed outright, the kernel and every process below it are gone
within 2 s; SIGTERM ends it as a shutdown does (exit status 0, nothing left
running); SIGHUP is ignored by a kernel started detached (jupyter_client
starts kernels in a session of their own, with no terminal).

Every test starts its own kernel, since each one ends or disturbs it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

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
    result_text,
    run,
    send_request,
    stream_text,
    wait_for_msg,
    warm,
)

INTERRUPT_DEADLINE = 5.0  # seconds from the interrupt to the cell's reply
EXIT_DEADLINE = 10.0  # seconds for the process to exit after a shutdown_request

SLEEPY_PRINTER = (
    'loop {\n    println!("tick");\n    std::thread::sleep(std::time::Duration::from_millis(5));\n}'
)

INTERRUPT_CASES = [
    pytest.param("loop {}", "busy", "manager", id="busy-loop-interrupted-once-busy"),
    pytest.param(SLEEPY_PRINTER, "output", "manager", id="sleeping-loop-interrupted-while-printing"),
    pytest.param(SLEEPY_PRINTER, "output", "control-message", id="interrupt-request-sent-on-control"),
    pytest.param("loop {}", "busy", "shell-message", id="interrupt-request-sent-on-shell"),
    pytest.param(SLEEPY_PRINTER, "output", "sigint", id="sigint-interrupts-the-cell"),
]

# From the moment the front end is killed to the moment no process of the
# kernel runs (the figure; the kernel looks every 0.25 s).
ORPHAN_DEADLINE = 2.0


@pytest.mark.parametrize("code, wait_for, via", INTERRUPT_CASES)
def test_interrupt(fresh_kernel: Kernel, code: str, wait_for: str, via: str) -> None:
    km, kc = fresh_kernel.km, fresh_kernel.kc
    warm(fresh_kernel)
    reply, _ = run(kc, "let kept = 41;", timeout=FIRST_CELL_TIMEOUT)
    assert reply["content"]["status"] == "ok", reply["content"]

    msg_id = kc.execute(code)
    if wait_for == "busy":
        wait_for_msg(kc, "iopub", msg_id, CELL_TIMEOUT, lambda m: is_status(m, "busy"))
    else:  # the loop is provably running
        wait_for_msg(
            kc,
            "iopub",
            msg_id,
            CELL_TIMEOUT,
            lambda m: msg_type(m) == "stream" and "tick" in m["content"]["text"],
        )

    started = time.monotonic()
    if via == "manager":
        km.interrupt_kernel()
    elif via == "sigint":
        os.kill(km.provisioner.process.pid, signal.SIGINT)
    elif via == "shell-message":
        interrupt_id = send_request(kc, "interrupt_request", {}, channel="shell")
        interrupt_reply = get_reply(kc, interrupt_id, INTERRUPT_DEADLINE, channel="shell")
        assert msg_type(interrupt_reply) == "interrupt_reply"
        assert interrupt_reply["content"]["status"] == "ok"
    else:
        interrupt_id = send_request(kc, "interrupt_request", {}, channel="control")
        interrupt_reply = get_reply(kc, interrupt_id, INTERRUPT_DEADLINE, channel="control")
        assert msg_type(interrupt_reply) == "interrupt_reply"
        assert interrupt_reply["content"]["status"] == "ok"

    remaining = INTERRUPT_DEADLINE - (time.monotonic() - started)
    reply = get_reply(kc, msg_id, max(remaining, 0.0))
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "Interrupted"
    iopub_until_idle(kc, msg_id, CELL_TIMEOUT)

    reply, msgs = run(kc, "kept + 1", timeout=FIRST_CELL_TIMEOUT)
    assert reply["content"]["status"] == "ok", reply["content"]
    assert result_text(msgs) == "42", "the interrupt lost the session's variables"
    assert km.is_alive()


def test_restart(fresh_kernel: Kernel) -> None:
    km = fresh_kernel.km
    warm(fresh_kernel)
    reply, _ = run(fresh_kernel.kc, "let before_restart = 7;")
    assert reply["content"]["status"] == "ok"
    old_process = km.provisioner.process

    km.restart_kernel(now=False)

    assert old_process.poll() is not None, "the old kernel process is still running"
    assert old_process.returncode >= 0, (
        f"the old kernel did not exit on shutdown_request(restart=True) and was "
        f"killed by signal {-old_process.returncode}"
    )
    assert km.is_alive()
    assert km.provisioner.process.pid != old_process.pid

    fresh_kernel.kc.stop_channels()
    kc = km.client()
    fresh_kernel.kc = kc  # so the fixture stops this client
    kc.start_channels()
    kc.wait_for_ready(timeout=STARTUP_TIMEOUT)

    reply, msgs = run(kc, 'println!("after restart"); 2 + 3', timeout=FIRST_CELL_TIMEOUT)
    assert reply["content"]["status"] == "ok", reply["content"]
    assert stream_text(msgs) == "after restart\n"
    assert result_text(msgs) == "5"
    assert reply["content"]["execution_count"] == 1, "a restarted kernel counts from 1 again"

    reply, _ = run(kc, "before_restart")
    assert reply["content"]["status"] == "error", "state from before the restart is still there"
    assert reply["content"]["ename"] == "CompileError"


def test_shutdown_kernel(fresh_kernel: Kernel) -> None:
    km = fresh_kernel.km
    warm(fresh_kernel)
    process = km.provisioner.process

    km.shutdown_kernel(now=False)

    assert not km.is_alive()
    assert process.poll() is not None, "the kernel process is still running"
    assert process.returncode >= 0, (
        f"the kernel did not exit on shutdown_request and was killed by signal {-process.returncode}"
    )


def test_shutdown_request_on_control(fresh_kernel: Kernel) -> None:
    km, kc = fresh_kernel.km, fresh_kernel.kc
    warm(fresh_kernel)
    process = km.provisioner.process

    msg_id = send_request(kc, "shutdown_request", {"restart": False}, channel="control")
    reply = get_reply(kc, msg_id, EXIT_DEADLINE, channel="control")
    assert msg_type(reply) == "shutdown_reply"
    assert reply["content"]["status"] == "ok"
    assert reply["content"]["restart"] is False

    returncode = process.wait(timeout=EXIT_DEADLINE)
    assert returncode == 0, f"kernel exited with {returncode}"
    assert not km.is_alive()


# A front end in a process of its own: it starts a kernel with
# jupyter_client (which sets JPY_PARENT_PID to its pid), keeps a cell
# running, and waits to be killed.
FRONT_END = textwrap.dedent(
    """
    import json, sys, time
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="memscope")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    reply = kc.execute_interactive("let kept = 1; kept", timeout=600, output_hook=lambda m: None)
    kc.execute("loop {}")
    print(json.dumps({"pid": km.provisioner.process.pid, "status": reply["content"]["status"]}), flush=True)
    time.sleep(600)
    """
)


def kernel_processes(pid: int) -> list[processes.Process]:
    """The kernel and every running process below it."""
    kernel = processes.read(pid)
    assert kernel is not None, "the kernel is not running"
    return [kernel, *processes.descendants(pid).values()]


def wait_until_gone(tree: list[processes.Process], timeout: float) -> float:
    """Seconds until none of `tree` runs; fails after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not any(processes.running(p) for p in tree):
            return time.monotonic() - started
        time.sleep(0.02)
    left = [f"{p.pid} ({p.name})" for p in tree if processes.running(p)]
    raise AssertionError(f"still running {timeout} s later: {', '.join(left)}")


def test_a_kernel_whose_front_end_is_killed_exits_with_everything_below_it() -> None:
    front_end = subprocess.Popen([sys.executable, "-c", FRONT_END], stdout=subprocess.PIPE, text=True)
    try:
        line = front_end.stdout.readline()
        assert line, "the front end ended before its kernel ran a cell"
        started = json.loads(line)
        assert started["status"] == "ok"
        kernel = started["pid"]
        deadline = time.monotonic() + CELL_TIMEOUT
        # The loop runs in the cell process, beside its snapshot.
        while len(tree := kernel_processes(kernel)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(tree) >= 3, f"expected the kernel, its cell process and a snapshot: {tree}"

        front_end.kill()
        took = wait_until_gone(tree, timeout=10.0)
        print(f"kernel and {len(tree) - 1} processes below it gone {took:.2f} s after the front end")
        assert took <= ORPHAN_DEADLINE, f"the kernel outlived its front end by {took:.2f} s"
    finally:
        front_end.kill()
        front_end.wait()


def test_sigterm_ends_the_kernel_cleanly_with_its_processes(fresh_kernel: Kernel) -> None:
    km, kc = fresh_kernel.km, fresh_kernel.kc
    warm(fresh_kernel)
    msg_id = kc.execute("loop {}")
    wait_for_msg(kc, "iopub", msg_id, CELL_TIMEOUT, lambda m: is_status(m, "busy"))
    process = km.provisioner.process
    tree = kernel_processes(process.pid)
    assert len(tree) >= 2, "no cell process below the kernel"

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=EXIT_DEADLINE) == 0, "SIGTERM is a clean shutdown"
    wait_until_gone(tree, timeout=EXIT_DEADLINE)


def test_sighup_is_ignored_by_a_detached_kernel(fresh_kernel: Kernel) -> None:
    km, kc = fresh_kernel.km, fresh_kernel.kc
    warm(fresh_kernel)
    reply, _ = run(kc, "let before_hangup = 5;")
    assert reply["content"]["status"] == "ok"

    km.provisioner.process.send_signal(signal.SIGHUP)
    time.sleep(1.0)
    assert km.is_alive(), "SIGHUP ended a kernel that has no terminal"
    reply, msgs = run(kc, "before_hangup * 2")
    assert reply["content"]["status"] == "ok", reply["content"]
    assert result_text(msgs) == "10"
