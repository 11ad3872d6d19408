"""The memory table in executed notebooks and their exports.

A notebook of array cells is executed with nbconvert (twice, to show the
tables are identical run to run, which nbval needs), then exported to HTML
and markdown; each export must carry the table a reader needs.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from memory_table import MEMORY_MIME, notebook_tables
from test_nbconvert import NBCONVERT_TIMEOUT, describe, make_notebook, nbconvert
from test_notebooks import export

CELLS = [
    "let x = np::arange(0.0, 10.0, 1.0);",
    "let evens = x.slice(s![..;2]);\nlet odds = x.slice(s![1..;2]);",
    "let copied = x.copy();",
    "let b = copied;",
]


def tables_of(path: Path) -> list[dict]:
    return notebook_tables(nbformat.read(path, as_version=4))


def test_executed_tables_are_the_same_on_every_run_and_export_readably(tmp_path: Path) -> None:
    runs = []
    for attempt in ("first", "second"):
        folder = tmp_path / attempt
        folder.mkdir()
        result, executed = nbconvert(folder, make_notebook(CELLS))
        assert result.returncode == 0, describe(result)
        runs.append(executed)
    first, second = tables_of(runs[0]), tables_of(runs[1])
    assert len(first) == len(CELLS), "one table after each cell"
    assert first == second, "buffer ids and contents must not depend on the run"
    assert first[-1]["gone"] == [{"name": "copied", "why": "moved", "into": "b"}]

    html = export(runs[0], "html", tmp_path, NBCONVERT_TIMEOUT).read_text()
    assert "view of x" in html and ">view</span>" in html and ">owner</span>" in html
    assert "<style" not in html.split("Memory after this cell")[1].split("</div></div>")[0]

    # nbconvert's markdown prefers the HTML rendering (markdown may embed it).
    markdown = export(runs[0], "markdown", tmp_path, NBCONVERT_TIMEOUT).read_text()
    assert "Memory after this cell" in markdown and "view of x" in markdown
    assert "is gone: moved into <b>b</b>" in markdown

    # text/plain is what terminals and the LaTeX/PDF export show.
    nb = nbformat.read(runs[0], as_version=4)
    texts = [
        out.data["text/plain"]
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "display_data" and MEMORY_MIME in out.data
    ]
    # Each element a view covers carries its place in the view's order.
    strips = [" ".join(line.split()) for line in texts[1].splitlines()]
    assert "evens 0 . 1 . 2 . 3 . 4 ." in strips and "odds . 0 . 1 . 2 . 3 . 4" in strips, texts[1]
    # ...and under the strips, the value each position holds.
    assert "(values) 0.0 1.0 2.0 3.0 4.0 5.0 6.0 7.0 8.0 9.0" in strips, texts[1]
    assert "view of x" in texts[1]
    assert "copied is gone: moved into b (same buffer, new owner)" in texts[3]
    assert all(text.isascii() for text in texts), "LaTeX fonts need ASCII"
