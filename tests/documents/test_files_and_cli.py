"""Where PDFs go, opening and printing on each OS (faked), and the document CLI commands."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billbook.config import data_dir
from billbook.db.bootstrap import open_database
from billbook.documents import files
from billbook.documents.files import DocumentError
from billbook.errors import FileRefused
from billbook.services.goods import catalog
from billbook.services.selling import checkout as sales
from billbook.services.people import users
from billbook.services.selling.checkout import PaymentRequest, SaleRequest
from tests.documents.pdfread import cells, page_texts
from tests.builders import run_cli

PW = "s3cret-pass"


# ---------------------------------------------------------------- paths

def test_invoice_path_is_under_the_data_dir_by_year_and_month():
    path = files.invoice_path("INV/26-27/000123", dt.datetime(2026, 11, 24, 10, 15))
    assert path == data_dir() / "invoices" / "2026" / "11" / "INV_26-27_000123.pdf"
    assert files.invoice_path("INV/26-27/000123", dt.date(2027, 1, 2), receipt=True).name == \
        "INV_26-27_000123-receipt.pdf"
    assert "C:" not in str(path)


@given(st.text(max_size=40))
def test_safe_name_never_leaves_a_separator_or_dots_only(number):
    name = files.safe_name(number)
    assert name and "/" not in name and "\\" not in name and ":" not in name
    assert name not in (".", "..") and not name.startswith(".")


def test_write_atomically_creates_folders_and_leaves_no_temp_file(tmp_path, monkeypatch):
    # folders are created inside billbook's data folder only (issue 20); elsewhere refused
    monkeypatch.setenv("BILLBOOK_HOME", str(tmp_path / "home"))
    target = tmp_path / "home" / "a" / "b" / "x.pdf"
    files.write_atomically(target, b"%PDF-1.4 test")
    assert target.read_bytes() == b"%PDF-1.4 test"
    assert [p.name for p in target.parent.iterdir()] == ["x.pdf"]
    outside = tmp_path / "elsewhere" / "x.pdf"
    with pytest.raises(FileRefused, match="does not exist"):
        files.write_atomically(outside, b"%PDF-1.4 test")
    assert not outside.parent.exists()


# ---------------------------------------------------------------- open / print, per platform

@pytest.fixture
def pdf(tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(b"%PDF-1.4")
    return path


def test_open_uses_xdg_open_on_linux(monkeypatch, pdf):
    launched = []
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(files.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(files.subprocess, "Popen", lambda cmd, **kw: launched.append(cmd))
    files.open_file(pdf)
    assert launched == [["xdg-open", str(pdf)]]


def test_open_uses_open_on_macos(monkeypatch, pdf):
    launched = []
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(files.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(files.subprocess, "Popen", lambda cmd, **kw: launched.append(cmd))
    files.open_file(pdf)
    assert launched == [["open", str(pdf)]]


def test_open_and_print_use_startfile_on_windows(monkeypatch, pdf):
    calls = []
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(files.os, "startfile", lambda *a: calls.append(a), raising=False)
    files.open_file(pdf)
    files.print_file(pdf)
    assert calls == [(str(pdf),), (str(pdf), "print")]


def test_windows_without_printer_gives_a_plain_message(monkeypatch, pdf):
    def refuse(*a):
        raise OSError(1155, "No application is associated with the specified file for this operation")
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(files.os, "startfile", refuse, raising=False)
    with pytest.raises(DocumentError, match="default printer"):
        files.print_file(pdf)


def test_missing_viewer_is_a_clear_error(monkeypatch, pdf):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(files.shutil, "which", lambda name: None)
    with pytest.raises(DocumentError, match="xdg-open"):
        files.open_file(pdf)


def test_print_uses_lp_then_lpr(monkeypatch, pdf):
    ran = []
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(files, "_run", lambda cmd: ran.append(cmd) or subprocess.CompletedProcess(cmd, 0, "request id is P-1", ""))
    monkeypatch.setattr(files.shutil, "which", lambda name: "/usr/bin/lp" if name == "lp" else None)
    assert files.print_file(pdf, "counter") == "request id is P-1"
    monkeypatch.setattr(files.shutil, "which", lambda name: "/usr/bin/lpr" if name == "lpr" else None)
    files.print_file(pdf)
    assert ran == [["lp", "-d", "counter", str(pdf)], ["lpr", str(pdf)]]


def test_no_print_system_or_no_printer_says_so(monkeypatch, pdf):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(files.shutil, "which", lambda name: None)
    with pytest.raises(DocumentError, match="No print system"):
        files.print_file(pdf)
    monkeypatch.setattr(files.shutil, "which", lambda name: "/usr/bin/lp" if name == "lp" else None)
    monkeypatch.setattr(files, "_run", lambda cmd: subprocess.CompletedProcess(
        cmd, 1, "", "lp: Error - no default destination available."))
    with pytest.raises(DocumentError, match="No printer is set up.*no default destination"):
        files.print_file(pdf)


# ---------------------------------------------------------------- CLI

run = run_cli


@pytest.fixture
def cli_db(db_url, monkeypatch, capsys):
    """An initialised database with two products and one sale; the CLI acts as the owner."""
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    code, _, err = run(capsys, "--db", db_url, "init", "--admin", "owner", "--shop-name", "Test Mart",
                       "--state-code", "27")
    assert code == 0, err
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    db = open_database(db_url)
    actor = users.login(db, "owner", PW, "test")
    catalog.add_product(db, actor, sku="RICE5", name="Rice 5 kg", price="350", gst_rate="5", stock="50", hsn="1006")
    inv = sales.checkout(db, actor, SaleRequest("cli-1", [("RICE5", "2")], [PaymentRequest("cash")]))
    db.dispose()
    return db_url, inv


def test_cli_invoice_pdf_writes_the_file_and_reports_json(cli_db, capsys, tmp_path):
    url, inv = cli_db
    out_file = tmp_path / "inv.pdf"
    code, out, err = run(capsys, "--db", url, "--json", "invoice", "pdf", inv.number, "-o", str(out_file))
    assert code == 0, err
    data = json.loads(out)
    assert data == {"path": str(out_file), "pages": 1, "duplicate": False, "warnings": []}
    found = cells(page_texts(out_file)[0])
    assert inv.number in found and "Test Mart" in found
    code, out, err = run(capsys, "--db", url, "invoice", "pdf", inv.number, "--receipt")
    assert code == 0, err
    assert "DUPLICATE" in out and "-receipt.pdf" in out


def test_cli_unknown_invoice_is_one_line_on_stderr(cli_db, capsys):
    url, _ = cli_db
    code, out, err = run(capsys, "--db", url, "invoice", "pdf", "INV/26-27/999999")
    assert code == 1 and out == "" and err.startswith("error:") and err.count("\n") == 1


def test_cli_export_writes_the_range(cli_db, capsys, tmp_path):
    url, inv = cli_db
    day = inv.business_date.isoformat()
    code, out, err = run(capsys, "--db", url, "--json", "invoice", "export", "--from", day, "--to", day,
                         str(tmp_path / "exp"))
    assert code == 0, err
    data = json.loads(out)
    assert data["count"] == 1 and data["files"] == [str(tmp_path / "exp" / (inv.number.replace("/", "_") + ".pdf"))]
    code, out, err = run(capsys, "--db", url, "invoice", "export", "--from", day, "--to", "yesterday",
                         str(tmp_path / "exp2"))
    assert code == 1 and "not a date" in err
