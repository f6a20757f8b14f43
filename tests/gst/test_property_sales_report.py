"""Property: for any month of sales and returns, GSTR-1's totals (B2B + B2CL + B2CS + nil − credit
notes) equal the sales report's net totals (``report sales``: taxable and tax, net of returns).

SQLite only (each example builds its own shop from the migrated template); the month test in
test_month_returns.py runs the same services on MariaDB too."""

from __future__ import annotations

import shutil
import uuid
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billbook import clock
from billbook.db.bootstrap import open_database
from billbook.services.goods import catalog
from billbook.services.insight import analytics, filing
from billbook.services.people import shop as shop_service
from billbook.services.selling import checkout as sales
from billbook.services.selling import returns
from tests.builders import make_user
from tests.gst import month as M

SKUS = [p[0] for p in M.PRODUCTS]
#: unregistered buyers come with a name, address and state: a sale of ₹50,000 or more needs them (Rule 46(e))
BUYERS = st.sampled_from([
    {"customer_name": "Walk-in", "customer_address": "Station Road, Pune", "customer_state_code": "27"},
    {"customer_phone": "9800000011", "customer_name": "Bharat Traders", "customer_gstin": M.B2B_INTRA},
    {"customer_phone": "9800000012", "customer_name": "Reliable Tech", "customer_gstin": M.B2B_INTER},
    {"customer_phone": "9800000013", "customer_name": "Meena", "customer_state_code": "33",
     "customer_address": "3 Anna Salai, Chennai"},
    {"customer_phone": "9800000014", "customer_name": "Arun", "customer_state_code": "29",
     "customer_address": "8 Brigade Road, Bengaluru"}])
SALE = st.tuples(st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 3)), min_size=1, max_size=4,
                          unique_by=lambda t: t[0]),
                 BUYERS, st.sampled_from([None, "all", "first"]))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(SALE, min_size=1, max_size=6))
def test_gstr1_totals_equal_the_sales_reports_net_totals(sqlite_template, tmp_path_factory, month_sales):
    path = tmp_path_factory.mktemp("prop") / "shop.sqlite3"
    shutil.copy(sqlite_template, path)
    db = open_database(f"sqlite:///{path}")
    try:
        admin = make_user(db, "owner", "admin")
        shop_service.update_shop(db, admin, gstin=M.SHOP_GSTIN, state_code="27")
        for sku, name, price, rate, hsn, unit, inclusive in M.PRODUCTS:
            catalog.add_product(db, admin, sku=sku, name=name, price=price, gst_rate=rate, hsn=hsn, unit=unit,
                                stock="1000", tax_inclusive=inclusive)
        for items, buyer, back in month_sales:
            inv = sales.checkout(db, admin, sales.SaleRequest(str(uuid.uuid4()), [(s, str(q)) for s, q in items],
                                                              [("cash", None)], **buyer))
            if back:
                chosen = items if back == "all" else items[:1]
                returns.create_return(db, admin, inv.number, [(s, "1") for s, _ in chosen])
        today = clock.today()
        g = filing.gstr1(db, admin, today.strftime("%Y-%m"))
        report = analytics.sales_over_time(db, admin, today.replace(day=1), today, "month")
        t = g.gstr1.totals
        r1_taxable = t["b2b"].taxable + t["b2cl"].taxable + t["b2cs"].taxable + t["nil"].taxable \
            - t["cdnr"].taxable - t["cdnur"].taxable
        r1_tax = t["b2b"].tax + t["b2cl"].tax + t["b2cs"].tax - t["cdnr"].tax - t["cdnur"].tax
        assert r1_taxable == sum((b.net for b in report), D(0))
        assert r1_tax == sum((b.tax for b in report), D(0))
        assert g.summary.matches
    finally:
        db.dispose()
