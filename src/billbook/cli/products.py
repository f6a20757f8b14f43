"""Catalog commands: ``product`` and ``category`` (see shared/CLI.md)."""

from __future__ import annotations

from pathlib import Path

import click

from billbook.cli.app import STATE, db_and_actor, emit, emit_list, page_of, page_options, table
from billbook.cli.groups import category_group, product_group
from billbook.domain.money import money_str, qty_str
from billbook.errors import BillbookError
from billbook.services.base import MAX_PAGE
from billbook.services.data import csv_io
from billbook.services.goods import catalog


def _product_rows(items) -> list[dict]:
    return [{"sku": p.sku, "name": p.name, "price": money_str(p.price), "gst": format(p.gst_rate.normalize(), "f"),
             "stock": qty_str(p.stock_qty), "unit": p.unit, "barcode": p.barcode or "",
             "active": "" if p.active else "no"} for p in items]


def _show_product(p: catalog.ProductInfo) -> str:
    return "\n".join(f"{k}: {'' if v is None else v}" for k, v in p.to_json().items())


# ---------------------------------------------------------------- product

def _product_options(f):
    for opt in reversed([
        click.option("--name"), click.option("--price"), click.option("--gst-rate"), click.option("--hsn"),
        click.option("--barcode"), click.option("--unit"), click.option("--reorder-level"),
        click.option("--category"), click.option("--cost-price"),
    ]):
        f = opt(f)
    return f


@product_group.command("add")
@click.option("--sku", required=True)
@click.option("--name", required=True)
@click.option("--price", required=True)
@click.option("--gst-rate", required=True)
@click.option("--hsn")
@click.option("--barcode")
@click.option("--unit")
@click.option("--stock", help="opening stock (becomes an 'opening' ledger row)")
@click.option("--reorder-level")
@click.option("--tax-inclusive", is_flag=True, help="the price includes GST")
@click.option("--category")
@click.option("--cost-price")
def product_add(**fields) -> None:
    """Add a product."""
    db, actor = db_and_actor()
    p = catalog.add_product(db, actor, **fields)
    emit(p.to_json(), f"Added {p.sku} {p.name} ({money_str(p.price)}, stock {qty_str(p.stock_qty)})")


@product_group.command("list")
@click.option("--search", "text", default="", help="words that must all occur in the name")
@page_options(50, MAX_PAGE)
@click.option("--include-inactive", is_flag=True)
def product_list(text, limit, offset, include_inactive) -> None:
    """List or search products (by name)."""
    db, actor = db_and_actor()
    page = catalog.search_products(db, actor, text, limit=limit, offset=offset, include_inactive=include_inactive,
                                   exact_total=True)

    def human() -> str:
        more = f" (more: --offset {page.next_offset})" if page.next_offset is not None else ""
        return table(_product_rows(page.items), ["sku", "name", "price", "gst", "stock", "unit", "barcode",
                                                 "active"]) + f"\n{page.total} found{more}"
    emit_list([p.to_json() for p in page.items], total=page.total, offset=offset, human=human)


@product_group.command("show")
@click.argument("code")
def product_show(code) -> None:
    """Show a product by SKU or barcode."""
    db, actor = db_and_actor()
    p = catalog.lookup_code(db, actor, code)
    if p is None:
        p = catalog.get_product(db, actor, code)  # raises NotFound with a plain message
    emit(p.to_json(), lambda: _show_product(p))


@product_group.command("update")
@click.argument("sku")
@_product_options
@click.option("--tax-inclusive/--tax-exclusive", default=None)
def product_update(sku, **changes) -> None:
    """Change a product's catalog fields (price and tax changes are audited; invoices keep theirs)."""
    db, actor = db_and_actor()
    p = catalog.update_product(db, actor, sku, **changes)
    emit(p.to_json(), lambda: _show_product(p))


@product_group.command("deactivate")
@click.argument("sku")
def product_deactivate(sku) -> None:
    """Stop selling a product (its history stays)."""
    p = catalog.deactivate_product(*db_and_actor(), sku)
    emit(p.to_json(), f"{p.sku} deactivated")


@product_group.command("activate")
@click.argument("sku")
def product_activate(sku) -> None:
    """Sell a deactivated product again."""
    p = catalog.activate_product(*db_and_actor(), sku)
    emit(p.to_json(), f"{p.sku} active")


@product_group.command("delete")
@click.argument("sku")
def product_delete(sku) -> None:
    """Delete a product that was never sold, returned or ordered."""
    catalog.delete_product(*db_and_actor(), sku)
    emit({"sku": sku, "deleted": True}, f"{sku} deleted")


@product_group.command("reindex")
def product_reindex() -> None:
    """Rebuild the name-search index."""
    n = catalog.reindex_products(*db_and_actor())
    emit({"products": n}, f"Search index rebuilt for {n} products")


@product_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="check every row, write nothing")
def product_import(file, dry_run) -> None:
    """Import products (and opening stock) from CSV: all or nothing, bad rows listed by line."""
    db, actor = db_and_actor()
    if dry_run:
        report = csv_io.import_products(db, actor, file, dry_run=True)
    else:
        report = _import_with_progress(db, actor, file)
    if STATE.json:
        emit(report.to_json())
    else:
        for err in report.errors:
            click.echo(str(err), err=True)
        verdict = (f"{report.rows} rows checked, {len(report.errors)} bad" if dry_run
                   else f"Imported {report.imported} products")
        click.echo(verdict)
    if report.errors:
        # a BillbookError gives exit status 1 with one line (click's Exit is swallowed by main)
        raise BillbookError(f"{len(report.errors)} bad row(s) in {file}; nothing imported")


def _import_with_progress(db, actor, file):
    if STATE.json:
        try:
            return csv_io.import_products(db, actor, file)
        except csv_io.ImportRejected as exc:
            return exc.report
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # Rich only when a bar is drawn (start-up speed)
    with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=True) as bar:
        task = bar.add_task("import", total=None)

        def progress(done, total):
            bar.update(task, completed=done, total=total)
        try:
            return csv_io.import_products(db, actor, file, progress=progress)
        except csv_io.ImportRejected as exc:
            return exc.report


@product_group.command("export")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--bom", is_flag=True, help="start with a UTF-8 byte-order mark (for Excel)")
@click.option("--include-inactive", is_flag=True)
@click.option("--force", is_flag=True, help="Replace FILE if it exists (never a link or a device)")
def product_export(file, bom, include_inactive, force) -> None:
    """Export the catalog in the import's columns."""
    n = csv_io.export_products(*db_and_actor(), file, bom=bom, include_inactive=include_inactive, force=force)
    emit({"file": str(file), "rows": n}, f"Wrote {n} products to {file}")


# ---------------------------------------------------------------- category

@category_group.command("add")
@click.argument("name")
def category_add(name) -> None:
    c = catalog.add_category(*db_and_actor(), name)
    emit(c.to_json(), f"Added category {c.name}")


@category_group.command("list")
@page_options(200, MAX_PAGE)
def category_list(limit, offset) -> None:
    """Product categories with their number of products."""
    rows, total = page_of([c.to_json() for c in catalog.list_categories(*db_and_actor())], limit, offset)
    emit_list(rows, total=total, offset=offset, human=lambda: table(rows, ["name", "products"]))


@category_group.command("rename")
@click.argument("name")
@click.argument("new_name")
def category_rename(name, new_name) -> None:
    c = catalog.rename_category(*db_and_actor(), name, new_name)
    emit(c.to_json(), f"Renamed to {c.name}")


@category_group.command("delete")
@click.argument("name")
def category_delete(name) -> None:
    catalog.delete_category(*db_and_actor(), name)
    emit({"name": name, "deleted": True}, f"Deleted category {name}")
