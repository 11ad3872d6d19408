"""Helpers shared by the memscope end-to-end tests.

Covers starting and stopping a `memscope` kernel through jupyter_client's
KernelManager, sending requests, and collecting replies and IOPub messages by
parent msg_id without ever sleeping: every wait is a blocking read on a
channel with a deadline.  Messages that belong to a different request are
kept aside ("stashed") so that a later wait for that request still finds them.

The fixtures built on these helpers live in conftest.py; test modules import
the helpers directly (``from kernel_harness import run, ...``).
"""

from __future__ import annotations

import os
import re
import struct
import time
import zlib
from dataclasses import dataclass
from queue import Empty
from typing import Any, Callable

from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.kernelspec import NoSuchKernel
from jupyter_client.manager import KernelManager
from jupyter_kernel_test.msgspec_v5 import (
    reply_msgs_using_status,
    schema_fragments,
    validate_message,
)

Msg = dict[str, Any]

KERNEL_NAME = "memscope"
DISPLAY_NAME = "Rust (memscope)"

# Seconds.  The kernel compiles Rust: the first cell may take ~30 s, later
# ones 1-3 s.  These are upper bounds for failure detection, not expectations.
STARTUP_TIMEOUT = 60.0  # until kernel_info is answered
FIRST_CELL_TIMEOUT = 180.0  # first cell of a fresh kernel (cold compile)
CELL_TIMEOUT = 60.0  # any later cell
REPLY_TIMEOUT = 60.0  # non-execute requests (complete/inspect may hit rust-analyzer)
REPLY_AFTER_IDLE = 10.0  # the execute_reply is sent before idle, so it is already there
TEST_TIMEOUT = 300  # pytest-timeout per test, including fixture set-up
QUIET = 0.1  # a drain ends once a channel has been silent this long
IOPUB_RETRY = 0.25  # start_kernel_at_once asks again after this long without IOPub news

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")

# input_request is left out of schema validation: the bundled schema types
# `password` as a number while the protocol (and every kernel) sends a bool.
_SCHEMA_SKIP = {"input_request"}


@dataclass
class Kernel:
    """A running kernel: its manager and a started blocking client."""

    km: KernelManager
    kc: BlockingKernelClient

    def run(self, code: str, **kwargs: Any) -> tuple[Msg, list[Msg]]:
        return run(self.kc, code, **kwargs)


# --------------------------------------------------------------------------
# Starting and stopping


def _launch(env: dict[str, str] | None = None) -> Kernel:
    """Start a memscope kernel process and a client (channels not started),
    with `env` (variable: value) added to the kernel's environment."""
    km = KernelManager(kernel_name=KERNEL_NAME)
    try:
        if env:
            km.start_kernel(env={**os.environ, **env})
        else:
            km.start_kernel()
    except NoSuchKernel as exc:
        raise RuntimeError(
            f"kernelspec {KERNEL_NAME!r} not found; it must be installed into this "
            f"interpreter's prefix (the tests run under the venv's python)"
        ) from exc
    return Kernel(km, km.client())


def start_kernel(warm_up: bool = True) -> Kernel:
    """Start a memscope kernel and wait until it answers kernel_info.

    With ``warm_up`` a first cell (``1 + 1``) is executed with the long
    first-cell timeout, so later cells in the tests can use CELL_TIMEOUT.
    """
    kernel = _launch()
    kc = kernel.kc
    try:
        kc.start_channels()
        kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
        drain(kc)
        if warm_up:
            warm(kernel)
    except BaseException:
        stop_kernel(kernel)
        raise
    return kernel


def start_kernel_at_once(env: dict[str, str] | None = None) -> Kernel:
    """Start a memscope kernel and return the moment it has answered a
    kernel_info request on shell whose status messages also reached us on
    IOPub, so that none of its IOPub messages is lost from then on.

    Unlike start_kernel, nothing else is waited for: no drain, no warm-up
    (for tests of what the kernel does while it is still setting up its
    session). A kernel_info whose status never arrives (ZeroMQ's slow
    joiner: the subscription was not in place yet) is sent again.
    """
    kernel = _launch(env)
    kc = kernel.kc
    try:
        kc.start_channels()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        sent: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"IOPub carried nothing for kernel_info within {STARTUP_TIMEOUT} s")
            msg_id = kc.kernel_info()
            sent.append(msg_id)
            get_reply(kc, msg_id, remaining)
            try:
                # The reply comes before idle: once IOPub is subscribed, its
                # busy and idle are on the way already.
                wait_for_msg(kc, "iopub", msg_id, IOPUB_RETRY)
                return kernel
            except TimeoutError:
                if any(take_stashed(kc, earlier) for earlier in sent):
                    return kernel
    except BaseException:
        stop_kernel(kernel)
        raise


def warm(kernel: Kernel) -> None:
    """Execute the first cell of a fresh kernel and check that it worked."""
    reply, msgs = run(kernel.kc, "1 + 1", timeout=FIRST_CELL_TIMEOUT)
    assert reply["content"]["status"] == "ok", f"warm-up cell failed: {reply['content']}"
    assert result_text(msgs) == "2"


def stop_kernel(kernel: Kernel) -> None:
    """Stop the client's channels and shut the kernel down (kill as a last resort)."""
    try:
        kernel.kc.stop_channels()
    finally:
        if kernel.km.has_kernel:
            kernel.km.shutdown_kernel(now=False)


# --------------------------------------------------------------------------
# Reading channels


def parent_id(msg: Msg) -> str | None:
    return (msg.get("parent_header") or {}).get("msg_id")


def msg_type(msg: Msg) -> str:
    return msg["header"]["msg_type"]


def _channel(kc: BlockingKernelClient, name: str) -> Any:
    return {
        "shell": kc.shell_channel,
        "iopub": kc.iopub_channel,
        "stdin": kc.stdin_channel,
        "control": kc.control_channel,
    }[name]


def _stash(kc: BlockingKernelClient, channel: str) -> dict[str | None, list[Msg]]:
    stashes = kc.__dict__.setdefault("_memscope_stash", {})
    return stashes.setdefault(channel, {})


def drain(kc: BlockingKernelClient, channels: tuple[str, ...] = ("shell", "iopub")) -> list[Msg]:
    """Read and drop whatever is pending on `channels` (and forget stashed messages)."""
    dropped: list[Msg] = []
    for name in channels:
        _stash(kc, name).clear()
        chan = _channel(kc, name)
        while True:
            try:
                dropped.append(chan.get_msg(timeout=QUIET))
            except Empty:
                break
    return dropped


def wait_for_msg(
    kc: BlockingKernelClient,
    channel: str,
    msg_id: str,
    timeout: float,
    predicate: Callable[[Msg], bool] | None = None,
) -> Msg:
    """First message on `channel` whose parent is `msg_id` (and matches `predicate`).

    Messages read on the way that do not match are stashed, in order, so a later
    call (or iopub_until_idle) still sees them.  Raises TimeoutError.
    """
    stash = _stash(kc, channel)
    pending = stash.get(msg_id, [])
    for i, msg in enumerate(pending):
        if predicate is None or predicate(msg):
            return pending.pop(i)
    deadline = time.monotonic() + timeout
    chan = _channel(kc, channel)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no matching {channel} message for request {msg_id} within {timeout} s")
        try:
            msg = chan.get_msg(timeout=remaining)
        except Empty:
            continue
        if parent_id(msg) == msg_id and (predicate is None or predicate(msg)):
            return msg
        stash.setdefault(parent_id(msg), []).append(msg)


def get_reply(
    kc: BlockingKernelClient, msg_id: str, timeout: float = REPLY_TIMEOUT, channel: str = "shell"
) -> Msg:
    """The reply to request `msg_id` on `channel` (shell or control)."""
    return wait_for_msg(kc, channel, msg_id, timeout)


def is_status(msg: Msg, state: str) -> bool:
    return msg_type(msg) == "status" and msg["content"].get("execution_state") == state


def iopub_until_idle(kc: BlockingKernelClient, msg_id: str, timeout: float) -> list[Msg]:
    """All IOPub messages whose parent is `msg_id`, in arrival order, up to and
    including the `idle` status for it.  Raises TimeoutError if idle never comes."""
    stash = _stash(kc, "iopub")
    collected = stash.pop(msg_id, [])
    for i, msg in enumerate(collected):
        if is_status(msg, "idle"):
            if collected[i + 1 :]:
                stash[msg_id] = collected[i + 1 :]
            return collected[: i + 1]
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            kinds = [msg_type(m) for m in collected]
            raise TimeoutError(f"no idle status for request {msg_id} within {timeout} s; got {kinds}")
        try:
            msg = kc.iopub_channel.get_msg(timeout=remaining)
        except Empty:
            continue
        if parent_id(msg) == msg_id:
            collected.append(msg)
            if is_status(msg, "idle"):
                return collected
        else:
            stash.setdefault(parent_id(msg), []).append(msg)


def take_stashed(kc: BlockingKernelClient, msg_id: str, channel: str = "iopub") -> list[Msg]:
    """Messages for `msg_id` that were read while waiting for something else."""
    return _stash(kc, channel).pop(msg_id, [])


def assert_silence(kc: BlockingKernelClient, channel: str, msg_id: str, seconds: float) -> None:
    """Fail if any message for `msg_id` shows up on `channel` within `seconds`."""
    try:
        msg = wait_for_msg(kc, channel, msg_id, seconds)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected {channel} message for {msg_id}: {msg_type(msg)} {msg['content']}")


# --------------------------------------------------------------------------
# Sending requests


def send_request(
    kc: BlockingKernelClient, kind: str, content: dict[str, Any] | None = None, channel: str = "shell"
) -> str:
    """Build a message of type `kind` with exactly `content` and send it; return its msg_id."""
    msg = kc.session.msg(kind, content or {})
    kc.session.send(_channel(kc, channel).socket, msg)
    return msg["header"]["msg_id"]


def request(
    kc: BlockingKernelClient,
    kind: str,
    content: dict[str, Any] | None = None,
    channel: str = "shell",
    timeout: float = REPLY_TIMEOUT,
) -> Msg:
    """send_request and wait for its reply (busy/idle on IOPub are left to
    test_protocol's dedicated test; a later drain or wait stashes them)."""
    msg_id = send_request(kc, kind, content, channel)
    return get_reply(kc, msg_id, timeout, channel)


def check_schema(msg: Msg) -> None:
    """Validate `msg` against jupyter_kernel_test's v5 schemas where one exists."""
    kind = msg_type(msg)
    if kind in _SCHEMA_SKIP:
        return
    if kind in reply_msgs_using_status:
        if msg["content"].get("status") not in ("ok", "error", "abort"):
            return  # e.g. "aborted": checked by the tests themselves
    elif kind not in schema_fragments:
        return
    validate_message(msg, kind)


def run(
    kc: BlockingKernelClient,
    code: str,
    timeout: float = CELL_TIMEOUT,
    validate: bool = True,
    **execute_kwargs: Any,
) -> tuple[Msg, list[Msg]]:
    """Execute `code`; return (execute_reply, IOPub messages for it up to idle).

    IOPub is read first (so a chatty cell cannot overflow the socket queue while
    we block elsewhere), then the reply, which the kernel sends before idle.
    With `validate`, every message is checked against the v5 schemas.
    """
    msg_id = kc.execute(code, **execute_kwargs)
    msgs = iopub_until_idle(kc, msg_id, timeout)
    reply = get_reply(kc, msg_id, REPLY_AFTER_IDLE)
    if validate:
        for msg in (reply, *msgs):
            check_schema(msg)
    return reply, msgs


# --------------------------------------------------------------------------
# Looking at outputs


def outputs(msgs: list[Msg]) -> list[Msg]:
    """IOPub messages that are outputs (everything but status and execute_input)."""
    return [m for m in msgs if msg_type(m) not in ("status", "execute_input")]


def of_type(msgs: list[Msg], *kinds: str) -> list[Msg]:
    return [m for m in msgs if msg_type(m) in kinds]


def stream_text(msgs: list[Msg], name: str = "stdout") -> str:
    return "".join(
        m["content"]["text"] for m in msgs if msg_type(m) == "stream" and m["content"]["name"] == name
    )


def result_text(msgs: list[Msg]) -> str:
    """text/plain of the one execute_result among `msgs`."""
    results = of_type(msgs, "execute_result")
    assert len(results) == 1, f"expected one execute_result, got {[msg_type(m) for m in msgs]}"
    return results[0]["content"]["data"]["text/plain"]


def all_text(msgs: list[Msg]) -> str:
    """Every piece of text a person would see in the outputs of `msgs`."""
    parts: list[str] = []
    for m in outputs(msgs):
        content = m["content"]
        if "text" in content:
            parts.append(content["text"])
        for mime in ("text/plain", "text/markdown", "text/html"):
            value = content.get("data", {}).get(mime)
            if isinstance(value, str):
                parts.append(value)
        if msg_type(m) == "error":
            parts.extend(content.get("traceback", []))
    return strip_ansi("\n".join(parts))


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def rust_str(text: str) -> str:
    """`text` as a Rust string literal."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def tiny_png() -> bytes:
    """A valid 1x1 RGB PNG."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x00")  # filter byte + one RGB pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def rust_bytes(data: bytes) -> str:
    """`data` as a Rust `vec![...]` of u8."""
    return "vec![" + ", ".join(str(b) for b in data) + "]"
