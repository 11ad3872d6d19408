"""Long compiles show progress in the cell that waits for them.

A `:dep` on a crate that was never built makes cargo compile it; the cell
shows a display naming the crate being compiled, updated by display id, and
a summary replaces it when the cell ends. The crate is made afresh in a
temporary folder, so it is compiled on every run of the test.
"""

from __future__ import annotations

from pathlib import Path

from kernel_harness import CELL_TIMEOUT, msg_type, result_text, run


def make_crate(folder: Path, name: str) -> Path:
    crate = folder / name
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src" / "lib.rs").write_text("pub fn answer() -> u32 { 42 }\n")
    return crate


def test_a_new_dependency_shows_its_compilation_and_then_a_summary(kc, tmp_path: Path) -> None:
    crate = make_crate(tmp_path, "progress_probe")
    reply, msgs = run(
        kc,
        f':dep progress_probe = {{ path = "{crate}" }}\nprogress_probe::answer()',
        timeout=CELL_TIMEOUT * 3,
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    shown = [m for m in msgs if msg_type(m) == "display_data"]
    updates = [m for m in msgs if msg_type(m) == "update_display_data"]
    assert shown, [msg_type(m) for m in msgs]
    first = shown[0]["content"]
    display_id = first["transient"]["display_id"]
    assert first["data"]["text/plain"].startswith("Compiling progress_probe v0.1.0")
    assert updates and all(u["content"]["transient"]["display_id"] == display_id for u in updates)
    summary = updates[-1]["content"]["data"]["text/plain"]
    assert summary.startswith("Compiled ") and summary.endswith("progress_probe"), summary
    assert result_text(msgs) == "42"
    order = [msg_type(m) for m in msgs]
    assert order.index("update_display_data") < order.index("execute_result")

    # Built now: the next cell compiles no dependency and shows no progress.
    reply, msgs = run(kc, "progress_probe::answer() + 1")
    assert [msg_type(m) for m in msgs if "display" in msg_type(m)] == []
