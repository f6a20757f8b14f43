"""Closing a day takes a day-end backup after the close commits (SQLite and MariaDB); a failed
backup leaves the day closed and says so on the report, the CLI and the audit trail."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from sqlalchemy import func, select

from billbook.cli import main
from billbook.db.models import AuditEntry, DayClose
from billbook.services.data import backup
from billbook.services.goods import catalog
from billbook.services.insight import reports
from billbook.services.selling import checkout as sales
from billbook.services.selling.checkout import PaymentRequest, SaleItem, SaleRequest


@pytest.fixture
def sold(db, admin, cashier):
    catalog.add_product(db, admin, sku="DAL", name="Toor Dal 1kg", price="150.00", gst_rate="0", stock="100")
    sales.checkout(db, cashier, SaleRequest(str(uuid.uuid4()), [SaleItem("DAL", "3")], [PaymentRequest("cash")]))
    return db


def test_closing_a_day_leaves_a_verified_backup_holding_the_close(sold, cashier):
    folder = backup.backup_dir(sold)
    assert backup.list_backups(folder) == []
    rep = reports.close_day(sold, cashier, opening_float="500", counted_cash="950")
    assert rep.closed and rep.backup_warning is None
    files = backup.list_backups(folder)
    assert len(files) == 1 and files[0].reason == "day-end"
    assert str(files[0].path) == rep.backup_path
    info = backup.verify_backup(files[0].path)
    # the backup was taken after the close committed: the day_closes row is in it
    assert info.tables["day_closes"] == 1 and info.tables["invoices"] == 1
    with sold.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "backup.auto")) == 1


def test_a_failed_backup_does_not_undo_the_close(sold, admin, cashier, monkeypatch):
    def broken(*a, **kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "auto_backup_if_due", broken)
    rep = reports.close_day(sold, cashier)
    assert rep.closed and rep.backup_path is None
    assert "day is closed" in rep.backup_warning and "No space left" in rep.backup_warning
    with sold.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(DayClose)) == 1
    # the stored report is the same report (the warning is not part of it)
    assert reports.day_report(sold, admin, rep.business_date, terminal="T1") == rep


def test_the_cli_close_reports_the_backup_and_warns_when_it_fails(db_url, monkeypatch, capsys):
    pw = "day end pass 42"
    monkeypatch.setenv("BILLBOOK_PASSWORD", pw)
    assert main(["--db", db_url, "init", "--admin", "owner", "--shop-name", "Test Mart", "--state-code", "27"]) == 0
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    capsys.readouterr()
    day = dt.date.today() - dt.timedelta(days=1)
    assert main(["--db", db_url, "--json", "report", "day", "--date", day.isoformat(), "--terminal", "T1",
                 "--close"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["closed"] and backup.verify_backup(data["backup_path"]).total_rows > 0

    monkeypatch.setattr(backup, "auto_backup_if_due", lambda *a, **kw: (_ for _ in ()).throw(OSError("disk gone")))
    assert main(["--db", db_url, "report", "day", "--date", day.isoformat(), "--terminal", "T2", "--close"]) == 0
    out, err = capsys.readouterr()
    assert "warning: The day is closed, but the day-end backup failed: disk gone" in err
