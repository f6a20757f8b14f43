"""Demo data: a realistic small shop with up to millions of invoices, keeping every invariant.

``generate`` makes categories and products with real-looking names, HSN codes and GST rates,
suppliers and customers (some registered businesses, some from other states), then
``days`` of trading ending yesterday: weekly and seasonal patterns (weekends, Diwali,
the wedding season, a March lull), busy hours, split payments, loyalty credits earned and
spent, sales on account and their later repayment, returns a few days after the sale, and
purchase receipts whenever stock runs low.

It is a *bulk path* for the same documents checkout writes: each bill is computed with the
pure cart rules (``domain/cart.compute_cart`` and ``settle``, the very functions checkout
uses) and written with the same columns, ledger rows and counters, many rows per statement
inside batched transactions. After every batch the database is consistent: stock equals
the ledger, invoice numbers are consecutive per financial year, customers' credits and dues
equal their ledgers. What it does not write is one audit row per sale (one ``demo.generate``
audit row per batch instead).
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from billbook import clock
from billbook.db.models import (
    Base,
    Customer, Invoice, InvoiceCounter, Product, Shop, Supplier,
)
from billbook.db.uow import Database
from billbook.domain.cart import CartItem, Discount, PaymentInput, compute_cart, credits_earned, credits_for, prorate, settle
from billbook.domain.gst import GstScheme, gstin_check_char
from billbook.domain.money import ZERO, round_money, round_rupee
from billbook.domain.numbering import financial_year, format_number
from billbook.domain.permissions import Permission
from billbook.services.base import Actor, audit, requires
from billbook.services.ledgers.stock import move_stock
from billbook.errors import Conflict, ValidationError

ONE = Decimal("1")
WHOLE_UNITS = {"pcs", "pack", "box", "bottle", "dozen", "pair", "set", "bag", "roll", "tablet", "unit", "nos"}

# (category, [(item name, hsn, gst rate, unit, base price, [pack sizes])])
CATALOG: list[tuple[str, list[tuple[str, str, str, str, str, list[str]]]]] = [
    ("Staples", [
        ("Basmati Rice", "1006", "5", "pack", "450", ["1 kg", "5 kg"]),
        ("Sona Masoori Rice", "1006", "5", "pack", "320", ["5 kg", "10 kg"]),
        ("Whole Wheat Atta", "1101", "5", "pack", "260", ["5 kg", "10 kg"]),
        ("Toor Dal", "0713", "5", "pack", "160", ["500 g", "1 kg"]),
        ("Moong Dal", "0713", "5", "pack", "140", ["500 g", "1 kg"]),
        ("Chana Dal", "0713", "5", "pack", "110", ["500 g", "1 kg"]),
        ("Sugar", "1701", "5", "pack", "48", ["1 kg", "5 kg"]),
        ("Iodised Salt", "2501", "0", "pack", "28", ["1 kg"]),
        ("Poha", "1904", "5", "pack", "55", ["500 g", "1 kg"]),
        ("Rava Suji", "1103", "5", "pack", "45", ["500 g", "1 kg"]),
    ]),
    ("Edible Oils", [
        ("Sunflower Oil", "1512", "5", "bottle", "165", ["1 L", "5 L"]),
        ("Mustard Oil", "1514", "5", "bottle", "185", ["1 L"]),
        ("Groundnut Oil", "1508", "5", "bottle", "210", ["1 L"]),
        ("Pure Cow Ghee", "0405", "12", "bottle", "620", ["500 ml", "1 L"]),
    ]),
    ("Dairy", [
        ("Toned Milk", "0401", "0", "pack", "27", ["500 ml", "1 L"]),
        ("Fresh Paneer", "0406", "5", "pack", "95", ["200 g"]),
        ("Salted Butter", "0405", "12", "pack", "56", ["100 g", "500 g"]),
        ("Set Curd", "0403", "5", "pack", "35", ["400 g"]),
        ("Cheese Slices", "0406", "12", "pack", "140", ["200 g"]),
    ]),
    ("Fruits & Vegetables", [
        ("Onion", "0703", "0", "kg", "40", [""]),
        ("Potato", "0701", "0", "kg", "32", [""]),
        ("Tomato", "0702", "0", "kg", "36", [""]),
        ("Banana Robusta", "0803", "0", "dozen", "60", [""]),
        ("Shimla Apple", "0808", "0", "kg", "180", [""]),
        ("Green Chilli", "0709", "0", "kg", "80", [""]),
    ]),
    ("Beverages", [
        ("Assam Tea", "0902", "5", "pack", "240", ["250 g", "500 g"]),
        ("Filter Coffee", "0901", "5", "pack", "190", ["200 g"]),
        ("Cola Soft Drink", "2202", "28", "bottle", "95", ["750 ml", "2 L"]),
        ("Mango Drink", "2202", "12", "bottle", "70", ["600 ml", "1.2 L"]),
        ("Packaged Drinking Water", "2201", "18", "bottle", "20", ["1 L"]),
    ]),
    ("Snacks", [
        ("Glucose Biscuits", "1905", "18", "pack", "10", ["100 g", "250 g"]),
        ("Cream Biscuits", "1905", "18", "pack", "30", ["120 g"]),
        ("Aloo Bhujia", "2106", "12", "pack", "55", ["200 g", "400 g"]),
        ("Potato Chips", "2005", "12", "pack", "20", ["52 g", "90 g"]),
        ("Milk Chocolate", "1806", "18", "pack", "45", ["50 g"]),
        ("Instant Noodles", "1902", "12", "pack", "14", ["70 g", "4 pack"]),
    ]),
    ("Personal Care", [
        ("Neem Soap", "3401", "18", "pcs", "38", ["100 g", "4 x 100 g"]),
        ("Herbal Shampoo", "3305", "18", "bottle", "190", ["180 ml", "340 ml"]),
        ("Toothpaste", "3306", "18", "pcs", "95", ["150 g"]),
        ("Coconut Hair Oil", "3305", "18", "bottle", "120", ["200 ml"]),
        ("Talcum Powder", "3304", "18", "pcs", "110", ["300 g"]),
    ]),
    ("Household", [
        ("Detergent Powder", "3402", "18", "pack", "125", ["1 kg", "4 kg"]),
        ("Dishwash Bar", "3402", "18", "pcs", "22", ["200 g"]),
        ("Floor Cleaner", "3402", "18", "bottle", "105", ["500 ml", "1 L"]),
        ("Agarbatti", "3307", "5", "pack", "50", ["100 sticks"]),
        ("Safety Matches", "3605", "12", "pack", "10", ["10 boxes"]),
        ("LED Bulb", "8539", "12", "pcs", "99", ["9 W"]),
    ]),
    ("Stationery", [
        ("Long Notebook", "4820", "12", "pcs", "55", ["172 pages"]),
        ("Ball Pen", "9608", "18", "pcs", "10", ["blue"]),
        ("Geometry Box", "9017", "18", "pcs", "120", [""]),
    ]),
    ("Spices", [
        ("Turmeric Powder", "0910", "5", "pack", "45", ["100 g", "200 g"]),
        ("Red Chilli Powder", "0904", "5", "pack", "60", ["100 g", "200 g"]),
        ("Garam Masala", "0910", "5", "pack", "75", ["100 g"]),
        ("Cumin Seeds", "0909", "5", "pack", "90", ["100 g"]),
    ]),
]
BRANDS = ["Annapurna", "Sunrise", "Ganga", "Nandini", "Sagar", "Shree", "Everfresh", "Maharaja", "Swad",
          "Kaveri", "Himalaya Valley", "Desi Farm", "Gokul", "Royal", "Sampoorna", "Tulsi"]
FIRST = ["Aarav", "Vivaan", "Aditya", "Vihaan", "Arjun", "Sai", "Reyansh", "Ayaan", "Krishna", "Ishaan",
         "Ananya", "Diya", "Aadhya", "Saanvi", "Pari", "Anika", "Navya", "Myra", "Sara", "Kavya",
         "Rahul", "Priya", "Suresh", "Lakshmi", "Ramesh", "Sunita", "Mahesh", "Geeta", "Vikram", "Pooja",
         "Rohan", "Neha", "Amit", "Sneha", "Rajesh", "Meena", "Arun", "Deepa", "Sanjay", "Asha"]
LAST = ["Sharma", "Verma", "Patel", "Reddy", "Iyer", "Nair", "Gupta", "Joshi", "Kulkarni", "Deshpande",
        "Singh", "Kumar", "Rao", "Pillai", "Mehta", "Shah", "Chatterjee", "Banerjee", "Das", "Khan",
        "Menon", "Bhat", "Jain", "Agarwal", "Pawar", "More", "Shinde", "Naidu", "Gowda", "Mishra"]
BUSINESSES = ["Traders", "Caterers", "Enterprises", "Hotel", "Mess", "Sweets", "Stores", "Canteen"]
SUPPLIERS = ["Sahyadri Wholesale", "Metro Distributors", "Shree Balaji Agencies", "Om Sai Traders",
             "Deccan FMCG Supply"]
# hour -> weight (a shop open 8:00 to 22:00, busy late morning and evening)
HOURS = {8: 2, 9: 4, 10: 7, 11: 8, 12: 6, 13: 4, 14: 3, 15: 3, 16: 4, 17: 7, 18: 10, 19: 11, 20: 9, 21: 5}
WEEKDAY = (0.9, 0.85, 0.9, 0.95, 1.05, 1.3, 1.25)   # Mon..Sun


def season(day: dt.date) -> float:
    """Relative trade on ``day``: festivals (Diwali, Dussehra), weddings, the March lull."""
    m = day.month
    f = {1: 1.0, 2: 0.95, 3: 0.85, 4: 0.95, 5: 1.0, 6: 0.9, 7: 0.9, 8: 1.0, 9: 1.05, 10: 1.25, 11: 1.3, 12: 1.1}[m]
    if (m == 10 and day.day >= 15) or (m == 11 and day.day <= 10):
        f *= 1.25
    return f


@dataclass
class DemoResult:
    products: int = 0
    customers: int = 0
    invoices: int = 0
    lines: int = 0
    returns: int = 0
    receipts: int = 0
    dues_payments: int = 0
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    seconds: float = 0.0
    extras: dict = field(default_factory=dict)


# ---------------------------------------------------------------- bulk writer

class BulkWriter:
    """Buffers rows per table and writes them many per statement on the transaction's connection."""

    def __init__(self, session: Session, rows_per_statement: int = 2000):
        self.s = session
        self.conn = session.connection()
        self.mysql = self.conn.dialect.name in ("mysql", "mariadb")
        self.rows_per_statement = rows_per_statement
        self.buffers: dict[str, tuple[tuple[str, ...], list[tuple]]] = {}
        if self.mysql:
            # bulk load: rows are written parents first and are consistent by construction, so
            # skip the per-row foreign-key and unique re-checks for this transaction only
            self.conn.exec_driver_sql("SET SESSION foreign_key_checks = 0")
            self.conn.exec_driver_sql("SET SESSION unique_checks = 0")

    def close(self) -> None:
        """Flush and restore the checks (the connection goes back to the pool)."""
        self.flush()
        if self.mysql:
            self.conn.exec_driver_sql("SET SESSION foreign_key_checks = 1")
            self.conn.exec_driver_sql("SET SESSION unique_checks = 1")

    def add(self, table: str, columns: tuple[str, ...], row: tuple) -> None:
        buf = self.buffers.get(table)
        if buf is None:
            buf = self.buffers[table] = (columns, [])
        buf[1].append(row)

    #: parents before children (foreign keys)
    ORDER = ("purchase_orders", "purchase_order_lines", "invoices", "invoice_lines", "credit_notes",
             "credit_note_lines", "payments", "dues_allocations", "loyalty_ledger", "dues_ledger")

    def flush(self) -> None:
        """Write the buffered rows through SQLAlchemy Core (each column's own type converts its
        values), ``rows_per_statement`` rows per ``executemany``."""
        order = sorted(self.buffers, key=lambda t: self.ORDER.index(t) if t in self.ORDER else len(self.ORDER))
        for name in order:
            columns, rows = self.buffers[name]
            if not rows:
                continue
            table = Base.metadata.tables[name]
            for i in range(0, len(rows), self.rows_per_statement):
                self.conn.execute(insert(table), [dict(zip(columns, r)) for r in rows[i:i + self.rows_per_statement]])
            rows.clear()


# ---------------------------------------------------------------- the model of the shop

@dataclass
class _Prod:
    id: int
    sku: str
    name: str
    hsn: str
    unit: str
    price: Decimal
    cost: Decimal
    rate: Decimal
    inclusive: bool
    category_id: int | None
    reorder: Decimal
    stock: Decimal
    popularity: float
    supplier: int

    @property
    def stock_qty(self) -> Decimal:
        """The stock as the ledger's writer reads it (``services/ledgers/stock.move_stock``)."""
        return self.stock


@dataclass
class _Cust:
    id: int
    phone: str
    name: str
    gstin: str
    state_code: str
    arrival: int          # day index of the first visit
    weight: float         # how often they come
    churn_day: int        # after this day index they rarely come
    credits: Decimal = ZERO
    dues: Decimal = ZERO
    visits: int = 0
    spent: Decimal = ZERO
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    open_dues: list = field(default_factory=list)   # [invoice_id, remaining] oldest first


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        p = str(rng.choice("6789")) + "".join(str(rng.randrange(10)) for _ in range(9))
        if p not in used:
            used.add(p)
            return p


def _gstin(rng: random.Random, state: str) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    pan = "".join(rng.choice(letters) for _ in range(3)) + rng.choice("PCFH") + rng.choice(letters) + \
        "".join(str(rng.randrange(10)) for _ in range(4)) + rng.choice(letters)
    first14 = state + pan + "1Z"
    return first14 + gstin_check_char(first14)


def _product_specs(n: int, rng: random.Random) -> list[dict]:
    base = [(cat, item) for cat, items in CATALOG for item in items]
    specs, seen = [], set()
    i = 0
    while len(specs) < n:
        cat, (name, hsn, rate, unit, price, packs) = base[i % len(base)]
        round_no = i // len(base)
        brand = BRANDS[(i * 7 + round_no) % len(BRANDS)] if round_no or unit not in ("kg", "dozen") else ""
        pack = packs[round_no % len(packs)]
        full = " ".join(x for x in (brand, name, pack) if x)
        if full in seen:
            full = f"{full} ({round_no + 1})"
        seen.add(full)
        factor = Decimal(1)
        if pack and pack.split()[0].replace(".", "").isdigit():
            qty = Decimal(pack.split()[0])
            if pack.endswith(("5 kg", "10 kg")) or pack in ("5 L", "4 kg"):
                factor = qty * Decimal("0.9")
            elif pack.endswith(("500 g", "500 ml")):
                factor = Decimal("0.55")
        p = (Decimal(price) * factor * Decimal(str(round(rng.uniform(0.85, 1.2), 2)))).quantize(ONE)
        cost = round_money(p * Decimal(str(round(rng.uniform(0.7, 0.85), 2))))
        prefix = "".join(w[0] for w in cat.replace("&", "").split())[:3].upper()
        specs.append(dict(sku=f"{prefix}-{len(specs) + 1:05d}", name=full, category=cat, hsn=hsn, gst_rate=rate,
                          unit="pcs" if unit == "pcs" else unit, price=str(max(p, ONE)), cost_price=str(cost),
                          tax_inclusive=rate in ("0", "5") and unit in ("kg", "dozen", "pack") and rng.random() < .5))
        i += 1
    return specs


def _pick(rng: random.Random, cum: list[float]) -> int:
    return bisect.bisect_left(cum, rng.random() * cum[-1])


# ---------------------------------------------------------------- the generator

@requires(Permission.MANAGE_SHOP)
def generate(db: Database, actor: Actor, *, products: int = 200, customers: int = 800, invoices: int = 5000,
             days: int = 365, seed: int = 2024, end: dt.date | None = None, batch_invoices: int = 5000,
             progress=None, refresh_summaries: bool = True) -> DemoResult:
    """Fill an empty shop with ``days`` of trading ending ``end`` (default yesterday).

    ``progress(done_invoices, total_invoices)`` is called after each batch. Refuses when the
    shop already has invoices (demo data goes into a fresh database).
    """
    for name, value, low, high in (("products", products, 1, 100000), ("customers", customers, 0, 5000000),
                                   ("invoices", invoices, 0, 50000000), ("days", days, 1, 36600)):
        if not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(name, f"a whole number from {low} to {high}")
    import time
    t0 = time.perf_counter()
    rng = random.Random(seed)
    end = end or (clock.today() - dt.timedelta(days=1))
    first_day = end - dt.timedelta(days=days - 1)
    result = DemoResult(first_day=first_day, last_day=end)

    # ---- catalog, suppliers, customers (ordinary services, one transaction)
    from billbook.services.goods.catalog import insert_product, validate_product_fields
    from billbook.services.people.shop import get_or_create_shop, parse_rates

    def setup(s: Session):
        if s.scalar(select(func.count()).select_from(Invoice)):
            raise Conflict("demo", "this shop already has invoices; make demo data in a new database")
        shop = get_or_create_shop(s)
        if shop.name in ("", "My Shop"):
            shop.name = "Sahyadri Kirana & General Stores"
            shop.address = "12 MG Road, Kothrud, Pune 411038"
            shop.phone = "9822012345"
        if not shop.gstin and shop.gst_scheme == GstScheme.REGULAR.value:
            shop.gstin = _gstin(rng, shop.state_code)
        allowed = parse_rates(shop.allowed_gst_rates)
        start_at = dt.datetime.combine(first_day, dt.time(7, 0))
        prods = []
        for spec in _product_specs(products, rng):
            if s.scalar(select(Product.id).where(Product.sku == spec["sku"])) is not None:
                raise Conflict("demo", f"SKU {spec['sku']} exists already; make demo data in a new database")
            f = validate_product_fields(allowed_rates=allowed, **spec)
            prods.append(insert_product(s, actor, f, now=start_at))
        sup_ids = []
        for name in SUPPLIERS:
            sup = s.scalar(select(Supplier).where(Supplier.name == name))
            if sup is None:
                sup = Supplier(name=name, phone=_phone(rng, set()), state_code=shop.state_code, active=True)
                s.add(sup)
                s.flush()
            sup_ids.append(sup.id)
        used = set(s.scalars(select(Customer.phone)))
        custs = []
        other_states = ["29", "24", "30", "33", "07"]
        for i in range(customers):
            business = rng.random() < 0.04
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = f"{last} {rng.choice(BUSINESSES)}" if business else f"{first} {last}"
            state = rng.choice(other_states) if business and rng.random() < 0.3 else shop.state_code
            c = Customer(phone=_phone(rng, used), name=name, search_name=name.lower(),
                         gstin=_gstin(rng, state) if business else "", state_code=state,
                         address=f"{rng.randrange(1, 300)} {rng.choice(['Station Road', 'Gandhi Nagar', 'Shivaji Peth', 'Market Yard', 'Lake View'])}",
                         credits=ZERO, dues=ZERO, visits=0, total_spent=ZERO, created_at=start_at, active=True)
            s.add(c)
            custs.append(c)
        s.flush()
        audit(s, actor, "demo.setup", "shop", 1, products=len(prods), customers=len(custs))
        return ({"state": shop.state_code, "prefix": shop.invoice_prefix, "round_off": bool(shop.round_off),
                 "gst": shop.gst_scheme == GstScheme.REGULAR.value, "per_credit": shop.loyalty_rupees_per_credit,
                 "credit_value": shop.credit_value, "snapshot": _snapshot(shop)},
                [(p.id, p.sku, p.name, p.hsn, p.unit, p.price, p.cost_price, p.gst_rate, p.tax_inclusive,
                  p.category_id, p.stock_qty) for p in prods],
                [(c.id, c.phone, c.name, c.gstin, c.state_code) for c in custs], sup_ids)

    shop, prod_rows, cust_rows, sup_ids = db.run(setup)
    result.products, result.customers = len(prod_rows), len(cust_rows)

    # ---- the model: popularity (Zipf), expected demand, reorder levels
    n_days = days
    avg_per_day = max(invoices / n_days, 0.0001)
    prods: list[_Prod] = []
    for rank, row in enumerate(rng.sample(prod_rows, len(prod_rows)), 1):
        pid, sku, name, hsn, unit, price, cost, rate, incl, cat, stock = row
        prods.append(_Prod(pid, sku, name, hsn, unit, price, cost, rate, incl, cat, ZERO, stock,
                           1.0 / rank ** 0.9, rng.choice(sup_ids) if sup_ids else 0))
    pop_total = sum(p.popularity for p in prods)
    lines_per_day = avg_per_day * 4.5
    for p in prods:
        daily = max(lines_per_day * p.popularity / pop_total * 1.6, 0.05)   # units a day
        p.reorder = Decimal(max(int(daily * 4) + 2, 3))
    prod_cum = list(_cumulative([p.popularity for p in prods]))
    custs: list[_Cust] = []
    for row in cust_rows:
        cid, phone, name, gstin, state = row
        arrival = 0 if rng.random() < 0.25 else int(rng.random() ** 1.3 * n_days)
        life = int(rng.expovariate(1 / (n_days * 0.5))) + 14
        custs.append(_Cust(cid, phone, name, gstin, state, arrival, rng.paretovariate(1.6), arrival + life))
    custs.sort(key=lambda c: c.arrival)
    arrivals = [c.arrival for c in custs]

    # ---- ids and counters
    def max_ids(s: Session) -> dict:
        out = {}
        for t in ("invoices", "invoice_lines", "payments", "stock_movements", "loyalty_ledger", "dues_ledger",
                  "credit_notes", "credit_note_lines", "purchase_orders", "purchase_order_lines",
                  "dues_allocations"):
            out[t] = int(s.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {t}")).scalar())
        out["counters"] = {(c.series, c.fy): c.last_number for c in s.scalars(select(InvoiceCounter))}
        return out
    ids = db.run(max_ids, readonly=True)
    counters: dict[tuple[str, str], int] = dict(ids.pop("counters"))
    next_id = {t: v + 1 for t, v in ids.items()}

    def take(table: str) -> int:
        v = next_id[table]
        next_id[table] = v + 1
        return v

    def number(series: str, prefix: str, when: dt.date) -> tuple[str, str, int]:
        fy = financial_year(when)
        seq = counters.get((series, fy), 0) + 1
        counters[(series, fy)] = seq
        return format_number(prefix, fy, seq), fy, seq

    # ---- per-day invoice counts with weekly, seasonal and growth patterns
    weights = []
    for d in range(n_days):
        day = first_day + dt.timedelta(days=d)
        growth = 0.8 + 0.4 * d / max(n_days - 1, 1)
        weights.append(WEEKDAY[day.weekday()] * season(day) * growth * rng.uniform(0.9, 1.1))
    per_day = _apportion(invoices, weights)
    hours = list(HOURS)
    hour_cum = list(_cumulative([HOURS[h] for h in hours]))

    snapshot_json = json.dumps(shop["snapshot"], ensure_ascii=False)
    uid, uname, term = actor.user_id, actor.username, actor.terminal or "T1"
    pending_returns: dict[int, list] = defaultdict(list)     # day index -> [(invoice_id, lines, customer, inv)]
    pending_dues: dict[int, list] = defaultdict(list)        # day index -> [customer]
    done = 0
    day_index = 0
    touched_c: set[int] = set()

    INV_COLS = ("id", "number", "sale_id", "fy", "seq", "doc_type", "issued_at", "business_date", "cashier_id",
                "cashier_name", "terminal", "customer_id", "customer_name", "customer_phone", "customer_gstin",
                "customer_address", "customer_state_code", "place_of_supply", "inter_state", "shop_snapshot",
                "gross_total", "discount_total", "taxable_total", "cgst", "sgst", "igst", "round_off",
                "grand_total", "paid_total", "change_given", "due_amount", "credits_earned", "credits_redeemed",
                "bill_discount_text", "status", "print_count")
    LINE_COLS = ("id", "invoice_id", "line_no", "product_id", "sku", "name", "hsn", "unit", "category_id", "qty",
                 "unit_price", "tax_inclusive", "gross", "discount", "taxable", "gst_rate", "cgst", "sgst", "igst",
                 "total", "cost_price")
    PAY_COLS = ("id", "kind", "invoice_id", "credit_note_id", "customer_id", "mode", "amount", "tendered",
                "reference", "at", "business_date", "user_id", "terminal")
    LOY_COLS = ("id", "customer_id", "at", "delta", "reason", "note", "invoice_id", "credit_note_id", "user_id",
                "balance_after", "period")
    DUES_COLS = ("id", "customer_id", "at", "delta", "reason", "invoice_id", "payment_id", "credit_note_id",
                 "user_id", "balance_after", "note")
    CN_COLS = ("id", "number", "fy", "seq", "request_id", "invoice_id", "issued_at", "business_date", "user_id",
               "user_name", "terminal", "reason", "refund_mode", "taxable_total", "cgst", "sgst", "igst",
               "round_off", "total", "place_of_supply")
    CNL_COLS = ("id", "credit_note_id", "invoice_line_id", "product_id", "sku", "name", "qty", "taxable",
                "gst_rate", "cgst", "sgst", "igst", "total")
    PO_COLS = ("id", "number", "supplier_id", "status", "created_at", "created_by", "ordered_at", "closed_at",
               "notes", "total")
    POL_COLS = ("id", "po_id", "product_id", "qty", "unit_cost", "received_qty")
    ALLOC_COLS = ("id", "payment_id", "invoice_id", "amount")

    def move(w: BulkWriter, moves: list[tuple[_Prod, Decimal, Decimal]], reason: str, at: dt.datetime,
             ref_type: str, ref_id: int) -> None:
        """One document's stock movements, through the stock ledger's one writer."""
        new_qty = move_stock(w.conn, moves, reason, actor, ref_type=ref_type, ref_id=ref_id, at=at)
        for p, _delta, _cost in moves:
            p.stock = new_qty[p.id]

    def restock(w: BulkWriter, day: dt.date) -> None:
        # the suppliers call on Mondays and Thursdays (and whenever a shelf is empty)
        visit = day.weekday() in (0, 3)
        low = [p for p in prods if (p.stock <= p.reorder if visit else p.stock <= 0)]
        if not low:
            return
        at = dt.datetime.combine(day, dt.time(7, 30))
        by_sup: dict[int, list[_Prod]] = defaultdict(list)
        for p in low:
            by_sup[p.supplier].append(p)
        for sup, items in sorted(by_sup.items()):
            po_id = take("purchase_orders")
            num, _, _ = number("PO", "PO", day)
            total = ZERO
            for p in items:
                qty = p.reorder * 6
                total += round_money(qty * p.cost)
                w.add("purchase_order_lines", POL_COLS, (take("purchase_order_lines"), po_id, p.id, qty, p.cost, qty))
            move(w, [(p, p.reorder * 6, p.cost) for p in sorted(items, key=lambda p: p.id)], "receipt", at, "po",
                 po_id)
            w.add("purchase_orders", PO_COLS, (po_id, num, sup, "received", at - dt.timedelta(days=2), uid,
                                               at - dt.timedelta(days=2), at, "demo restock", total))
            result.receipts += 1

    def sell(w: BulkWriter, day: dt.date, at: dt.datetime, di: int, cust: _Cust | None) -> None:
        n_lines = min(max(1, int(rng.gauss(6.0, 2.5))), 14)
        chosen: dict[int, Decimal] = {}
        order: list[_Prod] = []
        for _ in range(n_lines):
            p = prods[_pick(rng, prod_cum)]
            if p.id in chosen:
                continue
            if p.unit in WHOLE_UNITS:
                q = Decimal(rng.choice((1, 1, 1, 1, 2, 2, 3, 4)))
            else:
                q = Decimal(rng.choice(("0.5", "0.75", "1", "1", "1.5", "2", "0.25", "1.250")))
            if q > p.stock:
                continue
            chosen[p.id] = q
            order.append(p)
        if not order:
            p = max(prods, key=lambda x: x.stock)
            chosen[p.id] = ONE
            order.append(p)
        items = []
        for p in order:
            disc = Discount(Decimal(rng.choice(("5", "10"))), True) if rng.random() < 0.04 else None
            items.append(CartItem(sku=p.sku, name=p.name, unit_price=p.price, gst_rate=p.rate, qty=chosen[p.id],
                                  tax_inclusive=p.inclusive, discount=disc, hsn=p.hsn, unit=p.unit,
                                  product_id=p.id, category_id=p.category_id, cost_price=p.cost))
        bill_disc = Discount(Decimal("20"), False) if rng.random() < 0.02 else None
        place = (cust.state_code if cust and cust.state_code else shop["state"])
        try:
            totals = compute_cart(items, inter_state=place != shop["state"], charges_gst=shop["gst"],
                                  bill_discount=bill_disc, round_off=shop["round_off"])
        except ValueError:
            totals = compute_cart(items, inter_state=place != shop["state"], charges_gst=shop["gst"],
                                  round_off=shop["round_off"])
        grand = totals.grand_total
        # payments
        r = rng.random()
        pays: list[PaymentInput] = []
        if cust is not None and r < 0.04 and grand > 0:
            pays = [PaymentInput("account", None)]
        elif cust is not None and cust.credits * shop["credit_value"] >= 20 and r < 0.10 and grand > 40:
            use = min((cust.credits * shop["credit_value"]).quantize(ONE, rounding=ROUND_DOWN),
                      (grand / 2).quantize(ONE, rounding=ROUND_DOWN))
            pays = [PaymentInput("credits", use), PaymentInput(rng.choice(("cash", "upi")), None)]
        elif r < 0.13 and grand > 200:
            part = (grand / 2).quantize(ONE, rounding=ROUND_DOWN)
            pays = [PaymentInput("upi", part, None, f"UPI{rng.randrange(10**11, 10**12)}"), PaymentInput("cash", None)]
        else:
            mode = rng.choices(("cash", "upi", "card", "netbanking"), (45, 38, 15, 2))[0]
            if mode == "cash":
                tendered = None
                if rng.random() < 0.5 and grand > 0:
                    step = 10 if grand < 100 else 50 if grand < 500 else 100 if grand < 2000 else 500
                    tendered = (grand / step).quantize(ONE, rounding="ROUND_CEILING") * step
                    if tendered == grand:
                        tendered = None
                pays = [PaymentInput("cash", None, tendered)]
            else:
                pays = [PaymentInput(mode, None, None, f"{mode.upper()[:3]}{rng.randrange(10**9, 10**10)}")]
        st = settle(grand, pays) if grand > 0 else settle(grand, [])
        redeemed = credits_for(st.credits_amount, shop["credit_value"]) if st.credits_amount else ZERO
        earned = credits_earned(st.money_paid, shop["per_credit"]) if cust else ZERO
        inv_id = take("invoices")
        num, fy, seq = number("INV", shop["prefix"], day)
        cid = cust.id if cust else None
        w.add("invoices", INV_COLS, (
            inv_id, num, f"demo-{inv_id}", fy, seq, totals.doc_type, at, day, uid, uname, term, cid,
            cust.name if cust else "", cust.phone if cust else "", cust.gstin if cust else "", "",
            cust.state_code if cust else "", place, totals.inter_state, snapshot_json, totals.gross_total,
            totals.discount_total, totals.taxable_total, totals.cgst, totals.sgst, totals.igst, totals.round_off,
            grand, st.paid_total, st.change, st.due, earned, redeemed,
            totals.bill_discount.text if totals.bill_discount else "", "issued", 0))
        line_ids = []
        for n, lt in enumerate(totals.lines, 1):
            lid = take("invoice_lines")
            line_ids.append(lid)
            it = lt
            w.add("invoice_lines", LINE_COLS, (lid, inv_id, n, it.product_id, it.sku, it.name, it.hsn, it.unit,
                                               it.category_id, it.qty, it.unit_price, it.tax_inclusive, lt.gross,
                                               lt.discount, lt.taxable, lt.gst_rate, lt.cgst, lt.sgst, lt.igst,
                                               lt.total, it.cost_price))
        result.lines += len(line_ids)
        by_id = {p.id: p for p in order}
        move(w, [(by_id[pid], -chosen[pid], by_id[pid].cost) for pid in sorted(chosen)], "sale", at, "invoice",
             inv_id)
        for p in st.payments:
            w.add("payments", PAY_COLS, (take("payments"), "sale", inv_id, None, cid, p.mode, p.amount, p.tendered,
                                         p.reference, at, day, uid, term))
        if cust is not None:
            touched_c.add(cust.id)
            if redeemed:
                cust.credits -= redeemed
                w.add("loyalty_ledger", LOY_COLS, (take("loyalty_ledger"), cust.id, at, -redeemed, "redeem", num,
                                                   inv_id, None, uid, cust.credits, ""))
            if earned:
                cust.credits += earned
                w.add("loyalty_ledger", LOY_COLS, (take("loyalty_ledger"), cust.id, at, earned, "earn", num,
                                                   inv_id, None, uid, cust.credits, ""))
            if st.due:
                cust.dues += st.due
                cust.open_dues.append([inv_id, st.due])
                w.add("dues_ledger", DUES_COLS, (take("dues_ledger"), cust.id, at, st.due, "sale", inv_id, None,
                                                 None, uid, cust.dues, num))
                pending_dues[di + rng.randrange(5, 75)].append(cust)
            cust.visits += 1
            cust.first = cust.first or at
            cust.last = at
            cust.spent += grand
        if rng.random() < 0.012:
            later = di + rng.randrange(1, 12)
            pending_returns[later].append((inv_id, fy, totals, line_ids, cust, by_id, st, place))

    status_updates: dict[int, str] = {}
    levels_written: list[bool] = []

    def give_back(w: BulkWriter, day: dt.date, di: int, ret) -> None:
        """A return exactly as services/selling/returns.create_return writes it (one per invoice here)."""
        inv_id, _fy, totals, line_ids, cust, by_id, st, place = ret
        at = dt.datetime.combine(day, dt.time(rng.randrange(10, 20), rng.randrange(60), rng.randrange(60)))
        cn_id = take("credit_notes")
        fy = financial_year(day)
        seq = counters.get(("CN", fy), 0) + 1
        counters[("CN", fy)] = seq
        num = f"CN/{fy}/{seq:06d}"
        picks = [i for i in range(len(totals.lines)) if rng.random() < 0.5] or [0]
        rows = []
        for i in picks:
            lt = totals.lines[i]
            q = lt.qty if lt.unit not in WHOLE_UNITS else Decimal(rng.randrange(1, int(lt.qty) + 1))
            if q == lt.qty:
                t, c, s_, g = lt.taxable, lt.cgst, lt.sgst, lt.igst
            else:
                t, c, s_, g = (prorate(v, q, lt.qty) for v in (lt.taxable, lt.cgst, lt.sgst, lt.igst))
            rows.append((i, lt, q, t, c, s_, g, t + c + s_ + g))
        lines_total = sum((r[7] for r in rows), ZERO)
        everything = len(rows) == len(totals.lines) and all(r[2] == r[1].qty for r in rows)
        if everything:
            total = totals.grand_total
        else:
            total = min(round_rupee(lines_total) if shop["round_off"] else lines_total, totals.grand_total)
        round_off = total - lines_total
        mode = "dues" if cust is not None and cust.dues >= total and st.due > 0 else "cash"
        w.add("credit_notes", CN_COLS, (
            cn_id, num, fy, seq, f"demo-cn-{cn_id}", inv_id, at, day, uid, uname, term,
            rng.choice(("damaged", "wrong item", "not needed", "expired")), mode,
            sum((r[3] for r in rows), ZERO), sum((r[4] for r in rows), ZERO), sum((r[5] for r in rows), ZERO),
            sum((r[6] for r in rows), ZERO), round_off, total, place))
        back: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for i, lt, q, t, c, s_, g, lt_total in rows:
            w.add("credit_note_lines", CNL_COLS, (take("credit_note_lines"), cn_id, line_ids[i], lt.product_id,
                                                  lt.sku, lt.name, q, t, lt.gst_rate, c, s_, g, lt_total))
            back[lt.product_id] += q
        move(w, [(by_id[pid], back[pid], by_id[pid].cost) for pid in sorted(back)], "return", at, "credit_note",
             cn_id)
        pay_id = take("payments")
        cid = cust.id if cust else None
        w.add("payments", PAY_COLS, (pay_id, "refund", inv_id, cn_id, cid, "account" if mode == "dues" else "cash",
                                     -total, None, None, at, day, uid, term))
        if mode == "dues":
            cust.dues -= total
            _settle_open(cust, total, pay_id, w, first_invoice=inv_id)
            w.add("dues_ledger", DUES_COLS, (take("dues_ledger"), cust.id, at, -total, "return", inv_id, pay_id,
                                             cn_id, uid, cust.dues, num))
        if cust is not None:
            touched_c.add(cust.id)
            earned = st_earned = credits_earned(st.money_paid, shop["per_credit"])
            if st_earned:
                share = st_earned if everything else prorate(st_earned, total, totals.grand_total)
                share = min(share, earned, cust.credits)
                if share > 0:
                    cust.credits -= share
                    w.add("loyalty_ledger", LOY_COLS, (take("loyalty_ledger"), cust.id, at, -share, "reverse", num,
                                                       inv_id, cn_id, uid, cust.credits, ""))
            cust.spent = max(ZERO, cust.spent - total)
        status_updates[inv_id] = "returned" if everything else "partly_returned"
        result.returns += 1

    def _settle_open(cust: _Cust, amount: Decimal, payment_id, w: BulkWriter | None, first_invoice=None) -> None:
        left = amount
        if first_invoice is not None:
            cust.open_dues.sort(key=lambda od: od[0] != first_invoice)
        while left > 0 and cust.open_dues:
            head = cust.open_dues[0]
            part = min(head[1], left)
            if payment_id is not None:
                w.add("dues_allocations", ALLOC_COLS, (take("dues_allocations"), payment_id, head[0], part))
            head[1] -= part
            left -= part
            if head[1] == 0:
                cust.open_dues.pop(0)

    def collect_dues(w: BulkWriter, day: dt.date, cust: _Cust) -> None:
        if cust.dues <= 0:
            return
        amount = cust.dues if rng.random() < 0.7 else max(round_money(cust.dues / 2), Decimal("1.00"))
        amount = min(amount, cust.dues)
        at = dt.datetime.combine(day, dt.time(rng.randrange(9, 21), rng.randrange(60)))
        pay_id = take("payments")
        mode = rng.choice(("cash", "upi"))
        w.add("payments", PAY_COLS, (pay_id, "dues", None, None, cust.id, mode, amount, None, None, at, day, uid, term))
        _settle_open(cust, amount, pay_id, w)
        cust.dues -= amount
        touched_c.add(cust.id)
        w.add("dues_ledger", DUES_COLS, (take("dues_ledger"), cust.id, at, -amount, "payment", None, pay_id, None,
                                         uid, cust.dues, ""))
        result.dues_payments += 1
        if cust.dues > 0:
            pending_dues[(day - first_day).days + rng.randrange(10, 40)].append(cust)

    def finish_batch(s: Session, w: BulkWriter) -> None:
        w.close()
        for (series, fy), last in counters.items():
            row = s.get(InvoiceCounter, (series, fy))
            if row is None:
                s.add(InvoiceCounter(series=series, fy=fy, last_number=last))
            else:
                row.last_number = last
        if not levels_written:
            for p in sorted(prods, key=lambda p: p.id):    # reorder levels from the expected demand
                s.execute(update(Product).where(Product.id == p.id).values(reorder_level=p.reorder))
            levels_written.append(True)
        cmap = {c.id: c for c in custs}
        for cid in sorted(touched_c):
            c = cmap[cid]
            s.execute(update(Customer).where(Customer.id == cid).values(
                credits=c.credits, dues=c.dues, visits=c.visits, total_spent=c.spent, first_visit=c.first,
                last_visit=c.last))
        for inv_id, status in sorted(status_updates.items()):
            s.execute(update(Invoice).where(Invoice.id == inv_id).values(status=status))
        status_updates.clear()
        touched_c.clear()
        audit(s, actor, "demo.generate", "invoice", "", through=str(current_day))
        s.flush()

    # ---- trade, day by day, in batched transactions
    current_day = first_day
    while day_index < n_days:
        start_index = day_index
        snapshot_state = (dict(next_id), dict(counters))

        def batch(s: Session):
            nonlocal day_index, done, current_day
            w = BulkWriter(s)
            try:
                fill(s, w)
            except BaseException:
                if w.mysql:     # never hand a connection with the checks off back to the pool
                    s.connection().invalidate()
                raise

        def fill(s: Session, w: BulkWriter):
            nonlocal day_index, done, current_day
            count = 0
            while day_index < n_days and (count < batch_invoices or day_index == start_index):
                di = day_index
                day = first_day + dt.timedelta(days=di)
                current_day = day
                restock(w, day)
                for ret in pending_returns.pop(di, []):
                    give_back(w, day, di, ret)
                for cust in pending_dues.pop(di, []):
                    collect_dues(w, day, cust)
                k = per_day[di]
                pool_end = bisect.bisect_right(arrivals, di)
                pool = [c for c in custs[:pool_end] if di <= c.churn_day or rng.random() < 0.1]
                pool_cum = list(_cumulative([c.weight * (3 if c.arrival == di else 1) for c in pool]))
                times = sorted(dt.datetime.combine(day, dt.time(hours[_pick(rng, hour_cum)], rng.randrange(60),
                                                                rng.randrange(60))) for _ in range(k))
                for at in times:
                    cust = pool[_pick(rng, pool_cum)] if pool and rng.random() < 0.6 else None
                    sell(w, day, at, di, cust)
                    if len(w.buffers.get("invoice_lines", ((), []))[1]) >= 20000:
                        w.flush()
                count += k
                done += k
                day_index += 1
            finish_batch(s, w)

        try:
            db.run(batch, attempts=1)
        except BaseException:
            next_id.clear()
            next_id.update(snapshot_state[0])
            raise
        if progress:
            progress(done, invoices)
    result.invoices = done
    if refresh_summaries:
        from billbook.services.insight.summaries import default_target, refresh_in_steps
        refresh_in_steps(db, min(end, default_target()))
    result.seconds = time.perf_counter() - t0
    return result


def _snapshot(shop: Shop) -> dict:
    from billbook.services.selling.checkout import shop_snapshot
    return shop_snapshot(shop)


def _cumulative(weights):
    total = 0.0
    for wgt in weights:
        total += wgt
        yield total


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into whole numbers in proportion to ``weights`` (largest remainders)."""
    whole = sum(weights)
    if whole <= 0 or total <= 0:
        return [0] * len(weights)
    raw = [total * w / whole for w in weights]
    out = [math.floor(r) for r in raw]
    left = total - sum(out)
    for i in sorted(range(len(raw)), key=lambda i: -(raw[i] - out[i]))[:left]:
        out[i] += 1
    return out
