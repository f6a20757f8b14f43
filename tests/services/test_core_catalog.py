"""Smoke of the catalog/customer/numbering core that checkout builds on."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from billbook.db.models import StockMovement
from billbook.services.goods import catalog
from billbook.services.people import customers
from billbook.services.ledgers import numbering
from billbook.errors import Conflict, ValidationError


def test_add_product_writes_opening_stock_to_the_ledger(db, admin):
    p = catalog.add_product(db, admin, sku="RICE5", name="Rice 5 kg", price="350", gst_rate="5", hsn="1006",
                            stock="10", unit="pcs", barcode="4006381333931")
    assert p.stock_qty == Decimal("10.000") and p.price == Decimal("350.00")
    total = db.run(lambda s: s.scalar(select(func.sum(StockMovement.qty_delta))))
    assert total == Decimal("10.000")
    with pytest.raises(Conflict):
        catalog.add_product(db, admin, sku="RICE5", name="Other", price="1", gst_rate="5")
    with pytest.raises(ValidationError):
        catalog.add_product(db, admin, sku="X1", name="Bad", price="1", gst_rate="7")


def test_customer_find_or_create_normalises_phone(db, cashier):
    c = customers.add_customer(db, cashier, "+91 98765 43210", "Ravi")
    assert c.phone == "9876543210"
    assert customers.get_customer(db, cashier, "09876543210").name == "Ravi"


def test_counter_numbers_are_consecutive_per_series(db):
    got = [db.run(lambda s: numbering.next_seq(s, "INV", "26-27")) for _ in range(3)]
    assert got == [1, 2, 3]
    assert db.run(lambda s: numbering.next_seq(s, "CN", "26-27")) == 1
