"""install/patch-evcxr.sh, which puts evcxr with our patches where the
workspace's `[patch.crates-io]` points: its output is exactly the published
crate plus every patch, a crate whose checksum differs is refused without a
file written, and a second run changes nothing (so cargo rebuilds nothing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "install" / "patch-evcxr.sh"
PATCH_DIR = ROOT / "kernel" / "memscope-engine" / "evcxr"
STAMP = ".memscope-patches"


def crate_name() -> str:
    return (PATCH_DIR / "crate.sha256").read_text().split()[1]


def published_crate() -> Path:
    """The .crate file as cargo downloaded it (install.sh has run the script,
    which fetches it when cargo had not)."""
    cargo_home = Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo"))
    found = sorted((cargo_home / "registry" / "cache").glob(f"*/{crate_name()}"))
    assert found, f"{crate_name()} is not in cargo's cache"
    return found[0]


def patches() -> list[Path]:
    found = sorted((PATCH_DIR / "patches").glob("*.patch"))
    assert found, "no patches"
    return found


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under `folder` with its modification time, size and content."""
    return {
        str(path.relative_to(folder)): (path.stat().st_mtime_ns, path.stat().st_size, path.read_bytes())
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_the_output_is_the_published_crate_plus_every_patch(tmp_path: Path) -> None:
    out = tmp_path / "patched"
    done = run_script("--out", str(out))
    assert done.returncode == 0, done.stderr
    assert f"{len(patches())} patch(es) applied" in done.stdout

    # Undo the patches, last first, on a copy: what is left must be the
    # crate as published, file for file.
    undone = tmp_path / "undone"
    shutil.copytree(out, undone)
    (undone / STAMP).unlink()
    for patch in reversed(patches()):
        reverted = subprocess.run(
            ["patch", "--directory", str(undone), "--strip", "1", "--reverse", "--batch", "--quiet"],
            stdin=patch.open(),
            capture_output=True,
            text=True,
        )
        assert reverted.returncode == 0, f"{patch.name} was not applied as written: {reverted.stdout}"
    pristine = tmp_path / "pristine"
    with tarfile.open(published_crate()) as crate:
        crate.extractall(pristine, filter="data")
    (top,) = pristine.iterdir()
    compared = subprocess.run(["diff", "-r", str(top), str(undone)], capture_output=True, text=True)
    assert compared.returncode == 0, compared.stdout[:2000]


def test_a_second_run_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "patched"
    assert run_script("--out", str(out)).returncode == 0
    before = snapshot(out)
    again = run_script("--out", str(out))
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout
    assert snapshot(out) == before


def test_a_crate_whose_checksum_differs_is_refused(tmp_path: Path) -> None:
    tampered = tmp_path / crate_name()
    shutil.copyfile(published_crate(), tampered)
    with tampered.open("ab") as crate:
        crate.write(b"\0")
    out = tmp_path / "patched"
    done = run_script("--crate", str(tampered), "--out", str(out))
    assert done.returncode != 0
    assert "refusing" in done.stderr and "sha256" in done.stderr, done.stderr
    assert not out.exists(), "nothing may be written from a crate that is not the published one"


def test_a_stale_output_is_rebuilt_from_the_published_crate(tmp_path: Path) -> None:
    """An output made from other patches (its stamp differs) is replaced, not
    patched again on top of itself."""
    out = tmp_path / "patched"
    assert run_script("--out", str(out)).returncode == 0
    good = snapshot(out)
    (out / STAMP).write_text("made from other patches\n")
    (out / "src" / "lib.rs").write_text("// edited by hand\n")
    done = run_script("--out", str(out))
    assert done.returncode == 0, done.stderr
    rebuilt = snapshot(out)
    assert rebuilt.keys() == good.keys()
    assert all(rebuilt[name][1:] == good[name][1:] for name in good)
