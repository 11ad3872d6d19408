"""Kernel lifecycle: interrupt, restart and shutdown of memscope.

Covers: interrupting a cell that never ends (a busy `loop {}` and a sleeping,
printing loop; via KernelManager.interrupt_kernel, which sends an
interrupt_request because the kernelspec's interrupt_mode is "message", and
via an interrupt_request sent by hand on control) answers the cell with
status "error" / ename "Interrupted" within 5 s and leaves the kernel usable;
restart_kernel(now=False) replaces the process (the old one exits by itself,
state is gone, the new one runs cells); shutdown_kernel(now=False) and a
shutdown_request on control make the process exit by itself.

Every test starts its own kernel, since each one ends or disturbs it.
"""

from __future__ import annotations

import time

import pytest

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
]


@pytest.mark.parametrize("code, wait_for, via", INTERRUPT_CASES)
def test_interrupt(fresh_kernel: Kernel, code: str, wait_for: str, via: str) -> None:
    km, kc = fresh_kernel.km, fresh_kernel.kc
    warm(fresh_kernel)

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

    reply, msgs = run(kc, "1 + 1", timeout=FIRST_CELL_TIMEOUT)
    assert reply["content"]["status"] == "ok", reply["content"]
    assert result_text(msgs) == "2"


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
