"""Analytics for the dashboard: plain dataclasses for any date range, on SQLite and MySQL alike.

Every function takes an inclusive business-date range ``start``..``end`` and returns plain
data (money as Decimal). Figures come from the summary tables for days up to the summary
watermark and live from the base tables after it (see ``analytics_summary``), so a two-year
range costs about as much as a month. Bucketing into weeks, months and years happens here in
Python from per-day rows, so both databases give identical answers.

Definitions:

- *net* is the taxable value (after discounts, before tax); *tax* is CGST+SGST+IGST;
  *gross* is what customers paid (grand totals). Returns (credit notes) are netted out on
  the credit note's own business date.
- Weeks start on Monday. ``fy`` buckets are Indian financial years (April–March).
- The hour of a sale is the hour of its invoice's issue time.
- A customer's cohort is the week of their first invoice ever; retention counts customers
  with at least one invoice in each later week.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billbook import clock
from billbook.db.models import Category, Customer, DuesEntry, Product
from billbook.db.uow import Database
from billbook.domain.calendar import parse_date
from billbook.domain.money import ZERO, format_money, round_money
from billbook.domain.numbering import financial_year
from billbook.domain.permissions import Permission
from billbook.services.insight import summaries as summ
from billbook.services.base import Actor, requires
from billbook.errors import ValidationError

BUCKETS = ("day", "week", "month", "year", "fy")
RATIO = Decimal("0.0001")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
AGING_BUCKETS = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))
#: longest range accepted (a typo like 20025 should not scan a century)
MAX_RANGE_DAYS = 366 * 20


# ---------------------------------------------------------------- result types

@dataclass(frozen=True)
class SalesBucket:
    start: dt.date            # first day of the bucket (clipped to the range)
    end: dt.date              # last day of the bucket (clipped to the range)
    label: str                # 2026-11-24, 2026-W48, 2026-11, 2026, FY 26-27
    invoices: int
    returns: int
    net: Decimal              # taxable value minus returns' taxable value
    tax: Decimal              # tax minus returns' tax
    gross: Decimal            # grand totals minus returns' totals
    discount: Decimal


@dataclass(frozen=True)
class AmountBin:
    low: Decimal
    high: Decimal | None      # None: open-ended last bin
    label: str
    invoices: int
    amount: Decimal


@dataclass(frozen=True)
class CustomerRank:
    customer_id: int
    name: str
    phone: str
    invoices: int
    spend: Decimal            # grand totals minus credit notes, in the range
    credits_earned: Decimal   # loyalty credits earned (earn + reward) in the range
    credits_balance: Decimal  # balance now


@dataclass(frozen=True)
class HourRow:
    hour: int
    invoices: int
    total: Decimal
    avg_per_day: Decimal      # total / days in the range
    avg_invoice: Decimal      # total / invoices (0 when none)


@dataclass(frozen=True)
class HourStats:
    days: int
    hours: tuple[HourRow, ...]                 # 24 rows, hour 0..23
    grid_total: tuple[tuple[Decimal, ...], ...]  # [weekday 0=Mon][hour]
    grid_invoices: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Cohort:
    week: dt.date             # Monday of the cohort week
    size: int                 # customers first seen that week
    active: tuple[int, ...]   # active[k]: of them, how many bought in week + k (active[0] == size)
    shares: tuple[Decimal, ...]  # active[k] / size, 4 decimals


@dataclass(frozen=True)
class ProductRank:
    product_id: int
    sku: str
    name: str
    qty: Decimal
    revenue: Decimal          # taxable value net of returns
    total: Decimal            # with tax, net of returns
    lines: int


@dataclass(frozen=True)
class CategoryRow:
    category_id: int | None
    name: str
    qty: Decimal
    revenue: Decimal
    total: Decimal
    lines: int


@dataclass(frozen=True)
class PaymentRow:
    kind: str                 # sale | dues | refund
    mode: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class CustomerDue:
    customer_id: int
    name: str
    phone: str
    amount: Decimal


@dataclass(frozen=True)
class AgingBucket:
    label: str
    amount: Decimal
    customers: tuple[CustomerDue, ...]


@dataclass(frozen=True)
class DuesAging:
    as_of: dt.date
    total: Decimal
    buckets: tuple[AgingBucket, ...]


@dataclass(frozen=True)
class LowStockRow:
    product_id: int
    sku: str
    name: str
    stock: Decimal
    reorder_level: Decimal


@dataclass(frozen=True)
class StockStatus:
    products: int
    value_at_cost: Decimal
    value_at_price: Decimal
    low: tuple[LowStockRow, ...]


@dataclass(frozen=True)
class Dashboard:
    start: dt.date
    end: dt.date
    sales: tuple[SalesBucket, ...]
    distribution: tuple[AmountBin, ...]
    top_customers_spend: tuple[CustomerRank, ...]
    top_customers_credits: tuple[CustomerRank, ...]
    hours: HourStats
    retention: tuple[Cohort, ...]
    top_products_revenue: tuple[ProductRank, ...]
    top_products_qty: tuple[ProductRank, ...]
    categories: tuple[CategoryRow, ...]
    payments: tuple[PaymentRow, ...]
    dues: DuesAging
    stock: StockStatus
    extras: dict = field(default_factory=dict)


# ---------------------------------------------------------------- helpers

def check_range(start, end) -> tuple[dt.date, dt.date]:
    """Validate a date range (dates or ISO text); raises ValidationError naming the field."""
    d1, d2 = parse_date(start, "from"), parse_date(end, "to")
    if d2 < d1:
        raise ValidationError("to", f"the range ends ({d2}) before it starts ({d1})")
    if (d2 - d1).days > MAX_RANGE_DAYS:
        raise ValidationError("from", "a range of at most 20 years, please")
    return d1, d2


def bucket_of(day: dt.date, by: str) -> tuple[dt.date, dt.date, str]:
    """(first day, last day, label) of the bucket holding ``day``."""
    if by == "day":
        return day, day, day.isoformat()
    if by == "week":
        w = summ.week_start(day)
        iso = w.isocalendar()
        return w, w + dt.timedelta(days=6), f"{iso[0]}-W{iso[1]:02d}"
    if by == "month":
        return summ.month_start(day), summ.month_end(day), f"{day.year}-{day.month:02d}"
    if by == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31), str(day.year)
    if by == "fy":
        y = day.year if day.month >= 4 else day.year - 1
        return dt.date(y, 4, 1), dt.date(y + 1, 3, 31), f"FY {financial_year(day)}"
    raise ValidationError("by", f"{by!r}: use one of {', '.join(BUCKETS)}")


def _ratio(part: int | Decimal, whole: int | Decimal) -> Decimal:
    if not whole:
        return Decimal("0.0000")
    return (Decimal(part) / Decimal(whole)).quantize(RATIO, rounding=ROUND_HALF_UP)


def _avg(total: Decimal, n: int) -> Decimal:
    return round_money(total / n) if n else ZERO


def _wm(s: Session) -> summ.Watermark:
    return summ.watermark(s)


# ---------------------------------------------------------------- computations on a session

def _sales(s: Session, d1: dt.date, d2: dt.date, by: str, wm) -> tuple[SalesBucket, ...]:
    if by not in BUCKETS:
        raise ValidationError("by", f"{by!r}: use one of {', '.join(BUCKETS)}")
    spans = []
    cur = d1
    while cur <= d2:
        b1, b2, label = bucket_of(cur, by)
        lo, hi = max(b1, d1), min(b2, d2)
        spans.append((lo, hi, label))
        cur = hi + dt.timedelta(days=1)
    totals = summ.read_buckets(s, [(lo, hi) for lo, hi, _ in spans], wm)
    return tuple(SalesBucket(lo, hi, label, acc.invoices, acc.returns, acc.taxable_total - acc.return_taxable,
                             acc.tax_total - acc.return_tax, acc.grand_total - acc.return_total, acc.discount_total)
                 for (lo, hi, label), acc in zip(spans, totals))


def _money_label(x: Decimal) -> str:
    return format_money(x).replace(".00", "")


def _distribution(s: Session, d1, d2, wm) -> tuple[AmountBin, ...]:
    acc = {int(k): r for k, r in summ.sum_keys(s, "bin", d1, d2, wm).items()}
    edges = (ZERO,) + summ.BIN_EDGES
    out = []
    for i, low in enumerate(edges):
        high = edges[i + 1] if i + 1 < len(edges) else None
        label = f"{_money_label(low)}–{_money_label(high)}" if high is not None else f"{_money_label(low)}+"
        r = acc.get(i, summ.KeyRow())
        out.append(AmountBin(low, high, label, r.n, r.a1))
    return tuple(out)


def _customer_ranks(s: Session, d1, d2, wm, *, by: str, limit: int) -> tuple[CustomerRank, ...]:
    if by == "spend":
        ranked = [(k, r) for k, r in summ.top_keys(s, "cust", d1, d2, wm, "a1", limit) if r.n or r.a1]
    else:
        ranked = [(k, r) for k, r in summ.top_keys(s, "cust", d1, d2, wm, "a2", limit) if r.a2 > 0]
    ids = [int(k) for k, _ in ranked]
    info = {c.id: c for c in s.scalars(select(Customer).where(Customer.id.in_(ids)))} if ids else {}
    out = []
    for k, r in ranked:
        c = info.get(int(k))
        out.append(CustomerRank(int(k), c.name if c else "?", c.phone if c else "", r.n, r.a1, r.a2,
                                c.credits if c else ZERO))
    return tuple(out)


def _hours(s: Session, d1, d2, wm) -> HourStats:
    rows = summ.sum_keys(s, "hour", d1, d2, wm)
    n_days = (d2 - d1).days + 1
    by_hour: dict[int, summ.KeyRow] = defaultdict(summ.KeyRow)
    grid_t = [[ZERO] * 24 for _ in range(7)]
    grid_n = [[0] * 24 for _ in range(7)]
    for key, r in rows.items():
        wd, h = (int(x) for x in key.split("-"))
        by_hour[h].add(r)
        grid_t[wd][h] += r.a1
        grid_n[wd][h] += r.n
    hours = tuple(HourRow(h, by_hour[h].n, by_hour[h].a1, _avg(by_hour[h].a1, n_days), _avg(by_hour[h].a1, by_hour[h].n))
                  for h in range(24))
    return HourStats(n_days, hours, tuple(tuple(r) for r in grid_t), tuple(tuple(r) for r in grid_n))


def _retention(s: Session, d1, d2, wm, max_weeks: int | None = None,
               last_cohorts: int | None = None) -> tuple[Cohort, ...]:
    w1 = summ.week_start(d1)
    w_last = summ.week_start(d2)
    if last_cohorts is not None:
        w1 = max(w1, w_last - dt.timedelta(weeks=last_cohorts - 1))
    end = w_last + dt.timedelta(days=6)
    counts = summ.read_cohorts(s, w1, end, wm)
    out = []
    w = w1
    while w <= w_last:
        size = counts.get((w, w), 0)
        span = (w_last - w).days // 7 + 1
        if max_weeks is not None:
            span = min(span, max_weeks)
        active = tuple(counts.get((w, w + dt.timedelta(weeks=k)), 0) for k in range(span))
        out.append(Cohort(w, size, active, tuple(_ratio(a, size) for a in active)))
        w += dt.timedelta(weeks=1)
    return tuple(out)


def _product_ranks(s: Session, d1, d2, wm, *, by: str, limit: int | None) -> tuple[ProductRank, ...]:
    fld = "qty" if by == "qty" else "a1"
    if limit is None:
        ranked = sorted(summ.sum_keys(s, "prod", d1, d2, wm).items(),
                        key=lambda kr: (-getattr(kr[1], fld), int(kr[0])))
    else:
        ranked = summ.top_keys(s, "prod", d1, d2, wm, fld, limit)
    ids = [int(k) for k, _ in ranked]
    info = {}
    for i in range(0, len(ids), 1000):
        info.update({p.id: p for p in s.scalars(select(Product).where(Product.id.in_(ids[i:i + 1000])))})
    return tuple(ProductRank(int(k), info[int(k)].sku if int(k) in info else "?",
                             info[int(k)].name if int(k) in info else "?", r.qty, r.a1, r.a2, r.n)
                 for k, r in ranked)


def _categories(s: Session, d1, d2, wm) -> tuple[CategoryRow, ...]:
    acc = {int(k): r for k, r in summ.sum_keys(s, "cat", d1, d2, wm).items()}
    names = {c.id: c.name for c in s.scalars(select(Category))}
    out = [CategoryRow(cid or None, names.get(cid, "Uncategorised"), r.qty, r.a1, r.a2, r.n) for cid, r in acc.items()]
    out.sort(key=lambda c: (-c.revenue, c.name))
    return tuple(out)


def _payments(s: Session, d1, d2, wm) -> tuple[PaymentRow, ...]:
    acc = summ.sum_keys(s, "pay", d1, d2, wm)
    kinds = {"sale": 0, "dues": 1, "refund": 2}
    out = [PaymentRow(k.split(":", 1)[0], k.split(":", 1)[1], r.n, r.a1) for k, r in acc.items()]
    out.sort(key=lambda p: (kinds.get(p.kind, 9), p.kind, -p.amount, p.mode))
    return tuple(out)


def _dues_aging(s: Session, as_of: dt.date) -> DuesAging:
    """Each customer's balance as of ``as_of`` is allocated to their newest dues first (payments
    settle the oldest invoice first), and each part ages from the date it was put on account."""
    limit = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    if as_of >= clock.today():
        # now or later: the customers' balances are the ledger's sums (kept in the same transactions)
        balances = {int(c): b for c, b in s.execute(select(Customer.id, Customer.dues).where(Customer.dues > 0))}
    else:
        bal_q = (select(DuesEntry.customer_id, func.sum(DuesEntry.delta)).where(DuesEntry.at < limit)
                 .group_by(DuesEntry.customer_id))
        balances = {int(c): round_money(Decimal(str(b))) for c, b in s.execute(bal_q) if b is not None}
    owing = {c: b for c, b in balances.items() if b > 0}
    per_bucket: list[dict[int, Decimal]] = [defaultdict(lambda: ZERO) for _ in AGING_BUCKETS]
    ids = sorted(owing)
    # entries older than the last bucket's start all land in it, so only recent ones are read
    recent = dt.datetime.combine(as_of - dt.timedelta(days=AGING_BUCKETS[-1][1] - 1), dt.time())
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        q = (select(DuesEntry.customer_id, DuesEntry.at, DuesEntry.delta, DuesEntry.id)
             .where(DuesEntry.customer_id.in_(chunk), DuesEntry.at < limit, DuesEntry.at >= recent,
                    DuesEntry.delta > 0)
             .order_by(DuesEntry.customer_id, DuesEntry.at.desc(), DuesEntry.id.desc()))
        left = {c: owing[c] for c in chunk}
        for cid, at, delta, _ in s.execute(q):
            cid = int(cid)
            if left[cid] <= 0:
                continue
            part = min(left[cid], delta)
            left[cid] -= part
            age = (as_of - at.date()).days
            for bi, (_, lo, hi) in enumerate(AGING_BUCKETS):
                if age >= lo and (hi is None or age <= hi) or (bi == 0 and age < 0):
                    per_bucket[bi][cid] += part
                    break
        for cid, rest in left.items():   # balance not explained by any entry (e.g. adjustments): oldest
            if rest > 0:
                per_bucket[-1][cid] += rest
    all_ids = sorted({c for b in per_bucket for c in b})
    info = {}
    for i in range(0, len(all_ids), 1000):
        info.update({c.id: c for c in s.scalars(select(Customer).where(Customer.id.in_(all_ids[i:i + 1000])))})
    buckets = []
    for (label, _, _), amounts in zip(AGING_BUCKETS, per_bucket):
        cust = sorted((CustomerDue(c, info[c].name if c in info else "?", info[c].phone if c in info else "", a)
                       for c, a in amounts.items() if a > 0), key=lambda d: (-d.amount, d.customer_id))
        buckets.append(AgingBucket(label, sum((d.amount for d in cust), ZERO), tuple(cust)))
    return DuesAging(as_of, sum((b.amount for b in buckets), ZERO), tuple(buckets))


def _stock(s: Session, limit: int = 50) -> StockStatus:
    # exact in Python (SQLite multiplies floats): few products, so sum the rows
    cost_total, price_total = ZERO, ZERO
    for qty, c, p in s.execute(select(Product.stock_qty, Product.cost_price, Product.price)
                               .where(Product.active.is_(True), Product.stock_qty > 0)):
        cost_total += round_money(qty * c)
        price_total += round_money(qty * p)
    total_products = s.execute(select(func.count()).select_from(Product).where(Product.active.is_(True))).scalar()
    low = s.execute(select(Product.id, Product.sku, Product.name, Product.stock_qty, Product.reorder_level)
                    .where(Product.active.is_(True), Product.stock_qty <= Product.reorder_level)
                    .order_by(Product.stock_qty - Product.reorder_level, Product.sku).limit(limit)).all()
    return StockStatus(int(total_products), cost_total, price_total,
                       tuple(LowStockRow(int(i), sku, name, q, r) for i, sku, name, q, r in low))


# ---------------------------------------------------------------- freshness

def ensure_fresh(db: Database) -> None:
    """Advance the summaries to the default watermark if they lag (a no-op most of the time).

    Failures are ignored (a read-only reporting replica, say): readers compute the rest live.
    """
    target = summ.default_target()
    try:
        def stale(s: Session) -> bool:
            wm = summ.watermark(s)
            return wm.through is None or wm.through < target
        if db.run(stale, readonly=True):
            summ.refresh_in_steps(db, target)
    except Exception:  # noqa: BLE001 - summaries are an optimisation only
        pass


def _read(db: Database, fn, fresh: bool = True):
    if fresh:
        ensure_fresh(db)
    return db.run(lambda s: fn(s, _wm(s)), readonly=True)


# ---------------------------------------------------------------- public services

@requires(Permission.VIEW_ANALYTICS)
def sales_over_time(db: Database, actor: Actor, start, end, by: str = "day") -> tuple[SalesBucket, ...]:
    """Invoices, returns, net, tax and gross per day / week / month / year / fy bucket (every bucket, zeros too)."""
    d1, d2 = check_range(start, end)
    bucket_of(d1, by)
    return _read(db, lambda s, wm: _sales(s, d1, d2, by, wm))


@requires(Permission.VIEW_ANALYTICS)
def invoice_distribution(db: Database, actor: Actor, start, end) -> tuple[AmountBin, ...]:
    """Histogram of invoice grand totals over fixed rupee bins (0–100, 100–250 … 50,000+)."""
    d1, d2 = check_range(start, end)
    return _read(db, lambda s, wm: _distribution(s, d1, d2, wm))


@requires(Permission.VIEW_ANALYTICS)
def top_customers_by_spend(db: Database, actor: Actor, start, end, limit: int = 10) -> tuple[CustomerRank, ...]:
    d1, d2 = check_range(start, end)
    return _read(db, lambda s, wm: _customer_ranks(s, d1, d2, wm, by="spend", limit=int(limit or 10)))


@requires(Permission.VIEW_ANALYTICS)
def top_customers_by_credits(db: Database, actor: Actor, start, end, limit: int = 10) -> tuple[CustomerRank, ...]:
    """Customers who earned the most loyalty credits in the range."""
    d1, d2 = check_range(start, end)
    return _read(db, lambda s, wm: _customer_ranks(s, d1, d2, wm, by="credits", limit=int(limit or 10)))


@requires(Permission.VIEW_ANALYTICS)
def sales_by_hour(db: Database, actor: Actor, start, end) -> HourStats:
    """Total and average sales per hour of day, and the weekday × hour grid."""
    d1, d2 = check_range(start, end)
    return _read(db, lambda s, wm: _hours(s, d1, d2, wm))


@requires(Permission.VIEW_ANALYTICS)
def cohort_retention(db: Database, actor: Actor, start, end, max_weeks: int | None = None) -> tuple[Cohort, ...]:
    """Weekly cohorts whose first invoice falls in the weeks of the range, and their return rates."""
    d1, d2 = check_range(start, end)
    return _read(db, lambda s, wm: _retention(s, d1, d2, wm, max_weeks))


@requires(Permission.VIEW_ANALYTICS)
def top_products(db: Database, actor: Actor, start, end, by: str = "revenue",
                 limit: int | None = 10) -> tuple[ProductRank, ...]:
    """Products ranked by revenue (taxable value) or quantity, net of returns."""
    d1, d2 = check_range(start, end)
    if by not in ("revenue", "qty"):
        raise ValidationError("by", f"{by!r}: use revenue or qty")
    return _read(db, lambda s, wm: _product_ranks(s, d1, d2, wm, by=by, limit=limit))


@requires(Permission.VIEW_ANALYTICS)
def sales_by_category(db: Database, actor: Actor, start, end) -> tuple[CategoryRow, ...]:
    d1, d2 = check_range(start, end)
    return _read(db, lambda s, wm: _categories(s, d1, d2, wm))


@requires(Permission.VIEW_ANALYTICS)
def payment_split(db: Database, actor: Actor, start, end) -> tuple[PaymentRow, ...]:
    """Money by kind (sale, dues, refund) and mode in the range."""
    d1, d2 = check_range(start, end)
    return _read(db, lambda s, wm: _payments(s, d1, d2, wm))


@requires(Permission.VIEW_ANALYTICS)
def dues_aging(db: Database, actor: Actor, start, end) -> DuesAging:
    """Dues outstanding at the end of the range, aged 0–30 / 31–60 / 61–90 / 90+ days."""
    _, d2 = check_range(start, end)
    return db.run(lambda s: _dues_aging(s, d2), readonly=True)


@requires(Permission.VIEW_ANALYTICS)
def stock_status(db: Database, actor: Actor, start=None, end=None) -> StockStatus:
    """Stock value at cost and at price, and products at or below their reorder level (now)."""
    return db.run(_stock, readonly=True)


@requires(Permission.VIEW_ANALYTICS)
def dashboard(db: Database, actor: Actor, start, end, *, by: str | None = None, limit: int = 10) -> Dashboard:
    """Everything the dashboard shows, in one read transaction."""
    d1, d2 = check_range(start, end)
    span = (d2 - d1).days
    by = by or ("day" if span <= 62 else "week" if span <= 200 else "month")

    def work(s: Session, wm) -> Dashboard:
        return Dashboard(
            d1, d2, _sales(s, d1, d2, by, wm), _distribution(s, d1, d2, wm),
            _customer_ranks(s, d1, d2, wm, by="spend", limit=limit),
            _customer_ranks(s, d1, d2, wm, by="credits", limit=limit),
            _hours(s, d1, d2, wm), _retention(s, d1, d2, wm, max_weeks=12, last_cohorts=12),
            _product_ranks(s, d1, d2, wm, by="revenue", limit=limit),
            _product_ranks(s, d1, d2, wm, by="qty", limit=limit),
            _categories(s, d1, d2, wm), _payments(s, d1, d2, wm), _dues_aging(s, d2), _stock(s))
    return _read(db, work)


@requires(Permission.VIEW_ANALYTICS)
def refresh_summaries(db: Database, actor: Actor, through=None) -> dt.date | None:
    """Bring the summary tables up to ``through`` (default two days ago); returns the watermark."""
    day = check_range(through, through)[0] if through else None
    return summ.refresh_in_steps(db, day)
