"""A price override at the counter through the real window (issue 16, point 4): F11 on the
selected line; a cashier first gives an admin's user name and password, then types the price;
the sale is saved at that price and the audit names both users. Esc at either step leaves the
line as it was; a wrong password is refused and asked again. Screenshots of a cart with an
overridden line at 1024×600 and 1366×768 go to ``test-artifacts/price-override/``."""

from __future__ import annotations

import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from billbook.services.insight import audit as audit_service
from billbook.services.selling import checkout as sales
from tests import builders
from tests.gui.counter_support import (  # noqa: F401
    Keyboard, add_product, close_app, ean13, gui_db, log_in, make_app, settle,
)

D = Decimal
SHOTS = Path(os.environ.get("BILLBOOK_TEST_ARTIFACTS", "test-artifacts")) / "price-override"


@pytest.fixture
def shop(gui_db):
    admin = builders.make_user(gui_db, "owner", "admin")
    builders.make_user(gui_db, "asha", "cashier")
    codes = []
    for i, (price, name) in enumerate((("100.00", "Basmati rice 1 kg premium long grain"), ("250.00", "Ghee 500 ml"))):
        code = ean13(f"890600000{i:03d}")
        add_product(gui_db, admin, f"P{i}", price, barcode=code, gst="18", name=name)
        codes.append(code)
    return gui_db, admin, codes


def _open(db, user: str, geometry: str = "1366x768+0+0"):
    app = make_app(db, geometry=geometry)
    log_in(app, user)
    return app, app.shell.screens["billing"]


def _approve(app, billing, kb: Keyboard, password: str) -> None:
    """Type the admin's name and password into the approval card, as a person would."""
    assert billing.approval is not None, "the approval card should be on screen"
    form = billing.approval.form
    assert app.focus_get() is form["approver"].input._entry      # focus starts in the name
    kb.type("owner")
    form["password"].input.focus_set()                            # (Tab's order is Tk's business)
    app.update()
    kb.type(password)
    kb.press("Return")
    settle(app)


def _sell_at(app, billing, kb: Keyboard, code: str, price: str) -> None:
    """Scan ``code``, press F11, let the admin approve, type ``price`` and Enter."""
    kb.scan(code)
    settle(app)
    kb.press("F11")
    settle(app)
    _approve(app, billing, kb, builders.DEFAULT_PASSWORD)
    kb.type(price)
    kb.press("Return")
    settle(app)


def _price_rows(db, admin) -> list:
    return audit_service.search_audit(db, admin, action="price.override").rows


def test_a_cashier_sells_a_line_at_an_admin_approved_price(shop):
    db, admin, codes = shop
    app, billing = _open(db, "asha")
    try:
        kb = Keyboard(app)
        kb.scan(codes[0])
        kb.scan(codes[0])
        kb.scan(codes[1])
        settle(app)
        billing.cart_table.select(str(billing.cart.lines[0].product.id))
        kb.press("F11")
        settle(app)
        assert billing.overlay is None                           # no price before the approval
        _approve(app, billing, kb, "wrong password 1")
        assert billing.approval is not None and billing.approval.form["password"].error_text
        assert billing.overlay is None
        billing.approval.form["approver"].set("")
        billing.approval.form["approver"].input.focus_set()
        _approve(app, billing, kb, builders.DEFAULT_PASSWORD)
        assert billing.approval is None and billing.overlay is not None   # now the price
        kb.type("85.5")
        kb.press("Return")
        settle(app)
        line = billing.cart.lines[0]
        assert line.price == D("85.50") and billing.cart.lines[1].price is None
        values = billing.cart_table.tree.item(str(line.product.id), "values")
        assert "85.50*" in values                                # the rate column marks it
        # the running totals are the sale's: 2 × 85.50 + 250 = 421 taxable, 18 % GST
        assert billing.preview.taxable_total == D("421.00") and billing.preview.grand_total == D("497.00")
        kb.press("F12")
        kb.press("Return")
        settle(app)
        [summary] = sales.list_invoices(db, admin)
        inv = sales.get_invoice(db, admin, summary.number)
        assert [(ln.sku, ln.unit_price, ln.taxable) for ln in inv.lines] == \
            [("P0", D("85.50"), D("171.00")), ("P1", D("250.00"), D("250.00"))]
        [row] = _price_rows(db, admin)
        assert (row.username, row.details["approver"], row.details["sku"], row.details["catalog_price"],
                row.details["price"], row.details["number"]) == ("asha", "owner", "P0", "100.00", "85.50", inv.number)
        refused = audit_service.search_audit(db, admin, action="approval.refused").rows
        assert [(r.username, r.details["approves"]) for r in refused] == [("asha", "price_override")]
        assert billing.cart.empty and billing._price_approval is None      # the next bill asks again
    finally:
        close_app(app)


def test_esc_at_the_approval_or_at_the_price_leaves_the_line_as_it_was_and_undo_takes_a_price_back(shop):
    db, admin, codes = shop
    app, billing = _open(db, "asha")
    try:
        kb = Keyboard(app)
        kb.scan(codes[1])
        settle(app)
        kb.press("F11")
        settle(app)
        assert billing.approval is not None
        kb.press("Escape")
        settle(app)
        assert billing.approval is None and billing.overlay is None and billing.cart.lines[0].price is None
        version = billing.cart.version
        kb.press("F11")
        settle(app)
        _approve(app, billing, kb, builders.DEFAULT_PASSWORD)
        kb.type("199")
        kb.press("Escape")
        settle(app)
        assert billing.overlay is None and billing.cart.lines[0].price is None
        assert billing.cart.version == version and billing.preview.grand_total == D("295.00")
        kb.press("F11")
        settle(app)
        _approve(app, billing, kb, builders.DEFAULT_PASSWORD)
        kb.type("0")
        kb.press("Return")                                       # refused at the field
        settle(app)
        assert billing.overlay is not None and billing.cart.lines[0].price is None
        app.focus_get().delete(0, "end")
        kb.type("199")
        kb.press("Return")
        settle(app)
        assert billing.cart.lines[0].price == D("199.00") and billing.preview.grand_total == D("235.00")
        (app.focus_get() or app).event_generate("<KeyPress>", keysym="z", state=4)      # Ctrl+Z
        settle(app)
        assert billing.cart.lines[0].price is None and billing.preview.grand_total == D("295.00")
        assert not _price_rows(db, admin)
    finally:
        close_app(app)


def test_a_held_cart_keeps_its_price_and_checkout_asks_the_admin_again(shop):
    db, admin, codes = shop
    app, billing = _open(db, "asha")
    try:
        kb = Keyboard(app)
        _sell_at(app, billing, kb, codes[1], "240")
        kb.press("F8")                                           # hold: the approval stays behind
        settle(app)
        assert billing.cart.empty
        kb.press("F5")
        settle(app)
        kb.press("Return")                                       # resume the held cart
        settle(app)
        assert billing.cart.lines[0].price == D("240.00") and billing._price_approval is None
        kb.press("F12")
        kb.press("Return")
        settle(app)
        assert billing.approval is not None and sales.list_invoices(db, admin) == []
        _approve(app, billing, kb, builders.DEFAULT_PASSWORD)
        [summary] = sales.list_invoices(db, admin)
        inv = sales.get_invoice(db, admin, summary.number)
        assert inv.lines[0].unit_price == D("240.00")
        assert [r.details["approver"] for r in _price_rows(db, admin)] == ["owner"]
    finally:
        close_app(app)


def test_an_approval_checkout_refuses_is_asked_again_and_the_cart_is_kept(shop):
    from dataclasses import replace
    db, admin, codes = shop
    app, billing = _open(db, "asha")
    try:
        kb = Keyboard(app)
        _sell_at(app, billing, kb, codes[0], "95")
        # as if it had gone stale (more than 15 minutes) or been used by another bill
        billing._price_approval = replace(billing._price_approval, token="0" * 32)
        kb.press("F12")
        kb.press("Return")
        settle(app)
        assert sales.list_invoices(db, admin) == [] and billing.cart.lines[0].price == D("95.00")
        assert "approv" in app.shell.messages.text and billing._price_approval is None
        kb.press("F10")
        settle(app)
        assert billing.approval is not None
        _approve(app, billing, kb, builders.DEFAULT_PASSWORD)
        [summary] = sales.list_invoices(db, admin)
        assert sales.get_invoice(db, admin, summary.number).lines[0].unit_price == D("95.00")
    finally:
        close_app(app)


def test_an_admin_changes_a_price_without_being_asked(shop):
    db, admin, codes = shop
    app, billing = _open(db, "owner")
    try:
        kb = Keyboard(app)
        kb.scan(codes[0])
        settle(app)
        kb.press("F11")
        settle(app)
        assert billing.approval is None and billing.overlay is not None
        kb.type("90")
        kb.press("Return")
        kb.press("F12")
        kb.press("Return")
        settle(app)
        [summary] = sales.list_invoices(db, admin)
        assert sales.get_invoice(db, admin, summary.number).lines[0].unit_price == D("90.00")
        assert [(r.username, r.details["approver"]) for r in _price_rows(db, admin)] == [("owner", "owner")]
    finally:
        close_app(app)


@pytest.mark.parametrize("size", ["1024x600", "1366x768"])
def test_screenshot_of_a_cart_with_an_overridden_line(shop, size):
    db, admin, codes = shop
    app, billing = _open(db, "asha", geometry=f"{size}+0+0")
    try:
        kb = Keyboard(app)
        kb.scan(codes[0])
        kb.scan(codes[1])
        settle(app)
        kb.press("F11")
        settle(app)
        _approve(app, billing, kb, builders.DEFAULT_PASSWORD)
        kb.type("229.99")
        settle(app)
        _shot(app, f"price-form-{size}", size)
        kb.press("Return")
        settle(app)
        line = billing.cart.lines[1]
        assert line.price == D("229.99")
        rate = billing.cart_table.tree.item(str(line.product.id), "values")[3]
        assert rate == "229.99*"
        # the rate column is on screen and wide enough for the mark
        assert "rate" in billing.cart_table.tree["displaycolumns"]
        _shot(app, f"cart-{size}", size)
        kb.press("F11")
        settle(app)
        _shot(app, f"approval-{size}", size)
    finally:
        close_app(app)


def _shot(app, name: str, size: str) -> None:
    if shutil.which("import") is None:
        return
    for _ in range(20):
        app.update()
    SHOTS.mkdir(parents=True, exist_ok=True)
    w, h = size.split("x")
    subprocess.run(["import", "-window", "root", "-crop", f"{w}x{h}+0+0", str(SHOTS / f"{name}.png")],
                   check=False, capture_output=True, timeout=30)
