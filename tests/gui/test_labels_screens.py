"""Barcode labels from the screens: the selected product (copies chosen), the low-stock list and
a received purchase order (a label a unit received); the PDF's barcodes scan back."""

from __future__ import annotations

import pytest

from billbook.gui.screens.inventory import InventoryScreen
from billbook.gui.screens.products import ProductsScreen
from billbook.services.goods import catalog, purchasing, suppliers
from tests.devices.test_labels import decode_page
from tests.gui.backoffice_support import *  # noqa: F403
from tests.gui.test_settings_printers import shot

pytestmark = pytest.mark.gui


@pytest.fixture
def shop(admin_ctx):
    db, a = admin_ctx.db, admin_ctx.actor
    catalog.add_product(db, a, sku="SUGAR", name="Sugar 1kg", price="48", gst_rate="5", stock="4",
                        reorder_level="10")
    catalog.add_product(db, a, sku="SALT", name="Salt 1kg", price="25", gst_rate="0", stock="50", reorder_level="5",
                        barcode="8906001234562")
    return admin_ctx


def test_labels_of_the_selected_product(shop, tmp_path):
    screen = mount(shop, ProductsScreen)
    screen.table.select("SALT")
    pump_until_idle(shop)
    panel = screen.labels_for_selected()
    pump_until_idle(shop)
    assert "1 product, 1 label: SALT" in panel.summary.cget("text")
    panel.copies.delete(0, "end")
    panel.copies.insert(0, "7")
    panel.layout.set("24 a sheet (64 × 34 mm)")
    for size in ("1024x600", "1366x768"):
        shot(shop.root, "products-labels", size)
    shop.root.geometry("1366x768+0+0")
    panel.make_pdf()
    pump_until_idle(shop)
    assert panel.status.cget("text").startswith("7 labels on 1 sheet")
    assert decode_page(shop.opened[-1], tmp_path, 1, 200) == ["EAN-13:8906001234562"]


def test_labels_for_low_stock_and_a_received_po(shop, tmp_path):
    screen = mount(shop, InventoryScreen)
    panel = screen.labels_for_low_stock()
    pump_until_idle(shop)
    assert "1 product, 1 label: SUGAR" in panel.summary.cget("text")
    panel.close()
    name = suppliers.add_supplier(shop.db, shop.actor, "Gupta Wholesale").name
    po = purchasing.create_po(shop.db, shop.actor, name, [("SUGAR", "5", "42"), ("SALT", "3", "20")], order=True)
    purchasing.receive_po(shop.db, shop.actor, po.number, [("SUGAR", "4")])
    screen.show_tab("Purchase orders")
    pump_until_idle(shop)
    screen.reload_pos(select=po.number)
    pump_until_idle(shop)
    panel = screen.labels_for_po()
    pump_until_idle(shop)
    assert "1 product, 4 labels: SUGAR" in panel.summary.cget("text")
    panel.make_pdf()
    pump_until_idle(shop)
    assert panel.status.cget("text").startswith("4 labels on 1 sheet")
    assert decode_page(shop.opened[-1], tmp_path, 1, 200) == ["CODE-128:SUGAR"]
