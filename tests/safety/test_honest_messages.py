"""Honest messages (issue 20, point 6): a full disk, a read-only disk or server, a lock held too
long and a lost server each say what they are; numbers are ASCII digits with one decimal
point ("1_000" refused, "-0" is 0); ``db upgrade`` needs an admin unless there are no users."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from decimal import Decimal

import pytest
from sqlalchemy.exc import OperationalError

from billbook.db.engine import storage_problem
from billbook.db.uow import Database
from billbook.domain.money import D, MoneyError, money_str, parse_amount, parse_qty
from tests.builders import run_cli
from tests.safety.test_safe_files import tiny_disk  # noqa: F401 - the 1 MB tmpfs fixture

PW = "s3cret-pass"


def _sqlite_error(message: str) -> OperationalError:
    return OperationalError("INSERT …", {}, sqlite3.OperationalError(message))


class _MysqlError(Exception):
    def __init__(self, errno: int, msg: str):
        super().__init__(msg)
        self.errno = errno


@pytest.mark.parametrize("error, words", [
    (_sqlite_error("database or disk is full"), "disk holding the database is full"),
    (_sqlite_error("attempt to write a readonly database"), "read-only"),
    (_sqlite_error("database is locked"), "locked by another program"),
    (_sqlite_error("disk I/O error"), "input/output error"),
    (OperationalError("x", {}, _MysqlError(1021, "Disk full (/var/lib/mysql)")), "server's disk is full"),
    (OperationalError("x", {}, _MysqlError(1114, "The table 'invoices' is full")), "server's disk is full"),
    (OperationalError("x", {}, _MysqlError(1290, "--read-only option")), "server is read-only"),
    (OperationalError("x", {}, _MysqlError(1205, "Lock wait timeout exceeded")), "held a lock"),
])
def test_each_storage_problem_is_named(error, words, tmp_path):
    assert words in storage_problem(error)
    db = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        message = str(db.unavailable(error))
    finally:
        db.dispose()
    assert words in message and "Cannot reach" not in message and "Nothing was saved" in message


def test_a_lost_server_still_says_it_cannot_be_reached(tmp_path):
    lost = OperationalError("x", {}, _MysqlError(2013, "Lost connection to MySQL server during query"))
    assert storage_problem(lost) is None
    db = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        assert "Cannot reach the database" in str(db.unavailable(lost))
    finally:
        db.dispose()


@pytest.fixture
def cli_on(monkeypatch, capsys):
    def make(url):
        monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
        assert run_cli(capsys, "--db", url, "init", "--admin", "owner")[0] == 0
        monkeypatch.setenv("BILLBOOK_USER", "owner")
        return lambda *a: run_cli(capsys, "--db", url, *a)
    return make


def test_a_full_disk_under_the_sqlite_file_says_the_disk_is_full(tiny_disk, cli_on):  # noqa: F811
    cli = cli_on(f"sqlite:///{tiny_disk / 'shop.sqlite3'}")
    free = os.statvfs(tiny_disk).f_bavail * os.statvfs(tiny_disk).f_frsize
    (tiny_disk / "filler").write_bytes(b"\0" * max(free - 4096, 0))
    failed = None
    for n in range(200):
        code, out, err = cli("product", "add", "--sku", f"P{n}", "--name", "x" * 150, "--price", "1",
                             "--gst-rate", "5")
        if code != 0:
            failed = err
            break
    assert failed is not None, "the disk never filled up"
    assert "disk holding the database is full" in failed and "Cannot reach" not in failed, failed
    assert len(failed.strip().splitlines()) == 1


def test_a_read_only_disk_under_the_sqlite_file_says_read_only(tiny_disk, cli_on, tmp_path, capsys):  # noqa: F811
    cli_on(f"sqlite:///{tiny_disk / 'shop.sqlite3'}")
    view = tmp_path / "read-only-view"            # the same files, seen through a read-only bind mount
    view.mkdir()
    done = subprocess.run(["mount", "--bind", str(tiny_disk), str(view)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    try:
        done = subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        code, out, err = run_cli(capsys, "--db", f"sqlite:///{view / 'shop.sqlite3'}", "product", "add", "--sku",
                                 "P1", "--name", "Soap", "--price", "1", "--gst-rate", "5")
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)
    assert code == 1 and "Cannot reach" not in err and len(err.strip().splitlines()) == 1, err
    assert "read-only" in err or "cannot be opened" in err, err


# ------------------------------------------------------------------ numbers

@pytest.mark.parametrize("text", ["1_000", "1e3", "1E3", "NaN", "inf", "Infinity", "١٢٣", "１２", "1.2.3", "- 5",
                                  "1,0,0", "0x10", "1 000", "", " ", "+", ".", "12,34"])
def test_numbers_are_ascii_digits_with_one_point(text):
    with pytest.raises(MoneyError):
        D(text)
    with pytest.raises(MoneyError):
        parse_amount(text)
    with pytest.raises(MoneyError):
        parse_qty(text)


@pytest.mark.parametrize("text, value", [("1000", "1000"), (" 12.50 ", "12.50"), ("₹1,23,456.50", "123456.50"),
                                         ("123,456", "123456"), ("1,000", "1000"), (".5", "0.5"), ("+5", "5")])
def test_plain_and_grouped_numbers_are_accepted(text, value):
    assert D(text) == Decimal(value)


def test_minus_zero_is_zero():
    for text in ("-0", "-0.00", "-0.0"):
        assert money_str(parse_amount(text)) == "0.00"
        assert not D(text).is_signed()
    assert not D(Decimal("-0.00")).is_signed()


def test_the_command_line_refuses_1_000_and_stores_minus_zero_as_zero(db_url, cli_on):
    cli = cli_on(db_url)
    code, out, err = cli("product", "add", "--sku", "A", "--name", "A", "--price", "1_000", "--gst-rate", "5")
    assert code == 1 and ("not a number" in err or "not an amount" in err), err
    code, out, err = cli("--json", "product", "add", "--sku", "B", "--name", "B", "--price", "-0", "--gst-rate", "5")
    assert code == 0, err
    assert json.loads(out)["price"] == "0.00"


# ------------------------------------------------------------------ db upgrade

def test_db_upgrade_needs_an_admin_once_there_are_users(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'up.sqlite3'}"
    monkeypatch.delenv("BILLBOOK_USER", raising=False)
    monkeypatch.delenv("BILLBOOK_PASSWORD", raising=False)
    assert run_cli(capsys, "--db", url, "db", "upgrade")[0] == 0          # no users yet: no login needed
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    assert run_cli(capsys, "--db", url, "init", "--admin", "owner")[0] == 0
    monkeypatch.delenv("BILLBOOK_PASSWORD")
    code, out, err = run_cli(capsys, "--db", url, "db", "upgrade")
    assert code == 1 and "Say who you are" in err, err
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    monkeypatch.setenv("BILLBOOK_PASSWORD", "wrong password 1")
    code, out, err = run_cli(capsys, "--db", url, "db", "upgrade")
    assert code == 1 and "error:" in err, err
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    monkeypatch.setenv("BILLBOOK_NEW_PASSWORD", "cashier pass 22")
    assert run_cli(capsys, "--db", url, "user", "add", "asha", "--role", "cashier")[0] == 0
    monkeypatch.setenv("BILLBOOK_USER", "asha")
    monkeypatch.setenv("BILLBOOK_PASSWORD", "cashier pass 22")
    code, out, err = run_cli(capsys, "--db", url, "db", "upgrade")
    assert code == 1 and "may not upgrade" in err, err
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    code, out, err = run_cli(capsys, "--db", url, "--json", "db", "upgrade")
    assert code == 0 and json.loads(out)["schema"], err
