"""Inventory screen: low stock with suggested quantities, the ledger, an adjustment with a
reason (refused without one), suppliers, a purchase order created from low stock, ordered,
received in part then in full, and its PDF; a cashier gets no inventory screen."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billbook.gui.screens.inventory import InventoryScreen
from billbook.services.goods import catalog
from billbook.services.goods import purchasing
from tests.builders import snapshot
from tests.gui.backoffice_support import *  # noqa: F403

pytestmark = pytest.mark.gui


@pytest.fixture
def shop(admin_ctx):
    db, a = admin_ctx.db, admin_ctx.actor
    catalog.add_product(db, a, sku="SUGAR", name="Sugar 1kg", price="48", gst_rate="5", stock="4",
                        reorder_level="10", cost_price="42")
    catalog.add_product(db, a, sku="SALT", name="Salt 1kg", price="25", gst_rate="0", stock="50", reorder_level="5")
    return admin_ctx


def test_low_stock_is_listed_with_a_suggested_quantity(shop):
    screen = mount(shop, InventoryScreen)
    assert list(screen.low.rows) == ["SUGAR"]
    assert screen.low.values_of("SUGAR")["suggest"] == "16"          # up to twice the reorder level
    assert "low" in screen.low.tree.item("SUGAR", "tags")


def test_an_adjustment_needs_a_reason_and_then_shows_in_the_ledger(shop):
    screen = mount(shop, InventoryScreen)
    screen.open_ledger("SALT")
    pump_until_idle(shop)
    before = snapshot(shop.db)
    screen.adjust_form["delta"].set("-2")
    screen.adjust()
    pump_until_idle(shop)
    assert "say why" in screen.adjust_form["reason"].error_text
    assert snapshot(shop.db) == before
    screen.adjust_form["delta"].set("-2")
    screen.adjust_form["reason"].set("damage")
    screen.adjust_form["note"].set("torn bags")
    screen.adjust()
    pump_until_idle(shop)
    assert catalog.get_product(shop.db, shop.actor, "SALT").stock_qty == Decimal("48")
    last = list(screen.ledger.rows)[-1]
    assert screen.ledger.values_of(last)["delta"] == "-2"


def test_a_purchase_order_from_low_stock_is_ordered_and_received_in_two_goes(shop, tmp_path):
    screen = mount(shop, InventoryScreen)
    screen.show_tab("Suppliers")
    pump_until_idle(shop)
    screen.sup_form["name"].set("Sharma Traders")
    screen.add_supplier()
    pump_until_idle(shop)
    screen.show_tab("Purchase orders")
    pump_until_idle(shop)
    assert screen.po_supplier.get() == "Sharma Traders"
    screen.fill_from_low()
    pump_until_idle(shop)
    assert screen.po_form["lines"].get() == "SUGAR, 16, 42.00"
    screen.create_po()
    pump_until_idle(shop)
    number = screen.po.number
    assert screen.po.status == "draft"
    screen.order_po()
    pump_until_idle(shop)
    assert purchasing.get_po(shop.db, shop.actor, number).status == "ordered"
    screen.po_lines.select("SUGAR")
    screen.receive_qty.insert(0, "6")
    screen.receive_line()
    pump_until_idle(shop)
    assert purchasing.get_po(shop.db, shop.actor, number).status == "partially_received"
    assert catalog.get_product(shop.db, shop.actor, "SUGAR").stock_qty == Decimal("10")
    screen.receive_all()
    pump_until_idle(shop)
    assert purchasing.get_po(shop.db, shop.actor, number).status == "received"
    assert catalog.get_product(shop.db, shop.actor, "SUGAR").stock_qty == Decimal("20")
    screen.po_pdf()
    pump_until_idle(shop)
    assert "PDF written" in screen.po_status.text and shop.opened[-1].endswith(".pdf")


def test_receiving_more_than_ordered_is_refused(shop):
    po = purchasing.create_po(shop.db, shop.actor, _supplier(shop), [("SUGAR", "5", "42")], order=True)
    screen = mount(shop, InventoryScreen)
    screen.show_tab("Purchase orders")
    pump_until_idle(shop)
    screen.po_table.select(po.number)
    pump_until_idle(shop)
    before = snapshot(shop.db)
    screen.po_lines.select("SUGAR")
    screen.receive_qty.insert(0, "9")
    screen.receive_line()
    pump_until_idle(shop)
    assert screen.po_status.text and snapshot(shop.db) == before


def _supplier(ctx):
    from billbook.services.goods import suppliers
    return suppliers.add_supplier(ctx.db, ctx.actor, "Gupta Wholesale").name


def test_a_cashier_gets_no_inventory_screen(cashier_ctx):
    screen = mount(cashier_ctx, InventoryScreen)
    assert "for admins" in screen.refusal.cget("text")


def test_a_tab_is_built_and_filled_on_its_first_visit(shop):
    name = _supplier(shop)
    screen = mount(shop, InventoryScreen)
    assert screen.built == {"Stock"} and not hasattr(screen, "sup_table")
    button = screen.tabs._segmented_button._buttons_dict["Suppliers"]._canvas      # a click on the tab's name
    shop.root.update_idletasks()
    button.event_generate("<Enter>", x=5, y=5)
    button.event_generate("<Button-1>", x=5, y=5)
    button.event_generate("<ButtonRelease-1>", x=5, y=5)
    pump_until_idle(shop)
    assert screen.tabs.get() == "Suppliers" and screen.built == {"Stock", "Suppliers"}
    assert list(screen.sup_table.rows) == [name]
