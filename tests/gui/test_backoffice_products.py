"""Products screen: search, add, edit, deactivate, categories, CSV import with the bad rows
listed; a duplicate SKU shows at the SKU field; a cashier can look but not change."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billbook.gui.screens.products import ProductsScreen
from billbook.services.goods import catalog
from tests.builders import snapshot
from tests.gui.backoffice_support import *  # noqa: F403

pytestmark = pytest.mark.gui


def _seed(ctx, n=3):
    for i in range(n):
        catalog.add_product(ctx.db, ctx.actor, sku=f"TEA-{i}", name=f"Assam Tea {i} 250g", price="120.00",
                            gst_rate="5", stock="10", category="Beverages")


def _type_search(screen, ctx, text):
    screen.search.delete(0, "end")
    screen.search.insert(0, text)
    screen._search_now()
    pump_until_idle(ctx)


def test_admin_adds_a_product_and_finds_it(admin_ctx):
    screen = mount(admin_ctx, ProductsScreen)
    f = screen.form
    f.set_values({"sku": "SOAP-1", "name": "Sandal Soap 100g", "price": "45.50", "gst_rate": "18",
                  "opening_stock": "24", "reorder_level": "5", "category": "Bath"})
    screen.save_btn.invoke()
    pump_until_idle(admin_ctx)
    assert "Added SOAP-1" in f.status.text
    p = catalog.get_product(admin_ctx.db, admin_ctx.actor, "SOAP-1")
    assert (p.price, p.stock_qty, p.category) == (Decimal("45.50"), Decimal("24"), "Bath")
    _type_search(screen, admin_ctx, "sandal")
    assert list(screen.table.rows) == ["SOAP-1"]
    assert screen.table.values_of("SOAP-1")["price"] == "45.50"


def test_a_duplicate_sku_is_shown_at_the_sku_field_and_nothing_changes(admin_ctx):
    _seed(admin_ctx, 1)
    screen = mount(admin_ctx, ProductsScreen)
    before = snapshot(admin_ctx.db)
    screen.form.set_values({"sku": "TEA-0", "name": "Another tea", "price": "10", "gst_rate": "5"})
    screen.save_btn.invoke()
    pump_until_idle(admin_ctx)
    assert "already exists" in screen.form["sku"].error_text
    assert screen.form["name"].error_text == ""
    assert screen.form["name"].get() == "Another tea"       # the form keeps its input
    assert snapshot(admin_ctx.db) == before


def test_a_bad_price_is_shown_at_the_price_field(admin_ctx):
    screen = mount(admin_ctx, ProductsScreen)
    before = snapshot(admin_ctx.db)
    screen.form.set_values({"sku": "X1", "name": "Thing", "price": "-5", "gst_rate": "5"})
    screen.save_btn.invoke()
    pump_until_idle(admin_ctx)
    assert "negative" in screen.form["price"].error_text
    assert snapshot(admin_ctx.db) == before


def test_admin_edits_and_deactivates_a_product(admin_ctx):
    _seed(admin_ctx, 2)
    screen = mount(admin_ctx, ProductsScreen)
    screen.table.select("TEA-1")
    admin_ctx.root.update()
    assert screen.form["name"].get() == "Assam Tea 1 250g"
    screen.form["price"].set("130.00")
    screen.save_btn.invoke()
    pump_until_idle(admin_ctx)
    assert catalog.get_product(admin_ctx.db, admin_ctx.actor, "TEA-1").price == Decimal("130.00")
    screen.active_btn.invoke()
    pump_until_idle(admin_ctx)
    assert catalog.get_product(admin_ctx.db, admin_ctx.actor, "TEA-1").active is False
    assert "TEA-1" not in screen.table.rows                  # hidden unless "Show inactive"
    screen.inactive.select()
    screen._search_now()
    pump_until_idle(admin_ctx)
    assert "muted" in screen.table.tree.item("TEA-1", "tags")       # shown greyed


def test_a_scanned_barcode_finds_its_product(admin_ctx):
    catalog.add_product(admin_ctx.db, admin_ctx.actor, sku="MILK", name="Toned Milk 500ml", price="27",
                        gst_rate="0", barcode="8901030865275")
    _seed(admin_ctx, 2)
    screen = mount(admin_ctx, ProductsScreen)
    _type_search(screen, admin_ctx, "8901030865275")
    assert list(screen.table.rows)[0] == "MILK"


def test_csv_import_lists_every_bad_row_and_imports_nothing_until_clean(admin_ctx, tmp_path):
    screen = mount(admin_ctx, ProductsScreen)
    screen.open_tab("Import / export")
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,name,price,gst_rate\nA1,Good one,10,5\nA2,,10,5\nA3,Bad rate,10,7\n", encoding="utf-8")
    before = snapshot(admin_ctx.db)
    screen.check_import(str(bad))
    pump_until_idle(admin_ctx)
    lines = sorted(int(screen.errors_table.values_of(i)["line"]) for i in screen.errors_table.rows)
    assert lines == [3, 4]
    assert str(screen.import_btn.cget("state")) == "disabled"
    assert snapshot(admin_ctx.db) == before
    good = tmp_path / "good.csv"
    good.write_text("sku,name,price,gst_rate,stock\nA1,Good one,10,5,3\nA2,Second,12.50,18,0\n", encoding="utf-8")
    screen.check_import(str(good))
    pump_until_idle(admin_ctx)
    assert screen.errors_table.count() == 0
    screen.import_btn.invoke()
    pump_until_idle(admin_ctx)
    assert "Imported 2" in screen.import_status.text
    assert catalog.get_product(admin_ctx.db, admin_ctx.actor, "A2").price == Decimal("12.50")


def test_export_writes_the_catalog(admin_ctx, tmp_path):
    _seed(admin_ctx, 3)
    screen = mount(admin_ctx, ProductsScreen)
    screen.open_tab("Import / export")
    out = tmp_path / "out.csv"
    screen.export_to(str(out))
    pump_until_idle(admin_ctx)
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("sku,name,price") and "TEA-2" in text


def test_categories_add_and_refuse_deleting_a_used_one(admin_ctx):
    _seed(admin_ctx, 1)
    screen = mount(admin_ctx, ProductsScreen)
    screen.open_tab("Categories")
    pump_until_idle(admin_ctx)
    screen.cat_form["name"].set("Snacks")
    screen.add_category()
    pump_until_idle(admin_ctx)
    names = {c.name for c in catalog.list_categories(admin_ctx.db, admin_ctx.actor)}
    assert names == {"Beverages", "Snacks"}
    used = next(i for i, c in screen.cat_table.rows.items() if c.name == "Beverages")
    screen.cat_table.select(used)
    admin_ctx.root.update()
    screen.delete_category()
    pump_until_idle(admin_ctx)
    assert "still has 1 product" in screen.cat_form["name"].error_text


def test_a_cashier_can_search_but_not_change_products(cashier_ctx, gui_db):
    from tests import builders
    admin = builders.make_user(gui_db, "boss", "admin")
    catalog.add_product(gui_db, admin, sku="PEN", name="Blue Pen", price="10", gst_rate="12")
    screen = mount(cashier_ctx, ProductsScreen)
    assert "PEN" in screen.table.rows
    assert str(screen.save_btn.cget("state")) == "disabled"
    assert "Categories" not in screen.tabs._tab_dict
