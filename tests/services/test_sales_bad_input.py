"""Bad input at checkout: a clear error naming the problem, and the database byte-for-byte unchanged."""

import pytest

from billbook.services.goods import catalog
from billbook.services.people import customers
from billbook.services.selling import checkout as sales
from billbook.services.people import shop
from billbook.errors import OutOfStock, ValidationError
from billbook.services.selling.checkout import PaymentRequest, SaleRequest
from tests.builders import snapshot


@pytest.fixture
def stocked(db, admin, cashier):
    catalog.add_product(db, admin, sku="RICE5", name="Rice 5 kg", price="350", gst_rate="5", stock="10")
    catalog.add_product(db, admin, sku="SOAP", name="Soap 100 g", price="45", gst_rate="18", stock="10")
    catalog.add_product(db, admin, sku="DAL", name="Toor dal", price="120", gst_rate="0", stock="20", unit="kg")
    customers.add_customer(db, cashier, "9876543210", "Ravi")
    # Ravi earns 7 credits on a first sale
    sales.checkout(db, cashier, SaleRequest("seed", [("RICE5", "2"), ("SOAP", "1")], [("cash", None)],
                                            customer_phone="9876543210"))
    return db


CASES = {
    "zero quantity": (dict(items=[("SOAP", "0")]), "quantity", "more than zero"),
    "negative quantity": (dict(items=[("SOAP", "-1")]), "quantity", "negative"),
    "junk quantity": (dict(items=[("SOAP", "two")]), "quantity", "not a number"),
    "half a soap": (dict(items=[("SOAP", "0.5")]), "quantity", "whole"),
    "too many decimals": (dict(items=[("DAL", "1.0005")]), "quantity", "3 decimal"),
    "absurd quantity": (dict(items=[("DAL", "10000000000000")]), "quantity", "too large"),
    "exponent quantity": (dict(items=[("DAL", "1e13")]), "quantity", "not a number"),   # issue 20
    "absurd line value": (dict(items=[("RICE5", "999999999")]), "quantity", "too large"),
    "unknown SKU": (dict(items=[("NOPE", "1")]), "item", "NOPE"),
    "empty cart": (dict(items=[]), "items", "empty"),
    "payments short": (dict(payments=[("cash", "10")]), "payment", "short"),
    "over-paid by card": (dict(payments=[("card", "1000")]), "payment", "add up"),
    "absurd payment": (dict(payments=[("cash", "99999999999999")]), "payment", "too large"),
    "negative payment": (dict(payments=[("upi", "-45")]), "payment", "negative"),
    "unknown mode": (dict(payments=[("cheque", None)]), "payment", "unknown payment mode"),
    "credits beyond balance": (dict(items=[("RICE5", "1")], payments=[("credits", "300"), ("cash", None)],
                                    customer_phone="9876543210"), "payment", "credits"),
    "credits without customer": (dict(payments=[("credits", "5"), ("cash", None)]), "payment", "phone"),
    "account without customer": (dict(payments=[("account", None)]), "payment", "phone"),
    "malformed phone": (dict(customer_phone="12345", customer_name="X"), "phone", "Indian mobile"),
    "new customer without name": (dict(customer_phone="9123456789"), "name", "required"),
    "line discount beyond line": (dict(items=[("SOAP", "1", "50")]), "discount", "more than the line"),
    "percent above 100": (dict(items=[("SOAP", "1", "120%")]), "discount", "between 0 and 100"),
    "bill discount beyond bill": (dict(bill_discount="1000"), "discount", "more than the bill"),
    "bad state code": (dict(customer_state_code="99"), "state_code", "state code"),
    "bad sale id": (dict(sale_id="has space"), "sale_id", "without spaces"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_is_refused_and_nothing_changes(stocked, cashier, case):
    changes, field, words = CASES[case]
    req = dict(sale_id="bad-1", items=[("SOAP", "1")], payments=[("cash", None)])
    req.update(changes)
    before = snapshot(stocked)
    with pytest.raises(ValidationError) as err:
        sales.checkout(stocked, cashier, SaleRequest(**req))
    assert err.value.field == field, str(err.value)
    assert words.lower() in str(err.value).lower()
    assert snapshot(stocked) == before


def test_out_of_stock_second_line_leaves_nothing(stocked, cashier):
    before = snapshot(stocked)
    with pytest.raises(OutOfStock, match="Toor dal"):
        sales.checkout(stocked, cashier, SaleRequest("oos", [("SOAP", "2"), ("DAL", "20.5")], [("cash", None)]))
    assert snapshot(stocked) == before


def test_inactive_product_refused(stocked, admin, cashier):
    with stocked.transaction() as s:
        from sqlalchemy import update
        from billbook.db.models import Product
        s.execute(update(Product).where(Product.sku == "SOAP").values(active=False))
    before = snapshot(stocked)
    with pytest.raises(ValidationError, match="no longer sold"):
        sales.checkout(stocked, cashier, SaleRequest("inactive", [("SOAP", "1")], [("cash", None)]))
    assert snapshot(stocked) == before


def test_credits_switched_off_refused(stocked, admin, cashier):
    shop.update_shop(stocked, admin, credit_value="0")
    before = snapshot(stocked)
    with pytest.raises(ValidationError, match="switched off"):
        sales.checkout(stocked, cashier, SaleRequest("c0", [("SOAP", "1")], [PaymentRequest("credits", "5"),
                                                                               PaymentRequest("cash")],
                                                     customer_phone="9876543210"))
    assert snapshot(stocked) == before
