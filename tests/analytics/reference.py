"""Plain-Python reference figures, computed row by row from the base tables (no summaries, no SQL sums).

Written independently of services/insight/analytics: its own calendar arithmetic, its own bins, a FIFO
walk for dues aging. Tests compare the services against these with exact Decimal equality.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from billbook.db.models import (
    Category, CreditNote, CreditNoteLine, Customer, DuesEntry, Invoice, InvoiceLine, LoyaltyEntry, Payment, Product,
)

Z = Decimal("0.00")
EDGES = [Decimal(x) for x in ("100", "250", "500", "1000", "2500", "5000", "10000", "25000", "50000")]


@dataclass
class Data:
    invoices: list
    lines: list
    notes: list
    note_lines: list
    payments: list
    loyalty: list
    dues: list
    products: list
    customers: dict
    categories: dict


def load(db) -> Data:
    with db.transaction(readonly=True) as s:
        def rows(model):
            return list(s.scalars(select(model).order_by(model.id)))
        d = Data(rows(Invoice), rows(InvoiceLine), rows(CreditNote), rows(CreditNoteLine), rows(Payment),
                 rows(LoyaltyEntry), rows(DuesEntry), rows(Product), {c.id: c for c in rows(Customer)},
                 {c.id: c.name for c in rows(Category)})
        s.expunge_all()
    return d


def days(d1, d2):
    cur = d1
    while cur <= d2:
        yield cur
        cur += dt.timedelta(days=1)


def bucket_key(day: dt.date, by: str) -> tuple:
    if by == "day":
        return (day,)
    if by == "week":
        y, w, _ = day.isocalendar()
        return (y, w)
    if by == "month":
        return (day.year, day.month)
    if by == "year":
        return (day.year,)
    if by == "fy":
        return (day.year - (1 if day.month < 4 else 0),)
    raise ValueError(by)


def sales(data: Data, d1, d2, by):
    inv_of = {i.id: i for i in data.invoices}
    out: dict[tuple, dict] = {}
    order = []
    for day in days(d1, d2):
        k = bucket_key(day, by)
        if k not in out:
            out[k] = dict(start=day, end=day, invoices=0, returns=0, net=Z, tax=Z, gross=Z, discount=Z)
            order.append(k)
        out[k]["end"] = day
    for i in data.invoices:
        if d1 <= i.business_date <= d2:
            b = out[bucket_key(i.business_date, by)]
            b["invoices"] += 1
            b["net"] += i.taxable_total
            b["tax"] += i.cgst + i.sgst + i.igst
            b["gross"] += i.grand_total
            b["discount"] += i.discount_total
    for c in data.notes:
        if d1 <= c.business_date <= d2:
            b = out[bucket_key(c.business_date, by)]
            b["returns"] += 1
            b["net"] -= c.taxable_total
            b["tax"] -= c.cgst + c.sgst + c.igst
            b["gross"] -= c.total
    assert inv_of is not None
    return [out[k] for k in order]


def distribution(data: Data, d1, d2):
    counts = [0] * (len(EDGES) + 1)
    amounts = [Z] * (len(EDGES) + 1)
    for i in data.invoices:
        if d1 <= i.business_date <= d2:
            b = next((n for n, e in enumerate(EDGES) if i.grand_total < e), len(EDGES))
            counts[b] += 1
            amounts[b] += i.grand_total
    return counts, amounts


def customers(data: Data, d1, d2):
    """customer id -> [invoices, spend, credits earned]"""
    inv_of = {i.id: i for i in data.invoices}
    acc: dict[int, list] = defaultdict(lambda: [0, Z, Z])
    for i in data.invoices:
        if d1 <= i.business_date <= d2 and i.customer_id is not None:
            acc[i.customer_id][0] += 1
            acc[i.customer_id][1] += i.grand_total
    for c in data.notes:
        inv = inv_of[c.invoice_id]
        if d1 <= c.business_date <= d2 and inv.customer_id is not None:
            acc[inv.customer_id][1] -= c.total
    for e in data.loyalty:
        if d1 <= e.at.date() <= d2 and e.delta > 0 and e.reason in ("earn", "reward"):
            acc[e.customer_id][2] += e.delta
    return dict(acc)


def top_spend(data, d1, d2, n=10):
    acc = customers(data, d1, d2)
    ranked = sorted(((cid, v) for cid, v in acc.items() if v[0] or v[1]), key=lambda kv: (-kv[1][1], kv[0]))
    return [(cid, v[0], v[1], v[2]) for cid, v in ranked[:n]]


def top_credits(data, d1, d2, n=10):
    acc = customers(data, d1, d2)
    ranked = sorted(((cid, v) for cid, v in acc.items() if v[2] > 0), key=lambda kv: (-kv[1][2], kv[0]))
    return [(cid, v[0], v[1], v[2]) for cid, v in ranked[:n]]


def hours(data: Data, d1, d2):
    n_days = (d2 - d1).days + 1
    tot = [Z] * 24
    cnt = [0] * 24
    grid_t = [[Z] * 24 for _ in range(7)]
    grid_n = [[0] * 24 for _ in range(7)]
    for i in data.invoices:
        if d1 <= i.business_date <= d2:
            h = i.issued_at.hour
            wd = i.business_date.weekday()
            tot[h] += i.grand_total
            cnt[h] += 1
            grid_t[wd][h] += i.grand_total
            grid_n[wd][h] += 1
    q = lambda x: x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # noqa: E731
    rows = [(h, cnt[h], tot[h], q(tot[h] / n_days), q(tot[h] / cnt[h]) if cnt[h] else Z) for h in range(24)]
    return rows, grid_t, grid_n


def retention(data: Data, d1, d2):
    """[(cohort monday, size, [active counts per week offset])] for cohorts in the range's weeks."""
    first: dict[int, dt.date] = {}
    for i in data.invoices:
        if i.customer_id is not None:
            first[i.customer_id] = min(first.get(i.customer_id, i.business_date), i.business_date)
    monday = lambda day: day - dt.timedelta(days=day.weekday())  # noqa: E731
    active: dict[tuple, set] = defaultdict(set)
    for i in data.invoices:
        if i.customer_id is not None:
            active[(monday(first[i.customer_id]), monday(i.business_date))].add(i.customer_id)
    out = []
    w = monday(d1)
    last = monday(d2)
    while w <= last:
        span = (last - w).days // 7 + 1
        counts = [len(active.get((w, w + dt.timedelta(weeks=k)), ())) for k in range(span)]
        out.append((w, counts[0], counts))
        w += dt.timedelta(weeks=1)
    return out


def products(data: Data, d1, d2):
    """product id -> [lines, qty, taxable, total] net of returns in the range"""
    inv_of = {i.id: i for i in data.invoices}
    acc: dict[int, list] = defaultdict(lambda: [0, Decimal("0.000"), Z, Z])
    for ln in data.lines:
        if d1 <= inv_of[ln.invoice_id].business_date <= d2:
            a = acc[ln.product_id]
            a[0] += 1
            a[1] += ln.qty
            a[2] += ln.taxable
            a[3] += ln.total
    note_of = {c.id: c for c in data.notes}
    for cl in data.note_lines:
        if d1 <= note_of[cl.credit_note_id].business_date <= d2:
            a = acc[cl.product_id]
            a[1] -= cl.qty
            a[2] -= cl.taxable
            a[3] -= cl.total
    return dict(acc)


def categories(data: Data, d1, d2):
    inv_of = {i.id: i for i in data.invoices}
    line_of = {ln.id: ln for ln in data.lines}
    acc: dict[int | None, list] = defaultdict(lambda: [0, Decimal("0.000"), Z, Z])
    for ln in data.lines:
        if d1 <= inv_of[ln.invoice_id].business_date <= d2:
            a = acc[ln.category_id]
            a[0] += 1
            a[1] += ln.qty
            a[2] += ln.taxable
            a[3] += ln.total
    note_of = {c.id: c for c in data.notes}
    for cl in data.note_lines:
        if d1 <= note_of[cl.credit_note_id].business_date <= d2:
            a = acc[line_of[cl.invoice_line_id].category_id]
            a[1] -= cl.qty
            a[2] -= cl.taxable
            a[3] -= cl.total
    return dict(acc)


def payments(data: Data, d1, d2):
    acc: dict[tuple, list] = defaultdict(lambda: [0, Z])
    for p in data.payments:
        if d1 <= p.business_date <= d2:
            acc[(p.kind, p.mode)][0] += 1
            acc[(p.kind, p.mode)][1] += p.amount
    return dict(acc)


def dues_aging(data: Data, as_of: dt.date):
    """{bucket label: {customer id: amount}} by a FIFO walk: payments settle the oldest dues first."""
    queues: dict[int, list] = defaultdict(list)
    for e in sorted(data.dues, key=lambda e: (e.at, e.id)):
        if e.at.date() > as_of:
            continue
        q = queues[e.customer_id]
        if e.delta > 0:
            q.append([e.at.date(), e.delta])
        else:
            left = -e.delta
            while left > 0 and q:
                take = min(left, q[0][1])
                q[0][1] -= take
                left -= take
                if q[0][1] == 0:
                    q.pop(0)
    out = {"0-30": {}, "31-60": {}, "61-90": {}, "90+": {}}
    for cid, q in queues.items():
        for day, amount in q:
            age = (as_of - day).days
            label = "0-30" if age <= 30 else "31-60" if age <= 60 else "61-90" if age <= 90 else "90+"
            out[label][cid] = out[label].get(cid, Z) + amount
    return out


def stock(data: Data):
    q = lambda x: x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # noqa: E731
    live = [p for p in data.products if p.active]
    cost = sum((q(p.stock_qty * p.cost_price) for p in live if p.stock_qty > 0), Z)
    price = sum((q(p.stock_qty * p.price) for p in live if p.stock_qty > 0), Z)
    low = sorted((p for p in live if p.stock_qty <= p.reorder_level), key=lambda p: (p.stock_qty - p.reorder_level, p.sku))
    return cost, price, [p.sku for p in low]
