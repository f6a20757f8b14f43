"""Held sales: park, list, resume (once), discard; no stock reserved."""

import pytest

from billbook.services.goods import catalog
from billbook.services.selling import held
from billbook.services.selling import checkout as sales
from billbook.errors import NotFound, ValidationError
from billbook.services.selling.checkout import SaleRequest
from tests.builders import make_user, snapshot


@pytest.fixture
def shelf(db, admin):
    catalog.add_product(db, admin, sku="SOAP", name="Soap", price="45", gst_rate="18", stock="2")
    return db


def test_park_list_resume_checkout(shelf, cashier):
    h = held.hold_sale(shelf, cashier, "Ravi - back in 5", [("SOAP", "2", "5%")], customer_phone="+919876543210",
                       customer_name="Ravi", bill_discount="10")
    assert [c.label for c in held.list_held(shelf, cashier)] == ["Ravi - back in 5"]
    # nothing reserved: someone else can buy the stock meanwhile, the other terminal sees the cart
    other = make_user(shelf, "meena", "cashier", terminal="T2")
    assert held.list_held(shelf, other)[0].terminal == "T1"
    cart = held.resume_held(shelf, other, h.id)
    assert held.list_held(shelf, cashier) == []
    assert cart.customer_phone == "9876543210" and cart.bill_discount == "10.00"
    inv = sales.checkout(shelf, other, SaleRequest("h-1", cart.items, [("cash", None)],
                                                   customer_phone=cart.customer_phone,
                                                   customer_name=cart.customer_name, bill_discount=cart.bill_discount))
    assert inv.lines[0].qty == 2 and inv.discount_total > 0
    with pytest.raises(NotFound):
        held.resume_held(shelf, cashier, h.id)


def test_discard(shelf, cashier):
    h = held.hold_sale(shelf, cashier, "", [("SOAP", "1")])
    assert h.label.startswith("Cart ")
    held.discard_held(shelf, cashier, h.id)
    assert held.list_held(shelf, cashier) == []
    with pytest.raises(NotFound):
        held.discard_held(shelf, cashier, h.id)


@pytest.mark.parametrize("kw", [
    dict(items=[]), dict(items=[("SOAP", "0")]), dict(items=[("SOAP", "1")], customer_phone="123"),
    dict(items=[("SOAP", "1")], label="x" * 81), dict(items=[("SOAP", "1")], bill_discount="150%"),
])
def test_bad_hold_changes_nothing(shelf, cashier, kw):
    kw = dict(kw)
    before = snapshot(shelf)
    with pytest.raises(ValidationError):
        held.hold_sale(shelf, cashier, kw.pop("label", "x"), **kw)
    assert snapshot(shelf) == before
