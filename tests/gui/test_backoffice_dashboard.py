"""Dashboard: opens with KPIs and charts for a period, refreshes in the background after this
terminal sells and on its timer, exports a chart as PNG; a cashier gets none of it."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from billbook import clock
from billbook.gui.screens.dashboard import DashboardScreen, period_range
from billbook.services.insight import analytics
from billbook.services.goods import catalog
from billbook.services.selling import checkout as sales
from tests.gui.backoffice_support import *  # noqa: F403

pytestmark = pytest.mark.gui


def _sell(ctx, sku: str, qty: str = "1"):
    return sales.checkout(ctx.db, ctx.actor, sales.SaleRequest(
        sale_id=str(uuid.uuid4()), items=[sales.SaleItem(sku, qty)], payments=[sales.PaymentRequest("cash")]))


@pytest.fixture
def shop(admin_ctx):
    catalog.add_product(admin_ctx.db, admin_ctx.actor, sku="RICE", name="Basmati Rice 1kg", price="100.00",
                        gst_rate="5", stock="50", reorder_level="60")
    catalog.add_product(admin_ctx.db, admin_ctx.actor, sku="OIL", name="Sunflower Oil 1l", price="150.00",
                        gst_rate="5", stock="50")
    _sell(admin_ctx, "RICE", "2")
    _sell(admin_ctx, "OIL")
    return admin_ctx


def _open(ctx):
    screen = DashboardScreen(ctx.root, ctx)
    screen.pack(fill="both", expand=True)
    screen.on_show()
    pump(ctx.root, lambda: screen.refresh_count >= 1, timeout=60)
    return screen


def test_the_dashboard_opens_with_the_periods_figures(shop):
    screen = _open(shop)
    start, end = period_range("Last 30 days", clock.today())
    buckets = analytics.sales_over_time(shop.db, shop.actor, start, end, "day")
    invoices = sum(b.invoices for b in buckets)
    gross = sum((b.gross for b in buckets), Decimal("0"))
    assert invoices == 2
    assert screen.kpis["Invoices"].value.cget("text") == "2"
    assert gross == Decimal("368.00")            # (2 × 100 + 150) + 5 % GST = 367.50, bills rounded off
    assert screen.kpis["Today"].value.cget("text") == "₹368"
    assert screen.kpis["Low stock"].value.cget("text") == "1"        # RICE: 48 left, reorder at 60
    from billbook.charts import dashboard_charts
    assert list(screen.cards) == [key for key, _title, _build in dashboard_charts()]
    drawn = [k for k, card in screen.cards.items() if card.canvas is not None]
    assert drawn == list(screen.cards)                               # every chart drawn


def test_a_sale_on_this_terminal_refreshes_the_dashboard_in_the_background(shop, monkeypatch):
    monkeypatch.setattr("billbook.gui.screens.dashboard.SALE_DEBOUNCE_MS", 10)
    screen = _open(shop)
    before = screen.kpis["Invoices"].value.cget("text")
    _sell(shop, "OIL", "3")
    shop.notify_sales_changed()                   # what the billing screen does after a sale
    pump(shop.root, lambda: screen.refreshing, timeout=5)
    # the fetch runs in a worker: the Tk loop is back with the old figures still shown
    assert screen.kpis["Invoices"].value.cget("text") == before
    pump(shop.root, lambda: screen.refresh_count >= 2, timeout=60)
    assert screen.kpis["Invoices"].value.cget("text") == "3"


def test_the_timer_picks_up_sales_from_other_terminals(shop):
    screen = DashboardScreen(shop.root, shop)
    screen.refresh_ms = 200
    screen.pack(fill="both", expand=True)
    screen.on_show()
    pump(shop.root, lambda: screen.refresh_count >= 1, timeout=60)
    _sell(shop, "RICE")                           # no hook: as if sold elsewhere
    pump(shop.root, lambda: screen.kpis["Invoices"].value.cget("text") == "3", timeout=60)
    screen.on_hide()


def test_refreshes_asked_for_during_a_refresh_are_queued_not_doubled(shop):
    screen = _open(shop)
    screen.refresh()
    screen.refresh()
    screen.refresh()
    assert shop.pending == 1
    pump(shop.root, lambda: screen.refresh_count >= 3 and not screen.refreshing, timeout=60)
    pump_until_idle(shop)
    assert screen.refresh_count == 3               # the first, plus exactly one queued


def test_a_chart_is_saved_as_png(shop, tmp_path):
    screen = _open(shop)
    key = next(iter(screen.cards))
    out = tmp_path / "chart.png"
    screen.save_png(key, str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_period_selector_changes_the_range(shop):
    screen = _open(shop)
    screen.period.set("Last 12 months")
    screen.refresh()
    pump(shop.root, lambda: screen.refresh_count >= 2, timeout=60)
    assert screen.snapshot.start == period_range("Last 12 months", clock.today())[0]
    assert screen.snapshot.start.day == 1 and (clock.today() - screen.snapshot.start) > dt.timedelta(days=330)


def test_a_cashier_gets_no_dashboard(cashier_ctx):
    screen = mount(cashier_ctx, DashboardScreen)
    assert "for admins" in screen.refusal.cget("text")


def test_the_numbers_show_first_and_the_charts_follow_in_the_background(shop):
    screen = DashboardScreen(shop.root, shop)
    screen.pack(fill="both", expand=True)
    screen.on_show()
    pump(shop.root, lambda: screen.kpis["Invoices"].value.cget("text") == "2", timeout=30)
    assert shop.filling == 0                         # usable: nothing the screen waits on is running
    assert not any(card.canvas is not None for card in screen.cards.values())
    pump(shop.root, lambda: screen.refresh_count >= 1, timeout=60)
    assert screen.cards and all(card.canvas is not None for card in screen.cards.values())
    assert screen.snapshot.figure_seconds > 0


def test_a_switch_back_refetches_only_when_something_changed(shop):
    screen = _open(shop)
    canvases = {key: card.canvas for key, card in screen.cards.items()}
    screen.on_hide()
    screen.on_show()                                 # nothing new: what is shown stays, no work starts
    assert not screen.refreshing and shop.pending == 0
    screen.on_hide()
    _sell(shop, "OIL")
    shop.notify_sales_changed()
    screen.on_show()                                 # a sale made it stale: fetched again at once
    assert screen.refreshing
    pump(shop.root, lambda: screen.refresh_count >= 2 and not screen.refreshing, timeout=60)
    assert screen.kpis["Invoices"].value.cget("text") == "3"
    assert {key: card.canvas for key, card in screen.cards.items()} == canvases     # the Tk canvases are reused
