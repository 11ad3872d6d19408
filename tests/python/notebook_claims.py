"""What the tutorials' prose says about memory, checked against their tables.

A markdown cell that states facts about the variables ("`middle` is a
view of `temps`", "`backup` shares memory with nobody") lists them in its
metadata, one short claim per fact, so a test can find them:

    "metadata": {"memscope": {"claims": ["middle: view of temps",
                                         "backup: shares memory with nobody"]}}

Each claim is checked against the last memory table saved before that
cell. The grammar is small on purpose; `check` rejects any claim it does
not understand rather than skip it.

x is a variable or a path inside one (`layers[1]`, `named["w"]`, `m.w`).

    x: owner | view | alias | copy-on-write
    x: view of y | alias of y | copy-on-write with y | owner not a variable
    x: base y                       (whatever the role: an alias of a view has one)
    x: shares memory with y | shares no element with y | shares memory with nobody
    x: new | modified | unchanged
    x: in bufN | buffer of its own
    x: dropped | moved into y
    x: writeable | read-only | C-contiguous | F-contiguous | not contiguous
    x: strides [a, b]
"""

from __future__ import annotations

import json
import re
from typing import Any

from memory_table import MEMORY_MIME

ROLES = {"owner", "view", "alias", "copy-on-write"}
CHANGES = {"new", "modified", "unchanged"}


def claims_of(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("memscope", {}).get("claims", []))


def tables_before_each_cell(nb: Any) -> list[dict[str, Any] | None]:
    """For each cell, the last memory table saved before it (None before the first)."""
    latest: dict[str, Any] | None = None
    before: list[dict[str, Any] | None] = []
    for cell in nb.cells:
        before.append(latest)
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                if out["output_type"] == "display_data" and MEMORY_MIME in out.get("data", {}):
                    latest = out["data"][MEMORY_MIME]
    return before


def check(claim: str, table: dict[str, Any]) -> str | None:
    """None when `table` agrees with `claim`, else what is wrong."""
    subject, sep, fact = claim.partition(": ")
    if not sep:
        return f"not a claim (no 'name: fact'): {claim!r}"
    variables = {row["name"]: row for row in table["variables"]}
    gone = {entry["name"]: entry for entry in table["gone"]}
    if fact == "dropped" or fact.startswith("moved into "):
        entry = gone.get(subject)
        if entry is None:
            return f"{subject} is not listed as gone"
        if fact == "dropped":
            return None if entry["why"] == "dropped" else f"{subject} is gone: {entry['why']}"
        into = fact.removeprefix("moved into ")
        return None if (entry["why"], entry["into"]) == ("moved", into) else f"{subject} is gone: {entry}"
    row = variables.get(subject)
    if row is None:
        return f"{subject} is not in the table (variables: {sorted(variables)})"
    wrong = _check_row(fact, row, table)
    return None if wrong is None else f"{subject}: {wrong}"


def _check_row(fact: str, row: dict[str, Any], table: dict[str, Any]) -> str | None:
    def expect(ok: bool, what: Any) -> str | None:
        return None if ok else f"the table says {what}"

    role = row["role"]
    if fact in ROLES:
        return expect(role == fact, f"role {role}")
    if fact in CHANGES:
        return expect(row["changed"] == fact, f"changed {row['changed']}")
    if (name := _after(fact, "view of ")) is not None:
        return expect(role == "view" and row["base"] == name, f"role {role}, base {row['base']}")
    if (name := _after(fact, "base ")) is not None:
        return expect(row["base"] == name, f"base {row['base']}")
    if fact == "owner not a variable":
        return expect(role == "view" and row["base_is_gone"], f"role {role}, base {row['base']}")
    if (name := _after(fact, "alias of ")) is not None:
        return expect(role == "alias" and name in row["alias_of"], f"role {role}, alias of {row['alias_of']}")
    if (name := _after(fact, "copy-on-write with ")) is not None:
        holders = row.get("copy_on_write_with", [])
        return expect(role == "copy-on-write" and name in holders, f"role {role}, copy-on-write with {holders}")
    if fact == "shares memory with nobody":
        return expect(not row["shares_memory_with"], f"shares memory with {row['shares_memory_with']}")
    if (name := _after(fact, "shares memory with ")) is not None:
        return expect(name in row["shares_memory_with"], f"shares memory with {row['shares_memory_with']}")
    if (name := _after(fact, "shares no element with ")) is not None:
        return expect(name not in row["shares_memory_with"], f"shares memory with {row['shares_memory_with']}")
    if (buffer := _after(fact, "in ")) is not None and re.fullmatch(r"buf\d+", buffer):
        return expect(row["buffer"] == buffer, f"buffer {row['buffer']}")
    if fact == "buffer of its own":
        others = [r["name"] for r in table["variables"] if r["buffer"] == row["buffer"] and r is not row]
        return expect(row["buffer"] is not None and not others, f"buffer {row['buffer']} also holds {others}")
    if fact in ("writeable", "read-only"):
        return expect(row["writeable"] == (fact == "writeable"), f"writeable {row['writeable']}")
    if fact == "C-contiguous":
        return expect(row["c_contiguous"], "not C-contiguous")
    if fact == "F-contiguous":
        return expect(row["f_contiguous"], "not F-contiguous")
    if fact == "not contiguous":
        return expect(not (row["c_contiguous"] or row["f_contiguous"]), "contiguous")
    if (strides := _after(fact, "strides ")) is not None:
        return expect(row["strides"] == json.loads(strides), f"strides {row['strides']}")
    return f"no such fact in the grammar: {fact!r}"


def _after(fact: str, prefix: str) -> str | None:
    return fact[len(prefix) :] if fact.startswith(prefix) else None


def mentioned(claim: str, markdown: str) -> list[str]:
    """The names a claim is about that its cell's text never writes as code
    (in backticks, alone or inside a longer span such as `view of x`): a
    claim must restate the prose, not add to it."""
    subject, _, fact = claim.partition(": ")
    names = [subject]
    for prefix in ("view of ", "base ", "alias of ", "copy-on-write with ", "shares memory with ",
                   "shares no element with ", "moved into "):
        if fact.startswith(prefix) and fact != "shares memory with nobody":
            names.append(fact[len(prefix) :])
    in_code = {word for span in re.findall(r"`([^`]+)`", markdown) for word in re.findall(r"\w+", span)}
    # A path (`rows[1]`, `named["w"]`, `m.w`) counts as written when each
    # of its words is.
    return [name for name in names if not set(re.findall(r"\w+", name)) <= in_code]


def failures(nb: Any) -> list[str]:
    """Every claim of the notebook that its saved tables contradict."""
    problems = []
    for index, (cell, table) in enumerate(zip(nb.cells, tables_before_each_cell(nb))):
        cell_claims = claims_of(cell)
        if not cell_claims:
            continue
        if table is None:
            problems.append(f"cell {index}: claims before any memory table")
            continue
        for claim in cell_claims:
            wrong = check(claim, table)
            if wrong:
                problems.append(f"cell {index}: {claim!r}: {wrong}")
    return problems
