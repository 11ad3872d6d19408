"""What JupyterLab's Variables panel costs a running cell.

With the debugger on, JupyterLab sends `inspectVariables` on the control
channel for every IOPub message of a running cell. This starts a kernel
with jupyter_client, defines a few arrays, then runs a cell that prints
10,000 lines, alternately with the panel closed and open (open: one
`inspectVariables` for every IOPub message, sent from the output hook as
the message arrives), and prints the medians side by side, and how long
the panel's answers took. Nothing is asserted: the figures are for reading
(BENCHMARKS.md records them).

    .venv/bin/python tests/bench/variables_panel.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from jupyter_client.manager import KernelManager

PRINTING_CELL = 'for i in 0..10_000 { println!("line {i}"); }'
SETUP = "let a = np::arange(0.0, 100.0, 1.0);\nlet b = a.slice(s![..;2]);\nlet n = 5;"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    km = KernelManager(kernel_name="memscope")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    try:
        kc.execute_interactive(SETUP, timeout=600, output_hook=lambda m: None)
        kc.execute_interactive(PRINTING_CELL, timeout=600, output_hook=lambda m: None)  # compiled once
        seq = 0
        closed, opened, answers, asked_per_cell = [], [], [], []
        for _ in range(args.rounds):
            for panel in (False, True):
                sent: dict[str, float] = {}

                def hook(msg: dict) -> None:
                    nonlocal seq
                    if panel:
                        seq += 1
                        content = {"type": "request", "seq": seq, "command": "inspectVariables", "arguments": {}}
                        request = kc.session.msg("debug_request", content)
                        sent[request["header"]["msg_id"]] = time.perf_counter()
                        kc.control_channel.send(request)

                began = time.perf_counter()
                kc.execute_interactive(PRINTING_CELL, timeout=600, output_hook=hook)
                took = time.perf_counter() - began
                (opened if panel else closed).append(took)
                if panel:
                    asked_per_cell.append(len(sent))
                    while sent:
                        reply = kc.control_channel.get_msg(timeout=30)
                        asked = sent.pop(reply["parent_header"].get("msg_id"), None)
                        if asked is not None:
                            answers.append(time.perf_counter() - asked)
        print(f"cell printing 10,000 lines, median of {args.rounds}:")
        print(f"  panel closed: {statistics.median(closed):.3f} s")
        print(f"  panel open:   {statistics.median(opened):.3f} s "
              f"({statistics.median(asked_per_cell):.0f} inspectVariables per cell)")
        print(f"  ratio open/closed: {statistics.median(opened) / statistics.median(closed):.2f}")
        print(f"  inspectVariables answered in: median {statistics.median(answers) * 1000:.1f} ms, "
              f"max {max(answers) * 1000:.1f} ms (from sending to reading the reply)")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)


if __name__ == "__main__":
    main()
