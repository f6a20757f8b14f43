"""A transaction's writes sent as one batch: the checkout's hot path.

Why it exists: a sale writes six tables. Through SQLAlchemy Core each statement costs tens
of microseconds of Python (compiling the cached statement's parameters, processing every
value, building a result), and on MySQL each statement is also a network round trip. That
was most of a sale's time. A :class:`WriteBatch` renders each statement shape once into the
driver's own SQL text (cached), converts every value with SQLAlchemy's bind processor for its
column type (exactly what Core would send), and then

* on SQLite runs each statement at once on the DBAPI cursor of the connection's transaction
  (the database is in-process: no round trips to save, and SQLAlchemy's per-statement
  execution machinery would cost more than SQLite's own work); several rows of one table go
  as one ``executemany`` of a single-row statement, which SQLite prepares once;
* on MySQL/MariaDB sends them as ONE multi-statement query, one round trip, through
  ``Connection.exec_driver_sql``. A row that needs an earlier row's new id (an invoice line
  needs its invoice's) reads it from a session variable set right after that INSERT
  (``SET @bb_<key> = LAST_INSERT_ID()``).

Either way the statements run in the caller's transaction. What SQLAlchemy's execution gives
any statement is kept: driver errors become SQLAlchemy's (IntegrityError, OperationalError,
with the driver's error as ``orig``), and ``before_cursor_execute`` / ``after_cursor_execute``
listeners see every statement (on SQLite with ``context=None``; listeners registered with
``retval=True`` cannot rewrite these statements). On MySQL the batch ends with a ``SELECT``
of the new ids; a batch whose last statement did not answer raises :class:`BatchIncomplete`,
so an error in a middle statement is never swallowed. Values always travel as driver
parameters: no value is ever pasted into SQL text.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, DateTime, Engine, Numeric, Table, event
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

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
    """SQLAlchemy's own conversion of a Python value for this column type on this driver.

    Date and time conversions (string formatting on SQLite) are memoised: a sale binds the
    same timestamp on every row it writes. Exact decimals go to SQLite as their text, not as
    a float (SQLAlchemy's ``float(value)``, which CPython does by formatting the Decimal and
    parsing the text back): the column's NUMERIC affinity stores the same number either
    way, and the sale binds about sixty of them."""
    proc = type_.dialect_impl(dialect).bind_processor(dialect)
    if proc is not None and isinstance(type_, (Date, DateTime)):
        proc = functools.lru_cache(maxsize=16)(proc)
    elif proc is not None and dialect.name == "sqlite" and isinstance(type_, Numeric):
        proc = str
    return proc


def _bound(proc, value):
    return value if proc is None or value is None else proc(value)


@dataclass(frozen=True)
class _Shape:
    """One statement shape on one dialect: its SQL text pieces and its values' processors.

    INSERT: ``head`` "INSERT INTO t (a, b) VALUES ", ``row`` one row's placeholders "(?, ?)",
    ``procs`` one per column. UPDATE (:func:`_update_shape`): ``head`` the whole single-row
    statement (SQLite) or the text up to its WHEN list (MySQL), ``row`` "WHERE key IN (",
    ``procs`` for the key and the column."""
    head: str
    row: str
    procs: tuple[Callable[[Any], Any] | None, ...]
    #: INSERT: a row mapping's values in column order, each through its processor, as a tuple
    convert: Callable[[Mapping[str, Any]], tuple] | None = None


_SHAPES: dict[tuple, _Shape] = {}


def _insert_shape(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> _Shape:
    key = (dialect.name, dialect.driver, table.name, columns)
    shape = _SHAPES.get(key)
    if shape is None:
        quote = dialect.identifier_preparer.quote
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        procs = tuple(_bind_processor(table.c[name].type, dialect) for name in columns)
        shape = _SHAPES[key] = _Shape(
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) VALUES ",
            "(" + ", ".join([mark] * len(columns)) + ")", procs, _row_converter(table.name, columns, procs))
    return shape


def _row_converter(name: str, columns: Sequence[str], procs: Sequence[Callable[[Any], Any] | None]):
    """``convert(row)``: the tuple of a row mapping's values in ``columns`` order, each through
    its processor (None stays None); see :func:`_generated`."""
    return _generated(f"row converter {name}", [f"r[{column!r}]" for column in columns], procs)


def _update_shape(dialect: Dialect, table: Table, column: str, key: str) -> _Shape:
    """SQLite: ``UPDATE t SET column = ? WHERE key = ?`` (run once per row); MySQL: the head of
    ``UPDATE t SET column = CASE key WHEN k THEN v ... END WHERE key IN (k, ...)``."""
    cache_key = ("update", dialect.name, dialect.driver, table.name, column, key)
    shape = _SHAPES.get(cache_key)
    if shape is None:
        quote = dialect.identifier_preparer.quote
        q_table, q_col, q_key = quote(table.name), quote(column), quote(key)
        head = (f"UPDATE {q_table} SET {q_col} = ? WHERE {q_key} = ?" if not _is_mysql(dialect)
                else f"UPDATE {q_table} SET {q_col} = CASE {q_key} ")
        shape = _SHAPES[cache_key] = _Shape(head, f"WHERE {q_key} IN (", tuple(
            _bind_processor(table.c[name].type, dialect) for name in (key, column)))
    return shape


class _DriverStatements:
    """SQLite: statements run on the DBAPI cursor of ``conn``'s transaction, with SQLAlchemy's
    cursor listeners called and driver errors raised as SQLAlchemy's (see the module doc)."""

    def __init__(self, conn: Connection):
        self._conn = conn
        self._cursor = conn.connection.cursor()
        self._error = conn.dialect.loaded_dbapi.Error
        # the listeners as they are now (a batch lives for one transaction)
        self._before = tuple(conn.dispatch.before_cursor_execute)
        self._after = tuple(conn.dispatch.after_cursor_execute)

    @classmethod
    def of(cls, conn: Connection) -> _DriverStatements:
        """The one for ``conn`` (made on first use): a Connection lives for one transaction
        in the checkout (``engine.begin()``), so one cursor serves all its statements."""
        made = conn.__dict__.get("_billbook_driver")
        if made is None or made._cursor.connection is not conn.connection.driver_connection:
            made = conn.__dict__["_billbook_driver"] = cls(conn)
        return made

    def run(self, sql: str, params, *, many: bool = False):
        conn, cursor = self._conn, self._cursor
        for listener in self._before:
            listener(conn, cursor, sql, params, None, many)
        try:
            if many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
        except self._error as exc:
            raise DBAPIError.instance(sql, params, exc, self._error, dialect=conn.dialect, ismulti=many) from exc
        for listener in self._after:
            listener(conn, cursor, sql, params, None, many)
        return cursor


class WriteBatch:
    """INSERTs and UPDATEs of one transaction, run by :meth:`flush` (SQLite: as they are added).

    ``ids`` maps each ``new_id`` key to the id its INSERT made, once known (after ``flush``).
    """

    def __init__(self, conn: Connection):
        self._conn = conn
        self._dialect = conn.dialect
        self.is_mysql = _is_mysql(conn.dialect)
        self._driver = None if self.is_mysql else _DriverStatements.of(conn)
        self._sql: list[str] = []
        self._params: list[Any] = []
        self._keys: list[str] = []
        self.ids: dict[str, int] = {}

    # ------------------------------------------------------------ building

    def _mysql_row(self, shape: _Shape, values: Sequence[Any]) -> str:
        """One row's placeholders (adding its parameters); a NewId cell becomes its session variable."""
        params = self._params
        if not any(type(v) is NewId for v in values):
            params.extend(_bound(p, v) for p, v in zip(shape.procs, values))
            return shape.row
        marks = []
        for p, v in zip(shape.procs, values):
            if type(v) is NewId:
                marks.append(f"@bb_{v.key}")
            else:
                params.append(_bound(p, v))
                marks.append("%s")
        return "(" + ", ".join(marks) + ")"

    def _sqlite_rows(self, shape: _Shape, rows: Sequence[Mapping[str, Any]]) -> list:
        """The rows' driver parameters: values in column order, each through its column's
        processor, :class:`NewId` cells replaced by the id. Only the first row is searched for
        NewId cells (a batch's rows share their shape; :meth:`ref` gives ids as plain values on
        SQLite, so a sale's rows hold none); a NewId left elsewhere is refused by the driver."""
        convert = shape.convert
        out = [convert(row) for row in rows]
        if self.ids and NewId in set(map(type, out[0])):
            ids = self.ids
            out = [tuple([ids[v.key] if type(v) is NewId else v for v in values]) for values in out]
        return out

    def ref(self, key: str) -> int | NewId:
        """The id the ``insert(..., new_id=key)`` made: the number itself once known (SQLite runs
        each INSERT at once), else a :class:`NewId` that the batch fills in (MySQL)."""
        value = self.ids.get(key)
        return NewId(key) if value is None else value

    def insert(self, table: Table, rows: Sequence[Mapping[str, Any]], *, new_id: str | None = None) -> None:
        """``INSERT INTO table`` of ``rows`` (same keys in every row); ``new_id``: remember the
        (single) row's new id under this key, for :class:`NewId` cells."""
        if not rows:
            return
        if new_id is not None and len(rows) != 1:
            raise ValueError("new_id needs exactly one row")
        columns = tuple(rows[0])
        shape = _insert_shape(self._dialect, table, columns)
        if self.is_mysql:
            values = ", ".join(self._mysql_row(shape, [row[c] for c in columns]) for row in rows)
            self._queue(shape.head + values, new_id)
            return
        sql = shape.head + shape.row
        params = self._sqlite_rows(shape, rows)
        cursor = (self._driver.run(sql, params[0]) if len(params) == 1
                  else self._driver.run(sql, params, many=True))
        if new_id is not None:
            self.ids[new_id] = cursor.lastrowid

    def update_by_key(self, table: Table, column: str, key: str, new_values: Mapping[Any, Any]) -> None:
        """Set ``column`` of the rows whose ``key`` is each of ``new_values``' keys to its value:
        MySQL: one ``UPDATE ... SET column = CASE key WHEN k THEN v ... END WHERE key IN (...)``;
        SQLite: one single-row ``UPDATE`` run for each row."""
        if not new_values:
            return
        shape = _update_shape(self._dialect, table, column, key)
        kp, vp = shape.procs
        if not self.is_mysql:
            self._driver.run(shape.head, [(_bound(vp, v), _bound(kp, k)) for k, v in new_values.items()],
                             many=True)
            return
        for k, v in new_values.items():
            self._params += [_bound(kp, k), _bound(vp, v)]
        self._params.extend(_bound(kp, k) for k in new_values)
        n = len(new_values)
        self._queue(shape.head + "WHEN %s THEN %s " * n + "END " + shape.row + ", ".join(["%s"] * n) + ")", None)

    def _queue(self, sql: str, new_id: str | None) -> None:
        self._sql.append(sql)
        if new_id is not None:
            self._sql.append(f"SET @bb_{new_id} = LAST_INSERT_ID()")
            self._keys.append(new_id)

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
        self._last: tuple = (None, None)        # (dialect object, its entry): the usual case

    def compiled(self, dialect: Dialect) -> tuple:
        last_dialect, last = self._last
        if dialect is last_dialect:
            return last
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        hit = self._by_dialect.get(key)
        if hit is None:
            c = self.stmt.compile(dialect=dialect)
            binds = {c.bind_names[b]: b for b in c.binds.values()}
            fixed = {name: b.value for name, b in binds.items() if not b.required}
            bind_procs = {name: _bind_processor(b.type, dialect) for name, b in binds.items()}
            columns = list(self.stmt.exported_columns)      # SELECT columns, or RETURNING ones
            row_type = namedtuple("Row", [col.key for col in columns], rename=True) if columns else None
            result_procs = [_result_processor(col.type, dialect) for col in columns]
            make_row = _row_maker(row_type, result_procs) if columns else None
            order = c.positiontup
            positional = _params_maker(order, fixed, bind_procs) if order is not None else None
            hit = self._by_dialect[key] = (c.string, order, fixed, bind_procs, positional, make_row)
        self._last = (dialect, hit)
        return hit

    def params(self, dialect: Dialect, values: Mapping[str, Any]):
        _sql, order, fixed, procs, positional, _make = self.compiled(dialect)
        if positional is not None:
            return positional(values)
        merged = {**fixed, **values}
        return {name: _bound(procs.get(name), v) for name, v in merged.items()}

    def rows(self, dialect: Dialect, raw_rows) -> list:
        make_row = self.compiled(dialect)[-1]
        return [make_row(r) for r in raw_rows]


def _result_processor(type_, dialect: Dialect):
    """SQLAlchemy's conversion of a value the driver returns for this column type. Decimal
    conversions (SQLite: formatting the float and parsing the text) are memoised: prices,
    GST rates and settings repeat from sale to sale, and a Decimal is immutable."""
    proc = type_.dialect_impl(dialect).result_processor(dialect, None)
    if proc is not None and isinstance(type_, Numeric) and getattr(type_, "asdecimal", False):
        proc = functools.lru_cache(maxsize=4096)(proc)
    return proc


def _params_maker(order: Sequence[str], fixed: Mapping[str, Any], procs: Mapping[str, Any]):
    """``params(values)``: the positional parameters of a statement, in ``order`` (a name may
    come twice), each through its processor; a value the statement carries (``fixed``) unless
    ``values`` gives one."""
    scope = {f"f{k}": fixed[name] for k, name in enumerate(order) if name in fixed}
    reads = [f"r.get({name!r}, f{k})" if name in fixed else f"r[{name!r}]" for k, name in enumerate(order)]
    return _generated("statement parameters", reads, [procs.get(name) for name in order], scope)


def _row_maker(row_type: type, procs: Sequence[Callable[[Any], Any] | None]) -> Callable[[Sequence], tuple]:
    """``make(raw)``: the named tuple of a driver row, each value through its column's result
    processor (None stays None)."""
    return _generated(f"row maker {row_type.__name__}", [f"r[{k}]" for k in range(len(procs))], procs,
                      {"_new": tuple.__new__, "_row": row_type}, "_new(_row, ({cells}))")


def _generated(label: str, reads: Sequence[str], procs: Sequence[Callable[[Any], Any] | None],
               scope: dict[str, Any] | None = None, result: str = "({cells})") -> Callable[[Any], Any]:
    """``f(r)`` returning ``result`` with ``{cells}`` the tuple items: each ``reads[k]`` (an
    expression of ``r``) through ``procs[k]`` (None stays None; no processor: as read).

    Written once per statement shape and compiled, as dataclasses and namedtuple write their
    methods: converting values in a Python loop was the largest part of the checkout's own
    time on SQLite. The source holds only names and repr() of column and bind names, never a
    value."""
    scope = dict(scope or {})
    cells = []
    for k, (read, proc) in enumerate(zip(reads, procs)):
        if proc is None:
            cells.append(read)
        else:
            scope[f"p{k}"] = proc
            cells.append(f"(None if (v := {read}) is None else p{k}(v))")
    source = f"def f(r):\n    return {result.format(cells=''.join(cell + ', ' for cell in cells))}\n"
    exec(compile(source, f"<{label}>", "exec"), scope)  # noqa: S102 - see the docstring
    return scope["f"]


def run_queries(conn: Connection, queries: Sequence[tuple[Prepared, Mapping[str, Any]]]) -> list:
    """Run ``queries`` in order in the connection's transaction; for each, its rows (named
    tuples) or, for a statement without rows, its row count. MySQL/MariaDB: ONE round trip
    (multi-statement, named parameters, so their names must differ between the queries);
    SQLite: one after another on the DBAPI cursor, as :class:`WriteBatch` runs them."""
    dialect = conn.dialect
    if not _is_mysql(dialect):
        driver, out = _DriverStatements.of(conn), []
        for prepared, values in queries:
            cursor = driver.run(prepared.compiled(dialect)[0], prepared.params(dialect, values))
            out.append(prepared.rows(dialect, cursor.fetchall()) if cursor.description is not None
                       else cursor.rowcount)
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
