"""Customers screen: search, profile with history and dues, a dues payment, a loyalty
adjustment; an overpayment and a bad phone show at their fields; a cashier cannot adjust."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from billbook.gui.screens.customers import CustomersScreen
from billbook.services.goods import catalog
from billbook.services.people import customers
from billbook.services.selling import checkout as sales
from tests.builders import snapshot
from tests.gui.backoffice_support import *  # noqa: F403

pytestmark = pytest.mark.gui


@pytest.fixture
def shop(admin_ctx):
    db, a = admin_ctx.db, admin_ctx.actor
    catalog.add_product(db, a, sku="DAL", name="Toor Dal 1kg", price="150.00", gst_rate="0", stock="100")
    customers.add_customer(db, a, "9876543210", "Meena Iyer")
    customers.add_customer(db, a, "9123456780", "Rahul Verma")
    sales.checkout(db, a, sales.SaleRequest(sale_id=str(uuid.uuid4()), items=[sales.SaleItem("DAL", "2")],
                                            payments=[sales.PaymentRequest("account")], customer_phone="9876543210"))
    return admin_ctx


def _open_customer(screen, ctx, phone):
    screen.search.insert(0, phone)
    screen.table.reload()
    pump_until_idle(ctx)
    screen.table.select(phone)
    pump_until_idle(ctx)


def test_search_and_profile_with_history_and_dues(shop):
    screen = mount(shop, CustomersScreen)
    assert set(screen.table.rows) == {"9876543210", "9123456780"}
    screen.search.insert(0, "meena")
    screen.table.reload()
    pump_until_idle(shop)
    assert list(screen.table.rows) == ["9876543210"]
    screen.table.select("9876543210")
    pump_until_idle(shop)
    assert screen.title.cget("text").startswith("Meena Iyer")
    assert screen.history.count() == 1
    assert screen.pay_form["amount"].get() == "300.00"


def test_receiving_a_dues_payment(shop):
    screen = mount(shop, CustomersScreen)
    _open_customer(screen, shop, "9876543210")
    screen.pay_form["amount"].set("120")
    screen.pay_btn.invoke()
    pump_until_idle(shop)
    assert customers.get_customer(shop.db, shop.actor, "9876543210").dues == Decimal("180.00")
    assert "dues now ₹180.00" in screen.pay_form.status.text


def test_an_overpayment_is_refused_at_the_amount_field(shop):
    screen = mount(shop, CustomersScreen)
    _open_customer(screen, shop, "9876543210")
    before = snapshot(shop.db)
    screen.pay_form["amount"].set("1000")
    screen.pay_btn.invoke()
    pump_until_idle(shop)
    assert "owes only 300.00" in screen.pay_form["amount"].error_text
    assert snapshot(shop.db) == before


def test_admin_adjusts_loyalty_credits_and_a_missing_reason_is_shown(shop):
    screen = mount(shop, CustomersScreen)
    _open_customer(screen, shop, "9123456780")
    screen.adjust_form["delta"].set("50")
    screen.adjust_btn.invoke()
    pump_until_idle(shop)
    assert "say why" in screen.adjust_form["reason"].error_text
    screen.adjust_form["delta"].set("50")
    screen.adjust_form["reason"].set("Diwali goodwill")
    screen.adjust_btn.invoke()
    pump_until_idle(shop)
    assert customers.get_customer(shop.db, shop.actor, "9123456780").credits == Decimal("50.00")
    assert screen.loyalty_table.count() == 1


def test_a_new_customer_with_a_bad_phone_is_refused_at_the_phone_field(shop):
    screen = mount(shop, CustomersScreen)
    before = snapshot(shop.db)
    screen.new_customer()
    screen.form["phone"].set("12345")
    screen.form["name"].set("Nobody")
    screen.save_btn.invoke()
    pump_until_idle(shop)
    assert "not an Indian mobile" in screen.form["phone"].error_text
    assert snapshot(shop.db) == before
    screen.form["phone"].set("9988776655")
    screen.save_btn.invoke()
    pump_until_idle(shop)
    assert customers.get_customer(shop.db, shop.actor, "9988776655").name == "Nobody"


def test_a_cashier_sees_customers_and_takes_dues_but_cannot_adjust_credits(shop, gui_db):
    from tests import builders
    from billbook.gui.forms import make_context
    cashier = builders.make_user(gui_db, "asha", "cashier")
    ctx = make_context(shop.root, gui_db, cashier)
    try:
        screen = mount(ctx, CustomersScreen)
        _open_customer(screen, ctx, "9876543210")
        assert str(screen.adjust_btn.cget("state")) == "disabled"
        assert str(screen.save_btn.cget("state")) == "disabled"
        assert str(screen.pay_btn.cget("state")) == "normal"
    finally:
        ctx.shutdown()


def test_statement_pdf_is_written_in_the_background_and_opened(shop):
    from billbook.config import data_dir
    from tests.documents.pdfread import cells, page_texts
    screen = mount(shop, CustomersScreen)
    assert str(screen.statement_btn.cget("state")) == "disabled"   # nobody selected yet
    _open_customer(screen, shop, "9876543210")
    messages = []
    shop.on_message(lambda text, kind: messages.append((kind, text)))
    screen.statement_btn.invoke()
    pump_until_idle(shop)
    assert len(shop.opened) == 1
    path = shop.opened[0]
    assert path.startswith(str(data_dir() / "statements"))
    found = cells(page_texts(path)[0])
    assert "Meena Iyer" in found and "₹300.00" in found
    assert messages and messages[-1][0] == "ok" and "Meena Iyer" in messages[-1][1]
    assert str(screen.statement_btn.cget("state")) == "normal"
