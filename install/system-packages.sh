#!/usr/bin/env bash
# Install the Debian packages named on the command line that are missing.
#
# Usage: install/system-packages.sh PACKAGE...
#
# Shared by install/install.sh (what a user needs) and tests/setup.sh (what
# only the tests need). apt-get update is slow and touches the network, so
# it runs only when at least one package is missing; a second run changes
# nothing. Without apt-get it only warns, naming the packages.

set -euo pipefail

step() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

step "Checking system packages: $*"
if ! command -v apt-get >/dev/null 2>&1; then
    warn "apt-get not found; skipping system packages. Make sure these are installed: $*"
    exit 0
fi
missing=()
for pkg in "$@"; do
    # A package that was removed but left its configuration behind is still
    # known to dpkg, so the status line is checked, not just the exit code.
    if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
        missing+=("$pkg")
    fi
done
[ "${#missing[@]}" -gt 0 ] || exit 0
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 \
        || die "missing packages (${missing[*]}) and not root; install them as root"
    SUDO=(sudo)
fi
step "Installing system packages: ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
