"""Back-office commands: product, category, customer, supplier, po, stock (see shared/CLI.md)."""

from __future__ import annotations

from pathlib import Path

import click

from billbook.cli.app import STATE, emit, emit_list, page_of, page_options, table
from billbook.cli.groups import (
    category_group, customer_group, po_group, product_group, stock_group, supplier_group,
)
from billbook.domain.money import money_str, qty_str
from billbook.services.goods import catalog
from billbook.services.data import csv_io
from billbook.services.people import customers
from billbook.services.goods import inventory
from billbook.services.goods import purchasing
from billbook.services.goods import suppliers
from billbook.errors import BillbookError, ValidationError
from billbook.services.base import MAX_PAGE

NEG = {"ignore_unknown_options": True}  # lets "-3" through as an argument


def _ctx():
    return STATE.db(), STATE.actor()


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
    db, actor = _ctx()
    p = catalog.add_product(db, actor, **fields)
    emit(p.to_json(), f"Added {p.sku} {p.name} ({money_str(p.price)}, stock {qty_str(p.stock_qty)})")


@product_group.command("list")
@click.option("--search", "text", default="", help="words that must all occur in the name")
@page_options(50, MAX_PAGE)
@click.option("--include-inactive", is_flag=True)
def product_list(text, limit, offset, include_inactive) -> None:
    """List or search products (by name)."""
    db, actor = _ctx()
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
    db, actor = _ctx()
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
    db, actor = _ctx()
    p = catalog.update_product(db, actor, sku, **changes)
    emit(p.to_json(), lambda: _show_product(p))


@product_group.command("deactivate")
@click.argument("sku")
def product_deactivate(sku) -> None:
    """Stop selling a product (its history stays)."""
    p = catalog.deactivate_product(*_ctx(), sku)
    emit(p.to_json(), f"{p.sku} deactivated")


@product_group.command("activate")
@click.argument("sku")
def product_activate(sku) -> None:
    """Sell a deactivated product again."""
    p = catalog.activate_product(*_ctx(), sku)
    emit(p.to_json(), f"{p.sku} active")


@product_group.command("delete")
@click.argument("sku")
def product_delete(sku) -> None:
    """Delete a product that was never sold, returned or ordered."""
    catalog.delete_product(*_ctx(), sku)
    emit({"sku": sku, "deleted": True}, f"{sku} deleted")


@product_group.command("reindex")
def product_reindex() -> None:
    """Rebuild the name-search index."""
    n = catalog.reindex_products(*_ctx())
    emit({"products": n}, f"Search index rebuilt for {n} products")


@product_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="check every row, write nothing")
def product_import(file, dry_run) -> None:
    """Import products (and opening stock) from CSV: all or nothing, bad rows listed by line."""
    db, actor = _ctx()
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
    n = csv_io.export_products(*_ctx(), file, bom=bom, include_inactive=include_inactive, force=force)
    emit({"file": str(file), "rows": n}, f"Wrote {n} products to {file}")


# ---------------------------------------------------------------- category

@category_group.command("add")
@click.argument("name")
def category_add(name) -> None:
    c = catalog.add_category(*_ctx(), name)
    emit(c.to_json(), f"Added category {c.name}")


@category_group.command("list")
@page_options(200, MAX_PAGE)
def category_list(limit, offset) -> None:
    """Product categories with their number of products."""
    rows, total = page_of([c.to_json() for c in catalog.list_categories(*_ctx())], limit, offset)
    emit_list(rows, total=total, offset=offset, human=lambda: table(rows, ["name", "products"]))


@category_group.command("rename")
@click.argument("name")
@click.argument("new_name")
def category_rename(name, new_name) -> None:
    c = catalog.rename_category(*_ctx(), name, new_name)
    emit(c.to_json(), f"Renamed to {c.name}")


@category_group.command("delete")
@click.argument("name")
def category_delete(name) -> None:
    catalog.delete_category(*_ctx(), name)
    emit({"name": name, "deleted": True}, f"Deleted category {name}")


# ---------------------------------------------------------------- customer

def _show_customer(c) -> str:
    return "\n".join(f"{k}: {'' if v is None else v}" for k, v in c.to_json().items())


@customer_group.command("add")
@click.option("--phone", required=True)
@click.option("--name", required=True)
@click.option("--state-code")
@click.option("--gstin")
@click.option("--email")
@click.option("--address")
@click.option("--pincode", help="6-digit PIN code")
@click.option("--locality", help="city or locality")
def customer_add(phone, name, state_code, gstin, email, address, pincode, locality) -> None:
    """Add a customer (phone unique)."""
    db, actor = _ctx()
    c = customers.add_customer(db, actor, phone, name, state_code=state_code, gstin=gstin, address=address,
                               pincode=pincode, locality=locality)
    if email:
        c = customers.update_customer(db, actor, c.phone, email=email)
    emit(c.to_json(), f"Added customer {c.name} ({c.phone})")


@customer_group.command("show")
@click.argument("phone")
def customer_show(phone) -> None:
    """A customer's profile, credits, dues and purchase history."""
    h = customers.customer_history(*_ctx(), phone)
    data = {**h.customer.to_json(), **{k: v for k, v in h.to_json().items() if k != "customer"}}

    def human() -> str:
        lines = [_show_customer(h.customer),
                 f"days since last visit: {h.days_since if h.days_since is not None else '-'}"]
        if h.invoices:
            lines.append(table(h.invoices, ["number", "date", "total", "due"], title="Invoices"))
        return "\n".join(lines)
    emit(data, human)


@customer_group.command("list")
@click.option("--search", "text", default="", help="name words or phone digits")
@page_options(50, MAX_PAGE)
def customer_list(text, limit, offset) -> None:
    """Active customers by name (or phone digits)."""
    page = customers.search_customers(*_ctx(), text, limit=limit, offset=offset)
    rows = [c.to_json() for c in page.items]
    emit_list(rows, total=page.total, offset=offset,
              human=lambda: table(rows, ["phone", "name", "credits", "dues", "visits", "last_visit"]))


@customer_group.command("update")
@click.argument("phone")
@click.option("--name")
@click.option("--new-phone")
@click.option("--email")
@click.option("--gstin")
@click.option("--state-code")
@click.option("--address")
@click.option("--pincode", help="6-digit PIN code")
@click.option("--locality", help="city or locality")
@click.option("--active/--inactive", default=None)
def customer_update(phone, **changes) -> None:
    c = customers.update_customer(*_ctx(), phone, **changes)
    emit(c.to_json(), lambda: _show_customer(c))


@customer_group.command("credits")
@click.argument("phone")
def customer_credits(phone) -> None:
    """The loyalty ledger."""
    rows = [r.to_json() for r in customers.loyalty_ledger(*_ctx(), phone)]
    emit(rows, lambda: table(rows, ["at", "delta", "reason", "note", "balance_after"]))


@customer_group.command("credits-adjust", context_settings=NEG)
@click.argument("phone")
@click.argument("delta")
@click.option("--reason", required=True, help="why (kept in the ledger)")
def customer_credits_adjust(phone, delta, reason) -> None:
    """Add or (negative) remove loyalty credits; never below zero."""
    c = customers.adjust_credits(*_ctx(), phone, delta, reason)
    emit(c.to_json(), f"{c.name} now has {money_str(c.credits)} credits")


@customer_group.command("reward-rule")
@click.option("--period", type=click.Choice(customers.PERIODS))
@click.option("--min-visits")
@click.option("--min-spent")
@click.option("--credits")
@click.option("--enable/--disable", default=None)
def customer_reward_rule(period, min_visits, min_spent, credits, enable) -> None:
    """Show or set the loyalty reward rule (N visits and/or ₹X spent in a period → credits)."""
    db, actor = _ctx()
    if all(v is None for v in (period, min_visits, min_spent, credits, enable)):
        rule = customers.get_reward_rule(db, actor)
    else:
        cur = customers.get_reward_rule(db, actor)
        rule = customers.set_reward_rule(
            db, actor, enabled=cur.enabled if enable is None else enable, period=period or cur.period,
            min_visits=min_visits if min_visits is not None else cur.min_visits,
            min_spent=min_spent if min_spent is not None else cur.min_spent,
            credits=credits if credits is not None else cur.credits)
    emit(rule.to_json(), "\n".join(f"{k}: {v}" for k, v in rule.to_json().items()))


@customer_group.command("apply-rewards")
@click.option("--period", "label", help="e.g. 2026-11 (default: the last complete period)")
def customer_apply_rewards(label) -> None:
    """Give the reward rule's credits for a period (once per customer and period)."""
    run = customers.apply_rewards(*_ctx(), label)
    emit(run.to_json(), f"{run.period}: {len(run.rewarded)} customers rewarded, {run.already} had been already")


@customer_group.command("export")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--bom", is_flag=True)
@click.option("--force", is_flag=True, help="Replace FILE if it exists (never a link or a device)")
def customer_export(file, bom, force) -> None:
    """Export every customer (an owner-only file: phones and dues)."""
    n = csv_io.export_customers(*_ctx(), file, bom=bom, force=force)
    emit({"file": str(file), "rows": n}, f"Wrote {n} customers to {file}")


# ---------------------------------------------------------------- supplier

@supplier_group.command("add")
@click.argument("name")
@click.option("--phone")
@click.option("--email")
@click.option("--gstin")
@click.option("--state-code")
@click.option("--address")
def supplier_add(name, **fields) -> None:
    s = suppliers.add_supplier(*_ctx(), name, **fields)
    emit(s.to_json(), f"Added supplier {s.name}")


@supplier_group.command("list")
@click.option("--include-inactive", is_flag=True)
@page_options(200, MAX_PAGE)
def supplier_list(include_inactive, limit, offset) -> None:
    """Suppliers by name."""
    rows, total = page_of([s.to_json() for s in suppliers.list_suppliers(*_ctx(), include_inactive=include_inactive)],
                          limit, offset)
    emit_list(rows, total=total, offset=offset, human=lambda: table(rows, ["name", "phone", "gstin", "orders",
                                                                          "active"]))


@supplier_group.command("show")
@click.argument("name")
def supplier_show(name) -> None:
    s = suppliers.get_supplier(*_ctx(), name)
    emit(s.to_json(), "\n".join(f"{k}: {v}" for k, v in s.to_json().items()))


@supplier_group.command("update")
@click.argument("name")
@click.option("--new-name")
@click.option("--phone")
@click.option("--email")
@click.option("--gstin")
@click.option("--state-code")
@click.option("--address")
def supplier_update(name, **changes) -> None:
    s = suppliers.update_supplier(*_ctx(), name, **{k: v for k, v in changes.items() if v is not None})
    emit(s.to_json(), "\n".join(f"{k}: {v}" for k, v in s.to_json().items()))


@supplier_group.command("deactivate")
@click.argument("name")
def supplier_deactivate(name) -> None:
    s = suppliers.deactivate_supplier(*_ctx(), name)
    emit(s.to_json(), f"{s.name} deactivated")


# ---------------------------------------------------------------- purchase orders

def _split_item(text: str, with_cost: bool) -> tuple:
    sku, sep, rest = text.partition("=")
    if not sep or not sku.strip():
        raise ValidationError("--item", f"{text!r}: write SKU=QTY{'@COST' if with_cost else ''}")
    if with_cost:
        qty, sep, cost = rest.partition("@")
        if not sep:
            raise ValidationError("--item", f"{text!r}: write SKU=QTY@COST")
        return sku.strip(), qty.strip(), cost.strip()
    return sku.strip(), rest.strip()


def _show_po(po: purchasing.POInfo) -> str:
    head = f"{po.number}  {po.supplier}  {po.status}  total {money_str(po.total)}"
    return head + "\n" + table([ln.to_json() for ln in po.lines],
                               ["sku", "name", "qty", "unit_cost", "received", "remaining", "amount"])


@po_group.command("create")
@click.option("--supplier", required=True)
@click.option("--item", "items", multiple=True, required=True, help="SKU=QTY@COST (repeat)")
@click.option("--notes", default="")
@click.option("--order", is_flag=True, help="mark it ordered at once")
def po_create(supplier, items, notes, order) -> None:
    """Create a purchase order (draft unless --order)."""
    po = purchasing.create_po(*_ctx(), supplier, [_split_item(i, True) for i in items], notes=notes, order=order)
    emit(po.to_json(), lambda: _show_po(po))


@po_group.command("list")
@click.option("--status", type=click.Choice(purchasing.STATES))
@click.option("--supplier")
@page_options(200, MAX_PAGE)
def po_list(status, supplier, limit, offset) -> None:
    """Purchase orders, newest first."""
    pos, total = page_of(purchasing.list_pos(*_ctx(), status=status, supplier=supplier), limit, offset)
    emit_list([p.to_json() for p in pos], total=total, offset=offset, human=lambda: table(
        [{"number": p.number, "supplier": p.supplier, "status": p.status, "total": money_str(p.total),
          "created": p.created_at.isoformat()} for p in pos], ["number", "supplier", "status", "total", "created"]))


@po_group.command("show")
@click.argument("number")
def po_show(number) -> None:
    po = purchasing.get_po(*_ctx(), number)
    emit(po.to_json(), lambda: _show_po(po))


@po_group.command("order")
@click.argument("number")
def po_order(number) -> None:
    """Mark a draft as ordered."""
    po = purchasing.order_po(*_ctx(), number)
    emit(po.to_json(), f"{po.number} ordered")


@po_group.command("receive")
@click.argument("number")
@click.option("--item", "items", multiple=True, help="SKU=QTY (repeat); none = everything outstanding")
@click.option("--keep-cost", is_flag=True, help="do not update products' cost price")
def po_receive(number, items, keep_cost) -> None:
    """Receive goods (adds stock through the ledger)."""
    po = purchasing.receive_po(*_ctx(), number, [_split_item(i, False) for i in items] if items else None,
                               update_cost=not keep_cost)
    emit(po.to_json(), lambda: _show_po(po))


@po_group.command("cancel")
@click.argument("number")
def po_cancel(number) -> None:
    po = purchasing.cancel_po(*_ctx(), number)
    emit(po.to_json(), f"{po.number} cancelled")


# ---------------------------------------------------------------- stock

@stock_group.command("show")
@click.argument("sku")
@click.option("--limit", default=30, show_default=True, type=click.IntRange(1, MAX_PAGE),
              help=f"Latest ledger rows to show (up to {MAX_PAGE:,})")
def stock_show(sku, limit) -> None:
    """A product's stock and latest ledger rows."""
    card = inventory.stock_card(*_ctx(), sku, limit=limit)
    p = card.product
    emit(card.to_json(), lambda: f"{p.sku} {p.name}: {qty_str(p.stock_qty)} {p.unit}\n"
         + table([m.to_json() for m in card.movements], ["at", "qty", "balance", "reason", "detail", "user"]))


@stock_group.command("adjust", context_settings=NEG)
@click.argument("sku")
@click.argument("delta")
@click.option("--reason", required=True, help="damage | theft | count | expiry | other")
@click.option("--note", default="")
def stock_adjust(sku, delta, reason, note) -> None:
    """Add or (negative) remove stock with a reason (admin)."""
    p = inventory.adjust_stock(*_ctx(), sku, delta, reason, note)
    emit(p.to_json(), f"{p.sku} stock now {qty_str(p.stock_qty)}")


@stock_group.command("count")
@click.argument("sku")
@click.argument("counted")
@click.option("--note", default="")
def stock_count(sku, counted, note) -> None:
    """Record a physical count (the difference becomes a count adjustment)."""
    p = inventory.count_stock(*_ctx(), sku, counted, note)
    emit(p.to_json(), f"{p.sku} stock now {qty_str(p.stock_qty)}")


@stock_group.command("low")
def stock_low() -> None:
    """Products at or below their reorder level, furthest below first, with a suggested order."""
    rows = [r.to_json() for r in inventory.low_stock(*_ctx())]
    emit(rows, lambda: table(rows, ["sku", "name", "stock", "reorder_level", "on_order", "suggested_qty"]))


@stock_group.command("verify")
def stock_verify() -> None:
    """Prove every product's stock equals the sum of its ledger movements."""
    r = inventory.verify_stock(*_ctx())
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
    n = csv_io.export_stock_ledger(*_ctx(), file, bom=bom, sku=sku, force=force)
    emit({"file": str(file), "rows": n}, f"Wrote {n} movements to {file}")
