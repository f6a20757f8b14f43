"""Soak: 8 simulated terminals (processes) sell, take returns and receive goods for a set time
against one MariaDB/MySQL database, then every invariant is checked.

    python -m billbook.devtools.bench.soak [--seconds 60] [--terminals 8] [--server URL] [--keep]

A scratch database is created on the server (``BILLBOOK_TEST_MYSQL_URL``, else
``mysql+mysqlconnector://root@127.0.0.1:3306``) and dropped afterwards unless ``--keep``.
Each terminal loops: ~85 % sales of 1–6 lines (cash/UPI/card, some to a known customer,
some on account), ~8 % returns of one of its own earlier invoices, ~7 % receipts of one
unit against the big open purchase order. At the end it prints sales per second, p50/p99
checkout latency, the other operations, errors by kind, and the invariant check
(``devtools/bench/invariants.py``) plus: every sale a terminal was told succeeded exists exactly once.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import time
import traceback
import uuid
from collections import Counter

from sqlalchemy import create_engine, func, select

DEFAULT_SERVER = "mysql+mysqlconnector://root@127.0.0.1:3306"
PRODUCTS = 60
PHONES = [f"98{n:08d}" for n in range(40)]


def _setup(url: str) -> dict:
    from billbook import clock
    from billbook.db.bootstrap import open_database
    from billbook.db.models import User
    from billbook.domain.permissions import Role
    from billbook.services.goods import catalog
    from billbook.services.people import customers
    from billbook.services.goods import purchasing
    from billbook.services.goods import suppliers
    from billbook.services.base import Actor

    db = open_database(url)

    def work(s):
        u = User(username="soak", full_name="Soak", password_hash="x", role="admin", active=True,
                 failed_attempts=0, created_at=clock.now())
        s.add(u)
        s.flush()
        return u.id
    uid = db.run(work)
    admin = Actor(uid, "soak", Role.ADMIN, "SETUP")
    rates = ["0", "5", "12", "18", "28"]
    for i in range(PRODUCTS):
        catalog.add_product(db, admin, sku=f"P{i:03d}", name=f"Soak item {i}", price=f"{10 + i * 7.25:.2f}",
                            gst_rate=rates[i % len(rates)], stock="1000000", tax_inclusive=i % 3 == 0)
    for phone in PHONES:
        customers.add_customer(db, admin, phone, f"Customer {phone[-3:]}")
    suppliers.add_supplier(db, admin, "Soak Wholesale")
    po = purchasing.create_po(db, admin, "Soak Wholesale",
                              [(f"P{i:03d}", "1000000", "5.00") for i in range(0, PRODUCTS, 6)], order=True)
    db.dispose()
    return {"user_id": uid, "po": po.number}


def _terminal(url: str, n: int, info: dict, seconds: float, queue) -> None:
    """One terminal: loop until the time is up, report latencies and outcomes."""
    from billbook.db.uow import Database
    from billbook.domain.permissions import Role
    from billbook.services.goods import purchasing
    from billbook.services.selling import returns
    from billbook.services.selling import checkout as sales
    from billbook.services.base import Actor
    from billbook.errors import BillbookError
    from billbook.services.selling.checkout import PaymentRequest, SaleItem, SaleRequest

    rng = random.Random(1000 + n)
    db = Database(url, pool_size=2)
    actor = Actor(info["user_id"], "soak", Role.ADMIN, f"T{n}")
    latencies, sold, mine, errors, ops = [], [], [], Counter(), Counter()
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            roll = rng.random()
            try:
                if roll < 0.85 or not mine:
                    items = [SaleItem(f"P{rng.randrange(PRODUCTS):03d}", str(rng.randint(1, 4)))
                             for _ in range(rng.randint(1, 6))]
                    phone = rng.choice(PHONES) if rng.random() < 0.4 else None
                    mode = rng.choice(["cash", "upi", "card"] + (["account"] if phone else []))
                    req = SaleRequest(sale_id=f"T{n}-{uuid.uuid4().hex}", items=items,
                                      payments=[PaymentRequest(mode, reference="R1" if mode in ("upi", "card") else None)],
                                      customer_phone=phone)
                    t0 = time.perf_counter()
                    inv = sales.checkout(db, actor, req)
                    latencies.append(time.perf_counter() - t0)
                    sold.append(req.sale_id)
                    mine.append((inv.number, inv.lines[0].sku))
                    ops["sale"] += 1
                elif roll < 0.93:
                    number, sku = mine.pop(rng.randrange(len(mine)))
                    returns.create_return(db, actor, number, [(sku, "1")], refund_mode="cash",
                                          request_id=f"T{n}-{uuid.uuid4().hex}")
                    ops["return"] += 1
                else:
                    sku = f"P{rng.randrange(0, PRODUCTS, 6):03d}"
                    purchasing.receive_po(db, actor, info["po"], [(sku, "1")])
                    ops["receipt"] += 1
            except BillbookError as exc:
                errors[type(exc).__name__] += 1
    except Exception as exc:  # noqa: BLE001 - report, don't hang the parent
        first = (traceback.format_exception_only(type(exc), exc) or [""])[0].strip().splitlines()[0]
        errors["crash: " + first[:300]] += 1
        traceback.print_exc()
    finally:
        db.dispose()
        queue.put({"terminal": n, "latencies": latencies, "sold": sold, "ops": dict(ops), "errors": dict(errors)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--terminals", type=int, default=8)
    parser.add_argument("--server", default=os.environ.get("BILLBOOK_TEST_MYSQL_URL") or DEFAULT_SERVER)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)

    from billbook.devtools.bench.invariants import check_invariants
    from billbook.db.models import Invoice
    from billbook.db.uow import Database
    from billbook.services.data.backup.mysql import _ddl   # identifiers checked and quoted

    name = f"bbsoak_{uuid.uuid4().hex[:8]}"
    server = create_engine(args.server, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        _ddl(conn, "CREATE DATABASE {} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", name)
    url = f"{args.server.rstrip('/')}/{name}"
    try:
        info = _setup(url)
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        procs = [ctx.Process(target=_terminal, args=(url, n + 1, info, args.seconds, queue))
                 for n in range(args.terminals)]
        print(f"soak: {args.terminals} terminals for {args.seconds:.0f} s against {name} ...", flush=True)
        started = time.monotonic()
        for p in procs:
            p.start()
        results = [queue.get(timeout=args.seconds + 300) for _ in procs]
        for p in procs:
            p.join(60)
        wall = time.monotonic() - started

        latencies = sorted(x for r in results for x in r["latencies"])
        ops, errors = Counter(), Counter()
        for r in results:
            ops.update(r["ops"])
            errors.update(r["errors"])
        sold = [s for r in results for s in r["sold"]]
        db = Database(url)
        problems = check_invariants(db)
        in_db = db.run(lambda s: s.scalar(select(func.count()).select_from(Invoice)), readonly=True)
        found = set()
        for i in range(0, len(sold), 1000):
            chunk = sold[i:i + 1000]
            found |= set(db.run(lambda s, c=chunk: list(s.scalars(select(Invoice.sale_id)
                                                                  .where(Invoice.sale_id.in_(c)))), readonly=True))
        db.dispose()
        missing = len(set(sold) - found)
        if missing:
            problems.append(f"{missing} sales reported as billed are not in the database")
        if in_db != len(sold):
            problems.append(f"{in_db} invoices in the database but {len(sold)} sales reported")
        crashes = [k for k in errors if k.startswith("crash")]
        run_time = args.seconds
        p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 if latencies else float("nan")
        print(f"sales:        {ops['sale']}  ({ops['sale'] / run_time:.1f} sales/s over {run_time:.0f} s; "
              f"wall {wall:.0f} s incl. start-up)")
        print(f"checkout:     p50 {p50:.1f} ms   p99 {p99:.1f} ms")
        print(f"returns:      {ops['return']}   receipts: {ops['receipt']}")
        print(f"refused:      {dict(errors) or 'none'}")
        print(f"invoices:     {in_db} in the database, {len(sold)} reported billed, {missing} missing")
        if problems or crashes:
            print("INVARIANTS:   FAILED")
            for line in problems[:50]:
                print("  -", line)
            return 1
        print("INVARIANTS:   all hold (stock = ledger, no partial document, numbering 1..N without gaps, "
              "every billed sale exactly once)")
        return 0
    finally:
        if not args.keep:
            with server.connect() as conn:
                _ddl(conn, "DROP DATABASE IF EXISTS {}", name)
        server.dispose()


if __name__ == "__main__":
    sys.exit(main())
