"""Held (parked) sales: a cart put aside with a label, resumed later on any terminal.

A held cart lives in the database as JSON (so it survives a restart and can be picked up on
another terminal) and reserves no stock: prices, tax and stock are checked again when the
resumed cart is checked out. Resuming takes the cart and removes it in one transaction, so
two terminals can't both resume the same cart.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from billbook import clock
from billbook.db.models import HeldSale, User
from billbook.db.uow import Database
from billbook.domain.cart import CartError, parse_discount
from billbook.domain.money import qty_str
from billbook.domain.permissions import Permission
from billbook.services.base import Actor, audit, requires, check_id
from billbook.services.people.customers import check_name, check_phone
from billbook.errors import NotFound, ValidationError
from billbook.services.selling.checkout import SaleItem, _parse_items

MAX_HELD = 200


@dataclass(frozen=True)
class HeldCart:
    """A parked cart: enough to rebuild the counter's cart and check it out."""
    id: int
    label: str
    created_at: dt.datetime
    user: str
    terminal: str
    items: tuple[SaleItem, ...]
    customer_phone: str | None = None
    customer_name: str | None = None
    bill_discount: str | None = None

    def to_json(self) -> dict:
        return {"id": self.id, "label": self.label, "created_at": self.created_at.isoformat(), "user": self.user,
                "terminal": self.terminal,
                "items": [{"product": i.product, "qty": str(i.qty), "discount": i.discount} for i in self.items],
                "customer_phone": self.customer_phone, "customer_name": self.customer_name,
                "bill_discount": self.bill_discount}


def _cart_json(items: list, phone, name, bill_discount) -> str:
    return json.dumps({"items": [{"product": i.key, "qty": qty_str(i.qty),
                                  "discount": i.discount.text if i.discount else None} for i in items],
                       "customer_phone": phone, "customer_name": name, "bill_discount": bill_discount},
                      ensure_ascii=False)


def _held(row: HeldSale, username: str) -> HeldCart:
    data = json.loads(row.cart_json)
    return HeldCart(row.id, row.label, row.created_at, username, row.terminal,
                    tuple(SaleItem(i["product"], i["qty"], i.get("discount")) for i in data.get("items", [])),
                    data.get("customer_phone"), data.get("customer_name"), data.get("bill_discount"))


@requires(Permission.HOLD_SALES)
def hold_sale(db: Database, actor: Actor, label: str, items: Sequence[SaleItem | tuple], *,
              customer_phone: str | None = None, customer_name: str | None = None,
              bill_discount: str | None = None) -> HeldCart:
    """Park a cart under ``label`` (e.g. "Ravi – fetching wallet"). Nothing is reserved."""
    text = (label or "").strip() or f"Cart {clock.now():%H:%M}"
    if len(text) > 80 or any(ord(c) < 32 for c in text):
        raise ValidationError("label", "at most 80 plain characters")
    lines = _parse_items(items)
    phone = check_phone(customer_phone) if customer_phone not in (None, "") else None
    name = check_name(customer_name, required=False) or None
    try:
        disc = parse_discount(bill_discount, field="discount")
    except CartError as exc:
        raise ValidationError(exc.field, exc.message) from None
    cart = _cart_json(lines, phone, name, disc.text if disc else None)

    def work(s: Session) -> HeldCart:
        if len(s.scalars(select(HeldSale.id).limit(MAX_HELD)).all()) >= MAX_HELD:
            raise ValidationError("held", f"{MAX_HELD} carts are already held; resume or discard some")
        row = HeldSale(label=text, cart_json=cart, created_at=clock.now(), user_id=actor.user_id,
                       terminal=actor.terminal or "")
        s.add(row)
        s.flush()
        audit(s, actor, "held.park", "held_sale", row.id, label=text, lines=len(lines))
        return _held(row, actor.username)
    return db.run(work)


@requires(Permission.HOLD_SALES)
def list_held(db: Database, actor: Actor) -> list[HeldCart]:
    """Every held cart, oldest first, from all terminals."""
    def work(s: Session) -> list[HeldCart]:
        rows = s.execute(select(HeldSale, User.username).join(User, User.id == HeldSale.user_id)
                         .order_by(HeldSale.created_at, HeldSale.id)).all()
        return [_held(row, name) for row, name in rows]
    return db.run(work, readonly=True)


def _take(s: Session, held_id) -> tuple[HeldSale, str]:
    hid = check_id(held_id)
    found = s.execute(select(HeldSale, User.username).join(User, User.id == HeldSale.user_id)
                      .where(HeldSale.id == hid)).one_or_none()
    # the DELETE is the claim: if another terminal took it first, nothing is deleted here
    if found is None or s.execute(delete(HeldSale).where(HeldSale.id == hid)).rowcount != 1:
        raise NotFound(f"No held cart {held_id} (already resumed or discarded?).")
    return found[0], found[1]


@requires(Permission.HOLD_SALES)
def resume_held(db: Database, actor: Actor, held_id: int) -> HeldCart:
    """Take a held cart back to the counter (it is removed from the held list)."""
    def work(s: Session) -> HeldCart:
        row, name = _take(s, held_id)
        audit(s, actor, "held.resume", "held_sale", row.id, label=row.label)
        return _held(row, name)
    return db.run(work)


@requires(Permission.HOLD_SALES)
def discard_held(db: Database, actor: Actor, held_id: int) -> HeldCart:
    """Throw a held cart away (audited)."""
    def work(s: Session) -> HeldCart:
        row, name = _take(s, held_id)
        audit(s, actor, "held.discard", "held_sale", row.id, label=row.label)
        return _held(row, name)
    return db.run(work)
