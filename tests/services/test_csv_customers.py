"""CSV import (dry run, all-or-nothing, line-numbered errors), export → import round trip,
customers: duplicates, GSTIN, loyalty never below zero, reward rule once per period."""

import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest

from billbook import clock
from billbook.services.goods import catalog
from billbook.services.data import csv_io
from billbook.services.people import customers
from billbook.errors import Conflict, PermissionDenied, ValidationError
from tests.builders import snapshot

HEADER = "sku,name,price,gst_rate,hsn,barcode,unit,stock,reorder_level,tax_inclusive,category,cost_price\n"
MIXED = HEADER + (
    "RICE5,Rice 5 kg,350,5,1006,4006381333931,pcs,10,5,no,Grocery,300\n"      # line 2 good
    "SOAP,Soap,-45,18,,,pcs,,,no,,\n"                                           # line 3 negative price
    "OIL,Oil,150,7,,,l,,,no,,\n"                                                # line 4 rate not allowed
    "EAN,Bad code,10,5,,4006381333932,pcs,,,no,,\n"                             # line 5 check digit
    "RICE5,Rice again,10,5,,,pcs,,,no,,\n"                                      # line 6 repeats line 2
    "TEA,\"Tea, 250 g\",120.50,5,0902,,kg,3.5,,yes,Beverages,\n"              # line 7 good
    "\n"                                                                        # line 8 blank: skipped
    "X,Too,few\n"                                                               # line 9 cells
    "Y,Flag,1,5,,,pcs,,,maybe,,\n"                                              # line 10 bad bool
)


def test_dry_run_lists_every_bad_row_and_writes_nothing(db, admin):
    before = snapshot(db)
    report = csv_io.import_products(db, admin, io.StringIO(MIXED), dry_run=True)
    assert [(e.line, e.field) for e in report.errors] == [
        (3, "price"), (4, "gst_rate"), (5, "barcode"), (6, "sku"), (9, None), (10, "tax_inclusive")]
    assert report.rows == 8 and report.imported == 0
    assert snapshot(db) == before


def test_real_import_with_a_bad_row_imports_nothing(db, admin):
    before = snapshot(db)
    with pytest.raises(csv_io.ImportRejected) as err:
        csv_io.import_products(db, admin, io.StringIO(MIXED))
    assert len(err.value.report.errors) == 6 and "line 3" in str(err.value)
    assert snapshot(db) == before


def test_import_refuses_existing_sku_and_unknown_columns(db, admin):
    catalog.add_product(db, admin, sku="rice5", name="Old", price="1", gst_rate="5")
    report = csv_io.import_products(db, admin, io.StringIO(HEADER + "RICE5,Rice,1,5,,,pcs,,,no,,\n"), dry_run=True)
    assert [(e.line, e.field) for e in report.errors] == [(2, "sku")]   # case-insensitive, as MySQL is
    report = csv_io.import_products(db, admin, io.StringIO("sku,name,prce,gst_rate\nA,B,1,5\n"), dry_run=True)
    assert report.errors[0].line == 1 and "prce" in report.errors[0].message and "price" in report.errors[0].message
    with pytest.raises(ValidationError):
        csv_io.import_products(db, admin, io.BytesIO(b"sku,name\n\xff\xfe"), dry_run=True)


def test_good_import_writes_products_ledger_and_search_in_one_go(db, admin, tmp_path):
    good = HEADER + "RICE5,Rice 5 kg,350,5,1006,4006381333931,pcs,10,5,no,Grocery,300\n" \
                    "TEA,\"Tea, 250 g\",120.50,5,0902,,kg,3.5,,yes,Beverages,\n"
    path = tmp_path / "p.csv"
    path.write_bytes(b"\xef\xbb\xbf" + good.encode())          # a BOM from a spreadsheet
    seen = []
    report = csv_io.import_products(db, admin, path, progress=lambda d, t: seen.append((d, t)))
    assert report.imported == 2 and seen[-1] == (2, 2)
    tea = catalog.get_product(db, admin, "TEA")
    assert (tea.stock_qty, tea.tax_inclusive, tea.category, tea.price) == (Decimal("3.5"), True, "Beverages",
                                                                          Decimal("120.50"))
    assert [p.sku for p in catalog.search_products(db, admin, "250 TEA").items] == ["TEA"]
    from billbook.services.goods import inventory
    assert inventory.verify_stock(db, admin).ok


@pytest.mark.parametrize("bom", [False, True])
def test_export_imports_back_unchanged(db_url, db, admin, tmp_path, bom):
    catalog.add_product(db, admin, sku="RICE5", name="Rice, \"Basmati\" 5 kg", price="350", gst_rate="5",
                        hsn="1006", barcode="4006381333931", stock="10.250", reorder_level="5", category="Grocery",
                        cost_price="300.10", unit="kg")
    catalog.add_product(db, admin, sku="TEA", name="Chai पत्ती", price="0", gst_rate="0.25", tax_inclusive=True)
    first = tmp_path / "a.csv"
    assert csv_io.export_products(db, admin, first, bom=bom) == 2
    assert first.read_bytes().startswith(b"\xef\xbb\xbf") == bom

    # a second, empty database of the same kind
    from billbook.db.models import Category, Product, ProductTerm, SearchTerm, SearchTermSuffix, StockMovement
    from sqlalchemy import delete

    def wipe(s):
        for m in (ProductTerm, SearchTermSuffix, SearchTerm, StockMovement, Product, Category):
            s.execute(delete(m))
    db.run(wipe)
    assert csv_io.import_products(db, admin, first).imported == 2
    second = tmp_path / "b.csv"
    csv_io.export_products(db, admin, second, bom=bom)
    assert second.read_bytes() == first.read_bytes()


def test_customer_and_ledger_exports(db, admin, tmp_path):
    customers.add_customer(db, admin, "9876543210", "Ravi")
    catalog.add_product(db, admin, sku="A", name="A", price="1", gst_rate="5", stock="2")
    out = io.StringIO()
    assert csv_io.export_customers(db, admin, out) == 1
    assert out.getvalue().splitlines()[1].startswith("9876543210,Ravi,")
    out = io.StringIO()
    assert csv_io.export_stock_ledger(db, admin, out) == 1
    assert ",A,A,opening,import," not in out.getvalue() and ",opening," in out.getvalue()


# ---------------------------------------------------------------- customers

def test_duplicate_phone_and_bad_gstin_are_refused(db, admin, cashier):
    customers.add_customer(db, cashier, "98765 43210", "Ravi")
    before = snapshot(db)
    with pytest.raises(Conflict):
        customers.add_customer(db, cashier, "+919876543210", "Other")
    with pytest.raises(ValidationError) as err:
        customers.add_customer(db, cashier, "9876500000", "Firm", gstin="27AAPFU0939F1ZX")
    assert err.value.field == "gstin"
    with pytest.raises(ValidationError):
        customers.add_customer(db, cashier, "12345", "Short")
    customers.add_customer(db, cashier, "9000000001", "Asha")
    with pytest.raises(Conflict):
        customers.update_customer(db, admin, "9000000001", new_phone="9876543210")
    with pytest.raises(PermissionDenied):
        customers.update_customer(db, cashier, "9000000001", name="X")
    assert len(snapshot(db)["customers"]) == len(before["customers"]) + 1


def test_update_and_search_customers(db, admin):
    customers.add_customer(db, admin, "9876543210", "Ravi Kumar")
    customers.add_customer(db, admin, "9123456780", "Kumar Stores")
    c = customers.update_customer(db, admin, "9876543210", email="ravi@example.in", gstin="27AAPFU0939F1ZV")
    assert (c.email, c.gstin, c.state_code) == ("ravi@example.in", "27AAPFU0939F1ZV", "27")
    assert [x.name for x in customers.search_customers(db, admin, "kumar").items] == ["Kumar Stores", "Ravi Kumar"]
    assert [x.name for x in customers.search_customers(db, admin, "KUMAR ravi").items] == ["Ravi Kumar"]
    assert [x.phone for x in customers.search_customers(db, admin, "54321").items] == ["9876543210"]


def test_loyalty_never_goes_below_zero(db, admin):
    customers.add_customer(db, admin, "9876543210", "Ravi")
    customers.adjust_credits(db, admin, "9876543210", "30", "festival gift")
    before = snapshot(db)
    with pytest.raises(ValidationError, match="cannot take"):
        customers.adjust_credits(db, admin, "9876543210", "-30.01", "typo")
    with pytest.raises(ValidationError):
        customers.adjust_credits(db, admin, "9876543210", "5", "  ")
    assert snapshot(db) == before
    c = customers.adjust_credits(db, admin, "9876543210", "-30", "used at counter by hand")
    assert c.credits == Decimal("0.00")
    ledger = customers.loyalty_ledger(db, admin, "9876543210")
    assert [(r.delta, r.balance_after) for r in ledger] == [(Decimal("30.00"), Decimal("30.00")),
                                                             (Decimal("-30.00"), Decimal("0.00"))]


def _sale(db, actor, phone, amount_items):
    from billbook.services.selling import checkout as sales
    return sales.checkout(db, actor, sales.SaleRequest(sale_id=str(uuid.uuid4()), items=amount_items,
                                                       payments=[("cash", None)], customer_phone=phone,
                                                       customer_name="Ravi"))


def test_reward_rule_applies_once_per_period(db, admin, cashier):
    pytest.importorskip("billbook.services.selling.checkout")
    catalog.add_product(db, admin, sku="A", name="A", price="100", gst_rate="0", stock="100")
    customers.add_customer(db, admin, "9000000002", "Once")
    clock.advance(dt.date(2031, 5, 10) - clock.today())   # a known month, in the future
    for _ in range(3):
        _sale(db, cashier, "9876543210", [("A", "1")])
    _sale(db, cashier, "9000000002", [("A", "1")])
    with pytest.raises(ValidationError):
        customers.apply_rewards(db, admin, "2031-04")                 # no rule yet
    with pytest.raises(ValidationError):
        customers.set_reward_rule(db, admin, period="month")           # neither visits nor spend
    customers.set_reward_rule(db, admin, period="month", min_visits=3, credits="50")
    with pytest.raises(ValidationError, match="not over"):
        customers.apply_rewards(db, admin, "2031-05")
    clock.advance(dt.timedelta(days=31))                              # into June
    earned = customers.get_customer(db, admin, "9876543210").credits
    run = customers.apply_rewards(db, admin)
    assert run.period == "2031-05" and run.rewarded == [("9876543210", Decimal("50.00"))]
    assert customers.get_customer(db, admin, "9876543210").credits == earned + Decimal("50")
    again = customers.apply_rewards(db, admin, "2031-05")
    assert again.rewarded == [] and again.already == 1
    assert customers.get_customer(db, admin, "9876543210").credits == earned + Decimal("50")
    rewards = [r for r in customers.loyalty_ledger(db, admin, "9876543210") if r.reason == "reward"]
    assert [(r.period, r.delta) for r in rewards] == [("2031-05", Decimal("50.00"))]
    assert customers.get_customer(db, admin, "9000000002").credits < Decimal("50")
    history = customers.customer_history(db, cashier, "9876543210")
    assert history.visits == 3 and len(history.invoices) == 3 and history.days_since == 31


@pytest.mark.parametrize("period,label,start,end", [
    ("month", "2026-12", dt.date(2026, 12, 1), dt.date(2027, 1, 1)),
    ("quarter", "2026-Q4", dt.date(2026, 10, 1), dt.date(2027, 1, 1)),
    ("quarter", "2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 4, 1)),
    ("year", "2026", dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
])
def test_period_bounds(period, label, start, end):
    assert customers.period_bounds(period, label) == (start, end)
    assert customers.previous_period(period, end) == label


def test_exports_never_hand_a_spreadsheet_a_formula_and_still_import_back_unchanged(db, admin, tmp_path):
    """A name that a spreadsheet would run (=, +, -, @) is written as text behind an apostrophe;
    numbers, negative ones included, stay numbers; the export imports back to the same names."""
    import csv as csvmod
    from billbook.services.goods import inventory

    tricky = {"F1": "=HYPERLINK(\"http://x\",\"win\")", "F2": "+91 special", "F3": "-10% soap", "F4": "@SUM(A1)",
              "F5": "'quoted", "F6": "Plain = fine"}
    for sku, name in tricky.items():
        catalog.add_product(db, admin, sku=sku, name=name, price="10", gst_rate="5", stock="5")
    inventory.adjust_stock(db, admin, "F1", "-2", reason="damage")
    customers.add_customer(db, admin, "9876543210", "=cmd|' /C calc'!A0")

    products_csv, ledger_csv, customers_csv = tmp_path / "p.csv", tmp_path / "l.csv", tmp_path / "c.csv"
    csv_io.export_products(db, admin, products_csv)
    csv_io.export_stock_ledger(db, admin, ledger_csv)
    csv_io.export_customers(db, admin, customers_csv)

    def cells(path):
        return [cell for row in csvmod.reader(path.open(encoding="utf-8", newline="")) for cell in row]
    for path in (products_csv, ledger_csv, customers_csv):
        assert not [c for c in cells(path) if c and (c[0] in "=+@" or (c[0] == "-" and not c[1:2].isdigit()))], path
    names = {row[0]: row[1] for row in csvmod.reader(products_csv.open(encoding="utf-8", newline=""))}
    assert names["F1"] == "'" + tricky["F1"] and names["F5"] == "''quoted" and names["F6"] == "Plain = fine"
    assert "-2" in cells(ledger_csv)                            # a number stays a number
    assert "'=cmd|' /C calc'!A0" in cells(customers_csv)

    from billbook.db.models import Category, Product, ProductTerm, SearchTerm, SearchTermSuffix, StockMovement
    from sqlalchemy import delete

    def wipe(s):
        for m in (ProductTerm, SearchTermSuffix, SearchTerm, StockMovement, Product, Category):
            s.execute(delete(m))
    db.run(wipe)
    assert csv_io.import_products(db, admin, products_csv).imported == len(tricky)
    assert {sku: catalog.get_product(db, admin, sku).name for sku in tricky} == tricky
