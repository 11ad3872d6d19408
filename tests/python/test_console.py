"""jupyter console with memscope, driven through a pseudo-terminal (pexpect).

Covers: a multi-line cell (the console asks is_complete and shows its
continuation prompt), a result, a `:dep` on a local crate (so cargo
compiles something), the memory table as text, a compile error, Ctrl-C on
a busy loop (the cell is interrupted, the variables are kept), and the
terminal closed under the console (SIGHUP). The terminal shows the cells'
output and nothing of the kernel's own: no cargo `Compiling` line, no log
line, no name of the code evcxr generates. When the console has gone, so
has its kernel.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pexpect

import processes
from kernel_harness import FIRST_CELL_TIMEOUT

JUPYTER = Path(sys.executable).parent / "jupyter"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# The prompt, with the colour codes prompt_toolkit puts around its number.
PROMPT = r"In \[(?:\x1b\[[0-9;]*m)*(\d+)(?:\x1b\[[0-9;]*m)*\]: "
CONTINUATION = r"\.\.\.: "


def tiny_crate(root: Path) -> Path:
    crate = root / "tinydep"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "tinydep"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src" / "lib.rs").write_text("pub fn triple(x: i64) -> i64 { 3 * x }\n")
    return crate


def test_the_terminal_shows_only_the_cells_output(tmp_path: Path) -> None:
    crate = tiny_crate(tmp_path)
    transcript = tmp_path / "terminal.txt"
    console = pexpect.spawn(
        str(JUPYTER), ["console", "--kernel", "memscope"],
        encoding="utf-8", timeout=FIRST_CELL_TIMEOUT, dimensions=(50, 200),
    )  # fmt: skip
    console.logfile_read = transcript.open("w")
    kernels_before = {p.pid for p in processes.table().values() if p.name == "memscope"}
    try:
        console.expect(PROMPT)
        at = [int(console.match.group(1))]

        def next_prompt() -> None:
            """Waits for a prompt with a higher number: prompt_toolkit draws
            the current one again when Enter is pressed."""
            while True:
                console.expect(PROMPT)
                if int(console.match.group(1)) > at[0]:
                    at[0] = int(console.match.group(1))
                    return

        def cell(line: str) -> None:
            console.sendline(line)
            next_prompt()

        console.sendline("fn add(a: i64, b: i64) -> i64 {")
        console.expect(CONTINUATION)
        console.sendline("    a + b")
        console.expect(CONTINUATION)
        cell("}")
        cell("add(2, 3)")
        cell(f':dep tinydep = {{ path = "{crate}" }}')
        cell("tinydep::triple(14)")
        cell("let a = np::arange(0.0, 4.0, 1.0);")
        cell('let bad: i32 = "s";')
        # The cell says it runs, so the interrupt lands in the loop, not in
        # its compile.
        console.sendline('println!("{}", "GO".repeat(2)); loop {}')
        console.expect("GOGO")
        console.sendcontrol("c")
        next_prompt()
        cell("a.len() + add(0, 0) as usize")
        # The terminal closes: the console gets SIGHUP and dies; its
        # kernel, whose front end it was, must follow.
        console.terminate(force=False)
    finally:
        console.close(force=True)
        console.logfile_read.close()

    shown = ANSI.sub("", transcript.read_text()).replace("\r", "")
    assert "5" in shown.split("add(2, 3)", 1)[1][:200], shown
    assert "42" in shown.split("tinydep::triple(14)", 1)[1][:200], shown
    assert "Memory after this cell" in shown and "owner" in shown, "no memory table"
    assert "mismatched types" in shown
    after_loop = shown.split("loop {}", 1)[1]
    assert "Interrupted" in after_loop and "carried on" in after_loop, shown
    assert re.search(r"Out\[\d+\]: 4", shown), "the variables did not survive the interrupt"
    # What must not reach the terminal:
    assert not re.search(r"^\s*Compiling tinydep v0\.1\.0 \(/", shown, re.MULTILINE), "cargo's own line"
    assert not re.search(r"\d{4}-\d\d-\d\dT[0-9:.]+Z\s+(WARN|ERROR|INFO)", shown), "a log line"
    assert not re.search(r"evcxr_|Evcxr", shown), "a name of evcxr's generated code"

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = {p.pid for p in processes.table().values() if p.name == "memscope" and p.state != "Z"}
        if not left - kernels_before:
            break
        time.sleep(0.1)
    assert not left - kernels_before, "the console's kernel outlived its terminal"
