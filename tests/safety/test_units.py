"""Whole and fractional units (issue 20, point 3): one check for every quantity, on SQLite and MariaDB.

A ``pcs`` product is counted whole everywhere — sale, return, adjustment, count, opening stock,
purchase order, receipt, CSV import — and a refused quantity writes nothing; ``kg`` takes up
to 3 decimals.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from billbook.domain import units
from billbook.errors import ValidationError
from billbook.services.data import csv_io
from billbook.services.goods import catalog, inventory, purchasing, suppliers
from billbook.services.selling import checkout as sales
from billbook.services.selling import returns
from billbook.services.selling.checkout import PaymentRequest, SaleItem, SaleRequest
from tests.builders import snapshot

WHOLE = "counted in whole pcs"


def test_the_one_check():
    assert units.check_quantity(Decimal("3"), "pcs") == Decimal("3")
    assert units.check_quantity(Decimal("0.250"), "kg") == Decimal("0.250")
    for unit in sorted(units.WHOLE_UNITS):
        with pytest.raises(ValidationError, match=f"whole {unit}"):
            units.check_quantity(Decimal("0.5"), unit)
    for unit in sorted(units.FRACTIONAL_UNITS):
        assert units.check_quantity(Decimal("1.125"), unit) == Decimal("1.125")
        with pytest.raises(ValidationError, match="at most 3 decimals"):
            units.check_quantity(Decimal("1.0005"), unit)
    assert units.is_whole(None) and units.is_whole("PCS") and not units.is_whole("Kg")


@pytest.fixture
def shop(db, admin):
    catalog.add_product(db, admin, sku="SOAP", name="Soap", price="10", gst_rate="18", stock="10")
    catalog.add_product(db, admin, sku="DAL", name="Dal", price="120", gst_rate="5", stock="10", unit="kg")
    suppliers.add_supplier(db, admin, "Acme")
    inv = sales.checkout(db, admin, SaleRequest(sale_id="u-1", items=[SaleItem("SOAP", "2"), SaleItem("DAL", "1.5")],
                                                payments=[PaymentRequest("cash")]))
    return inv.number


def _refused(db, call, words=WHOLE):
    before = snapshot(db)
    with pytest.raises(ValidationError, match=words):
        call()
    assert snapshot(db) == before


def test_whole_units_are_whole_on_every_path(db, admin, shop):
    po = purchasing.create_po(db, admin, "Acme", [("SOAP", "5", "6"), ("DAL", "2.5", "90")], order=True)
    _refused(db, lambda: sales.checkout(db, admin, SaleRequest(sale_id="u-2", items=[SaleItem("SOAP", "0.5")],
                                                               payments=[PaymentRequest("cash")])))
    _refused(db, lambda: returns.create_return(db, admin, shop, [("SOAP", "0.5")]))
    _refused(db, lambda: inventory.adjust_stock(db, admin, "SOAP", "0.25", "damage"))
    _refused(db, lambda: inventory.adjust_stock(db, admin, "SOAP", "-1.5", "damage"))
    _refused(db, lambda: inventory.count_stock(db, admin, "SOAP", "7.5"))
    _refused(db, lambda: catalog.add_product(db, admin, sku="PEN", name="Pen", price="5", gst_rate="18",
                                             stock="0.5"), "stock: counted in whole pcs")
    _refused(db, lambda: purchasing.create_po(db, admin, "Acme", [("SOAP", "1.5", "6")]))
    _refused(db, lambda: purchasing.receive_po(db, admin, po.number, [("SOAP", "0.5")]))
    _refused(db, lambda: catalog.update_product(db, admin, "DAL", unit="pcs"), "which")   # 8.5 kg on hand
    csv_text = ("sku,name,price,gst_rate,unit,stock\n"
                "PEN,Pen,5,18,pcs,0.5\n")
    before = snapshot(db)
    report = csv_io.import_products(db, admin, io.StringIO(csv_text), dry_run=True)
    assert not report.ok and any("whole pcs" in str(e) for e in report.errors), report
    with pytest.raises(csv_io.ImportRejected):
        csv_io.import_products(db, admin, io.StringIO(csv_text))
    assert snapshot(db) == before


def test_fractional_units_take_three_decimals_on_every_path(db, admin, shop):
    cn = returns.create_return(db, admin, shop, [("DAL", "0.25")])
    assert cn.lines[0].qty == Decimal("0.25")
    assert inventory.adjust_stock(db, admin, "DAL", "-0.125", "damage").stock_qty == Decimal("8.625")
    assert inventory.count_stock(db, admin, "DAL", "8.5").stock_qty == Decimal("8.5")
    po = purchasing.create_po(db, admin, "Acme", [("DAL", "2.5", "90")], order=True)
    purchasing.receive_po(db, admin, po.number, [("DAL", "0.75")])
    assert catalog.add_product(db, admin, sku="OIL", name="Oil", price="150", gst_rate="5", unit="l",
                               stock="2.5").stock_qty == Decimal("2.5")
    _refused(db, lambda: inventory.adjust_stock(db, admin, "DAL", "0.0005", "damage"), "at most 3 decimal")
    assert inventory.verify_stock(db, admin).ok
