"""Shared data for the analytics and report tests: a small shop traded through the real
checkout, returns and dues services at chosen moments around week, month, calendar-year and
financial-year boundaries."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from billbook import clock
from billbook.services.goods import catalog
from billbook.services.selling import dues
from billbook.services.selling import returns
from billbook.services.selling import checkout as sales
from billbook.errors import ValidationError
from billbook.services.selling.checkout import SaleRequest

LOCAL = ["9876500001", "9876500002", "9876500003", "9876500004"]
B2B_PHONE = "9876500099"      # Karnataka business: IGST
B2B_GSTIN = "29AAACB1234C1Z" + "0"

# Sunday 30 Mar 2025 | Monday 31 Mar (last day of FY 24-25) | Tuesday 1 Apr (FY 25-26)
# Wednesday 31 Dec 2025 | Thursday 1 Jan 2026 ; month ends Feb/Apr/May
DAYS = [dt.date(2025, 2, 27), dt.date(2025, 2, 28), dt.date(2025, 3, 1), dt.date(2025, 3, 30), dt.date(2025, 3, 31),
        dt.date(2025, 4, 1), dt.date(2025, 4, 2), dt.date(2025, 4, 30), dt.date(2025, 5, 1), dt.date(2025, 5, 12),
        dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 1, 5)]
LAST = DAYS[-1]


def at(when: dt.datetime) -> None:
    clock.reset()
    clock.advance(when - clock.now())


def _gstin() -> str:
    from billbook.domain.gst import gstin_check_char
    first14 = "29AAACB1234C1Z"
    return first14 + gstin_check_char(first14)


@pytest.fixture
def shop(db, admin):
    """Products in three categories (one without), with 0/5/18/28 % GST, one tax-inclusive, one sold by kg."""
    at(dt.datetime(2025, 2, 1, 9, 0))
    catalog.add_product(db, admin, sku="RICE", name="Rice loose", price="64.50", gst_rate="5", unit="kg",
                        stock="5000", category="Staples", hsn="1006", cost_price="51.20", reorder_level="10")
    catalog.add_product(db, admin, sku="SOAP", name="Neem Soap", price="38", gst_rate="18", stock="5000",
                        category="Personal care", hsn="3401", cost_price="29.10", reorder_level="5")
    catalog.add_product(db, admin, sku="MILK", name="Toned Milk 1 L", price="27", gst_rate="0", unit="pack",
                        stock="5000", category="Dairy", hsn="0401", cost_price="24")
    catalog.add_product(db, admin, sku="COLA", name="Cola 2 L", price="99", gst_rate="28", stock="5000",
                        tax_inclusive=True, hsn="2202", cost_price="70")
    catalog.add_product(db, admin, sku="PEN", name="Ball Pen", price="10", gst_rate="18", stock="3",
                        reorder_level="5", category="Stationery", hsn="9608", cost_price="6.5")
    return admin


def _sell(db, actor, rng: random.Random, n: int, when: dt.datetime):
    at(when)
    items = []
    for sku in rng.sample(["RICE", "SOAP", "MILK", "COLA"], rng.randrange(1, 5)):
        qty = str(rng.choice(["0.5", "1.25", "2", "3.750"])) if sku == "RICE" else str(rng.randrange(1, 6))
        disc = rng.choice([None, None, None, "5%", "2"])
        items.append((sku, qty, disc))
    r = rng.random()
    phone = name = None
    if r < 0.65:
        phone = rng.choice(LOCAL + [B2B_PHONE])
        name = "Cust " + phone[-2:]
    kw = {}
    if phone == B2B_PHONE:
        kw = dict(customer_state_code="29", customer_gstin=_gstin())
    pays = [("cash", None)]
    if phone and rng.random() < 0.25:
        pays = [("cash", "20"), ("account", None)]
    elif rng.random() < 0.3:
        pays = [("upi", None, None, f"UTR{n}")]
    elif rng.random() < 0.2:
        pays = [("card", None)]
    return sales.checkout(db, actor, SaleRequest(f"s-{n}", items, pays, customer_phone=phone, customer_name=name,
                                                 bill_discount=rng.choice([None, None, None, "3%"]), **kw))


@pytest.fixture
def traded(db, shop, cashier):
    """About fifty sales over the boundary days, returns a few days later, dues paid back."""
    rng = random.Random(7)
    sold = []
    n = 0
    for day in DAYS:
        for _ in range(rng.randrange(2, 6)):
            n += 1
            when = dt.datetime.combine(day, dt.time(rng.choice([8, 9, 11, 13, 18, 19, 21]), rng.randrange(60)))
            actor = cashier if rng.random() < 0.7 else shop
            sold.append(_sell(db, actor, rng, n, when))
    # returns on a later day (one crosses the financial year: sold 30 Mar, returned 2 Apr)
    for inv, when in ((sold[5], dt.datetime(2025, 4, 2, 17, 5)), (sold[12], dt.datetime(2025, 5, 12, 10, 0)),
                      (sold[-6], dt.datetime(2026, 1, 5, 12, 30))):
        at(when)
        line = inv.lines[0]
        qty = line.qty if line.unit != "kg" else Decimal("0.25")
        returns.create_return(db, shop, inv.number, [(line.sku, str(qty))], refund_mode="cash")
    # dues paid back in part
    for phone, amount, when in ((LOCAL[0], "15", dt.datetime(2025, 4, 30, 20, 0)),
                                (LOCAL[1], "10", dt.datetime(2026, 1, 1, 10, 0))):
        at(when)
        try:
            dues.pay_dues(db, cashier, phone, amount, "upi")
        except ValidationError:
            pass
    at(dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(12, 0)))
    return sold


