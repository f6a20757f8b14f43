"""CLI: ``gst gstr1`` (JSON and CSV sheets), ``gst gstr3b`` (--json, PDF, CSV) and ``invoice einvoice``;
a return that cannot be made exits 1 with a plain line and leaves no file."""

from __future__ import annotations

import json

import pytest

from billbook import clock
from billbook.db.bootstrap import open_database
from billbook.services.people import users
from tests.builders import run_cli
from tests.gst import month as M

PW = "s3cret-pass"


@pytest.fixture
def shop_url(db_url, monkeypatch, capsys):
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    code, out, err = run_cli(capsys, "--db", db_url, "init", "--admin", "owner", "--shop-name", "Sharma Stores",
                             "--state-code", "27")
    assert code == 0, err
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    return db_url


@pytest.fixture
def month_url(shop_url):
    db = open_database(shop_url)
    month = M.build(db, users.login(db, "owner", PW, "test"))
    db.dispose()
    return shop_url, month


def test_gstr1_writes_the_json_and_the_sheets(month_url, capsys, tmp_path):
    url, month = month_url
    period = clock.today().strftime("%Y-%m")
    out = tmp_path / "r1.json"
    code, stdout, err = run_cli(capsys, "--db", url, "--json", "gst", "gstr1", "--period", period, "-o", str(out),
                                "--csv-dir", str(tmp_path / "sheets"))
    assert code == 0, err
    data = json.loads(stdout)
    assert data["file"] == str(out) and data["check"]["matches"] is True
    assert data["sections"] == ["b2b", "b2cl", "b2cs", "cdnr", "cdnur", "nil", "hsn", "doc_issue"]
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["gstin"] == M.SHOP_GSTIN and len(doc["b2b"]) == 2
    assert sorted(p.name for p in (tmp_path / "sheets").iterdir()) == sorted(
        ["b2b.csv", "b2cl.csv", "b2cs.csv", "cdnr.csv", "cdnur.csv", "exemp.csv", "hsn(b2b).csv", "hsn(b2c).csv",
         "docs.csv"])
    code, stdout, err = run_cli(capsys, "--db", url, "gst", "gstr1", "--period", period, "-o", str(out))
    assert code == 1 and "exists" in err            # an existing return is never replaced unasked
    code, stdout, err = run_cli(capsys, "--db", url, "gst", "gstr1", "--period", period, "-o", str(out), "--force")
    assert code == 0 and "Totals match the sales report." in stdout and "B2C large 1" in stdout


def test_gstr3b_json_pdf_and_csv(month_url, capsys, tmp_path):
    url, month = month_url
    period = clock.today().strftime("%Y-%m")
    code, stdout, err = run_cli(capsys, "--db", url, "--json", "gst", "gstr3b", "--period", period)
    assert code == 0, err
    data = json.loads(stdout)
    assert data["inter_sup"]["unreg_details"][0] == {"pos": "29", "txval": 60500, "iamt": 10890}
    for name in ("3b.pdf", "3b.csv"):
        code, stdout, err = run_cli(capsys, "--db", url, "gst", "gstr3b", "--period", period, "-o",
                                    str(tmp_path / name))
        assert code == 0, err
    assert (tmp_path / "3b.pdf").read_bytes()[:5] == b"%PDF-"
    assert "unregistered,29-Karnataka,60500.00,10890.00" in (tmp_path / "3b.csv").read_text(encoding="utf-8")


def test_a_shop_without_a_gstin_gets_a_plain_refusal_and_no_file(shop_url, capsys, tmp_path):
    out, sheets = tmp_path / "r1.json", tmp_path / "sheets"
    sheets.mkdir()
    code, stdout, err = run_cli(capsys, "--db", shop_url, "gst", "gstr1", "--period", "2026-11", "-o", str(out),
                                "--csv-dir", str(sheets))
    assert code == 1 and "GSTIN" in err and "Traceback" not in err
    assert not out.exists() and list(sheets.iterdir()) == []


@pytest.mark.parametrize("period", ["2026-13", "Nov 2026", "2026-Q5"])
def test_a_bad_period_is_refused(shop_url, capsys, period):
    code, stdout, err = run_cli(capsys, "--db", shop_url, "gst", "gstr1", "--period", period)
    assert code == 1 and "2026-11" in err and "2026-Q3" in err


def test_einvoice_needs_a_b2b_invoice(month_url, capsys):
    url, month = month_url
    code, stdout, err = run_cli(capsys, "--db", url, "invoice", "einvoice", month.invoices["b2c_intra"].number)
    assert code == 1 and "no buyer GSTIN" in err
    code, stdout, err = run_cli(capsys, "--db", url, "invoice", "einvoice", "INV/99-00/000001")
    assert code == 1 and "No invoice" in err
