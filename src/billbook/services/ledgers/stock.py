"""The stock ledger's single writer: every stock change goes through :func:`apply_movement`
(or its batch form :func:`apply_movements`, for a bill's lines in one go).

``products.stock_qty`` always equals the sum of the product's ``stock_movements``;
``stock verify`` proves it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Update, bindparam, case, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from billbook import clock
from billbook.db.batch import NewId, WriteBatch
from billbook.db.models import Product, StockMovement
from billbook.services.base import Actor

REASONS = ("opening", "sale", "return", "receipt", "adjustment")
ADJUSTMENT_KINDS = ("damage", "theft", "count", "expiry", "other")


def lock_products(session: Session, product_ids: list[int]) -> dict[int, Product]:
    """Row-lock products in id order (a fixed order avoids deadlocks between terminals)."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    rows = session.scalars(select(Product).where(Product.id.in_(ids)).order_by(Product.id).with_for_update()).all()
    return {p.id: p for p in rows}


def apply_movement(session: Session, product: Product, delta: Decimal, reason: str, actor: Actor | None, *,
                   ref_type: str = "", ref_id: int | None = None, detail: str = "",
                   unit_cost: Decimal | None = None) -> StockMovement:
    """Change ``product``'s stock by ``delta`` and write the ledger row, in the caller's transaction.

    The caller has locked the product row (see :func:`lock_products`) and checked any limit.
    """
    if reason not in REASONS:
        raise ValueError(f"unknown stock movement reason {reason!r}")
    product.stock_qty = (product.stock_qty or Decimal(0)) + delta
    movement = StockMovement(product_id=product.id, at=clock.now(), qty_delta=delta, reason=reason,
                             detail=detail[:200], user_id=actor.user_id if actor else None,
                             ref_type=ref_type, ref_id=ref_id, unit_cost=unit_cost)
    session.add(movement)
    return movement


_PRODUCTS = Product.__table__
_INSERT_MOVEMENTS = insert(StockMovement.__table__)
_STOCK_UPDATES: dict[int, Update] = {}


def _stock_update(n: int) -> Update:
    """``UPDATE products SET stock_qty = CASE id WHEN :i0 THEN :q0 ... END WHERE id IN (:i0, ...)``
    for ``n`` products: one statement (one round trip) for a whole bill, built once per ``n``."""
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


def _new_quantities(moves: Sequence[tuple[Any, Decimal, Decimal | None]], reason: str) -> dict[int, Decimal]:
    if reason not in REASONS:
        raise ValueError(f"unknown stock movement reason {reason!r}")
    new_qty: dict[int, Decimal] = {}
    for product, delta, _cost in moves:
        if product.id in new_qty:
            raise ValueError(f"product {product.id} appears twice in one batch of stock movements")
        new_qty[product.id] = (product.stock_qty or Decimal(0)) + delta
    return new_qty


def _ledger_rows(moves, reason: str, actor: Actor | None, ref_type: str, ref_id, detail: str,
                 at=None) -> list[dict]:
    at, user_id, detail = at or clock.now(), actor.user_id if actor else None, detail[:200]
    return [{"product_id": product.id, "at": at, "qty_delta": delta, "reason": reason, "detail": detail,
             "user_id": user_id, "ref_type": ref_type, "ref_id": ref_id, "unit_cost": cost}
            for product, delta, cost in moves]


def _keep_session_copies_true(session: Session, new_qty: dict[int, Decimal]) -> None:
    """``Product`` objects of these ids already in the session get the new quantity as committed."""
    identity_map = session.identity_map
    for pid, qty in new_qty.items():
        obj = identity_map.get(session.identity_key(Product, pid))
        if obj is not None:
            set_committed_value(obj, "stock_qty", qty)


def apply_movements(session: Session, moves: Sequence[tuple[Any, Decimal, Decimal | None]], reason: str,
                    actor: Actor | None, *, ref_type: str = "", ref_id: int | None = None,
                    detail: str = "") -> dict[int, Decimal]:
    """:func:`apply_movement` for several products at once: ONE ``UPDATE`` for their stock and ONE
    (multi-row) ``INSERT`` for their ledger rows, in the caller's transaction.

    ``moves`` are ``(product, delta, unit_cost)`` with at most one entry per product, in the
    order the ledger rows are to be written; ``product`` is the row the caller has locked
    (``SELECT ... FOR UPDATE`` in this transaction: an ORM ``Product`` or a Core row with
    ``id`` and ``stock_qty``), so its ``stock_qty`` is current. The new quantity is computed
    here, exactly as :func:`apply_movement` does, and written as a value. ``Product``
    objects of these ids in the session are given the new quantity as their committed value.
    Returns ``{product_id: new stock_qty}``.
    """
    new_qty = _new_quantities(moves, reason)
    if not moves:
        return {}
    if session.new or session.dirty:
        session.flush()          # Core statements below: the ORM's pending changes go first
    conn = session.connection()
    params = {}
    for k, (pid, qty) in enumerate(new_qty.items()):
        params[f"i{k}"], params[f"q{k}"] = pid, qty
    conn.execute(_stock_update(len(new_qty)), params)
    conn.execute(_INSERT_MOVEMENTS, _ledger_rows(moves, reason, actor, ref_type, ref_id, detail))
    _keep_session_copies_true(session, new_qty)
    return new_qty


def batch_movements(batch: WriteBatch, moves: Sequence[tuple[Any, Decimal, Decimal | None]],
                    reason: str, actor: Actor | None, *, ref_type: str = "", ref_id: int | NewId | None = None,
                    detail: str = "", at: dt.datetime | None = None) -> dict[int, Decimal]:
    """:func:`apply_movements` added to ``batch`` (the checkout's one-round-trip writes); the
    ledger rows may point at a document the same batch inserts (``ref_id=NewId(...)``); ``at``:
    the document's own time (default now). The products are Core rows: no Session holds copies
    to keep true (see :func:`apply_movements` for the ORM side)."""
    new_qty = _new_quantities(moves, reason)
    if not moves:
        return {}
    batch.update_by_key(_PRODUCTS, "stock_qty", "id", new_qty)
    batch.insert(StockMovement.__table__, _ledger_rows(moves, reason, actor, ref_type, ref_id, detail, at))
    return new_qty
