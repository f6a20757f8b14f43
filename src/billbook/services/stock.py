"""The stock ledger's single writer: every stock change goes through :func:`apply_movement`.

``products.stock_qty`` always equals the sum of the product's ``stock_movements``;
``stock verify`` proves it.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billbook import clock
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
    product.stock_qty = (product.stock_qty or Decimal("0")) + delta
    movement = StockMovement(product_id=product.id, at=clock.now(), qty_delta=delta, reason=reason,
                             detail=detail[:200], user_id=actor.user_id if actor else None,
                             ref_type=ref_type, ref_id=ref_id, unit_cost=unit_cost)
    session.add(movement)
    return movement
