"""Whether replies on the control channel wait behind a flood of output.

A cell that prints as fast as it can fills IOPub faster than a client
reads it. Replies on control (an interrupt's, the Variables panel's
`inspectVariables`, `kernel_info`) must not queue behind that backlog.
This starts a kernel with jupyter_client, asks `kernel_info` and
`inspectVariables` on control while the kernel is idle, then again while a
cell floods IOPub (about 100 MB of output, read by the client as it
comes, taking `--render-ms` per message as a front end that renders
each output does), and prints the reply times side by side; last, it
interrupts the flooding cell and prints how long `interrupt_reply` took.
Nothing is asserted: the figures are for reading (BENCHMARKS.md records
them).

    .venv/bin/python tests/bench/control_under_flood.py [--asks 20] [--render-ms 5]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

from jupyter_client.manager import KernelManager

SETUP = "let a = np::arange(0.0, 100.0, 1.0);\nlet b = a.slice(s![..;2]);"
# It says when it starts, then prints 50 KB lines for ever.
FLOOD = 'println!("GO");\nlet line = "x".repeat(50_000);\nloop { println!("{line}"); }'


def ask(kc, kind: str) -> float:
    """Seconds from sending one request on control to its reply."""
    if kind == "kernel_info":
        request = kc.session.msg("kernel_info_request", {})
    else:
        content = {"type": "request", "seq": 1, "command": "inspectVariables", "arguments": {}}
        request = kc.session.msg("debug_request", content)
    began = time.perf_counter()
    kc.control_channel.send(request)
    while True:
        reply = kc.control_channel.get_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == request["header"]["msg_id"]:
            return time.perf_counter() - began


def times(kc, asks: int) -> dict[str, list[float]]:
    return {kind: [ask(kc, kind) for _ in range(asks)] for kind in ("kernel_info", "inspectVariables")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--asks", type=int, default=20)
    parser.add_argument("--render-ms", type=float, default=5.0)
    parser.add_argument("--flood-seconds", type=float, default=3.0)
    args = parser.parse_args()

    km = KernelManager(kernel_name="memscope")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    try:
        kc.execute_interactive(SETUP, timeout=600, output_hook=lambda m: None)
        idle = times(kc, args.asks)

        received = [0]
        going = threading.Event()
        msg_id = kc.execute(FLOOD)

        def read_iopub() -> None:
            # The client reads output as a notebook does: as it comes.
            while True:
                msg = kc.get_iopub_msg(timeout=600)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "stream":
                    received[0] += len(msg["content"]["text"])
                    if "GO" in msg["content"]["text"]:
                        going.set()
                    time.sleep(args.render_ms / 1000)
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    return

        reader = threading.Thread(target=read_iopub, daemon=True)
        reader.start()
        going.wait(timeout=600)
        # Let the backlog build, as a long-printing cell does.
        time.sleep(args.flood_seconds)
        flooded = times(kc, args.asks)
        began = time.perf_counter()
        interrupt = kc.session.msg("interrupt_request", {})
        kc.control_channel.send(interrupt)
        while kc.control_channel.get_msg(timeout=60)["parent_header"].get("msg_id") != interrupt["header"]["msg_id"]:
            pass
        interrupt_took = time.perf_counter() - began
        reader.join(timeout=600)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)

    print(f"{'reply on control':<18} {'idle, median':>14} {'flooded, median':>16} {'flooded, max':>13} {'ratio':>6}")
    for kind in ("kernel_info", "inspectVariables"):
        calm, busy = statistics.median(idle[kind]), statistics.median(flooded[kind])
        print(f"{kind:<18} {calm * 1000:>11.2f} ms {busy * 1000:>13.2f} ms {max(flooded[kind]) * 1000:>10.2f} ms"
              f" {busy / calm:>6.2f}")
    print(f"interrupt_reply while flooded: {interrupt_took * 1000:.2f} ms; "
          f"output read by then: {received[0] / 1e6:.0f} MB (front end: {args.render_ms} ms a message)")


if __name__ == "__main__":
    main()
