#!/usr/bin/env bash
# Install memscope, the Rust Jupyter kernel, from this clone.
#
# Usage: install/install.sh   (from any directory)
#
# The script builds the kernel from source, creates a Python virtual
# environment in .venv at the repository root with JupyterLab, nbconvert and
# nbclient, registers the kernel there, and proves the whole chain works by
# executing notebooks/getting-started.ipynb into the cache folder.
#
# It is meant for a fresh Debian 12 machine with rustup's stable toolchain,
# gcc and Python 3.11, and it is idempotent: every step first checks whether
# its work is already done, so a second run is fast and changes nothing.
# Nothing here downloads a prebuilt binary or a browser; everything comes from
# Debian's packages, crates.io (as source) and PyPI.
#
# Environment:
#   MEMSCOPE_CACHE_DIR  where build artefacts live (default ~/.cache/memscope)
#   CARGO_TARGET_DIR    respected if already set; otherwise
#                       $MEMSCOPE_CACHE_DIR/target
#   MEMSCOPE_CELL_TIMEOUT  seconds each notebook cell may take in the final
#                       proof (default 600, because the first cell compiles)

set -euo pipefail

# rust-analyzer's crates (inside evcxr) read the CI variable at compile
# time, so a build with CI set and one without it rebuild each other from
# scratch (about six minutes) in the shared target directory. Builds run
# without it, wherever they run.
unset CI

# The repository root is derived from where this script lives, so that the
# script behaves the same whichever directory it is started from.
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
VENV="$ROOT/.venv"
REQUIREMENTS="$ROOT/install/requirements.txt"
NOTEBOOK="$ROOT/notebooks/getting-started.ipynb"

# Debian packages the build and the kernel need: pkg-config and mold for
# the build (evcxr links cells with mold when it is there), patch for
# install/patch-evcxr.sh. What only the tests need (TeX, pandoc, Chromium,
# ...) is installed by tests/setup.sh, not here.
SYSTEM_PACKAGES="pkg-config mold patch"

step() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# rustup puts cargo and rustc in ~/.cargo/bin, which a non-login shell (for
# example one started by CI) may not have on its PATH yet.
CARGO_BIN_DIR="${CARGO_HOME:-$HOME/.cargo}/bin"
if ! command -v cargo >/dev/null 2>&1 && [ -x "$CARGO_BIN_DIR/cargo" ]; then
    export PATH="$CARGO_BIN_DIR:$PATH"
fi
command -v cargo >/dev/null 2>&1 || die "cargo not found; install Rust with rustup first"
command -v rustc >/dev/null 2>&1 || die "rustc not found; install Rust with rustup first"
command -v python3 >/dev/null 2>&1 || die "python3 not found; install Python 3.11 first"

# --- a. System packages -----------------------------------------------------
bash "$ROOT/install/system-packages.sh" $SYSTEM_PACKAGES

# --- b. Rust standard library sources ---------------------------------------
# rust-analyzer, which runs inside the kernel for completion and inspection,
# needs the standard library's sources to understand std types.
step "Checking rust-src"
RUST_LIBRARY_SRC="$(rustc --print sysroot)/lib/rustlib/src/rust/library"
if [ ! -d "$RUST_LIBRARY_SRC" ]; then
    command -v rustup >/dev/null 2>&1 \
        || die "$RUST_LIBRARY_SRC is missing and rustup is not available to add rust-src"
    step "Adding rustup component rust-src"
    rustup component add rust-src
fi

# --- c. Build the kernel ----------------------------------------------------
# Artefacts go outside the clone by default, so that several clones and CI
# runs on the same machine share one target directory instead of each
# rebuilding every dependency. A CARGO_TARGET_DIR set by the caller wins.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${MEMSCOPE_CACHE_DIR:-$HOME/.cache/memscope}/target}"
# evcxr, as published, with our patches (kernel/memscope-engine/evcxr):
# cargo cannot read the workspace before they are in place.
step "Patching evcxr (install/patch-evcxr.sh)"
bash "$ROOT/install/patch-evcxr.sh"
step "Building memscope (release) in $CARGO_TARGET_DIR"
# --locked makes the build use exactly the versions in Cargo.lock, and fail
# rather than silently update them.
(cd "$ROOT" && cargo build --release --locked -p memscope)
BUILT_BIN="$CARGO_TARGET_DIR/release/memscope"
[ -x "$BUILT_BIN" ] || die "build finished but $BUILT_BIN does not exist"

# --- d. Python environment --------------------------------------------------
# The virtual environment lives in the clone so that the kernelspec installed
# into it below is found by this clone's Jupyter and by nothing else.
step "Preparing Python environment in $VENV"
if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    # Either there is no venv yet, or its interpreter no longer runs (for
    # example after the Python it was made from was removed); --clear starts
    # such a venv afresh.
    python3 -m venv --clear "$VENV"
fi
# pip is skipped when requirements.txt and the papermill package (papermill
# parameters for memscope notebooks, install/papermill) have not changed
# since the last successful install; the stamp lives inside .venv so that
# deleting the venv also forgets it.
STAMP="$VENV/.memscope-requirements.sha256"
PAPERMILL_PACKAGE="$ROOT/install/papermill"
want_hash="$(
    cd "$ROOT" && find install/requirements.txt install/papermill -type f \
        -not -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
)"
have_hash="$(cat "$STAMP" 2>/dev/null || true)"
if [ "$want_hash" != "$have_hash" ]; then
    step "Installing Python requirements"
    "$VENV/bin/pip" install --disable-pip-version-check -q -r "$REQUIREMENTS"
    "$VENV/bin/pip" install --disable-pip-version-check -q "$PAPERMILL_PACKAGE"
    # The stamp is written only after pip succeeded, so a failed install is
    # retried on the next run.
    printf '%s\n' "$want_hash" >"$STAMP"
fi

# --- e. Kernelspec ----------------------------------------------------------
# The binary writes its own kernel.json (with its absolute path) and logos;
# installing under the venv's prefix keeps it out of the user's global
# Jupyter configuration.
# The kernel runs from its own copy in the venv: the shared target
# directory's binary is whichever clone built last. The binary carries its
# prelude (unpacked into the cache on first use), so the kernelspec names no
# file of this clone. The copy is replaced by a rename, so a kernel that is
# running keeps its file. `memscope install` also fetches the crates cells
# build against, so kernels start without the network.
step "Registering the memscope kernel in $VENV"
MEMSCOPE_BIN="$VENV/bin/memscope"
if ! cmp -s "$BUILT_BIN" "$MEMSCOPE_BIN"; then
    cp "$BUILT_BIN" "$MEMSCOPE_BIN.new"
    mv -f "$MEMSCOPE_BIN.new" "$MEMSCOPE_BIN"
fi
export MEMSCOPE_BIN
"$MEMSCOPE_BIN" install --prefix "$VENV"
kernelspecs="$("$VENV/bin/jupyter" kernelspec list)"
spec_dir="$(printf '%s\n' "$kernelspecs" | awk '$1 == "memscope" { print $2 }')"
[ -n "$spec_dir" ] \
    || die "'jupyter kernelspec list' does not show memscope after '$MEMSCOPE_BIN install --prefix $VENV'"
# A kernelspec of the same name found earlier on Jupyter's data path (for
# example through JUPYTER_PATH, or in ~/.local/share/jupyter when
# JUPYTER_PREFER_ENV_PATH=0) would be used instead of the one just built.
expected_dir="$VENV/share/jupyter/kernels/memscope"
if [ "$(realpath -- "$spec_dir" 2>/dev/null || printf '%s' "$spec_dir")" != "$(realpath -- "$expected_dir" 2>/dev/null || printf '%s' "$expected_dir")" ]; then
    warn "Jupyter uses the memscope kernelspec in $spec_dir, not $expected_dir; remove the other one to use this build"
fi

# --- f. Proof ---------------------------------------------------------------
# Executing the getting-started notebook exercises the real path a user takes:
# Jupyter starts the kernel from its kernelspec and runs every cell. The
# executed copy goes to the cache folder, never over the committed notebook.
# It goes into the cache, replaced on every run, so nothing is left in /tmp.
PROOF_DIR="${MEMSCOPE_CACHE_DIR:-$HOME/.cache/memscope}/proof"
mkdir -p "$PROOF_DIR"
step "Executing notebooks/getting-started.ipynb"
"$VENV/bin/jupyter" nbconvert --to notebook --execute "$NOTEBOOK" \
    --ExecutePreprocessor.kernel_name=memscope \
    --ExecutePreprocessor.timeout="${MEMSCOPE_CELL_TIMEOUT:-600}" \
    --output-dir "$PROOF_DIR"

step "memscope is installed; the executed notebook is $PROOF_DIR/$(basename "$NOTEBOOK")"
step "Start JupyterLab with: $VENV/bin/jupyter lab   (or .venv/bin/jupyter lab from $ROOT)"
