"""Customers: find by phone or create, profile, credits and dues.

Phone numbers are Indian mobiles, stored as 10 digits (+91 / 0 prefixes accepted).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billbook import clock
from billbook.db.models import Customer
from billbook.db.uow import Database
from billbook.domain.gst import gstin_problem, is_valid_state_code, normalise_gstin
from billbook.domain.money import money_str
from billbook.domain.permissions import Permission
from billbook.domain.validation import normalise_phone
from billbook.services.base import Actor, audit, requires
from billbook.services.errors import NotFound, ValidationError


@dataclass(frozen=True)
class CustomerInfo:
    id: int
    phone: str
    name: str
    email: str
    gstin: str
    state_code: str
    address: str
    credits: Decimal
    dues: Decimal
    visits: int
    total_spent: Decimal
    last_visit: dt.datetime | None

    def to_json(self) -> dict:
        return {"phone": self.phone, "name": self.name, "email": self.email, "gstin": self.gstin,
                "state_code": self.state_code, "address": self.address, "credits": money_str(self.credits),
                "dues": money_str(self.dues), "visits": self.visits, "total_spent": money_str(self.total_spent),
                "last_visit": self.last_visit.isoformat() if self.last_visit else None}


def customer_info(c: Customer) -> CustomerInfo:
    return CustomerInfo(c.id, c.phone, c.name, c.email, c.gstin, c.state_code, c.address, c.credits, c.dues,
                        c.visits, c.total_spent, c.last_visit)


def check_phone(phone: str) -> str:
    normal = normalise_phone(phone)
    if normal is None:
        raise ValidationError("phone", f"{phone!r} is not an Indian mobile number (10 digits starting 6–9)")
    return normal


def check_name(name: str | None, *, required: bool = True) -> str:
    text = (name or "").strip()
    if required and not text:
        raise ValidationError("name", "the customer's name is required")
    if len(text) > 120 or any(ord(c) < 32 for c in text):
        raise ValidationError("name", "at most 120 characters, no control characters")
    return text


def check_b2b(gstin: str | None, state_code: str | None) -> tuple[str, str]:
    g = normalise_gstin(gstin or "")
    if g:
        problem = gstin_problem(g)
        if problem:
            raise ValidationError("gstin", problem)
    code = (state_code or "").strip()
    if code:
        code = code.zfill(2)
        if not is_valid_state_code(code):
            raise ValidationError("state_code", f"{state_code!r} is not a GST state code")
    if g and code and g[:2] != code:
        raise ValidationError("gstin", f"GSTIN {g} is not from state {code}")
    if g and not code:
        code = g[:2]
    return g, code


def find_by_phone(session: Session, phone: str, *, lock: bool = False) -> Customer | None:
    stmt = select(Customer).where(Customer.phone == phone)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def find_or_create_in(session: Session, actor: Actor, phone: str, name: str | None = None, *,
                      state_code: str | None = None, gstin: str | None = None, lock: bool = False) -> Customer:
    """The customer with this phone, or a new one (name required), in the caller's transaction."""
    normal = check_phone(phone)
    customer = find_by_phone(session, normal, lock=lock)
    if customer is not None:
        return customer
    clean_name = check_name(name)
    g, code = check_b2b(gstin, state_code)
    customer = Customer(phone=normal, name=clean_name, search_name=clean_name.lower(), gstin=g, state_code=code,
                        credits=Decimal("0"), dues=Decimal("0"), visits=0, total_spent=Decimal("0"),
                        created_at=clock.now(), active=True)
    session.add(customer)
    session.flush()
    audit(session, actor, "customer.add", "customer", customer.id, phone=normal)
    return customer


@requires(Permission.EDIT_CUSTOMERS)
def add_customer(db: Database, actor: Actor, phone: str, name: str, *, state_code: str | None = None,
                 gstin: str | None = None) -> CustomerInfo:
    from billbook.services.errors import Conflict

    def work(s: Session) -> CustomerInfo:
        normal = check_phone(phone)
        if find_by_phone(s, normal) is not None:
            raise Conflict("phone", f"A customer with phone {normal} already exists.")
        return customer_info(find_or_create_in(s, actor, normal, name, state_code=state_code, gstin=gstin))
    return db.run(work)


@requires(Permission.VIEW_CUSTOMERS)
def get_customer(db: Database, actor: Actor, phone: str) -> CustomerInfo:
    def work(s: Session) -> CustomerInfo:
        c = find_by_phone(s, check_phone(phone))
        if c is None:
            raise NotFound(f"No customer with phone {phone}.")
        return customer_info(c)
    return db.run(work, readonly=True)
