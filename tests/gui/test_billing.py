"""The counter, driven by key events on real CustomTkinter widgets."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from billbook.services.selling import held as held_service
from billbook.services.selling import checkout as sales
from tests import builders
from tests.gui.counter_support import (  # noqa: F401
    Keyboard, add_product, close_app, ean13, gui_db, log_in, make_app, settle,
)

D = Decimal


@pytest.fixture
def counter(gui_db):
    """A cashier logged in at the counter, with five products (EAN-13 barcodes) in stock."""
    admin = builders.make_user(gui_db, "owner", "admin")
    builders.make_user(gui_db, "asha", "cashier")
    codes = []
    for i, (price, gst) in enumerate((("45.00", "18"), ("350.00", "5"), ("20.00", "12"), ("99.50", "18"),
                                      ("12.00", "0"))):
        code = ean13(f"890100000{i:03d}")
        add_product(gui_db, admin, f"SKU{i}", price, barcode=code, gst=gst, name=f"Item number {i}")
        codes.append(code)
    app = make_app(gui_db)
    log_in(app, "asha")
    billing = app.shell.screens["billing"]
    yield app, billing, codes, admin
    close_app(app)


def invoices(db, actor):
    return sales.list_invoices(db, actor)


def test_five_item_cash_sale_with_the_keyboard_only_saves_the_invoice_and_its_pdf(counter, gui_db):
    app, billing, codes, admin = counter
    kb = Keyboard(app)
    assert app.focus_get() is billing.search.entry._entry
    for code in codes:
        kb.scan(code)
    settle(app)
    assert [ln.product.barcode for ln in billing.cart.lines] == codes
    total = billing.grand_total
    kb.press("F12")
    kb.press("Return")
    settle(app)
    found = invoices(gui_db, admin)
    assert len(found) == 1 and found[0].grand_total == total
    inv = sales.get_invoice(gui_db, admin, found[0].number)
    assert [ln.sku for ln in inv.lines] == [f"SKU{i}" for i in range(5)]
    assert [(p.mode, p.amount) for p in inv.payments] == [("cash", total)]
    assert billing.cart.lines == [] and billing.grand_total is None
    pdf = Path(app.ctx.opened[-1])
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    assert ("ok", f"Saved {inv.number}.") in app.shell.messages.history


def test_keystrokes_of_a_five_item_cash_sale_with_a_scanner(counter, gui_db):
    """The README quotes these counts."""
    app, billing, codes, admin = counter
    kb = Keyboard(app)
    for code in codes:
        kb.scan(code)
    settle(app)
    kb.press("F12")
    kb.type("2000")          # the note the customer hands over
    kb.press("Return")
    settle(app)
    inv = sales.get_invoice(gui_db, admin, invoices(gui_db, admin)[0].number)
    assert inv.payments[0].tendered == D("2000.00") and inv.change == D("2000.00") - inv.grand_total
    assert kb.scans == 5 and kb.keystrokes == 6
    assert kb.total == 11 <= 15
    # exact cash (no tendered amount typed): 5 scans + F12 + Enter
    kb2 = Keyboard(app)
    for code in codes:
        kb2.scan(code)
    settle(app)
    kb2.press("F12")
    kb2.press("Return")
    settle(app)
    assert len(invoices(gui_db, admin)) == 2
    assert kb2.total == 7


def test_scanning_again_adds_quantity_and_plus_minus_change_it(counter):
    app, billing, codes, _admin = counter
    kb = Keyboard(app)
    kb.scan(codes[1])
    kb.scan(codes[1])
    settle(app)
    assert len(billing.cart.lines) == 1 and billing.cart.lines[0].qty == 2
    kb.press("plus")
    settle(app)
    assert billing.cart.lines[0].qty == 3
    kb.press("minus")
    kb.press("minus")
    settle(app)
    assert billing.cart.lines[0].qty == 1
    assert billing.search.get() == ""          # + and - never land in the scan box
    assert billing.preview.lines[0].qty == 1
    kb.press("Delete")
    settle(app)
    assert billing.cart.lines == []


def test_typing_shows_live_matches_and_arrows_enter_add_one(counter):
    app, billing, _codes, _admin = counter
    kb = Keyboard(app)
    kb.type("item")
    settle(app)
    assert billing.search.popup_visible
    assert len(billing.search.results.rows()) == 5
    kb.press("Down")
    kb.press("Down")
    kb.press("Return")
    settle(app)
    assert [ln.product.sku for ln in billing.cart.lines] == ["SKU2"]
    assert not billing.search.popup_visible and billing.search.get() == ""


def test_search_pages_through_many_matches(counter, gui_db):
    app, billing, _codes, admin = counter
    for i in range(12):
        add_product(gui_db, admin, f"TEA{i:02d}", "10.00", name=f"Tea pack {i:02d}")
    kb = Keyboard(app)
    kb.type("tea")
    settle(app)
    first = [billing.search.results.values(i)[0] for i in billing.search.results.rows()]
    assert len(first) == billing.search.page_size
    kb.press("Next")
    settle(app)
    second = [billing.search.results.values(i)[0] for i in billing.search.results.rows()]
    assert second and not set(first) & set(second)
    assert len(first) + len(second) == 12


def test_quantity_edit_and_line_discount_from_the_keyboard(counter):
    app, billing, codes, _admin = counter
    kb = Keyboard(app)
    kb.scan(codes[1])        # 350.00 at 5 %
    settle(app)
    kb.press("F3")
    entry = app.focus_get()
    entry.delete(0, "end")
    kb.type("3")
    kb.press("Tab")
    kb.type("10%")
    kb.press("Return")
    settle(app)
    line = billing.cart.lines[0]
    assert (line.qty, line.discount) == (D("3"), "10%")
    assert billing.preview.lines[0].taxable == D("945.00")


def test_a_sale_refused_for_stock_keeps_the_cart_and_retries_with_the_same_sale_id(counter, gui_db):
    app, billing, codes, admin = counter
    add_product(gui_db, admin, "LAST", "50.00", barcode="LAST-ONE", stock="1", name="Last one on the shelf")
    kb = Keyboard(app)
    kb.scan(codes[0])
    kb.scan("LAST-ONE")
    kb.scan("LAST-ONE")
    settle(app)
    sale_id = billing.cart.sale_id
    kb.press("F12")
    kb.press("Return")
    settle(app)
    assert invoices(gui_db, admin) == []
    assert [(ln.product.sku, ln.qty) for ln in billing.cart.lines] == [("SKU0", 1), ("LAST", 2)]
    assert any("Not enough stock for Last one on the shelf" in text for kind, text in app.shell.messages.history
               if kind == "error")
    assert billing.cart_table.selected() == str(billing.cart.lines[1].product.id)
    kb.press("minus")                # the refused line is selected: one less
    settle(app)
    kb.press("F12")
    kb.press("Return")
    settle(app)
    found = invoices(gui_db, admin)
    assert len(found) == 1
    assert sales.get_invoice(gui_db, admin, found[0].number).sale_id == sale_id


def test_on_account_without_a_customer_is_refused_and_the_cart_kept(counter, gui_db):
    app, billing, codes, admin = counter
    kb = Keyboard(app)
    kb.scan(codes[0])
    settle(app)
    kb.press("F12")
    billing.payment.set_mode("account")
    kb.press("Return")
    settle(app)
    assert invoices(gui_db, admin) == []
    assert len(billing.cart.lines) == 1
    assert app.shell.messages.kind == "error" and app.shell.messages.text


def test_split_payment_upi_then_cash(counter, gui_db):
    app, billing, codes, admin = counter
    billing.ctx.shop = billing.ctx.shop.__class__(**{**billing.ctx.shop.__dict__, "upi_vpa": "shop@okbank"})
    kb = Keyboard(app)
    kb.scan(codes[1])          # 350 + 5 % = 367.50 → 368 after round-off
    settle(app)
    total = billing.grand_total
    kb.press("F12")
    billing.payment.set_mode("upi")
    assert billing.payment.qr.winfo_manager()          # the QR for the amount is shown
    app.focus_get()
    billing.payment.amount.set_amount("200")
    kb.press("Return")                                 # less than due: recorded as a part
    assert [p.mode for p in billing.payment.parts] == ["upi"]
    assert billing.payment.remaining == total - D("200")
    kb.press("Return")                                 # the rest in cash
    settle(app)
    inv = sales.get_invoice(gui_db, admin, invoices(gui_db, admin)[0].number)
    assert sorted((p.mode, p.amount) for p in inv.payments) == sorted([("upi", D("200.00")),
                                                                       ("cash", total - D("200"))])


def test_customer_by_phone_fills_name_credits_and_dues(counter, gui_db):
    from billbook.services.people import customers
    app, billing, codes, admin = counter
    customers.add_customer(gui_db, admin, "9876543210", "Ravi Kumar")
    kb = Keyboard(app)
    kb.scan(codes[0])
    kb.press("F4")
    kb.type("9876543210")
    kb.press("Return")
    settle(app)
    assert billing.cust_name.get() == "Ravi Kumar"
    assert "Ravi Kumar" in billing.cust_info.cget("text") and "Credits" in billing.cust_info.cget("text")
    assert app.focus_get() is billing.search.entry._entry
    kb.press("F12")
    kb.press("Return")
    settle(app)
    assert invoices(gui_db, admin)[0].customer_phone == "9876543210"


def test_a_new_customer_is_created_with_the_sale(counter, gui_db):
    app, billing, codes, admin = counter
    kb = Keyboard(app)
    kb.scan(codes[0])
    kb.press("F4")
    kb.type("9123456789")
    kb.press("Return")
    settle(app)
    assert "New customer" in billing.cust_info.cget("text")
    kb.type("Meena")
    kb.press("Return")
    kb.press("F12")
    kb.press("Return")
    settle(app)
    assert invoices(gui_db, admin)[0].customer_name == "Meena"


def test_bill_discount_with_f9(counter):
    app, billing, codes, _admin = counter
    kb = Keyboard(app)
    kb.scan(codes[1])
    settle(app)
    before = billing.preview.taxable_total
    kb.press("F9")
    kb.type("10%")
    kb.press("Return")
    settle(app)
    assert billing.preview.taxable_total == before - D("35.00")
    assert app.focus_get() is billing.search.entry._entry


def test_hold_and_resume(counter, gui_db):
    app, billing, codes, admin = counter
    kb = Keyboard(app)
    kb.scan(codes[0])
    kb.scan(codes[2])
    kb.scan(codes[2])
    settle(app)
    kb.press("F8")
    settle(app)
    assert billing.cart.lines == []
    assert len(held_service.list_held(gui_db, admin)) == 1
    kb.scan(codes[3])                # another customer is served meanwhile
    settle(app)
    kb.press("F12")
    kb.press("Return")
    settle(app)
    kb.press("F5")
    settle(app)
    assert billing.overlay is not None
    kb.press("Return")
    settle(app)
    assert [(ln.product.sku, ln.qty) for ln in billing.cart.lines] == [("SKU0", 1), ("SKU2", 2)]
    assert held_service.list_held(gui_db, admin) == []
    kb.press("F12")
    kb.press("Return")
    settle(app)
    assert len(invoices(gui_db, admin)) == 2


def test_reprint_last_makes_a_duplicate(counter, gui_db):
    app, billing, codes, admin = counter
    kb = Keyboard(app)
    kb.scan(codes[0])
    settle(app)
    kb.press("F12")
    kb.press("Return")
    settle(app)
    kb.press("F7")
    settle(app)
    assert len(app.ctx.opened) == 2 and Path(app.ctx.opened[-1]).exists()


def test_unknown_code_is_refused_in_plain_words(counter):
    app, billing, _codes, _admin = counter
    kb = Keyboard(app)
    kb.scan("NO-SUCH-CODE")
    settle(app)
    assert billing.cart.lines == []
    assert "No product matches" in app.shell.messages.text


def test_a_return_from_the_invoices_screen_issues_a_credit_note_and_restocks(counter, gui_db):
    from billbook.services.goods import catalog
    from billbook.services.selling import returns
    app, billing, codes, admin = counter
    kb = Keyboard(app)
    kb.scan(codes[2])
    kb.scan(codes[2])
    settle(app)
    kb.press("F12")
    kb.press("Return")
    settle(app)
    number = invoices(gui_db, admin)[0].number
    stock_before = catalog.get_product(gui_db, admin, "SKU2").stock_qty
    app.logout()
    settle(app)
    log_in(app, "owner")                      # returns are an admin's job unless the shop allows cashiers
    shell = app.shell
    shell.screens["billing"].last_invoice = sales.get_invoice(gui_db, admin, number)
    kb = Keyboard(app)
    kb.press("F6")
    settle(app)
    inv = shell.screens["invoices"]
    assert shell.current == "invoices" and inv.overlay is not None
    kb.type("1")
    kb.press("Return")
    settle(app)
    notes = returns.credit_notes_for(gui_db, admin, number)
    assert len(notes) == 1 and notes[0].lines[0].qty == 1
    assert catalog.get_product(gui_db, admin, "SKU2").stock_qty == stock_before + 1
    assert app.ctx.opened and Path(app.ctx.opened[-1]).exists()
