"""The notebooks in notebooks/: they run, they match their committed
outputs, and their exports read well.

* Every notebook runs top to bottom in a fresh kernel under nbclient (what
  `jupyter nbconvert --execute` uses); a cell tagged `raises-exception` must
  fail and every other cell must succeed.
* `pytest --nbval` re-runs them and compares the fresh outputs, memory
  tables included, with the committed ones (notebooks/nbval-sanitize.cfg
  lists what may differ).
* Every fact the prose states about the variables (listed per markdown
  cell, see notebook_claims.py) agrees with the memory table before it,
  in the committed outputs and in a fresh run.
* Exports of the committed tutorial to HTML, markdown, LaTeX and PDF carry
  the memory tables a reader needs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from kernel_harness import FIRST_CELL_TIMEOUT, STARTUP_TIMEOUT
from memory_table import notebook_tables
import notebook_claims

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TUTORIALS = ["copying-arrays.ipynb", "views-and-strides.ipynb", "ownership-and-sharing.ipynb"]
JUPYTER = Path(sys.executable).parent / "jupyter"


def tagged(cell, tag: str) -> bool:
    return tag in cell.get("metadata", {}).get("tags", [])


def errors(cell) -> list:
    return [out for out in cell.get("outputs", []) if out.output_type == "error"]


def test_the_tutorials_exist() -> None:
    names = {path.name for path in NOTEBOOKS}
    assert set(TUTORIALS) <= names, f"missing: {set(TUTORIALS) - names}"


@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_clean_in_a_fresh_kernel(path: Path, tmp_path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="memscope",
        timeout=int(FIRST_CELL_TIMEOUT),
        startup_timeout=int(STARTUP_TIMEOUT),
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # Raises on the first failing cell not tagged raises-exception.
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if tagged(cell, "raises-exception"):
            assert errors(cell), f"cell {index} is tagged raises-exception but succeeded"
        else:
            assert not errors(cell), f"cell {index} failed: {errors(cell)}"
    if path.name in TUTORIALS:
        tables = notebook_tables(nb)
        assert len(tables) >= 10, f"{path.name}: only {len(tables)} memory tables"
        roles = {row["role"] for table in tables for row in table["variables"]}
        assert {"owner", "view"} <= roles, roles
    assert not notebook_claims.failures(nb), "\n".join(notebook_claims.failures(nb))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_with_its_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(cell.execution_count for cell in code), "run it and save the outputs"
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1)), "run top to bottom"
    assert nb.metadata["kernelspec"]["name"] == "memscope"


@pytest.mark.timeout(1500)
def test_nbval_finds_the_committed_outputs_again() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval",
            "--nbval-sanitize-with",
            "notebooks/nbval-sanitize.cfg",
            "--nbval-cell-timeout",
            str(int(FIRST_CELL_TIMEOUT)),
            "-p",
            "no:cacheprovider",
            "-q",
            "notebooks",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1400,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout


# The fewest claims a tutorial may list: enough that the check cannot pass
# by having nothing to check.
MIN_CLAIMS = {"copying-arrays.ipynb": 25, "views-and-strides.ipynb": 20, "ownership-and-sharing.ipynb": 20,
              "getting-started.ipynb": 3}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_prose_agrees_with_the_committed_tables(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    claims = [claim for cell in nb.cells for claim in notebook_claims.claims_of(cell)]
    assert len(claims) >= MIN_CLAIMS.get(path.name, 1), f"only {len(claims)} claims"
    problems = notebook_claims.failures(nb)
    assert not problems, "\n".join(problems)
    for index, cell in enumerate(nb.cells):
        for claim in notebook_claims.claims_of(cell):
            assert cell.cell_type == "markdown", f"cell {index}: claims belong to the prose"
            missing = notebook_claims.mentioned(claim, cell.source)
            assert not missing, f"cell {index}: {claim!r} is about {missing}, which its text never names"


def test_a_claim_the_table_contradicts_is_caught() -> None:
    row = {"name": "v", "role": "view", "base": "a", "base_is_gone": False, "alias_of": [],
           "shares_memory_with": ["a"], "changed": "unchanged", "buffer": "buf1", "writeable": True,
           "c_contiguous": False, "f_contiguous": False, "strides": [2]}
    owner = dict(row, name="a", role="owner", base=None, shares_memory_with=["v"], c_contiguous=True,
                 f_contiguous=True, strides=[1])
    table = {"variables": [owner, row], "gone": [{"name": "old", "why": "dropped", "into": None}]}
    good = ["v: view of a", "v: shares memory with a", "v: strides [2]", "v: not contiguous", "v: in buf1",
            "a: owner", "a: C-contiguous", "v: base a", "old: dropped", "v: unchanged", "v: writeable"]
    assert [notebook_claims.check(claim, table) for claim in good] == [None] * len(good)
    bad = ["v: owner", "v: view of b", "v: shares memory with nobody", "v: shares no element with a",
           "v: strides [1]", "v: modified", "v: buffer of its own", "old: moved into v", "b: owner",
           "v: read-only", "v: alias of a", "a: base v", "v: copy-on-write with a", "v: made of cheese", "no colon"]
    for claim in bad:
        assert notebook_claims.check(claim, table), f"{claim!r} should have failed"


def export(path: Path, to: str, out_dir: Path, timeout: float = 600) -> Path:
    """The notebook at `path` exported with `jupyter nbconvert --to {to}`
    into a folder of its own under `out_dir` (so exports of one notebook to
    several formats do not mix); test_memory_exports uses it too."""
    folder = out_dir / f"export-{to}"
    result = subprocess.run(
        [str(JUPYTER), "nbconvert", "--to", to, "--output-dir", str(folder), str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    produced = sorted(folder.glob(path.stem + ".*"))
    assert produced, f"nbconvert --to {to} wrote nothing"
    return produced[0]


TUTORIAL = ROOT / "notebooks" / "copying-arrays.ipynb"


def test_html_export_shows_the_styled_tables(tmp_path: Path) -> None:
    html = export(TUTORIAL, "html", tmp_path).read_text()
    assert html.count("Memory after this cell") >= 10
    for badge in ("owner", "view", "alias"):
        assert f">{badge}</span>" in html, badge
    assert "view of " in html and "background-color:#1565c0" in html


def test_markdown_export_keeps_the_tables(tmp_path: Path) -> None:
    markdown = export(TUTORIAL, "markdown", tmp_path).read_text()
    assert markdown.count("Memory after this cell") >= 10
    assert "view of " in markdown and "<table" in markdown


def test_latex_export_uses_the_text_tables(tmp_path: Path) -> None:
    latex = export(TUTORIAL, "latex", tmp_path).read_text()
    assert latex.count("Memory after this cell") >= 10
    # LaTeX shows text/plain in verbatim blocks: the ASCII table and picture.
    assert "| role" in latex and "view of " in latex
    assert "#.#.#" in latex or "##" in latex


@pytest.mark.timeout(900)
def test_pdf_export_reads_back_the_tables(tmp_path: Path) -> None:
    pdf = export(TUTORIAL, "pdf", tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert text.count("Memory after this cell") >= 10
    assert "owner" in text and "view of " in text


@pytest.mark.timeout(900)
def test_pdf_export_keeps_the_order_of_the_pictures(tmp_path: Path) -> None:
    """views-and-strides as a PDF still shows `backwards` running backwards
    and `board_t` walking its buffer column by column, with the values."""
    pdf = export(ROOT / "notebooks" / "views-and-strides.ipynb", "pdf", tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words = " ".join(text.split())
    assert "backwards 11 10 9 8 7 6 5 4 3 2 1 0" in words
    assert "board_t 0 3 6 9 1 4 7 10 2 5 8 11" in words
    assert "(values) 100 200 300 400" in words
    assert "board_t (4 x 3): the buffer position each element reads, then its value" in words
