"""db/batch.py, the checkout's write path, on SQLite and MariaDB: rows written by a WriteBatch
read back exactly as rows written by Core; values travel as parameters (quotes, backslashes,
``%s``, ``;`` and ``@bb_`` in text stay text); an error in a middle statement is raised as
SQLAlchemy's IntegrityError and the transaction leaves nothing behind; run_queries returns
processed rows, and on MySQL both a batch and a set of queries cost one statement each."""

import datetime as dt
from decimal import Decimal as Dec

import pytest
from sqlalchemy import (
    Boolean, Column, Date, DateTime, ForeignKey, Integer, MetaData, Numeric, String, Table, Text, event, func,
    insert, select, update,
)
from sqlalchemy.exc import IntegrityError

from billbook.db.batch import NewId, Prepared, WriteBatch, run_queries

META = MetaData()
DOCS = Table("wb_docs", META, Column("id", Integer, primary_key=True, autoincrement=True),
             Column("number", String(40), unique=True, nullable=False), Column("total", Numeric(12, 2)),
             Column("at", DateTime), Column("day", Date), Column("paid", Boolean), Column("note", Text),
             mysql_engine="InnoDB")
LINES = Table("wb_lines", META, Column("id", Integer, primary_key=True, autoincrement=True),
              Column("doc_id", Integer, ForeignKey("wb_docs.id"), nullable=False),
              Column("qty", Numeric(12, 3)), Column("label", String(80)), Column("ref", String(64)),
              mysql_engine="InnoDB")
TRICKY = ["it's", 'say "hi"', "back\\slash", "100%s sure", "a; DROP TABLE wb_docs; --", "@bb_doc", "₹ 1,234.50",
          "%(x)s", "line\nbreak", ""]


@pytest.fixture
def tables(db):
    META.create_all(db.engine)
    yield db
    META.drop_all(db.engine)


def _doc(number: str, note: str = "") -> dict:
    return {"number": number, "total": Dec("1234.50"), "at": dt.datetime(2026, 11, 25, 10, 30, 15),
            "day": dt.date(2026, 11, 25), "paid": True, "note": note}


def _rows(db, table):
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(table).order_by(table.c.id))]


def test_batch_rows_read_back_like_core_rows_and_link_by_new_id(tables):
    db = tables

    def work(s):
        batch = WriteBatch(s.connection())
        batch.insert(DOCS, [_doc("B-1", TRICKY[0])], new_id="doc")
        batch.insert(LINES, [{"doc_id": NewId("doc"), "qty": Dec(n) / 4, "label": text, "ref": NewId("doc")}
                             for n, text in enumerate(TRICKY, 1)])
        batch.update_by_key(LINES, "label", "id", {})                  # nothing to update: no statement
        return batch.flush()["doc"]
    doc_id = db.run(work)

    def core(s):
        conn = s.connection()
        core_id = conn.execute(insert(DOCS), _doc("C-1", TRICKY[0])).inserted_primary_key[0]
        conn.execute(insert(LINES), [{"doc_id": core_id, "qty": Dec(n) / 4, "label": text, "ref": str(core_id)}
                                     for n, text in enumerate(TRICKY, 1)])
        return core_id
    core_id = db.run(core)
    docs = _rows(db, DOCS)
    assert docs[0][0] == doc_id and docs[1][0] == core_id
    assert docs[0][2:] == docs[1][2:] == (Dec("1234.50"), dt.datetime(2026, 11, 25, 10, 30, 15),
                                          dt.date(2026, 11, 25), True, TRICKY[0])
    lines = _rows(db, LINES)
    ours = [r for r in lines if r[1] == doc_id]
    theirs = [r for r in lines if r[1] == core_id]
    assert [r[2:4] for r in ours] == [r[2:4] for r in theirs] == [(Dec(n) / 4, t) for n, t in enumerate(TRICKY, 1)]
    assert {r[4] for r in ours} == {str(doc_id)}          # an id into a text column reads back as its text


def test_update_by_key_sets_each_row_its_own_value(tables):
    db = tables

    def work(s):
        batch = WriteBatch(s.connection())
        batch.insert(DOCS, [_doc("U-1")], new_id="doc")
        batch.insert(LINES, [{"doc_id": NewId("doc"), "qty": Dec(1), "label": "x", "ref": ""} for _ in range(3)])
        batch.flush()
        ids = [r.id for r in s.connection().execute(select(LINES.c.id).order_by(LINES.c.id))]
        batch.update_by_key(LINES, "qty", "id", {ids[0]: Dec("2.5"), ids[2]: Dec("-7.125")})
        batch.flush()
    db.run(work)
    assert [r[2] for r in _rows(db, LINES)] == [Dec("2.5"), Dec(1), Dec("-7.125")]


def test_an_error_in_a_middle_statement_raises_integrity_error_and_writes_nothing(tables):
    db = tables
    db.run(lambda s: s.connection().execute(insert(DOCS), _doc("TAKEN")))
    before = (_rows(db, DOCS), _rows(db, LINES))

    def work(s):
        batch = WriteBatch(s.connection())
        batch.insert(DOCS, [_doc("NEW")], new_id="doc")
        batch.insert(LINES, [{"doc_id": NewId("doc"), "qty": Dec(1), "label": "first", "ref": ""}])
        batch.insert(DOCS, [_doc("TAKEN")])                         # unique number: refused here
        batch.insert(LINES, [{"doc_id": NewId("doc"), "qty": Dec(2), "label": "after", "ref": ""}])
        batch.flush()
    with pytest.raises(IntegrityError):
        db.run(work)
    assert (_rows(db, DOCS), _rows(db, LINES)) == before


def test_new_id_needs_one_row(tables):
    with tables.engine.connect() as conn:
        with pytest.raises(ValueError, match="exactly one row"):
            WriteBatch(conn).insert(DOCS, [_doc("A"), _doc("B")], new_id="doc")


def test_run_queries_returns_processed_rows_and_row_counts(tables):
    db = tables
    db.run(lambda s: s.connection().execute(insert(DOCS), [_doc("Q-1", "x"), _doc("Q-2", "it's")]))
    from sqlalchemy import bindparam
    by_number = Prepared(select(DOCS.c.number, DOCS.c.total, DOCS.c.paid, DOCS.c.at)
                         .where(DOCS.c.number == bindparam("q_number")))
    bump = Prepared(update(DOCS).where(DOCS.c.number == bindparam("u_number")).values(total=DOCS.c.total + 1))
    count = Prepared(select(func.count().label("n")).select_from(DOCS))

    def work(s):
        return run_queries(s.connection(), [(by_number, {"q_number": "Q-2"}), (bump, {"u_number": "Q-1"}),
                                            (count, {})])
    rows, changed, counted = db.run(work)
    assert rows == [("Q-2", Dec("1234.50"), True, dt.datetime(2026, 11, 25, 10, 30, 15))]
    assert rows[0].number == "Q-2" and isinstance(rows[0].total, Dec) and rows[0].paid is True
    assert changed == 1 and counted[0].n == 2
    assert [r[2] for r in _rows(db, DOCS)] == [Dec("1235.50"), Dec("1234.50")]


def test_one_statement_per_batch_on_mysql(tables):
    db = tables
    sent = []

    def on_statement(conn, cursor, statement, *_args):
        sent.append(statement)
    event.listen(db.engine, "before_cursor_execute", on_statement)
    try:
        def work(s):
            sent.clear()                           # (SQLite's BEGIN IMMEDIATE)
            batch = WriteBatch(s.connection())
            batch.insert(DOCS, [_doc("M-1")], new_id="doc")
            batch.insert(LINES, [{"doc_id": NewId("doc"), "qty": Dec(1), "label": "a", "ref": ""}] * 3)
            batch.flush()
            run_queries(s.connection(), [(Prepared(select(func.count()).select_from(DOCS)), {}),
                                         (Prepared(select(func.count()).select_from(LINES)), {})])
        db.run(work)
    finally:
        event.remove(db.engine, "before_cursor_execute", on_statement)
    # MySQL: the two INSERTs in one batch, the two SELECTs in another; SQLite: one each, in-process
    assert len(sent) == (2 if db.is_mysql else 4), sent
    assert _rows(db, LINES)[0][2] == Dec(1) and len(_rows(db, LINES)) == 3


def test_decimals_are_stored_exactly_as_core_stores_them(tables):
    """A batch binds a Decimal as its text on SQLite (Core binds a float): the database keeps
    the same number of the same storage type, for paise, quantities and the largest amount."""
    db = tables
    values = [Dec("0.00"), Dec("0.10"), Dec("-0.01"), Dec("1234.50"), Dec("999999999.999"), Dec("118"),
              Dec("0.125"), Dec("333.333"), Dec("-45.678")]

    def work(s):
        conn = s.connection()
        batch = WriteBatch(conn)
        batch.insert(DOCS, [{"number": "D-0", "total": Dec("1"), "note": ""}], new_id="doc")
        doc_id = batch.flush()["doc"]
        batch.insert(LINES, [{"doc_id": doc_id, "qty": v, "label": "batch", "ref": str(k)} for k, v in enumerate(values)])
        batch.flush()
        conn.execute(insert(LINES), [{"doc_id": doc_id, "qty": v, "label": "core", "ref": str(k)}
                                     for k, v in enumerate(values)])
    db.run(work)
    kind = func.typeof(LINES.c.qty) if db.is_sqlite else func.length(LINES.c.qty)
    with db.engine.connect() as conn:
        got = {(label, int(ref)): (qty, stored) for label, ref, qty, stored in conn.execute(
            select(LINES.c.label, LINES.c.ref, LINES.c.qty, kind))}
    for k, v in enumerate(values):
        assert got[("batch", k)] == got[("core", k)]
        assert got[("batch", k)][0] == v.quantize(Dec("0.001"))
