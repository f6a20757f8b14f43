"""CLI contract of issue 17 at the counter: `sale --place-of-supply`, the recipient flags of
Rule 46(e), `place_of_supply`/`inter_state` in `--json`, credit notes, pincode/locality."""

import json

import pytest

from billbook.db.bootstrap import open_database
from billbook.services.goods import catalog
from billbook.services.people import users
from tests.builders import run_cli, snapshot

PW = "s3cret-pass"
KA_GSTIN = "29AAGCB7383J1Z4"


def shop_rows(db_url):
    db = open_database(db_url)
    try:
        return {k: v for k, v in snapshot(db).items() if k not in ("login_sessions", "audit_log", "users")}
    finally:
        db.dispose()


@pytest.fixture
def shop_url(db_url, monkeypatch, capsys):
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    code, out, err = run_cli(capsys, "--db", db_url, "init", "--admin", "owner", "--shop-name", "Test Mart",
                             "--state-code", "27")
    assert code == 0, err
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    db = open_database(db_url)
    actor = users.login(db, "owner", PW, "test")
    catalog.add_product(db, actor, sku="SOAP", name="Soap 100 g", price="45", gst_rate="18", stock="50")
    catalog.add_product(db, actor, sku="FRIDGE", name="Fridge", price="55000", gst_rate="18", stock="5",
                        hsn="84182100")
    db.dispose()
    return db_url


def sale(capsys, url, *args):
    code, out, err = run_cli(capsys, "--db", url, "--json", "sale", *args)
    return code, (json.loads(out) if code == 0 else None), err


def test_place_of_supply_flag_and_json_keys(shop_url, capsys):
    code, data, err = sale(capsys, shop_url, "--item", "SOAP=2", "--customer-phone", "9876543210",
                           "--customer-name", "Blr Traders", "--customer-gstin", KA_GSTIN)
    assert code == 0, err
    assert (data["place_of_supply"], data["inter_state"], data["igst"], data["cgst"]) == ("29", True, "16.20", "0.00")
    code, data, err = sale(capsys, shop_url, "--item", "SOAP=2", "--customer-phone", "9876543210",
                           "--place-of-supply", "27")
    assert code == 0, err
    assert (data["place_of_supply"], data["inter_state"], data["cgst"], data["sgst"], data["igst"]) == (
        "27", False, "8.10", "8.10", "0.00")
    code, out, err = run_cli(capsys, "--db", shop_url, "--json", "return", data["number"], "--item", "SOAP=1")
    assert code == 0, err
    assert (json.loads(out)["place_of_supply"], json.loads(out)["inter_state"]) == ("27", False)
    code, out, err = run_cli(capsys, "--db", shop_url, "invoice", "show", data["number"])
    assert code == 0 and "Place of supply: 27 Maharashtra" in out


def test_rule_46e_refusal_is_one_plain_line_and_nothing_changes(shop_url, capsys):
    before = shop_rows(shop_url)
    code, _, err = sale(capsys, shop_url, "--item", "FRIDGE=1")
    assert code == 1 and "Rule 46(e)" in err and "name, address and state" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert shop_rows(shop_url) == before
    code, data, err = sale(capsys, shop_url, "--item", "FRIDGE=1", "--customer-name", "Asha Rao",
                           "--customer-address", "7 Park St, Nashik", "--customer-state", "27",
                           "--delivery-address", "Godown 2, Ambad MIDC, Nashik")
    assert code == 0, err
    assert (data["customer"]["name"], data["customer"]["address"], data["delivery_address"]) == (
        "Asha Rao", "7 Park St, Nashik", "Godown 2, Ambad MIDC, Nashik")


def test_bad_place_of_supply_is_refused(shop_url, capsys):
    code, _, err = sale(capsys, shop_url, "--item", "SOAP=1", "--place-of-supply", "55")
    assert code == 1 and "place_of_supply" in err and "not a GST state code" in err


def test_pincode_and_locality_for_shop_and_customer(shop_url, capsys):
    code, out, err = run_cli(capsys, "--db", shop_url, "--json", "shop", "set", "--pincode", "411001",
                             "--locality", "Pune")
    assert code == 0, err
    assert (json.loads(out)["pincode"], json.loads(out)["locality"]) == ("411001", "Pune")
    code, out, err = run_cli(capsys, "--db", shop_url, "--json", "customer", "add", "--phone", "9876543210",
                             "--name", "Ravi", "--address", "12 MG Road", "--pincode", "560001",
                             "--locality", "Bengaluru", "--gstin", KA_GSTIN)
    assert code == 0, err
    c = json.loads(out)
    assert (c["pincode"], c["locality"], c["state_code"], c["address"]) == ("560001", "Bengaluru", "29", "12 MG Road")
    code, _, err = run_cli(capsys, "--db", shop_url, "customer", "update", "9876543210", "--pincode", "56001")
    assert code == 1 and "PIN code" in err
