"""Day-end (Z) report, closing the day, and the GST summary — against figures summed row by row."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from billbook.db.models import DayClose
from billbook.domain.gst import UNIT_UQC
from billbook.services.insight import reports
from billbook.errors import Conflict, PermissionDenied, ValidationError
from tests.analytics import reference as ref
from tests.analytics.conftest import DAYS, _sell, at
from tests.builders import make_user, snapshot

Z = Decimal("0.00")


def expected_day(data: ref.Data, day, terminal=None, user_id=None, opening=Z):
    invs = [i for i in data.invoices if i.business_date == day and (terminal is None or i.terminal == terminal)
            and (user_id is None or i.cashier_id == user_id)]
    notes = [c for c in data.notes if c.business_date == day and (terminal is None or c.terminal == terminal)
             and (user_id is None or c.user_id == user_id)]
    pays = [p for p in data.payments if p.business_date == day and (terminal is None or p.terminal == terminal)
            and (user_id is None or p.user_id == user_id)]
    by_mode = defaultdict(lambda: {"sale": Z, "dues": Z, "refund": Z})
    for p in pays:
        by_mode[p.mode][p.kind] += p.amount
    cash = sum(by_mode["cash"].values(), Z) if "cash" in by_mode else Z
    return {
        "invoices": len(invs), "gross": sum((i.gross_total for i in invs), Z),
        "discounts": sum((i.discount_total for i in invs), Z), "taxable": sum((i.taxable_total for i in invs), Z),
        "cgst": sum((i.cgst for i in invs), Z), "sgst": sum((i.sgst for i in invs), Z),
        "igst": sum((i.igst for i in invs), Z), "round_off": sum((i.round_off for i in invs), Z),
        "sales_total": sum((i.grand_total for i in invs), Z), "returns": len(notes),
        "returns_total": sum((c.total for c in notes), Z),
        "by_mode": {m: (v["sale"], v["dues"], v["refund"]) for m, v in by_mode.items()},
        "cash_expected": opening + cash,
        "numbers": (min((i.number for i in invs), default=None), max((i.number for i in invs), default=None)),
    }


def got_day(rep):
    return {
        "invoices": rep.invoices, "gross": rep.gross, "discounts": rep.discounts, "taxable": rep.taxable,
        "cgst": rep.cgst, "sgst": rep.sgst, "igst": rep.igst, "round_off": rep.round_off,
        "sales_total": rep.sales_total, "returns": rep.returns, "returns_total": rep.returns_total,
        "by_mode": {m.mode: (m.sales, m.dues, m.refunds) for m in rep.by_mode},
        "cash_expected": rep.cash_expected, "numbers": (rep.first_number, rep.last_number),
    }


@pytest.mark.parametrize("day", [dt.date(2025, 3, 31), dt.date(2025, 4, 2), dt.date(2026, 1, 1), dt.date(2025, 7, 1)])
def test_day_report_matches_the_documents_of_the_day(db, admin, cashier, traded, day):
    data = ref.load(db)
    rep = reports.day_report(db, admin, day, opening_float="1500", counted_cash="2000.50")
    want = expected_day(data, day, opening=Decimal("1500.00"))
    assert got_day(rep) == want
    assert rep.net_sales == want["sales_total"] - want["returns_total"]
    assert rep.difference == Decimal("2000.50") - want["cash_expected"]
    for terminal in ("T1",):
        assert got_day(reports.day_report(db, admin, day, terminal=terminal, opening_float="1500")) == \
            expected_day(data, day, terminal=terminal, opening=Decimal("1500.00"))
    assert got_day(reports.day_report(db, admin, day, cashier="asha")) == \
        expected_day(data, day, user_id=cashier.user_id)


def test_closing_a_day_stores_it_once_and_freezes_the_report(db, admin, cashier, traded):
    day = dt.date(2026, 1, 1)
    rep = reports.close_day(db, cashier, day, opening_float="1000", counted_cash="1234")
    assert rep.closed and rep.terminal == "T1" and rep.closed_by == "asha"
    with db.transaction(readonly=True) as s:
        row = s.scalars(select(DayClose)).one()
        assert (row.business_date, row.terminal, row.counted_cash, row.expected_cash) == \
            (day, "T1", Decimal("1234.00"), rep.cash_expected)
        assert json.loads(row.report_json)["cash_expected"] == str(rep.cash_expected)
    before = snapshot(db)
    with pytest.raises(Conflict):
        reports.close_day(db, admin, day, terminal="T1")
    assert snapshot(db) == before
    # a late sale on that day does not change the stored Z report
    _sell(db, cashier, __import__("random").Random(5), 777, dt.datetime(2026, 1, 1, 22, 30))
    again = reports.day_report(db, admin, day, terminal="T1")
    assert again == rep
    pdf = reports.day_report_pdf(db, admin, day, terminal="T1")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Day-end (Z) report" in text and "CLOSED" in text and "₹" in text


def test_a_cashier_closes_only_their_own_terminal(db, admin, traded):
    other = make_user(db, "ravi", "cashier", terminal="T2")
    before = snapshot(db)
    with pytest.raises(PermissionDenied):
        reports.close_day(db, other, dt.date(2026, 1, 1), terminal="T1")
    with pytest.raises(ValidationError):
        reports.close_day(db, admin, dt.date(2030, 1, 1), terminal="T1")
    with pytest.raises(ValidationError):
        reports.close_day(db, admin, dt.date(2026, 1, 1), terminal="T1", counted_cash="12.345")
    assert snapshot(db) == before
    assert reports.close_day(db, other, dt.date(2026, 1, 1)).terminal == "T2"
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(DayClose)) == 1


def test_gst_summary_matches_the_lines(db, admin, traded):
    data = ref.load(db)
    d1, d2 = dt.date(2025, 3, 1), dt.date(2026, 1, 31)
    g = reports.gst_summary(db, admin, d1, d2)
    inv_of = {i.id: i for i in data.invoices}
    lines = [ln for ln in data.lines if d1 <= inv_of[ln.invoice_id].business_date <= d2]
    by_rate = defaultdict(lambda: [Z] * 4)
    hsn = defaultdict(lambda: [Decimal("0.000"), Z, Z, Z, Z, Z])
    for ln in lines:
        r = ln.gst_rate.normalize()
        by_rate[r] = [a + b for a, b in zip(by_rate[r], (ln.taxable, ln.cgst, ln.sgst, ln.igst))]
        k = (ln.hsn, UNIT_UQC[ln.unit], r)
        hsn[k] = [a + b for a, b in zip(hsn[k], (ln.qty, ln.total, ln.taxable, ln.cgst, ln.sgst, ln.igst))]
    assert {r.rate: [r.taxable, r.cgst, r.sgst, r.igst] for r in g.by_rate} == dict(by_rate)
    assert {(h.hsn, h.uqc, h.rate): [h.qty, h.total_value, h.taxable, h.cgst, h.sgst, h.igst] for h in g.hsn} == dict(hsn)
    b2b = sorted({i.number for i in data.invoices if i.customer_gstin and d1 <= i.business_date <= d2})
    assert sorted({b.number for b in g.b2b}) == b2b and b2b
    assert all(b.igst > 0 or b.taxable == 0 or b.rate == 0 for b in g.b2b)      # other state: IGST
    assert all(b.cgst == 0 and b.sgst == 0 for b in g.b2b)
    b2c_taxable = sum((ln.taxable for ln in lines if not inv_of[ln.invoice_id].customer_gstin), Z)
    assert sum((b.taxable for b in g.b2c), Z) == b2c_taxable
    notes = [c for c in data.notes if d1 <= c.business_date <= d2]
    assert sorted({c.number for c in g.credit_notes}) == sorted(c.number for c in notes)
    assert sum((c.taxable for c in g.credit_by_rate), Z) == sum((c.taxable_total for c in notes), Z)
    net_taxable = sum((r.taxable for r in g.net_by_rate), Z)
    assert net_taxable == sum(by_rate[r][0] for r in by_rate) - sum((c.taxable_total for c in notes), Z)
    rows = list(csv.reader(io.StringIO(reports.gst_csv(g))))
    assert sum(1 for r in rows if r and r[0] == "hsn") == len(g.hsn)
    assert sum(Decimal(r[2]) for r in rows if r and r[0] == "by_rate") == g.totals["taxable"]
    # a customer name a spreadsheet would run is written as text
    from dataclasses import replace
    evil = replace(g, b2b=(replace(g.b2b[0], customer='=HYPERLINK("http://x")'),))
    cells = [c for r in csv.reader(io.StringIO(reports.gst_csv(evil))) for c in r]
    assert '\'=HYPERLINK("http://x")' in cells and not [c for c in cells if c.startswith("=")]


def test_gst_summary_of_an_empty_period(db, admin, traded):
    g = reports.gst_summary(db, admin, "2025-06-01", "2025-06-30")
    assert (g.invoices, g.by_rate, g.b2b, g.hsn, g.credit_notes) == (0, (), (), (), ())


def test_day_and_gst_need_the_report_permission(db, cashier):
    with pytest.raises(PermissionDenied):
        reports.gst_summary(db, cashier, "2025-01-01", "2025-01-31")
    with pytest.raises(PermissionDenied):
        reports.day_report(db, cashier, "2025-01-01")
    assert DAYS
    at(dt.datetime(2025, 1, 1, 10, 0))
