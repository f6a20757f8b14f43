"""Demo data: the bulk path keeps every invariant the real services keep, and bills exactly as checkout would."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from billbook.db.models import (
    CreditNote, Customer, DuesEntry, Invoice, InvoiceCounter, InvoiceLine, LoyaltyEntry, Payment, Product,
    StockMovement,
)
from billbook.domain.numbering import format_number
from billbook.services.insight import analytics
from billbook.devtools import demo
from billbook.services.selling import checkout as sales
from billbook.errors import Conflict, ValidationError
from tests.analytics import reference as ref
from tests.builders import snapshot

Z = Decimal("0.00")
END = dt.date(2025, 4, 20)


@pytest.fixture
def demo_shop(db, admin):
    res = demo.generate(db, admin, products=40, customers=60, invoices=500, days=75, end=END, batch_invoices=150)
    return res


def test_demo_keeps_stock_numbers_credits_and_dues_consistent(db, admin, demo_shop):
    assert demo_shop.invoices == 500 and demo_shop.returns > 0 and demo_shop.receipts > 0
    with db.transaction(readonly=True) as s:
        ledger = dict(s.execute(select(StockMovement.product_id, func.sum(StockMovement.qty_delta))
                                .group_by(StockMovement.product_id)).all())
        for p in s.scalars(select(Product)):
            assert p.stock_qty == Decimal(str(ledger.get(p.id, 0))).quantize(Decimal("0.001")) and p.stock_qty >= 0
        by_fy = defaultdict(list)
        for inv in s.scalars(select(Invoice).order_by(Invoice.id)):
            by_fy[inv.fy].append(inv)
            assert inv.number == format_number("INV", inv.fy, inv.seq)
            lines = s.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == inv.id)).all()
            assert sum((ln.taxable for ln in lines), Z) == inv.taxable_total
            assert inv.taxable_total + inv.cgst + inv.sgst + inv.igst + inv.round_off == inv.grand_total
            paid = s.scalar(select(func.sum(Payment.amount)).where(Payment.invoice_id == inv.id, Payment.kind == "sale"))
            assert Decimal(str(paid or 0)).quantize(Decimal("0.01")) == inv.grand_total
        assert set(by_fy) == {"24-25", "25-26"}            # the data crosses 1 April
        counters = {(c.series, c.fy): c.last_number for c in s.scalars(select(InvoiceCounter))}
        for fy, invs in by_fy.items():
            assert [i.seq for i in invs] == list(range(1, len(invs) + 1))
            assert counters[("INV", fy)] == len(invs)
            assert [i.issued_at for i in invs] == sorted(i.issued_at for i in invs)
        notes = s.scalars(select(CreditNote).order_by(CreditNote.id)).all()
        for fy in {n.fy for n in notes}:
            seqs = [n.seq for n in notes if n.fy == fy]
            assert seqs == list(range(1, len(seqs) + 1)) and counters[("CN", fy)] == len(seqs)
        for c in s.scalars(select(Customer)):
            credits = s.scalar(select(func.sum(LoyaltyEntry.delta)).where(LoyaltyEntry.customer_id == c.id)) or 0
            dues = s.scalar(select(func.sum(DuesEntry.delta)).where(DuesEntry.customer_id == c.id)) or 0
            visits = s.scalar(select(func.count()).select_from(Invoice).where(Invoice.customer_id == c.id))
            assert (c.credits, c.dues, c.visits) == (Decimal(str(credits)).quantize(Decimal("0.01")),
                                                     Decimal(str(dues)).quantize(Decimal("0.01")), visits)
            assert c.credits >= 0 and c.dues >= 0


def test_demo_bills_exactly_as_checkout_would(db, admin, demo_shop):
    """Re-price demo invoices without discounts through checkout's own preview: every figure agrees."""
    with db.transaction(readonly=True) as s:
        invs = s.scalars(select(Invoice).where(Invoice.discount_total == 0).order_by(Invoice.id).limit(25)).all()
        carts = [(inv.customer_phone or None, inv.customer_state_code or None,
                  (inv.taxable_total, inv.cgst, inv.sgst, inv.igst, inv.round_off, inv.grand_total, inv.doc_type,
                   inv.inter_state),
                  [(ln.sku, ln.qty, ln.taxable, ln.cgst, ln.sgst, ln.igst, ln.total) for ln in
                   s.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == inv.id).order_by(InvoiceLine.line_no))])
                 for inv in invs]
    assert carts
    for phone, state, inv, lines in carts:
        p = sales.preview(db, admin, [(ln[0], str(ln[1])) for ln in lines], customer_phone=phone,
                          customer_state_code=state)
        assert (p.taxable_total, p.cgst, p.sgst, p.igst, p.round_off, p.grand_total, p.doc_type, p.inter_state) == inv
        assert [(pl.sku, pl.qty, pl.taxable, pl.cgst, pl.sgst, pl.igst, pl.total) for pl in p.lines] == lines


def test_demo_data_analytics_match_the_reference(db, admin, demo_shop, monkeypatch):
    monkeypatch.setattr(analytics, "ensure_fresh", lambda db: None)
    data = ref.load(db)
    d1, d2 = END - dt.timedelta(days=74), END
    got = analytics.sales_over_time(db, admin, d1, d2, "week")
    assert [(b.invoices, b.returns, b.net, b.tax, b.gross) for b in got] == \
        [(w["invoices"], w["returns"], w["net"], w["tax"], w["gross"]) for w in ref.sales(data, d1, d2, "week")]
    got = analytics.top_customers_by_spend(db, admin, d1 + dt.timedelta(days=9), d2)
    assert [(c.customer_id, c.invoices, c.spend, c.credits_earned) for c in got] == \
        ref.top_spend(data, d1 + dt.timedelta(days=9), d2)
    coh = analytics.cohort_retention(db, admin, d1, d2)
    assert [(c.week, c.size, list(c.active)) for c in coh] == ref.retention(data, d1, d2)
    pays = {(p.kind, p.mode): [p.count, p.amount] for p in analytics.payment_split(db, admin, d1, d2)}
    assert pays == ref.payments(data, d1, d2)
    aging = analytics.dues_aging(db, admin, d1, d2)
    assert {b.label: {c.customer_id: c.amount for c in b.customers} for b in aging.buckets} == ref.dues_aging(data, d2)


def test_demo_refuses_a_shop_with_sales_and_bad_sizes(db, admin, demo_shop):
    before = snapshot(db)
    with pytest.raises(Conflict):
        demo.generate(db, admin, products=5, customers=5, invoices=5, days=5)
    with pytest.raises(ValidationError):
        demo.generate(db, admin, products=0, customers=5, invoices=5, days=5)
    assert snapshot(db) == before
