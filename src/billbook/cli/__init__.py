"""The billbook command line (see shared/CLI.md for the contract).

The command modules register their commands on ``app`` (cli/app.py), which imports each
only when its command runs; ``main`` runs the whole thing, turning a refused request into
one plain line on stderr and exit status 1, and a usage error into exit status 2 — never a
traceback for a user's mistake.
"""

from __future__ import annotations

import sys

import click

from billbook.cli.app import app, pause_collector
from billbook.errors import BillbookError


def _database_error(exc: BaseException) -> bool:
    """A SQLAlchemy error (checked without importing SQLAlchemy for commands that never load it)."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    return sa_exc is not None and isinstance(exc, sa_exc.SQLAlchemyError)


def main(argv: list[str] | None = None) -> int:
    try:
        app(args=argv, prog_name="billbook", standalone_mode=False)
        return 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        print("Aborted.", file=sys.stderr)
        return 1
    except click.UsageError as exc:
        exc.show()
        return 2
    except click.ClickException as exc:
        exc.show()
        return 1
    except BillbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if _database_error(exc):
            print(f"error: database problem: {type(exc).__name__}: {getattr(exc, 'orig', exc)}", file=sys.stderr)
            return 1
        if isinstance(exc, (OSError, ValueError)):
            print(f"error: {exc}", file=sys.stderr)
            return 1
        raise


def run() -> None:
    """The ``billbook`` program (the console script and ``python -m billbook.cli``)."""
    pause_collector()   # until the command is loaded (start-up speed; see app.pause_collector)
    sys.exit(main())
