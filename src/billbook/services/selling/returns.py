"""Returns: credit notes against an issued invoice (the invoice itself is never edited).

A credit note ``CN/YY-YY/NNNNNN`` returns some or all of an invoice's lines — never more
than was sold minus what earlier credit notes returned. Tax is reversed at the invoice's own
per-line figures: pro rata for part of a line, and exactly the rest when a line's last unit
comes back (so a fully returned invoice is reversed to the paisa). Stock goes back through
the ledger (reason ``return``). The refund is cash, the original payment modes, store
credits, or a reduction of the customer's dues. Loyalty credits earned on the sale are
reversed in proportion.

Who may return: an admin, or a cashier when the shop's ``cashier_can_return`` is on.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billbook import clock
from billbook.db.models import (
    CreditNote, CreditNoteLine, Customer, DuesEntry, Invoice, InvoiceLine, LoyaltyEntry, Payment,
)
from billbook.db.uow import Database
from billbook.domain.cart import MONEY_MODES, CartError, credits_refunded, prorate
from billbook.domain.gst import state_name
from billbook.domain.numbering import financial_year
from billbook.domain import units
from billbook.domain.fingerprint import fingerprint
from billbook.domain.money import ZERO, MoneyError, money_str, parse_qty, qty_str, round_rupee
from billbook.domain.permissions import Permission
from billbook.services.selling import dues as dues_service
from billbook.services.base import Actor, audit, requires
from billbook.errors import Conflict, NotFound, PermissionDenied, ValidationError
from billbook.services.ledgers.numbering import next_seq
from billbook.services.selling.checkout import PaymentInfo, rate_str
from billbook.services.people.shop import get_or_create_shop
from billbook.services.people.users import check_approval
from billbook.services.ledgers.stock import lock_products, move_stock

REFUND_MODES = ("cash", "original", "credits", "dues")
CN_SERIES = "CN"


@dataclass(frozen=True)
class CreditNoteLineInfo:
    line_no: int            # the invoice line it returns
    sku: str
    name: str
    qty: Decimal
    taxable: Decimal
    gst_rate: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    total: Decimal

    def to_json(self) -> dict:
        return {"line_no": self.line_no, "sku": self.sku, "name": self.name, "qty": qty_str(self.qty),
                "taxable": money_str(self.taxable), "gst_rate": rate_str(self.gst_rate), "cgst": money_str(self.cgst),
                "sgst": money_str(self.sgst), "igst": money_str(self.igst), "total": money_str(self.total)}


@dataclass(frozen=True)
class CreditNoteDetail:
    id: int
    number: str
    request_id: str
    invoice_number: str
    issued_at: dt.datetime
    business_date: dt.date
    user: str
    terminal: str
    reason: str
    refund_mode: str
    customer_phone: str
    customer_name: str
    lines: tuple[CreditNoteLineInfo, ...]
    taxable_total: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    round_off: Decimal
    total: Decimal
    refunds: tuple[PaymentInfo, ...]     # how the money went back (positive amounts)
    credits_given: Decimal = ZERO        # store credits issued as the refund
    credits_reversed: Decimal = ZERO     # loyalty credits taken back
    replayed: bool = False
    #: always the invoice's place of supply (two-digit state code), and whether it is
    #: another state than the shop's (IGST)
    place_of_supply: str = ""
    inter_state: bool = False

    def to_json(self) -> dict:
        return {"number": self.number, "date": self.issued_at.isoformat(), "invoice": self.invoice_number,
                "request_id": self.request_id, "business_date": self.business_date.isoformat(), "user": self.user,
                "terminal": self.terminal, "reason": self.reason, "refund_mode": self.refund_mode,
                "customer": {"phone": self.customer_phone, "name": self.customer_name} if self.customer_phone else None,
                "lines": [line.to_json() for line in self.lines],
                "taxable_total": money_str(self.taxable_total), "cgst": money_str(self.cgst),
                "sgst": money_str(self.sgst), "igst": money_str(self.igst), "round_off": money_str(self.round_off),
                "total": money_str(self.total), "refunds": [r.to_json() for r in self.refunds],
                "credits_given": money_str(self.credits_given), "credits_reversed": money_str(self.credits_reversed),
                "replayed": self.replayed, "place_of_supply": self.place_of_supply,
                "place_of_supply_name": state_name(self.place_of_supply), "inter_state": self.inter_state}


class _AlreadyRecorded(Exception):
    def __init__(self, cn_id: int):
        self.cn_id = cn_id


def _parse_items(items) -> list[tuple[str, Decimal]]:
    out = []
    for n, raw in enumerate(items or (), 1):
        sku, qty = raw[0], raw[1]
        sku = str(sku or "").strip()
        if not sku:
            raise ValidationError("item", f"line {n}: which product?")
        try:
            out.append((sku, parse_qty(qty, field="quantity")))
        except MoneyError as exc:
            raise ValidationError("quantity", f"line {n} ({sku}): {str(exc).split(': ', 1)[-1]}") from None
    if not out:
        raise ValidationError("items", "say what comes back: at least one item")
    return out


@requires(Permission.SELL)   # the real check (RETURN_SALE, or the shop's cashier_can_return) is inside
def create_return(db: Database, actor: Actor, invoice_number: str, items: Sequence[tuple], *,
                  refund_mode: str = "cash", request_id: str | None = None, reason: str = "",
                  approval=None) -> CreditNoteDetail:
    """Issue a credit note for ``items`` [(SKU, qty), ...] of invoice ``invoice_number``.

    ``approval``: an admin's :class:`users.Approval` for ``"return"``, given at the counter to
    a cashier the shop does not allow to take returns (checked against its audit row; the
    credit note's audit names both users).

    ``refund_mode``: cash | original | credits | dues. ``request_id`` makes a retry safe:
    the same id again returns the first credit note and writes nothing; the same id with
    other items, invoice, refund mode or reason is refused (Conflict) and writes nothing.
    """
    wanted = _parse_items(items)
    mode = (refund_mode or "cash").strip().lower()
    if mode not in REFUND_MODES:
        raise ValidationError("refund", f"refund as {', '.join(REFUND_MODES)}")
    rid = (request_id or "").strip() or uuid.uuid4().hex
    if len(rid) > 64 or any(ord(c) < 33 for c in rid):
        raise ValidationError("request_id", "1–64 characters without spaces")
    why = (reason or "").strip()
    if len(why) > 200 or any(ord(c) < 32 for c in why):
        raise ValidationError("reason", "at most 200 plain characters")
    number = (invoice_number or "").strip().upper()
    digest = fingerprint("return", {"invoice": number, "items": [[sku.upper(), qty] for sku, qty in wanted],
                                    "refund": mode, "reason": why})

    def work(s: Session) -> CreditNoteDetail:
        if (found := s.scalar(select(CreditNote.id).where(CreditNote.request_id == rid))) is not None:
            raise _AlreadyRecorded(found)
        shop = get_or_create_shop(s)
        approved = None
        if not (actor.can(Permission.RETURN_SALE) or shop.cashier_can_return):
            approved = check_approval(s, actor, approval, "return")
        if approved is not None:
            audit(s, actor, "return.approved", "invoice", (invoice_number or "").strip().upper(),
                  approver=approved.approver, requested_by=actor.username)
        elif not (actor.can(Permission.RETURN_SALE) or shop.cashier_can_return):
            raise PermissionDenied(f"{actor.username} ({actor.role.value}) is not allowed to take returns "
                                   "(an admin can allow cashiers in the shop settings).")
        return _write_return(s, actor, shop, number, wanted, mode, rid, why, digest)

    for attempt in (1, 2):
        try:
            return db.run(work)
        except _AlreadyRecorded as done:
            return _replayed(db, done.cn_id, digest)
        except IntegrityError:
            found = db.run(lambda s: s.scalar(select(CreditNote.id).where(CreditNote.request_id == rid)),
                           readonly=True)
            if found is not None:
                return _replayed(db, found, digest)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _replayed(db: Database, cn_id: int, digest: str) -> CreditNoteDetail:
    """The credit note already made under this request id — if it was made from the same request."""
    def work(s: Session) -> CreditNoteDetail:
        cn = s.get(CreditNote, cn_id)
        if cn.request_hash is not None and cn.request_hash != digest:
            raise Conflict("request_id", f"request id {cn.request_id} was already used for a different return "
                                         f"(credit note {cn.number}); nothing was written. A new return needs a "
                                         "new request id.")
        return _detail(s, cn)
    return replace(db.run(work, readonly=True), replayed=True)


def _returned_so_far(s: Session, invoice_id: int) -> dict[int, tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]]:
    """Per invoice line id: (qty, taxable, cgst, sgst, igst, total) already returned."""
    rows = s.execute(
        select(CreditNoteLine.invoice_line_id, func.sum(CreditNoteLine.qty), func.sum(CreditNoteLine.taxable),
               func.sum(CreditNoteLine.cgst), func.sum(CreditNoteLine.sgst), func.sum(CreditNoteLine.igst),
               func.sum(CreditNoteLine.total))
        .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
        .where(CreditNote.invoice_id == invoice_id).group_by(CreditNoteLine.invoice_line_id)).all()
    return {r[0]: tuple(Decimal(v or 0) for v in r[1:]) for r in rows}


def _write_return(s: Session, actor: Actor, shop, number: str, wanted: list[tuple[str, Decimal]], mode: str,
                  rid: str, why: str, digest: str | None = None) -> CreditNoteDetail:
    inv = s.scalars(select(Invoice).where(Invoice.number == number)).one_or_none()
    if inv is None:
        raise NotFound(f"No invoice {number!r}.")
    lines = s.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == inv.id)
                      .order_by(InvoiceLine.line_no)).all()
    skus = {sku.upper() for sku, _ in wanted}
    for sku in skus:
        if not any(ln.sku.upper() == sku for ln in lines):
            raise ValidationError("item", f"{sku} is not on invoice {inv.number}")
    if mode in ("credits", "dues") and inv.customer_id is None:
        raise ValidationError("refund", f"a refund as {mode} needs a customer; invoice {inv.number} was a walk-in")
    # Lock order as everywhere: products, then the customer, then this invoice (serialises two
    # returns of the same invoice), then the number counter.
    products = lock_products(s, [ln.product_id for ln in lines if ln.sku.upper() in skus])
    customer = None
    if inv.customer_id is not None:
        customer = s.scalars(select(Customer).where(Customer.id == inv.customer_id).with_for_update()
                             .execution_options(populate_existing=True)).one()
    s.scalars(select(Invoice).where(Invoice.id == inv.id).with_for_update()
              .execution_options(populate_existing=True)).one()
    done = _returned_so_far(s, inv.id)
    zero6 = (ZERO,) * 6

    # which invoice lines give back how much (a SKU on several lines fills them in order)
    take: dict[int, Decimal] = {}
    for sku, qty in wanted:
        matching = [ln for ln in lines if ln.sku.upper() == sku.upper()]
        units.check_quantity(qty, matching[0].unit, what=f"{matching[0].name} ({matching[0].sku})")
        left = qty
        for ln in matching:
            room = ln.qty - done.get(ln.id, zero6)[0] - take.get(ln.id, ZERO)
            part = min(room, left)
            if part > 0:
                take[ln.id] = take.get(ln.id, ZERO) + part
                left -= part
        if left > 0:
            sold = sum((ln.qty for ln in matching), ZERO)
            back = sum((done.get(ln.id, zero6)[0] for ln in matching), ZERO)
            raise ValidationError("quantity", f"{sku}: only {qty_str(sold - back)} can come back "
                                              f"(sold {qty_str(sold)}, returned {qty_str(back)})")

    # per-line figures: pro rata, or exactly what is left when the line's last unit comes back
    cn_lines = []
    for ln in lines:
        q = take.get(ln.id)
        if not q:
            continue
        prev = done.get(ln.id, zero6)
        if prev[0] + q == ln.qty:
            taxable, cgst, sgst, igst = (ln.taxable - prev[1], ln.cgst - prev[2], ln.sgst - prev[3],
                                         ln.igst - prev[4])
        else:
            taxable, cgst, sgst, igst = (prorate(v, q, ln.qty) for v in (ln.taxable, ln.cgst, ln.sgst, ln.igst))
        cn_lines.append((ln, q, taxable, cgst, sgst, igst, taxable + cgst + sgst + igst))
    lines_total = sum((row[6] for row in cn_lines), ZERO)
    everything_back = all(done.get(ln.id, zero6)[0] + take.get(ln.id, ZERO) == ln.qty for ln in lines)
    earlier_total = s.scalar(select(func.coalesce(func.sum(CreditNote.total), 0))
                             .where(CreditNote.invoice_id == inv.id)) or ZERO
    if everything_back:
        total = inv.grand_total - Decimal(earlier_total)        # the rest of what the customer paid
    else:
        total = round_rupee(lines_total) if shop.round_off else lines_total
        total = min(total, inv.grand_total - Decimal(earlier_total))
    round_off = total - lines_total

    now = clock.now()
    fy = financial_year(now)
    seq = next_seq(s, CN_SERIES, fy)
    cn_number = f"{CN_SERIES}/{fy}/{seq:06d}"      # CN/26-27/000001 (more digits past 999999)
    cn = CreditNote(number=cn_number, fy=fy, seq=seq, request_id=rid, request_hash=digest, invoice_id=inv.id,
                    issued_at=now,
                    business_date=now.date(), user_id=actor.user_id, user_name=actor.username,
                    terminal=actor.terminal or "", reason=why, refund_mode=mode,
                    place_of_supply=inv.place_of_supply,
                    taxable_total=sum((r[2] for r in cn_lines), ZERO), cgst=sum((r[3] for r in cn_lines), ZERO),
                    sgst=sum((r[4] for r in cn_lines), ZERO), igst=sum((r[5] for r in cn_lines), ZERO),
                    round_off=round_off, total=total)
    s.add(cn)
    s.flush()
    for ln, q, taxable, cgst, sgst, igst, line_total in cn_lines:
        s.add(CreditNoteLine(credit_note_id=cn.id, invoice_line_id=ln.id, product_id=ln.product_id, sku=ln.sku,
                             name=ln.name, qty=q, taxable=taxable, gst_rate=ln.gst_rate, cgst=cgst, sgst=sgst,
                             igst=igst, total=line_total))
    by_product: dict[int, Decimal] = {}
    for ln, q, *_ in cn_lines:
        by_product[ln.product_id] = by_product.get(ln.product_id, ZERO) + q
    move_stock(s, [(products[pid], by_product[pid], products[pid].cost_price) for pid in sorted(by_product)],
               "return", actor, ref_type="credit_note", ref_id=cn.id)

    refunds, credits_given = _refund(s, actor, shop, inv, cn, customer, mode, total, now)
    credits_reversed = _reverse_loyalty(s, actor, inv, cn, customer, total, everything_back, now)
    if customer is not None:
        customer.total_spent = max(ZERO, (customer.total_spent or ZERO) - total)
    inv.status = "returned" if everything_back else "partly_returned"
    audit(s, actor, "sale.return", "credit_note", cn.id, number=cn_number, invoice=inv.number, total=total,
          refund=mode)
    s.flush()
    return CreditNoteDetail(
        cn.id, cn_number, rid, inv.number, now, now.date(), actor.username, cn.terminal, why, mode,
        inv.customer_phone, inv.customer_name,
        tuple(CreditNoteLineInfo(ln.line_no, ln.sku, ln.name, q, t, ln.gst_rate, c, sg, ig, lt)
              for ln, q, t, c, sg, ig, lt in cn_lines),
        cn.taxable_total, cn.cgst, cn.sgst, cn.igst, round_off, total, tuple(refunds), credits_given,
        credits_reversed, place_of_supply=cn.place_of_supply, inter_state=bool(inv.inter_state))


def _refund(s: Session, actor: Actor, shop, inv: Invoice, cn: CreditNote, customer: Customer | None, mode: str,
            total: Decimal, now: dt.datetime) -> tuple[list[PaymentInfo], Decimal]:
    """Pay ``total`` back; returns the refunds (positive amounts) and store credits given."""
    parts: list[tuple[str, Decimal]] = []
    if mode == "cash":
        parts = [("cash", total)]
    elif mode == "credits":
        parts = [("credits", total)]
    elif mode == "dues":
        if total > customer.dues:
            raise ValidationError("refund", f"{customer.name} owes only {money_str(customer.dues)}; "
                                            f"refund the {money_str(total)} another way")
        parts = [("account", total)]
    else:  # original: back the way it came — dues first, then credits, then money in payment order
        refunded = dict(s.execute(select(Payment.mode, func.sum(-Payment.amount))
                                  .where(Payment.invoice_id == inv.id, Payment.kind == "refund")
                                  .group_by(Payment.mode)).all())
        paid = {}
        for p in sorted(inv.payments, key=lambda p: p.id):
            if p.kind == "sale":
                paid[p.mode] = paid.get(p.mode, ZERO) + p.amount
        outstanding = next((left for i, _d, left in dues_service.open_invoices(s, inv.customer_id)
                            if i.id == inv.id), ZERO) if inv.customer_id else ZERO
        order = (["account"] if "account" in paid else []) + (["credits"] if "credits" in paid else []) + \
            [m for m in paid if m in MONEY_MODES]
        left = total
        for m in order:
            room = paid[m] - Decimal(refunded.get(m) or 0)
            if m == "account":
                room = min(room, outstanding, customer.dues if customer else ZERO)
            part = min(room, left)
            if part > 0:
                parts.append((m, part))
                left -= part
        if left > 0:
            parts.append(("cash", left))

    refunds: list[PaymentInfo] = []
    credits_given = ZERO
    for m, amount in parts:
        pay = Payment(kind="refund", invoice_id=inv.id, credit_note_id=cn.id, customer_id=inv.customer_id,
                      mode=m, amount=-amount, at=now, business_date=now.date(), user_id=actor.user_id,
                      terminal=actor.terminal or "")
        s.add(pay)
        if m == "credits":
            try:
                credits = credits_refunded(amount, shop.credit_value)
            except CartError as exc:
                raise ValidationError(exc.field, exc.message) from None
            customer.credits += credits
            credits_given += credits
            s.add(LoyaltyEntry(customer_id=customer.id, at=now, delta=credits, reason="refund", note=cn.number,
                               invoice_id=inv.id, credit_note_id=cn.id, user_id=actor.user_id,
                               balance_after=customer.credits))
        elif m == "account":
            s.flush()
            dues_service.allocate(s, customer.id, amount, pay.id, first_invoice_id=inv.id)
            customer.dues -= amount
            s.add(DuesEntry(customer_id=customer.id, at=now, delta=-amount, reason="return", invoice_id=inv.id,
                            payment_id=pay.id, credit_note_id=cn.id, user_id=actor.user_id,
                            balance_after=customer.dues, note=cn.number))
        refunds.append(PaymentInfo(m, amount))
    return refunds, credits_given


def _reverse_loyalty(s: Session, actor: Actor, inv: Invoice, cn: CreditNote, customer: Customer | None,
                     total: Decimal, everything_back: bool, now: dt.datetime) -> Decimal:
    """Take back the loyalty credits earned on the returned part (never below zero)."""
    if customer is None or not inv.credits_earned:
        return ZERO
    already = -Decimal(s.scalar(select(func.coalesce(func.sum(LoyaltyEntry.delta), 0))
                                .where(LoyaltyEntry.invoice_id == inv.id, LoyaltyEntry.reason == "reverse")) or 0)
    share = inv.credits_earned - already if everything_back else prorate(inv.credits_earned, total, inv.grand_total)
    share = min(share, inv.credits_earned - already, customer.credits)
    if share <= 0:
        return ZERO
    customer.credits -= share
    s.add(LoyaltyEntry(customer_id=customer.id, at=now, delta=-share, reason="reverse", note=cn.number,
                       invoice_id=inv.id, credit_note_id=cn.id, user_id=actor.user_id, balance_after=customer.credits))
    return share


# ---------------------------------------------------------------- reading

def _detail(s: Session, cn: CreditNote | None) -> CreditNoteDetail:
    if cn is None:
        raise NotFound("No such credit note.")
    inv = s.get(Invoice, cn.invoice_id)
    line_no = dict(s.execute(select(InvoiceLine.id, InvoiceLine.line_no)
                             .where(InvoiceLine.invoice_id == inv.id)).all())
    pays = s.scalars(select(Payment).where(Payment.credit_note_id == cn.id).order_by(Payment.id)).all()
    loyalty = s.scalars(select(LoyaltyEntry).where(LoyaltyEntry.credit_note_id == cn.id)).all()
    return CreditNoteDetail(
        cn.id, cn.number, cn.request_id, inv.number, cn.issued_at, cn.business_date, cn.user_name, cn.terminal,
        cn.reason, cn.refund_mode, inv.customer_phone, inv.customer_name,
        tuple(CreditNoteLineInfo(line_no.get(ln.invoice_line_id, 0), ln.sku, ln.name, ln.qty, ln.taxable,
                                 ln.gst_rate, ln.cgst, ln.sgst, ln.igst, ln.total) for ln in cn.lines),
        cn.taxable_total, cn.cgst, cn.sgst, cn.igst, cn.round_off, cn.total,
        tuple(PaymentInfo(p.mode, -p.amount) for p in pays),
        sum((e.delta for e in loyalty if e.reason == "refund"), ZERO),
        -sum((e.delta for e in loyalty if e.reason == "reverse"), ZERO),
        place_of_supply=cn.place_of_supply, inter_state=bool(inv.inter_state))


@requires(Permission.VIEW_INVOICES)
def get_credit_note(db: Database, actor: Actor, number: str) -> CreditNoteDetail:
    def work(s: Session) -> CreditNoteDetail:
        cn = s.scalars(select(CreditNote).where(CreditNote.number == (number or "").strip().upper())).one_or_none()
        if cn is None:
            raise NotFound(f"No credit note {number!r}.")
        return _detail(s, cn)
    return db.run(work, readonly=True)


@requires(Permission.VIEW_INVOICES)
def credit_notes_for(db: Database, actor: Actor, invoice_number: str) -> list[CreditNoteDetail]:
    """Every credit note against one invoice, oldest first."""
    def work(s: Session) -> list[CreditNoteDetail]:
        inv = s.scalars(select(Invoice).where(Invoice.number == (invoice_number or "").strip().upper())).one_or_none()
        if inv is None:
            raise NotFound(f"No invoice {invoice_number!r}.")
        return [_detail(s, cn) for cn in s.scalars(select(CreditNote).where(CreditNote.invoice_id == inv.id)
                                                    .order_by(CreditNote.id))]
    return db.run(work, readonly=True)
