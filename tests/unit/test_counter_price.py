"""The counter's cart model: a line sold at a price other than the catalog's (issue 16 point 4)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from billbook.domain.cart import CartError
from billbook.domain.counter import CounterCart, check_price

D = Decimal


@dataclass
class P:
    id: int
    sku: str
    name: str = "x"
    price: Decimal = D("50.00")
    active: bool = True


SOAP, RICE = P(1, "SOAP"), P(2, "RICE", price=D("350.00"))


def test_a_line_is_sold_at_the_new_price_and_undo_takes_it_back():
    cart = CounterCart()
    cart.add(SOAP, "2")
    cart.add(RICE)
    cart.set_price(SOAP.id, "45.5")
    assert cart.line(SOAP.id).unit_price == D("45.50") and cart.line(RICE.id).unit_price == D("350.00")
    assert cart.sale_items() == [(1, D("2"), None, D("45.50")), (2, D("1"), None, None)]
    assert cart.overridden == [cart.line(SOAP.id)]
    cart.add(SOAP)                                  # adding again keeps the line's price
    assert cart.line(SOAP.id).price == D("45.50") and cart.line(SOAP.id).qty == 3
    assert cart.undo() and cart.undo()
    assert cart.line(SOAP.id).price is None and cart.overridden == []


def test_the_catalog_price_or_nothing_takes_the_override_back():
    cart = CounterCart()
    cart.add(SOAP)
    cart.set_price(SOAP.id, "40")
    cart.set_price(SOAP.id, "50.00")
    assert cart.line(SOAP.id).price is None
    cart.set_price(SOAP.id, "40")
    cart.set_price(SOAP.id, "")
    assert cart.line(SOAP.id).price is None


@pytest.mark.parametrize("text, message", [("0", "more than zero"), ("-4", "negative"), ("4.5678", "decimal"),
                                          ("abc", "")])
def test_a_bad_price_is_refused_and_the_line_is_unchanged(text, message):
    cart = CounterCart()
    cart.add(SOAP)
    cart.set_price(SOAP.id, "40")
    version = cart.version
    with pytest.raises(CartError) as err:
        cart.set_price(SOAP.id, text)
    assert err.value.field == "price" and message in err.value.message
    assert cart.line(SOAP.id).price == D("40.00") and cart.version == version


def test_a_refused_price_rolls_back_with_restore_and_a_gone_line_is_said():
    cart = CounterCart()
    cart.add(SOAP)
    snap = cart.set_price(SOAP.id, "60")
    cart.restore(snap)                              # the service refused it (e.g. above an MRP)
    assert cart.line(SOAP.id).price is None
    with pytest.raises(CartError, match="no longer in the cart"):
        cart.set_price(RICE.id, "10")


def test_a_held_or_recovered_cart_loads_with_its_prices():
    cart = CounterCart()
    cart.load([(SOAP, D("2"), "5%", "45.50"), (RICE, D("1"), "")], sale_id="held-1")
    assert cart.sale_items() == [(1, D("2"), "5%", D("45.50")), (2, D("1"), None, None)]
    copy = cart.copy()
    assert copy.line(SOAP.id).price == D("45.50")


def test_check_price_keeps_three_decimals_and_reads_nothing_as_none():
    assert check_price(" 12.345 ") == D("12.345") and check_price("12.3") == D("12.30")
    assert check_price(None) is None and check_price("  ") is None


def test_a_tax_inclusive_line_is_never_priced_above_its_mrp():
    oil = P(3, "OIL1", price=D("180.00"))
    oil.tax_inclusive = True                        # its price is the MRP printed on the pack
    cart = CounterCart()
    cart.add(oil)
    with pytest.raises(CartError) as err:
        cart.set_price(oil.id, "180.01")
    assert err.value.field == "price" and "not above the MRP ₹180.00" in err.value.message
    assert cart.line(oil.id).price is None
    cart.set_price(oil.id, "175")
    assert cart.line(oil.id).price == D("175.00")
