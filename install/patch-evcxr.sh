#!/usr/bin/env bash
# Puts evcxr, as published on crates.io, with memscope's patches applied,
# where the workspace's `[patch.crates-io]` expects it:
# kernel/memscope-engine/evcxr/patched (git-ignored).
#
# Usage: install/patch-evcxr.sh [--crate FILE] [--out DIR]
#   --crate FILE  use this .crate file instead of the one in cargo's cache
#                 (fetched from the registry when cargo has not got it yet)
#   --out DIR     write the patched crate here instead
#
# The crate file must have the checksum in kernel/memscope-engine/evcxr/
# crate.sha256 (the one crates.io publishes for the version): anything else
# is refused, and nothing is written. The patches are applied in the order
# of their names. The result is stamped with the checksum of the crate and
# of every patch, so a second run with the same inputs changes nothing (no
# file is touched, and cargo rebuilds nothing); after a change of patches,
# the folder is rebuilt from the pristine crate. install/install.sh and
# tests/run.sh run this before any cargo command; so must a plain
# `cargo build` in a fresh clone.

set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
HERE="$ROOT/kernel/memscope-engine/evcxr"
OUT="$HERE/patched"
CRATE=""

die() { printf 'patch-evcxr: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'patch-evcxr: %s\n' "$*"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --crate) CRATE="${2:?--crate needs a file}"; shift 2 ;;
        --out) OUT="${2:?--out needs a folder}"; shift 2 ;;
        *) die "unknown argument $1 (see the usage at the top of this script)" ;;
    esac
done

# crate.sha256 reads "<sha256>  evcxr-<version>.crate".
read -r WANT CRATE_NAME < "$HERE/crate.sha256"
VERSION="${CRATE_NAME#evcxr-}"
VERSION="${VERSION%.crate}"
PATCHES=("$HERE"/patches/*.patch)
[ -e "${PATCHES[0]}" ] || die "no patches in $HERE/patches"

# What the output must have been made from: the crate, then every patch.
STAMP="$( { echo "$WANT"; sha256sum "${PATCHES[@]}" | cut -d' ' -f1; } | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$OUT/.memscope-patches" 2>/dev/null)" = "$STAMP" ]; then
    say "evcxr $VERSION with ${#PATCHES[@]} patch(es) is up to date in $OUT"
    exit 0
fi

CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
find_cached() {
    find "$CARGO_HOME/registry/cache" -maxdepth 2 -name "$CRATE_NAME" -print -quit 2>/dev/null || true
}

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [ -z "$CRATE" ]; then
    CRATE="$(find_cached)"
    if [ -z "$CRATE" ]; then
        # The workspace cannot fetch it: its manifest points at the folder
        # this script makes. A throwaway package that depends on the exact
        # version has cargo download it, from whatever registry cargo is
        # configured to use.
        say "fetching evcxr $VERSION from the registry"
        mkdir -p "$WORK/fetch/src"
        printf '[package]\nname = "fetch-evcxr"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\nevcxr = "=%s"\n' \
            "$VERSION" > "$WORK/fetch/Cargo.toml"
        : > "$WORK/fetch/src/lib.rs"
        cargo fetch --quiet --manifest-path "$WORK/fetch/Cargo.toml"
        CRATE="$(find_cached)"
        [ -n "$CRATE" ] || die "cargo fetched evcxr $VERSION but $CRATE_NAME is not in $CARGO_HOME/registry/cache"
    fi
fi
[ -f "$CRATE" ] || die "no such crate file: $CRATE"

GOT="$(sha256sum "$CRATE" | cut -d' ' -f1)"
if [ "$GOT" != "$WANT" ]; then
    die "refusing $CRATE: its sha256 is $GOT, but evcxr $VERSION as published has $WANT"
fi

mkdir -p "$WORK/crate"
tar -xzf "$CRATE" -C "$WORK/crate"
SOURCE="$WORK/crate/evcxr-$VERSION"
[ -f "$SOURCE/Cargo.toml" ] || die "$CRATE does not hold evcxr-$VERSION/Cargo.toml"
for patch in "${PATCHES[@]}"; do
    # --dry-run first, so that a patch that does not apply leaves no half
    # of itself behind; `patch` skips the explanation above each diff.
    if ! patch --directory "$SOURCE" --strip 1 --forward --batch --dry-run --quiet < "$patch" > "$WORK/rejects" 2>&1; then
        cat "$WORK/rejects" >&2
        die "$(basename "$patch") does not apply to evcxr $VERSION (see kernel/memscope-engine/evcxr/README.md on rebasing)"
    fi
    patch --directory "$SOURCE" --strip 1 --forward --batch --quiet --no-backup-if-mismatch < "$patch"
done
echo "$STAMP" > "$SOURCE/.memscope-patches"

# Replace the old output in one rename, so that an interrupted run never
# leaves a half-patched crate under the stamp.
mkdir -p "$(dirname "$OUT")"
NEW="$OUT.new.$$"
rm -rf "$NEW"
cp -R "$SOURCE" "$NEW"
rm -rf "$OUT"
mv "$NEW" "$OUT"
say "evcxr $VERSION with ${#PATCHES[@]} patch(es) applied in $OUT"
