"""Catalog benchmark: 100,000 products on SQLite and on a scratch MariaDB/MySQL database.

    python -m billbook.devtools.bench.catalog [--products N] [--mysql-server URL] [--skip-mysql]

For each database: generate a realistic product CSV, time the real (all-or-nothing, one
transaction, bulk) import, then time the service calls the billing screen makes on every
keystroke — ``catalog.lookup_code`` (barcode) and ``catalog.search_products`` (name) — and
print median / p95 in milliseconds. The MySQL server URL defaults to
``BILLBOOK_TEST_MYSQL_URL`` (e.g. ``mysql+mysqlconnector://root@127.0.0.1:3306``); a uniquely
named database is created and dropped.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
import uuid

from billbook.domain.barcode import gtin_check_digit

BRANDS = ("Tata", "Amul", "Britannia", "Parle", "Haldiram", "Nestle", "Maggi", "Dabur", "Patanjali", "Himalaya",
          "Colgate", "Dettol", "Lifebuoy", "Surf", "Ariel", "Tide", "Vim", "Lizol", "Harpic", "Fortune", "Saffola",
          "Aashirvaad", "Everest", "MDH", "Catch", "Kissan", "Cadbury", "Sunfeast", "Bru", "Nescafe", "Red Label",
          "Taj Mahal", "Lipton", "Godrej", "Cinthol", "Pears", "Dove", "Lux", "Santoor", "Vivel", "Clinic Plus",
          "Sunsilk", "Head & Shoulders", "Parachute", "Bajaj", "Emami", "Boroplus", "Vicks", "Odonil", "Good Knight",
          "Mortein", "Hit", "Classmate", "Reynolds", "Cello", "Fevicol", "Milton", "Prestige", "Borosil", "Eveready")
KINDS = ("Rice", "Basmati Rice", "Atta", "Maida", "Sooji", "Besan", "Toor Dal", "Moong Dal", "Chana Dal", "Urad Dal",
         "Sugar", "Salt", "Jaggery", "Sunflower Oil", "Mustard Oil", "Groundnut Oil", "Ghee", "Butter", "Cheese",
         "Paneer", "Milk", "Curd", "Biscuits", "Cookies", "Rusk", "Bread", "Namkeen", "Bhujia", "Chips", "Noodles",
         "Pasta", "Vermicelli", "Poha", "Oats", "Cornflakes", "Tea", "Green Tea", "Coffee", "Chocolate", "Toffee",
         "Jam", "Ketchup", "Pickle", "Papad", "Turmeric Powder", "Chilli Powder", "Coriander Powder",
         "Garam Masala", "Jeera", "Hing", "Toothpaste", "Toothbrush", "Soap", "Handwash", "Shampoo",
         "Conditioner", "Hair Oil", "Face Wash", "Cream", "Talc", "Deodorant", "Detergent Powder",
         "Detergent Bar", "Dishwash Gel", "Floor Cleaner", "Toilet Cleaner", "Mosquito Coil", "Repellent",
         "Notebook", "Pen", "Pencil", "Eraser", "Glue", "Battery", "Bulb", "Candle", "Matchbox", "Agarbatti",
         "Foil", "Tissue", "Napkin", "Water Bottle", "Lunch Box", "Tiffin", "Tumbler", "Plate", "Bowl")
VARIANTS = ("", "", "", "Classic", "Premium", "Gold", "Lite", "Extra", "Fresh", "Herbal", "Lemon", "Mint", "Rose",
            "Sandal", "Masala", "Plain", "Salted", "Sweet", "Spicy", "Family Pack", "Value Pack", "Jumbo", "Mini",
            "Active", "Total", "Neem", "Aloe Vera", "Kesar", "Elaichi", "Organic", "Sugar Free", "Double")
SIZES = ("50g", "100g", "200g", "250g", "500g", "1kg", "2kg", "5kg", "10kg", "100ml", "200ml", "500ml", "1l", "2l",
         "5l", "1 pc", "2 pcs", "pack of 4", "pack of 6", "pack of 10", "small", "medium", "large", "")
RATES = ("0", "5", "12", "18", "28")

QUERIES = ("r", "ri", "ric", "rice", "basmati", "basmati 5kg", "5kg rice", "tata", "tata salt", "salt tata 1kg",
           "sunf", "sunflower oil", "oil 1l", "dettol", "soap", "sandal soap", "mysore", "maggi noodles",
           "tea 250", "red label tea", "ghee", "amul", "amul butter 100g", "bis", "biscuits", "choc", "colgate total",
           "shampoo", "head", "pen", "classmate notebook", "k-", "zzzq", "masala", "garam", "dal", "moong")


def make_name(rng: random.Random, i: int) -> str:
    parts = [rng.choice(BRANDS), rng.choice(VARIANTS), rng.choice(KINDS), rng.choice(SIZES)]
    if rng.random() < 0.3:  # many catalogs carry a model/batch code in the name
        parts.append(f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}-{rng.randint(10, 9999)}")
    return " ".join(p for p in parts if p)


def make_ean13(i: int) -> str:
    body = f"890{i:09d}"
    return body + str(gtin_check_digit(body))


def product_csv(n: int, seed: int = 42) -> tuple[str, list[str]]:
    rng = random.Random(seed)
    out = io.StringIO()
    out.write("sku,name,price,gst_rate,hsn,barcode,unit,stock,reorder_level,tax_inclusive,category,cost_price\r\n")
    codes = []
    cats = [f"Category {k}" for k in range(40)]
    for i in range(n):
        code = make_ean13(i)
        codes.append(code)
        price = rng.randint(5, 5000)
        out.write(f"SKU{i:06d},\"{make_name(rng, i)}\",{price}.{rng.randint(0, 99):02d},{rng.choice(RATES)},"
                  f"{rng.choice(('1006', '0401', '3401', '33061020', '19053100'))},{code},pcs,"
                  f"{rng.randint(0, 200)},{rng.choice((0, 5, 10, 20))},{rng.choice(('yes', 'no'))},"
                  f"{rng.choice(cats)},{max(1, price - rng.randint(1, 4))}.00\r\n")
    return out.getvalue(), codes


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))
    return values[k]


def bench(url: str, label: str, n: int, text: str, codes: list[str]) -> dict:
    from billbook.db.bootstrap import open_database
    from billbook.services.goods import catalog
    from billbook.services.data import csv_io
    from billbook.services.people import users

    db = open_database(url)
    try:
        users.create_first_admin(db, "devtools/bench", "bench-password-1")
        actor = users.login(db, "devtools/bench", "bench-password-1", "devtools/bench")
        t0 = time.perf_counter()
        report = csv_io.import_products(db, actor, io.StringIO(text))
        import_s = time.perf_counter() - t0
        assert report.imported == n, report

        rng = random.Random(7)
        for code in codes[:50]:  # warm the pool and caches
            catalog.lookup_code(db, actor, code)
        look = []
        for code in rng.sample(codes, min(2000, n)):
            t = time.perf_counter()
            hit = catalog.lookup_code(db, actor, code)
            look.append((time.perf_counter() - t) * 1000)
            assert hit is not None and hit.barcode == code
        search_all, per_query = [], {}
        for q in QUERIES:
            catalog.search_products(db, actor, q)  # warm
            times = []
            for rep in range(15):
                t = time.perf_counter()
                page = catalog.search_products(db, actor, q, offset=20 * (rep % 3))
                times.append((time.perf_counter() - t) * 1000)
            per_query[q] = (statistics.median(times), _pct(times, 95), page.total)
            search_all.extend(times)
        result = {"db": label, "products": n, "import_s": import_s,
                  "lookup_median_ms": statistics.median(look), "lookup_p95_ms": _pct(look, 95),
                  "search_p50_ms": statistics.median(search_all), "search_p95_ms": _pct(search_all, 95),
                  "per_query": per_query}
        return result
    finally:
        db.dispose()


def report(r: dict) -> None:
    print(f"\n== {r['db']}: {r['products']:,} products")
    print(f"CSV import (dry-run checks + bulk insert, one transaction): {r['import_s']:.1f} s")
    print(f"barcode lookup  median {r['lookup_median_ms']:.2f} ms   p95 {r['lookup_p95_ms']:.2f} ms")
    print(f"name search     p50    {r['search_p50_ms']:.2f} ms   p95 {r['search_p95_ms']:.2f} ms "
          f"({len(r['per_query'])} queries x 15, pages 1-3)")
    worst = sorted(r["per_query"].items(), key=lambda kv: -kv[1][1])[:6]
    print("slowest queries (p50 / p95 ms, total matches or - when not counted):")
    for q, (med, p95, total) in worst:
        print(f"  {q!r:24} {med:6.2f} {p95:6.2f}  {'-' if total is None else total}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--mysql-server", default=os.environ.get("BILLBOOK_TEST_MYSQL_URL",
                                                             "mysql+mysqlconnector://root@127.0.0.1:3306"))
    ap.add_argument("--skip-mysql", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    text, codes = product_csv(args.products)
    print(f"generated {args.products:,} products ({len(text) / 1e6:.1f} MB CSV) in {time.perf_counter() - t:.1f} s")
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            report(bench(f"sqlite:///{tmp}/bench.sqlite3", "SQLite", args.products, text, codes))
    if not args.skip_mysql:
        from sqlalchemy import create_engine, text as sql
        server = args.mysql_server.rstrip("/")
        name = f"bbbench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        engine = create_engine(server, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        except Exception as exc:  # noqa: BLE001
            print(f"MySQL skipped: cannot create a scratch database on {server}: {exc}", file=sys.stderr)
            return 1
        try:
            r = bench(f"{server}/{name}", "MariaDB/MySQL", args.products, text, codes)
            report(r)
        finally:
            with engine.connect() as conn:
                conn.execute(sql(f"DROP DATABASE IF EXISTS `{name}`"))
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
