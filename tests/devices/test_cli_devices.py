"""The device commands: printer set/list/test/jobs/retry, invoice print, drawer open, sale --print."""

from __future__ import annotations

import json

import pytest

from billbook.db.bootstrap import open_database
from billbook.devices.emulator import FakeNetworkPrinter, decode, free_port
from billbook.services.goods import catalog
from billbook.services.people import users
from tests.builders import run_cli as run

PW = "s3cret-pass"


@pytest.fixture
def shop_url(db_url, monkeypatch, capsys):
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    monkeypatch.setenv("BILLBOOK_TERMINAL", "COUNTER-1")
    code, out, err = run(capsys, "--db", db_url, "init", "--admin", "owner", "--shop-name", "Test Mart",
                         "--state-code", "27")
    assert code == 0, err
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    db = open_database(db_url)
    actor = users.login(db, "owner", PW, "test")
    catalog.add_product(db, actor, sku="SOAP", name="Soap 100 g", price="45", gst_rate="18", stock="10")
    db.dispose()
    return db_url


def test_printer_commands_and_invoice_print(shop_url, capsys):
    with FakeNetworkPrinter() as printer:
        code, out, err = run(capsys, "--db", shop_url, "printer", "set", "receipt", "--uri", printer.uri,
                             "--width", "58", "--drawer")
        assert code == 0, err
        code, out, err = run(capsys, "--db", shop_url, "--json", "printer", "list")
        data = json.loads(out)
        assert data["total"] == 1 and data["next_offset"] is None
        [receipt] = data["items"]
        assert receipt["terminal"] == "COUNTER-1" and receipt["role"] == "receipt"
        assert receipt["uri"] == printer.uri and receipt["width"] == 58 and receipt["drawer"] is True
        code, out, err = run(capsys, "--db", shop_url, "printer", "test", "receipt")
        assert code == 0, err
        assert decode(printer.wait_for_jobs(1)[0]).qr == ["billbook test page"]
        code, out, err = run(capsys, "--db", shop_url, "--json", "sale", "--item", "SOAP=1", "--pay", "cash",
                             "--print")
        assert code == 0, err
        sale = json.loads(out)
        assert [(j["kind"], j["status"], j["drawer"]) for j in sale["print_jobs"]] == [("receipt", "sent", True)]
        receipt = decode(printer.wait_for_jobs(2)[1])
        assert receipt.pulses == [2] and any(t.endswith(sale["number"]) for t in receipt.text)
        code, out, err = run(capsys, "--db", shop_url, "invoice", "print", sale["number"], "--receipt")
        assert code == 0, err and "DUPLICATE" in out
        again = decode(printer.wait_for_jobs(3)[2])
        assert "DUPLICATE" in [t.strip() for t in again.text] and again.pulses == []


def test_offline_printer_sale_is_saved_and_the_job_is_retried(shop_url, capsys):
    code, out, err = run(capsys, "--db", shop_url, "printer", "set", "receipt", "--uri",
                         f"tcp://127.0.0.1:{free_port()}")
    assert code == 0, err
    code, out, err = run(capsys, "--db", shop_url, "--json", "sale", "--item", "SOAP=1", "--print")
    assert code == 0, err                                   # the sale is made: never ring it up again
    number = json.loads(out)["number"]
    assert "did not print" in err and "offline" in err and "printer retry" in err
    code, out, err = run(capsys, "--db", shop_url, "--json", "printer", "jobs")
    [job] = json.loads(out)
    assert job["document"] == number and job["status"] == "failed" and job["reason"] == "offline"
    code, out, err = run(capsys, "--db", shop_url, "invoice", "print", number, "--receipt")
    assert code == 1 and "offline" in err                   # still offline: refused, the job stays
    with FakeNetworkPrinter() as printer:
        run(capsys, "--db", shop_url, "printer", "set", "receipt", "--uri", printer.uri)
        code, out, err = run(capsys, "--db", shop_url, "--json", "invoice", "print", number, "--receipt")
        assert code == 0, err
        assert json.loads(out)["job"] == job["id"]          # the same job, retried
        assert "DUPLICATE" not in decode(printer.wait_for_jobs(1)[0]).text
    code, out, err = run(capsys, "--db", shop_url, "--json", "printer", "jobs")
    assert json.loads(out) == []


def test_drawer_open_needs_a_reason_and_an_admin(shop_url, capsys, monkeypatch):
    with FakeNetworkPrinter() as printer:
        run(capsys, "--db", shop_url, "printer", "set", "receipt", "--uri", printer.uri, "--drawer")
        code, out, err = run(capsys, "--db", shop_url, "drawer", "open")
        assert code == 2                                     # --reason is required
        code, out, err = run(capsys, "--db", shop_url, "drawer", "open", "--reason", "float for the day")
        assert code == 0, err
        assert decode(printer.wait_for_jobs(1)[0]).pulses == [2]
        monkeypatch.setenv("BILLBOOK_NEW_PASSWORD", "cashier-pass-1")
        assert run(capsys, "--db", shop_url, "user", "add", "asha", "--role", "cashier")[0] == 0
        monkeypatch.setenv("BILLBOOK_PASSWORD", "cashier-pass-1")
        code, out, err = run(capsys, "--db", shop_url, "--user", "asha", "drawer", "open", "--reason", "peek")
        assert code == 1 and "not allowed" in err
        assert len(printer.jobs) == 1
