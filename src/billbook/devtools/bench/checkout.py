"""Checkout benchmark: a committed 5-line sale against one bare single-row INSERT+COMMIT.

    python -m billbook.devtools.bench.checkout [--runs N] [--mysql-server URL] [--skip-mysql]

On each database (a temporary SQLite file, and a scratch MariaDB/MySQL database created and
dropped here) it times, interleaved so drift hits both alike:

* ``sale``: ``checkout.checkout`` of 5 lines paid in cash — number from the locked counter,
  invoice, lines, payment, 5 stock movements, 5 stock updates, audit row, one commit;
* ``bare``: one ``INSERT`` of a single row into a scratch table and ``COMMIT`` through the
  same engine (SQLAlchemy Core, same connection pool).

and prints the medians (ms), p95 and the ratio sale/bare (goal: ≤ 4, issue 19), and how many statements
each sends (cursor executions, BEGIN included on SQLite, plus the COMMIT), counted in a
separate pass after the timing so the counting costs nothing in the figures. A further pass
of 200 sales with timers on splits a sale's time within the same calls (medians, so the parts
add up only roughly): the driver's execute, SQLAlchemy's work around it (``Connection.execute``
minus the driver), COMMIT, and the rest (billbook's own work); and says what the statements and
COMMIT alone cost against the bare figure: the floor under the ratio that no work of billbook's
own can lower. The MySQL server URL
defaults to ``BILLBOOK_TEST_MYSQL_URL``, else ``mysql+mysqlconnector://root@127.0.0.1:3306``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, event, insert, text

from billbook import clock
from billbook.db.bootstrap import open_database
from billbook.db.models import User
from billbook.domain.permissions import Role
from billbook.services.goods import catalog
from billbook.services.selling import checkout as sales
from billbook.services.base import Actor
from billbook.services.selling.checkout import PaymentRequest, SaleRequest

DEFAULT_SERVER = "mysql+mysqlconnector://root@127.0.0.1:3306"


def _setup(db) -> Actor:
    def work(s):
        u = User(username="devtools/bench", full_name="Bench", password_hash="x", role="admin", active=True,
                 failed_attempts=0, created_at=clock.now())
        s.add(u)
        s.flush()
        return u.id
    actor = Actor(db.run(work), "devtools/bench", Role.ADMIN, "BENCH")
    for i, (price, rate, incl) in enumerate([("350", "5", False), ("45", "18", False), ("118", "18", True),
                                             ("60", "12", False), ("25.50", "0", False)]):
        catalog.add_product(db, actor, sku=f"B{i}", name=f"Bench item {i}", price=price, gst_rate=rate,
                            stock="1000000", tax_inclusive=incl)
    return actor


def _bench(db, runs: int) -> dict:
    actor = _setup(db)
    meta = MetaData()
    bare = Table("bench_bare", meta, Column("id", Integer, primary_key=True, autoincrement=True),
                 Column("v", String(64)), mysql_engine="InnoDB")
    meta.create_all(db.engine)
    items = [("B0", "2"), ("B1", "1"), ("B2", "3"), ("B3", "1", "5%"), ("B4", "4")]

    def one_sale(k: int) -> None:
        sales.checkout(db, actor, SaleRequest(f"bench-{uuid.uuid4().hex}", items, [PaymentRequest("cash", None)]))

    def one_insert(k: int) -> None:
        with db.engine.begin() as conn:
            conn.execute(insert(bare).values(v=f"row {k}"))

    for k in range(10):                      # warm up: pools, caches, first FY counter row
        one_sale(k)
        one_insert(k)
    sale_t, bare_t = [], []
    for k in range(runs):
        t0 = time.perf_counter()
        one_sale(k)
        t1 = time.perf_counter()
        one_insert(k)
        t2 = time.perf_counter()
        sale_t.append((t1 - t0) * 1000)
        bare_t.append((t2 - t1) * 1000)
    sale_stmts, bare_stmts = _statements(db, one_sale), _statements(db, one_insert)
    sale_parts, bare_parts = _anatomy(db, one_sale), _anatomy(db, one_insert)
    raw_bare = _raw_bare(db, runs)
    meta.drop_all(db.engine)
    q = lambda xs: statistics.quantiles(xs, n=20)[18]
    return {"sale_ms": statistics.median(sale_t), "bare_ms": statistics.median(bare_t),
            "sale_p95": q(sale_t), "bare_p95": q(bare_t), "sale_stmts": sale_stmts, "bare_stmts": bare_stmts,
            "sale_parts": sale_parts, "bare_parts": bare_parts, "raw_bare_ms": raw_bare}


def _statements(db, op, runs: int = 20) -> float:
    """Statements sent per call of ``op``: cursor executions plus commits."""
    count = 0

    def on_statement(*_args):
        nonlocal count
        count += 1
    event.listen(db.engine, "before_cursor_execute", on_statement)
    event.listen(db.engine, "commit", on_statement)
    try:
        for k in range(runs):
            op(k)
    finally:
        event.remove(db.engine, "before_cursor_execute", on_statement)
        event.remove(db.engine, "commit", on_statement)
    return count / runs


def _anatomy(db, op, runs: int = 200) -> dict:
    """Where each of ``runs`` calls of ``op`` spends its time, measured within the same calls:
    the medians (ms) of the whole call, of the time inside the driver's execute, inside
    ``Connection.execute`` (SQLAlchemy's work for each statement, the driver's included; BEGIN
    too, which SQLite's engine sends as a statement), in the driver's COMMIT (the database
    making the transaction durable), of the rest (billbook's own work: checks, GST arithmetic,
    rows built; and the connection from the pool), and of execute + COMMIT: what the
    statements cost before any work of billbook's own. The timers add a little to each call."""
    parts = {"driver": 0.0, "execute": 0.0, "commit": 0.0}
    started = {}

    def start(name):
        def handler(*_args):
            started[name] = time.perf_counter()
        return handler

    def stop(name):
        def handler(*_args):
            parts[name] += time.perf_counter() - started[name]
        return handler

    timers = [("before_cursor_execute", start("driver")), ("after_cursor_execute", stop("driver")),
              ("before_execute", start("execute")), ("after_execute", stop("execute"))]
    dialect = db.engine.dialect
    real_commit = dialect.do_commit

    def timed_commit(dbapi_connection):
        start("commit")()
        try:
            real_commit(dbapi_connection)
        finally:
            stop("commit")()
    for name, handler in timers:
        event.listen(db.engine, name, handler)
    dialect.do_commit = timed_commit
    per_call = []
    try:
        for k in range(runs):
            parts.update(driver=0.0, execute=0.0, commit=0.0)
            t0 = time.perf_counter()
            op(k)
            total = time.perf_counter() - t0
            per_call.append({**parts, "total": total, "rest": total - parts["execute"] - parts["commit"],
                             "statements": parts["execute"] + parts["commit"]})
    finally:
        del dialect.do_commit            # back to the class's method
        for name, handler in timers:
            event.remove(db.engine, name, handler)
    return {key: statistics.median(call[key] for call in per_call) * 1000 for key in per_call[0]}


def _raw_bare(db, runs: int) -> float:
    """The bare INSERT+COMMIT on the driver's own connection, no SQLAlchemy: what the database
    itself charges for one committed row (the floor under the bare figure above)."""
    pooled = db.engine.raw_connection()
    try:
        conn = pooled.driver_connection
        cur = conn.cursor()
        sql = "INSERT INTO bench_bare (v) VALUES (?)" if db.is_sqlite else "INSERT INTO bench_bare (v) VALUES (%s)"
        times = []
        for k in range(runs):
            t0 = time.perf_counter()
            if db.is_sqlite:
                cur.execute("BEGIN IMMEDIATE")
            cur.execute(sql, (f"raw {k}",))
            conn.commit()
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times)
    finally:
        pooled.close()


def _report(name: str, r: dict) -> None:
    print(f"{name:8s} 5-line sale median {r['sale_ms']:7.2f} ms (p95 {r['sale_p95']:6.2f})   "
          f"bare INSERT+COMMIT median {r['bare_ms']:6.2f} ms (p95 {r['bare_p95']:6.2f})   "
          f"ratio {r['sale_ms'] / r['bare_ms']:.2f}   statements {r['sale_stmts']:g} vs {r['bare_stmts']:g}")
    sale, bare = r["sale_parts"], r["bare_parts"]
    around = sale["execute"] - sale["driver"]
    print(f"{'':8s} where a sale goes (medians of {sale['total']:.2f} ms calls, timers on): "
          f"{sale['driver']:.2f} ms in the driver's execute, {around:.2f} ms in SQLAlchemy around it "
          f"({around / r['sale_stmts'] * 1000:.0f} us a statement), {sale['commit']:.2f} ms in COMMIT "
          f"(the bare row's: {bare['commit']:.3f} ms), {sale['rest']:.2f} ms the rest (checks, GST arithmetic, "
          f"rows built, the connection from the pool)")
    print(f"{'':8s} the statements and COMMIT alone, before any work of billbook's own: "
          f"{sale['statements']:.2f} ms, {sale['statements'] / r['bare_ms']:.2f}x the whole bare INSERT+COMMIT "
          f"above; the bare INSERT+COMMIT on the raw driver connection, "
          f"without SQLAlchemy, takes {r['raw_bare_ms']:.3f} ms")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--mysql-server", default=os.environ.get("BILLBOOK_TEST_MYSQL_URL") or DEFAULT_SERVER)
    ap.add_argument("--skip-mysql", action="store_true")
    args = ap.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{tmp}/bench.sqlite3")
        try:
            results["SQLite"] = _bench(db, args.runs)
        finally:
            db.dispose()
    _report("SQLite", results["SQLite"])
    if not args.skip_mysql:
        server = create_engine(args.mysql_server, isolation_level="AUTOCOMMIT")
        name = f"bb_bench_{uuid.uuid4().hex[:8]}"
        try:
            with server.connect() as conn:
                conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        except Exception as exc:
            print(f"MySQL   skipped: cannot reach {args.mysql_server}: {exc}", file=sys.stderr)
            return 0 if results else 1
        try:
            db = open_database(f"{args.mysql_server.rstrip('/')}/{name}")
            try:
                results["MariaDB"] = _bench(db, args.runs)
            finally:
                db.dispose()
        finally:
            with server.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            server.dispose()
        _report("MariaDB", results["MariaDB"])
    worst = max(r["sale_ms"] / r["bare_ms"] for r in results.values())
    print(f"goal ratio <= 4: {'met' if worst <= 4 else 'NOT met'} (worst {worst:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
