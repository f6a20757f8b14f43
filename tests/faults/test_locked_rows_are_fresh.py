"""A row read before it is locked is re-read under the lock (the soak found a lost stock update)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from billbook.devtools.bench.invariants import check_invariants
from billbook.db.models import Product
from billbook.db.uow import Database
from billbook.services.goods import catalog
from billbook.services.ledgers.stock import lock_products, move_stock
from tests.builders import make_user


def test_stock_change_after_an_unlocked_read_does_not_lose_another_terminals_update(db):
    admin = make_user(db, "owner", "admin")
    catalog.add_product(db, admin, sku="RICE", name="Rice", price="10", gst_rate="5", stock="100")
    other = Database(db.url)

    def work(s):
        p = s.scalars(select(Product).where(Product.sku == "RICE")).one()     # unlocked read: 100
        if db.is_mysql:
            # another terminal sells 7 meanwhile (on SQLite BEGIN IMMEDIATE already excludes it)
            def sell(s2):
                q = lock_products(s2, [p.id])[p.id]
                move_stock(s2, [(q, Decimal("-7"), None)], "sale", admin)
            other.run(sell)
        locked = lock_products(s, [p.id])[p.id]
        assert locked is p
        move_stock(s, [(locked, Decimal("5"), None)], "receipt", admin)

    db.run(work)
    other.dispose()
    stock = db.run(lambda s: s.scalar(select(Product.stock_qty)), readonly=True)
    assert stock == (Decimal("98") if db.is_mysql else Decimal("105"))
    assert check_invariants(db) == []
