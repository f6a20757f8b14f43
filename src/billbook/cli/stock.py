"""Stock ledger commands: ``stock show/adjust/count/low/verify/export`` (see shared/CLI.md)."""

from __future__ import annotations

from pathlib import Path

import click

from billbook.cli.app import NEGATIVE_ARGS, db_and_actor, emit, table
from billbook.cli.groups import stock_group
from billbook.domain.money import qty_str
from billbook.errors import BillbookError
from billbook.services.base import MAX_PAGE
from billbook.services.data import csv_io
from billbook.services.goods import inventory


# ---------------------------------------------------------------- stock

@stock_group.command("show")
@click.argument("sku")
@click.option("--limit", default=30, show_default=True, type=click.IntRange(1, MAX_PAGE),
              help=f"Latest ledger rows to show (up to {MAX_PAGE:,})")
def stock_show(sku, limit) -> None:
    """A product's stock and latest ledger rows."""
    card = inventory.stock_card(*db_and_actor(), sku, limit=limit)
    p = card.product
    emit(card.to_json(), lambda: f"{p.sku} {p.name}: {qty_str(p.stock_qty)} {p.unit}\n"
         + table([m.to_json() for m in card.movements], ["at", "qty", "balance", "reason", "detail", "user"]))


@stock_group.command("adjust", context_settings=NEGATIVE_ARGS)
@click.argument("sku")
@click.argument("delta")
@click.option("--reason", required=True, help="damage | theft | count | expiry | other")
@click.option("--note", default="")
def stock_adjust(sku, delta, reason, note) -> None:
    """Add or (negative) remove stock with a reason (admin)."""
    p = inventory.adjust_stock(*db_and_actor(), sku, delta, reason, note)
    emit(p.to_json(), f"{p.sku} stock now {qty_str(p.stock_qty)}")


@stock_group.command("count")
@click.argument("sku")
@click.argument("counted")
@click.option("--note", default="")
def stock_count(sku, counted, note) -> None:
    """Record a physical count (the difference becomes a count adjustment)."""
    p = inventory.count_stock(*db_and_actor(), sku, counted, note)
    emit(p.to_json(), f"{p.sku} stock now {qty_str(p.stock_qty)}")


@stock_group.command("low")
def stock_low() -> None:
    """Products at or below their reorder level, furthest below first, with a suggested order."""
    rows = [r.to_json() for r in inventory.low_stock(*db_and_actor())]
    emit(rows, lambda: table(rows, ["sku", "name", "stock", "reorder_level", "on_order", "suggested_qty"]))


@stock_group.command("verify")
def stock_verify() -> None:
    """Prove every product's stock equals the sum of its ledger movements."""
    r = inventory.verify_stock(*db_and_actor())
    human = lambda: (f"OK: {r.products} products, {r.movements} movements, stock equals the ledger" if r.ok  # noqa: E731
                     else table([m.to_json() for m in r.mismatches], ["sku", "name", "stock", "ledger_total"],
                                title="Stock differs from the ledger"))
    emit(r.to_json(), human)
    if not r.ok:
        raise BillbookError(f"stock differs from the ledger for {len(r.mismatches)} product(s)")


@stock_group.command("export")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--sku")
@click.option("--bom", is_flag=True)
@click.option("--force", is_flag=True, help="Replace FILE if it exists (never a link or a device)")
def stock_export(file, sku, bom, force) -> None:
    """Export the stock ledger as CSV."""
    n = csv_io.export_stock_ledger(*db_and_actor(), file, bom=bom, sku=sku, force=force)
    emit({"file": str(file), "rows": n}, f"Wrote {n} movements to {file}")
