"""Moving a shop between databases: SQLite → MariaDB → SQLite gives back identical data."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from billbook.cli import main
from billbook.db import migrate
from billbook.db.bootstrap import open_database
from billbook.db.models import AuditEntry
from billbook.db.uow import Database
from billbook.services.data import transfer as tr
from billbook.errors import Conflict, ValidationError
from tests.builders import snapshot
from tests.safety.helpers import assert_same_data
from tests.safety.shopdata import fill_shop

@pytest.mark.mysql
def test_sqlite_to_mariadb_to_sqlite_round_trip_is_identical(tmp_path, fresh_mysql_url):
    first = f"sqlite:///{tmp_path / 'first.sqlite3'}"
    lite = open_database(first)
    fill_shop(lite, invoices=25)
    before = snapshot(lite)
    lite.dispose()
    seen = []
    report = tr.transfer(first, fresh_mysql_url, progress=lambda t, done, total: seen.append((done, total)),
                         batch_size=7)
    assert report.tables["invoices"].rows == 25 and report.total_rows == sum(len(v) for v in before.values())
    assert seen and seen[-1][0] == seen[-1][1] == report.total_rows
    maria = Database(fresh_mysql_url)
    assert_same_data(before, snapshot(maria))
    maria.dispose()
    back = f"sqlite:///{tmp_path / 'back.sqlite3'}"
    tr.transfer(fresh_mysql_url, back)
    again = Database(back)
    assert_same_data(before, snapshot(again))
    assert migrate.current_revision(again) == migrate.head_revision()
    again.dispose()


@pytest.mark.mysql
def test_a_target_with_data_is_refused_and_left_alone(tmp_path, fresh_mysql_url):
    src = f"sqlite:///{tmp_path / 'src.sqlite3'}"
    fill_shop(open_database(src))
    busy = open_database(fresh_mysql_url)
    fill_shop(busy, invoices=1)
    before = snapshot(busy)
    with pytest.raises(Conflict, match="not empty"):
        tr.transfer(src, fresh_mysql_url)
    assert snapshot(busy) == before
    busy.dispose()


def test_a_freshly_initialised_target_is_accepted(tmp_path):
    src = f"sqlite:///{tmp_path / 'src.sqlite3'}"
    lite = open_database(src)
    fill_shop(lite)
    before = snapshot(lite)
    target = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    open_database(target).dispose()           # `billbook init` made the default shop row
    tr.transfer(src, target)
    assert_same_data(before, snapshot(Database(target)))


@pytest.mark.parametrize("src,dst,field", [
    ("not a url", "sqlite:///x.sqlite3", "--from"),
    ("sqlite://", "sqlite:///x.sqlite3", "--from"),
    ("postgresql://u@h/db", "sqlite:///x.sqlite3", "--from"),
    ("SRC", "SRC", "--to"),
    ("SRC", "mysql+mysqlconnector://root@127.0.0.1:3306", "--to"),
])
def test_bad_urls_are_clear_errors(tmp_path, src, dst, field):
    real = f"sqlite:///{tmp_path / 'src.sqlite3'}"
    fill_shop(open_database(real))
    src, dst = (real if u == "SRC" else u for u in (src, dst))
    with pytest.raises(ValidationError) as err:
        tr.transfer(src, dst)
    assert err.value.field == field


@pytest.mark.mysql
def test_transfer_command_copies_verifies_and_audits(tmp_path, fresh_mysql_url, monkeypatch, capsys):
    src = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("BILLBOOK_PASSWORD", "s3cret-pass-1")
    assert main(["--db", src, "init", "--admin", "owner"]) == 0
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    capsys.readouterr()
    code = main(["--json", "transfer", "--from", src, "--to", fresh_mysql_url])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert data["tables"]["users"]["rows"] == 1 and data["total_rows"] >= 4
    target = Database(fresh_mysql_url)
    actions = target.run(lambda s: list(s.scalars(select(AuditEntry.action))), readonly=True)
    assert "data.transfer_in" in actions
    target.dispose()
    code = main(["transfer", "--from", src, "--to", fresh_mysql_url])
    _, err = capsys.readouterr()
    assert code == 1 and "not empty" in err and len(err.strip().splitlines()) == 1
