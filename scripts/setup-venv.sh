#!/usr/bin/env bash
# Create ./.venv (once) and install billbook into it, with test extras when asked.
#   scripts/setup-venv.sh [test]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "billbook needs Python 3.11 or newer (found $("$PY" --version 2>&1))." >&2; exit 1
fi
if ! "$PY" -c 'import tkinter' 2>/dev/null; then
  echo "Python has no Tk. On Debian/Ubuntu: sudo apt-get install python3-tk" >&2
  [ "${1:-}" = test ] || exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
extras=""
[ "${1:-}" = test ] && extras="[test]"
stamp=".venv/.installed$extras"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".$extras"
  touch "$stamp"
fi
