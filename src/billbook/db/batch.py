"""A transaction's writes sent as one batch: the checkout's hot path.

Why it exists: a sale writes six tables. Through SQLAlchemy Core each statement costs tens
of microseconds of Python (compiling the cached statement's parameters, processing every
value, building a result), and on MySQL each statement is also a network round trip. That
was most of a sale's time. A :class:`WriteBatch` renders each statement shape once into the
driver's own SQL text, converts every value with SQLAlchemy's bind processor for its column
type (exactly what Core would send), and then

* on SQLite runs the statements one after another (the database is in-process: no round
  trips to save);
* on MySQL/MariaDB sends them as ONE multi-statement query, one round trip. A row that needs
  an earlier row's new id (an invoice line needs its invoice's) reads it from a session
  variable set right after that INSERT (``SET @bb_<key> = LAST_INSERT_ID()``).

Both go through ``Connection.exec_driver_sql``, so SQLAlchemy's statement events, its error
translation (IntegrityError, OperationalError with the server's errno) and disconnect
handling apply as to any other statement, and everything stays in the caller's transaction.
On MySQL the batch ends with a ``SELECT`` of the new ids; a batch whose last statement did not
answer raises :class:`BatchIncomplete`, so an error in a middle statement is never swallowed.
Values always travel as driver parameters: no value is ever pasted into SQL text.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, event
from sqlalchemy.engine import Connection, Dialect

#: execution option carrying the list the MySQL handler appends the batch's last rows to
_RESULT_OPTION = "billbook_batch_result"
_END_MARK = "billbook-batch-end"


class BatchIncomplete(RuntimeError):
    """A MySQL batch ended without its final SELECT answering (a statement was not run)."""


@dataclass(frozen=True)
class NewId:
    """Stands in a row for the id a previous ``insert(..., new_id=key)`` of this batch made."""
    key: str


def _is_mysql(dialect: Dialect) -> bool:
    return dialect.name in ("mysql", "mariadb")


def _bind_processor(type_, dialect: Dialect):
    """SQLAlchemy's own conversion of a Python value for this column type on this driver."""
    return type_.dialect_impl(dialect).bind_processor(dialect)


def _bound(proc, value):
    return value if proc is None or value is None else proc(value)


def _processors(dialect: Dialect, table: Table, columns: tuple[str, ...],
                _cache: dict = {}) -> list[Callable[[Any], Any] | None]:  # noqa: B006 - a cache
    key = (dialect.name, dialect.driver, table.name, columns)
    procs = _cache.get(key)
    if procs is None:
        procs = _cache[key] = [_bind_processor(table.c[name].type, dialect) for name in columns]
    return procs


class WriteBatch:
    """INSERTs and UPDATEs of one transaction, run by :meth:`flush` (SQLite: as they are added).

    ``ids`` maps each ``new_id`` key to the id its INSERT made, once known (after ``flush``).
    """

    def __init__(self, conn: Connection):
        self._conn = conn
        self._dialect = conn.dialect
        self.is_mysql = _is_mysql(conn.dialect)
        self._mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self._quote = conn.dialect.identifier_preparer.quote
        self._sql: list[str] = []
        self._params: list[Any] = []
        self._keys: list[str] = []
        self.ids: dict[str, int] = {}

    # ------------------------------------------------------------ building

    def _value(self, raw: Any, proc) -> str:
        """The placeholder for one value (adding the parameter), or a MySQL session variable."""
        if isinstance(raw, NewId):
            if self.is_mysql:
                return f"@bb_{raw.key}"
            raw = self.ids[raw.key]
        self._params.append(_bound(proc, raw))
        return self._mark

    def insert(self, table: Table, rows: Sequence[Mapping[str, Any]], *, new_id: str | None = None) -> None:
        """``INSERT INTO table`` of ``rows`` (same keys in every row) as one multi-row statement;
        ``new_id``: remember the (single) row's new id under this key, for :class:`NewId` cells."""
        if not rows:
            return
        if new_id is not None and len(rows) != 1:
            raise ValueError("new_id needs exactly one row")
        columns = tuple(rows[0])
        procs = _processors(self._dialect, table, columns)
        values = ", ".join("(" + ", ".join(self._value(row[c], p) for c, p in zip(columns, procs)) + ")"
                           for row in rows)
        self._add(f"INSERT INTO {self._quote(table.name)} ({', '.join(self._quote(c) for c in columns)}) "
                  f"VALUES {values}", new_id)

    def update_by_key(self, table: Table, column: str, key: str, new_values: Mapping[Any, Any]) -> None:
        """``UPDATE table SET column = CASE key WHEN k THEN v ... END WHERE key IN (k, ...)``:
        one statement setting ``column`` of several rows to their own values."""
        if not new_values:
            return
        kp, vp = _processors(self._dialect, table, (key, column))
        q_col, q_key = self._quote(column), self._quote(key)
        whens = " ".join(f"WHEN {self._value(k, kp)} THEN {self._value(v, vp)}" for k, v in new_values.items())
        keys = ", ".join(self._value(k, kp) for k in new_values)
        self._add(f"UPDATE {self._quote(table.name)} SET {q_col} = CASE {q_key} {whens} END "
                  f"WHERE {q_key} IN ({keys})", None)

    def _add(self, sql: str, new_id: str | None) -> None:
        if self.is_mysql:
            self._sql.append(sql)
            if new_id is not None:
                self._sql.append(f"SET @bb_{new_id} = LAST_INSERT_ID()")
                self._keys.append(new_id)
            return
        result = self._conn.exec_driver_sql(sql, tuple(self._params))
        self._params.clear()
        if new_id is not None:
            self.ids[new_id] = result.lastrowid

    # ------------------------------------------------------------ running

    def flush(self) -> dict[str, int]:
        """Send what is queued (MySQL: in one round trip); the new ids by key."""
        if not self.is_mysql or not self._sql:
            return self.ids
        ids = ", ".join(f"@bb_{k}" for k in self._keys)
        self._sql.append(f"SELECT '{_END_MARK}'" + (f", {ids}" if ids else ""))
        answer: list = []
        self._conn.exec_driver_sql(";\n".join(self._sql), tuple(self._params),
                                   execution_options={_RESULT_OPTION: answer})
        if not answer or not isinstance(answer[-1], list) or answer[-1][0][0] != _END_MARK:
            raise BatchIncomplete("the database did not run the whole batch of statements")
        for k, value in zip(self._keys, answer[-1][0][1:]):
            self.ids[k] = int(value)
        self._sql.clear()
        self._params.clear()
        self._keys.clear()
        return self.ids


class Prepared:
    """A Core statement compiled once per dialect into the driver's SQL text, with SQLAlchemy's
    own bind and result processors for its parameters and columns; run by :func:`run_queries`.

    Parameters are named as in the statement (``bindparam("c0")``); literal values the
    statement carries are filled in. Rows come back as named tuples, processed as Core would
    (Decimal from SQLite's REAL, bool from 0/1, datetime from text).
    """

    def __init__(self, stmt):
        self.stmt = stmt
        self._by_dialect: dict[tuple, tuple] = {}

    def compiled(self, dialect: Dialect) -> tuple:
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        hit = self._by_dialect.get(key)
        if hit is None:
            c = self.stmt.compile(dialect=dialect)
            binds = {c.bind_names[b]: b for b in c.binds.values()}
            fixed = {name: b.value for name, b in binds.items() if not b.required}
            bind_procs = {name: _bind_processor(b.type, dialect) for name, b in binds.items()}
            columns = list(self.stmt.exported_columns)      # SELECT columns, or RETURNING ones
            row_type = namedtuple("Row", [col.key for col in columns], rename=True) if columns else None
            result_procs = [col.type.dialect_impl(dialect).result_processor(dialect, None) for col in columns]
            hit = self._by_dialect[key] = (c.string, c.positiontup, fixed, bind_procs, row_type, result_procs)
        return hit

    def params(self, dialect: Dialect, values: Mapping[str, Any]):
        _sql, order, fixed, procs, _rt, _rp = self.compiled(dialect)
        merged = {**fixed, **values}
        out = {name: _bound(procs.get(name), v) for name, v in merged.items()}
        return tuple(out[name] for name in order) if order is not None else out

    def rows(self, dialect: Dialect, raw_rows) -> list:
        *_, row_type, procs = self.compiled(dialect)
        if any(p is not None for p in procs):
            return [row_type(*(p(v) if p is not None else v for p, v in zip(procs, r))) for r in raw_rows]
        return [row_type(*r) for r in raw_rows]


def run_queries(conn: Connection, queries: Sequence[tuple[Prepared, Mapping[str, Any]]]) -> list:
    """Run ``queries`` in order in the connection's transaction; for each, its rows (named
    tuples) or, for a statement without rows, its row count. MySQL/MariaDB: ONE round trip
    (multi-statement, named parameters, so their names must differ between the queries);
    SQLite: one after another."""
    dialect = conn.dialect
    if not _is_mysql(dialect):
        out = []
        for prepared, values in queries:
            result = conn.exec_driver_sql(prepared.compiled(dialect)[0], prepared.params(dialect, values))
            out.append(prepared.rows(dialect, result.fetchall()) if result.returns_rows else result.rowcount)
        return out
    params: dict[str, Any] = {}
    for prepared, values in queries:
        params.update(prepared.params(dialect, values))
    answer: list = []
    conn.exec_driver_sql(";\n".join(p.compiled(dialect)[0] for p, _v in queries), params,
                         execution_options={_RESULT_OPTION: answer})
    if len(answer) != len(queries):
        raise BatchIncomplete("the database did not run every query of the batch")
    return [p.rows(dialect, a) if isinstance(a, list) else a for (p, _v), a in zip(queries, answer)]


def install(engine: Engine) -> None:
    """Let ``engine`` (MySQL/MariaDB) run batches: read every result of a multi-statement query.

    A dialect ``do_execute`` hook, so it runs inside SQLAlchemy's own execution (events, error
    translation) and only for statements sent with the batch's execution option. Each result
    is read in turn (its rows, or its row count); the driver raises the first statement error
    as it reaches it.
    """
    @event.listens_for(engine, "do_execute")
    def _run_batch(cursor, statement, parameters, context):
        answer = context.execution_options.get(_RESULT_OPTION)
        if answer is None:
            return False
        cursor.execute(statement, parameters)
        while True:
            answer.append(cursor.fetchall() if cursor.description is not None else cursor.rowcount)
            if not cursor.nextset():
                break
        return True
