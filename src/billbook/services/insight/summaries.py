"""Summary tables behind the dashboard: derived from the base tables, rebuilt up to a watermark.

Why: two years of a busy shop is a million invoices and five million lines; a dashboard
that aggregates those on every look takes many seconds. So for every *closed* business day
(up to a watermark, normally two days ago) the per-day aggregates live in small tables
(``summary_day``, ``summary_day_key``; whole months of the big dimensions in
``summary_month_key``; cohort counts per week in ``summary_cohort``). Days after the
watermark — today and yesterday — are aggregated live from the base tables with exactly the
same queries (:func:`agg_day` / :func:`agg_keys` are the single definition of every figure).

Nothing has to keep these tables up to date inside checkout: documents are written with
today's business date, which is always after the watermark. If a document ever appears
with a date at or before the watermark (a restore, a bulk import, a clock change), the
readers notice it — the watermark remembers the highest id of every source table, and any
newer row dated earlier pulls the *effective* watermark back before that date — so figures
are always correct, just computed live for longer until :func:`refresh` runs again.

The refresh is idempotent and incremental: it deletes the summary rows after the effective
watermark and recomputes them from the base tables.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Date, Integer, case, cast, delete, extract, func, insert, or_, select, type_coerce, union_all
from sqlalchemy.orm import Session, aliased

from billbook import clock
from billbook.db.models import (
    CreditNote, CreditNoteLine, Invoice, InvoiceLine, LoyaltyEntry, Payment, Setting, SummaryCohort,
    SummaryCustomerFirst, SummaryDay, SummaryDayKey, SummaryMonthKey,
)
from billbook.domain.calendar import parse_date
from billbook.domain.money import QTY_ZERO, ZERO

STATE_KEY = "analytics.summary"
#: bump when the meaning of a summary row changes: older summaries are then rebuilt
SUMMARY_VERSION = 3

#: upper edges (exclusive) of the invoice-amount histogram bins, in rupees; the last bin is open
BIN_EDGES: tuple[Decimal, ...] = tuple(Decimal(x) for x in (
    "100", "250", "500", "1000", "2500", "5000", "10000", "25000", "50000"))

#: dimensions of summary_day_key; MONTH_DIMS also get whole-month rows
DIMS = ("bin", "hour", "cat", "prod", "pay", "cust")
MONTH_DIMS = ("prod", "cust")
#: loyalty ledger reasons that count as credits earned
EARN_REASONS = ("earn", "reward")
#: minutes after midnight before yesterday may be summarised (a sale started before midnight has
#: long committed by then: lock waits time out after 20 s)
SETTLE_MINUTES = 10


def default_target() -> dt.date:
    """The newest business date the summaries may cover now: yesterday (the day before, just after midnight)."""
    now = clock.now()
    lag = 1 if now.time() >= dt.time(0, SETTLE_MINUTES) else 2
    return now.date() - dt.timedelta(days=lag)


# ---------------------------------------------------------------- calendar helpers

def week_start(day: dt.date) -> dt.date:
    """Monday of ``day``'s week (ISO weeks)."""
    return day - dt.timedelta(days=day.weekday())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def next_month(day: dt.date) -> dt.date:
    return month_end(day) + dt.timedelta(days=1)


def bin_index(amount: Decimal) -> int:
    """Which histogram bin an invoice amount falls in (same rule as the SQL CASE)."""
    for i, edge in enumerate(BIN_EDGES):
        if amount < edge:
            return i
    return len(BIN_EDGES)


# ---------------------------------------------------------------- rows

@dataclass
class DayRow:
    invoices: int = 0
    gross_total: Decimal = ZERO
    discount_total: Decimal = ZERO
    taxable_total: Decimal = ZERO
    tax_total: Decimal = ZERO
    grand_total: Decimal = ZERO
    returns: int = 0
    return_taxable: Decimal = ZERO
    return_tax: Decimal = ZERO
    return_total: Decimal = ZERO

    def add(self, other: DayRow) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class KeyRow:
    """``n`` counts, ``qty`` quantity, ``a1``/``a2`` amounts; their meaning depends on the dimension.

    bin:  n invoices, a1 grand total
    hour: key "weekday-hour" (0-23, Monday 0), n invoices, a1 grand total, a2 taxable
    cat / prod: n lines sold, qty net of returns, a1 taxable net of returns, a2 total (with tax) net of returns
    pay:  key "kind:mode", n payments, a1 amount
    cust: n invoices, a1 spend (grand total net of credit notes), a2 loyalty credits earned
    """
    n: int = 0
    qty: Decimal = QTY_ZERO
    a1: Decimal = ZERO
    a2: Decimal = ZERO

    def add(self, other: KeyRow) -> None:
        self.n += other.n
        self.qty += other.qty
        self.a1 += other.a1
        self.a2 += other.a2


def _dec(value, zero=ZERO) -> Decimal:
    if value is None:
        return zero
    return value if isinstance(value, Decimal) else Decimal(str(value))


# ---------------------------------------------------------------- the one definition of each figure

def agg_day(s: Session, d1: dt.date, d2: dt.date) -> dict[dt.date, DayRow]:
    """Per business date in [d1, d2]: invoice totals and credit-note totals."""
    out: dict[dt.date, DayRow] = defaultdict(DayRow)
    if d1 > d2:
        return {}
    inv = select(Invoice.business_date, func.count(), func.sum(Invoice.gross_total),
                 func.sum(Invoice.discount_total), func.sum(Invoice.taxable_total),
                 func.sum(Invoice.cgst + Invoice.sgst + Invoice.igst), func.sum(Invoice.grand_total)
                 ).where(Invoice.business_date.between(d1, d2)).group_by(Invoice.business_date)
    for day, n, gross, disc, taxable, tax, grand in s.execute(inv):
        r = out[parse_date(day)]
        r.invoices, r.gross_total, r.discount_total = int(n), _dec(gross), _dec(disc)
        r.taxable_total, r.tax_total, r.grand_total = _dec(taxable), _dec(tax), _dec(grand)
    cn = select(CreditNote.business_date, func.count(), func.sum(CreditNote.taxable_total),
                func.sum(CreditNote.cgst + CreditNote.sgst + CreditNote.igst), func.sum(CreditNote.total)
                ).where(CreditNote.business_date.between(d1, d2)).group_by(CreditNote.business_date)
    for day, n, taxable, tax, total in s.execute(cn):
        r = out[parse_date(day)]
        r.returns, r.return_taxable, r.return_tax, r.return_total = int(n), _dec(taxable), _dec(tax), _dec(total)
    return dict(out)


def _bin_case():
    return case(*[(Invoice.grand_total < edge, i) for i, edge in enumerate(BIN_EDGES)], else_=len(BIN_EDGES))


def agg_keys(s: Session, dim: str, d1: dt.date, d2: dt.date) -> dict[tuple[dt.date, str], KeyRow]:
    """Per (business date, key) of dimension ``dim`` in [d1, d2] (see :class:`KeyRow`)."""
    out: dict[tuple[dt.date, str], KeyRow] = defaultdict(KeyRow)
    if d1 > d2:
        return {}
    in_range = Invoice.business_date.between(d1, d2)
    if dim == "bin":
        b = _bin_case().label("b")
        q = select(Invoice.business_date, b, func.count(), func.sum(Invoice.grand_total)
                   ).where(in_range).group_by(Invoice.business_date, b)
        for day, key, n, total in s.execute(q):
            r = out[(parse_date(day), str(int(key)))]
            r.n, r.a1 = int(n), _dec(total)
    elif dim == "hour":
        h = extract("hour", Invoice.issued_at).label("h")
        q = select(Invoice.business_date, h, func.count(), func.sum(Invoice.grand_total),
                   func.sum(Invoice.taxable_total)).where(in_range).group_by(Invoice.business_date, h)
        for day, key, n, total, taxable in s.execute(q):
            day = parse_date(day)
            r = out[(day, f"{day.weekday()}-{int(key):02d}")]
            r.n, r.a1, r.a2 = int(n), _dec(total), _dec(taxable)
    elif dim in ("cat", "prod"):
        key_col = func.coalesce(InvoiceLine.category_id, 0) if dim == "cat" else InvoiceLine.product_id
        k = key_col.label("k")
        q = (select(Invoice.business_date, k, func.count(), func.sum(InvoiceLine.qty),
                    func.sum(InvoiceLine.taxable), func.sum(InvoiceLine.total))
             .select_from(Invoice).join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
             .where(in_range).group_by(Invoice.business_date, k))
        for day, key, n, qty, taxable, total in s.execute(q):
            r = out[(parse_date(day), str(int(key)))]
            r.n, r.qty, r.a1, r.a2 = int(n), _dec(qty, QTY_ZERO), _dec(taxable), _dec(total)
        rkey = (func.coalesce(InvoiceLine.category_id, 0) if dim == "cat" else CreditNoteLine.product_id).label("k")
        q = (select(CreditNote.business_date, rkey, func.sum(CreditNoteLine.qty), func.sum(CreditNoteLine.taxable),
                    func.sum(CreditNoteLine.total))
             .select_from(CreditNote).join(CreditNoteLine, CreditNoteLine.credit_note_id == CreditNote.id)
             .join(InvoiceLine, InvoiceLine.id == CreditNoteLine.invoice_line_id)
             .where(CreditNote.business_date.between(d1, d2)).group_by(CreditNote.business_date, rkey))
        for day, key, qty, taxable, total in s.execute(q):
            r = out[(parse_date(day), str(int(key)))]
            r.qty -= _dec(qty, QTY_ZERO)
            r.a1 -= _dec(taxable)
            r.a2 -= _dec(total)
    elif dim == "pay":
        q = (select(Payment.business_date, Payment.kind, Payment.mode, func.count(), func.sum(Payment.amount))
             .where(Payment.business_date.between(d1, d2))
             .group_by(Payment.business_date, Payment.kind, Payment.mode))
        for day, kind, mode, n, amount in s.execute(q):
            r = out[(parse_date(day), f"{kind}:{mode}")]
            r.n, r.a1 = int(n), _dec(amount)
    elif dim == "cust":
        q = (select(Invoice.business_date, Invoice.customer_id, func.count(), func.sum(Invoice.grand_total))
             .where(in_range, Invoice.customer_id.is_not(None))
             .group_by(Invoice.business_date, Invoice.customer_id))
        for day, cid, n, total in s.execute(q):
            r = out[(parse_date(day), str(cid))]
            r.n, r.a1 = int(n), _dec(total)
        q = (select(CreditNote.business_date, Invoice.customer_id, func.sum(CreditNote.total))
             .select_from(CreditNote).join(Invoice, Invoice.id == CreditNote.invoice_id)
             .where(CreditNote.business_date.between(d1, d2), Invoice.customer_id.is_not(None))
             .group_by(CreditNote.business_date, Invoice.customer_id))
        for day, cid, total in s.execute(q):
            out[(parse_date(day), str(cid))].a1 -= _dec(total)
        day_of = type_coerce(func.date(LoyaltyEntry.at), Date).label("d")
        q = (select(day_of, LoyaltyEntry.customer_id, func.sum(LoyaltyEntry.delta))
             .where(LoyaltyEntry.at >= dt.datetime.combine(d1, dt.time()),
                    LoyaltyEntry.at < dt.datetime.combine(d2 + dt.timedelta(days=1), dt.time()),
                    LoyaltyEntry.delta > 0, LoyaltyEntry.reason.in_(EARN_REASONS))
             .group_by(day_of, LoyaltyEntry.customer_id))
        for day, cid, credits in s.execute(q):
            out[(parse_date(day), str(cid))].a2 += _dec(credits)
    else:
        raise ValueError(f"unknown dimension {dim!r}")
    return dict(out)


def customer_days(s: Session, d1: dt.date, d2: dt.date) -> set[tuple[int, dt.date]]:
    """Distinct (customer, business date) pairs with an invoice in [d1, d2]."""
    q = (select(Invoice.customer_id, Invoice.business_date).distinct()
         .where(Invoice.business_date.between(d1, d2), Invoice.customer_id.is_not(None)))
    return {(int(c), parse_date(d)) for c, d in s.execute(q)}


# ---------------------------------------------------------------- watermark

@dataclass(frozen=True)
class Watermark:
    """Summaries are valid for business dates <= ``through`` (None: no summaries yet)."""
    through: dt.date | None
    stored_through: dt.date | None
    max_ids: dict

    @property
    def week_through(self) -> dt.date | None:
        """Last Sunday covered: cohort rows exist for whole weeks only."""
        if self.through is None:
            return None
        return week_start(self.through + dt.timedelta(days=1)) - dt.timedelta(days=1)


_SOURCES = {
    "inv": (Invoice.id, Invoice.business_date),
    "cn": (CreditNote.id, CreditNote.business_date),
    "pay": (Payment.id, Payment.business_date),
    "loy": (LoyaltyEntry.id, LoyaltyEntry.at),
}


def _read_state(s: Session) -> dict:
    row = s.get(Setting, STATE_KEY)
    if row is None:
        return {}
    try:
        return json.loads(row.value)
    except ValueError:
        return {}


def watermark(s: Session) -> Watermark:
    """The effective watermark: the stored one, pulled back before any newer row dated earlier."""
    state = _read_state(s)
    if state.get("version") != SUMMARY_VERSION:
        state = {}
    stored = dt.date.fromisoformat(state["through"]) if state.get("through") else None
    max_ids = state.get("max_ids", {})
    through = stored
    if stored is not None:
        for name, (id_col, date_col) in _SOURCES.items():
            known = int(max_ids.get(name, 0))
            if (s.execute(select(func.max(id_col))).scalar() or 0) <= known:
                continue          # nothing new since the refresh (MAX(id) is one index probe)
            # walk the new rows by primary key (a plain MIN(date) WHERE id > n may scan the date index)
            newer = select(date_col.label("d")).where(id_col > known).order_by(id_col).limit(10 ** 9).subquery()
            earliest = s.execute(select(func.min(newer.c.d))).scalar()
            if earliest is not None:
                earliest = parse_date(earliest)
                if earliest <= through:
                    through = earliest - dt.timedelta(days=1)
    return Watermark(through, stored, max_ids)


def data_start(s: Session) -> dt.date | None:
    """The first business date with any document."""
    firsts = [s.execute(select(func.min(Invoice.business_date))).scalar(),
              s.execute(select(func.min(CreditNote.business_date))).scalar(),
              s.execute(select(func.min(Payment.business_date))).scalar(),
              s.execute(select(func.min(LoyaltyEntry.at))).scalar()]
    dates = [parse_date(d) for d in firsts if d is not None]
    return min(dates) if dates else None


# ---------------------------------------------------------------- refresh

def _chunks(d1: dt.date, d2: dt.date):
    """[d1, d2] cut at month boundaries."""
    cur = d1
    while cur <= d2:
        end = min(month_end(cur), d2)
        yield cur, end
        cur = end + dt.timedelta(days=1)


def refresh(s: Session, through: dt.date | None = None, *, progress=None) -> dt.date | None:
    """Bring the summaries up to ``through`` (default: today minus REFRESH_LAG_DAYS), in ``s``'s transaction.

    Returns the new watermark. ``progress(done_days, total_days)`` is called after each month.
    """
    target = through or default_target()
    max_ids = {name: int(s.execute(select(func.coalesce(func.max(id_col), 0))).scalar())
               for name, (id_col, _) in _SOURCES.items()}
    wm = watermark(s)
    first = data_start(s)
    start = (wm.through + dt.timedelta(days=1)) if wm.through is not None else (first or target)
    if wm.through is not None and target < wm.through:
        start = target + dt.timedelta(days=1)   # going back: drop what lies after the new watermark
    # drop every summary row after the effective watermark
    m0 = month_start(start)
    w0 = week_start(start)
    s.execute(delete(SummaryDay).where(SummaryDay.business_date >= start))
    s.execute(delete(SummaryDayKey).where(SummaryDayKey.business_date >= start))
    s.execute(delete(SummaryMonthKey).where(SummaryMonthKey.month >= m0))
    s.execute(delete(SummaryCohort).where(SummaryCohort.active_week >= w0))
    s.execute(delete(SummaryCustomerFirst).where(SummaryCustomerFirst.first_date >= start))
    total_days = max((target - start).days + 1, 0)
    if first is not None and start <= target:
        for c1, c2 in _chunks(start, target):
            days = agg_day(s, c1, c2)
            if days:
                s.execute(insert(SummaryDay), [
                    {"business_date": d, **{k: getattr(r, k) for k in DayRow.__dataclass_fields__}}
                    for d, r in days.items()])
            for dim in DIMS:
                rows = agg_keys(s, dim, c1, c2)
                if rows:
                    s.execute(insert(SummaryDayKey), [
                        {"dim": dim, "business_date": d, "key": k, "n": r.n, "qty": r.qty, "a1": r.a1, "a2": r.a2}
                        for (d, k), r in rows.items()])
            if progress:
                progress((c2 - start).days + 1, total_days)
        # whole months of the big dimensions
        m = m0
        while month_end(m) <= target:
            q = (select(SummaryDayKey.dim, SummaryDayKey.key, func.sum(SummaryDayKey.n), func.sum(SummaryDayKey.qty),
                        func.sum(SummaryDayKey.a1), func.sum(SummaryDayKey.a2))
                 .where(SummaryDayKey.dim.in_(MONTH_DIMS), SummaryDayKey.business_date.between(m, month_end(m)))
                 .group_by(SummaryDayKey.dim, SummaryDayKey.key))
            rows = [{"dim": dim, "month": m, "key": key, "n": int(n), "qty": _dec(qty, QTY_ZERO), "a1": _dec(a1),
                     "a2": _dec(a2)} for dim, key, n, qty, a1, a2 in s.execute(q)]
            if rows:
                s.execute(insert(SummaryMonthKey), rows)
            _cumulate(s, m, rows)
            m = next_month(m)
        # first visits of customers seen after the watermark (earlier ones are kept)
        known = {int(c) for c in s.scalars(select(SummaryCustomerFirst.customer_id))}
        q = (select(Invoice.customer_id, func.min(Invoice.business_date))
             .where(Invoice.business_date.between(start, target), Invoice.customer_id.is_not(None))
             .group_by(Invoice.customer_id))
        new_first = [{"customer_id": int(c), "first_date": parse_date(d)} for c, d in s.execute(q) if int(c) not in known]
        for i in range(0, len(new_first), 5000):
            s.execute(insert(SummaryCustomerFirst), new_first[i:i + 5000])
        # cohort counts for whole weeks
        week_through = week_start(target + dt.timedelta(days=1)) - dt.timedelta(days=1)
        if w0 <= week_through:
            firsts = {int(c): parse_date(d) for c, d in s.execute(select(SummaryCustomerFirst.customer_id,
                                                                    SummaryCustomerFirst.first_date))}
            counts = cohort_counts(customer_days(s, w0, week_through), firsts)
            rows = [{"cohort_week": c, "active_week": a, "customers": n} for (c, a), n in counts.items()]
            for i in range(0, len(rows), 5000):
                s.execute(insert(SummaryCohort), rows[i:i + 5000])
    state = {"version": SUMMARY_VERSION, "through": target.isoformat(), "max_ids": max_ids, "refreshed_at": clock.now().isoformat()}
    row = s.get(Setting, STATE_KEY)
    if row is None:
        s.add(Setting(key=STATE_KEY, value=json.dumps(state)))
    else:
        row.value = json.dumps(state)
    s.flush()
    return target


def refresh_in_steps(db, through: dt.date | None = None, *, progress=None) -> dt.date | None:
    """:func:`refresh` one calendar month per transaction, so a first build over years of data
    never holds the write lock for long (counters keep selling in between); resumable."""
    target = through or default_target()
    while True:
        wm = db.run(watermark, readonly=True)
        if wm.through is not None and wm.through >= target:
            return wm.through if wm.through == target else db.run(lambda s: refresh(s, target))
        if wm.through is None:
            first = db.run(data_start, readonly=True)
            if first is None or first > target:
                return db.run(lambda s: refresh(s, target))
            step = min(target, month_end(first))
        else:
            step = min(target, month_end(wm.through + dt.timedelta(days=1)))
        db.run(lambda s: refresh(s, step))
        if progress:
            progress(step, target)
        if step == target:
            return target


def prev_month(m: dt.date) -> dt.date:
    return month_start(m - dt.timedelta(days=1))


def _cumulate(s: Session, m: dt.date, month_rows: list[dict]) -> None:
    """Running totals through month ``m`` (dims 'prod+' / 'cust+'): last month's plus this month's.

    A range of whole months is then the difference of two snapshots — one row per key instead
    of one per key and month (what makes a two-year top-customers list cheap)."""
    for dim in MONTH_DIMS:
        acc: dict[str, list] = {}
        q = select(SummaryMonthKey.key, SummaryMonthKey.n, SummaryMonthKey.qty, SummaryMonthKey.a1,
                   SummaryMonthKey.a2).where(SummaryMonthKey.dim == dim + "+", SummaryMonthKey.month == prev_month(m))
        for key, n, qty, a1, a2 in s.execute(q):
            acc[key] = [int(n), _dec(qty, QTY_ZERO), _dec(a1), _dec(a2)]
        for r in month_rows:
            if r["dim"] == dim:
                cur = acc.setdefault(r["key"], [0, QTY_ZERO, ZERO, ZERO])
                cur[0] += r["n"]
                cur[1] += r["qty"]
                cur[2] += r["a1"]
                cur[3] += r["a2"]
        rows = [{"dim": dim + "+", "month": m, "key": k, "n": v[0], "qty": v[1], "a1": v[2], "a2": v[3]}
                for k, v in acc.items()]
        for i in range(0, len(rows), 5000):
            s.execute(insert(SummaryMonthKey), rows[i:i + 5000])


def cohort_counts(pairs: set[tuple[int, dt.date]], firsts: dict[int, dt.date]) -> dict[tuple[dt.date, dt.date], int]:
    """Distinct customers per (cohort week, active week) from (customer, date) pairs."""
    seen: set[tuple[int, dt.date]] = set()
    counts: dict[tuple[dt.date, dt.date], int] = defaultdict(int)
    for cid, day in pairs:
        first = firsts.get(cid)
        if first is None:
            continue
        wk = week_start(day)
        if (cid, wk) in seen:
            continue
        seen.add((cid, wk))
        counts[(week_start(first), wk)] += 1
    return dict(counts)


def clear(s: Session) -> None:
    """Forget every summary (they are rebuilt by the next :func:`refresh`)."""
    for model in (SummaryDay, SummaryDayKey, SummaryMonthKey, SummaryCohort, SummaryCustomerFirst):
        s.execute(delete(model))
    row = s.get(Setting, STATE_KEY)
    if row is not None:
        s.delete(row)
    s.flush()


# ---------------------------------------------------------------- readers (summary + live)
# The summary part is aggregated in SQL (few rows cross the wire: the pure-Python MySQL driver
# costs ~30 µs a row); the part after the watermark comes from agg_day / agg_keys.

def _split(d1: dt.date, d2: dt.date, wm: Watermark) -> tuple[tuple[dt.date, dt.date] | None, dt.date]:
    """(summarised part or None, first live day)."""
    if wm.through is not None and d1 <= wm.through:
        upto = min(d2, wm.through)
        return (d1, upto), upto + dt.timedelta(days=1)
    return None, d1


_DAY_FIELDS = tuple(DayRow.__dataclass_fields__)


def read_buckets(s: Session, buckets: list[tuple[dt.date, dt.date]], wm: Watermark) -> list[DayRow]:
    """Day totals summed per bucket (consecutive, non-overlapping date ranges in order)."""
    out = [DayRow() for _ in buckets]
    if not buckets:
        return out
    d1, d2 = buckets[0][0], buckets[-1][1]
    summarised, live_from = _split(d1, d2, wm)
    if summarised:
        lo, hi = summarised
        idx = case(*[(SummaryDay.business_date <= b_hi, i) for i, (_, b_hi) in enumerate(buckets[:-1])],
                   else_=len(buckets) - 1).label("b") if len(buckets) > 1 else None
        cols = [func.sum(getattr(SummaryDay, f)) for f in _DAY_FIELDS]
        q = select(*([idx] if idx is not None else []), *cols).where(SummaryDay.business_date.between(lo, hi))
        if idx is not None:
            q = q.group_by(idx)
        for row in s.execute(q):
            i = int(row[0]) if idx is not None else 0
            vals = row[1:] if idx is not None else row
            if vals[0] is None:
                continue
            out[i].add(DayRow(*[int(v) if f in ("invoices", "returns") else _dec(v)
                                for f, v in zip(_DAY_FIELDS, vals)]))
    if live_from <= d2:
        starts = [b[0] for b in buckets]
        for day, row in agg_day(s, live_from, d2).items():
            out[bisect.bisect_right(starts, day) - 1].add(row)
    return out


def _sum_keys_sql(s: Session, model, date_col, dim: str, d1: dt.date, d2: dt.date, out: dict[str, KeyRow]) -> None:
    q = (select(model.key, func.sum(model.n), func.sum(model.qty), func.sum(model.a1), func.sum(model.a2))
         .where(model.dim == dim, date_col.between(d1, d2)).group_by(model.key))
    for key, n, qty, a1, a2 in s.execute(q):
        out.setdefault(key, KeyRow()).add(KeyRow(int(n), _dec(qty, QTY_ZERO), _dec(a1), _dec(a2)))


def _tiers(dim: str, lo: dt.date, hi: dt.date):
    """(model, date column, from, to) pieces covering [lo, hi]: whole months from the month table."""
    if dim not in MONTH_DIMS:
        return [(SummaryDayKey, SummaryDayKey.business_date, lo, hi)]
    m_first = lo if lo.day == 1 else next_month(lo)
    m_last = month_start(hi) if month_end(hi) == hi else month_start(month_start(hi) - dt.timedelta(days=1))
    if m_first > m_last:
        return [(SummaryDayKey, SummaryDayKey.business_date, lo, hi)]
    parts = [(SummaryMonthKey, SummaryMonthKey.month, m_first, m_last)]
    if lo < m_first:
        parts.append((SummaryDayKey, SummaryDayKey.business_date, lo, m_first - dt.timedelta(days=1)))
    after = month_end(m_last) + dt.timedelta(days=1)
    if after <= hi:
        parts.append((SummaryDayKey, SummaryDayKey.business_date, after, hi))
    return parts


def live_keys(s: Session, dim: str, d1: dt.date, d2: dt.date) -> dict[str, KeyRow]:
    out: dict[str, KeyRow] = {}
    for (_, key), row in agg_keys(s, dim, d1, d2).items():
        out.setdefault(key, KeyRow()).add(row)
    return out


def sum_keys(s: Session, dim: str, d1: dt.date, d2: dt.date, wm: Watermark) -> dict[str, KeyRow]:
    """Per key over the whole range [d1, d2] (summary tiers in SQL, the rest live)."""
    out: dict[str, KeyRow] = {}
    summarised, live_from = _split(d1, d2, wm)
    if summarised:
        for model, col, lo, hi in _tiers(dim, *summarised):
            _sum_keys_sql(s, model, col, dim, lo, hi, out)
    for key, row in live_keys(s, dim, live_from, d2).items():
        out.setdefault(key, KeyRow()).add(row)
    return out


def _cumulative_diff(dim: str, m_first: dt.date, m_last: dt.date):
    """Per key, the whole months m_first..m_last as running total(m_last) - running total(before m_first)."""
    a, b = aliased(SummaryMonthKey), aliased(SummaryMonthKey)
    z = lambda col: func.coalesce(col, 0)  # noqa: E731
    return (select(a.key.label("k"), (a.n - z(b.n)).label("n"), (a.qty - z(b.qty)).label("qty"),
                   (a.a1 - z(b.a1)).label("a1"), (a.a2 - z(b.a2)).label("a2"))
            .select_from(a).outerjoin(b, (b.dim == a.dim) & (b.month == prev_month(m_first)) & (b.key == a.key))
            .where(a.dim == dim + "+", a.month == m_last))


def top_keys(s: Session, dim: str, d1: dt.date, d2: dt.date, wm: Watermark, field_name: str,
             n: int) -> list[tuple[str, KeyRow]]:
    """The ``n`` keys with the largest ``field_name`` total (ties: smaller numeric key first), exact.

    Fetches the best M keys of the summarised part from SQL; a key not fetched totals at most
    (the M-th summarised value + the largest live increase), so once the n-th best fetched total
    beats that bound the answer is exact; otherwise M grows.
    """
    summarised, live_from = _split(d1, d2, wm)
    live = live_keys(s, dim, live_from, d2)
    if not summarised:
        rows = sorted(live.items(), key=lambda kr: (-getattr(kr[1], field_name), int(kr[0])))
        return rows[:n]
    parts = _tiers(dim, *summarised)
    subs = []
    for model, col, lo, hi in parts:
        if model is SummaryMonthKey:
            subs.append(_cumulative_diff(dim, lo, hi))
        else:
            subs.append(select(model.key.label("k"), model.n.label("n"), model.qty.label("qty"),
                               model.a1.label("a1"), model.a2.label("a2")).where(model.dim == dim, col.between(lo, hi)))
    u = (union_all(*subs) if len(subs) > 1 else subs[0]).subquery()
    total_col = {"n": func.sum(u.c.n), "qty": func.sum(u.c.qty), "a1": func.sum(u.c.a1), "a2": func.sum(u.c.a2)}
    lift = max([getattr(r, field_name) for r in live.values()] + [0])
    m = max(n * 3, 30)
    while True:
        q = (select(u.c.k, func.sum(u.c.n), func.sum(u.c.qty), func.sum(u.c.a1), func.sum(u.c.a2))
             .group_by(u.c.k)
             # a key without activity in the range (running totals unchanged) is not listed
             .having(or_(func.sum(u.c.n) != 0, func.sum(u.c.qty) != 0, func.sum(u.c.a1) != 0,
                         func.sum(u.c.a2) != 0))
             .order_by(total_col[field_name].desc(), cast(u.c.k, Integer)).limit(m))
        fetched = [(k, KeyRow(int(c), _dec(q_, QTY_ZERO), _dec(a1), _dec(a2))) for k, c, q_, a1, a2 in s.execute(q)]
        complete = len(fetched) < m
        cand: dict[str, KeyRow] = {}
        for k, r in fetched:
            cand[k] = KeyRow(r.n, r.qty, r.a1, r.a2)
        for k, r in live.items():
            if k in cand:
                cand[k].add(r)
            elif complete:
                cand[k] = KeyRow(r.n, r.qty, r.a1, r.a2)
        ranked = sorted(cand.items(), key=lambda kr: (-getattr(kr[1], field_name), int(kr[0])))
        if complete:
            return ranked[:n]
        bound = getattr(fetched[-1][1], field_name) + lift
        if len(ranked) >= n and getattr(ranked[n - 1][1], field_name) > bound:
            return ranked[:n]
        m *= 4


def read_cohorts(s: Session, w1: dt.date, w2_end: dt.date, wm: Watermark) -> dict[tuple[dt.date, dt.date], int]:
    """(cohort week, active week) -> distinct customers, for active weeks in [w1, w2_end]."""
    out: dict[tuple[dt.date, dt.date], int] = defaultdict(int)
    live_from = w1
    wt = wm.week_through
    if wt is not None and w1 <= wt:
        upto = min(w2_end, wt)
        q = select(SummaryCohort.cohort_week, SummaryCohort.active_week, SummaryCohort.customers).where(
            SummaryCohort.active_week.between(w1, upto), SummaryCohort.cohort_week >= w1)
        for c, a, n in s.execute(q):
            out[(parse_date(c), parse_date(a))] += int(n)
        live_from = upto + dt.timedelta(days=1)
    if live_from <= w2_end:
        pairs = customer_days(s, live_from, w2_end)
        ids = sorted({c for c, _ in pairs})
        firsts: dict[int, dt.date] = {}
        for i in range(0, len(ids), 1000):
            chunk = ids[i:i + 1000]
            firsts.update({int(c): parse_date(d) for c, d in s.execute(
                select(SummaryCustomerFirst.customer_id, SummaryCustomerFirst.first_date).where(
                    SummaryCustomerFirst.customer_id.in_(chunk),
                    SummaryCustomerFirst.first_date <= (wm.through or dt.date.min)))})
        # customers not summarised (or first seen after the watermark): their first live date
        # may still be later than an earlier, unsummarised invoice, so look at all their history
        missing = [c for c in ids if c not in firsts]
        for i in range(0, len(missing), 1000):
            chunk = missing[i:i + 1000]
            firsts.update({int(c): parse_date(d) for c, d in s.execute(
                select(Invoice.customer_id, func.min(Invoice.business_date))
                .where(Invoice.customer_id.in_(chunk)).group_by(Invoice.customer_id))})
        for k, n in cohort_counts(pairs, firsts).items():
            if k[0] >= w1:
                out[k] += n
    return dict(out)
