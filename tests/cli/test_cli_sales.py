"""CLI contract for the counter: `sale --json` keys and figures, invoice show/list, return, dues, held."""

import json

import pytest

from billbook.db.bootstrap import open_database
from billbook.services.goods import catalog
from billbook.services.people import users
from tests.builders import snapshot, run_cli

PW = "s3cret-pass"


def shop_rows(db):
    """Everything but the login bookkeeping each CLI call writes (session row, login audit)."""
    return {k: v for k, v in snapshot(db).items() if k not in ("login_sessions", "audit_log", "users")}


run = run_cli


@pytest.fixture
def shop_url(db_url, monkeypatch, capsys):
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    code, out, err = run(capsys, "--db", db_url, "init", "--admin", "owner", "--shop-name", "Test Mart",
                         "--state-code", "27")
    assert code == 0, err
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    db = open_database(db_url)
    actor = users.login(db, "owner", PW, "test")
    catalog.add_product(db, actor, sku="RICE5", name="Rice 5 kg", price="350", gst_rate="5", stock="10")
    catalog.add_product(db, actor, sku="SOAP", name="Soap 100 g", price="45", gst_rate="18", stock="10")
    db.dispose()
    return db_url


def test_sale_json_is_the_documented_example(shop_url, capsys):
    code, out, err = run(capsys, "--db", shop_url, "--json", "sale", "--item", "RICE5=2", "--item", "SOAP=1",
                         "--pay", "cash=800", "--customer-phone", "9876543210", "--customer-name", "Ravi",
                         "--sale-id", "cli-1")
    assert code == 0, err
    data = json.loads(out)
    assert data["number"].endswith("/000001") and data["cashier"] == "owner"
    assert data["customer"]["phone"] == "9876543210" and data["customer"]["name"] == "Ravi"
    assert [(ln["sku"], ln["qty"], ln["unit_price"], ln["discount"], ln["taxable"], ln["gst_rate"], ln["cgst"],
             ln["sgst"], ln["igst"], ln["total"]) for ln in data["lines"]] == [
        ("RICE5", "2", "350.00", "0.00", "700.00", "5", "17.50", "17.50", "0.00", "735.00"),
        ("SOAP", "1", "45.00", "0.00", "45.00", "18", "4.05", "4.05", "0.00", "53.10")]
    assert (data["taxable_total"], data["cgst"], data["sgst"], data["igst"], data["round_off"],
            data["grand_total"]) == ("745.00", "21.55", "21.55", "0.00", "-0.10", "788.00")
    assert data["payments"] == [{"mode": "cash", "amount": "788.00", "tendered": "800.00", "reference": None}]
    assert (data["change"], data["due"]) == ("12.00", "0.00")
    # the same request again (issue 20: the same sale id with other content is refused)
    code, out2, err = run(capsys, "--db", shop_url, "--json", "sale", "--item", "RICE5=2", "--item", "SOAP=1",
                          "--pay", "cash=800", "--customer-phone", "9876543210", "--customer-name", "Ravi",
                          "--sale-id", "cli-1")
    assert code == 0 and json.loads(out2)["number"] == data["number"] and json.loads(out2)["replayed"]
    # the same sale id with other content (no customer): refused, nothing written
    code, out3, err = run(capsys, "--db", shop_url, "--json", "sale", "--item", "RICE5=2", "--item", "SOAP=1",
                          "--pay", "cash=800", "--sale-id", "cli-1")
    assert code == 1 and "cli-1" in err and out3 == ""
    # shown and listed
    code, out, err = run(capsys, "--db", shop_url, "--json", "invoice", "show", data["number"])
    assert code == 0 and json.loads(out)["grand_total"] == "788.00"
    code, out, err = run(capsys, "--db", shop_url, "--json", "invoice", "list")
    assert code == 0 and [i["number"] for i in json.loads(out)["items"]] == [data["number"]]
    code, out, err = run(capsys, "--db", shop_url, "invoice", "show", data["number"])
    assert code == 0 and "GRAND TOTAL" in out and "788.00" in out


BAD_SALES = [
    (["--item", "SOAP=0"], "more than zero"),
    (["--item", "SOAP=-2"], "negative"),
    (["--item", "NOPE=1"], "NOPE"),
    (["--item", "SOAP"], "SKU=QTY"),
    (["--item", "SOAP=1", "--pay", "cash=10"], "short"),
    (["--item", "SOAP=11"], "10 available"),
    (["--item", "SOAP=1", "--pay", "account"], "phone"),
    (["--item", "SOAP=1", "--customer-phone", "12345", "--customer-name", "X"], "Indian mobile"),
    (["--item", "SOAP=1", "--pay", "credits=5", "--pay", "cash", "--customer-phone", "9876543210",
      "--customer-name", "R"], "credits"),
    (["--item", "SOAP=1", "--pay", "cash=1e30"], "not an amount"),      # ASCII digits and one point only
    (["--item", "SOAP=1", "--pay", "cash=1000000000000000000000000000000"], "too large"),
]


def test_bad_sales_exit_1_one_line_nothing_changed(shop_url, capsys):
    db = open_database(shop_url)
    before = shop_rows(db)
    for args, words in BAD_SALES:     # one shop for all cases: each CLI call logs in (argon2 is slow on purpose)
        code, out, err = run(capsys, "--db", shop_url, "sale", *args)
        assert code == 1 and out == "" and err.startswith("error:") and len(err.strip().splitlines()) == 1, args
        assert words.lower() in err.lower() and "Traceback" not in err, (args, err)
        assert shop_rows(db) == before, args
    db.dispose()


def test_return_dues_and_held(shop_url, capsys):
    code, out, err = run(capsys, "--db", shop_url, "--json", "sale", "--item", "SOAP=4:10%", "--pay", "cash=100",
                         "--pay", "account", "--customer-phone", "9876543210", "--customer-name", "Ravi")
    assert code == 0, err
    inv = json.loads(out)
    assert inv["lines"][0]["discount"] == "18.00" and float(inv["due"]) > 0
    code, out, err = run(capsys, "--db", shop_url, "--json", "return", inv["number"], "--item", "SOAP=1",
                         "--refund", "dues")
    assert code == 0, err
    cn = json.loads(out)
    assert cn["number"].startswith("CN/") and cn["refunds"][0]["mode"] == "account"
    code, out, err = run(capsys, "--db", shop_url, "--json", "dues", "show", "9876543210")
    assert code == 0, err
    st = json.loads(out)
    assert st["dues"] == st["open_invoices"][0]["outstanding"]
    code, out, err = run(capsys, "--db", shop_url, "--json", "dues", "pay", "9876543210", st["dues"], "--mode", "upi",
                         "--request-id", "counter-7-pay-1")
    assert code == 0, err
    paid = json.loads(out)
    assert paid["dues_after"] == "0.00" and paid["replayed"] is False
    code, out, err = run(capsys, "--db", shop_url, "--json", "dues", "pay", "9876543210", st["dues"], "--mode", "upi",
                         "--request-id", "counter-7-pay-1")
    assert code == 0, err                       # the retry answers with the first payment, nothing new
    again = json.loads(out)
    assert again["replayed"] is True and again["payment_id"] == paid["payment_id"]
    code, out, err = run(capsys, "--db", shop_url, "dues", "pay", "9876543210", "1")
    assert code == 1 and "no dues" in err

    code, out, err = run(capsys, "--db", shop_url, "--json", "held", "park", "Ravi wallet", "--item", "RICE5=1")
    assert code == 0, err
    hid = json.loads(out)["id"]
    code, out, err = run(capsys, "--db", shop_url, "--json", "held", "list")
    assert [h["label"] for h in json.loads(out)["items"]] == ["Ravi wallet"]
    code, out, err = run(capsys, "--db", shop_url, "--json", "held", "resume", str(hid))
    assert code == 0 and json.loads(out)["items"] == [{"product": "RICE5", "qty": "1", "discount": None}]
    code, out, err = run(capsys, "--db", shop_url, "held", "discard", str(hid))
    assert code == 1 and "No held cart" in err
