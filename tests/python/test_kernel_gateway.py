"""memscope behind Jupyter Kernel Gateway (PyPI `jupyter_kernel_gateway`).

Covers: a gateway on loopback that requires a token (refused without it)
lists the memscope kernelspec; nbclient runs a notebook through it with
jupyter_server's GatewayKernelManager, as `jupyter lab --gateway-url` does,
and the memory table's JSON arrives over the gateway's websocket. The
kernel runs in the environment the gateway gives it (PATH and `KERNEL_*`
only: no HOME). Through the REST API alone: start a kernel, run cells over
the websocket, interrupt a `loop {}` (the variables are kept), restart
(they are gone, the process is new), delete; after the delete, and after
the gateway stops, no process of the kernel is left.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import websocket
from jupyter_core.utils import run_sync
from jupyter_server.gateway import managers
from jupyter_server.gateway.gateway_client import GatewayClient
from jupyter_server.gateway.managers import GatewayKernelManager
from nbclient import NotebookClient

import processes
from kernel_harness import FIRST_CELL_TIMEOUT, STARTUP_TIMEOUT
from memory_table import MEMORY_MIME
from test_nbconvert import make_notebook

JUPYTER = Path(sys.executable).parent / "jupyter"


@dataclass
class Gateway:
    url: str
    token: str
    process: subprocess.Popen[bytes]

    def request(self, method: str, path: str, body: dict | None = None, token: bool = True) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"token {self.token}"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=STARTUP_TIMEOUT) as response:
                text = response.read()
                return response.status, json.loads(text) if text else {}
        except urllib.error.HTTPError as error:
            return error.code, {}

    def kernel_pids(self) -> list[int]:
        """The memscope kernels the gateway runs (its children)."""
        return sorted(p.pid for p in processes.descendants(self.process.pid).values()
                      if p.name == "memscope" and p.parent == self.process.pid)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    port, token = free_port(), secrets.token_hex(16)
    log = tmp_path_factory.mktemp("gateway") / "gateway.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [str(JUPYTER), "kernelgateway", "--KernelGatewayApp.ip=127.0.0.1",
             f"--KernelGatewayApp.port={port}", f"--KernelGatewayApp.auth_token={token}"],
            stdout=subprocess.DEVNULL, stderr=log_file, start_new_session=True,
        )  # fmt: skip
    gw = Gateway(f"http://127.0.0.1:{port}", token, process)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            try:
                if gw.request("GET", "/api/kernelspecs")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.2)
        yield gw
    finally:
        kernels = gw.kernel_pids()
        tree = [p for pid in kernels for p in [processes.read(pid), *processes.descendants(pid).values()] if p]
        process.terminate()
        process.wait(timeout=30)
        left = [p for p in tree if wait_gone(p, 10)]
        assert not left, f"still running after the gateway stopped: {left}"


def wait_gone(process: processes.Process, timeout: float) -> bool:
    """True if `process` still runs after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while processes.running(process) and time.monotonic() < deadline:
        time.sleep(0.05)
    return processes.running(process)


def test_the_gateway_wants_its_token_and_lists_memscope(gateway: Gateway) -> None:
    status, _ = gateway.request("GET", "/api/kernelspecs", token=False)
    assert status in (401, 403), "the gateway answered without its token"
    status, specs = gateway.request("GET", "/api/kernelspecs")
    assert status == 200 and "memscope" in specs["kernelspecs"], specs


def test_nbclient_runs_a_notebook_through_the_gateway(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    # jupyter_server 2.21's GatewayKernelClient sends the token with its
    # HTTP requests but opens the channels' websocket without it; a gateway
    # that requires a token refuses that socket (401). Send it there too.
    create_connection = websocket.create_connection
    monkeypatch.setattr(
        managers.websocket,
        "create_connection",
        lambda url, **options: create_connection(url, header=[f"Authorization: token {gateway.token}"], **options),
    )
    GatewayClient.clear_instance()
    GatewayClient.instance(url=gateway.url, auth_token=gateway.token)
    nb = make_notebook([
        "let a = np::arange(0.0, 6.0, 1.0);\nlet v = a.slice(s![1..4]);",
        'std::env::var("HOME").is_err()',
    ])  # fmt: skip
    km = GatewayKernelManager()
    client = NotebookClient(nb, km=km, timeout=int(FIRST_CELL_TIMEOUT))
    client.execute(kernel_name="memscope")
    (pid,) = gateway.kernel_pids()
    tree = [p for p in [processes.read(pid), *processes.descendants(pid).values()] if p]
    # nbclient leaves a kernel manager it was given running; its owner ends it.
    run_sync(km.shutdown_kernel)()
    left = [p for p in tree if wait_gone(p, 10)]
    assert not left, f"still running after the gateway shut the kernel down: {left}"
    first, second = (c for c in nb.cells if c.cell_type == "code")
    tables = [o["data"][MEMORY_MIME] for o in first.outputs if MEMORY_MIME in o.get("data", {})]
    assert len(tables) == 1, first.outputs
    roles = {v["name"]: (v["role"], v["base"]) for v in tables[0]["variables"]}
    assert roles == {"a": ("owner", None), "v": ("view", "a")}, roles
    assert second.outputs[0]["data"]["text/plain"] == "true", "the gateway passed HOME on to the kernel"


class Channels:
    """A kernel's channels over the gateway's websocket (JSON messages)."""

    def __init__(self, gateway: Gateway, kernel_id: str) -> None:
        ws_url = gateway.url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
        self.ws = websocket.create_connection(
            ws_url, header=[f"Authorization: token {gateway.token}"], timeout=FIRST_CELL_TIMEOUT
        )
        self.session = uuid.uuid4().hex

    def send(self, msg_type: str, content: dict, channel: str = "shell") -> str:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": msg_type, "session": self.session, "username": "test",
                  "version": "5.3", "date": ""}
        self.ws.send(json.dumps({"header": header, "parent_header": {}, "metadata": {}, "content": content,
                                 "channel": channel, "buffers": []}))
        return msg_id

    def until(self, msg_id: str, msg_type: str, timeout: float, text: str | None = None) -> dict:
        """The first `msg_type` message for `msg_id` (a stream holding `text`, if given)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.ws.settimeout(max(deadline - time.monotonic(), 0.01))
            msg = json.loads(self.ws.recv())
            if msg["parent_header"].get("msg_id") == msg_id and msg["header"]["msg_type"] == msg_type:
                if text is None or text in msg["content"].get("text", ""):
                    return msg
        raise TimeoutError(f"no {msg_type} for {msg_id} within {timeout} s")

    def execute(self, code: str, timeout: float = FIRST_CELL_TIMEOUT) -> dict:
        msg_id = self.send("execute_request", {"code": code, "silent": False, "store_history": True,
                                               "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        return self.until(msg_id, "execute_reply", timeout)["content"]


def test_interrupt_restart_and_delete_through_the_rest_api(gateway: Gateway) -> None:
    status, kernel = gateway.request("POST", "/api/kernels", {"name": "memscope"})
    assert status == 201, kernel
    kernel_id = kernel["id"]
    channels = Channels(gateway, kernel_id)
    assert channels.execute("let kept = 3;")["status"] == "ok"
    (pid,) = gateway.kernel_pids()

    # The cell says it runs, so the interrupt lands in the loop, not in its
    # compile.
    busy = channels.send("execute_request", {"code": 'println!("GO");\nloop {}', "silent": False,
                                             "store_history": True, "user_expressions": {},
                                             "allow_stdin": False, "stop_on_error": True})
    channels.until(busy, "stream", FIRST_CELL_TIMEOUT, text="GO")
    status, _ = gateway.request("POST", f"/api/kernels/{kernel_id}/interrupt")
    assert status == 204
    reply = channels.until(busy, "execute_reply", 10)["content"]
    assert (reply["status"], reply["ename"]) == ("error", "Interrupted"), reply
    assert any("carried on" in line for line in reply["traceback"]), reply
    assert channels.execute("kept * 2")["status"] == "ok", "the interrupt lost the variables"

    status, _ = gateway.request("POST", f"/api/kernels/{kernel_id}/restart")
    assert status == 200
    old = processes.read(pid)
    assert old is None or wait_gone(old, 10) is False, "the old kernel outlived its restart"
    (new_pid,) = gateway.kernel_pids()
    assert new_pid != pid
    channels = Channels(gateway, kernel_id)
    reply = channels.execute("kept")
    assert reply["status"] == "error", "a restarted kernel still has the old variables"

    tree = [p for p in [processes.read(new_pid), *processes.descendants(new_pid).values()] if p]
    status, _ = gateway.request("DELETE", f"/api/kernels/{kernel_id}")
    assert status == 204
    left = [p for p in tree if wait_gone(p, 10)]
    assert not left, f"still running after the kernel was deleted: {left}"
