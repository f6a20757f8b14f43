"""``billbook audit search``: who did what and when (admin)."""

from __future__ import annotations

import click

from billbook.cli.app import STATE, emit, table
from billbook.cli.groups import audit_group
from billbook.services.insight.audit import MAX_PAGE_SIZE, search_audit


@audit_group.command("search")
@click.option("--user", "who", default=None, help="User name")
@click.option("--action", default=None, help="Action, or a prefix ending in * (login.*)")
@click.option("--entity", default=None, help="Entity type, e.g. invoice, product, user")
@click.option("--id", "entity_id", default=None, help="Entity id")
@click.option("--from", "date_from", default=None, help="From date (YYYY-MM-DD), inclusive")
@click.option("--to", "date_to", default=None, help="To date (YYYY-MM-DD), inclusive")
@click.option("--text", default=None, help="Text anywhere in the entry")
@click.option("--page", default=1, type=int, show_default=True)
@click.option("--page-size", default=50, type=click.IntRange(1, MAX_PAGE_SIZE), show_default=True,
              help=f"Entries a page (up to {MAX_PAGE_SIZE})")
def audit_search(who, action, entity, entity_id, date_from, date_to, text, page, page_size) -> None:
    """Search the audit log (admin): who did what and when, newest first."""
    result = search_audit(STATE.db(), STATE.actor(), user=who, action=action, entity=entity, entity_id=entity_id,
                          date_from=date_from, date_to=date_to, text=text, page=page, page_size=page_size)
    rows = [{"at": r.at.isoformat(sep=" "), "user": r.username, "terminal": r.terminal, "action": r.action,
             "entity": f"{r.entity} {r.entity_id}".strip(),
             "details": r.details if isinstance(r.details, str) else
             ", ".join(f"{k}={v}" for k, v in r.details.items())[:80]} for r in result.rows]
    emit(result.to_json(), lambda: table(rows, ["at", "user", "terminal", "action", "entity", "details"],
                                 title=f"Audit log — page {result.page} of {result.pages} ({result.total} entries)"))
