"""`sale --item SKU=QTY@PRICE`: a price other than the catalog's from the command line; a
cashier names the approving admin with --approver (password from BILLBOOK_APPROVER_PASSWORD)."""

import json

import pytest

from billbook.db.bootstrap import open_database
from billbook.services.goods import catalog
from billbook.services.insight import audit as audit_service
from billbook.services.people import users
from tests.builders import DEFAULT_PASSWORD, make_user, run_cli, snapshot

PW = "s3cret-pass"


def shop_rows(db):
    """Everything but the login bookkeeping each CLI call writes (session row, login audit)."""
    return {k: v for k, v in snapshot(db).items() if k not in ("login_sessions", "audit_log", "users")}


@pytest.fixture
def shop(db_url, monkeypatch, capsys):
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    code, _out, err = run_cli(capsys, "--db", db_url, "init", "--admin", "owner", "--shop-name", "Test Mart",
                              "--state-code", "27")
    assert code == 0, err
    db = open_database(db_url)
    owner = users.login(db, "owner", PW, "test")
    catalog.add_product(db, owner, sku="SOAP", name="Soap 100 g", price="45", gst_rate="18", stock="10")
    make_user(db, "asha", "cashier")
    yield db_url, db, owner
    db.dispose()


def test_an_admin_sells_at_another_price(shop, monkeypatch, capsys):
    url, db, owner = shop
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    code, out, err = run_cli(capsys, "--db", url, "--json", "sale", "--item", "SOAP=2@40:5%", "--sale-id", "c-1")
    assert code == 0, err
    line = json.loads(out)["lines"][0]
    assert (line["unit_price"], line["discount"], line["taxable"], line["cgst"]) == ("40.00", "4.00", "76.00", "6.84")
    rows = audit_service.search_audit(db, owner, action="price.override").rows
    assert [(r.username, r.details["approver"], r.details["price"]) for r in rows] == [("owner", "owner", "40.00")]


def test_a_cashier_needs_an_approver_and_a_wrong_password_sells_nothing(shop, monkeypatch, capsys):
    url, db, owner = shop
    monkeypatch.setenv("BILLBOOK_USER", "asha")
    monkeypatch.setenv("BILLBOOK_PASSWORD", DEFAULT_PASSWORD)
    before = shop_rows(db)
    code, out, err = run_cli(capsys, "--db", url, "sale", "--item", "SOAP=1@30")
    assert code == 1 and "admin's approval" in err and out == "" and "Traceback" not in err
    monkeypatch.setenv("BILLBOOK_APPROVER_PASSWORD", "not the password")
    code, out, err = run_cli(capsys, "--db", url, "sale", "--item", "SOAP=1@30", "--approver", "owner")
    assert code == 1 and out == ""
    assert shop_rows(db) == before
    monkeypatch.setenv("BILLBOOK_APPROVER_PASSWORD", PW)
    code, out, err = run_cli(capsys, "--db", url, "--json", "sale", "--item", "SOAP=1@30", "--approver", "owner")
    assert code == 0, err
    assert json.loads(out)["lines"][0]["unit_price"] == "30.00" and json.loads(out)["cashier"] == "asha"
    rows = audit_service.search_audit(db, owner, action="price.override").rows
    assert [(r.username, r.details["approver"], r.details["catalog_price"]) for r in rows] == \
        [("asha", "owner", "45.00")]


@pytest.mark.parametrize("item", ["SOAP=1@", "SOAP=1@abc", "SOAP=1@0", "SOAP=1@-3"])
def test_a_bad_price_is_a_plain_refusal(shop, monkeypatch, capsys, item):
    url, db, _owner = shop
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    before = shop_rows(db)
    code, out, err = run_cli(capsys, "--db", url, "sale", "--item", item)
    assert code == 1 and out == "" and "Traceback" not in err and err.strip()
    assert shop_rows(db) == before


def test_a_held_cart_keeps_its_price_and_a_return_takes_no_price(shop, monkeypatch, capsys):
    url, _db, _owner = shop
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    code, out, err = run_cli(capsys, "--db", url, "--json", "held", "park", "Ravi", "--item", "SOAP=2@41.5")
    assert code == 0, err
    held_id = json.loads(out)["id"]
    code, out, err = run_cli(capsys, "--db", url, "held", "resume", str(held_id))
    assert code == 0 and "--item SOAP=2@41.50" in out
    code, out, err = run_cli(capsys, "--db", url, "return", "INV/26-27/000001", "--item", "SOAP=1@3")
    assert code == 1 and "SKU=QTY" in err
