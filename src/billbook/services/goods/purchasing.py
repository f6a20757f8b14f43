"""Purchase orders: draft → ordered → partially received → received, or cancelled.

Only the transitions in :data:`TRANSITIONS` are allowed; any other is refused with
``InvalidTransition``. Receiving (part or all of an order) adds stock through the ledger
(reason ``receipt``, referencing the order) and, unless told not to, sets each product's
cost price to the order's unit cost. Numbers come from the ``PO`` series (``PO/26-27/0000001``)
taken inside the writing transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from billbook import clock
from billbook.db.models import Product, PurchaseOrder, PurchaseOrderLine
from billbook.db.uow import Database
from billbook.domain import units
from billbook.domain.money import MoneyError, money_str, parse_amount, parse_qty, qty_str, round_money
from billbook.domain.permissions import Permission
from billbook.services.base import Actor, audit, requires, check_paging
from billbook.services.goods.catalog import find_product
from billbook.errors import InvalidTransition, NotFound, ValidationError
from billbook.services.ledgers.numbering import next_number
from billbook.services.ledgers.stock import lock_products, move_stock
from billbook.services.goods.suppliers import find_supplier

DRAFT, ORDERED, PARTIAL, RECEIVED, CANCELLED = "draft", "ordered", "partially_received", "received", "cancelled"
STATES = (DRAFT, ORDERED, PARTIAL, RECEIVED, CANCELLED)

#: every allowed (from, to); receiving again while partially received stays partially received
TRANSITIONS = frozenset({
    (DRAFT, ORDERED),
    (ORDERED, PARTIAL), (ORDERED, RECEIVED),
    (PARTIAL, PARTIAL), (PARTIAL, RECEIVED),
    (DRAFT, CANCELLED), (ORDERED, CANCELLED),
})

SERIES = "PO"


def check_transition(current: str, target: str, number: str = "") -> None:
    if (current, target) not in TRANSITIONS:
        raise InvalidTransition(f"Purchase order {number} is {current.replace('_', ' ')}; "
                                f"it cannot become {target.replace('_', ' ')}.")


@dataclass(frozen=True)
class POLineInfo:
    sku: str
    name: str
    qty: Decimal
    unit_cost: Decimal
    received_qty: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(self.qty - self.received_qty, Decimal("0"))

    @property
    def amount(self) -> Decimal:
        return round_money(self.qty * self.unit_cost)

    def to_json(self) -> dict:
        return {"sku": self.sku, "name": self.name, "qty": qty_str(self.qty), "unit_cost": money_str(self.unit_cost),
                "received": qty_str(self.received_qty), "remaining": qty_str(self.remaining),
                "amount": money_str(self.amount)}


@dataclass(frozen=True)
class POInfo:
    id: int
    number: str
    supplier: str
    status: str
    created_at: dt.datetime
    ordered_at: dt.datetime | None
    closed_at: dt.datetime | None
    notes: str
    total: Decimal
    lines: tuple[POLineInfo, ...]

    def to_json(self) -> dict:
        return {"number": self.number, "supplier": self.supplier, "status": self.status,
                "created_at": self.created_at.isoformat(),
                "ordered_at": self.ordered_at.isoformat() if self.ordered_at else None,
                "closed_at": self.closed_at.isoformat() if self.closed_at else None,
                "notes": self.notes, "total": money_str(self.total), "lines": [ln.to_json() for ln in self.lines]}


def _info(s: Session, po: PurchaseOrder) -> POInfo:
    products = {p.id: p for p in s.scalars(select(Product).where(Product.id.in_([ln.product_id for ln in po.lines])))}
    lines = tuple(POLineInfo(products[ln.product_id].sku, products[ln.product_id].name, ln.qty, ln.unit_cost,
                             ln.received_qty) for ln in po.lines)
    return POInfo(po.id, po.number, po.supplier.name, po.status, po.created_at, po.ordered_at, po.closed_at,
                  po.notes, po.total, lines)


def _find(s: Session, number: str, *, lock: bool = False) -> PurchaseOrder:
    stmt = select(PurchaseOrder).where(PurchaseOrder.number == (number or "").strip())
    if lock:
        stmt = stmt.with_for_update()
    po = s.scalars(stmt).one_or_none()
    if po is None:
        raise NotFound(f"No purchase order {number!r}.")
    return po


def _parse_items(items, *, with_cost: bool) -> list[tuple]:
    if not items:
        raise ValidationError("items", "at least one item is needed")
    if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        raise ValidationError("items", "a list of items is needed")
    out, seen = [], set()
    for item in items:
        if not isinstance(item, (tuple, list)) or len(item) != (3 if with_cost else 2):
            raise ValidationError("items", f"each item is SKU, quantity{', unit cost' if with_cost else ''}")
        sku = str(item[0] or "").strip()
        if not sku:
            raise ValidationError("items", "an item needs a SKU")
        if sku in seen:
            raise ValidationError("items", f"{sku} is listed twice")
        seen.add(sku)
        try:
            qty = parse_qty(item[1], field=f"quantity of {sku}")
            if with_cost:
                cost = parse_amount(item[2], field=f"unit cost of {sku}")
        except MoneyError as exc:
            raise ValidationError("items", str(exc)) from None
        out.append((sku, qty, cost) if with_cost else (sku, qty))
    return out


@requires(Permission.MANAGE_PURCHASING)
def create_po(db: Database, actor: Actor, supplier: str, items, *, notes: str = "", order: bool = False) -> POInfo:
    """A new purchase order in draft (or straight to ordered with ``order=True``).

    ``items`` is a list of ``(sku, qty, unit_cost)``.
    """
    lines = _parse_items(items, with_cost=True)
    notes = (notes or "").strip()
    if len(notes) > 400:
        raise ValidationError("notes", "at most 400 characters")

    def work(s: Session) -> POInfo:
        sup = find_supplier(s, supplier)
        if not sup.active:
            raise ValidationError("supplier", f"{sup.name} is deactivated")
        now = clock.now()
        resolved = []
        for sku, qty, cost in lines:
            p = find_product(s, sku)
            if not p.active:
                raise ValidationError("items", f"{p.sku} is deactivated")
            units.check_quantity(qty, p.unit, field="items", what=f"{p.name} ({p.sku})")
            resolved.append((p, qty, cost))
        number, _, _ = next_number(s, SERIES, SERIES, now)
        po = PurchaseOrder(number=number, supplier_id=sup.id, status=ORDERED if order else DRAFT, created_at=now,
                           created_by=actor.user_id, ordered_at=now if order else None, notes=notes,
                           total=sum((round_money(q * c) for _, q, c in resolved), Decimal("0")))
        s.add(po)
        s.flush()
        for p, qty, cost in resolved:
            s.add(PurchaseOrderLine(po_id=po.id, product_id=p.id, qty=qty, unit_cost=cost, received_qty=Decimal("0")))
        s.flush()
        s.refresh(po, ["lines", "supplier"])
        audit(s, actor, "po.create", "purchase_order", po.id, number=number, supplier=sup.name, total=po.total,
              status=po.status)
        return _info(s, po)
    return db.run(work)


def _move(db: Database, actor: Actor, number: str, target: str) -> POInfo:
    def work(s: Session) -> POInfo:
        po = _find(s, number, lock=True)
        check_transition(po.status, target, po.number)
        old = po.status
        po.status = target
        if target == ORDERED:
            po.ordered_at = clock.now()
        if target == CANCELLED:
            po.closed_at = clock.now()
        audit(s, actor, f"po.{'order' if target == ORDERED else 'cancel'}", "purchase_order", po.id,
              number=po.number, changes={"status": (old, target)})
        return _info(s, po)
    return db.run(work)


@requires(Permission.MANAGE_PURCHASING)
def order_po(db: Database, actor: Actor, number: str) -> POInfo:
    """Mark a draft as sent to the supplier."""
    return _move(db, actor, number, ORDERED)


@requires(Permission.MANAGE_PURCHASING)
def cancel_po(db: Database, actor: Actor, number: str) -> POInfo:
    """Cancel a draft or ordered purchase order (nothing received yet)."""
    return _move(db, actor, number, CANCELLED)


@requires(Permission.MANAGE_PURCHASING)
def receive_po(db: Database, actor: Actor, number: str, items=None, *, update_cost: bool = True) -> POInfo:
    """Receive goods against an ordered (or partly received) order, in one transaction.

    ``items`` is a list of ``(sku, qty)``; None receives everything still outstanding.
    Each received quantity becomes a ``receipt`` ledger row; more than is outstanding is
    refused. With ``update_cost`` the product's cost price becomes the order's unit cost.
    """
    wanted = _parse_items(items, with_cost=False) if items is not None else None

    def work(s: Session) -> POInfo:
        po = _find(s, number, lock=True)
        if po.status not in (ORDERED, PARTIAL):
            check_transition(po.status, RECEIVED, po.number)
        by_product = {ln.product_id: ln for ln in po.lines}
        if wanted is None:
            todo = [(ln, ln.qty - ln.received_qty) for ln in po.lines if ln.qty > ln.received_qty]
        else:
            todo = []
            for sku, qty in wanted:
                p = find_product(s, sku)
                ln = by_product.get(p.id)
                if ln is None:
                    raise ValidationError("items", f"{p.sku} is not on {po.number}")
                units.check_quantity(qty, p.unit, field="items", what=f"{p.name} ({p.sku})")
                remaining = ln.qty - ln.received_qty
                if qty > remaining:
                    raise ValidationError("items", f"{p.sku}: only {qty_str(remaining)} still to receive, "
                                                   f"not {qty_str(qty)}")
                todo.append((ln, qty))
        if not todo:
            raise ValidationError("items", f"nothing left to receive on {po.number}")
        products = lock_products(s, [ln.product_id for ln, _ in todo])
        cost_changes = {}
        for ln, qty in sorted(todo, key=lambda t: t[0].product_id):
            p = products[ln.product_id]
            move_stock(s, [(p, qty, ln.unit_cost)], "receipt", actor, ref_type="po", ref_id=po.id, detail=po.number)
            ln.received_qty += qty
            if update_cost and p.cost_price != ln.unit_cost:
                cost_changes[p.sku] = (p.cost_price, ln.unit_cost)
                p.cost_price = ln.unit_cost
                p.updated_at = clock.now()
        target = RECEIVED if all(ln.received_qty >= ln.qty for ln in po.lines) else PARTIAL
        check_transition(po.status, target, po.number)
        old = po.status
        po.status = target
        if target == RECEIVED:
            po.closed_at = clock.now()
        audit(s, actor, "po.receive", "purchase_order", po.id, number=po.number,
              received={p.sku: qty for (ln, qty) in todo for p in [products[ln.product_id]]},
              changes={"status": (old, target)}, cost_changes=cost_changes)
        return _info(s, po)
    return db.run(work)


@requires(Permission.MANAGE_PURCHASING)
def get_po(db: Database, actor: Actor, number: str) -> POInfo:
    return db.run(lambda s: _info(s, _find(s, number)), readonly=True)


@requires(Permission.MANAGE_PURCHASING)
def list_pos(db: Database, actor: Actor, *, status: str | None = None, supplier: str | None = None,
             limit: int = 200) -> list[POInfo]:
    """Most recent first."""
    limit, _ = check_paging(limit, 0)
    if status is not None and status not in STATES:
        raise ValidationError("status", f"one of {', '.join(STATES)}")

    def work(s: Session) -> list[POInfo]:
        stmt = (select(PurchaseOrder).options(selectinload(PurchaseOrder.lines), selectinload(PurchaseOrder.supplier))
                .order_by(PurchaseOrder.id.desc()).limit(limit))
        if status:
            stmt = stmt.where(PurchaseOrder.status == status)
        if supplier:
            stmt = stmt.where(PurchaseOrder.supplier_id == find_supplier(s, supplier).id)
        return [_info(s, po) for po in s.scalars(stmt)]
    return db.run(work, readonly=True)


def on_order(session: Session) -> dict[int, Decimal]:
    """Quantity still expected per product id from ordered / partly received orders."""
    rows = session.execute(
        select(PurchaseOrderLine.product_id, PurchaseOrderLine.qty, PurchaseOrderLine.received_qty)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.po_id)
        .where(PurchaseOrder.status.in_((ORDERED, PARTIAL)))).all()
    out: dict[int, Decimal] = {}
    for pid, qty, got in rows:
        out[pid] = out.get(pid, Decimal("0")) + max(qty - got, Decimal("0"))
    return out
