"""Customers: find by phone or create, profile, credits and dues.

Phone numbers are Indian mobiles, stored as 10 digits (+91 / 0 prefixes accepted).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billbook import clock
from billbook.db.models import Customer, Invoice, LoyaltyEntry
from billbook.db.uow import Database
from billbook.domain.gst import (
    gstin_problem, gstin_state, is_valid_state_code, locality_problem, normalise_gstin, pincode_problem,
)
from billbook.domain.money import MoneyError, money_str, parse_amount
from billbook.domain.permissions import Permission
from billbook.domain.search import like_pattern
from billbook.domain.validation import normalise_phone
from billbook.services import settings
from billbook.services.base import Actor, Page, audit, check_paging, requires
from billbook.errors import Conflict, NotFound, ValidationError


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
    pincode: str = ""
    locality: str = ""

    def to_json(self) -> dict:
        return {"phone": self.phone, "name": self.name, "email": self.email, "gstin": self.gstin,
                "state_code": self.state_code, "address": self.address, "pincode": self.pincode,
                "locality": self.locality, "credits": money_str(self.credits),
                "dues": money_str(self.dues), "visits": self.visits, "total_spent": money_str(self.total_spent),
                "last_visit": self.last_visit.isoformat() if self.last_visit else None}


def customer_info(c: Customer) -> CustomerInfo:
    return CustomerInfo(c.id, c.phone, c.name, c.email, c.gstin, c.state_code, c.address, c.credits, c.dues,
                        c.visits, c.total_spent, c.last_visit, c.pincode or "", c.locality or "")


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


def check_address(address: str | None) -> str:
    text = (address or "").strip()
    if len(text) > 400 or any(ord(ch) < 32 and ch != "\n" for ch in text):
        raise ValidationError("address", "at most 400 characters")
    return text


def check_pincode(pincode: str | None) -> str:
    text = (pincode or "").strip().replace(" ", "")
    problem = pincode_problem(text)
    if problem:
        raise ValidationError("pincode", problem)
    return text


def check_locality(locality: str | None) -> str:
    text = (locality or "").strip()
    problem = locality_problem(text)
    if problem:
        raise ValidationError("locality", problem)
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
    if g and code and gstin_state(g) and gstin_state(g) != code:
        raise ValidationError("gstin", f"GSTIN {g} is not from state {code}")
    if g and not code:
        code = gstin_state(g)          # '' for an OIDAR registration (99: no state)
    return g, code


def find_by_phone(session: Session, phone: str, *, lock: bool = False) -> Customer | None:
    stmt = select(Customer).where(Customer.phone == phone)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def find_or_create_in(session: Session, actor: Actor, phone: str, name: str | None = None, *,
                      state_code: str | None = None, gstin: str | None = None, lock: bool = False,
                      address: str | None = None, pincode: str | None = None,
                      locality: str | None = None) -> Customer:
    """The customer with this phone, or a new one (name required), in the caller's transaction."""
    normal = check_phone(phone)
    customer = find_by_phone(session, normal, lock=lock)
    if customer is not None:
        return customer
    clean_name = check_name(name)
    g, code = check_b2b(gstin, state_code)
    customer = Customer(phone=normal, name=clean_name, search_name=clean_name.lower(), gstin=g, state_code=code,
                        address=check_address(address), pincode=check_pincode(pincode),
                        locality=check_locality(locality),
                        credits=Decimal("0"), dues=Decimal("0"), visits=0, total_spent=Decimal("0"),
                        created_at=clock.now(), active=True)
    session.add(customer)
    session.flush()
    audit(session, actor, "customer.add", "customer", customer.id, phone=normal)
    return customer


def customer_for_sale(session: Session, actor: Actor, phone: str, name: str | None = None, *,
                      gstin: str | None = None, state_code: str | None = None, address: str | None = None,
                      lock: bool = False) -> Customer:
    """The customer a sale is for, in the sale's transaction: the one with this phone, or a new
    one (name required). What the cashier gives at the sale is the customer's from then on: a
    GSTIN is stored on the customer with its state (so a GSTIN typed at the counter is treated
    the same for a customer on file as for a new one), and an address or state fills in or
    corrects what is on file. Every change to a customer on file is audited old → new.

    ``gstin``, ``state_code`` and ``address`` must already be checked (``check_b2b``,
    ``check_address``): a refused value must refuse the sale before anything is written."""
    customer = find_or_create_in(session, actor, phone, name, state_code=state_code, gstin=gstin, lock=lock,
                                 address=address)
    changes: dict = {}
    if gstin and gstin != customer.gstin:
        changes["gstin"] = gstin
    registered_in = gstin_state(changes.get("gstin", customer.gstin))
    if state_code and registered_in and state_code != registered_in:
        raise ValidationError("state_code", f"{customer.name} is registered in state {registered_in} (GSTIN "
                                            f"{changes.get('gstin', customer.gstin)}), not {state_code}; "
                                            "where the goods are supplied is the place of supply")
    new_state = state_code or registered_in
    if new_state and new_state != customer.state_code:
        changes["state_code"] = new_state
    if address and address != customer.address:
        changes["address"] = address
    if changes:
        diff = {k: (getattr(customer, k), v) for k, v in changes.items()}
        for k, v in changes.items():
            setattr(customer, k, v)
        audit(session, actor, "customer.update", "customer", customer.id, changes=diff, at_sale=True)
    return customer


@requires(Permission.EDIT_CUSTOMERS)
def add_customer(db: Database, actor: Actor, phone: str, name: str, *, state_code: str | None = None,
                 gstin: str | None = None, address: str | None = None, pincode: str | None = None,
                 locality: str | None = None) -> CustomerInfo:

    def work(s: Session) -> CustomerInfo:
        normal = check_phone(phone)
        if find_by_phone(s, normal) is not None:
            raise Conflict("phone", f"A customer with phone {normal} already exists.")
        return customer_info(find_or_create_in(s, actor, normal, name, state_code=state_code, gstin=gstin,
                                               address=address, pincode=pincode, locality=locality))
    return db.run(work)


@requires(Permission.VIEW_CUSTOMERS)
def get_customer(db: Database, actor: Actor, phone: str) -> CustomerInfo:
    def work(s: Session) -> CustomerInfo:
        c = find_by_phone(s, check_phone(phone))
        if c is None:
            raise NotFound(f"No customer with phone {phone}.")
        return customer_info(c)
    return db.run(work, readonly=True)


# ---------------------------------------------------------------- back office (issue 4)

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _find(s: Session, phone: str, *, lock: bool = False) -> Customer:
    c = find_by_phone(s, check_phone(phone), lock=lock)
    if c is None:
        raise NotFound(f"No customer with phone {phone}.")
    return c


@requires(Permission.MANAGE_CUSTOMERS)
def update_customer(db: Database, actor: Actor, phone: str, *, name=None, new_phone=None, email=None, gstin=None,
                    state_code=None, address=None, active=None, pincode=None, locality=None) -> CustomerInfo:
    """Change a customer's details (``None`` leaves a field as is); audited old → new."""

    changes: dict = {}
    if name is not None:
        changes["name"] = check_name(name)
    if email is not None:
        e = email.strip()
        if e and (len(e) > 120 or not _EMAIL_RE.match(e)):
            raise ValidationError("email", f"{email!r} is not an e-mail address")
        changes["email"] = e
    if address is not None:
        changes["address"] = check_address(address)
    if pincode is not None:
        changes["pincode"] = check_pincode(pincode)
    if locality is not None:
        changes["locality"] = check_locality(locality)
    if new_phone is not None:
        changes["phone"] = check_phone(new_phone)
    if active is not None:
        changes["active"] = bool(active)

    def work(s: Session) -> CustomerInfo:
        c = _find(s, phone, lock=True)
        if gstin is not None or state_code is not None:
            g, code = check_b2b(gstin if gstin is not None else c.gstin,
                                state_code if state_code is not None else (c.state_code if gstin is None else None))
            changes["gstin"], changes["state_code"] = g, code
        if "phone" in changes and changes["phone"] != c.phone and find_by_phone(s, changes["phone"]) is not None:
            raise Conflict("phone", f"A customer with phone {changes['phone']} already exists.")
        diff = {k: (getattr(c, k), v) for k, v in changes.items() if getattr(c, k) != v}
        for k, (_, v) in diff.items():
            setattr(c, k, v)
        if "name" in diff:
            c.search_name = c.name.lower()
        if diff:
            audit(s, actor, "customer.update", "customer", c.id, changes=diff)
        return customer_info(c)
    return db.run(work)


@requires(Permission.VIEW_CUSTOMERS)
def search_customers(db: Database, actor: Actor, text: str | None = None, *, limit: int = 20, offset: int = 0):
    """Active customers by name, paged (with the number of all matches). ``text`` of digits
    matches phones containing them; otherwise every word must occur in the name (any order,
    any case)."""
    limit, offset = check_paging(limit, offset)
    raw = (text or "").strip()
    digits = raw.replace(" ", "").replace("-", "").removeprefix("+91")

    def work(s: Session):
        stmt = select(Customer).where(Customer.active.is_(True))
        if digits.isdigit():
            stmt = stmt.where(Customer.phone.like(like_pattern(digits), escape="\\"))
        else:
            for w in raw.lower().split():
                stmt = stmt.where(Customer.search_name.like(like_pattern(w), escape="\\"))
        rows = list(s.scalars(stmt.order_by(Customer.search_name, Customer.id).limit(limit + 1).offset(offset)))
        total = (offset + len(rows) if len(rows) <= limit and (rows or offset == 0)
                 else s.scalar(select(func.count()).select_from(stmt.subquery())))
        return Page([customer_info(c) for c in rows[:limit]], offset, limit, has_more=len(rows) > limit,
                    total=total)
    return db.run(work, readonly=True)


@dataclass(frozen=True)
class CustomerHistory:
    customer: CustomerInfo
    visits: int
    total_spent: Decimal
    first_visit: dt.datetime | None
    last_visit: dt.datetime | None
    days_since: int | None
    invoices: list[dict]

    def to_json(self) -> dict:
        return {"customer": self.customer.to_json(), "visits": self.visits, "total_spent": money_str(self.total_spent),
                "first_visit": self.first_visit.isoformat() if self.first_visit else None,
                "last_visit": self.last_visit.isoformat() if self.last_visit else None,
                "days_since": self.days_since, "invoices": self.invoices}


@requires(Permission.VIEW_CUSTOMERS)
def customer_history(db: Database, actor: Actor, phone: str, *, limit: int = 50) -> CustomerHistory:
    """Purchase history: visits, first/last visit, days since, total spent, latest invoices."""
    limit, _ = check_paging(limit, 0)

    def work(s: Session) -> CustomerHistory:
        c = _find(s, phone)
        invs = s.scalars(select(Invoice).where(Invoice.customer_id == c.id)
                         .order_by(Invoice.issued_at.desc(), Invoice.id.desc()).limit(limit)).all()
        last = c.last_visit
        days = (clock.today() - last.date()).days if last else None
        return CustomerHistory(customer_info(c), c.visits, c.total_spent, c.first_visit, last, days, [
            {"number": i.number, "date": i.issued_at.isoformat(), "total": money_str(i.grand_total),
             "due": money_str(i.due_amount), "status": i.status,
             "credits_earned": money_str(i.credits_earned), "credits_redeemed": money_str(i.credits_redeemed)}
            for i in invs])
    return db.run(work, readonly=True)


# ---- loyalty ledger

@dataclass(frozen=True)
class LoyaltyRow:
    at: dt.datetime
    delta: Decimal
    reason: str
    note: str
    balance_after: Decimal
    period: str

    def to_json(self) -> dict:
        return {"at": self.at.isoformat(), "delta": money_str(self.delta), "reason": self.reason, "note": self.note,
                "balance_after": money_str(self.balance_after), "period": self.period or None}


@requires(Permission.VIEW_CUSTOMERS)
def loyalty_ledger(db: Database, actor: Actor, phone: str, *, limit: int = 200) -> list[LoyaltyRow]:
    """A customer's credit movements, oldest first (the last ``limit``)."""
    limit, _ = check_paging(limit, 0)

    def work(s: Session) -> list[LoyaltyRow]:
        c = _find(s, phone)
        rows = s.scalars(select(LoyaltyEntry).where(LoyaltyEntry.customer_id == c.id)
                         .order_by(LoyaltyEntry.id.desc()).limit(limit)).all()
        return [LoyaltyRow(e.at, e.delta, e.reason, e.note, e.balance_after, e.period) for e in reversed(rows)]
    return db.run(work, readonly=True)


@requires(Permission.MANAGE_CUSTOMERS)
def adjust_credits(db: Database, actor: Actor, phone: str, delta, reason: str) -> CustomerInfo:
    """Add (or, negative, take away) loyalty credits by hand, with a reason; never below zero."""
    try:
        d = parse_amount(delta, field="delta", allow_negative=True, allow_zero=False)
    except MoneyError as exc:
        raise ValidationError("delta", str(exc).split(": ", 1)[-1]) from None
    note = (reason or "").strip()
    if not note or len(note) > 200 or any(ord(ch) < 32 for ch in note):
        raise ValidationError("reason", "say why (up to 200 characters)")

    def work(s: Session) -> CustomerInfo:
        c = _find(s, phone, lock=True)
        if c.credits + d < 0:
            raise ValidationError("delta", f"{c.name} has {money_str(c.credits)} credits; "
                                           f"cannot take {money_str(-d)}")
        c.credits += d
        s.add(LoyaltyEntry(customer_id=c.id, at=clock.now(), delta=d, reason="adjust", note=note,
                           user_id=actor.user_id, balance_after=c.credits, period=""))
        audit(s, actor, "customer.credits_adjust", "customer", c.id, delta=d, reason=note,
              changes={"credits": (c.credits - d, c.credits)})
        return customer_info(c)
    return db.run(work)


# ---- the loyalty reward rule

REWARD_KEY = "loyalty.reward_rule"
PERIODS = ("month", "quarter", "year")


@dataclass(frozen=True)
class RewardRule:
    """Customers with at least ``min_visits`` invoices OR ``min_spent`` rupees (whichever are
    set; both set means both needed) in a calendar period earn ``credits`` once for it."""
    enabled: bool = False
    period: str = "month"
    min_visits: int | None = None
    min_spent: Decimal | None = None
    credits: Decimal = Decimal("50.00")

    def to_json(self) -> dict:
        return {"enabled": self.enabled, "period": self.period, "min_visits": self.min_visits,
                "min_spent": money_str(self.min_spent) if self.min_spent is not None else None,
                "credits": money_str(self.credits)}


def _rule_from(text: str | None) -> RewardRule:
    if not text:
        return RewardRule()
    data = json.loads(text)
    return RewardRule(bool(data.get("enabled")), data.get("period", "month"), data.get("min_visits"),
                      Decimal(data["min_spent"]) if data.get("min_spent") is not None else None,
                      Decimal(data.get("credits", "50")))


@requires(Permission.VIEW_CUSTOMERS)
def get_reward_rule(db: Database, actor: Actor) -> RewardRule:
    return db.run(lambda s: _rule_from(settings.get(s, REWARD_KEY)), readonly=True)


@requires(Permission.MANAGE_CUSTOMERS)
def set_reward_rule(db: Database, actor: Actor, *, enabled: bool = True, period: str = "month",
                    min_visits=None, min_spent=None, credits="50") -> RewardRule:
    """Store the loyalty reward rule in the settings table (audited)."""
    if period not in PERIODS:
        raise ValidationError("period", f"one of {', '.join(PERIODS)}")
    visits = None
    if min_visits not in (None, ""):
        try:
            visits = int(str(min_visits).strip())
        except (TypeError, ValueError, OverflowError):
            raise ValidationError("min_visits", "a whole number") from None
        if not 1 <= visits <= 10000:
            raise ValidationError("min_visits", "between 1 and 10000")
    try:
        spent = parse_amount(min_spent, field="min_spent", allow_zero=False) if min_spent not in (None, "") else None
        amount = parse_amount(credits, field="credits", allow_zero=False)
    except MoneyError as exc:
        field, _, msg = str(exc).partition(": ")
        raise ValidationError(field, msg) from None
    if enabled and visits is None and spent is None:
        raise ValidationError("min_visits", "set a number of visits or an amount spent (or both)")
    rule = RewardRule(bool(enabled), period, visits, spent, amount)

    def work(s: Session) -> RewardRule:
        old = settings.get(s, REWARD_KEY)
        new = json.dumps(rule.to_json())
        settings.put(s, REWARD_KEY, new)
        audit(s, actor, "loyalty.rule", "setting", REWARD_KEY, changes={"rule": (old, new)})
        return rule
    return db.run(work)


def period_bounds(period: str, label: str) -> tuple[dt.date, dt.date]:
    """First day and the day after the last of a period label: 2026-11, 2026-Q3, 2026."""
    try:
        if period == "month":
            y, m = (int(x) for x in label.split("-"))
            start = dt.date(y, m, 1)
            end = dt.date(y + (m == 12), m % 12 + 1, 1)
        elif period == "quarter":
            y, q = label.split("-Q")
            y, q = int(y), int(q)
            if not 1 <= q <= 4:
                raise ValueError
            start = dt.date(y, 3 * q - 2, 1)
            end = dt.date(y + (q == 4), (3 * q) % 12 + 1, 1)
        else:
            y = int(label)
            start, end = dt.date(y, 1, 1), dt.date(y + 1, 1, 1)
    except (ValueError, TypeError):
        raise ValidationError("period", f"{label!r} is not a {period} like "
                                        f"{ {'month': '2026-11', 'quarter': '2026-Q3', 'year': '2026'}[period] }") from None
    return start, end


def previous_period(period: str, today: dt.date) -> str:
    """The last complete period before ``today``."""
    if period == "month":
        first = today.replace(day=1) - dt.timedelta(days=1)
        return f"{first.year}-{first.month:02d}"
    if period == "quarter":
        q = (today.month - 1) // 3  # 0..3 = the current quarter - 1
        return f"{today.year - 1}-Q4" if q == 0 else f"{today.year}-Q{q}"
    return str(today.year - 1)


@dataclass(frozen=True)
class RewardRun:
    period: str
    rewarded: list[tuple[str, Decimal]]   # (phone, credits)
    already: int                          # qualifying customers rewarded before for this period

    def to_json(self) -> dict:
        return {"period": self.period, "rewarded": [{"phone": p, "credits": money_str(c)} for p, c in self.rewarded],
                "already_rewarded": self.already}


@requires(Permission.MANAGE_CUSTOMERS)
def apply_rewards(db: Database, actor: Actor, period_label: str | None = None) -> RewardRun:
    """Give the rule's credits to every customer who qualified in the period (default: the last
    complete one), once: a customer with a ``reward`` ledger row for that period is skipped."""
    def work(s: Session) -> RewardRun:
        rule = _rule_from(settings.get(s, REWARD_KEY))
        if not rule.enabled:
            raise ValidationError("rule", "no loyalty reward rule is enabled (set one first)")
        label = period_label or previous_period(rule.period, clock.today())
        start, end = period_bounds(rule.period, label)
        if end > clock.today():
            raise ValidationError("period", f"{label} is not over yet")
        stats = s.execute(select(Invoice.customer_id, func.count(), func.sum(Invoice.grand_total))
                          .where(Invoice.customer_id.is_not(None), Invoice.business_date >= start,
                                 Invoice.business_date < end, Invoice.status != "cancelled")
                          .group_by(Invoice.customer_id)).all()
        qualifying = sorted(cid for cid, visits, spent in stats
                            if (rule.min_visits is None or visits >= rule.min_visits)
                            and (rule.min_spent is None or Decimal(spent or 0) >= rule.min_spent))
        if not qualifying:
            return RewardRun(label, [], 0)
        customers = {c.id: c for c in s.scalars(select(Customer).where(Customer.id.in_(qualifying))
                                                .order_by(Customer.id).with_for_update())}
        done = set(s.scalars(select(LoyaltyEntry.customer_id).where(
            LoyaltyEntry.customer_id.in_(qualifying), LoyaltyEntry.reason == "reward",
            LoyaltyEntry.period == label)))
        rewarded = []
        now = clock.now()
        for cid in qualifying:
            if cid in done:
                continue
            c = customers[cid]
            c.credits += rule.credits
            s.add(LoyaltyEntry(customer_id=c.id, at=now, delta=rule.credits, reason="reward",
                               note=f"{rule.period} reward {label}", user_id=actor.user_id,
                               balance_after=c.credits, period=label))
            rewarded.append((c.phone, rule.credits))
        audit(s, actor, "loyalty.rewards", "setting", REWARD_KEY, period=label, customers=len(rewarded))
        return RewardRun(label, rewarded, len(done))
    return db.run(work)
