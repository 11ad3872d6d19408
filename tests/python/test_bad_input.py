"""Bad input over real sockets: malformed multipart messages on every
channel, then proof that the kernel still works.

The decoder itself meets 120,000 generated messages in
kernel/memscope-protocol/tests/decoder_fuzz.rs; here a sample of the same
kinds (3,000, with a fixed seed) goes through ZeroMQ to the running kernel:
no delimiter, too few frames, garbage, wrong and missing signatures, another
HMAC scheme, invalid JSON, JSON of the wrong shape, unknown types, headers
naming other sessions, and one frame over the 64 MiB limit. A correctly
signed request whose content is wrong still gets its reply: an error, inside
busy and idle on IOPub.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
import uuid

import zmq

from kernel_harness import Kernel, result_text, run

SAMPLE = 3000
MAX_FRAME_BYTES = 64 * 1024 * 1024


def header(msg_type: str, session: str = "fuzz-session") -> bytes:
    return json.dumps(
        {
            "msg_id": uuid.uuid4().hex,
            "username": "fuzz",
            "session": session,
            "date": "2026-11-26T00:00:00Z",
            "msg_type": msg_type,
            "version": "5.3",
        }
    ).encode()


def signed(key: bytes, parts: list[bytes], digest=hashlib.sha256) -> bytes:
    mac = hmac.new(key, digestmod=digest)
    for part in parts:
        mac.update(part)
    return mac.hexdigest().encode()


def malformed(rng: random.Random, key: bytes) -> list[bytes]:
    """One multipart message, most likely broken in one or more ways."""
    kind = rng.choice(TYPES)
    head = rng.choice(
        [
            header(kind),
            header(kind, session="someone-else"),
            b'{"msg_id": 5, "msg_type": ["execute_request"]}',
            b"[1, 2, 3]",
            rng.randbytes(rng.randrange(0, 64)),
            b'{"msg_id": "x", "msg_type": "execute_req',
        ]
    )
    content = rng.choice(
        [b"{}", b'{"code": 5}', b'{"code": "x", "cursor_pos": "nine"}', b"null", rng.randbytes(50)]
    )
    parent, metadata = rng.choice([(b"{}", b"{}"), (rng.randbytes(10), b"[]")])
    parts = [head, parent, metadata, content]
    signature = rng.choice(
        [
            signed(key, parts),
            b"",
            signed(key, parts, hashlib.sha512),
            b"not hex",
            signed(b"another-key", parts),
        ]
    )
    frames = [rng.randbytes(rng.randrange(1, 16)) for _ in range(rng.randrange(0, 3))]
    frames.append(rng.choice([b"<IDS|MSG>", b"<IDS|MSG>", b"<IDS|MSG", b""]))
    frames.extend([signature, *parts][: rng.choice([5, 5, 5, 3, 1, 0])])
    return [frame for frame in frames if frame is not None] or [b"x"]


def envelope(frames: list[bytes]) -> tuple[dict, dict]:
    """The header and the parent header of a message as the kernel sent it."""
    split = frames.index(b"<IDS|MSG>")
    return json.loads(frames[split + 2]), json.loads(frames[split + 3])


def wait_until_subscribed(shell: zmq.Socket, iopub: zmq.Socket, key: bytes, timeout: float = 30) -> None:
    """Returns once the subscription of `iopub` has reached the kernel.

    A SUB socket misses what is published before its subscription arrives
    (ZeroMQ's slow joiner), and nothing tells when it has arrived. So, as
    jupyter_client does, this asks for kernel_info until the status
    broadcast of one of those requests comes through. Then it reads the reply
    to every one of them, so that the next reply on `shell` answers the
    caller's request.
    """
    asked: set[str] = set()
    subscribed = False
    deadline = time.monotonic() + timeout
    while not subscribed:
        assert time.monotonic() < deadline, "IOPub delivered no status for any kernel_info request"
        head = header("kernel_info_request")
        parts = [head, b"{}", b"{}", b"{}"]
        shell.send_multipart([b"<IDS|MSG>", signed(key, parts), *parts])
        asked.add(json.loads(head)["msg_id"])
        # A status for an earlier request may arrive while a later one is on
        # its way, so any of them will do.
        if iopub.poll(200):
            while iopub.poll(0):
                kind, parent = envelope(iopub.recv_multipart())
                subscribed |= kind["msg_type"] == "status" and parent.get("msg_id") in asked
    answered: set[str] = set()
    while answered != asked:
        assert shell.poll(10_000), f"no kernel_info_reply to {sorted(asked - answered)}"
        kind, parent = envelope(shell.recv_multipart())
        assert kind["msg_type"] == "kernel_info_reply", kind
        answered.add(parent["msg_id"])


TYPES = [
    "execute_request",
    "kernel_info_request",
    "complete_request",
    "inspect_request",
    "is_complete_request",
    "history_request",
    "comm_info_request",
    "no_such_request",
    "",
]


def test_malformed_messages_on_every_channel_leave_the_kernel_working(kernel: Kernel) -> None:
    info = kernel.km.get_connection_info()
    key = info["key"] if isinstance(info["key"], bytes) else info["key"].encode()
    address = f"{info['transport']}://{info['ip']}"
    context = zmq.Context.instance()
    sockets = {}
    for channel in ("shell", "control", "stdin"):
        socket = context.socket(zmq.DEALER)
        socket.setsockopt(zmq.LINGER, 0)
        socket.connect(f"{address}:{info[channel + '_port']}")
        sockets[channel] = socket
    try:
        rng = random.Random(20261126)
        names = list(sockets)
        for i in range(SAMPLE):
            sockets[names[i % len(names)]].send_multipart(malformed(rng, key))
        # One frame over the limit, on shell.
        sockets["shell"].send_multipart([b"<IDS|MSG>", b"", b"{}", b"{}", b"{}", b"{" * (MAX_FRAME_BYTES + 1)])
        # Whatever replies were due come back to our sockets; read them so the
        # kernel is not left holding them.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if not any(socket.poll(200) for socket in sockets.values()):
                break
            for socket in sockets.values():
                while socket.poll(0):
                    socket.recv_multipart()
        # The shell answers in order: once it has answered this, every
        # request of the fuzz is done (a fuzzed execute_request that fails
        # would otherwise abort the next cell, as stop_on_error says).
        barrier = header("kernel_info_request")
        parts = [barrier, b"{}", b"{}", b"{}"]
        sockets["shell"].send_multipart([b"<IDS|MSG>", signed(key, parts), *parts])
        barrier_id = json.loads(barrier)["msg_id"]
        deadline = time.monotonic() + 120
        while True:
            assert time.monotonic() < deadline, "the shell never answered after the fuzz"
            if sockets["shell"].poll(1000):
                frames = sockets["shell"].recv_multipart()
                if b"<IDS|MSG>" in frames and envelope(frames)[1].get("msg_id") == barrier_id:
                    break
        # The kernel is still here and still right.
        assert kernel.km.is_alive()
        reply, msgs = run(kernel.kc, "let survived = 20 + 22;\nsurvived")
        assert reply["content"]["status"] == "ok", reply["content"]
        assert result_text(msgs) == "42"
    finally:
        for socket in sockets.values():
            socket.close()


def test_a_signed_request_with_wrong_content_gets_an_error_reply_inside_busy_and_idle(kernel: Kernel) -> None:
    info = kernel.km.get_connection_info()
    key = info["key"] if isinstance(info["key"], bytes) else info["key"].encode()
    address = f"{info['transport']}://{info['ip']}"
    context = zmq.Context.instance()
    shell = context.socket(zmq.DEALER)
    iopub = context.socket(zmq.SUB)
    for socket in (shell, iopub):
        socket.setsockopt(zmq.LINGER, 0)
    iopub.setsockopt(zmq.SUBSCRIBE, b"")
    shell.connect(f"{address}:{info['shell_port']}")
    iopub.connect(f"{address}:{info['iopub_port']}")
    try:
        wait_until_subscribed(shell, iopub, key)
        for content in (b'{"code": 5}', b"this is not json", b"[]"):
            head = header("execute_request")
            msg_id = json.loads(head)["msg_id"]
            parts = [head, b"{}", b"{}", content]
            shell.send_multipart([b"<IDS|MSG>", signed(key, parts), *parts])
            assert shell.poll(10_000), f"no reply to a signed request with content {content!r}"
            frames = shell.recv_multipart()
            reply_header = json.loads(frames[frames.index(b"<IDS|MSG>") + 2])
            reply_content = json.loads(frames[frames.index(b"<IDS|MSG>") + 5])
            assert reply_header["msg_type"] == "execute_reply"
            assert reply_content["status"] == "error", reply_content
            # busy, then idle, for this request on IOPub.
            states = []
            deadline = time.monotonic() + 10
            while "idle" not in states and time.monotonic() < deadline:
                if not iopub.poll(500):
                    continue
                frames = iopub.recv_multipart()
                split = frames.index(b"<IDS|MSG>")
                parent = json.loads(frames[split + 3])
                if parent.get("msg_id") == msg_id and json.loads(frames[split + 2])["msg_type"] == "status":
                    states.append(json.loads(frames[split + 5])["execution_state"])
            assert states == ["busy", "idle"], states
    finally:
        shell.close()
        iopub.close()
