"""The counter's GST choices (issue 17) on real widgets: the place-of-supply control in the
customer area, and the recipient form Rule 46(e) opens when a big walk-in sale is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billbook.services.people import shop
from billbook.services.selling import checkout as sales
from billbook.gui.widgets.supply import COUNTER, RecipientForm
from tests import builders
from tests.gui.counter_support import (  # noqa: F401
    Keyboard, add_product, close_app, ean13, gui_db, log_in, make_app, settle,
)


@pytest.fixture
def counter(gui_db):
    admin = builders.make_user(gui_db, "owner", "admin")
    builders.make_user(gui_db, "asha", "cashier")
    shop.update_shop(gui_db, admin, state_code="27", gstin="27AAPFU0939F1ZV")
    add_product(gui_db, admin, "SOAP", "45.00", barcode=ean13("890100000001"), gst="18", name="Soap")
    add_product(gui_db, admin, "TV", "60000.00", barcode=ean13("890100000002"), gst="18", name="Television")
    app = make_app(gui_db)
    log_in(app, "asha")
    billing = app.shell.screens["billing"]
    yield app, billing, admin
    close_app(app)


def test_shipped_to_another_state_bills_igst_and_taken_at_the_counter_does_not(counter, gui_db):
    app, billing, admin = counter
    kb = Keyboard(app)
    kb.scan(ean13("890100000001"))
    settle(app)
    assert billing.preview.place_of_supply == "27" and not billing.preview.inter_state
    billing.supply.choice.set("Ship to Karnataka")
    billing.supply._picked("Ship to Karnataka")                  # what choosing it in the menu calls
    settle(app)
    assert (billing.preview.place_of_supply, billing.preview.inter_state) == ("29", True)
    assert billing.supply.effect.cget("text") == "29 · IGST"
    assert billing.total_names["cgst"].cget("text") == "IGST"
    kb.press("F12")
    kb.press("Return")
    settle(app)
    inv = sales.list_invoices(gui_db, admin)[0]
    shipped = sales.get_invoice(gui_db, admin, inv.number)
    assert (shipped.place_of_supply, shipped.inter_state, shipped.igst) == ("29", True, Decimal("8.10"))
    # the next bill starts again from the default; "taken at the counter" keeps CGST + SGST
    assert billing.supply.value == "" and billing.supply.choice.get() == "Customer's state"
    kb.scan(ean13("890100000001"))
    settle(app)
    billing.supply.choice.set(COUNTER)
    billing.supply._picked(COUNTER)
    settle(app)
    assert (billing.preview.place_of_supply, billing.preview.inter_state) == ("27", False)


def test_a_big_walk_in_sale_opens_the_recipient_form_and_then_saves(counter, gui_db):
    app, billing, admin = counter
    kb = Keyboard(app)
    kb.scan(ean13("890100000002"))
    settle(app)
    kb.press("F12")
    kb.press("Return")
    settle(app)
    assert sales.list_invoices(gui_db, admin) == []                 # refused: Rule 46(e)
    form = billing.overlay
    assert isinstance(form, RecipientForm) and len(billing.cart.lines) == 1
    assert app.focus_get() is form.name._entry
    kb.type("Asha Rao")
    form.address.insert(0, "7 Park St, Nashik")
    form.save()                                                      # the state is still missing
    assert "state" in form.error.cget("text") and billing.overlay is form
    form.state.set("Maharashtra (27)")
    form.address.focus_set()
    kb.press("Return")                                               # saves and pays
    settle(app)
    found = sales.list_invoices(gui_db, admin)
    assert len(found) == 1
    inv = sales.get_invoice(gui_db, admin, found[0].number)
    assert (inv.customer.name, inv.customer.address, inv.customer.state_code) == (
        "Asha Rao", "7 Park St, Nashik", "27")
    assert billing.overlay is None and billing.cart.lines == []
