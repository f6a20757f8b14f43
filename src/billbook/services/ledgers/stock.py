"""The stock ledger's one writer: every stock change — a sale, a return, a goods receipt, an
adjustment, opening stock, the demo shop — goes through :func:`move_stock`.

``products.stock_qty`` always equals the sum of the product's ``stock_movements``;
``stock verify`` proves it.

How to use it: lock the products first (:func:`lock_products` in an ORM Session, or the
checkout's own ``SELECT ... FOR UPDATE``), check any limit, then call :func:`move_stock` with
``(product, delta, unit_cost)`` per product. It writes ONE ``UPDATE`` of the products' new
quantities and ONE (multi-row) ``INSERT`` of their ledger rows, in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Update, bindparam, case, insert, select, update
from sqlalchemy.orm import Session

from billbook import clock
from billbook.db.models import Product, StockMovement
from billbook.domain.money import ZERO
from billbook.services.base import Actor

REASONS = ("opening", "sale", "return", "receipt", "adjustment")
ADJUSTMENT_KINDS = ("damage", "theft", "count", "expiry", "other")

#: one stock change: (the locked product — an ORM Product or a Core row with ``id`` and
#: ``stock_qty`` —, the change in quantity, the unit cost to record or None)
Move = tuple[Any, Decimal, Decimal | None]

_PRODUCTS = Product.__table__
_INSERT_MOVEMENTS = insert(StockMovement.__table__)


def lock_products(session: Session, product_ids: list[int]) -> dict[int, Product]:
    """Row-lock products in id order (a fixed order avoids deadlocks between terminals)."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    rows = session.scalars(select(Product).where(Product.id.in_(ids)).order_by(Product.id).with_for_update()).all()
    return {p.id: p for p in rows}


def move_stock(db: Session | Connection, moves: Sequence[Move], reason: str, actor: Actor | None, *,
               ref_type: str = "", ref_id: int | None = None, detail: str = "",
               at: dt.datetime | None = None) -> dict[int, Decimal]:
    """Change the stock of each product in ``moves`` and write its ledger row, in the caller's
    transaction (``db``: the ORM Session or the Core Connection the caller works in).

    ``moves`` hold at most one entry per product, in the order the ledger rows are written;
    each product is the row the caller has locked, so its ``stock_qty`` is current: the new
    quantity is that plus the change, written as a value. ``at``: the document's own time
    (default now). With a Session, its pending changes are flushed first and the
    ``stock_qty`` of its Product objects for these ids is expired (read again on next use).
    Returns ``{product_id: new stock_qty}``.
    """
    if reason not in REASONS:
        raise ValueError(f"unknown stock movement reason {reason!r}")
    new_qty: dict[int, Decimal] = {}
    for product, delta, _cost in moves:
        if product.id in new_qty:
            raise ValueError(f"product {product.id} appears twice in one batch of stock movements")
        new_qty[product.id] = (product.stock_qty or ZERO) + delta
    if not new_qty:
        return {}
    session = db if isinstance(db, Session) else None
    if session is not None:
        session.flush()          # Core statements below: the ORM's pending changes go first
        conn = session.connection()
    else:
        conn = db

    params: dict[str, Any] = {}
    for k, (pid, qty) in enumerate(new_qty.items()):
        params[f"i{k}"], params[f"q{k}"] = pid, qty
    conn.execute(_stock_update(len(new_qty)), params)
    at, user_id, detail = at or clock.now(), actor.user_id if actor else None, detail[:200]
    conn.execute(_INSERT_MOVEMENTS, [
        {"product_id": product.id, "at": at, "qty_delta": delta, "reason": reason, "detail": detail,
         "user_id": user_id, "ref_type": ref_type, "ref_id": ref_id, "unit_cost": cost}
        for product, delta, cost in moves])

    if session is not None:
        for pid in new_qty:
            obj = session.identity_map.get(session.identity_key(Product, pid))
            if obj is not None:
                session.expire(obj, ["stock_qty"])
    return new_qty


_STOCK_UPDATES: dict[int, Update] = {}


def _stock_update(n: int) -> Update:
    """``UPDATE products SET stock_qty = CASE id WHEN :i0 THEN :q0 ... END WHERE id IN (:i0, ...)``
    for ``n`` products: one statement for a whole bill (built once per ``n`` up to 64)."""
    stmt = _STOCK_UPDATES.get(n)
    if stmt is None:
        c = _PRODUCTS.c
        if n == 1:
            stmt = update(_PRODUCTS).where(c.id == bindparam("i0")).values(
                stock_qty=bindparam("q0", type_=c.stock_qty.type))
        else:
            ids = [bindparam(f"i{k}", type_=c.id.type) for k in range(n)]
            stmt = update(_PRODUCTS).where(c.id.in_(ids)).values(stock_qty=case(
                *[(ids[k], bindparam(f"q{k}", type_=c.stock_qty.type)) for k in range(n)], value=c.id))
        if n <= 64:
            _STOCK_UPDATES[n] = stmt
    return stmt
