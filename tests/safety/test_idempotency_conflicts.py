"""Idempotency conflicts (issue 20, point 5), on SQLite and MariaDB.

A client-made id (sale id, return request id, dues request id) sent again with the SAME
content returns the first document and writes nothing; with DIFFERENT content it is refused
with a clear message (exit 1 on the command line) and writes nothing.
"""

from __future__ import annotations

import json

import pytest

from billbook.errors import Conflict
from billbook.services.goods import catalog
from billbook.services.people import customers
from billbook.services.selling import checkout as sales
from billbook.services.selling import dues, returns
from billbook.services.selling.checkout import PaymentRequest, SaleItem, SaleRequest
from tests.builders import run_cli, snapshot

PW = "s3cret-pass"


@pytest.fixture
def shop(db, admin):
    catalog.add_product(db, admin, sku="SOAP", name="Soap", price="10", gst_rate="18", stock="50")
    catalog.add_product(db, admin, sku="DAL", name="Dal", price="120", gst_rate="5", stock="50", unit="kg")
    customers.add_customer(db, admin, "9876543210", "Ravi")
    return admin


def _sale(sale_id: str, qty: str = "2", pay: str = "cash", phone: str | None = None) -> SaleRequest:
    return SaleRequest(sale_id=sale_id, items=[SaleItem("SOAP", qty), SaleItem("DAL", "0.5")],
                       payments=[PaymentRequest(pay)], customer_phone=phone)


def test_a_sale_id_with_another_cart_is_refused_and_writes_nothing(db, shop):
    first = sales.checkout(db, shop, _sale("s-1"))
    again = sales.checkout(db, shop, _sale("s-1"))
    assert again.replayed and again.number == first.number
    before = snapshot(db)
    for changed in (_sale("s-1", qty="3"), _sale("s-1", pay="upi"), _sale("s-1", phone="9876543210"),
                    SaleRequest(sale_id="s-1", items=[SaleItem("SOAP", "2")], payments=[PaymentRequest("cash")])):
        with pytest.raises(Conflict, match=f"already used for a different sale \\(invoice {first.number}\\)"):
            sales.checkout(db, shop, changed)
        assert snapshot(db) == before
    assert sales.checkout(db, shop, _sale("s-1")).number == first.number     # still answers the same request


def test_a_sale_id_refused_for_stock_still_says_conflict_not_out_of_stock(db, shop):
    sales.checkout(db, shop, SaleRequest(sale_id="s-9", items=[SaleItem("SOAP", "50")],
                                         payments=[PaymentRequest("cash")]))
    before = snapshot(db)
    with pytest.raises(Conflict, match="different sale"):
        sales.checkout(db, shop, SaleRequest(sale_id="s-9", items=[SaleItem("SOAP", "49")],
                                             payments=[PaymentRequest("cash")]))
    assert snapshot(db) == before


def test_a_return_request_id_with_other_items_is_refused(db, shop):
    inv = sales.checkout(db, shop, _sale("s-2", qty="5"))
    cn = returns.create_return(db, shop, inv.number, [("SOAP", "1")], request_id="r-1")
    again = returns.create_return(db, shop, inv.number, [("soap", "1")], request_id="r-1")
    assert again.replayed and again.number == cn.number
    before = snapshot(db)
    for items, mode in (([("SOAP", "2")], "cash"), ([("DAL", "0.5")], "cash"), ([("SOAP", "1")], "original")):
        with pytest.raises(Conflict, match=f"already used for a different return \\(credit note {cn.number}\\)"):
            returns.create_return(db, shop, inv.number, items, refund_mode=mode, request_id="r-1")
        assert snapshot(db) == before


def test_a_dues_request_id_with_another_amount_is_refused(db, shop):
    sales.checkout(db, shop, SaleRequest(sale_id="s-3", items=[SaleItem("SOAP", "10")],
                                         payments=[PaymentRequest("account")], customer_phone="9876543210"))
    first = dues.pay_dues(db, shop, "9876543210", "50", request_id="d-1")
    again = dues.pay_dues(db, shop, "9876543210", "50.00", request_id="d-1")
    assert again.replayed and again.payment_id == first.payment_id
    before = snapshot(db)
    for amount, mode in (("40", "cash"), ("50", "upi")):
        with pytest.raises(Conflict, match="already used for a different dues payment"):
            dues.pay_dues(db, shop, "9876543210", amount, mode, request_id="d-1")
        assert snapshot(db) == before


def test_the_command_line_exits_1_with_one_plain_line(db_url, monkeypatch, capsys):
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    assert run_cli(capsys, "--db", db_url, "init", "--admin", "owner")[0] == 0
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    cli = lambda *a: run_cli(capsys, "--db", db_url, *a)  # noqa: E731
    assert cli("product", "add", "--sku", "SOAP", "--name", "Soap", "--price", "10", "--gst-rate", "18",
               "--stock", "9")[0] == 0
    code, out, err = cli("--json", "sale", "--sale-id", "cli-1", "--item", "SOAP=1")
    assert code == 0, err
    number = json.loads(out)["number"]
    code, out, err = cli("--json", "sale", "--sale-id", "cli-1", "--item", "SOAP=1")
    assert code == 0 and json.loads(out)["number"] == number and json.loads(out)["replayed"] is True
    code, out, err = cli("sale", "--sale-id", "cli-1", "--item", "SOAP=2")
    assert code == 1 and err.startswith("error:") and "different sale" in err and len(err.strip().splitlines()) == 1
    code, out, err = cli("--json", "stock", "show", "SOAP")
    assert code == 0 and json.loads(out)["product"]["stock"] == "8"
