"""The cache of compiled cells (evcxr patch 0004): a notebook run again in a
new kernel is served from it and behaves exactly as when it was compiled
(output, result, memory table, errors, panics, interrupts), and changing any
input of a cell's build (its code, an earlier cell's item or variable type,
`:opt`, a `:dep`, a path dependency's source) compiles it again, so a stale
library is never served. A cache folder that cannot be written costs only
the speed-up.

Whether a cell was compiled is read from the build folder: every rustc
run on the cell crate, through cargo or without it (evcxr patch 0009),
opens a new session in the crate's incremental folder, and a cell served
from the cache runs no rustc at all."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager

from kernel_harness import (
    CELL_TIMEOUT,
    FIRST_CELL_TIMEOUT,
    STARTUP_TIMEOUT,
    Kernel,
    all_text,
    drain,
    get_reply,
    iopub_until_idle,
    of_type,
    result_text,
    stop_kernel,
    stream_text,
    wait_for_msg,
)
from memory_table import MEMORY_MIME

pytestmark = pytest.mark.timeout(900)

WHERE = 'println!("{}", std::env::var("EVCXR_TMPDIR").unwrap());'


def launch(env: dict[str, str] | None = None) -> Kernel:
    km = KernelManager(kernel_name="memscope")
    km.start_kernel(env={**os.environ, **(env or {})})
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
    drain(kc)
    return Kernel(km, kc)


@pytest.fixture
def kernels() -> Iterator[list[Kernel]]:
    started: list[Kernel] = []
    yield started
    for kernel in started:
        stop_kernel(kernel)


class Session:
    """One kernel; knows its build folder, so it can tell whether a cell
    was compiled."""

    def __init__(self, kernels: list[Kernel], env: dict[str, str] | None = None) -> None:
        self.kernel = launch(env)
        kernels.append(self.kernel)
        reply, msgs = self.kernel.run(WHERE, timeout=FIRST_CELL_TIMEOUT)
        assert reply["content"]["status"] == "ok", all_text(msgs)
        self.folder = Path(stream_text(msgs).strip())

    def built(self) -> int:
        """When rustc last compiled the cell crate: each run adds a session
        (a folder and its lock) to the crate's incremental folder, which
        changes that folder's modification time, whether the compile
        succeeds or not; a cell served from the cache runs no rustc."""
        sessions = self.folder.glob("target/*/debug/incremental/ctx-*")
        return max((folder.stat().st_mtime_ns for folder in sessions), default=0)

    def cell(self, code: str) -> tuple[dict, list, bool]:
        """Runs `code`: its reply, its outputs, and whether rustc compiled it."""
        before = self.built()
        reply, msgs = self.kernel.run(code, timeout=FIRST_CELL_TIMEOUT)
        return reply, msgs, self.built() != before

    def stop(self) -> None:
        stop_kernel(self.kernel)


def observed(reply: dict, msgs: list) -> dict:
    """What a user sees of a cell, without what differs between kernels."""
    content = reply["content"]
    tables = [m["content"]["data"][MEMORY_MIME] for m in of_type(msgs, "display_data", "update_display_data")
              if MEMORY_MIME in m["content"]["data"]]
    for table in tables:
        table.pop("execution_count", None)
    return {
        "status": content["status"],
        "error": (content.get("ename"), content.get("evalue")) if content["status"] == "error" else None,
        "stdout": stream_text(msgs),
        "stderr": stream_text(msgs, "stderr"),
        "results": [m["content"]["data"]["text/plain"] for m in of_type(msgs, "execute_result")],
        "tables": tables,
    }


def test_a_notebook_run_again_is_served_from_the_cache_and_behaves_the_same(kernels: list[Kernel]) -> None:
    # A constant no earlier run has seen makes every later cell's code new.
    cells = [
        f'const RUN: &str = "{uuid.uuid4()}";',
        "let a = Array1::<f64>::linspace(0.0, 5.0, 6);",
        "let v = np::arange(0, 6, 1).reshape(&[2, 3]);",
        'println!("sum {}", a.sum());\neprintln!("to stderr");\na.sum()',
        "let w: Vec<u8> = Vec::new();\nw[3]",  # panics
    ]
    first = Session(kernels)
    seen_first = []
    for code in cells:
        reply, msgs, compiled = first.cell(code)
        assert compiled, f"a new cell was not compiled: {code!r}"
        seen_first.append(observed(reply, msgs))
    assert seen_first[3]["stdout"] == "sum 15\n" and seen_first[3]["results"] == ["15.0"], seen_first
    assert seen_first[4]["error"][0] == "Panic", seen_first[4]
    first.stop()

    again = Session(kernels)
    for code, seen in zip(cells, seen_first):
        reply, msgs, compiled = again.cell(code)
        assert not compiled, f"compiled again although nothing changed: {code!r}"
        assert observed(reply, msgs) == seen, code

    # A compile error is never cached, and reads the same.
    error = 'let s: u8 = "no";'
    reply_one, msgs_one, _ = again.cell(error)
    reply_two, msgs_two, _ = again.cell(error)
    assert reply_one["content"]["ename"] == "CompileError"
    assert observed(reply_one, msgs_one) == observed(reply_two, msgs_two)

    # An interrupt stops a cell served from the cache as it stops a
    # compiled one, and keeps every variable.
    slow = 'println!("go");\nstd::thread::sleep(std::time::Duration::from_secs(60));'
    for number in (2, 3):
        if number == 2:
            session, cached = again, False
        else:
            # In the same build folder (the key names it): the one the
            # second kernel leaves.
            again.stop()
            session, cached = Session(kernels), True
            assert session.folder == again.folder
            for code in cells:
                session.cell(code)
        kc = session.kernel.kc
        before = session.built()
        msg_id = kc.execute(slow)
        wait_for_msg(kc, "iopub", msg_id, CELL_TIMEOUT,
                     lambda m: m["header"]["msg_type"] == "stream" and "go" in m["content"]["text"])
        began = time.monotonic()
        session.kernel.km.interrupt_kernel()
        reply = get_reply(kc, msg_id, CELL_TIMEOUT)
        assert time.monotonic() - began <= 2.5
        assert reply["content"]["ename"] == "Interrupted", reply["content"]
        iopub_until_idle(kc, msg_id, CELL_TIMEOUT)
        assert (session.built() == before) == cached
        reply, msgs, _ = session.cell("a.sum()")
        assert result_text(msgs) == "15.0", all_text(msgs)


def test_changing_any_input_of_a_cell_compiles_it_again(kernels: list[Kernel], tmp_path: Path) -> None:
    probe = tmp_path / "probe"
    (probe / "src").mkdir(parents=True)
    (probe / "Cargo.toml").write_text('[package]\nname = "probe"\nversion = "0.1.0"\nedition = "2021"\n')
    (probe / "src" / "lib.rs").write_text("pub fn value() -> i32 { 7 }\n")
    run = f'const RUN: &str = "{uuid.uuid4()}";'
    dep = f':dep probe = {{ path = "{probe}" }}'

    def notebook(item: str, variable: str, opt: str = "") -> list[str]:
        return [run, dep, item, variable, f"{opt}probe::value() + f() + x as i32"]

    def last_cell(cells: list[str]) -> tuple[str, bool]:
        session = Session(kernels)
        for code in cells[:-1]:
            reply, msgs, _ = session.cell(code)
            assert reply["content"]["status"] == "ok", all_text(msgs)
        reply, msgs, compiled = session.cell(cells[-1])
        assert reply["content"]["status"] == "ok", all_text(msgs)
        session.stop()
        # `:opt` says what it set before the value.
        return result_text(msgs).splitlines()[-1], compiled

    base = notebook("fn f() -> i32 { 1 }", "let x = 1u8;")
    assert last_cell(base) == ("9", True)
    assert last_cell(base) == ("9", False), "the same notebook again is served from the cache"
    # Each change in turn: the cell is compiled again and shows the change.
    assert last_cell(notebook("fn f() -> i32 { 2 }", "let x = 1u8;")) == ("10", True), "an earlier item"
    assert last_cell(notebook("fn f() -> i32 { 1 }", "let x = 300u16;")) == ("308", True), "a variable's type"
    assert last_cell(notebook("fn f() -> i32 { 1 }", "let x = 1u8;", ":opt 1\n")) == ("9", True), ":opt"
    changed = base[:-1] + [base[-1] + " * 1"]
    assert last_cell(changed) == ("9", True), "the cell's code"
    (probe / "src" / "lib.rs").write_text("pub fn value() -> i32 { 8 }\n")
    assert last_cell(base) == ("10", True), "a path dependency's source"
    without_dep = [run, "fn f() -> i32 { 1 }", "let x = 1u8;", "f() + x as i32"]
    assert last_cell(without_dep) == ("2", True)
    assert last_cell(without_dep) == ("2", False)
    with_dep = [run, dep, *without_dep[1:]]
    assert last_cell(with_dep) == ("2", True), "a :dep, the cell's code unchanged"


def test_a_cache_folder_that_cannot_be_written_costs_only_the_speed_up(kernels: list[Kernel], tmp_path: Path) -> None:
    # The same build folders (so nothing is compiled from scratch), but the
    # place of the cell cache is taken by a file: nothing can be stored or
    # found there.
    cache = tmp_path / "cache"
    cache.mkdir()
    real = Path(os.environ.get("MEMSCOPE_CACHE_DIR") or Path.home() / ".cache" / "memscope")
    (cache / "build").symlink_to(real / "build")
    (cache / "cells").write_text("not a folder")
    cells = [f'const RUN: &str = "{uuid.uuid4()}";', "let a = Array1::<f64>::linspace(0.0, 3.0, 4);", "a.sum()"]
    for _ in range(2):
        session = Session(kernels, {"MEMSCOPE_CACHE_DIR": str(cache)})
        for code in cells:
            reply, msgs, compiled = session.cell(code)
            assert reply["content"]["status"] == "ok", all_text(msgs)
            assert compiled, "nothing can have been served from an unwritable cache"
        assert result_text(msgs) == "6.0"
        session.stop()
    assert (cache / "cells").read_text() == "not a folder"
