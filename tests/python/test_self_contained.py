"""memscope installed the way users install kernels.

`cargo install --path kernel/memscope` into a temporary root, then
`memscope install`: the kernel must then work with nothing of the source
tree (the clone is hidden from it behind an empty mount), with no network
(a namespace with only loopback) and without falling back to resolving
crates afresh, and with only `PATH` in its environment.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kernel_harness import FIRST_CELL_TIMEOUT, STARTUP_TIMEOUT

ROOT = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).parent


def namespaces_work() -> bool:
    probe = subprocess.run(["unshare", "--mount", "--net", "true"], capture_output=True)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not namespaces_work(), reason="needs mount and network namespaces (root)")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root that `cargo install` put memscope in (reusing the release
    build's artefacts, so it is quick), and a Jupyter prefix that the
    installed binary registered itself in."""
    root = tmp_path_factory.mktemp("installed")
    subprocess.run(
        ["cargo", "install", "--locked", "--offline", "--path", str(ROOT / "kernel" / "memscope"),
         "--root", str(root), "--no-track"],
        check=True, capture_output=True, text=True, timeout=900,
    )
    binary = root / "bin" / "memscope"
    done = subprocess.run([str(binary), "install", "--prefix", str(root)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def kernelspec(installed: Path, name: str, hide_the_clone: bool) -> Path:
    """A copy of the kernelspec `memscope install` wrote, under another
    name; with `hide_the_clone`, the kernel starts in a mount namespace in
    which the source tree is an empty folder."""
    written = json.loads((installed / "share/jupyter/kernels/memscope/kernel.json").read_text())
    assert "MEMSCOPE_PRELUDE_DIR" not in written.get("env", {}), written
    assert not any(str(ROOT) in part for part in written["argv"]), written["argv"]
    if hide_the_clone:
        written["argv"] = ["unshare", "--mount", "sh", "-c",
                           'mount -t tmpfs tmpfs "$0" && exec "$@"', str(ROOT), *written["argv"]]
    folder = installed / "specs" / "kernels" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps(written))
    return installed / "specs"


def session(spec_path: Path, name: str, cells: list[str], env: dict[str, str] | None, isolated: bool,
            tmp_path: Path, complete: str | None = None) -> tuple[list[dict], str]:
    """Runs `cells` in a kernel of kernelspec `name`, in a fresh process
    (inside a network namespace with only loopback when `isolated`), and
    returns each cell's status, result text and error, and the kernel's
    stderr; then, with `complete`, asks for completions at its end (the
    last entry: the matches)."""
    script = tmp_path / "session.py"
    stderr = tmp_path / "kernel.stderr"
    script.write_text(textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(HARNESS)!r})
        from kernel_harness import run, result_text
        from jupyter_client.manager import KernelManager
        from memory_table import tables
        km = KernelManager(kernel_name={name!r})
        # The kernel's output goes to a file: a kernel holding this
        # script's pipes would keep the test waiting after the script ended.
        with open({str(stderr)!r}, "w") as err:
            km.start_kernel(stdout=err, stderr=err, **({{"env": {env!r}}} if {env is not None!r} else {{}}))
        kc = km.client()
        out = []
        try:
            kc.start_channels()
            kc.wait_for_ready(timeout={STARTUP_TIMEOUT})
            for code in {cells!r}:
                reply, msgs = run(kc, code, timeout={FIRST_CELL_TIMEOUT})
                ok = reply["content"]["status"] == "ok"
                out.append({{"status": reply["content"]["status"], "result": result_text(msgs) if ok else None,
                             "error": reply["content"].get("evalue", ""), "tables": tables(msgs)}})
            complete = {complete!r}
            if complete is not None:
                found = kc.complete(complete, len(complete), reply=True, timeout={FIRST_CELL_TIMEOUT})
                out.append({{"matches": found["content"]["matches"]}})
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        print(json.dumps(out))
    """))
    client_env = dict(os.environ, JUPYTER_PATH=str(spec_path))
    command = [sys.executable, str(script)]
    if isolated:
        command = ["unshare", "--net", "sh", "-c", f'ip link set lo up && exec "{sys.executable}" "{script}"']
    done = subprocess.run(command, env=client_env, capture_output=True, text=True, timeout=FIRST_CELL_TIMEOUT * 3)
    assert done.returncode == 0, f"the session failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1]), stderr.read_text()


@pytest.mark.timeout(900)
def test_the_installed_kernel_needs_neither_the_clone_nor_the_network(installed: Path, tmp_path: Path) -> None:
    specs = kernelspec(installed, "memscope-installed", hide_the_clone=True)
    results, stderr = session(specs, "memscope-installed", [
        f'std::path::Path::new("{ROOT}/Cargo.toml").exists()',
        "let a = np::arange(0.0, 4.0, 1.0);\nlet v = a.slice(s![1..]);\nv.to_vec()",
    ], env=None, isolated=True, tmp_path=tmp_path)
    hidden, cell = results
    assert hidden["status"] == "ok" and hidden["result"] == "false", f"the clone was visible: {hidden}"
    assert cell["status"] == "ok" and cell["result"] == "[1.0, 2.0, 3.0]", cell
    rows = {row["name"]: row for row in cell["tables"][0]["variables"]}
    assert rows["v"]["role"] == "view" and rows["v"]["base"] == "a", rows
    assert "offline set-up failed" not in stderr, stderr
    assert "crates.io" not in stderr and "download" not in stderr.lower(), stderr


def test_a_kernel_with_only_path_uses_its_users_home(installed: Path, tmp_path: Path) -> None:
    """As Kernel Gateway starts kernels: no HOME, and a PATH without cargo
    (the kernelspec's record of the toolchain must be enough)."""
    specs = kernelspec(installed, "memscope-bare", hide_the_clone=False)
    home = pwd.getpwuid(os.getuid()).pw_dir
    results, stderr = session(specs, "memscope-bare", [
        'std::env::var("EVCXR_TMPDIR").unwrap()',
        "np::arange(0, 3, 1)",
    ], env={"PATH": "/usr/bin:/bin"}, isolated=False, tmp_path=tmp_path)
    build_dir, cell = results
    assert build_dir["status"] == "ok", build_dir
    assert build_dir["result"].strip('"').startswith(f"{home}/.cache/memscope/build/"), build_dir
    assert cell["status"] == "ok" and cell["result"] == "[0, 1, 2]", cell


def test_a_kernel_without_rust_says_so_and_stays_up(installed: Path, tmp_path: Path) -> None:
    written = json.loads((installed / "share/jupyter/kernels/memscope/kernel.json").read_text())
    written["env"] = {}
    folder = tmp_path / "specs" / "kernels" / "memscope-no-cargo"
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_text(json.dumps(written))
    results, _ = session(tmp_path / "specs", "memscope-no-cargo", ["1 + 1", "2 + 2"],
                         env={"PATH": "/nonexistent", "HOME": str(tmp_path / "home")},
                         isolated=False, tmp_path=tmp_path)
    for cell in results:
        assert cell["status"] == "error", cell
        assert "cannot find `rustc`" in cell["error"].lower(), cell
        assert "memscope install" in cell["error"], cell


@pytest.mark.timeout(1200)
def test_memscope_install_fills_an_empty_cargo_cache(installed: Path, tmp_path: Path) -> None:
    """On a machine whose cargo has fetched nothing: `memscope install`
    fetches what cells need, and a kernel then builds its first cell
    offline, in a build folder of its own, with no fallback to the network."""
    cargo_home = tmp_path / "cargo-home"
    cargo_home.mkdir()
    for config in ("config.toml", "config"):
        user_config = Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo")) / config
        if user_config.is_file():  # the registry settings, if any
            shutil.copy(user_config, cargo_home / config)
    env = dict(os.environ, CARGO_HOME=str(cargo_home), MEMSCOPE_CACHE_DIR=str(tmp_path / "cache"))
    binary = installed / "bin" / "memscope"
    done = subprocess.run([str(binary), "install", "--prefix", str(tmp_path / "prefix")], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (cargo_home / "registry").is_dir(), "nothing was fetched"
    spec = tmp_path / "prefix/share/jupyter/kernels/memscope/kernel.json"
    written = json.loads(spec.read_text())
    written["env"].update(CARGO_HOME=str(cargo_home), MEMSCOPE_CACHE_DIR=str(tmp_path / "cache"))
    folder = tmp_path / "specs" / "kernels" / "memscope-fresh"
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_text(json.dumps(written))
    # Completion needs rust-analyzer to load the standard library's
    # workspace, offline too: a `Vec` variable's methods must come.
    results, stderr = session(tmp_path / "specs", "memscope-fresh",
                              ["np::arange(0, 3, 1)", "let offline_values = vec![1.5_f64];\noffline_values.len()"],
                              env=None, isolated=True, tmp_path=tmp_path, complete="offline_values.pu")
    assert results[0]["status"] == "ok" and results[0]["result"] == "[0, 1, 2]", results
    assert results[1]["status"] == "ok" and results[1]["result"] == "1", results
    assert any(match.startswith("push") for match in results[2]["matches"]), results[2]
    assert "offline set-up failed" not in stderr, stderr


def test_a_cache_folder_it_cannot_write_gives_a_clear_error(installed: Path, tmp_path: Path) -> None:
    """The kernel stays up and every cell says what is wrong (a file where
    the cache folder should be: not writable, even for root)."""
    specs = kernelspec(installed, "memscope-no-cache", hide_the_clone=False)
    unwritable = "/dev/null/memscope-cache"
    results, stderr = session(specs, "memscope-no-cache", ["1 + 1", "2 + 2"],
                              env=dict(os.environ, MEMSCOPE_CACHE_DIR=unwritable), isolated=False,
                              tmp_path=tmp_path)
    for cell in results:
        assert cell["status"] == "error", cell
        assert unwritable in cell["error"] and "cannot" in cell["error"], cell
    assert "panicked" not in stderr, stderr
