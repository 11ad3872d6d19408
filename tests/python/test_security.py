"""Who can reach the kernel, and what the kernel reaches for.

Signatures are covered in test_protocol (wrong key, unsigned: never
executed), test_bad_input (malformed and mis-signed messages over sockets)
and memscope-protocol's decoder fuzz test. Here: the kernel listens only on
the connection file's address, and a kernel needs no network at run time,
not even for a cell process in a build folder it has never used.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from jupyter_client.localinterfaces import public_ips
from jupyter_client.manager import KernelManager

from kernel_harness import FIRST_CELL_TIMEOUT, STARTUP_TIMEOUT, result_text, run

ROOT = Path(__file__).resolve().parents[2]


def listening_addresses(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket `pid` listens on."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if inode in inodes and state == "0A":  # LISTEN
                address, port = local.split(":")
                if len(address) == 8:  # IPv4, little-endian hex
                    ip = ".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0))
                else:
                    ip = address
                found.add((ip, int(port, 16)))
    return found


def test_sockets_bind_only_to_the_connection_files_address() -> None:
    # A public address of this machine if it has one, not the default
    # loopback, so that a hard-coded address would show.
    address = next(iter(public_ips()), "127.0.0.1")
    km = KernelManager(kernel_name="memscope")
    km.ip = address
    km.start_kernel()
    kc = km.client()
    try:
        kc.start_channels()
        kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
        info = km.get_connection_info()
        ports = {info[f"{name}_port"] for name in ("shell", "iopub", "stdin", "control", "hb")}
        listening = listening_addresses(km.provisioner.process.pid)
        assert {port for _, port in listening} >= ports, f"not every channel listens: {listening}"
        assert {ip for ip, _ in listening} == {address}, f"listening beyond {address}: {listening}"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_kernel_needs_no_network_even_in_a_new_build_folder(tmp_path: Path) -> None:
    """In a network namespace with only loopback, with a cache folder of its
    own (so cargo builds the prelude for a new build folder), a kernel
    starts and runs an ndarray cell."""
    script = tmp_path / "session.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(Path(__file__).parent)!r})
            from kernel_harness import run, result_text
            from jupyter_client.manager import KernelManager
            km = KernelManager(kernel_name="memscope")
            km.start_kernel()
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout={STARTUP_TIMEOUT})
            reply, msgs = run(kc, "np::arange(0, 3, 1)", timeout={FIRST_CELL_TIMEOUT})
            print(reply["content"]["status"], result_text(msgs), reply["content"].get("evalue", ""))
            kc.stop_channels()
            km.shutdown_kernel(now=True)
            """
        )
    )
    env = dict(os.environ, MEMSCOPE_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run(
        ["unshare", "--net", "sh", "-c", f'ip link set lo up && exec "{sys.executable}" "{script}"'],
        env=env,
        capture_output=True,
        text=True,
        timeout=FIRST_CELL_TIMEOUT + 120,
    )
    assert done.returncode == 0, f"the isolated session failed:\n{done.stdout}\n{done.stderr}"
    assert done.stdout.strip().splitlines()[-1] == "ok [0, 1, 2]", done.stdout + done.stderr
    assert "crates.io" not in done.stderr, "something tried to reach the network"
    # The lock file the binary carries pins every crate fetched at install
    # time: the set-up never has to resolve versions again.
    assert "offline set-up failed" not in done.stderr, done.stderr
