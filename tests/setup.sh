#!/usr/bin/env bash
# Install what only the test suite needs, on top of install/install.sh.
#
# Usage: tests/setup.sh   (tests/run.sh calls it after install/install.sh)
#
# 1. Debian packages: pandoc and XeTeX for nbconvert's LaTeX and PDF
#    exports, poppler-utils to read the PDFs back, Chromium for the
#    JupyterLab test, iproute2 and util-linux to run kernels in network and
#    mount namespaces of their own, Node.js and npm for playwright-core.
# 2. The Python test tools (tests/requirements.txt) into .venv, which
#    install/install.sh made; pip is skipped when the file is unchanged.
# 3. The browser test's npm packages (tests/browser/setup.sh).
#
# Idempotent: a second run is fast and changes nothing. Nothing here
# downloads a prebuilt binary or a browser.

set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
VENV="$ROOT/.venv"
REQUIREMENTS="$ROOT/tests/requirements.txt"
TEST_PACKAGES="pandoc texlive-xetex texlive-fonts-recommended texlive-plain-generic poppler-utils chromium iproute2 util-linux nodejs npm"

step() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

"$VENV/bin/python" -c 'import sys' 2>/dev/null || die "$VENV is missing: run install/install.sh first"

# A machine may have its own Node.js (and npm) outside Debian's packages:
# then Debian's are not needed, and installing them could clash.
packages="$TEST_PACKAGES"
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    packages="${packages/ nodejs npm/}"
fi
bash "$ROOT/install/system-packages.sh" $packages

STAMP="$VENV/.memscope-test-requirements.sha256"
want_hash="$(cat "$ROOT/install/requirements.txt" "$REQUIREMENTS" | sha256sum | cut -d' ' -f1)"
if [ "$want_hash" != "$(cat "$STAMP" 2>/dev/null || true)" ]; then
    step "Installing the Python test tools (tests/requirements.txt)"
    "$VENV/bin/pip" install --disable-pip-version-check -q -r "$ROOT/install/requirements.txt" -r "$REQUIREMENTS"
    printf '%s\n' "$want_hash" >"$STAMP"
fi

bash "$ROOT/tests/browser/setup.sh"
