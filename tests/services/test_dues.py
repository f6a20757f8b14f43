"""Dues: sales on account, payments settling the oldest invoice first, statement."""

from decimal import Decimal as Dec

import pytest

from billbook import clock
from billbook.services.goods import catalog
from billbook.services.people import customers
from billbook.services.selling import dues
from billbook.services.selling import checkout as sales
from billbook.errors import Conflict, NotFound, ValidationError
from billbook.services.selling.checkout import SaleRequest
from tests.builders import snapshot

PHONE = "9876543210"


@pytest.fixture
def owing(db, admin, cashier):
    import datetime as dt
    catalog.add_product(db, admin, sku="SOAP", name="Soap", price="100", gst_rate="0", stock="100")
    first = sales.checkout(db, cashier, SaleRequest("d-1", [("SOAP", "3")], [("account", None)],
                                                    customer_phone=PHONE, customer_name="Ravi"))
    clock.advance(dt.timedelta(minutes=5))
    second = sales.checkout(db, cashier, SaleRequest("d-2", [("SOAP", "2")], [("cash", "50"), ("account", None)],
                                                     customer_phone=PHONE))
    return first, second


def test_account_sale_adds_dues_and_no_loyalty(db, cashier, owing):
    first, second = owing
    assert (first.due, second.due) == (Dec("300.00"), Dec("150.00"))
    assert first.credits_earned == 0 and second.credits_earned == 0   # 50 paid: below ₹100 a credit
    c = customers.get_customer(db, cashier, PHONE)
    assert c.dues == Dec("450.00") and first.dues_after == Dec("300.00") and second.dues_after == Dec("450.00")


def test_payment_settles_oldest_first(db, cashier, owing):
    first, second = owing
    r = dues.pay_dues(db, cashier, PHONE, "350", mode="upi", reference="UTR1")
    assert [(a.invoice_number, a.amount) for a in r.allocations] == [(first.number, Dec("300.00")),
                                                                      (second.number, Dec("50.00"))]
    assert (r.dues_before, r.dues_after) == (Dec("450.00"), Dec("100.00"))
    st = dues.dues_statement(db, cashier, PHONE)
    assert st.balance == Dec("100.00")
    assert [(o.number, o.outstanding) for o in st.open_invoices] == [(second.number, Dec("100.00"))]
    assert [e.reason for e in st.entries] == ["sale", "sale", "payment"]
    assert st.entries[-1].balance_after == Dec("100.00")


@pytest.mark.parametrize("amount,mode,field", [
    ("500", "cash", "amount"), ("0", "cash", "amount"), ("-5", "cash", "amount"), ("abc", "cash", "amount"),
    ("10", "account", "mode"), ("10", "credits", "mode"),
])
def test_bad_dues_payment_changes_nothing(db, cashier, owing, amount, mode, field):
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        dues.pay_dues(db, cashier, PHONE, amount, mode=mode)
    assert err.value.field == field
    assert snapshot(db) == before


def test_unknown_or_malformed_customer(db, cashier, owing):
    with pytest.raises(NotFound):
        dues.pay_dues(db, cashier, "9123456789", "10")
    with pytest.raises(ValidationError):
        dues.dues_statement(db, cashier, "12")


def test_the_same_request_id_takes_the_payment_once(db, cashier, owing):
    first = dues.pay_dues(db, cashier, PHONE, "350", mode="upi", reference="UTR1", request_id="pay-1")
    before = snapshot(db)
    again = dues.pay_dues(db, cashier, PHONE, "350", mode="upi", reference="UTR1", request_id="pay-1")
    assert again.replayed and not first.replayed
    assert (again.payment_id, again.amount, again.dues_before, again.dues_after, again.allocations) == \
        (first.payment_id, first.amount, first.dues_before, first.dues_after, first.allocations)
    assert snapshot(db) == before
    # even a resubmit that would now be refused (only 100 owed) answers with the first payment
    assert dues.pay_dues(db, cashier, PHONE, "350", mode="upi", reference="UTR1",
                         request_id="pay-1").payment_id == first.payment_id
    # the same request id with other content is a client bug: refused, nothing written (issue 20)
    with pytest.raises(Conflict, match="already used for a different dues payment"):
        dues.pay_dues(db, cashier, PHONE, "350", request_id="pay-1")
    assert snapshot(db) == before
    assert customers.get_customer(db, cashier, PHONE).dues == Dec("100.00")
    # a new request id is a new payment
    second = dues.pay_dues(db, cashier, PHONE, "40", request_id="pay-2")
    assert second.payment_id != first.payment_id and second.dues_after == Dec("60.00")


def test_the_same_request_id_from_four_terminals_at_once_pays_once(db, cashier, owing):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    gate = Barrier(4)

    def terminal(_n):
        gate.wait()
        return dues.pay_dues(db, cashier, PHONE, "200", request_id="race-1")
    with ThreadPoolExecutor(4) as pool:
        receipts = list(pool.map(terminal, range(4)))
    assert len({r.payment_id for r in receipts}) == 1
    assert sum(not r.replayed for r in receipts) == 1
    assert customers.get_customer(db, cashier, PHONE).dues == Dec("250.00")
    assert [e.reason for e in dues.dues_statement(db, cashier, PHONE).entries] == ["sale", "sale", "payment"]


@pytest.mark.parametrize("request_id", ["", "has space", "x" * 65, 17])
def test_a_malformed_request_id_is_refused_and_changes_nothing(db, cashier, owing, request_id):
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        dues.pay_dues(db, cashier, PHONE, "10", request_id=request_id)
    assert err.value.field == "request_id"
    assert snapshot(db) == before
