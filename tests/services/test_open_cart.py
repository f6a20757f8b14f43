"""A terminal's cart in progress: saved as it changes, offered back, never billed twice."""

import pytest

from billbook.errors import NotFound, ValidationError
from billbook.services.goods import catalog
from billbook.services.insight import audit as audit_service
from billbook.services.selling import checkout as sales
from billbook.services.selling import held
from billbook.services.selling.checkout import SaleRequest
from tests.builders import make_user


@pytest.fixture
def shelf(db, admin):
    for sku in ("SOAP", "RICE", "OIL"):
        catalog.add_product(db, admin, sku=sku, name=sku.title(), price="45", gst_rate="18", stock="50")
    return db


def test_one_open_cart_per_terminal_replaced_on_each_save_and_not_listed_as_held(shelf, cashier):
    assert held.open_cart(shelf, cashier) is None
    held.save_open_cart(shelf, cashier, [("SOAP", "1")], sale_id="s-1")
    held.save_open_cart(shelf, cashier, [("SOAP", "2"), ("RICE", "1", "5%")], sale_id="s-1",
                        customer_phone="9876543210", customer_name="Ravi", bill_discount="10")
    cart = held.open_cart(shelf, cashier)
    assert cart.in_progress and cart.sale_id == "s-1" and cart.terminal == "T1"
    assert [(i.product, str(i.qty), i.discount) for i in cart.items] == [("SOAP", "2", None), ("RICE", "1", "5%")]
    assert (cart.customer_phone, cart.customer_name, cart.bill_discount) == ("9876543210", "Ravi", "10.00")
    assert held.list_held(shelf, cashier) == []
    # another terminal has its own (none)
    other = make_user(shelf, "meena", "cashier", terminal="T2")
    assert held.open_cart(shelf, other) is None
    # an empty cart forgets it
    held.save_open_cart(shelf, cashier, [], sale_id="s-1")
    assert held.open_cart(shelf, cashier) is None


def test_holding_the_open_cart_keeps_its_sale_id_and_drops_the_open_row_in_one_go(shelf, cashier):
    held.save_open_cart(shelf, cashier, [("SOAP", "1")], sale_id="s-2")
    h = held.hold_sale(shelf, cashier, "Ravi", [("SOAP", "1")], sale_id="s-2")
    assert held.open_cart(shelf, cashier) is None
    assert [c.sale_id for c in held.list_held(shelf, cashier)] == ["s-2"]
    assert held.resume_held(shelf, cashier, h.id).sale_id == "s-2"


def test_a_recovered_cart_that_was_already_billed_is_not_billed_again(shelf, cashier, admin):
    held.save_open_cart(shelf, cashier, [("SOAP", "1"), ("OIL", "2")], sale_id="s-3")
    first = sales.checkout(shelf, cashier, SaleRequest("s-3", [("SOAP", "1"), ("OIL", "2")], [("cash", None)]))
    # the app died before it cleared the open cart: the next start offers it back
    cart = held.open_cart(shelf, cashier)
    recovered = held.recover_open_cart(shelf, cashier, cart.id)
    again = sales.checkout(shelf, cashier, SaleRequest(recovered.sale_id, recovered.items, [("cash", None)]))
    assert again.number == first.number and again.replayed
    assert len(sales.list_invoices(shelf, admin)) == 1
    assert held.clear_open_cart(shelf, cashier, sale_id="s-3") == 1
    assert held.open_cart(shelf, cashier) is None
    rows = audit_service.search_audit(shelf, admin, action="held.recover").rows
    assert [(r.username, r.details["sale_id"]) for r in rows] == [("asha", "s-3")]


def test_clearing_another_sale_id_leaves_the_open_cart(shelf, cashier):
    held.save_open_cart(shelf, cashier, [("SOAP", "1")], sale_id="s-4")
    assert held.clear_open_cart(shelf, cashier, sale_id="s-5") == 0
    assert held.open_cart(shelf, cashier).sale_id == "s-4"


def test_open_cart_needs_a_sale_id_and_real_products(shelf, cashier):
    with pytest.raises(ValidationError):
        held.save_open_cart(shelf, cashier, [("SOAP", "1")], sale_id="")
    with pytest.raises(ValidationError):
        held.save_open_cart(shelf, cashier, [("SOAP", "-1")], sale_id="s-6")
    with pytest.raises(NotFound):
        held.recover_open_cart(shelf, cashier, 999)
