"""The counter's cart model, driven without a display (issue 19 point 4)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal

import pytest

from billbook.domain.cart import CartError
from billbook.domain.counter import (
    CounterCart, PaymentPart, check_discount, discount_over_limit, payment_status,
)

D = Decimal


@dataclass
class P:
    id: int
    sku: str
    name: str = "x"
    price: Decimal = D("10")
    active: bool = True


SOAP, RICE = P(1, "SOAP"), P(2, "RICE")


def test_the_model_imports_no_tk():
    code = "import sys, billbook.domain.counter; print('tkinter' in sys.modules or 'customtkinter' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_adding_again_adds_to_the_line_and_minus_to_zero_removes_it():
    cart = CounterCart()
    cart.add(SOAP)
    cart.add(SOAP, "2")
    cart.add(RICE)
    assert [(ln.product.sku, ln.qty) for ln in cart.lines] == [("SOAP", 3), ("RICE", 1)]
    cart.change_qty(RICE.id, -1)
    assert [ln.product.sku for ln in cart.lines] == ["SOAP"]
    assert cart.items() == [(1, D("3"), None)] and cart.qty_total == 3


def test_refusals_change_nothing():
    cart = CounterCart()
    cart.add(SOAP)
    before = (cart.version, [(ln.qty, ln.discount) for ln in cart.lines])
    for bad in (lambda: cart.add(P(3, "OLD", active=False)), lambda: cart.add(SOAP, "0"),
                lambda: cart.add(SOAP, "abc"), lambda: cart.set_line(SOAP.id, "2", "-5"),
                lambda: cart.set_line(SOAP.id, "-1", ""), lambda: cart.set_bill_discount("120%"),
                lambda: cart.set_bill_discount("−5"), lambda: cart.add_payment("cash", "0"),
                lambda: cart.add_payment("cheque", "10")):
        with pytest.raises(CartError):
            bad()
    assert (cart.version, [(ln.qty, ln.discount) for ln in cart.lines]) == before


def test_negative_discounts_are_refused_not_taken_as_positive():
    with pytest.raises(CartError, match="cannot be negative"):
        check_discount("-5")
    assert check_discount("5") == "5.00" and check_discount(" 10% ") == "10%" and check_discount("") == ""


def test_undo_goes_back_one_change_at_a_time_and_restore_rolls_back_a_refused_one():
    cart = CounterCart()
    cart.add(SOAP)
    cart.add(RICE)
    cart.set_line(SOAP.id, "4", "10%")
    cart.set_customer("9876543210", "Ravi")
    cart.set_bill_discount("20")
    assert cart.undo() and cart.bill_discount == ""
    assert cart.undo() and cart.customer_phone == ""
    assert cart.undo() and (cart.lines[0].qty, cart.lines[0].discount) == (1, "")
    snap = cart.remove(RICE.id)
    cart.restore(snap)                       # the service refused it
    assert [ln.product.sku for ln in cart.lines] == ["SOAP", "RICE"]
    assert cart.undo() and cart.undo() and cart.lines == [] and not cart.undo()


def test_the_sale_id_stays_until_the_cart_is_cleared_and_travels_with_a_loaded_cart():
    cart = CounterCart()
    first = cart.sale_id
    cart.add(SOAP)
    cart.set_bill_discount("5")
    assert cart.sale_id == first
    cart.clear()
    assert cart.sale_id != first and cart.empty and not cart.can_undo
    cart.load([(SOAP, D("2"), "5%")], sale_id="recovered-1", customer_phone="9876543210")
    assert cart.sale_id == "recovered-1" and cart.items() == [(1, D("2"), "5%")]


def test_payment_parts_and_what_is_left():
    cart = CounterCart()
    cart.add(SOAP)
    cart.add_payment("upi", "150")
    assert cart.payments == [PaymentPart("upi", D("150.00"))] and cart.remaining(D("400")) == D("250.00")
    assert cart.undo() and cart.payments == []


def test_payment_status_is_recomputed_from_what_is_typed():
    parts = [PaymentPart("upi", D("100"))]
    s = payment_status(D("751"), parts, "cash", "", "1000")
    assert (s.left, s.amount, s.change, s.warning) == (D("651"), D("651"), D("349"), "")
    s = payment_status(D("751"), parts, "cash", "651", "600")
    assert s.short == D("51") and "short by 51" in s.warning
    assert payment_status(D("751"), [], "account", "", has_customer=False).warning.startswith("On account needs")
    assert payment_status(D("751"), [], "account", "", has_customer=True).warning == ""
    assert "not an amount" in payment_status(D("751"), [], "cash", "12x").warning


def test_discount_over_limit():
    assert not discount_over_limit(None, D("1000"), D("900"))
    assert not discount_over_limit(D("10"), D("1000"), D("100"))
    assert discount_over_limit(D("10"), D("1000"), D("100.01"))
