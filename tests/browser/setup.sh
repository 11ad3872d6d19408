#!/usr/bin/env bash
# Install what the browser test (tests/python/test_browser.py, which runs
# tests/browser/jupyterlab.mjs) needs, on a Debian machine.
#
# Usage: tests/browser/setup.sh   (from any directory; tests/setup.sh calls it)
#
# 1. A check that Debian's Chromium (/usr/bin/chromium) is there:
#    tests/setup.sh installs it with the tests' other system packages. The test
#    drives this browser; nothing here downloads a browser of its own
#    (playwright-core never does, and no `playwright install` runs).
# 2. The test's npm packages (playwright-core, pinned in
#    tests/browser/package-lock.json), with `npm ci`, only when
#    tests/browser/node_modules is missing or package-lock.json changed since
#    the last install. The lock file's hash is kept in node_modules, so that
#    deleting node_modules also forgets it.
#
# Node.js (18 or later) and npm must already be installed (tests/setup.sh
# installs Debian's when the machine has none); the script
# stops with a message if they are not. A second run is fast and changes
# nothing.

set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
BROWSER_DIR="$ROOT/tests/browser"
CHROMIUM=/usr/bin/chromium
# playwright-core's "engines". It is pinned at 1.61.1, the newest release
# that runs on Node.js 18, so Debian 12's own nodejs package is enough
# (1.62 and later need Node.js 20).
NODE_MAJOR_MIN=18

step() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# --- a. Node.js and npm -----------------------------------------------------
command -v node >/dev/null 2>&1 \
    || die "node not found; install Node.js >= $NODE_MAJOR_MIN (Debian package nodejs) first"
command -v npm >/dev/null 2>&1 \
    || die "npm not found; install npm (Debian package npm) next to Node.js first"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge "$NODE_MAJOR_MIN" ] \
    || die "Node.js $(node --version) is too old; playwright-core needs Node.js >= $NODE_MAJOR_MIN"

# --- b. Chromium ------------------------------------------------------------
step "Checking $CHROMIUM"
# tests/setup.sh installs Debian's chromium with the tests' other packages.
[ -x "$CHROMIUM" ] || die "$CHROMIUM is missing: run tests/setup.sh (it installs Debian's chromium package)"

# --- c. npm packages --------------------------------------------------------
step "Checking npm packages in tests/browser"
LOCK="$BROWSER_DIR/package-lock.json"
[ -f "$LOCK" ] || die "$LOCK is missing"
STAMP="$BROWSER_DIR/node_modules/.memscope-package-lock.sha256"
want_hash="$(sha256sum "$LOCK" | cut -d' ' -f1)"
have_hash="$(cat "$STAMP" 2>/dev/null || true)"
if [ "$want_hash" != "$have_hash" ]; then
    step "Installing npm packages (npm ci)"
    # npm ci installs exactly package-lock.json, replacing node_modules; the
    # variable is a belt-and-braces guard against any browser download.
    (cd "$BROWSER_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    [ -d "$BROWSER_DIR/node_modules/playwright-core" ] \
        || die "npm ci finished but tests/browser/node_modules/playwright-core does not exist"
    # Written only after npm ci succeeded, so a failed install is retried.
    printf '%s\n' "$want_hash" >"$STAMP"
fi

step "The browser test's tools are installed (Chromium $("$CHROMIUM" --version 2>/dev/null | awk '{print $2}'))"
