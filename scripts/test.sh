#!/usr/bin/env bash
# Runs every test of the workspace: unit tests, integration tests against in-process OTLP
# receivers (gRPC, HTTP, TLS), the Temporal tests against a real dev server and the Python SDK,
# the examples as programs, and the documentation examples. Needs a Rust toolchain and python3;
# the Temporal CLI and Python SDK are installed into .venv on first run. The tests start and
# stop every server they use.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo not found: install the Rust toolchain (https://rustup.rs), then rerun scripts/test.sh" >&2
    exit 1
fi

bash scripts/setup-test-tools.sh

# The tests (doc tests included) must not see the developer's collector settings or
# credentials: a test span must never reach a real collector. IFTRACER_TEST_* (where the test
# tools are) stays.
while IFS= read -r name; do
    unset "$name"
done < <(compgen -e | grep -E '^(OTEL_|INSIGHTFINDER_|IFTRACER_)' | grep -v '^IFTRACER_TEST_' || true)

# A plain `cargo test` (not filtered by --test) also rebuilds the example binaries that
# tests/examples.rs runs.
# Feature `temporal` of the root package builds the Temporal example and tests.
cargo test --workspace --locked --no-fail-fast --features iftracer-examples/temporal "$@"

# With iftracer's `tracing` feature off, nothing of tracing-opentelemetry is compiled into it.
if cargo tree -p iftracer -e normal --locked | grep -q "tracing-opentelemetry"; then
    echo "iftracer pulls in tracing-opentelemetry without its \`tracing\` feature" >&2
    exit 1
fi
