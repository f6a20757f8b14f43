"""The counter with real (fake) devices: after a cash sale the receipt reaches the network
printer with the drawer pulse, F7 reprints a DUPLICATE on it, an offline printer leaves the sale
saved and says so, and the scan box takes weighing-scale codes (a misread is refused)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billbook.devices.emulator import FakeNetworkPrinter, decode, free_port
from billbook.domain.barcode import ScaleLayout
from billbook.services.people import shop as shop_service
from billbook.services.selling import checkout as sales
from billbook.services.selling import printing, scanning
from tests import builders
from tests.gui.counter_support import (  # noqa: F401
    Keyboard, add_product, close_app, ean13, gui_db, log_in, make_app, settle,
)

pytestmark = pytest.mark.gui


@pytest.fixture
def printer():
    with FakeNetworkPrinter() as p:
        yield p


@pytest.fixture
def counter(gui_db, printer, monkeypatch):
    monkeypatch.setenv("BILLBOOK_TERMINAL", "COUNTER-7")
    admin = builders.make_user(gui_db, "owner", "admin")
    builders.make_user(gui_db, "asha", "cashier")
    shop_service.update_shop(gui_db, admin, name="Device Mart", state_code="27", print_format="receipt")
    add_product(gui_db, admin, "SOAP", "45.00", barcode=ean13("890100000001"), name="Sandal Soap")
    add_product(gui_db, admin, "00123", "240.00", name="Paneer", unit="kg", gst="5", stock="50")
    scanning.set_scale_layout(gui_db, admin, "21", 5, "weight")
    printing.set_printer(gui_db, admin, "receipt", uri=printer.uri, width=58, drawer=True, terminal="COUNTER-7")
    app = make_app(gui_db)
    log_in(app, "asha")
    yield app, app.shell.screens["billing"], admin
    close_app(app)


def test_cash_sale_prints_the_receipt_with_a_drawer_pulse_and_f7_a_duplicate(counter, printer, gui_db):
    app, billing, admin = counter
    kb = Keyboard(app)
    kb.scan(ean13("890100000001"))
    kb.scan(ScaleLayout(["21"], 5, "weight").encode(123, 1250))      # 1.250 kg of paneer from the scale
    settle(app)
    assert [(ln.product.sku, ln.qty) for ln in billing.cart.lines] == [("SOAP", 1), ("00123", Decimal("1.250"))]
    kb.press("F12")
    kb.press("Return")
    settle(app)
    [inv] = sales.list_invoices(gui_db, admin)
    got = decode(printer.wait_for_jobs(1)[0])
    assert got.pulses == [2] and got.cuts == 1
    assert any(t.endswith(inv.number) for t in got.text)
    assert "1. Sandal Soap" in got.text and "2. Paneer" in got.text
    assert any("1.25 kg x 240.00" in t for t in got.text)
    assert app.ctx.opened == []                                  # printed, so no PDF viewer
    kb.press("F7")
    settle(app)
    again = decode(printer.wait_for_jobs(2)[1])
    assert "DUPLICATE" in [t.strip() for t in again.text] and again.pulses == []
    assert sales.get_invoice(gui_db, admin, inv.number).number == inv.number


def test_offline_printer_keeps_the_sale_and_says_so(counter, gui_db):
    app, billing, admin = counter
    printing.set_printer(gui_db, admin, "receipt", uri=f"tcp://127.0.0.1:{free_port()}", terminal="COUNTER-7")
    kb = Keyboard(app)
    kb.scan(ean13("890100000001"))
    settle(app)
    kb.press("F12")
    kb.press("Return")
    settle(app)
    [inv] = sales.list_invoices(gui_db, admin)
    assert billing.cart.lines == []                              # the next customer can start
    [job] = printing.list_jobs(gui_db, admin)
    assert job.document == inv.number and job.reason == "offline"
    shown = app.shell.messages.text + " " + str(getattr(getattr(billing, "print_status", None), "cget",
                                                         lambda _k: "")("text"))
    assert "did not print" in shown and "Retry from Invoices" in shown


def test_a_misread_scale_code_is_refused(counter):
    app, billing, _admin = counter
    code = ScaleLayout(["21"], 5, "weight").encode(123, 500)
    kb = Keyboard(app)
    kb.scan(code[:12] + str((int(code[12]) + 1) % 10))
    settle(app)
    assert billing.cart.lines == []
    assert "check digit" in app.shell.messages.text
