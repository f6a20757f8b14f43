"""Customer dues: sales put on account, payments against them (oldest invoice first), statements.

The customer's ``dues`` column is the balance; ``dues_ledger`` holds every change with the
balance after it; ``dues_allocations`` says which invoice each payment (or return) settled.
An invoice's outstanding due is its ``due_amount`` minus its allocations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billbook import clock
from billbook.db.models import Customer, DuesAllocation, DuesEntry, Invoice, Payment
from billbook.db.uow import Database
from billbook.domain.cart import MONEY_MODES
from billbook.domain.fingerprint import fingerprint
from billbook.domain.money import MoneyError, money_str, parse_amount
from billbook.domain.permissions import Permission
from billbook.services.base import Actor, audit, check_client_id, check_paging, requires
from billbook.services.people.customers import check_phone, find_by_phone
from billbook.errors import Conflict, NotFound, ValidationError


@dataclass(frozen=True)
class OpenInvoice:
    number: str
    issued_at: dt.datetime
    due: Decimal            # put on account by the sale
    settled: Decimal        # paid or returned since
    outstanding: Decimal

    def to_json(self) -> dict:
        return {"number": self.number, "date": self.issued_at.isoformat(), "due": money_str(self.due),
                "settled": money_str(self.settled), "outstanding": money_str(self.outstanding)}


@dataclass(frozen=True)
class Allocation:
    invoice_number: str
    amount: Decimal

    def to_json(self) -> dict:
        return {"invoice": self.invoice_number, "amount": money_str(self.amount)}


@dataclass(frozen=True)
class DuesReceipt:
    payment_id: int
    at: dt.datetime
    phone: str
    name: str
    mode: str
    amount: Decimal
    reference: str | None
    dues_before: Decimal
    dues_after: Decimal
    allocations: tuple[Allocation, ...]
    #: True when this call found the payment already recorded (same request id) and wrote nothing
    replayed: bool = False

    def to_json(self) -> dict:
        return {"payment_id": self.payment_id, "date": self.at.isoformat(), "phone": self.phone, "name": self.name,
                "mode": self.mode, "amount": money_str(self.amount), "reference": self.reference,
                "dues_before": money_str(self.dues_before), "dues_after": money_str(self.dues_after),
                "allocations": [a.to_json() for a in self.allocations], "replayed": self.replayed}


@dataclass(frozen=True)
class DuesLine:
    at: dt.datetime
    delta: Decimal
    reason: str
    reference: str
    balance_after: Decimal

    def to_json(self) -> dict:
        return {"date": self.at.isoformat(), "delta": money_str(self.delta), "reason": self.reason,
                "reference": self.reference, "balance_after": money_str(self.balance_after)}


@dataclass(frozen=True)
class DuesStatement:
    phone: str
    name: str
    balance: Decimal
    open_invoices: tuple[OpenInvoice, ...]
    entries: tuple[DuesLine, ...]

    def to_json(self) -> dict:
        return {"phone": self.phone, "name": self.name, "dues": money_str(self.balance),
                "open_invoices": [o.to_json() for o in self.open_invoices],
                "entries": [e.to_json() for e in self.entries]}


def open_invoices(session: Session, customer_id: int) -> list[tuple[Invoice, Decimal, Decimal]]:
    """(invoice, settled, outstanding) for the customer's invoices with dues left, oldest first."""
    settled = (select(DuesAllocation.invoice_id, func.sum(DuesAllocation.amount).label("settled"))
               .group_by(DuesAllocation.invoice_id).subquery())
    rows = session.execute(
        select(Invoice, func.coalesce(settled.c.settled, 0))
        .outerjoin(settled, settled.c.invoice_id == Invoice.id)
        .where(Invoice.customer_id == customer_id, Invoice.due_amount > 0)
        .order_by(Invoice.issued_at, Invoice.id)).all()
    out = []
    for inv, done in rows:
        done = Decimal(done or 0)
        if inv.due_amount - done > 0:
            out.append((inv, done, inv.due_amount - done))
    return out


def allocate(session: Session, customer_id: int, amount: Decimal, payment_id: int, *,
             first_invoice_id: int | None = None) -> list[Allocation]:
    """Settle ``amount`` against the customer's open invoices, oldest first (``first_invoice_id``
    before all others), writing dues_allocations rows. Whatever is left over stays unallocated
    (dues that came from adjustments rather than invoices)."""
    todo = open_invoices(session, customer_id)
    if first_invoice_id is not None:
        todo.sort(key=lambda row: row[0].id != first_invoice_id)
    left, out = amount, []
    for inv, _done, outstanding in todo:
        if left <= 0:
            break
        part = min(left, outstanding)
        session.add(DuesAllocation(payment_id=payment_id, invoice_id=inv.id, amount=part))
        out.append(Allocation(inv.number, part))
        left -= part
    return out


def _customer(session: Session, phone: str, *, lock: bool):
    customer = find_by_phone(session, check_phone(phone), lock=lock)
    if customer is None:
        raise NotFound(f"No customer with phone {phone}.")
    return customer


@requires(Permission.RECEIVE_DUES)
def pay_dues(db: Database, actor: Actor, phone: str, amount, mode: str = "cash",
             reference: str | None = None, *, request_id: str | None = None) -> DuesReceipt:
    """Receive ``amount`` from a customer against their dues, settling the oldest invoices first.

    ``request_id`` (client-made, e.g. a UUID): submitting the same id again (a retry, a double
    click, two terminals) returns the first payment's receipt (``replayed=True``) and writes
    nothing; the same id with another customer, amount, mode or reference is refused
    (Conflict) and writes nothing.
    """
    try:
        value = parse_amount(amount, field="amount", allow_zero=False)
    except MoneyError as exc:
        raise ValidationError("amount", str(exc).split(": ", 1)[-1]) from None
    mode = (mode or "cash").strip().lower()
    if mode not in MONEY_MODES:
        raise ValidationError("mode", f"dues are paid by {', '.join(MONEY_MODES)}")
    ref = (reference or "").strip() or None
    if ref and (len(ref) > 64 or any(ord(c) < 32 for c in ref)):
        raise ValidationError("reference", "at most 64 plain characters")
    rid = None if request_id is None else check_client_id(request_id, "request_id", "a request id")
    phone = check_phone(phone)
    digest = fingerprint("dues", {"customer": phone, "amount": value, "mode": mode, "reference": ref})

    def work(s: Session) -> DuesReceipt:
        if rid is not None and (first := _recorded(s, rid, digest)) is not None:
            return first
        c = _customer(s, phone, lock=True)
        if c.dues <= 0:
            raise ValidationError("amount", f"{c.name} has no dues")
        if value > c.dues:
            raise ValidationError("amount", f"{c.name} owes only {money_str(c.dues)}")
        now = clock.now()
        pay = Payment(kind="dues", invoice_id=None, customer_id=c.id, mode=mode, amount=value, tendered=None,
                      reference=ref, at=now, business_date=now.date(), user_id=actor.user_id,
                      terminal=actor.terminal or "")
        s.add(pay)
        s.flush()
        allocations = allocate(s, c.id, value, pay.id)
        before = c.dues
        c.dues = before - value
        s.add(DuesEntry(customer_id=c.id, at=now, delta=-value, reason="payment", payment_id=pay.id,
                        user_id=actor.user_id, balance_after=c.dues, note=f"{mode} {ref or ''}".strip(),
                        request_id=rid, request_hash=digest if rid is not None else None))
        audit(s, actor, "dues.pay", "customer", c.id, amount=value, mode=mode)
        return DuesReceipt(pay.id, now, c.phone, c.name, mode, value, ref, before, c.dues, tuple(allocations))

    try:
        return db.run(work)
    except IntegrityError:
        # another terminal recorded this request id between our look and our write
        first = db.run(lambda s: _recorded(s, rid, digest), readonly=True) if rid is not None else None
        if first is None:
            raise
        return first


def _recorded(s: Session, request_id: str, digest: str | None = None) -> DuesReceipt | None:
    """The receipt of the dues payment recorded under ``request_id`` (``replayed``), or None;
    Conflict when that payment was made from a different request (``digest``)."""
    entry = s.scalars(select(DuesEntry).where(DuesEntry.request_id == request_id)).one_or_none()
    if entry is None:
        return None
    if digest is not None and entry.request_hash is not None and entry.request_hash != digest:
        raise Conflict("request_id", f"request id {request_id} was already used for a different dues payment; "
                                     "nothing was written. A new payment needs a new request id.")
    pay = s.get(Payment, entry.payment_id)
    customer = s.get(Customer, entry.customer_id)
    allocations = s.execute(select(Invoice.number, DuesAllocation.amount)
                            .join(Invoice, Invoice.id == DuesAllocation.invoice_id)
                            .where(DuesAllocation.payment_id == pay.id).order_by(DuesAllocation.id)).all()
    return DuesReceipt(pay.id, pay.at, customer.phone, customer.name, pay.mode, pay.amount, pay.reference,
                       entry.balance_after - entry.delta, entry.balance_after,
                       tuple(Allocation(number, amount) for number, amount in allocations), replayed=True)


@requires(Permission.VIEW_CUSTOMERS)
def dues_statement(db: Database, actor: Actor, phone: str, *, limit: int = 200) -> DuesStatement:
    """The customer's dues balance, invoices still open (oldest first) and latest ledger entries."""
    check_phone(phone)
    limit, _ = check_paging(limit)

    def work(s: Session) -> DuesStatement:
        c = _customer(s, phone, lock=False)
        opened = tuple(OpenInvoice(inv.number, inv.issued_at, inv.due_amount, done, left)
                       for inv, done, left in open_invoices(s, c.id))
        rows = s.execute(
            select(DuesEntry, Invoice.number).outerjoin(Invoice, Invoice.id == DuesEntry.invoice_id)
            .where(DuesEntry.customer_id == c.id).order_by(DuesEntry.id.desc()).limit(limit)).all()
        entries = tuple(DuesLine(e.at, e.delta, e.reason, number or e.note, e.balance_after)
                        for e, number in reversed(rows))
        return DuesStatement(c.phone, c.name, c.dues, opened, entries)
    return db.run(work, readonly=True)

