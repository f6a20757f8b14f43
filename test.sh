#!/usr/bin/env bash
# Set everything up (first time) and run the whole test suite.
# MySQL tests use BILLBOOK_TEST_MYSQL_URL (e.g. mysql+mysqlconnector://root@127.0.0.1:3306);
# GUI tests start their own Xvfb when there is no DISPLAY. Outside CI, either may skip with
# a reason; with CI=true they fail loudly instead.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup-venv.sh test
exec .venv/bin/python -m pytest -n "${BILLBOOK_TEST_WORKERS:-2}" "$@"
