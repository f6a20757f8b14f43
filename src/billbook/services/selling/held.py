"""Held (parked) sales: a cart put aside with a label, resumed later on any terminal.

A held cart lives in the database as JSON (so it survives a restart and can be picked up on
another terminal) and reserves no stock: prices, tax and stock are checked again when the
resumed cart is checked out. Resuming takes the cart and removes it in one transaction, so
two terminals can't both resume the same cart. A line's price override is kept with it (the
admin's approval is not: a cashier's checkout asks for it again).

A terminal's cart *in progress* is kept here too (``state = 'open'``, one per terminal):
the counter saves it as it changes (:func:`save_open_cart`), so closing the window, a crash
or a kill -9 never loses it; the next start on that terminal offers it back
(:func:`open_cart`). Every cart carries the client ``sale_id`` it will be billed under, so a
recovered or resumed cart that had in fact been billed is never billed twice (checkout
replays the first sale). Open carts are not in :func:`list_held`.
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
from billbook.domain.money import price_str, qty_str
from billbook.domain.permissions import Permission
from billbook.services.base import Actor, audit, check_client_id, check_id, requires
from billbook.services.people.customers import check_name, check_phone
from billbook.errors import NotFound, ValidationError
from billbook.services.selling.checkout import SaleItem, _parse_items

MAX_HELD = 200
HELD, OPEN = "held", "open"


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
    sale_id: str | None = None
    in_progress: bool = False

    def to_json(self) -> dict:
        return {"id": self.id, "label": self.label, "created_at": self.created_at.isoformat(), "user": self.user,
                "terminal": self.terminal,
                "items": [{"product": i.product, "qty": str(i.qty), "discount": i.discount,
                           **({"price": str(i.price)} if i.price is not None else {})} for i in self.items],
                "customer_phone": self.customer_phone, "customer_name": self.customer_name,
                "bill_discount": self.bill_discount, "sale_id": self.sale_id, "in_progress": self.in_progress}


def _item_json(line) -> dict:
    item = {"product": line.key, "qty": qty_str(line.qty), "discount": line.discount.text if line.discount else None}
    if line.price is not None:          # a price override (its approval is asked again at checkout)
        item["price"] = price_str(line.price)
    return item


def _cart_json(items: list, phone, name, bill_discount) -> str:
    return json.dumps({"items": [_item_json(i) for i in items],
                       "customer_phone": phone, "customer_name": name, "bill_discount": bill_discount},
                      ensure_ascii=False)


def _held(row: HeldSale, username: str) -> HeldCart:
    data = json.loads(row.cart_json)
    return HeldCart(row.id, row.label, row.created_at, username, row.terminal,
                    tuple(SaleItem(i["product"], i["qty"], i.get("discount"), i.get("price"))
                          for i in data.get("items", [])),
                    data.get("customer_phone"), data.get("customer_name"), data.get("bill_discount"),
                    row.sale_id, row.state == OPEN)


def _check_sale_id(sale_id: str | None) -> str | None:
    if sale_id in (None, ""):
        return None
    return check_client_id(sale_id, "sale_id", "a sale id")


def _checked_cart(items, customer_phone, customer_name, bill_discount) -> tuple[list, str]:
    lines = _parse_items(items)
    phone = check_phone(customer_phone) if customer_phone not in (None, "") else None
    name = check_name(customer_name, required=False) or None
    try:
        disc = parse_discount(bill_discount, field="discount")
    except CartError as exc:
        raise ValidationError(exc.field, exc.message) from None
    return lines, _cart_json(lines, phone, name, disc.text if disc else None)


def _drop_open(s: Session, terminal: str) -> int:
    return s.execute(delete(HeldSale).where(HeldSale.terminal == terminal, HeldSale.state == OPEN)).rowcount


@requires(Permission.HOLD_SALES)
def hold_sale(db: Database, actor: Actor, label: str, items: Sequence[SaleItem | tuple], *,
              customer_phone: str | None = None, customer_name: str | None = None,
              bill_discount: str | None = None, sale_id: str | None = None) -> HeldCart:
    """Park a cart under ``label`` (e.g. "Ravi – fetching wallet"). Nothing is reserved.

    With ``sale_id`` the cart keeps the id it will be billed under, and this terminal's cart
    in progress (the same cart, saved as it was rung up) is dropped in the same transaction.
    """
    text = (label or "").strip() or f"Cart {clock.now():%H:%M}"
    if len(text) > 80 or any(ord(c) < 32 for c in text):
        raise ValidationError("label", "at most 80 plain characters")
    lines, cart = _checked_cart(items, customer_phone, customer_name, bill_discount)
    sid = _check_sale_id(sale_id)

    def work(s: Session) -> HeldCart:
        if len(s.scalars(select(HeldSale.id).where(HeldSale.state == HELD).limit(MAX_HELD)).all()) >= MAX_HELD:
            raise ValidationError("held", f"{MAX_HELD} carts are already held; resume or discard some")
        if sid is not None:
            _drop_open(s, actor.terminal or "")
        row = HeldSale(label=text, cart_json=cart, created_at=clock.now(), user_id=actor.user_id,
                       terminal=actor.terminal or "", state=HELD, sale_id=sid)
        s.add(row)
        s.flush()
        audit(s, actor, "held.park", "held_sale", row.id, label=text, lines=len(lines))
        return _held(row, actor.username)
    return db.run(work)


@requires(Permission.HOLD_SALES)
def save_open_cart(db: Database, actor: Actor, items: Sequence[SaleItem | tuple], *, sale_id: str,
                   customer_phone: str | None = None, customer_name: str | None = None,
                   bill_discount: str | None = None) -> HeldCart | None:
    """Save this terminal's cart in progress (replacing the last save); no items → forget it.

    Not audited (it is written on every change of the cart); holding, resuming, recovering
    and discarding are.
    """
    sid = _check_sale_id(sale_id)
    if sid is None:
        raise ValidationError("sale_id", "a cart in progress needs its sale id")
    terminal = actor.terminal or ""
    if not items:
        db.run(lambda s: _drop_open(s, terminal) and None)
        return None
    lines, cart = _checked_cart(items, customer_phone, customer_name, bill_discount)
    label = (customer_name or customer_phone or f"{len(lines)} items")[:60]

    def work(s: Session) -> HeldCart:
        row = s.scalars(select(HeldSale).where(HeldSale.terminal == terminal, HeldSale.state == OPEN)
                        .order_by(HeldSale.id).with_for_update()).first()
        if row is None:
            row = HeldSale(label=f"In progress: {label}", cart_json=cart, created_at=clock.now(),
                           user_id=actor.user_id, terminal=terminal, state=OPEN, sale_id=sid)
            s.add(row)
        else:
            row.label, row.cart_json, row.sale_id = f"In progress: {label}", cart, sid
            row.user_id, row.created_at = actor.user_id, clock.now()
        s.flush()
        return _held(row, actor.username)
    return db.run(work)


@requires(Permission.HOLD_SALES)
def open_cart(db: Database, actor: Actor) -> HeldCart | None:
    """This terminal's cart in progress (left by a crash or a closed window), or None."""
    terminal = actor.terminal or ""

    def work(s: Session) -> HeldCart | None:
        found = s.execute(select(HeldSale, User.username).join(User, User.id == HeldSale.user_id)
                          .where(HeldSale.terminal == terminal, HeldSale.state == OPEN)
                          .order_by(HeldSale.id.desc())).first()
        return _held(found[0], found[1]) if found else None
    return db.run(work, readonly=True)


@requires(Permission.HOLD_SALES)
def recover_open_cart(db: Database, actor: Actor, held_id: int) -> HeldCart:
    """Take this terminal's cart in progress back to the counter (audited; it stays saved)."""
    hid = check_id(held_id)

    def work(s: Session) -> HeldCart:
        found = s.execute(select(HeldSale, User.username).join(User, User.id == HeldSale.user_id)
                          .where(HeldSale.id == hid, HeldSale.state == OPEN)).one_or_none()
        if found is None:
            raise NotFound(f"No cart in progress {held_id} (already recovered or discarded?).")
        row, name = found
        row.user_id = actor.user_id
        audit(s, actor, "held.recover", "held_sale", row.id, label=row.label, sale_id=row.sale_id or "",
              left_by=name)
        return _held(row, name)
    return db.run(work)


@requires(Permission.HOLD_SALES)
def clear_open_cart(db: Database, actor: Actor, *, sale_id: str | None = None) -> int:
    """Forget this terminal's cart in progress (after it was billed: only when it is that sale)."""
    terminal = actor.terminal or ""
    sid = _check_sale_id(sale_id)

    def work(s: Session) -> int:
        stmt = delete(HeldSale).where(HeldSale.terminal == terminal, HeldSale.state == OPEN)
        if sid is not None:
            stmt = stmt.where(HeldSale.sale_id == sid)
        return s.execute(stmt).rowcount
    return db.run(work)


@requires(Permission.HOLD_SALES)
def list_held(db: Database, actor: Actor) -> list[HeldCart]:
    """Every held cart, oldest first, from all terminals."""
    def work(s: Session) -> list[HeldCart]:
        rows = s.execute(select(HeldSale, User.username).join(User, User.id == HeldSale.user_id)
                         .where(HeldSale.state == HELD).order_by(HeldSale.created_at, HeldSale.id)).all()
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
