"""Root Click group, global options and the helpers every command uses.

The command modules load lazily: ``COMMANDS`` names, for each top-level command, the modules
of this package that define it (or add sub-commands to it) and its one-line help, so
``billbook --help`` imports none of them and ``billbook product list`` imports only
``products`` (and the services it calls). A new command: write it in a module here and add
its line to ``COMMANDS`` (tests/cli/test_cli_lazy.py checks the table against what the
modules define).
"""

from __future__ import annotations

import gc
import getpass
import importlib
import json
import os
import pkgutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from io import StringIO
from typing import TYPE_CHECKING, Any

import click

from billbook.config import terminal_name
from billbook.errors import AuthenticationError

if TYPE_CHECKING:
    from billbook.db.uow import Database
    from billbook.services.base import Actor

#: top-level command → (modules of billbook.cli that define it or add to it, its one-line help)
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "audit": (("audit",), "Audit log (admin)."),
    "backup": (("safety",), "Back up the whole shop to FILE (a portable zip); without FILE, into the backups folder."),
    "category": (("products",), "Product categories."),
    "credit-note": (("documents",), "Credit notes (returns)."),
    "customer": (("customers", "documents"), "Customers."),
    "db": (("admin",), "Database schema."),
    "demo": (("demo",), "Fill an empty shop with realistic demo data (products, customers, sales, returns, "
                        "dues, receipts)."),
    "drawer": (("devices",), "The cash drawer (opens through the receipt printer)."),
    "dues": (("sales",), "Customer dues."),
    "held": (("sales",), "Held (parked) sales."),
    "gst": (("gst",), "GST returns: GSTR-1 (portal JSON and offline-tool CSV) and GSTR-3B."),
    "init": (("admin",), "Create or upgrade the schema; create the first admin (password: BILLBOOK_PASSWORD or "
                         "prompt)."),
    "invoice": (("sales", "documents", "gst", "devices"), "Past invoices: show, list, PDF, export."),
    "label": (("devices",), "Barcode labels: A4 label sheets (PDF) or the label printer."),
    "po": (("purchasing", "documents"), "Purchase orders."),
    "printer": (("devices",), "This terminal's printers: receipt (ESC/POS), A4 (system printer), label."),
    "product": (("products",), "Product catalog."),
    "report": (("reports",), "Reports and charts."),
    "restore": (("safety",), "Replace this shop's data with a backup (checked first; built aside, verified, then "
                             "switched in)."),
    "return": (("sales",), "Take goods back against invoice NUMBER: issue a credit note and restock."),
    "sale": (("sales",), "Ring up a sale in one transaction and print the invoice."),
    "scale": (("devices",), "Weighing-scale barcodes (EAN-13 with the shop's prefix, the PLU and the weight or price)."),
    "shop": (("admin",), "Shop profile."),
    "stock": (("stock",), "Stock ledger."),
    "supplier": (("purchasing",), "Suppliers."),
    "transfer": (("safety",), "Copy the whole shop to another database (SQLite → MySQL and back), verified table "
                              "by table."),
    "user": (("admin",), "Users and roles (admin)."),
}


def load_modules(names) -> None:
    for name in names:
        importlib.import_module(f"{__package__}.{name}")
    resume_collector()


_collector_paused = False


def pause_collector() -> None:
    """Start-up speed: no cyclic garbage collection until the command's modules are loaded.

    Importing a command (SQLAlchemy, the models, the services) makes a few hundred thousand
    objects that live as long as the program, and the collector would scan them again and
    again while they are being made: a tenth of a small command's time. ``run()`` pauses it;
    :func:`resume_collector` freezes what was loaded (never scanned again) and resumes it, so
    the command's own work is collected as usual.
    """
    global _collector_paused
    gc.disable()
    _collector_paused = True


def resume_collector() -> None:
    global _collector_paused
    if _collector_paused:
        gc.freeze()
        gc.enable()
        _collector_paused = False


def load_all_commands() -> None:
    """Import every command module of this package (what a lazy look-up falls back to)."""
    package = sys.modules[__package__]
    load_modules(sorted(m.name for m in pkgutil.iter_modules(package.__path__)
                        if m.name not in ("app", "__main__") and not m.name.startswith("_")))


class LazyGroup(click.Group):
    """A group whose commands are imported when first used (see ``COMMANDS``)."""

    def __init__(self, *args, lazy: dict[str, tuple[tuple[str, ...], str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = lazy
        self._loaded: set[str] = set()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self._loaded:
            load_modules(self.lazy[name][0])
            self._loaded.add(name)
        elif name not in self.commands and name not in self.lazy:
            load_all_commands()   # a command some module defines but COMMANDS does not list yet
        return self.commands.get(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from ``COMMANDS``, without importing a single command module."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            if name in self.lazy:
                text = click.utils.make_default_short_help(self.lazy[name][1], limit)
            else:
                cmd = self.commands[name]
                if cmd.hidden:
                    continue
                text = cmd.get_short_help_str(limit)
            rows.append((name, text))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


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
            from billbook.db.bootstrap import open_database  # SQLAlchemy: only for commands that use the shop
            self._db = open_database(self.db_url, migrate=migrate)
        return self._db

    def actor(self) -> Actor:
        """Log in as ``--user`` / BILLBOOK_USER with BILLBOOK_PASSWORD (or a prompt)."""
        if self._actor is None:
            from billbook.services.people import users  # argon2 and the models: only when logging in
            name = self.user or os.environ.get("BILLBOOK_USER")
            if not name:
                raise AuthenticationError("Say who you are: --user NAME or BILLBOOK_USER.")
            password = read_secret("BILLBOOK_PASSWORD", f"Password for {name}: ")
            self._actor = users.login(self.db(), name, password, f"cli@{terminal_name()}"[:64])
        return self._actor


STATE = CliState()

#: context settings for a command whose argument may be negative ("-3" is a value, not an option)
NEGATIVE_ARGS = {"ignore_unknown_options": True}


def db_and_actor() -> tuple[Database, Actor]:
    """The shop's database and the logged-in acting user: what most commands start with."""
    return STATE.db(), STATE.actor()


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


def emit(data: Any, human: str | Callable[[], str] | None = None) -> None:
    """JSON document with --json, else the human text (or a pretty form of data).

    ``human`` may be a function that makes the text: with --json it is never called, so no
    table is built for output nobody sees.
    """
    if STATE.json or human is None:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(human() if callable(human) else human)


def emit_list(items: list[dict], *, total: int, offset: int, human: Callable[[], str]) -> None:
    """A ``list`` command's output: ``{"items": [...], "total": N, "next_offset": M or null}``
    (shared/CLI.md, "Lists") with --json, else the human text."""
    next_offset = offset + len(items) if offset + len(items) < total else None
    emit({"items": items, "total": total, "next_offset": next_offset}, human)


def page_of(rows: list, limit: int, offset: int) -> tuple[list, int]:
    """One page of a short list a service returns whole, and the whole list's length."""
    return rows[offset:offset + limit], len(rows)


def page_options(default: int, maximum: int):
    """``--limit`` (1..maximum, as the service allows) and ``--offset`` for a list command."""
    def apply(func):
        func = click.option("--offset", default=0, show_default=True, type=click.IntRange(0),
                            help="Skip this many (the previous page's next_offset)")(func)
        return click.option("--limit", default=default, show_default=True, type=click.IntRange(1, maximum),
                            help=f"At most this many (up to {maximum:,})")(func)
    return apply


def table(rows: list[dict], columns: list[str], title: str | None = None) -> str:
    """Render rows as a Rich table into a string (human output)."""
    from rich.console import Console  # Rich only for human output: --json never builds a table
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


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_url", default=None, help="SQLAlchemy URL (default: BILLBOOK_DATABASE_URL, config file, embedded SQLite)")
@click.option("--json", "json_out", is_flag=True, help="Machine output: one JSON document on stdout")
@click.option("--user", default=None, help="Acting billbook user (or BILLBOOK_USER); password from BILLBOOK_PASSWORD or prompt")
def app(db_url: str | None, json_out: bool, user: str | None) -> None:
    """billbook: billing, GST invoices and inventory for small shops."""
    STATE.db_url, STATE.json, STATE.user = db_url, json_out, user
    STATE._db, STATE._actor = None, None
