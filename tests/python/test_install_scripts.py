"""The split between a user's install and the test machine.

install/install.sh sets up what a memscope user needs and nothing more;
everything only the tests need comes from tests/setup.sh, which
tests/run.sh calls. These tests read the scripts' package lists.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What only the tests use, in Debian package and PyPI names.
TEST_ONLY_DEBIAN = {"pandoc", "texlive-xetex", "texlive-fonts-recommended", "texlive-plain-generic",
                    "poppler-utils", "chromium", "iproute2", "nodejs", "npm"}
TEST_ONLY_PYPI = {"pytest", "pytest-timeout", "nbval", "jupyter_kernel_test", "numpy", "jupyter_kernel_gateway",
                  "jupyter_console", "pexpect"}


def debian_packages(script: Path, variable: str) -> set[str]:
    match = re.search(rf'^{variable}="([^"]*)"', script.read_text(), re.MULTILINE)
    assert match, f"{script.name} has no {variable}"
    return set(match.group(1).split())


def pypi_packages(requirements: Path) -> set[str]:
    names = set()
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(re.split(r"[=<>!~\[ ]", line, maxsplit=1)[0])
    return names


def test_the_user_install_installs_no_test_tools() -> None:
    install = ROOT / "install" / "install.sh"
    user_debian = debian_packages(install, "SYSTEM_PACKAGES")
    assert user_debian == {"pkg-config", "mold", "patch"}, user_debian
    user_pypi = pypi_packages(ROOT / "install" / "requirements.txt")
    assert {"jupyterlab", "nbconvert", "nbclient", "jupyter_client", "papermill"} <= user_pypi, user_pypi
    assert not user_pypi & TEST_ONLY_PYPI, user_pypi & TEST_ONLY_PYPI
    commands = "\n".join(line for line in install.read_text().splitlines() if not line.lstrip().startswith("#"))
    for other in ("tests/", "browser", "npm ", "playwright"):
        assert other not in commands, f"install.sh runs {other!r}"
    installs = re.findall(r'pip" install .*', commands)
    # The requirements, and memscope's papermill translator from this repository.
    assert installs == [
        'pip" install --disable-pip-version-check -q -r "$REQUIREMENTS"',
        'pip" install --disable-pip-version-check -q "$PAPERMILL_PACKAGE"',
    ], installs
    assert 'PAPERMILL_PACKAGE="$ROOT/install/papermill"' in commands


def test_the_test_setup_installs_the_test_tools() -> None:
    setup = ROOT / "tests" / "setup.sh"
    assert TEST_ONLY_DEBIAN <= debian_packages(setup, "TEST_PACKAGES")
    assert TEST_ONLY_PYPI <= pypi_packages(ROOT / "tests" / "requirements.txt")
    run = (ROOT / "tests" / "run.sh").read_text()
    assert run.index("\nbash install/install.sh") < run.index("\nbash tests/setup.sh") < run.index("-m pytest")


def test_every_pin_is_exact() -> None:
    for requirements in (ROOT / "install" / "requirements.txt", ROOT / "tests" / "requirements.txt"):
        for line in requirements.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", line), f"{requirements.name}: {line}"
