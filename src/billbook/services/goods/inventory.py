"""Inventory: stock adjustments (admin, with a reason), the per-product ledger, the
ledger-vs-stock proof, and the low-stock list.

Every stock change is a ``stock_movements`` row written by ``services/ledgers/stock.move_stock``;
``products.stock_qty`` must equal the sum of a product's movements, which :func:`verify_stock`
proves for every product in one grouped query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billbook.db.models import Product, StockMovement, User
from billbook.db.uow import Database
from billbook.domain.money import MoneyError, parse_qty, qty_str
from billbook.domain.permissions import Permission
from billbook.services.base import Actor, audit, requires
from billbook.services.base import check_paging
from billbook.services.goods.catalog import ProductInfo, find_product, product_info
from billbook.services.goods.purchasing import on_order
from billbook.domain import units
from billbook.errors import ValidationError
from billbook.services.people.shop import get_or_create_shop
from billbook.services.ledgers.stock import ADJUSTMENT_KINDS, lock_products, move_stock

#: units sold in whole pieces: a suggested order quantity is rounded up to a whole number
WHOLE_UNITS = units.WHOLE_UNITS


@dataclass(frozen=True)
class Movement:
    id: int
    at: dt.datetime
    qty_delta: Decimal
    balance: Decimal
    reason: str
    detail: str
    user: str | None
    ref_type: str
    ref_id: int | None
    unit_cost: Decimal | None

    def to_json(self) -> dict:
        return {"id": self.id, "at": self.at.isoformat(), "qty": qty_str(self.qty_delta),
                "balance": qty_str(self.balance), "reason": self.reason, "detail": self.detail, "user": self.user,
                "ref_type": self.ref_type, "ref_id": self.ref_id,
                "unit_cost": str(self.unit_cost) if self.unit_cost is not None else None}


@dataclass(frozen=True)
class StockCard:
    product: ProductInfo
    movements: list[Movement]   # oldest first; the last ``limit`` ones
    ledger_total: Decimal

    def to_json(self) -> dict:
        return {"product": self.product.to_json(), "ledger_total": qty_str(self.ledger_total),
                "movements": [m.to_json() for m in self.movements]}


@dataclass(frozen=True)
class Mismatch:
    sku: str
    name: str
    stock_qty: Decimal
    ledger_total: Decimal

    def to_json(self) -> dict:
        return {"sku": self.sku, "name": self.name, "stock": qty_str(self.stock_qty),
                "ledger_total": qty_str(self.ledger_total)}


@dataclass(frozen=True)
class VerifyResult:
    products: int
    movements: int
    mismatches: list[Mismatch]

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def to_json(self) -> dict:
        return {"ok": self.ok, "products": self.products, "movements": self.movements,
                "mismatches": [m.to_json() for m in self.mismatches]}


@dataclass(frozen=True)
class LowStock:
    sku: str
    name: str
    unit: str
    stock_qty: Decimal
    reorder_level: Decimal
    shortfall: Decimal        # reorder_level - stock (how far below, >= 0)
    on_order: Decimal         # still expected from open purchase orders
    suggested_qty: Decimal    # to reach 2 x reorder level, less what is on order

    def to_json(self) -> dict:
        return {"sku": self.sku, "name": self.name, "unit": self.unit, "stock": qty_str(self.stock_qty),
                "reorder_level": qty_str(self.reorder_level), "shortfall": qty_str(self.shortfall),
                "on_order": qty_str(self.on_order), "suggested_qty": qty_str(self.suggested_qty)}


def _qty(value, field: str, *, negative: bool) -> Decimal:
    try:
        return parse_qty(value, field=field, allow_negative=negative, allow_zero=False)
    except MoneyError as exc:
        raise ValidationError(field, str(exc).split(": ", 1)[-1]) from None


def _kind(kind: str | None) -> str:
    k = (kind or "").strip().lower()
    aliases = {"count correction": "count", "correction": "count", "expired": "expiry", "damaged": "damage",
               "stolen": "theft"}
    k = aliases.get(k, k)
    if k not in ADJUSTMENT_KINDS:
        raise ValidationError("reason", f"say why: one of {', '.join(ADJUSTMENT_KINDS)}")
    return k


def _note(note: str | None) -> str:
    text = (note or "").strip()
    if len(text) > 180 or any(ord(c) < 32 for c in text):
        raise ValidationError("note", "at most 180 characters, one line")
    return text


def _adjust(s: Session, actor: Actor, sku: str, delta_of, kind: str, note: str) -> ProductInfo:
    p0 = find_product(s, sku)
    p = lock_products(s, [p0.id])[p0.id]
    delta = delta_of(p)
    units.check_quantity(p.stock_qty + delta, p.unit, field="qty", what=f"{p.name} ({p.sku})")
    units.check_quantity(delta, p.unit, field="qty", what=f"{p.name} ({p.sku})")
    if delta == 0:
        raise ValidationError("qty", f"{p.sku} already has {qty_str(p.stock_qty)}; nothing to adjust")
    new = p.stock_qty + delta
    if new < 0 and not get_or_create_shop(s).allow_negative_stock:
        raise ValidationError("qty", f"{p.sku} has {qty_str(p.stock_qty)}; removing {qty_str(-delta)} "
                                     "would make stock negative")
    detail = f"{kind}: {note}" if note else kind
    move_stock(s, [(p, delta, None)], "adjustment", actor, detail=detail)
    audit(s, actor, "stock.adjust", "product", p.id, sku=p.sku, kind=kind, note=note, delta=delta,
          changes={"stock_qty": (p.stock_qty - delta, p.stock_qty)})
    s.flush()
    return product_info(p)


@requires(Permission.MANAGE_STOCK)
def adjust_stock(db: Database, actor: Actor, sku: str, delta, reason: str, note: str | None = None) -> ProductInfo:
    """Add (or, negative, remove) stock outside a sale or receipt: damage, theft, count, expiry, other."""
    d = _qty(delta, "qty", negative=True)
    kind, text = _kind(reason), _note(note)
    return db.run(lambda s: _adjust(s, actor, sku, lambda p: d, kind, text))


@requires(Permission.MANAGE_STOCK)
def count_stock(db: Database, actor: Actor, sku: str, counted, note: str | None = None) -> ProductInfo:
    """Record a physical count: the difference to the books becomes a 'count' adjustment."""
    try:
        c = parse_qty(counted, field="counted", allow_zero=True)
    except MoneyError as exc:
        raise ValidationError("counted", str(exc).split(": ", 1)[-1]) from None
    text = _note(note)
    return db.run(lambda s: _adjust(s, actor, sku, lambda p: c - p.stock_qty, "count", text))


@requires(Permission.VIEW_PRODUCTS)
def stock_card(db: Database, actor: Actor, sku: str, *, limit: int = 100) -> StockCard:
    """A product's stock and its latest ledger rows with the running balance."""
    limit, _ = check_paging(limit, 0)

    def work(s: Session) -> StockCard:
        p = find_product(s, sku)
        total = s.scalar(select(func.coalesce(func.sum(StockMovement.qty_delta), 0))
                         .where(StockMovement.product_id == p.id))
        rows = s.execute(select(StockMovement, User.username).outerjoin(User, User.id == StockMovement.user_id)
                         .where(StockMovement.product_id == p.id)
                         .order_by(StockMovement.id.desc()).limit(limit)).all()
        balance = Decimal(total)
        out = []
        for m, user in rows:  # newest first: walk the balance back
            out.append(Movement(m.id, m.at, m.qty_delta, balance, m.reason, m.detail, user, m.ref_type, m.ref_id,
                                m.unit_cost))
            balance -= m.qty_delta
        return StockCard(product_info(p), list(reversed(out)), Decimal(total))
    return db.run(work, readonly=True)


def verify_in(s: Session) -> VerifyResult:
    sums = (select(StockMovement.product_id, func.sum(StockMovement.qty_delta).label("total"),
                   func.count().label("n")).group_by(StockMovement.product_id).subquery())
    rows = s.execute(select(Product.sku, Product.name, Product.stock_qty, sums.c.total, sums.c.n)
                     .outerjoin(sums, sums.c.product_id == Product.id).order_by(Product.id)).all()
    mismatches, movements = [], 0
    for sku, name, stock, total, n in rows:
        total = Decimal(total or 0)
        movements += n or 0
        if Decimal(stock) != total:
            mismatches.append(Mismatch(sku, name, stock, total))
    return VerifyResult(len(rows), movements, mismatches)


@requires(Permission.MANAGE_STOCK)
def verify_stock(db: Database, actor: Actor) -> VerifyResult:
    """Prove that every product's stock equals the sum of its ledger movements."""
    return db.run(verify_in, readonly=True)


def suggested_order(stock: Decimal, level: Decimal, on_order: Decimal, unit: str) -> Decimal:
    """Enough to bring stock to twice the reorder level, less what is already on order
    (whole units for countable goods)."""
    want = max(level * 2 - stock - on_order, Decimal("0"))
    if units.is_whole(unit):
        want = want.to_integral_value(rounding=ROUND_CEILING)
    return want


@requires(Permission.VIEW_PRODUCTS)
def low_stock(db: Database, actor: Actor, *, limit: int = 500) -> list[LowStock]:
    """Active products at or below their reorder level (level > 0), furthest below first."""
    limit, _ = check_paging(limit, 0)

    def work(s: Session) -> list[LowStock]:
        rows = s.execute(select(Product.id, Product.sku, Product.name, Product.unit, Product.stock_qty,
                                Product.reorder_level)
                         .where(Product.active.is_(True), Product.reorder_level > 0,
                                Product.stock_qty <= Product.reorder_level)).all()
        pending = on_order(s)
        out = [LowStock(sku, name, unit, stock, level, level - stock, pending.get(pid, Decimal("0")),
                        suggested_order(stock, level, pending.get(pid, Decimal("0")), unit))
               for pid, sku, name, unit, stock, level in rows]
        out.sort(key=lambda r: (-r.shortfall, -(r.shortfall / r.reorder_level), r.sku))
        return out[:limit]
    return db.run(work, readonly=True)
