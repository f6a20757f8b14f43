"""Keeping the data safe: backup, restore, transfer between databases."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import click

from billbook.cli.app import STATE, app, emit, table
from billbook.services.data import backup as svc
from billbook.services.data.transfer import transfer_shop
from billbook.services.people.users import has_users


@contextmanager
def _progress(label: str):
    """A Rich progress bar on stderr (stdout stays clean for --json); yields a callback."""
    from rich.console import Console  # Rich only when a bar is drawn (start-up speed)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[table]}"), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task(label, total=None, table="")

        def update(table_name: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=max(total, 1), table=table_name)
        yield update


@app.command("backup")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace FILE if it exists (never a link or a device)")
def backup_cmd(file: str | None, force: bool) -> None:
    """Back up the whole shop to FILE (a portable zip); without FILE, into the backups folder."""
    db, actor = STATE.db(), STATE.actor()
    with _progress("Backing up") as progress:
        info = svc.backup(db, actor, file, progress=progress, force=force) if file else svc.backup_now(db, actor, progress=progress)
    emit(info.to_json(), f"Backup written: {info.path} ({info.total_rows} rows, {info.size} bytes, "
                         f"sha256 {info.sha256[:16]}…)")


@app.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
@click.option("--no-safety-backup", is_flag=True, help="Do not back up the current data first")
def restore_cmd(file: str, yes: bool, no_safety_backup: bool) -> None:
    """Replace this shop's data with a backup (checked first; built aside, verified, then switched in).

    On a database without users yet (a new computer) no login is needed.
    """
    db = STATE.db()
    fresh = not has_users(db)
    actor = None if fresh else STATE.actor()
    svc.verify_backup(file)   # refuse a damaged file before asking anything
    if not yes and sys.stdin.isatty() and not fresh:
        click.confirm(f"Replace ALL data in {db.display_name} with {file}?", abort=True, err=True)
    with _progress("Restoring") as progress:
        if fresh:
            info = svc.restore_new_shop(db, file, progress=progress)
        else:
            info = svc.restore(db, actor, file, safety_backup=not no_safety_backup, progress=progress)
    human = f"Restored {info.backup.total_rows} rows from {file} into {info.database}"
    if info.migrated_from:
        human += f" (upgraded from schema {info.migrated_from})"
    if info.safety_backup:
        human += f"; the previous data is in {info.safety_backup}"
    emit(info.to_json(), human)


@app.command("transfer")
@click.option("--from", "from_url", default=None, help="Source database URL (default: --db / the current one)")
@click.option("--to", "to_url", required=True, help="Target database URL: a new, empty database")
def transfer_cmd(from_url: str | None, to_url: str) -> None:
    """Copy the whole shop to another database (SQLite → MySQL and back), verified table by table.

    Run as an admin of the source shop (--user / BILLBOOK_USER).
    """
    if from_url:
        STATE.db_url = from_url
    db, actor = STATE.db(), STATE.actor()
    with _progress("Copying") as progress:
        report = transfer_shop(db, actor, to_url, progress=progress)
    rows = [{"table": name, "rows": s.rows} for name, s in report.tables.items() if s.rows]
    emit(report.to_json(), lambda: table(rows, ["table", "rows"], title=f"{report.source} → {report.target}")
         + f"\nCopied and verified {report.total_rows} rows (row counts and money totals match).")
