"""Every analytics function against a plain-Python reference, on SQLite and MariaDB, with the
summary tables empty, half built, complete, and stale (a document dated inside the summarised
days appears afterwards). Data comes from the real checkout, returns and dues services, rung up
at chosen moments around week, month, calendar-year and financial-year boundaries."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from billbook import clock
from billbook.services.insight import analytics
from billbook.services.selling import returns
from billbook.services.insight import summaries as summ
from billbook.errors import ValidationError
from tests.analytics import reference as ref
from tests.builders import snapshot

from tests.analytics.conftest import DAYS, LAST, _sell, at

RANGES = [
    (DAYS[0], LAST),                                  # everything
    (dt.date(2024, 4, 1), dt.date(2025, 3, 31)),      # FY 24-25
    (dt.date(2025, 4, 1), dt.date(2026, 3, 31)),      # FY 25-26
    (dt.date(2025, 3, 30), dt.date(2025, 4, 2)),      # across week, month and FY ends
    (dt.date(2025, 12, 31), dt.date(2026, 1, 1)),     # across the calendar year
    (dt.date(2025, 2, 15), dt.date(2025, 5, 10)),     # starts and ends mid-month (month tier + day edges)
    (dt.date(2025, 3, 31), dt.date(2025, 3, 31)),     # one day
    (dt.date(2025, 6, 1), dt.date(2025, 11, 30)),     # empty
]


def check_everything(db, actor, data: ref.Data) -> None:
    for d1, d2 in RANGES:
        for by in ("day", "week", "month", "year", "fy"):
            got = analytics.sales_over_time(db, actor, d1, d2, by)
            want = ref.sales(data, d1, d2, by)
            assert [(b.start, b.end, b.invoices, b.returns, b.net, b.tax, b.gross, b.discount) for b in got] == \
                [(w["start"], w["end"], w["invoices"], w["returns"], w["net"], w["tax"], w["gross"], w["discount"])
                 for w in want], (d1, d2, by)
        bins = analytics.invoice_distribution(db, actor, d1, d2)
        assert ([b.invoices for b in bins], [b.amount for b in bins]) == ref.distribution(data, d1, d2)
        got = analytics.top_customers_by_spend(db, actor, d1, d2)
        assert [(c.customer_id, c.invoices, c.spend, c.credits_earned) for c in got] == ref.top_spend(data, d1, d2)
        got = analytics.top_customers_by_credits(db, actor, d1, d2)
        assert [(c.customer_id, c.invoices, c.spend, c.credits_earned) for c in got] == ref.top_credits(data, d1, d2)
        hs = analytics.sales_by_hour(db, actor, d1, d2)
        rows, grid_t, grid_n = ref.hours(data, d1, d2)
        assert [(h.hour, h.invoices, h.total, h.avg_per_day, h.avg_invoice) for h in hs.hours] == rows
        assert [list(r) for r in hs.grid_total] == grid_t and [list(r) for r in hs.grid_invoices] == grid_n
        coh = analytics.cohort_retention(db, actor, d1, d2)
        assert [(c.week, c.size, list(c.active)) for c in coh] == ref.retention(data, d1, d2)
        prods = ref.products(data, d1, d2)
        for by, idx in (("revenue", 2), ("qty", 1)):
            got = analytics.top_products(db, actor, d1, d2, by=by, limit=None)
            want = sorted(prods.items(), key=lambda kv: (-kv[1][idx], kv[0]))
            assert [(p.product_id, p.lines, p.qty, p.revenue, p.total) for p in got] == \
                [(pid, *v) for pid, v in want]
            top2 = analytics.top_products(db, actor, d1, d2, by=by, limit=2)
            assert [p.product_id for p in top2] == [pid for pid, _ in want[:2]]
        cats = {c.category_id: (c.lines, c.qty, c.revenue, c.total) for c in analytics.sales_by_category(db, actor, d1, d2)}
        assert cats == {k: tuple(v) for k, v in ref.categories(data, d1, d2).items()}
        pays = {(p.kind, p.mode): [p.count, p.amount] for p in analytics.payment_split(db, actor, d1, d2)}
        assert pays == ref.payments(data, d1, d2)
        aging = analytics.dues_aging(db, actor, d1, d2)
        want = ref.dues_aging(data, d2)
        assert {b.label: {c.customer_id: c.amount for c in b.customers} for b in aging.buckets} == want
        assert aging.total == sum((a for b in want.values() for a in b.values()), Decimal("0.00"))
    today = clock.today()       # from today on, balances come from the customers' rows
    aging = analytics.dues_aging(db, actor, today, today)
    assert {b.label: {c.customer_id: c.amount for c in b.customers} for b in aging.buckets} == \
        ref.dues_aging(data, today)
    st = analytics.stock_status(db, actor)
    cost, price, low = ref.stock(data)
    assert (st.value_at_cost, st.value_at_price, [r.sku for r in st.low]) == (cost, price, low)


@pytest.fixture
def no_auto_refresh(monkeypatch):
    """Let each test decide how far the summaries reach."""
    monkeypatch.setattr(analytics, "ensure_fresh", lambda db: None)


def test_every_figure_matches_the_reference_with_no_summaries(db, admin, traded, no_auto_refresh):
    db.run(summ.clear)
    check_everything(db, admin, ref.load(db))


def test_every_figure_matches_the_reference_with_summaries_half_built(db, admin, traded, no_auto_refresh):
    db.run(lambda s: summ.refresh(s, dt.date(2025, 4, 15)))
    check_everything(db, admin, ref.load(db))


def test_every_figure_matches_the_reference_with_summaries_complete(db, admin, traded, no_auto_refresh):
    db.run(lambda s: summ.refresh(s, LAST))
    check_everything(db, admin, ref.load(db))


def test_a_document_dated_inside_the_summarised_days_is_still_counted(db, admin, traded, cashier, no_auto_refresh):
    db.run(lambda s: summ.refresh(s, LAST))
    # a sale and a return appear afterwards with earlier business dates (restore, clock fixed...)
    _sell(db, cashier, random.Random(99), 999, dt.datetime(2025, 3, 31, 19, 45))
    at(dt.datetime(2025, 4, 1, 9, 30))
    returns.create_return(db, admin, traded[0].number, [(traded[0].lines[0].sku, "0.5" if traded[0].lines[0].unit == "kg" else "1")])
    at(dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(12, 0)))
    wm = db.run(summ.watermark, readonly=True)
    assert wm.through == dt.date(2025, 3, 30) and wm.stored_through == LAST
    check_everything(db, admin, ref.load(db))
    # refreshing again rebuilds from there and the figures stay the same
    db.run(lambda s: summ.refresh(s, LAST))
    assert db.run(summ.watermark, readonly=True).through == LAST
    check_everything(db, admin, ref.load(db))


def test_summaries_refresh_themselves_up_to_yesterday(db, admin, traded):
    analytics.sales_over_time(db, admin, DAYS[0], LAST)
    wm = db.run(summ.watermark, readonly=True)
    assert wm.through == clock.today() - dt.timedelta(days=1) == LAST
    check_everything(db, admin, ref.load(db))


def test_an_empty_shop_has_zero_everywhere(db, admin):
    d1, d2 = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    d = analytics.dashboard(db, admin, d1, d2)
    assert all(b.invoices == 0 and b.gross == 0 for b in d.sales) and len(d.sales) == 12
    assert sum(b.invoices for b in d.distribution) == 0 and d.top_customers_spend == () and d.categories == ()
    assert d.dues.total == 0 and d.retention and all(c.size == 0 for c in d.retention)


def test_bad_ranges_are_refused_and_change_nothing(db, admin, shop):
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        analytics.sales_over_time(db, admin, "2025-05-01", "2025-04-01")
    assert err.value.field == "to"
    with pytest.raises(ValidationError):
        analytics.sales_over_time(db, admin, "yesterday", "2025-04-01")
    with pytest.raises(ValidationError) as err:
        analytics.sales_over_time(db, admin, "2025-04-01", "2025-04-02", by="fortnight")
    assert err.value.field == "by"
    with pytest.raises(ValidationError):
        analytics.top_products(db, admin, "2025-04-01", "2025-04-02", by="weight")
    assert snapshot(db) == before


def test_bucket_boundaries_and_labels():
    b = analytics.bucket_of
    assert b(dt.date(2025, 3, 30), "week")[:2] == (dt.date(2025, 3, 24), dt.date(2025, 3, 30))
    assert b(dt.date(2025, 3, 31), "week")[0] == dt.date(2025, 3, 31)
    assert b(dt.date(2025, 3, 31), "fy") == (dt.date(2024, 4, 1), dt.date(2025, 3, 31), "FY 24-25")
    assert b(dt.date(2025, 4, 1), "fy") == (dt.date(2025, 4, 1), dt.date(2026, 3, 31), "FY 25-26")
    assert b(dt.date(2024, 2, 29), "month")[1] == dt.date(2024, 2, 29)
    assert b(dt.date(2025, 12, 31), "year")[2] == "2025" and b(dt.date(2026, 1, 1), "year")[2] == "2026"
    assert b(dt.date(2026, 1, 1), "week")[2] == "2026-W01" and b(dt.date(2025, 12, 28), "week")[2] == "2025-W52"
