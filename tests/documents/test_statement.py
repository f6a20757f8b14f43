"""Customer statement PDF on a real database (SQLite and MariaDB): sales put on account on
different days, a dues payment, a return against dues and a loyalty adjustment, then the PDF
read back: every ledger figure, both balances, the open invoices oldest first."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from billbook import clock
from billbook.cli import main
from billbook.config import data_dir
from billbook.domain.money import format_money, format_number
from billbook.services.goods import catalog
from billbook.services.people import customers
from billbook.services.selling import documents
from billbook.services.selling import dues
from billbook.services.selling import returns
from billbook.services.selling import checkout as sales
from billbook.services.people import shop
from billbook.errors import NotFound, PermissionDenied, ValidationError
from billbook.services.selling.checkout import PaymentRequest, SaleRequest
from tests.builders import make_user, snapshot
from tests.documents.pdfread import cells, page_texts

PHONE = "9876543210"


@pytest.fixture
def ledger(db, admin, cashier):
    """Three sales on account over three days, a part payment, a return against dues, credits."""
    shop.update_shop(db, admin, name="Sharma Stores", address="MG Road, Pune", state_code="27",
                     phone="020 2555 0101")
    catalog.add_product(db, admin, sku="RICE5", name="Rice 5 kg", price="350", gst_rate="5", stock="500")
    catalog.add_product(db, admin, sku="SOAP", name="Soap 100 g", price="45.50", gst_rate="18", stock="500")
    invoices = []
    for n, items in enumerate([[("RICE5", "2")], [("SOAP", "3"), ("RICE5", "1")], [("SOAP", "7")]]):
        pays = [PaymentRequest("cash", "100"), PaymentRequest("account")] if n == 1 else [PaymentRequest("account")]
        invoices.append(sales.checkout(db, cashier, SaleRequest(f"st-{n}", items, pays, customer_phone=PHONE,
                                                                customer_name="Meena Iyer")))
        clock.advance(dt.timedelta(days=1, hours=2))
    dues.pay_dues(db, cashier, PHONE, "500.25", "upi", "UPI-778812")
    returns.create_return(db, admin, invoices[2].number, [("SOAP", "2")], refund_mode="dues")
    customers.adjust_credits(db, admin, PHONE, "40", "Diwali goodwill")
    return invoices


def _flat(path) -> tuple[list[str], str]:
    found = [c for t in page_texts(path) for c in cells(t)]
    return found, " ".join(found)


def test_statement_shows_every_ledger_figure_and_both_balances(db, cashier, ledger):
    statement = dues.dues_statement(db, cashier, PHONE)
    info = customers.get_customer(db, cashier, PHONE)
    assert len(statement.entries) == 5 and info.dues > 0 and info.credits > 0  # the scenario is what we think

    path = documents.customer_statement_pdf(db, cashier, PHONE)
    assert path.parent == data_dir() / "statements" and path.name.startswith(PHONE)
    found, flat = _flat(path)
    assert "STATEMENT" in found and "Sharma Stores" in found and "Meena Iyer" in found
    assert "₹" in flat
    for e in statement.entries:
        assert format_number(abs(e.delta)) in found, e
        assert format_number(e.balance_after) in found, e
        assert e.at.strftime("%d-%m-%Y") in flat
    for inv in ledger:
        assert inv.number in flat
    assert "UPI-778812" in found
    assert format_money(info.dues) in found        # dues balance, with ₹
    # loyalty credits are points: shown as a number, never as rupees
    assert format_number(info.credits) in found and format_money(info.credits) not in found
    assert "Diwali goodwill" in flat
    # the closing row: total debits and credits of the listed movements
    debits = sum(e.delta for e in statement.entries if e.delta > 0)
    credits = -sum(e.delta for e in statement.entries if e.delta < 0)
    assert format_number(debits) in found and format_number(credits) in found
    assert debits - credits == info.dues           # nothing before the first entry


def test_open_invoices_are_listed_oldest_first_with_what_is_left(db, cashier, ledger):
    statement = dues.dues_statement(db, cashier, PHONE)
    assert len(statement.open_invoices) >= 1
    found, flat = _flat(documents.customer_statement_pdf(db, cashier, PHONE))
    section = flat[flat.index("Open invoices"):]
    positions = [section.index(o.number) for o in statement.open_invoices]
    assert positions == sorted(positions)
    for o in statement.open_invoices:
        assert format_number(o.outstanding) in found


def test_a_long_ledger_brings_the_older_balance_forward(db, cashier, ledger):
    statement = dues.dues_statement(db, cashier, PHONE, limit=2)
    result = documents.customer_statement_pdf_result(db, cashier, PHONE, limit=2)
    found, flat = _flat(result.path)
    assert "Balance brought forward" in found
    first = statement.entries[0]
    assert format_number(first.balance_after - first.delta) in found
    # only the last two movements are listed: the first sale is not a ledger row any more
    table = flat[flat.index("Balance brought forward"):flat.index("Total / closing balance")]
    assert ledger[0].number not in table and ledger[2].number in table


def test_a_customer_without_dues_gets_a_statement_too(db, admin):
    customers.add_customer(db, admin, "9123456780", "Rahul Verma")
    found, flat = _flat(documents.customer_statement_pdf(db, admin, "9123456780"))
    assert "Rahul Verma" in found and "No dues movements" in found and format_money(Decimal("0")) in found


def test_out_writes_where_asked(db, admin, ledger, tmp_path):
    target = tmp_path / "here.pdf"
    assert documents.customer_statement_pdf(db, admin, PHONE, out=target) == target
    assert target.read_bytes().startswith(b"%PDF")


def test_unknown_and_bad_phones_are_refused_and_nothing_changes(db, cashier, ledger):
    before = snapshot(db)
    with pytest.raises(NotFound):
        documents.customer_statement_pdf(db, cashier, "9000000001")
    with pytest.raises(ValidationError) as err:
        documents.customer_statement_pdf(db, cashier, "12345")
    assert err.value.field == "phone"
    assert snapshot(db) == before
    assert not (data_dir() / "statements").exists()


def test_a_user_without_customer_access_is_refused(db, ledger, monkeypatch):
    from billbook.services.base import Actor
    actor = make_user(db, "viewer", "cashier")
    monkeypatch.setattr(Actor, "can", lambda self, p: False)
    with pytest.raises(PermissionDenied):
        documents.customer_statement_pdf(db, actor, PHONE)


def test_cli_customer_statement(db_url, monkeypatch, capsys, tmp_path):
    pw = "statement pass 42"
    monkeypatch.setenv("BILLBOOK_PASSWORD", pw)
    assert main(["--db", db_url, "init", "--admin", "owner", "--shop-name", "Test Mart", "--state-code", "27"]) == 0
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    from billbook.db.bootstrap import open_database
    from billbook.services.people import users
    db = open_database(db_url)
    try:
        actor = users.login(db, "owner", pw, "test")
        catalog.add_product(db, actor, sku="RICE5", name="Rice 5 kg", price="350", gst_rate="5", stock="50")
        inv = sales.checkout(db, actor, SaleRequest("cli-st", [("RICE5", "1")], [PaymentRequest("account")],
                                                    customer_phone=PHONE, customer_name="Meena Iyer"))
    finally:
        db.dispose()
    capsys.readouterr()
    out_file = tmp_path / "st.pdf"
    assert main(["--db", db_url, "--json", "customer", "statement", PHONE, "-o", str(out_file)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["path"] == str(out_file) and data["pages"] == 1
    found, flat = _flat(out_file)
    assert inv.number in flat and format_money(inv.due) in found
    assert main(["--db", db_url, "customer", "statement", "9000000001"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error:")
