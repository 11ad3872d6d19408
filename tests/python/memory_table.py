"""Reading the memory table that memscope shows after a cell.

The table arrives as one display_data whose bundle holds text/plain,
text/html and application/vnd.memscope.memory+json; these helpers run a cell
and return that JSON, keyed for easy asserting.
"""

from __future__ import annotations

from typing import Any

from kernel_harness import Msg, of_type, run

MEMORY_MIME = "application/vnd.memscope.memory+json"


def tables(msgs: list[Msg]) -> list[dict[str, Any]]:
    """Every memory table among a cell's outputs."""
    return [
        m["content"]["data"][MEMORY_MIME]
        for m in of_type(msgs, "display_data")
        if MEMORY_MIME in m["content"]["data"]
    ]


def notebook_tables(nb: Any) -> list[dict[str, Any]]:
    """Every memory table saved in an executed notebook, in order."""
    return [
        out["data"][MEMORY_MIME]
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out["output_type"] == "display_data" and MEMORY_MIME in out.get("data", {})
    ]


def memory(kc, code: str, **kwargs: Any) -> dict[str, Any]:
    """Run `code`, check it succeeded, and return its one memory table."""
    reply, msgs = run(kc, code, **kwargs)
    assert reply["content"]["status"] == "ok", reply["content"]
    found = tables(msgs)
    assert len(found) == 1, f"expected one memory table, got {len(found)}"
    return found[0]


def rows(table: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in table["variables"]}


def gone(table: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in table["gone"]}
