"""Exact money on SQLite (migration 0011): amounts are stored as integer paise; a shop file
written before (amounts as REAL) is converted with every amount and every total unchanged.
MySQL/MariaDB keep DECIMAL(12,2)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import sqlite3
from decimal import Decimal

from sqlalchemy import func, select, text

from billbook.db import migrate
from billbook.db.bootstrap import open_database
from billbook.db.models import Base, Invoice
from billbook.db.types import ExactDecimal
from billbook.devtools import demo
from billbook.services.selling import checkout as sales
from billbook.services.selling.checkout import SaleRequest
from tests.builders import make_user

_spec = importlib.util.spec_from_file_location(
    "m0012", migrate.MIGRATIONS / "versions" / "0012_money_in_paise.py")
m0012 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(m0012)
BEFORE = m0012.down_revision
PAISA = Decimal("0.01")
#: {table: [(column, decimals)]}: amounts in paise, unit prices in thousandths of a rupee
COLUMNS: dict[str, list[tuple[str, int]]] = {}
for _table, _cols in m0012.MONEY_COLUMNS.items():
    COLUMNS.setdefault(_table, []).extend((c, 2) for c in _cols)
for _table, _cols in m0012.UNIT_PRICE_COLUMNS.items():
    COLUMNS.setdefault(_table, []).extend((c, 3) for c in _cols)


def _key(values) -> tuple:
    """A primary key as the file holds it (a date key is its ISO text)."""
    return tuple(v.isoformat() if isinstance(v, dt.date) else v for v in values)


def _app_values(db) -> dict:
    """{(table, column): {primary key: Decimal}} read through the models (ExactDecimal)."""
    out = {}
    with db.engine.connect() as conn:
        for name, columns in COLUMNS.items():
            table = Base.metadata.tables[name]
            pk = list(table.primary_key.columns)
            rows = conn.execute(select(*pk, *(table.c[c] for c, _ in columns))).all()
            for k, (col, _) in enumerate(columns):
                out[(name, col)] = {_key(r[:len(pk)]): r[len(pk) + k] for r in rows}
    return out


def _old_file_values(path) -> dict:
    """The same, read from an old shop file as releases before 0011 read it: the stored REAL
    as a Decimal, rounded to the paisa (SQLAlchemy's Numeric(12, 2))."""
    out = {}
    con = sqlite3.connect(path)
    try:
        for name, columns in COLUMNS.items():
            pk = [c.name for c in Base.metadata.tables[name].primary_key.columns]
            rows = con.execute(f"SELECT {', '.join(pk + [c for c, _ in columns])} FROM {name}").fetchall()  # noqa: S608
            for k, (col, places) in enumerate(columns):
                out[(name, col)] = {tuple(r[:len(pk)]): None if r[len(pk) + k] is None
                                    else Decimal(repr(r[len(pk) + k])).quantize(Decimal(1).scaleb(-places))
                                    for r in rows}
    finally:
        con.close()
    return out


def _totals(values: dict) -> dict:
    return {key: (len(v), sum((x for x in v.values() if x is not None), Decimal(0))) for key, v in values.items()}


def _make_old_shop_file(src, dst) -> None:
    """A copy of ``src`` as an older billbook left it: every amount a REAL number of rupees
    (what SQLAlchemy's Numeric stored on SQLite: float(amount)), schema at revision 0010."""
    shutil.copy(src, dst)
    con = sqlite3.connect(dst)
    try:
        for name, columns in COLUMNS.items():
            con.execute(f"UPDATE {name} SET " + ", ".join(f"{c} = {c} / {10 ** places}.0"  # noqa: S608
                                                          for c, places in columns))
        con.execute("UPDATE alembic_version SET version_num = ?", (BEFORE,))
        con.commit()
    finally:
        con.close()


def _typeofs(path) -> dict:
    con = sqlite3.connect(path)
    try:
        return {(name, c): {t for (t,) in con.execute(f"SELECT DISTINCT typeof({c}) FROM {name}")}  # noqa: S608
                for name, columns in COLUMNS.items() for c, _ in columns}
    finally:
        con.close()


def test_the_migration_lists_every_money_column_of_the_models():
    listed = {(t, c) for t, cols in COLUMNS.items() for c, _ in cols}
    models = {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns
              if isinstance(c.type, ExactDecimal)}
    assert listed == models


def test_a_one_year_demo_shop_keeps_every_amount_and_total_through_the_migration(tmp_path):
    fresh = tmp_path / "fresh.sqlite3"
    db = open_database(f"sqlite:///{fresh}")
    admin = make_user(db, "owner", "admin")
    res = demo.generate(db, admin, products=25, customers=30, invoices=250, days=365, end=dt.date(2025, 3, 31),
                        batch_invoices=250)
    assert res.invoices == 250 and res.returns > 0 and res.receipts > 0
    expected = _app_values(db)
    db.dispose()
    assert all(types <= {"integer", "null"} for types in _typeofs(fresh).values())     # new files: paise

    old = tmp_path / "shop.db"
    _make_old_shop_file(fresh, old)
    assert "real" in _typeofs(old)[("invoices", "taxable_total")]      # amounts with paise were REAL
    before = _old_file_values(old)
    assert before == expected                   # the old file says what the shop says
    con = sqlite3.connect(old)
    sql_before = con.execute("SELECT COUNT(*), SUM(grand_total), SUM(cgst + sgst + igst) FROM invoices").fetchone()
    con.close()

    # the money migration runs on the old file; the later migrations (0013…), whose tables and
    # columns the copy already has, are only stamped
    from alembic import command
    bare = open_database(f"sqlite:///{old}", migrate=False)
    try:
        migrate.upgrade(bare, m0012.revision)
        command.stamp(migrate.alembic_config(bare), "head")
    finally:
        bare.dispose()
    db = open_database(f"sqlite:///{old}")
    try:
        assert migrate.current_revision(db) == migrate.head_revision()
        after = _app_values(db)
        assert after == before
        assert _totals(after) == _totals(before)
        with db.engine.connect() as conn:      # sums in SQL are exact and come back in rupees
            n, grand, tax = conn.execute(select(func.count(), func.sum(Invoice.grand_total),
                                                func.sum(Invoice.cgst + Invoice.sgst + Invoice.igst))).one()
        assert n == sql_before[0] and grand == _totals(after)[("invoices", "grand_total")][1]
        assert grand == Decimal(repr(sql_before[1])).quantize(PAISA)
        assert tax == Decimal(repr(sql_before[2])).quantize(PAISA)
        # the file still takes sales, stored as paise
        cashier = make_user(db, "asha", "cashier")
        sku = db.run(lambda s: s.execute(text("SELECT sku FROM products WHERE stock_qty > 5 LIMIT 1")).scalar(),
                     readonly=True)
        sale = sales.checkout(db, cashier, SaleRequest("after-migration", [(sku, "1")], [("cash", None)]))
        assert sales.get_invoice(db, cashier, sale.number).grand_total == sale.grand_total
    finally:
        db.dispose()
    typeofs = _typeofs(old)
    assert typeofs[("invoices", "grand_total")] == {"integer"}
    assert all("real" not in types for types in typeofs.values()), typeofs


def test_money_round_trips_exactly_on_each_database(db, admin):
    """Amounts a REAL cannot hold exactly come back to the paisa; MySQL keeps DECIMAL (a unit price:
    DECIMAL(13,3) since 0011, SQLite integer thousandths)."""
    from billbook.services.goods import catalog
    prices = ["0.10", "0.29", "1.01", "1234567.89", "9999999999.99"]
    for i, price in enumerate(prices):
        catalog.add_product(db, admin, sku=f"M{i}", name=f"Money {i}", price=price, gst_rate="0", stock="1")
    from billbook.db.models import Product
    with db.engine.connect() as conn:
        stored = dict(conn.execute(select(Product.sku, Product.price)).all())
        total = conn.execute(select(func.sum(Product.price))).scalar()
        if db.is_sqlite:
            raw = dict(conn.execute(text("SELECT sku, typeof(price) FROM products")).all())
            assert set(raw.values()) == {"integer"}
        else:
            kind = conn.execute(text("SELECT DATA_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE FROM information_schema.COLUMNS "
                                     "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'products' "
                                     "AND COLUMN_NAME = 'price'")).one()
            assert tuple(kind) == ("decimal", 13, 3)
    assert stored == {f"M{i}": Decimal(p) for i, p in enumerate(prices)}
    assert total == sum(Decimal(p) for p in prices)
