#!/usr/bin/env bash
# Checks that the three crates can be published, in order, and that their documentation builds
# without warnings, as a new user (and docs.rs) would get them. Extra arguments go to
# `cargo publish` (`--allow-dirty` while iterating on uncommitted changes).
set -euo pipefail
cd "$(dirname "$0")/.."

# One dry run for the three crates: cargo (1.90+) packages them in dependency order
# (iftracer-macros, iftracer, iftracer-temporal) and builds each package against the packages
# before it, served from a local registry under the target dir, so iftracer's dry run does not
# need iftracer-macros on crates.io. The macros' dev-dependency on iftracer is path-only, which
# cargo leaves out of the published manifest: no cycle.
# Cargo unpacks each package it verifies from that temporary registry into
# $CARGO_HOME/registry/src/-<hash>/ and reuses an unpacked copy with the same name and version: a
# previous run's sources would be built instead of this tree's. Remove ours first.
for unpacked in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/; do
    rm -rf "$unpacked"iftracer-[0-9]* "$unpacked"iftracer-macros-[0-9]* "$unpacked"iftracer-temporal-[0-9]*
done
cargo publish --dry-run --locked -p iftracer-macros -p iftracer -p iftracer-temporal "$@"

# Documentation, warnings as errors (broken links included), with the default features and with
# every feature (what docs.rs builds, see `[package.metadata.docs.rs]`).
export RUSTDOCFLAGS="-D warnings"
cargo doc --no-deps --locked -p iftracer-macros -p iftracer -p iftracer-temporal
cargo doc --no-deps --locked --all-features -p iftracer-macros -p iftracer -p iftracer-temporal
