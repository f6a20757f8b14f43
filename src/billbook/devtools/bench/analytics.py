"""Dashboard benchmark: the whole dashboard's data at 1,000,000 invoices, SQLite and MariaDB.

    python -m billbook.devtools.bench.analytics [--invoices N] [--sqlite PATH] [--mysql-url URL | --skip-mysql]
                                       [--only-generate] [--repeat K]

For each database: if it holds no invoices yet, fill it with ``devtools/demo.generate``
(two years of trading, ``--invoices`` invoices, about five lines each; this is the slow
part, so the databases are kept and reused by the next run). Then time, for the last 30
days, 12 months and 2 years, ``analytics.dashboard`` (every figure the dashboard shows, in
one read transaction) against one plain ``GROUP BY`` over the whole ``invoice_lines`` table
(sum of taxable value per product), and print the medians and the ratio.

Defaults: SQLite file ``./bench-analytics.sqlite3``; MySQL URL ``BILLBOOK_TEST_MYSQL_URL``
with database ``billbook_bench_analytics`` (created if missing, kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time

from sqlalchemy import create_engine, func, select, text

from billbook.db.models import Invoice, InvoiceLine, User
from billbook.domain.permissions import Role
from billbook.services.base import Actor


def _actor(db) -> Actor:
    from billbook.services.people.passwords import hash_password

    def work(s):
        u = s.scalar(select(User).where(User.username == "devtools/bench"))
        if u is None:
            from billbook import clock
            u = User(username="devtools/bench", full_name="Bench", password_hash=hash_password("bench-only-42"),
                     role="admin", active=True, failed_attempts=0, created_at=clock.now())
            s.add(u)
            s.flush()
        return u.id
    return Actor(db.run(work), "devtools/bench", Role.ADMIN, "BENCH")


def _ensure_data(db, invoices: int) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from billbook.devtools import demo
    have = db.run(lambda s: s.scalar(select(func.count()).select_from(Invoice)), readonly=True)
    if have:
        print(f"  {db.display_name}: {have:,} invoices already there (reused)")
        return
    actor = _actor(db)
    t0 = time.perf_counter()
    with Progress(TextColumn("  generating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn()) as bar:
        task = bar.add_task("gen", total=invoices)
        res = demo.generate(db, actor, products=1500, customers=20000, invoices=invoices, days=730,
                            batch_invoices=20000, progress=lambda done, total: bar.update(task, completed=done))
    print(f"  generated {res.invoices:,} invoices, {res.lines:,} lines, {res.returns:,} returns "
          f"in {time.perf_counter() - t0:.0f} s")


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(db, repeat: int) -> list[tuple[str, float, float]]:
    from billbook.services.insight import analytics
    actor = _actor(db)
    t0 = time.perf_counter()
    analytics.ensure_fresh(db)
    print(f"  summaries brought up to date in {time.perf_counter() - t0:.1f} s (a full rebuild the first time)")
    from billbook import clock
    end = clock.today()      # a dashboard period ends today (the demo's last trading day is yesterday)
    counts = db.run(lambda s: (s.scalar(select(func.count()).select_from(Invoice)),
                               s.scalar(select(func.count()).select_from(InvoiceLine))), readonly=True)
    print(f"  {counts[0]:,} invoices, {counts[1]:,} invoice lines; dashboards end {end}")

    def plain():
        with db.engine.connect() as conn:
            conn.execute(select(InvoiceLine.product_id, func.sum(InvoiceLine.taxable))
                         .group_by(InvoiceLine.product_id)).all()
    base = _median(plain, repeat)
    out = []
    for label, days in (("30 days", 30), ("12 months", 365), ("2 years", 730)):
        start = end - dt.timedelta(days=days - 1)
        t = _median(lambda: analytics.dashboard(db, actor, start, end), repeat)
        out.append((label, t, base))
    print(f"  {'range':<10} {'dashboard':>10} {'plain GROUP BY':>15} {'ratio':>7}")
    for label, t, b in out:
        print(f"  {label:<10} {t:>9.3f}s {b:>14.3f}s {t / b:>7.3f}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--invoices", type=int, default=1_000_000)
    ap.add_argument("--sqlite", default="bench-analytics.sqlite3")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--mysql-url", default=None, help="full URL of the database to use (created if missing)")
    ap.add_argument("--skip-mysql", action="store_true")
    ap.add_argument("--only-generate", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    from billbook.db.bootstrap import open_database

    targets = []
    if not args.skip_sqlite:
        targets.append(f"sqlite:///{os.path.abspath(args.sqlite)}")
    if not args.skip_mysql:
        url = args.mysql_url
        if url is None:
            server = os.environ.get("BILLBOOK_TEST_MYSQL_URL", "mysql+mysqlconnector://root@127.0.0.1:3306")
            url = server.rstrip("/") + "/billbook_bench_analytics"
        server_url, name = url.rsplit("/", 1)
        eng = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(text(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 "
                              "COLLATE utf8mb4_unicode_ci"))
        eng.dispose()
        targets.append(url)
    for url in targets:
        db = open_database(url)
        print(db.display_name)
        _ensure_data(db, args.invoices)
        if not args.only_generate:
            bench(db, args.repeat)
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
