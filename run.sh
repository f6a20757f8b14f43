#!/usr/bin/env bash
# Set everything up (first time) and start billbook on the embedded SQLite database.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup-venv.sh
exec .venv/bin/python -m billbook "$@"
