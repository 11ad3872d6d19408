"""memscope in JupyterLab, in a real browser.

Covers: the venv's `jupyter lab` serving a temporary folder that holds a copy
of a notebook (copying-arrays.ipynb) and, in `executed/`, the same notebook
with outputs saved by `jupyter nbconvert --execute`; then
tests/browser/jupyterlab.mjs drives Debian's Chromium through playwright-core
against it: Run All Cells, the memory tables and their role badges, completion
and inspection in the notebook, the saved copy opened untrusted (sanitized
HTML must keep the tables readable), the debugger's Variables panel (the
variables with their memory roles, an array expanded into the table's
columns with their values, Render Variable showing its buffer's table, a
new cell's variables appearing, and answers on the wire while a cell
runs), and screenshots in the light and dark themes
(tests/output/screenshots/).  The server runs with a random token on a
free loopback port, with Jupyter's per-user folders in the temporary folder so
that the user's own settings, workspaces and trusted-notebook database play
no part (the memscope kernelspec stays visible: it is in .venv/share/jupyter);
it is always shut down at the end, with its kernels.

Needs node, npm's packages in tests/browser and /usr/bin/chromium, which
tests/browser/setup.sh installs; without them the test fails (it is never skipped).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import processes
from kernel_harness import KERNEL_NAME

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
BROWSER_DIR = ROOT / "tests" / "browser"
SCRIPT = BROWSER_DIR / "jupyterlab.mjs"
SCREENSHOT_DIR = ROOT / "tests" / "output" / "screenshots"
JUPYTER = Path(sys.executable).parent / "jupyter"
CHROMIUM = os.environ.get("MEMSCOPE_CHROMIUM", "/usr/bin/chromium")

# Seconds.  The whole test gets BROWSER_TEST_TIMEOUT (pytest-timeout); the
# parts below add up to less, so that a part that hangs fails with its own
# message and the server is still shut down.
BROWSER_TEST_TIMEOUT = 600
NBCONVERT_TIMEOUT = 150  # the saved copy; its first cell compiles
SERVER_START_TIMEOUT = 60  # until the REST API answers
NODE_TIMEOUT = 330  # the browser script, Run All included
RUN_ALL_TIMEOUT = 240  # Run All inside the script (first cell ~30 s cold, then ~1-2 s a cell)
SERVER_STOP_TIMEOUT = 30  # /api/shutdown, which also shuts its kernels down


def notebook_name() -> str:
    """The notebook to drive, in notebooks/: MEMSCOPE_BROWSER_NOTEBOOK or
    copying-arrays.ipynb (the one that shows all three roles; with another
    notebook the script expects owners and views only)."""
    return os.environ.get("MEMSCOPE_BROWSER_NOTEBOOK") or "copying-arrays.ipynb"


# --------------------------------------------------------------------------
# The JupyterLab server


@dataclass
class LabServer:
    """A running `jupyter lab`: where it answers, what it serves, and the
    environment it runs in (kept out of the repr, which pytest prints on a
    failure)."""

    url: str
    notebook: str  # relative to root; its executed copy is executed/<notebook>
    root: Path
    log: Path
    proc: subprocess.Popen[bytes]
    token: str = field(repr=False)
    env: dict[str, str] = field(repr=False)

    def log_tail(self, chars: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else "(no log)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def isolated_env(home: Path) -> dict[str, str]:
    """The environment for jupyter and node: Jupyter's per-user folders under
    `home`; paths that could add other kernelspecs or configuration removed.

    The venv's own share/jupyter and etc/jupyter are found through
    sys.prefix, so the memscope kernelspec installed there stays visible.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH")}
    folders = {
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_DATA_DIR": home / "data",  # also holds the (empty) trusted-notebook database
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": home / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "lab-workspaces",
    }
    for name, folder in folders.items():
        folder.mkdir(parents=True, exist_ok=True)
        env[name] = str(folder)
    env["JUPYTER_PREFER_ENV_PATH"] = "1"
    # No "fetch Jupyter news?" toast over the notebook in the screenshots.
    notification = folders["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    return env


def execute_copy(notebook: Path, out_dir: Path, env: dict[str, str]) -> None:
    """Save `notebook` with outputs into `out_dir` (never signed, so untrusted)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [
            str(JUPYTER), "nbconvert", "--to", "notebook", "--execute", str(notebook),
            f"--ExecutePreprocessor.kernel_name={KERNEL_NAME}",
            f"--ExecutePreprocessor.timeout={NBCONVERT_TIMEOUT}",
            "--output-dir", str(out_dir),
        ],
        env=env, capture_output=True, text=True, timeout=NBCONVERT_TIMEOUT,
    )  # fmt: skip
    assert proc.returncode == 0, f"nbconvert --execute {notebook.name} failed:\n{proc.stderr[-4000:]}"


def api(server: LabServer, path: str, method: str = "GET", timeout: float = 5.0) -> bytes:
    req = urllib.request.Request(
        f"{server.url}{path}", method=method, headers={"Authorization": f"token {server.token}"}
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.read()


def wait_until_answering(server: LabServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if server.proc.poll() is not None:
            raise AssertionError(f"jupyter lab exited with {server.proc.returncode}:\n{server.log_tail()}")
        try:
            json.loads(api(server, "/api/status"))
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"jupyter lab did not answer within {SERVER_START_TIMEOUT} s:\n{server.log_tail()}"
                ) from None
            time.sleep(0.25)


def stop_server(server: LabServer) -> None:
    """Shut the server down through its API (which shuts its kernels down),
    then make sure that it and every process it started are gone."""
    leftovers = processes.descendants(server.proc.pid).values()
    try:
        api(server, "/api/shutdown", method="POST", timeout=SERVER_STOP_TIMEOUT)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        pass  # it may close the connection as it stops; the wait below decides
    try:
        server.proc.wait(timeout=SERVER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
    deadline = time.monotonic() + 10
    while any(processes.running(p) for p in leftovers) and time.monotonic() < deadline:
        time.sleep(0.2)
    for process in leftovers:
        if processes.running(process):
            os.kill(process.pid, signal.SIGKILL)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[LabServer]:
    """A JupyterLab server on a temporary root holding the notebook and its
    executed copy."""
    name = notebook_name()
    source = NOTEBOOKS / name
    assert source.exists(), f"{source} does not exist"
    env = isolated_env(tmp_path / "jupyter")
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(source, root / name)
    execute_copy(source, root / "executed", env)

    token = secrets.token_hex(24)
    port = free_port()
    command = [
        str(JUPYTER), "lab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp, for commands and the notebook model
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")  # CI runs as root
    log = tmp_path / "jupyter-lab.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=root)
    server = LabServer(f"http://127.0.0.1:{port}", name, root, log, proc, token, env)
    try:
        wait_until_answering(server)
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def node() -> str:
    """node's path; fails (never skips) when something tests/browser/setup.sh
    installs is missing, before any server is started."""
    path = shutil.which("node")
    missing = []
    if path is None:
        missing.append("node (Debian package nodejs)")
    if not (BROWSER_DIR / "node_modules" / "playwright-core").is_dir():
        missing.append("tests/browser/node_modules (npm ci)")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"{CHROMIUM} (Debian package chromium)")
    if missing:
        pytest.fail(f"missing {', '.join(missing)}; run tests/browser/setup.sh")
    assert path is not None
    return path


def run_node(node: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run the browser script; (exit status, stdout, stderr).

    On timeout it gets SIGTERM first, on which playwright closes Chromium
    (which runs in a process group of its own); whatever is left of the
    processes it started is killed after that.
    """
    proc = subprocess.Popen(
        [node, str(SCRIPT)], cwd=BROWSER_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        stdout, stderr = proc.communicate(timeout=NODE_TIMEOUT)
        return proc.returncode, stdout, stderr
    except subprocess.TimeoutExpired:
        children = processes.descendants(proc.pid).values()
        proc.terminate()
        try:
            stdout, stderr = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        for process in children:
            if processes.running(process):
                os.kill(process.pid, signal.SIGKILL)
        return proc.returncode, f"{stdout}\n(timed out after {NODE_TIMEOUT} s)", stderr


# --------------------------------------------------------------------------


@pytest.mark.no_skip
@pytest.mark.timeout(BROWSER_TEST_TIMEOUT)
def test_notebook_in_jupyterlab(node: str, lab: LabServer) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    env = {
        **lab.env,
        "MEMSCOPE_LAB_URL": lab.url,
        "MEMSCOPE_LAB_TOKEN": lab.token,
        "MEMSCOPE_NOTEBOOK": lab.notebook,
        "MEMSCOPE_EXECUTED_NOTEBOOK": f"executed/{lab.notebook}",
        "MEMSCOPE_SCREENSHOT_DIR": str(SCREENSHOT_DIR),
        "MEMSCOPE_RUN_ALL_TIMEOUT": str(RUN_ALL_TIMEOUT),
        "MEMSCOPE_CHROMIUM": CHROMIUM,
    }
    returncode, stdout, stderr = run_node(node, env)
    print(stdout)  # shown with -s or -rP: the table count and what the sanitizer kept
    assert returncode == 0, (
        f"the browser script failed (exit {returncode}); screenshots in {SCREENSHOT_DIR}\n"
        f"--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}\n"
        f"--- jupyter lab log ---\n{lab.log_tail()}"
    )
