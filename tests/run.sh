#!/usr/bin/env bash
# The whole memscope test suite, in one command, on a fresh clone.
#
# 1. install/install.sh: what a user needs (system packages for the build,
#    evcxr with our patches (install/patch-evcxr.sh), the release build,
#    .venv with the pinned Jupyter stack, the kernelspec); then
#    tests/setup.sh: what only the tests need (TeX, pandoc, Chromium, the
#    Python test tools, the browser test's npm packages). Both idempotent.
# 2. Tidy: `cargo fmt --check` and clippy with warnings as errors (the
#    workspace's lints demand a SAFETY comment on every unsafe block).
# 3. cargo test: the unit tests next to the code and the tidy tests
#    (kernel/memscope-tidy), built with the release profile so that the
#    artefacts of step 1 are reused, not rebuilt.
# 4. Miri: the prelude's tests again, under the interpreter that detects
#    undefined behaviour, on a dated nightly (installed if missing).
# 5. pytest: end-to-end tests that drive the real kernel binary through
#    jupyter_client, jupyter_kernel_test, nbclient and nbconvert.
# 6. A smoke run of the latency benchmark (memscope only, a few cells).
#
# Build artefacts live outside the clone (MEMSCOPE_CACHE_DIR, default
# ~/.cache/memscope), so a second clone or a CI run reuses them.
# Extra arguments are passed to pytest (e.g. tests/run.sh -k history).

set -euo pipefail

# rust-analyzer's crates (inside evcxr) read the CI variable at compile
# time, so a build with CI set and one without it rebuild each other from
# scratch (about six minutes) in the shared target directory. Builds run
# without it, wherever they run.
unset CI

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"

export MEMSCOPE_CACHE_DIR="${MEMSCOPE_CACHE_DIR:-$HOME/.cache/memscope}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$MEMSCOPE_CACHE_DIR/target}"
CARGO_BIN_DIR="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in *":$CARGO_BIN_DIR:"*) ;; *) export PATH="$CARGO_BIN_DIR:$PATH" ;; esac

echo "==> Setting up (install/install.sh, then tests/setup.sh)"
bash install/install.sh
bash tests/setup.sh

# install.sh has applied evcxr's patches already; this second run checks
# that they are still the ones the workspace builds (it changes nothing
# when they are), before any cargo command below reads the workspace.
bash install/patch-evcxr.sh

echo "==> Tidy: formatting and lints"
cargo fmt --all --check
cargo clippy --release --locked --workspace --all-targets -- -D warnings

echo "==> Rust unit tests (and the tidy tests)"
RUN_SLOW_TESTS=1 cargo test --release --locked --workspace

echo "==> Our evcxr patches' own unit tests"
# Only the modules the patches add (type names, the cell cache): evcxr's
# other tests are evcxr's.
cargo test --release --locked -p evcxr --lib -- compiler_types cell_cache direct_rustc

echo "==> The prelude under Miri"
# One Miri target directory per clone: cargo-miri's test "binaries" are
# scripts that cd into the clone that built them, and test names do not
# change between clones, so a shared directory would run another clone's
# (possibly deleted) sources.
CLONE_ID="$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
CARGO_TARGET_DIR="$MEMSCOPE_CACHE_DIR/target-miri-$CLONE_ID" bash kernel/memscope-prelude/miri.sh

echo "==> End-to-end tests"
# Keep Jupyter's per-user state out of the way: the suite must use the
# kernelspec in .venv, and must not leave runtime files in the home folder.
export JUPYTER_RUNTIME_DIR="${JUPYTER_RUNTIME_DIR:-$(mktemp -d)}"
"$ROOT/.venv/bin/python" -m pytest tests/python -p no:cacheprovider "$@"

echo "==> Benchmark smoke (the full run: tests/bench/kernel_latency.py, see BENCHMARKS.md)"
"$ROOT/.venv/bin/python" tests/bench/kernel_latency.py --smoke
