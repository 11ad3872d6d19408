#!/usr/bin/env bash
# Runs memscope-prelude's tests under Miri, the interpreter that detects
# undefined behaviour: NpArray's views borrow a RefCell'd buffer through two
# small `unsafe` blocks (src/nparray/borrow.rs), and large strided copies use
# pointer arithmetic for streaming stores (src/nparray/streaming.rs, run
# under Miri with ordinary stores); this is their check. The prelude's other
# unsafe code is not Miri's to check (ARCHITECTURE.md lists it all):
# `madvise` (src/nparray/allocation.rs) is a system call Miri does not run,
# and the memory report's reading of evcxr's variable store
# (src/__kernel/report.rs) needs a real cell; the engine and end-to-end
# tiers run it.
#
# Usage (from anywhere): bash kernel/memscope-prelude/miri.sh [extra test args]
# Set CARGO_TARGET_DIR to keep Miri's build apart from normal builds.
#
# Excluded: doc tests. Each is compiled as its own crate and, under Miri,
# interpreted from scratch, which takes minutes for what the unit and
# integration tests (which exercise the same code) already cover; they run
# in the normal `cargo test`.
set -euo pipefail

cd "$(dirname "$0")/../.."

# Miri comes with nightly Rust only; the suite uses one dated nightly, so
# that its result does not change from one day to the next. Move the date
# deliberately (and run this script) when a newer Miri is wanted.
NIGHTLY="nightly-2026-05-20"
if ! cargo "+$NIGHTLY" miri --version >/dev/null 2>&1; then
    rustup toolchain install "$NIGHTLY" --profile minimal --component miri,rust-src
fi

# The unit tests (--lib) and every integration test (--tests), no doc tests.
cargo "+$NIGHTLY" miri test -p memscope-prelude --lib --tests -- "$@"
