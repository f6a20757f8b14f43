"""Reports screen: the day-end close with counted cash and difference, the Z report PDF, the
GST summary and its CSV; closing a day twice is refused; a cashier gets no GST summary."""

from __future__ import annotations

import uuid

import pytest

from billbook import clock
from billbook.gui.screens.reports import ReportsScreen
from billbook.services.goods import catalog
from billbook.services.insight import reports
from billbook.services.selling import checkout as sales
from tests.builders import snapshot
from tests.gui.backoffice_support import *  # noqa: F403

pytestmark = pytest.mark.gui


@pytest.fixture
def shop(admin_ctx):
    db, a = admin_ctx.db, admin_ctx.actor
    catalog.add_product(db, a, sku="SOAP", name="Neem Soap", price="40.00", gst_rate="18", stock="100", hsn="3401")
    sales.checkout(db, a, sales.SaleRequest(sale_id=str(uuid.uuid4()), items=[sales.SaleItem("SOAP", "3")],
                                            payments=[sales.PaymentRequest("cash")]))
    return admin_ctx


def test_closing_the_day_shows_expected_counted_and_difference(shop):
    screen = mount(shop, ReportsScreen)
    expected = reports.day_report(shop.db, shop.actor, clock.today(), terminal=shop.actor.terminal,
                                  opening_float="500").cash_expected
    f = screen.day_form
    f["terminal"].set(shop.actor.terminal)
    f["opening_float"].set("500")
    f["counted_cash"].set(str(expected - 10))
    screen.close_btn.invoke()
    pump_until_idle(shop)
    assert "closed" in f.status.text
    assert screen.report.closed and screen.report.difference == -10
    assert "short" in screen.cash_label.cget("text")
    before = snapshot(shop.db)
    screen.close_btn.invoke()
    pump_until_idle(shop)
    assert "already closed" in f["date"].error_text
    assert snapshot(shop.db) == before


def test_a_bad_counted_cash_is_shown_at_its_field(shop):
    screen = mount(shop, ReportsScreen)
    before = snapshot(shop.db)
    screen.day_form["counted_cash"].set("12.345")
    screen.close_btn.invoke()
    pump_until_idle(shop)
    assert "decimal" in screen.day_form["counted_cash"].error_text
    assert snapshot(shop.db) == before


def test_the_z_report_pdf_is_written(shop, tmp_path):
    screen = mount(shop, ReportsScreen)
    out = tmp_path / "z.pdf"
    screen.save_pdf_to(str(out))
    pump_until_idle(shop)
    assert out.read_bytes()[:5] == b"%PDF-"


def test_gst_summary_for_a_period_and_its_csv(shop, tmp_path):
    screen = mount(shop, ReportsScreen)
    today = clock.today().isoformat()
    screen.gst_form["from"].set(today)
    screen.gst_form["to"].set(today)
    out = tmp_path / "gst.csv"
    screen.export_gst_to(str(out))
    pump_until_idle(shop)
    assert screen.gst.invoices == 1
    assert screen.gst_rate.values_of("0")["rate"] == "18"
    assert screen.gst_hsn.values_of("0")["hsn"] == "3401"
    assert out.read_text(encoding="utf-8-sig").startswith("GST summary")


def test_a_cashier_closes_the_day_but_sees_no_gst_summary(cashier_ctx):
    screen = mount(cashier_ctx, ReportsScreen)
    assert screen.gst_form is None
    assert str(screen.day_form["terminal"].input.cget("state")) == "disabled"
