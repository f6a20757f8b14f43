"""Root Click group, global options and the helpers every command uses."""

from __future__ import annotations

import getpass
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import click

from billbook.config import terminal_name
from billbook.db.uow import Database
from billbook.services.base import Actor
from billbook.errors import AuthenticationError



@dataclass
class CliState:
    db_url: str | None = None
    json: bool = False
    user: str | None = None
    _db: Database | None = None
    _actor: Actor | None = None
    extra: dict = field(default_factory=dict)

    def db(self, *, migrate: bool = True) -> Database:
        if self._db is None:
            from billbook.db.bootstrap import open_database
            self._db = open_database(self.db_url, migrate=migrate)
        return self._db

    def actor(self) -> Actor:
        """Log in as ``--user`` / BILLBOOK_USER with BILLBOOK_PASSWORD (or a prompt)."""
        if self._actor is None:
            from billbook.services.people import users
            name = self.user or os.environ.get("BILLBOOK_USER")
            if not name:
                raise AuthenticationError("Say who you are: --user NAME or BILLBOOK_USER.")
            password = read_secret("BILLBOOK_PASSWORD", f"Password for {name}: ")
            self._actor = users.login(self.db(), name, password, f"cli@{terminal_name()}"[:64])
        return self._actor


STATE = CliState()


def read_secret(env: str, prompt: str, *, confirm: bool = False) -> str:
    """A password from the environment variable ``env`` or a hidden prompt (never an option)."""
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise AuthenticationError(f"No password: set {env} or run in a terminal to be prompted.")
    value = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat: ") != value:
        raise AuthenticationError("The two passwords differ.")
    return value


def emit(data: Any, human: str | None = None) -> None:
    """JSON document with --json, else the human text (or a pretty form of data)."""
    if STATE.json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif human is not None:
        click.echo(human)
    else:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def table(rows: list[dict], columns: list[str], title: str | None = None) -> str:
    """Render rows as a Rich table into a string (human output)."""
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    t = Table(title=title)
    for col in columns:
        t.add_column(col, justify="right" if rows and _looks_numeric(rows[0].get(col)) else "left")
    for row in rows:
        t.add_row(*["" if row.get(c) is None else str(row.get(c)) for c in columns])
    buf = StringIO()
    Console(file=buf, width=160, force_terminal=False).print(t)
    return buf.getvalue().rstrip()


def _looks_numeric(value: Any) -> bool:
    text = str(value) if value is not None else ""
    return bool(text) and text.replace(".", "", 1).replace("-", "", 1).isdigit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_url", default=None, help="SQLAlchemy URL (default: BILLBOOK_DATABASE_URL, config file, embedded SQLite)")
@click.option("--json", "json_out", is_flag=True, help="Machine output: one JSON document on stdout")
@click.option("--user", default=None, help="Acting billbook user (or BILLBOOK_USER); password from BILLBOOK_PASSWORD or prompt")
def app(db_url: str | None, json_out: bool, user: str | None) -> None:
    """billbook: billing, GST invoices and inventory for small shops."""
    STATE.db_url, STATE.json, STATE.user = db_url, json_out, user
    STATE._db, STATE._actor = None, None
