"""Receipt benchmark: from "complete the sale" to the last receipt byte at the printer.

    python -m billbook.devtools.bench.receipt [--sales N] [--lines L] [--width 58|80] [--mysql-url URL]

What the counter does when the cashier presses Enter on "complete": the sale is saved
(``checkout``), then the after-sale print job runs (``printing.print_after_sale``: the print
job row, the invoice read back, the ESC/POS receipt rendered, the paper-sensor question, the
bytes sent). The clock stops when the last byte of the receipt arrives at a fake network
printer on 127.0.0.1 (``devices.emulator.FakeNetworkPrinter``). Each sale has ``--lines``
lines and is paid in cash (so the drawer pulse rides along). Prints the median and p95 of
the whole path and of its two halves. The goal is under one second.

A scratch SQLite file in a temporary folder by default; ``--mysql-url`` (a server URL, e.g.
``mysql+mysqlconnector://root@127.0.0.1:3306``) runs it on a scratch MariaDB database too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _server(url: str, statement: str) -> None:
    from sqlalchemy import create_engine, text
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def run(url: str, sales: int, lines: int, width: int) -> dict:
    from billbook.db.bootstrap import open_database
    from billbook.devices.emulator import FakeNetworkPrinter
    from billbook.services.goods import catalog
    from billbook.services.people import shop, users
    from billbook.services.selling import checkout, printing
    from billbook.services.selling.checkout import PaymentRequest, SaleRequest

    db = open_database(url)
    try:
        users.create_first_admin(db, "owner", "bench-pass-123", "Bench Owner")
        admin = users.login(db, "owner", "bench-pass-123", "BENCH")
        shop.update_shop(db, admin, name="Bench Stores", state_code="27", gstin="27AAPFU0939F1ZV",
                         upi_vpa="bench@okbank", address="1 MG Road, Pune")
        for i in range(max(lines, 1)):
            catalog.add_product(db, admin, sku=f"P{i:03d}", name=f"Product number {i} of the bench",
                                price=f"{20 + i * 7}.50", gst_rate=("5", "12", "18")[i % 3], stock="1000000",
                                hsn="1006")
        whole, sale_part, print_part = [], [], []
        with FakeNetworkPrinter() as printer:
            printing.set_printer(db, admin, "receipt", uri=printer.uri, width=width, drawer=True, terminal="BENCH")
            for n in range(sales + 3):              # three warm-up sales are not counted
                items = [(f"P{i:03d}", str(1 + (n + i) % 3)) for i in range(lines)]
                start = time.perf_counter()
                inv = checkout.checkout(db, admin, SaleRequest(uuid.uuid4().hex, items, [PaymentRequest("cash")]))
                saved = time.perf_counter()
                results = printing.print_after_sale(db, admin, inv.number, "receipt", terminal="BENCH")
                if not results or not results[0].ok:
                    raise SystemExit(f"the receipt did not print: {results}")
                printer.wait_for_jobs(n + 1)
                last_byte = printer.job_times[n]
                if n >= 3:
                    whole.append(last_byte - start)
                    sale_part.append(saved - start)
                    print_part.append(last_byte - saved)
        return {"whole": whole, "sale": sale_part, "print": print_part, "bytes": len(printer.jobs[-1])}
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sales", type=int, default=50)
    ap.add_argument("--lines", type=int, default=5)
    ap.add_argument("--width", type=int, choices=(58, 80), default=80)
    ap.add_argument("--mysql-url", default=None, help="also run on a scratch database of this MariaDB server")
    args = ap.parse_args(argv)
    targets = []
    tmp = tempfile.TemporaryDirectory(prefix="bb-bench-receipt-")
    os.environ.setdefault("BILLBOOK_HOME", tmp.name)
    targets.append(("SQLite", f"sqlite:///{tmp.name}/bench.sqlite3", None))
    if args.mysql_url:
        name = f"bb_bench_receipt_{uuid.uuid4().hex[:8]}"
        _server(args.mysql_url, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        targets.append(("MariaDB", f"{args.mysql_url.rstrip('/')}/{name}", name))
    print(f"Receipt benchmark: {args.sales} cash sales of {args.lines} lines, {args.width} mm, "
          f"fake network printer on 127.0.0.1")
    worst = 0.0
    for name, url, drop in targets:
        try:
            r = run(url, args.sales, args.lines, args.width)
        finally:
            if drop:
                _server(args.mysql_url, f"DROP DATABASE IF EXISTS `{drop}`")
        ms = lambda v: f"{v * 1000:7.1f} ms"  # noqa: E731
        print(f"  {name:8} Enter → last receipt byte: median {ms(statistics.median(r['whole']))}, "
              f"p95 {ms(_quantile(r['whole'], 0.95))}   (sale saved: median {ms(statistics.median(r['sale']))}; "
              f"print job: median {ms(statistics.median(r['print']))}, p95 {ms(_quantile(r['print'], 0.95))}; "
              f"{r['bytes']} bytes a receipt)")
        worst = max(worst, _quantile(r["whole"], 0.95))
    print("  goal: under 1 s —", "met" if worst < 1.0 else "NOT met")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
