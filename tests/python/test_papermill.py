"""papermill with memscope notebooks: parameters of every type papermill
passes, and `--help-notebook`.

Covers: the venv's `papermill` command (a subprocess, as users run it) with
the translator of install/papermill (registered when papermill starts)
runs a notebook whose `parameters` cell declares typed variables, with `-p`
and `-y` values of every kind papermill passes: a string with quotes,
backslashes, `"#` and a newline; an integer that does not fit i32; NaN and
-inf; a bool; None; a list and a dict. Each parameter keeps the type the
parameters cell gave it (`type_name_of_val`, printed by the notebook); a
name the parameters cell lacks gets the type its value suggests. A value
the declared type cannot hold fails the run with a message that names
both. `--help-notebook` lists the parameters cell's names, types, defaults
and help comments. The translator for other Rust kernels (language `rust`)
writes plain typed `let` statements, checked against real rustc through
the memscope kernel too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from kernel_harness import TEST_TIMEOUT
from test_nbconvert import code_cells, make_notebook

PAPERMILL = Path(sys.executable).parent / "papermill"
RUN_TIMEOUT = TEST_TIMEOUT - 20

PARAMETERS = """\
use std::collections::HashMap;
let n: u64 = 3; // how many rounds
let label = "none";
let ratio: f64 = 0.5;
let low: f32 = 0.0;
let big: i64 = 1;
let flag = false;
let maybe: Option<i64> = Some(1);
let weights: Vec<f64> = vec![1.0];
let counts: HashMap<String, i64> = HashMap::new();
"""

# One line per parameter: its type as the program sees it, then its value.
REPORT = r"""
fn show<T: std::fmt::Debug>(name: &str, value: &T) {
    println!("{name}: {} = {value:?}", std::any::type_name::<T>());
}
show("n", &n);
show("label", &label);
show("ratio", &ratio);
show("low", &low);
show("big", &big);
show("flag", &flag);
show("maybe", &maybe);
show("weights", &weights);
{
    let mut sorted: Vec<_> = counts.iter().collect();
    sorted.sort();
    show("counts", &sorted);
}
show("extra", &extra);
"""

TRICKY = 'He said "hi" \\ then "# and "## \n next line'


def notebook(tmp_path: Path, report: str = REPORT) -> Path:
    nb = make_notebook([(PARAMETERS, ["parameters"]), report])
    path = tmp_path / "in.ipynb"
    nbformat.write(nb, path)
    return path


def papermill(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PAPERMILL), *args], capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
    )


def lines_of(path: Path) -> dict[str, str]:
    """What the report cell printed, name to `type = value`."""
    nb = nbformat.read(path, as_version=4)
    text = "".join(o.get("text", "") for o in code_cells(nb)[-1].outputs if o.output_type == "stream")
    return dict(line.split(": ", 1) for line in text.splitlines())


def test_every_parameter_type_keeps_the_type_of_its_parameters_cell(tmp_path: Path) -> None:
    out = tmp_path / "out.ipynb"
    done = papermill(
        str(notebook(tmp_path)), str(out), "-k", "memscope",
        "-p", "n", "5",
        "-r", "label", TRICKY,
        "-p", "ratio", "nan",
        "-y", "low: -.inf",
        "-p", "big", "10000000000",
        "-p", "flag", "True",
        "-y", "maybe: null",
        "-y", "weights: [0.25, 2]",
        "-y", "counts: {a: 1, b: 20000000000}",
        "-p", "extra", "7",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    injected = [c for c in nbformat.read(out, as_version=4).cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and ":param n = 5" in injected[0].source, injected

    got = lines_of(out)
    assert got["n"] == "u64 = 5"
    assert got["label"] == "&str = " + json.dumps(TRICKY), "the string changed on the way"
    assert got["ratio"] == "f64 = NaN"
    assert got["low"] == "f32 = -inf"
    assert got["big"] == "i64 = 10000000000"
    assert got["flag"] == "bool = true"
    assert got["maybe"] == "core::option::Option<i64> = None"
    assert got["weights"] == "alloc::vec::Vec<f64> = [0.25, 2.0]"
    assert got["counts"].endswith('= [("a", 1), ("b", 20000000000)]'), got["counts"]
    assert got["extra"] == "i64 = 7", "a name the parameters cell lacks gets its value's type"


def test_a_value_its_type_cannot_hold_fails_with_both_named(tmp_path: Path) -> None:
    out = tmp_path / "out.ipynb"
    done = papermill(str(notebook(tmp_path)), str(out), "-k", "memscope", "-p", "n", "2.5")
    assert done.returncode != 0
    assert "a float cannot be a u64" in done.stderr and "n: u64" in done.stderr, done.stderr[-3000:]


def test_help_notebook_lists_the_parameters(tmp_path: Path) -> None:
    done = papermill("--help-notebook", str(notebook(tmp_path)))
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "n: u64 (default 3)" in text and "how many rounds" in text, text
    # Without a type, what rustc gives the literal.
    assert 'label: &str (default "none")' in text and "flag: bool (default false)" in text, text
    assert "counts: HashMap<String, i64> (default HashMap::new())" in text, text


def test_the_plain_rust_translator_writes_statements_rustc_takes(tmp_path: Path) -> None:
    """For Rust kernels other than memscope (papermill picks a translator
    by language `rust`): typed `let` lines, run here through memscope."""
    from papermill.translators import translate_parameters

    code = translate_parameters(
        "evcxr", "rust",
        {"s": TRICKY, "big": 10**12, "x": float("-inf"), "v": [1, 2.5], "d": {"k": True}, "o": None},
        "Parameters",
    )  # fmt: skip
    report = (
        'println!("{s:?}|{big}|{x}|{v:?}|{d:?}|{o:?}|{}", std::any::type_name_of_val(&big));'
    )
    nb = make_notebook([code, report])
    path, out = tmp_path / "plain.ipynb", tmp_path / "plain-out.ipynb"
    nbformat.write(nb, path)
    done = papermill(str(path), str(out), "-k", "memscope")
    assert done.returncode == 0, done.stderr[-3000:]
    text = "".join(o.get("text", "") for o in code_cells(nbformat.read(out, as_version=4))[-1].outputs)
    assert text.strip() == f'{json.dumps(TRICKY)}|1000000000000|-inf|[1.0, 2.5]|{{"k": true}}|None|i64'


@pytest.mark.parametrize("kernel", ["memscope", "rust"])
def test_the_translators_are_registered_with_papermill(kernel: str) -> None:
    from papermill.translators import papermill_translators

    found = papermill_translators.find_translator(kernel, "rust")
    assert found.__module__ == "memscope_papermill"
