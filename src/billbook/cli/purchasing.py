"""Purchasing commands: ``supplier`` and ``po`` (see shared/CLI.md); ``po pdf`` is in documents.py."""

from __future__ import annotations

import click

from billbook.cli.app import db_and_actor, emit, emit_list, page_of, page_options, table
from billbook.cli.groups import po_group, supplier_group
from billbook.domain.money import money_str
from billbook.errors import ValidationError
from billbook.services.base import MAX_PAGE
from billbook.services.goods import purchasing, suppliers


# ---------------------------------------------------------------- supplier

@supplier_group.command("add")
@click.argument("name")
@click.option("--phone")
@click.option("--email")
@click.option("--gstin")
@click.option("--state-code")
@click.option("--address")
def supplier_add(name, **fields) -> None:
    s = suppliers.add_supplier(*db_and_actor(), name, **fields)
    emit(s.to_json(), f"Added supplier {s.name}")


@supplier_group.command("list")
@click.option("--include-inactive", is_flag=True)
@page_options(200, MAX_PAGE)
def supplier_list(include_inactive, limit, offset) -> None:
    """Suppliers by name."""
    found = suppliers.list_suppliers(*db_and_actor(), include_inactive=include_inactive)
    rows, total = page_of([s.to_json() for s in found], limit, offset)
    emit_list(rows, total=total, offset=offset, human=lambda: table(rows, ["name", "phone", "gstin", "orders",
                                                                          "active"]))


@supplier_group.command("show")
@click.argument("name")
def supplier_show(name) -> None:
    s = suppliers.get_supplier(*db_and_actor(), name)
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
    s = suppliers.update_supplier(*db_and_actor(), name, **{k: v for k, v in changes.items() if v is not None})
    emit(s.to_json(), "\n".join(f"{k}: {v}" for k, v in s.to_json().items()))


@supplier_group.command("deactivate")
@click.argument("name")
def supplier_deactivate(name) -> None:
    s = suppliers.deactivate_supplier(*db_and_actor(), name)
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
    po = purchasing.create_po(*db_and_actor(), supplier, [_split_item(i, True) for i in items], notes=notes,
                              order=order)
    emit(po.to_json(), lambda: _show_po(po))


@po_group.command("list")
@click.option("--status", type=click.Choice(purchasing.STATES))
@click.option("--supplier")
@page_options(200, MAX_PAGE)
def po_list(status, supplier, limit, offset) -> None:
    """Purchase orders, newest first."""
    pos, total = page_of(purchasing.list_pos(*db_and_actor(), status=status, supplier=supplier), limit, offset)
    emit_list([p.to_json() for p in pos], total=total, offset=offset, human=lambda: table(
        [{"number": p.number, "supplier": p.supplier, "status": p.status, "total": money_str(p.total),
          "created": p.created_at.isoformat()} for p in pos], ["number", "supplier", "status", "total", "created"]))


@po_group.command("show")
@click.argument("number")
def po_show(number) -> None:
    po = purchasing.get_po(*db_and_actor(), number)
    emit(po.to_json(), lambda: _show_po(po))


@po_group.command("order")
@click.argument("number")
def po_order(number) -> None:
    """Mark a draft as ordered."""
    po = purchasing.order_po(*db_and_actor(), number)
    emit(po.to_json(), f"{po.number} ordered")


@po_group.command("receive")
@click.argument("number")
@click.option("--item", "items", multiple=True, help="SKU=QTY (repeat); none = everything outstanding")
@click.option("--keep-cost", is_flag=True, help="do not update products' cost price")
def po_receive(number, items, keep_cost) -> None:
    """Receive goods (adds stock through the ledger)."""
    po = purchasing.receive_po(*db_and_actor(), number, [_split_item(i, False) for i in items] if items else None,
                               update_cost=not keep_cost)
    emit(po.to_json(), lambda: _show_po(po))


@po_group.command("cancel")
@click.argument("number")
def po_cancel(number) -> None:
    po = purchasing.cancel_po(*db_and_actor(), number)
    emit(po.to_json(), f"{po.number} cancelled")
