"""The portable column types: MySQL's own types on MySQL, plain ones elsewhere, and a SQLite
shop's start-up never loads SQLAlchemy's MySQL dialect for them (issue 19, CLI start-up)."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.schema import CreateTable

from billbook.db import models
from billbook.services.data.backup.format import column_kind


def _ddl(table, dialect) -> str:
    return " ".join(str(CreateTable(table).compile(dialect=dialect)).split())


def test_mysql_gets_its_long_binary_and_code_point_types_and_sqlite_the_plain_ones():
    assert "logo MEDIUMBLOB" in _ddl(models.Shop.__table__, mysql.dialect())
    assert "logo BLOB" in _ddl(models.Shop.__table__, sqlite.dialect())
    assert "shop_snapshot MEDIUMTEXT" in _ddl(models.Invoice.__table__, mysql.dialect())
    assert "shop_snapshot TEXT" in _ddl(models.Invoice.__table__, sqlite.dialect())
    term = "term VARCHAR(160) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL"
    assert term in _ddl(models.SearchTerm.__table__, mysql.dialect())
    assert "term VARCHAR(160) NOT NULL" in _ddl(models.SearchTerm.__table__, sqlite.dialect())


def test_a_backup_writes_each_type_by_what_it_stores():
    assert column_kind(models.Shop.__table__.c.logo.type) == "bytes"
    assert column_kind(models.Invoice.__table__.c.shop_snapshot.type) == "str"
    assert column_kind(models.Invoice.__table__.c.grand_total.type) == "decimal"


def test_loading_the_models_does_not_load_the_mysql_dialect():
    code = ("import sys, billbook.db.models; "
            "print(sorted(m for m in sys.modules if m.startswith('sqlalchemy.dialects.mysql')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
