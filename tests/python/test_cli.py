"""The memscope binary's command line: help for every subcommand, and one
clear line plus a non-zero exit for a connection file that is missing or not
a connection file."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager


def memscope_binary() -> str:
    spec = KernelSpecManager().get_kernel_spec("memscope")
    return spec.argv[0]


@pytest.mark.parametrize("args", [["--help"], ["kernel", "--help"], ["install", "--help"], ["uninstall", "--help"]])
def test_help(args: list[str]) -> None:
    done = subprocess.run([memscope_binary(), *args], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "Usage: memscope" in done.stdout


def test_missing_connection_file_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    done = subprocess.run(
        [memscope_binary(), "kernel", "--connection-file", str(missing)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(missing) in lines[0] and "No such file" in lines[0]


def test_invalid_connection_file_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"ip": "127.0.0.1"}))
    done = subprocess.run(
        [memscope_binary(), "kernel", "--connection-file", str(bad)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "not a valid Jupyter connection file" in lines[0]
