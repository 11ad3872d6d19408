"""JupyterLab's Variables panel, through the control channel (jupyter_client).

Covers: the kernelspec says `debugger: true` (JupyterLab's gate); the
sequence JupyterLab 4 sends (debugInfo, initialize, attach,
inspectVariables, variables, richInspectVariables, disconnect) answered
with the shapes it reads: every session variable with its type, arrays
with their memory role in one line and expanding into the table's
columns, numbers, flags and strings with their values (a long string cut),
other types with the type alone, "Render Variable" as the memory table of
the variable's buffer, with addresses only after `:memory addresses`;
`dumpCell` paths that agree with ipykernel's Murmur2; `setBreakpoints`
refused with the reason. While a `loop {}` runs, `inspectVariables` is
answered from the last completed cell within 50 ms and matches that
cell's memory table. No address appears unless `:memory addresses`.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager

from kernel_harness import CELL_TIMEOUT, Kernel, get_reply, msg_type, run, send_request, wait_for_msg
from memory_table import MEMORY_MIME, tables


def said_go(msg: dict) -> bool:
    """Whether `msg` is the running cell's `GO` on stdout."""
    return msg_type(msg) == "stream" and "GO" in msg["content"]["text"]

# What JupyterLab's Variables panel may take to answer: it asks on every
# IOPub message of a running cell.
ANSWER_WITHIN = 0.050


class Adapter:
    def __init__(self, kernel: Kernel) -> None:
        self.kc = kernel.kc
        self.seq = 0

    def ask(self, command: str, arguments: dict | None = None) -> dict:
        self.seq += 1
        content = {"type": "request", "seq": self.seq, "command": command, "arguments": arguments or {}}
        msg_id = send_request(self.kc, "debug_request", content, channel="control")
        reply = get_reply(self.kc, msg_id, CELL_TIMEOUT, channel="control")
        assert reply["header"]["msg_type"] == "debug_reply"
        body = reply["content"]
        assert (body["type"], body["command"], body["request_seq"]) == ("response", command, self.seq)
        return body


def test_the_kernelspec_switches_the_debugger_on() -> None:
    spec = KernelSpecManager().get_kernel_spec("memscope")
    assert spec.metadata.get("debugger") is True


def test_jupyterlabs_sequence_shows_every_variable_with_its_role(kernel: Kernel) -> None:
    reply, msgs = run(
        kernel.kc,
        "let base = np::arange(0.0, 10.0, 1.0);\nlet evens = base.slice(s![..;2]);\n"
        'let count: u64 = 3;\nlet label = String::from("x\\"y");\nlet ratio = 0.5_f64;\n'
        "let flag = true;\nlet missing: Option<i32> = None;\nlet long = \"é\".repeat(500);\n"
        "let scores = std::collections::BTreeMap::from([(1, 2)]);\nlet words = vec![String::from(\"a\")];",
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    (table,) = tables(msgs)
    adapter = Adapter(kernel)

    info = adapter.ask("debugInfo")
    assert info["success"] and info["body"]["hashMethod"] == "Murmur2" and info["body"]["richRendering"] is True
    init = adapter.ask("initialize", {"clientID": "jupyterlab", "adapterID": "memscope"})
    assert init["success"] and init["body"]["exceptionBreakpointFilters"] == []
    assert adapter.ask("attach")["success"]
    assert adapter.ask("debugInfo")["body"]["isStarted"] is True

    listed = {v["name"]: v for v in adapter.ask("inspectVariables")["body"]["variables"]}
    assert {"base", "evens", "count", "label"} <= set(listed), listed
    # Simple values read as Rust writes them; the tree shows them with the type.
    assert listed["count"]["value"] == "3" and listed["count"]["variablesReference"] == 0
    assert listed["count"]["type"] == "u64 · 3"
    assert listed["label"]["value"] == r'"x\"y"' and listed["label"]["type"] == r'String · "x\"y"'
    assert (listed["ratio"]["value"], listed["flag"]["value"], listed["missing"]["value"]) == ("0.5", "true", "None")
    # A long string costs what a short one does: its start and its length.
    assert listed["long"]["value"] == '"' + "é" * 60 + '"… (1000 bytes)', listed["long"]
    # A type the kernel cannot summarise without running the user's code: the type alone.
    # An array the memory table cannot describe says why it has no role.
    assert listed["words"]["value"].startswith("no memory facts: the table describes arrays of numbers"), listed["words"]
    assert listed["scores"]["value"] == listed["scores"]["type"] == "std::collections::BTreeMap<i32, i32>", listed["scores"]
    assert listed["evens"]["value"] == "view of base, [5] strides [2], 40 B"
    # JupyterLab's tree view shows the type alone: the role goes with it,
    # first, since the narrow sidebar cuts the line.
    assert listed["evens"]["type"] == "view of base, [5] strides [2], 40 B · NpArray<f64>"
    assert listed["base"]["value"].startswith("owner, [10] strides [1], 80 B")
    rows = {v["name"]: v for v in table["variables"]}
    assert rows["evens"]["role"] == "view" and rows["evens"]["base"] == "base", "the panel and the table disagree"

    fields = adapter.ask("variables", {"variablesReference": listed["evens"]["variablesReference"]})
    columns = {f["name"]: f["value"] for f in fields["body"]["variables"]}
    assert columns["role"] == "view" and columns["dtype"] == "f64" and columns["shape"] == "[5]"
    assert columns["base / alias of"] == "view of base" and columns["contiguous"] == "no"
    assert set(columns) == {"dtype", "shape", "strides", "bytes", "role", "base / alias of",
                            "shares memory with", "contiguous", "writeable", "changed", "buffer"}

    rich = adapter.ask("richInspectVariables", {"variableName": "evens"})
    assert rich["success"]
    data = rich["body"]["data"]
    assert "<table" in data["text/html"] and "evens" in data["text/plain"]
    names = {v["name"] for v in data[MEMORY_MIME]["variables"]}
    assert names == {"base", "evens"}, "Render Variable shows the variable's buffer and those sharing it"
    leaf = adapter.ask("richInspectVariables", {"variableName": "count"})
    assert leaf["success"] and leaf["body"]["data"]["text/plain"] == "count: u64 = 3"

    everything = json.dumps([listed, columns, data])
    assert "0x" not in everything, "an address without :memory addresses"
    assert adapter.ask("disconnect")["success"]
    assert adapter.ask("debugInfo")["body"]["isStarted"] is False


def test_a_container_expands_into_its_arrays(kernel: Kernel) -> None:
    reply, _ = run(
        kernel.kc,
        "let shelf = np::arange(0.0, 6.0, 1.0);\n"
        "let shelf_parts = vec![shelf.clone(), shelf.slice(s![1..3])];",
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    adapter = Adapter(kernel)
    adapter.ask("initialize", {"clientID": "jupyterlab", "adapterID": "memscope"})
    adapter.ask("attach")
    listed = {v["name"]: v for v in adapter.ask("inspectVariables")["body"]["variables"]}
    assert not any(name.startswith("shelf_parts[") for name in listed), "paths are not variables"
    parts = listed["shelf_parts"]
    assert parts["value"] == "holds 2 arrays" and parts["variablesReference"] > 0, parts
    fields = adapter.ask("variables", {"variablesReference": parts["variablesReference"]})
    lines = {f["name"]: f["value"] for f in fields["body"]["variables"]}
    assert lines["shelf_parts[0]"].startswith("same array as shelf"), lines
    assert lines["shelf_parts[1]"] == "view of shelf, [2] strides [1], 16 B", lines
    rich = adapter.ask("richInspectVariables", {"variableName": "shelf_parts"})
    names = {v["name"] for v in rich["body"]["data"][MEMORY_MIME]["variables"]}
    assert {"shelf", "shelf_parts[0]", "shelf_parts[1]"} <= names, names
    assert adapter.ask("disconnect")["success"]


def test_render_variable_shows_addresses_only_after_memory_addresses(kernel: Kernel) -> None:
    adapter = Adapter(kernel)
    adapter.ask("attach")
    reply, _ = run(kernel.kc, "let spot = np::arange(0.0, 4.0, 1.0);")
    assert reply["content"]["status"] == "ok", reply["content"]
    plain = adapter.ask("richInspectVariables", {"variableName": "spot"})["body"]["data"]
    assert "0x" not in plain["text/plain"], plain["text/plain"]
    try:
        reply, _ = run(kernel.kc, ":memory addresses")
        assert reply["content"]["status"] == "ok", reply["content"]
        shown = adapter.ask("richInspectVariables", {"variableName": "spot"})["body"]["data"]
        assert "0x" in shown["text/plain"], shown["text/plain"]
        listed = json.dumps(adapter.ask("inspectVariables")["body"])
        assert "0x" not in listed, "the panel's one-line values never show addresses"
    finally:
        run(kernel.kc, ":memory on")
        adapter.ask("disconnect")


def test_cells_get_ipykernels_paths_and_breakpoints_are_refused(kernel: Kernel) -> None:
    from ipykernel.compiler import murmur2_x86

    adapter = Adapter(kernel)
    info = adapter.ask("debugInfo")["body"]
    code = "let é = 1;\nlet b = é + 1;"
    dumped = adapter.ask("dumpCell", {"code": code})
    expected = f"{info['tmpFilePrefix']}{murmur2_x86(code, info['hashSeed'])}{info['tmpFileSuffix']}"
    assert dumped["body"]["sourcePath"] == expected
    refused = adapter.ask("setBreakpoints", {"source": {"path": expected}, "breakpoints": [{"line": 2}]})
    (breakpoint,) = refused["body"]["breakpoints"]
    assert breakpoint["verified"] is False and "cannot stop" in breakpoint["message"]
    stepping = adapter.ask("next", {"threadId": 1})
    assert stepping["success"] is False and "only shows variables" in stepping["message"]


def test_the_panel_answers_at_once_while_a_cell_runs(kernel: Kernel) -> None:
    reply, msgs = run(kernel.kc, "let live = np::zeros(&[4]);\nlet live_view = live.slice(s![1..3]);")
    assert reply["content"]["status"] == "ok"
    roles = {v["name"]: v["role"] for v in tables(msgs)[0]["variables"]}
    assert (roles["live"], roles["live_view"]) == ("owner", "view")
    adapter = Adapter(kernel)
    adapter.ask("attach")

    # The cell says it runs: the panel is asked while the loop runs, not
    # while it compiles.
    busy = kernel.kc.execute('println!("GO");\nloop {}')
    wait_for_msg(kernel.kc, "iopub", busy, CELL_TIMEOUT, said_go)
    took = []
    for _ in range(10):
        began = time.monotonic()
        listed = adapter.ask("inspectVariables")["body"]["variables"]
        took.append(time.monotonic() - began)
        shown = {v["name"]: v["value"].split(",")[0] for v in listed if v["name"] in roles}
        assert shown["live"] == "owner" and shown["live_view"] == "view of live", shown
    print(f"inspectVariables during a running cell: median {statistics.median(took) * 1000:.1f} ms, "
          f"max {max(took) * 1000:.1f} ms")
    assert statistics.median(took) < ANSWER_WITHIN, took

    interrupt = send_request(kernel.kc, "interrupt_request", {}, channel="control")
    get_reply(kernel.kc, interrupt, CELL_TIMEOUT, channel="control")
    reply = get_reply(kernel.kc, busy, CELL_TIMEOUT)["content"]
    assert reply["ename"] == "Interrupted" and any("carried on" in line for line in reply["traceback"]), reply
    adapter.ask("disconnect")
