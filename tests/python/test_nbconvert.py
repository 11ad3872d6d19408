"""Executing memscope notebooks headlessly with nbconvert and nbclient.

Covers: `jupyter nbconvert --to notebook --execute` (the venv's jupyter, run as
a subprocess) on notebooks built with nbformat whose kernelspec is memscope:
a good notebook succeeds and its output notebook holds the expected stream,
execute_result and display_data outputs and execution counts; a failing cell
(compile error or panic) makes nbconvert exit non-zero and report rustc's or
the panic's message; with --allow-errors, a `raises-exception` cell tag or
allow_error_names=CompileError the run succeeds and the cells after the
failing one run with the kernel's state intact.  nbclient's NotebookClient is
also used directly, for a good notebook and for the CellExecutionError of a
failing one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Union

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat import NotebookNode

from kernel_harness import (
    DISPLAY_NAME,
    FIRST_CELL_TIMEOUT,
    KERNEL_NAME,
    STARTUP_TIMEOUT,
    TEST_TIMEOUT,
    strip_ansi,
)

JUPYTER = Path(sys.executable).parent / "jupyter"
NBCONVERT_TIMEOUT = TEST_TIMEOUT - 20  # the subprocess must end before pytest-timeout fires

Cell = Union[str, tuple[str, list[str]]]  # source, or (source, tags)


def make_notebook(cells: list[Cell]) -> NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": DISPLAY_NAME, "language": "rust"}
    nb.metadata["language_info"] = {"name": "rust"}
    nb.cells.append(nbformat.v4.new_markdown_cell("# memscope test notebook"))
    for cell in cells:
        source, tags = (cell, []) if isinstance(cell, str) else cell
        code = nbformat.v4.new_code_cell(source)
        if tags:
            code.metadata["tags"] = tags
        nb.cells.append(code)
    return nb


def code_cells(nb: NotebookNode) -> list[NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


def summarize(outputs: list[NotebookNode]) -> list[tuple[Any, ...]]:
    """Outputs as comparable tuples; adjacent chunks of one stream are joined."""
    summary: list[tuple[Any, ...]] = []
    for out in outputs:
        kind = out.output_type
        if kind == "stream":
            if summary and summary[-1][:2] == ("stream", out.name):
                summary[-1] = ("stream", out.name, summary[-1][2] + out.text)
            else:
                summary.append(("stream", out.name, out.text))
        elif kind == "execute_result":
            summary.append(("execute_result", out.data["text/plain"]))
        elif kind == "display_data":
            summary.append(("display_data", out.data.get("text/html", out.data.get("text/plain"))))
        elif kind == "error":
            summary.append(("error", out.ename))
        else:
            summary.append((kind,))
    return summary


def nbconvert(
    tmp_path: Path, nb: NotebookNode, *extra: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess, Path]:
    source = tmp_path / "input.ipynb"
    nbformat.write(nb, source)
    result = subprocess.run(
        [
            str(JUPYTER),
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            f"--ExecutePreprocessor.timeout={int(FIRST_CELL_TIMEOUT)}",
            f"--ExecutePreprocessor.startup_timeout={int(STARTUP_TIMEOUT)}",
            "--output-dir",
            str(tmp_path),
            "--output",
            "executed",
            *extra,
            str(source),
        ],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=NBCONVERT_TIMEOUT,
        env=env,
    )
    return result, tmp_path / "executed.ipynb"


def describe(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


# (source, expected summarized outputs); the execution counts are 1, 2, 3, ...
GOOD_CELLS = [
    ('println!("hello from nbconvert");', [("stream", "stdout", "hello from nbconvert\n")]),
    ("let answer = 6 * 7;", []),
    ("answer", [("execute_result", "42")]),
    ('display::html("<b>nb-html</b>");', [("display_data", "<b>nb-html</b>")]),
    ('eprintln!("to stderr");', [("stream", "stderr", "to stderr\n")]),
]


def check_good_outputs(nb: NotebookNode) -> None:
    cells = code_cells(nb)
    assert [summarize(c.outputs) for c in cells] == [expected for _, expected in GOOD_CELLS]
    assert [c.execution_count for c in cells] == list(range(1, len(GOOD_CELLS) + 1))
    result = cells[2].outputs[0]
    assert result.execution_count == 3


def test_nbconvert_executes_a_good_notebook(tmp_path: Path) -> None:
    result, executed = nbconvert(tmp_path, make_notebook([src for src, _ in GOOD_CELLS]))
    assert result.returncode == 0, describe(result)
    nb = nbformat.read(executed, as_version=4)
    nbformat.validate(nb)
    check_good_outputs(nb)


def test_a_batch_run_never_starts_rust_analyzer(tmp_path: Path) -> None:
    """Cells come back to back in a batch run, so the kernel never loads
    rust-analyzer (it serves completions only, and starts once a session
    has been idle for a moment); the types the table and later cells need
    come from the compiler. The engine's log says which it did."""
    cells = [
        "let batch_values = vec![1.5_f64, 2.5];",
        "let batch_array = np::arange(0.0, 4.0, 1.0);",
        "let batch_total: f64 = batch_values.iter().sum::<f64>() + batch_array.to_vec().iter().sum::<f64>();\nbatch_total",
    ]
    env = dict(os.environ, MEMSCOPE_LOG="memscope_engine=info")
    result, executed = nbconvert(tmp_path, make_notebook(cells), env=env)
    assert result.returncode == 0, describe(result)
    outputs = code_cells(nbformat.read(executed, as_version=4))[2].outputs
    assert [o.data["text/plain"] for o in outputs if o.output_type == "execute_result"] == ["10.0"]
    assert "session set up" in result.stderr, describe(result)  # the log is on
    assert "analysis warming up" not in result.stderr, describe(result)


FAILURES = [
    pytest.param('let x: i32 = "no";', "CompileError", "mismatched types", id="compile-error"),
    pytest.param('panic!("boom");', "Panic", "boom", id="panic"),
]


@pytest.mark.parametrize("failing, ename, message", FAILURES)
def test_nbconvert_fails_on_a_failing_cell(tmp_path: Path, failing: str, ename: str, message: str) -> None:
    nb = make_notebook(["let before = 1;", failing, 'println!("after the failure");'])
    result, _ = nbconvert(tmp_path, nb)
    assert result.returncode != 0, describe(result)
    reported = strip_ansi(result.stdout + result.stderr)
    assert message in reported, describe(result)
    assert ename in reported, describe(result)


ALLOWED_ERRORS = [
    pytest.param(["--allow-errors"], [], id="allow-errors-flag"),
    pytest.param([], ["raises-exception"], id="raises-exception-tag"),
    pytest.param(["--ExecutePreprocessor.allow_error_names=CompileError"], [], id="allow-error-names"),
]


@pytest.mark.parametrize("flags, tags", ALLOWED_ERRORS)
def test_nbconvert_continues_past_an_allowed_error(tmp_path: Path, flags: list[str], tags: list[str]) -> None:
    nb = make_notebook(
        [
            "let before = 1;",
            ('let x: i32 = "no";', tags),
            'println!("after the failure");',
            "before + 1",
        ]
    )
    result, executed = nbconvert(tmp_path, nb, *flags)
    assert result.returncode == 0, describe(result)
    cells = code_cells(nbformat.read(executed, as_version=4))
    assert [summarize(c.outputs) for c in cells] == [
        [],
        [("error", "CompileError")],
        [("stream", "stdout", "after the failure\n")],
        [("execute_result", "2")],
    ]
    assert "mismatched types" in cells[1].outputs[0].evalue


def notebook_client(nb: NotebookNode, tmp_path: Path) -> NotebookClient:
    return NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=int(FIRST_CELL_TIMEOUT),
        startup_timeout=int(STARTUP_TIMEOUT),
        resources={"metadata": {"path": str(tmp_path)}},
    )


def test_nbclient_executes_a_good_notebook(tmp_path: Path) -> None:
    nb = make_notebook([src for src, _ in GOOD_CELLS])
    notebook_client(nb, tmp_path).execute()
    nbformat.validate(nb)
    check_good_outputs(nb)


def test_nbclient_raises_cell_execution_error(tmp_path: Path) -> None:
    nb = make_notebook(["let before = 1;", 'let x: i32 = "no";', 'println!("after the failure");'])
    with pytest.raises(CellExecutionError) as failure:
        notebook_client(nb, tmp_path).execute()
    assert failure.value.ename == "CompileError"
    assert "mismatched types" in failure.value.evalue
    cells = code_cells(nb)
    assert summarize(cells[1].outputs) == [("error", "CompileError")]
    assert cells[2].outputs == [], "a cell after the failure ran"
