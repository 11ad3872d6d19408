"""The memscope kernel's messaging contract, checked message by message.

Covers: the installed kernelspec; kernel_info on shell and control; busy/idle
around every shell request; the order of messages for an execute request
(busy, execute_input, outputs, reply, idle, all parented to the request);
execution counts, store_history and silent; execute results and persistence
of variables, fns and `use` across cells; compile errors (ename, evalue,
cell:LINE:COL in the traceback, exactly one error message) and panics, with
state surviving both; stop_on_error aborting queued requests; the stdin
round trip of `input()` and its failure without stdin; stdout/stderr streams,
including 100,000 lines delivered complete, in order and batched; the display
API (html, markdown, svg, png, text, display ids and updates, clear_output,
interleaving with stdout); complete and inspect (offsets in code points);
history (tail, range, search with unique and n, requests missing optional
fields); :help and :vars; comm_info, comms to targets nobody serves and the
IOPub welcome (protocol 5.5); unknown message types; and requests
signed with the wrong key (never executed).

One kernel is shared by the module; only the execution-count test starts its
own, because it needs a kernel whose count starts at 1.
"""

from __future__ import annotations

import base64
import fnmatch
import os
import re
import shutil
import socket
import subprocess
import time
from datetime import datetime
from pathlib import Path
from queue import Empty
from typing import Any

import pytest
import zmq
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.session import Session

from kernel_harness import (
    CELL_TIMEOUT,
    DISPLAY_NAME,
    FIRST_CELL_TIMEOUT,
    KERNEL_NAME,
    REPLY_AFTER_IDLE,
    REPLY_TIMEOUT,
    Kernel,
    Msg,
    all_text,
    assert_silence,
    check_schema,
    get_reply,
    iopub_until_idle,
    is_status,
    msg_type,
    of_type,
    outputs,
    parent_id,
    request,
    result_text,
    run,
    rust_bytes,
    rust_str,
    send_request,
    stream_text,
    strip_ansi,
    take_stashed,
    tiny_png,
    wait_for_msg,
)

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'
PNG = tiny_png()


@pytest.fixture(scope="module", autouse=True)
def no_memory_table(kernel: Kernel) -> None:
    """These tests count a cell's outputs exactly, and some cells leave an
    array behind (`png_bytes` is a `Vec<u8>`), after which memscope shows its
    memory table. The table has its own tests (test_memory_table.py), so it
    is switched off for this module's kernel."""
    reply, _ = run(kernel.kc, ":memory off")
    assert reply["content"]["status"] == "ok"


def ok(reply: Msg) -> Msg:
    """Assert that `reply` succeeded; return its content."""
    content = reply["content"]
    assert content["status"] == "ok", f"{msg_type(reply)} failed: {content}"
    return content


def kinds(msgs: list[Msg]) -> list[str]:
    return [msg_type(m) for m in msgs]


def write_marker_code(path: Path) -> str:
    return f'std::fs::write({rust_str(str(path))}, "ran").unwrap();'


@pytest.fixture(scope="module")
def soup(kernel: Kernel) -> str:
    """Defines `alphabet_soup` (an i32) in the module kernel, for complete/inspect/history."""
    ok(run(kernel.kc, "let alphabet_soup = 5;")[0])
    return "alphabet_soup"


# --------------------------------------------------------------------------
# Kernelspec and kernel_info


def test_kernelspec_is_installed_for_this_interpreter() -> None:
    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    assert spec.display_name == DISPLAY_NAME
    assert spec.language.lower() == "rust"
    assert spec.interrupt_mode == "message"
    assert any("{connection_file}" in arg for arg in spec.argv), spec.argv


EXPECTED_LANGUAGE_INFO = {
    "name": "rust",
    "file_extension": ".rs",
    "mimetype": "text/x-rustsrc",
    "pygments_lexer": "rust",
    "codemirror_mode": "rust",
}


@pytest.mark.parametrize("channel", ["shell", "control"])
def test_kernel_info(kc, channel: str) -> None:
    reply = request(kc, "kernel_info_request", {}, channel=channel)
    check_schema(reply)
    assert msg_type(reply) == "kernel_info_reply"
    content = ok(reply)
    assert content["protocol_version"] == "5.5"
    assert reply["header"]["version"] == "5.5"
    # Protocol 5.5 (JEP 92): the debugger protocol (the Variables panel).
    assert content["supported_features"] == ["debugger"] and content["debugger"] is True
    assert content["implementation"]
    assert content["banner"].strip()
    links = content["help_links"]
    assert links and all(link.get("text") and link.get("url") for link in links), links
    info = content["language_info"]
    for key, value in EXPECTED_LANGUAGE_INFO.items():
        assert info.get(key) == value, f"language_info.{key} = {info.get(key)!r}"
    assert re.fullmatch(r"\d+\.\d+\.\d+(-[\w.]+)?", info["version"]), info["version"]


def test_kernel_info_version_is_the_rustc_in_use(kc) -> None:
    rustc = shutil.which("rustc")  # the kernel inherits this PATH
    assert rustc, "no rustc on PATH, but the kernel needs one"
    found = subprocess.run([rustc, "--version"], capture_output=True, text=True, check=True)
    rustc_version = found.stdout.split()[1]  # "rustc 1.95.0 (hash date)"
    info = ok(request(kc, "kernel_info_request"))["language_info"]
    assert info["version"] == rustc_version


# --------------------------------------------------------------------------
# Status and message order


SHELL_REQUESTS = [
    ("kernel_info_request", {}),
    ("complete_request", {"code": "alphabet_so", "cursor_pos": 11}),
    ("inspect_request", {"code": "alphabet_soup", "cursor_pos": 5, "detail_level": 0}),
    ("is_complete_request", {"code": "let x = 1;"}),
    ("history_request", {"hist_access_type": "tail", "n": 1, "raw": True, "output": False}),
    ("comm_info_request", {}),
    ("bogus_request", {}),
]


@pytest.mark.parametrize("kind, content", SHELL_REQUESTS, ids=[k for k, _ in SHELL_REQUESTS])
def test_shell_request_is_wrapped_in_busy_and_idle(kc, soup, kind: str, content: dict) -> None:
    msg_id = send_request(kc, kind, content)
    msgs = iopub_until_idle(kc, msg_id, REPLY_TIMEOUT)
    reply = get_reply(kc, msg_id, REPLY_AFTER_IDLE)
    assert msg_type(reply) == kind.removesuffix("_request") + "_reply"
    assert [(msg_type(m), m["content"].get("execution_state")) for m in msgs] == [
        ("status", "busy"),
        ("status", "idle"),
    ]


_ISO_DATE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?")


def _date(msg: Msg) -> datetime:
    """header.date as an aware datetime.  jupyter_client only parses up to 6
    fractional digits; a kernel may send more (still ISO 8601)."""
    date = msg["header"]["date"]
    if isinstance(date, datetime):
        return date
    match = _ISO_DATE.fullmatch(str(date))
    assert match, f"header.date {date!r} is not an ISO 8601 timestamp"
    base, fraction, zone = match.groups()
    parsed = datetime.fromisoformat(f"{base}.{(fraction or '0')[:6].ljust(6, '0')}")
    if zone:
        offset = "+00:00" if zone == "Z" else zone
        parsed = datetime.fromisoformat(parsed.isoformat() + offset)
    return parsed if parsed.tzinfo else parsed.astimezone()


ORDERING_CASES = [
    pytest.param("1 + 2", "ok", ["execute_result"], id="execute-result"),
    pytest.param('println!("ordered");', "ok", ["stream"], id="stream"),
    pytest.param('display::html("<p>o</p>");', "ok", ["display_data"], id="display"),
    pytest.param("let ordering_quiet = 1;", "ok", [], id="no-output"),
    pytest.param('let x: i32 = "text";', "error", ["error"], id="compile-error"),
]


@pytest.mark.parametrize("code, status, output_kinds", ORDERING_CASES)
def test_execute_message_order(kc, code: str, status: str, output_kinds: list[str]) -> None:
    msg_id = kc.execute(code)
    seen: list[Msg] = []  # every IOPub message, in arrival order, until our idle
    deadline = time.monotonic() + CELL_TIMEOUT
    while not (seen and parent_id(seen[-1]) == msg_id and is_status(seen[-1], "idle")):
        try:
            seen.append(kc.iopub_channel.get_msg(timeout=max(deadline - time.monotonic(), 0)))
        except Empty:
            pytest.fail(f"no idle for the request within {CELL_TIMEOUT} s; got {kinds(seen)}")
    reply = get_reply(kc, msg_id, REPLY_AFTER_IDLE)

    ours = [m for m in seen if parent_id(m) == msg_id]
    strays = [m for m in seen[seen.index(ours[0]) :] if parent_id(m) != msg_id]
    assert not strays, f"messages for other requests in between: {kinds(strays)}"
    assert is_status(ours[0], "busy"), kinds(ours)
    assert msg_type(ours[1]) == "execute_input", kinds(ours)
    assert ours[1]["content"]["code"] == code
    assert is_status(ours[-1], "idle")
    middle = ours[2:-1]
    collapsed = [k for i, k in enumerate(kinds(middle)) if i == 0 or k != kinds(middle)[i - 1]]
    assert collapsed == output_kinds
    assert reply["content"]["status"] == status
    assert ours[1]["content"]["execution_count"] == reply["content"]["execution_count"]
    for msg in (reply, *ours):
        check_schema(msg)
    # The reply is created after every output and before idle.
    assert all(_date(ours[0]) <= _date(m) for m in ours)
    assert max(_date(m) for m in ours[:-1]) <= _date(reply) <= _date(ours[-1])


# --------------------------------------------------------------------------
# Execution count, store_history, silent


def test_execution_count_starts_at_1_and_counts_stored_cells_only(fresh_kernel: Kernel) -> None:
    kc = fresh_kernel.kc

    reply, msgs = run(kc, "1 + 1", timeout=FIRST_CELL_TIMEOUT)
    assert ok(reply)["execution_count"] == 1
    assert of_type(msgs, "execute_input")[0]["content"]["execution_count"] == 1
    assert of_type(msgs, "execute_result")[0]["content"]["execution_count"] == 1

    reply, msgs = run(kc, "2 + 2", store_history=False)
    assert isinstance(ok(reply)["execution_count"], int)
    assert result_text(msgs) == "4"

    reply, msgs = run(kc, 'println!("silent"); 3 + 3', silent=True)
    assert isinstance(ok(reply)["execution_count"], int)
    assert kinds(msgs) == ["status", "status"], "silent must give no execute_input and no outputs"

    reply, msgs = run(kc, "4 + 4")
    assert ok(reply)["execution_count"] == 2
    assert of_type(msgs, "execute_input")[0]["content"]["execution_count"] == 2
    assert of_type(msgs, "execute_result")[0]["content"]["execution_count"] == 2
    assert result_text(msgs) == "8"


def test_silent_cell_runs_but_shows_nothing(kc) -> None:
    reply, msgs = run(
        kc,
        'let silent_side_effect = 40; println!("must not appear"); eprintln!("nor this"); silent_side_effect',
        silent=True,
    )
    assert "execution_count" in ok(reply)
    assert [(msg_type(m), m["content"].get("execution_state")) for m in msgs] == [
        ("status", "busy"),
        ("status", "idle"),
    ]
    reply, msgs = run(kc, "silent_side_effect + 2")
    ok(reply)
    assert result_text(msgs) == "42"


# --------------------------------------------------------------------------
# Results and persistence


EXECUTE_RESULTS = [
    ("1 + 2", "3"),
    ('String::from("a")', '"a"'),
    ('"slice"', '"slice"'),
    ("vec![1, 2, 3]", "[1, 2, 3]"),
    ("Some(5)", "Some(5)"),
    ("(1, true)", "(1, true)"),
    ("'c'", "'c'"),
    ("2.5_f64 * 2.0", "5.0"),
]


@pytest.mark.parametrize("code, text", EXECUTE_RESULTS, ids=[c for c, _ in EXECUTE_RESULTS])
def test_trailing_expression_is_the_execute_result(kc, code: str, text: str) -> None:
    reply, msgs = run(kc, code)
    content = ok(reply)
    assert kinds(outputs(msgs)) == ["execute_result"]
    result = of_type(msgs, "execute_result")[0]["content"]
    assert result["data"]["text/plain"] == text
    assert result["execution_count"] == content["execution_count"]


def test_result_format_commands_still_apply(fresh_kernel: Kernel) -> None:
    """Final values are shown in one compile through a trait the kernel
    imports; evcxr's `:fmt` and `:types` must still change how they look."""
    kc = fresh_kernel.kc
    ok(run(kc, ":fmt {:#?}")[0])
    reply, msgs = run(kc, "vec![1, 2]")
    ok(reply)
    assert result_text(msgs) == "[\n    1,\n    2,\n]"
    ok(run(kc, ":fmt {:?}\n:types")[0])
    reply, msgs = run(kc, "vec![1, 2]")
    ok(reply)
    assert result_text(msgs) == ": Vec<i32> = [1, 2]"
    reply, msgs = run(kc, "np::arange(0, 3, 1)")
    ok(reply)
    assert result_text(msgs) == "[0, 1, 2]", "an NpArray shows its elements through its own method"


def test_completions_do_not_offer_the_display_method(kc) -> None:
    code = "let offered = 5_u8;\noffered."
    reply = request(kc, "complete_request", {"code": code, "cursor_pos": len(code)})
    matches = ok(reply)["matches"]
    assert any(m.startswith("checked_add") for m in matches), matches
    assert not [m for m in matches if m.startswith("evcxr_display")]


def test_statement_has_no_execute_result(kc) -> None:
    reply, msgs = run(kc, "let no_result_here = 1 + 2;")
    ok(reply)
    assert outputs(msgs) == []


def test_variables_fns_and_uses_persist_across_cells(kc) -> None:
    for code in (
        "let persist_base = 20;",
        "fn persist_double(x: i32) -> i32 { x * 2 }",
        "use std::collections::HashMap;",
    ):
        ok(run(kc, code)[0])
    reply, msgs = run(
        kc,
        "let mut persist_map: HashMap<&str, i32> = HashMap::new();\n"
        'persist_map.insert("k", persist_double(persist_base) + 2);\n'
        'persist_map["k"]',
    )
    ok(reply)
    assert result_text(msgs) == "42"


# --------------------------------------------------------------------------
# Errors


COMPILE_ERRORS = [
    pytest.param('let a = 1;\nlet x: i32 = "text";', "mismatched types", 2, 14, id="type-mismatch"),
    pytest.param("let y = undefined_thing;", "cannot find value", 1, 9, id="unknown-name"),
    pytest.param('fn f() -> i32 {\n    "no"\n}', "mismatched types", 2, 5, id="inside-fn"),
    # What follows a statement without its semicolon is said from the cell,
    # not from the code evcxr wraps the cell in (`fn`, `evcxr_variable_store`).
    pytest.param("let q = 1", "expected `;`, found the end of the cell", 1, 10, id="last-semicolon"),
    pytest.param("let q = 1\nloop {}", "expected `;`, found keyword `loop`", 1, 10, id="semicolon-before-loop"),
]


@pytest.mark.parametrize("code, message, line, column", COMPILE_ERRORS)
def test_compile_error(kc, code: str, message: str, line: int, column: int) -> None:
    reply, msgs = run(kc, code)
    content = reply["content"]
    assert content["status"] == "error"
    assert "execution_count" in content
    assert content["ename"] == "CompileError"
    assert message in content["evalue"]
    traceback = content["traceback"]
    assert isinstance(traceback, list) and all(isinstance(t, str) for t in traceback)
    location = re.compile(rf"\bcell:{line}:{column}(?!\d)")
    assert any(location.search(strip_ansi(t)) for t in traceback), (
        f"no cell:{line}:{column} in traceback {traceback}"
    )
    assert kinds(outputs(msgs)) == ["error"], "a compile error must produce nothing but the error"
    shown = "\n".join(traceback)
    assert not re.search(r"evcxr_|Evcxr", shown), f"a name of evcxr's generated code: {shown}"
    assert "warning" not in shown, f"a warning about code the user did not write: {shown}"
    error = of_type(msgs, "error")[0]["content"]
    assert (error["ename"], error["evalue"]) == (content["ename"], content["evalue"])


def test_panic(kc) -> None:
    reply, msgs = run(kc, 'panic!("boom");')
    content = reply["content"]
    assert content["status"] == "error"
    assert "execution_count" in content
    assert content["ename"] == "Panic"
    assert "boom" in content["evalue"]
    errors = of_type(msgs, "error")
    assert len(errors) == 1
    assert errors[0]["content"]["ename"] == "Panic"


FAILING_CELLS = [
    pytest.param('let x: i32 = "text";', "CompileError", id="compile-error"),
    pytest.param('panic!("boom");', "Panic", id="panic"),
    pytest.param("let empty: Vec<i32> = Vec::new(); empty[3]", "Panic", id="index-out-of-bounds"),
]


@pytest.mark.parametrize("failing, ename", FAILING_CELLS)
def test_state_survives_a_failed_cell(kc, failing: str, ename: str) -> None:
    ok(run(kc, "let survivor = 41;\nfn survivor_next(x: i32) -> i32 { x + 1 }")[0])
    reply, _ = run(kc, failing)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == ename
    reply, msgs = run(kc, "survivor_next(survivor)")
    ok(reply)
    assert result_text(msgs) == "42"


STOP_ON_ERROR_CASES = [
    pytest.param('let x: i32 = "text";', True, id="compile-error-aborts-queue"),
    pytest.param('panic!("boom");', True, id="panic-aborts-queue"),
    pytest.param('let x: i32 = "text";', False, id="without-stop-on-error-queue-runs"),
]


@pytest.mark.parametrize("failing, stop_on_error", STOP_ON_ERROR_CASES)
def test_stop_on_error(kc, tmp_path: Path, failing: str, stop_on_error: bool) -> None:
    markers = [tmp_path / f"queued-{i}" for i in range(2)]
    first = kc.execute(failing, stop_on_error=stop_on_error)
    queued = [
        kc.execute(f'{write_marker_code(m)} println!("queued-{i}-ran");') for i, m in enumerate(markers)
    ]
    first_reply = get_reply(kc, first, CELL_TIMEOUT)
    assert first_reply["content"]["status"] == "error"

    # Sent only now, after the error's reply: must run normally either way.
    reply, msgs = run(kc, 'println!("after-the-error");', timeout=3 * CELL_TIMEOUT)
    ok(reply)
    assert stream_text(msgs) == "after-the-error\n"

    queued_replies = [get_reply(kc, q, REPLY_AFTER_IDLE) for q in queued]
    queued_text = [all_text(take_stashed(kc, q)) for q in queued]
    take_stashed(kc, first)
    if stop_on_error:
        assert [r["content"]["status"] for r in queued_replies] == ["aborted", "aborted"]
        assert [m.exists() for m in markers] == [False, False], "an aborted request ran"
        for i, text in enumerate(queued_text):
            assert f"queued-{i}-ran" not in text
    else:
        assert [r["content"]["status"] for r in queued_replies] == ["ok", "ok"]
        assert [m.read_text() for m in markers] == ["ran", "ran"]
        for i, text in enumerate(queued_text):
            assert f"queued-{i}-ran" in text


# --------------------------------------------------------------------------
# stdin


INPUT_CODE = 'let name = input("Name: "); println!("[{}]", name);'

INPUT_CASES = [
    pytest.param("Ferris", "client-input", id="ascii"),
    pytest.param("Ferris", "reply-with-parent", id="ascii-reply-with-parent-header"),
    pytest.param("h\u00e9llo w\u00f6rld \U0001f980", "client-input", id="unicode"),
    pytest.param("", "client-input", id="empty"),
]


@pytest.mark.parametrize("typed, how", INPUT_CASES)
def test_input_round_trip(kc, typed: str, how: str) -> None:
    msg_id = kc.execute(INPUT_CODE, allow_stdin=True)
    prompt = wait_for_msg(kc, "stdin", msg_id, CELL_TIMEOUT)
    assert msg_type(prompt) == "input_request"
    assert prompt["content"]["prompt"] == "Name: "
    assert prompt["content"].get("password") is False
    if how == "client-input":
        kc.input(typed)
    else:  # what JupyterLab does: the reply is parented to the input_request
        kc.stdin_channel.send(kc.session.msg("input_reply", {"value": typed}, parent=prompt["header"]))
    msgs = iopub_until_idle(kc, msg_id, CELL_TIMEOUT)
    ok(get_reply(kc, msg_id, REPLY_AFTER_IDLE))
    assert stream_text(msgs) == f"[{typed}]\n"


def test_input_without_stdin_fails_instead_of_hanging(kc) -> None:
    reply, msgs = run(kc, INPUT_CODE, allow_stdin=False)
    assert reply["content"]["status"] == "error"
    assert "[" not in stream_text(msgs)
    assert_silence(kc, "stdin", parent_id(reply), 0.5)
    reply, msgs = run(kc, "1 + 1")
    ok(reply)
    assert result_text(msgs) == "2"


# --------------------------------------------------------------------------
# Streams


def test_stdout_and_stderr_are_separate_streams(kc) -> None:
    reply, msgs = run(kc, 'println!("out-line"); eprintln!("err-line");')
    ok(reply)
    assert stream_text(msgs, "stdout") == "out-line\n"
    assert stream_text(msgs, "stderr") == "err-line\n"


@pytest.mark.parametrize("name, macro", [("stdout", "println"), ("stderr", "eprintln")])
def test_100k_lines_arrive_complete_in_order_and_batched(kc, name: str, macro: str) -> None:
    n = 100_000
    reply, msgs = run(kc, f'for i in 0..{n} {{ {macro}!("{{i}}"); }}')
    ok(reply)
    streams = of_type(msgs, "stream")
    assert {m["content"]["name"] for m in streams} == {name}
    lines = stream_text(msgs, name).split("\n")
    assert lines[-1] == "", "output must end with a newline"
    expected = [str(i) for i in range(n)]
    if lines[:-1] != expected:
        got = lines[:-1]
        first_bad = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), n))
        pytest.fail(f"got {len(got)} lines, expected {n}; first difference at line {first_bad}")
    assert len(streams) < 2000, f"{len(streams)} stream messages: output is not batched"
    # nothing for this request may come after its idle
    assert_silence(kc, "iopub", parent_id(reply), 0.5)


# --------------------------------------------------------------------------
# Display API


DISPLAY_CASES = [
    pytest.param('display::html("<b>hi</b>");', "text/html", "<b>hi</b>", True, id="html"),
    pytest.param(
        f"display::markdown({rust_str('# Title' + chr(10) + chr(10) + '*emphasis*')});",
        "text/markdown",
        "# Title\n\n*emphasis*",
        False,
        id="markdown",
    ),
    pytest.param(f'display::svg(r#"{SVG}"#);', "image/svg+xml", SVG, False, id="svg"),
    pytest.param(
        f"let png_bytes: Vec<u8> = {rust_bytes(PNG)}; display::png(&png_bytes);",
        "image/png",
        PNG,
        False,
        id="png",
    ),
    pytest.param('display::text("plain words");', "text/plain", "plain words", False, id="text"),
]


@pytest.mark.parametrize("code, mime, expected, needs_plain_fallback", DISPLAY_CASES)
def test_display_function(kc, code: str, mime: str, expected: Any, needs_plain_fallback: bool) -> None:
    reply, msgs = run(kc, code)
    ok(reply)
    outs = outputs(msgs)
    assert kinds(outs) == ["display_data"]
    data = outs[0]["content"]["data"]
    if mime == "image/png":
        assert base64.b64decode("".join(data[mime].split())) == expected
    else:
        assert data[mime] == expected
    if needs_plain_fallback:
        assert isinstance(data.get("text/plain"), str)


def test_a_bundle_without_plain_text_gets_one(kc) -> None:
    """Text front ends (jupyter console, Zed, nbconvert's text exports) show
    only text/plain: a bundle the cell built without it gets one that says
    what the bundle holds."""
    reply, msgs = run(kc, 'display::show(&display::Bundle::new().with("text/html", "<hr>").with("image/svg+xml", r#"<svg/>"#));')
    ok(reply)
    (shown,) = outputs(msgs)
    data = shown["content"]["data"]
    assert data["text/html"] == "<hr>" and data["image/svg+xml"] == "<svg/>"
    assert data["text/plain"] == "[text/html, image/svg+xml output]"


def _display_id(msg: Msg) -> str | None:
    return (msg["content"].get("transient") or {}).get("display_id")


def test_display_with_id_updated_from_a_later_cell(kc) -> None:
    reply, msgs = run(kc, 'display::html_with_id("<i>1</i>", "my-id");')
    ok(reply)
    outs = outputs(msgs)
    assert kinds(outs) == ["display_data"]
    assert outs[0]["content"]["data"]["text/html"] == "<i>1</i>"
    assert _display_id(outs[0]) == "my-id"

    reply, msgs = run(kc, 'display::update_html("<i>2</i>", "my-id");')
    ok(reply)
    outs = outputs(msgs)
    assert kinds(outs) == ["update_display_data"]
    assert outs[0]["content"]["data"]["text/html"] == "<i>2</i>"
    assert _display_id(outs[0]) == "my-id"


def test_display_with_id_and_update_in_one_cell(kc) -> None:
    reply, msgs = run(
        kc,
        'display::html_with_id("<i>a</i>", "same-cell-id");\n'
        'display::update_html("<i>b</i>", "same-cell-id");',
    )
    ok(reply)
    outs = outputs(msgs)
    assert kinds(outs) == ["display_data", "update_display_data"]
    assert [o["content"]["data"]["text/html"] for o in outs] == ["<i>a</i>", "<i>b</i>"]
    assert [_display_id(o) for o in outs] == ["same-cell-id", "same-cell-id"]


@pytest.mark.parametrize("wait", [False, True])
def test_clear_output(kc, wait: bool) -> None:
    reply, msgs = run(kc, f'println!("before clear"); display::clear_output({str(wait).lower()});')
    ok(reply)
    outs = outputs(msgs)
    assert kinds(outs) == ["stream", "clear_output"]
    assert outs[1]["content"]["wait"] is wait


def _merged(msgs: list[Msg]) -> list[tuple[str, str]]:
    """Outputs as (kind, payload), adjacent stream chunks of one stream joined."""
    merged: list[tuple[str, str]] = []
    for m in outputs(msgs):
        if msg_type(m) == "stream":
            kind = "stream:" + m["content"]["name"]
            if merged and merged[-1][0] == kind:
                merged[-1] = (kind, merged[-1][1] + m["content"]["text"])
            else:
                merged.append((kind, m["content"]["text"]))
        else:
            merged.append((msg_type(m), m["content"].get("data", {}).get("text/html", "")))
    return merged


def test_display_calls_interleave_with_stdout(kc) -> None:
    reply, msgs = run(
        kc,
        'println!("before"); display::html("<b>one</b>");\n'
        'println!("middle"); display::html("<b>two</b>");\n'
        'println!("after");',
    )
    ok(reply)
    assert _merged(msgs) == [
        ("stream:stdout", "before\n"),
        ("display_data", "<b>one</b>"),
        ("stream:stdout", "middle\n"),
        ("display_data", "<b>two</b>"),
        ("stream:stdout", "after\n"),
    ]


def test_each_display_call_is_its_own_message(kc) -> None:
    reply, msgs = run(kc, 'for i in 0..5 { display::html(&format!("<p>{i}</p>")); }')
    ok(reply)
    outs = outputs(msgs)
    assert kinds(outs) == ["display_data"] * 5
    assert [o["content"]["data"]["text/html"] for o in outs] == [f"<p>{i}</p>" for i in range(5)]


# --------------------------------------------------------------------------
# Completion and inspection


COMPLETE_CASES = [
    pytest.param("alphabet_so", None, id="ascii"),
    pytest.param('let s = "h\u00e9llo"; alphabet_so', None, id="two-byte-char-before"),
    pytest.param('let s = "\U0001f980\U0001f980"; alphabet_so', None, id="astral-chars-before"),
    pytest.param('alphabet_so; let t = "\U0001f980";', 11, id="cursor-before-end"),
]


@pytest.mark.parametrize("code, cursor", COMPLETE_CASES)
def test_complete(kc, soup: str, code: str, cursor: int | None) -> None:
    cursor = len(code) if cursor is None else cursor  # len() counts code points
    reply = request(kc, "complete_request", {"code": code, "cursor_pos": cursor})
    check_schema(reply)
    content = ok(reply)
    assert soup in content["matches"]
    assert content["cursor_end"] == cursor
    assert content["cursor_start"] == cursor - len("alphabet_so")
    # Each match's kind, for JupyterLab's completer, over the same range.
    types = content["metadata"]["_jupyter_types_experimental"]
    assert [t["text"] for t in types] == content["matches"]
    assert all((t["start"], t["end"]) == (content["cursor_start"], cursor) for t in types), types
    entry = next(t for t in types if t["text"] == soup)
    # rust-analyzer's detail for a variable is its type.
    assert entry == {"text": soup, "type": "instance", "start": content["cursor_start"], "end": cursor, "signature": "i32"}


def test_completions_say_what_each_match_is(kc) -> None:
    content = ok(request(kc, "complete_request", {"code": "np::ara", "cursor_pos": 7}))
    kinds = {t["text"]: t["type"] for t in content["metadata"]["_jupyter_types_experimental"]}
    # rust-analyzer completes a function with its parameters to fill in,
    # and gives its signature.
    assert kinds.get("arange(start, stop, step)") == "function", kinds
    signatures = {t["text"]: t.get("signature") for t in content["metadata"]["_jupyter_types_experimental"]}
    signature = signatures["arange(start, stop, step)"] or ""
    assert "fn arange<T>(start: T, stop: T, step: T) -> NpArray<T>" in signature, signature
    content = ok(request(kc, "complete_request", {"code": "std::coll", "cursor_pos": 9}))
    kinds = {t["text"]: t["type"] for t in content["metadata"]["_jupyter_types_experimental"]}
    assert kinds.get("collections::") == "module", kinds
    content = ok(request(kc, "complete_request", {"code": ":de", "cursor_pos": 3}))
    kinds = {t["text"]: t["type"] for t in content["metadata"]["_jupyter_types_experimental"]}
    assert kinds.get(":dep") == "magic", kinds
    dep = next(t for t in content["metadata"]["_jupyter_types_experimental"] if t["text"] == ":dep")
    assert "dependency" in dep.get("signature", "").lower(), dep


INSPECT_CASES = [
    pytest.param("alphabet_soup", 5, id="cursor-mid-word"),
    pytest.param("alphabet_soup", 13, id="cursor-at-end"),
    pytest.param(
        'let s = "\U0001f980"; alphabet_soup', len('let s = "\U0001f980"; ') + 4, id="astral-char-before"
    ),
]


@pytest.mark.parametrize("code, cursor", INSPECT_CASES)
def test_inspect(kc, soup: str, code: str, cursor: int) -> None:
    reply = request(kc, "inspect_request", {"code": code, "cursor_pos": cursor, "detail_level": 0})
    check_schema(reply)
    content = ok(reply)
    assert content["found"] is True
    assert "i32" in content["data"]["text/plain"]


def test_a_completed_call_is_documented_as_its_function(kc) -> None:
    """JupyterLab's completer fills its documentation panel by inspecting
    the code with the chosen match written in, at its end: after a call
    the completion wrote, that is the function's documentation, not the
    call's value."""
    code = "np::arange(start, stop, step)"
    content = ok(request(kc, "inspect_request", {"code": code, "cursor_pos": len(code), "detail_level": 0}))
    assert content["found"] is True, content
    text = content["data"]["text/plain"]
    assert "pub fn arange<T>(start: T, stop: T, step: T) -> NpArray<T>" in text, text
    assert "Evenly spaced values" in text, text


def test_inspecting_an_unknown_name_finds_nothing(kc) -> None:
    reply = request(kc, "inspect_request", {"code": "zzzq", "cursor_pos": 4, "detail_level": 0})
    check_schema(reply)
    content = ok(reply)
    assert content["found"] is False and content["data"] == {}, content


# --------------------------------------------------------------------------
# History


def history(kc, **content: Any) -> list[list[Any]]:
    reply = request(kc, "history_request", content)
    check_schema(reply)
    return ok(reply)["history"]


def test_history_tail_and_range(kc) -> None:
    codes = [f"let tail_probe_{i} = {i};" for i in range(3)]
    for code in codes:
        ok(run(kc, code)[0])

    entries = history(kc, hist_access_type="tail", n=3, raw=True, output=False)
    assert all(len(e) == 3 for e in entries)
    assert [e[2] for e in entries] == codes
    sessions = {e[0] for e in entries}
    assert len(sessions) == 1
    lines = [e[1] for e in entries]
    assert lines == sorted(set(lines)), f"line numbers not increasing: {lines}"

    last = history(kc, hist_access_type="tail", n=1, raw=True, output=False)
    assert [e[2] for e in last] == codes[-1:]

    ranged = history(
        kc,
        hist_access_type="range",
        session=sessions.pop(),
        start=lines[0],
        stop=lines[-1] + 1,
        raw=True,
        output=False,
    )
    assert [(e[1], e[2]) for e in ranged] == list(zip(lines, codes))


def test_history_with_output(kc) -> None:
    ok(run(kc, "6 * 7")[0])
    (entry,) = history(kc, hist_access_type="tail", n=1, raw=True, output=True)
    assert len(entry[2]) == 2, "with output=True an entry is [session, line, [input, output]]"
    assert entry[2][0] == "6 * 7"


SEARCH_CODE = "let search_probe = 11;"
SEARCH_PATTERN = "let search_pro*"

SEARCH_CASES = [
    pytest.param({}, id="all-matches"),
    pytest.param({"unique": True}, id="unique"),
    pytest.param({"n": 1}, id="n"),
]


@pytest.mark.parametrize("extra", SEARCH_CASES)
def test_history_search(kc, extra: dict) -> None:
    for _ in range(2):
        ok(run(kc, SEARCH_CODE)[0])
    codes = [
        e[2]
        for e in history(
            kc, hist_access_type="search", pattern=SEARCH_PATTERN, raw=True, output=False, **extra
        )
    ]
    assert all(fnmatch.fnmatchcase(c, SEARCH_PATTERN) for c in codes), codes
    if extra.get("unique"):
        assert codes.count(SEARCH_CODE) == 1 and len(codes) == len(set(codes)), codes
    elif "n" in extra:
        assert codes == [SEARCH_CODE]
    else:
        assert codes.count(SEARCH_CODE) >= 2, codes


def test_history_search_without_match_is_empty(kc) -> None:
    assert history(kc, hist_access_type="search", pattern="no such cell zq*", raw=True, output=False) == []


MINIMAL_HISTORY_REQUESTS = [
    pytest.param(None, id="client-default-range"),
    pytest.param(
        {"hist_access_type": "range", "raw": True, "output": False}, id="range-no-session-start-stop"
    ),
    pytest.param({"hist_access_type": "tail", "raw": True, "output": False}, id="tail-no-n"),
    pytest.param(
        {"hist_access_type": "search", "pattern": "*", "raw": True, "output": False},
        id="search-no-n-no-unique",
    ),
]


@pytest.mark.parametrize("content", MINIMAL_HISTORY_REQUESTS)
def test_history_request_missing_optional_fields(kc, content: dict | None) -> None:
    if content is None:
        msg_id = kc.history(hist_access_type="range")  # sets session and start, no stop
    else:
        msg_id = send_request(kc, "history_request", content)
    reply = get_reply(kc, msg_id, REPLY_TIMEOUT)
    check_schema(reply)
    assert isinstance(ok(reply)["history"], list)


# --------------------------------------------------------------------------
# Magics, comms, unknown and forged messages


def test_help_is_one_pager_payload(kc) -> None:
    reply, _ = run(kc, ":help")
    payload = ok(reply)["payload"]
    assert len(payload) == 1
    assert payload[0]["source"] == "page"
    text = payload[0]["data"]["text/plain"]
    assert isinstance(text, str) and text.strip()


def test_vars_lists_defined_variables(kc) -> None:
    ok(run(kc, "let vars_probe_value: u64 = 123;")[0])
    reply, msgs = run(kc, ":vars")
    ok(reply)
    assert "vars_probe_value" in all_text(msgs)


@pytest.mark.parametrize("content", [{}, {"target_name": "jupyter.widget"}], ids=["all", "by-target"])
def test_comm_info_has_no_comms(kc, content: dict) -> None:
    reply = request(kc, "comm_info_request", content)
    check_schema(reply)
    assert ok(reply)["comms"] == {}


def test_usage_counts_the_kernel_and_its_cell_process(kernel: Kernel, kc) -> None:
    """usage_request on control (the Kernel Usage panel's), answered as
    ipykernel answers it; memory a cell holds is counted, since the cell
    runs in a process under the kernel."""

    def usage() -> dict[str, Any]:
        reply = request(kc, "usage_request", {}, channel="control")
        assert msg_type(reply) == "usage_reply"
        return reply["content"]

    before = usage()
    assert before["hostname"] == socket.gethostname()
    assert before["pid"] == kernel.km.provisioner.process.pid
    assert before["cpu_count"] == os.cpu_count()
    memory = before["host_virtual_memory"]
    assert 0 < memory["available"] <= memory["total"], memory
    assert before["kernel_memory"] > 0 and before["kernel_cpu"] >= 0
    # The panel hides a host share it is not given: the first request
    # gives it too (since boot if it is the kernel's first).
    assert 0 <= before["host_cpu_percent"] <= 100, before
    ok(run(kc, "let usage_ballast = vec![1_u8; 300_000_000];")[0])
    after = usage()
    grown = after["kernel_memory"] - before["kernel_memory"]
    assert grown > 250_000_000, (before["kernel_memory"], after["kernel_memory"])
    assert 0 <= after["host_cpu_percent"] <= 100, after
    ok(run(kc, "drop(usage_ballast);")[0])


TIMING_LINE = re.compile(
    r"^Timing: compile (?P<compile>[\d.]+ m?s) \(rustc(?P<included>, linking included)?(?:; (?P<compiles>\d+) compiles)?\), "
    r"(?:link (?P<link>[\d.]+ m?s), )?"
    r"run (?P<run>[\d.]+ m?s), memory table (?P<table>[\d.]+ m?s), evcxr (?P<evcxr>[\d.]+ m?s); "
    r"total (?P<total>[\d.]+ m?s)$"
)


def _seconds(text: str) -> float:
    number, unit = text.split()
    return float(number) / (1000 if unit == "ms" else 1)


def test_timing_ends_each_cell_with_where_its_time_went(kc) -> None:
    """With `:timing` on, a cell's last output is one line that splits its
    time into compiling, linking, running, the memory table and evcxr's
    own work, adding up to the total, which is no more than the client
    waited.
    (This module's kernel shows no memory table but here.)"""
    ok(run(kc, ":memory on")[0])
    ok(run(kc, ":timing")[0])
    try:
        # A cell no cache has seen, so that rustc compiles and links it.
        fresh = time.time_ns()
        began = time.monotonic()
        reply, msgs = run(
            kc,
            f"let timed_base = np::arange(0, 6, 1);\nlet timed_view = timed_base.slice(s![1..4]);\nlet timed_tag = {fresh}_u64;",
        )
        waited = time.monotonic() - began
        ok(reply)
        shown = outputs(msgs)
        last = shown[-1]["content"]["data"]["text/plain"]
        match = TIMING_LINE.match(last)
        assert match, f"the last output is the timing line: {last!r}"
        assert any("timed_view" in m["content"].get("data", {}).get("text/plain", "") for m in shown[:-1]), (
            "the memory table comes before it"
        )
        assert match["link"] and not match["included"], f"linking is timed on its own: {last}"
        parts = [_seconds(match[name]) for name in ("compile", "link", "run", "table", "evcxr")]
        total = _seconds(match["total"])
        assert _seconds(match["compile"]) > 0 and _seconds(match["link"]) > 0, last
        assert abs(sum(parts) - total) <= max(0.002, 0.02 * total), f"the parts add up: {last}"
        assert total <= waited, f"{last}, but the client waited {waited:.3f} s"
    finally:
        ok(run(kc, ":timing")[0])
        ok(run(kc, ":memory off")[0])
    _, msgs = run(kc, "let untimed = 1;")
    assert not any(TIMING_LINE.match(m["content"].get("data", {}).get("text/plain", "")) for m in outputs(msgs))


def test_a_comm_to_a_target_nobody_serves_is_closed(kc) -> None:
    """comm_open to a target the kernel does not serve gets a comm_close
    back on IOPub, so the front end does not wait on a comm that will never
    open; messages to comms nobody holds are ignored without an error."""
    msg_id = send_request(kc, "comm_open", {"comm_id": "c-unknown", "target_name": "jupyter.widget", "data": {}})
    msgs = iopub_until_idle(kc, msg_id, REPLY_TIMEOUT)
    assert kinds(msgs) == ["status", "comm_close", "status"], kinds(msgs)
    assert msgs[1]["content"]["comm_id"] == "c-unknown"
    for kind in ("comm_msg", "comm_close"):
        msg_id = send_request(kc, kind, {"comm_id": "c-nobody", "data": {}})
        msgs = iopub_until_idle(kc, msg_id, REPLY_TIMEOUT)
        assert kinds(msgs) == ["status", "status"], (kind, kinds(msgs))
    ok(run(kc, "1 + 1")[0])


@pytest.mark.parametrize("topic", ["", "sta"], ids=["everything", "a-topic"])
def test_iopub_welcomes_each_new_subscriber(kc, topic: str) -> None:
    """Protocol 5.5 (JEP 65): IOPub is an XPUB socket, and a new subscriber
    gets an `iopub_welcome` for its subscription, signed like any message,
    so it knows it is subscribed without polling kernel_info."""
    # A session of its own: the welcome reaches every subscriber whose topic
    # it matches, the module's client too, and a session refuses a
    # signature it has seen.
    session = Session(key=kc.session.key, signature_scheme=kc.session.signature_scheme)
    context = zmq.Context.instance()
    socket = context.socket(zmq.SUB)
    socket.setsockopt(zmq.LINGER, 0)
    try:
        socket.connect(f"{kc.transport}://{kc.ip}:{kc.iopub_port}")
        socket.setsockopt(zmq.SUBSCRIBE, topic.encode())
        deadline = time.monotonic() + REPLY_TIMEOUT
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, "no iopub_welcome"
            assert socket.poll(int(remaining * 1000)), "no iopub_welcome"
            frames = socket.recv_multipart()
            identities, rest = session.feed_identities(frames)
            message = session.deserialize(rest)  # checks the signature
            if message["header"]["msg_type"] == "iopub_welcome":
                break
        assert message["content"] == {"subscription": topic}
        assert message["parent_header"] == {}
        assert message["header"]["version"] == "5.5"
        assert identities == ([topic.encode()] if topic else [])
    finally:
        socket.close()


@pytest.mark.parametrize("kind", ["bogus_request", "memscope_frobnicate_request"])
def test_unknown_message_type_gets_an_error_reply(kc, kind: str) -> None:
    msg_id = send_request(kc, kind, {})
    msgs = iopub_until_idle(kc, msg_id, REPLY_TIMEOUT)
    reply = get_reply(kc, msg_id, REPLY_AFTER_IDLE)
    assert msg_type(reply) == kind.removesuffix("_request") + "_reply"
    assert reply["content"]["status"] == "error"
    assert is_status(msgs[0], "busy") and is_status(msgs[-1], "idle")
    reply, msgs = run(kc, "1 + 1")
    ok(reply)
    assert result_text(msgs) == "2"


@pytest.mark.parametrize("key", [b"wrong-key", b""], ids=["wrong-key", "unsigned"])
def test_badly_signed_request_is_never_executed(kc, tmp_path: Path, key: bytes) -> None:
    forged_marker = tmp_path / "forged-ran"
    signed_marker = tmp_path / "signed-ran"
    forger = Session(key=key, signature_scheme=kc.session.signature_scheme)
    forged = forger.msg(
        "execute_request",
        {
            "code": write_marker_code(forged_marker),
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
    )
    forger.send(kc.shell_channel.socket, forged)
    forged_id = forged["header"]["msg_id"]

    assert_silence(kc, "shell", forged_id, 5.0)

    # A properly signed cell still works, and proves the marker code itself works.
    reply, msgs = run(kc, write_marker_code(signed_marker))
    ok(reply)
    assert signed_marker.read_text() == "ran"
    # Requests are handled in order: had the forged one run, it would be done by now.
    assert not forged_marker.exists(), "a request signed with the wrong key was executed"
    assert take_stashed(kc, forged_id) == [], "the kernel published messages for the forged request"
