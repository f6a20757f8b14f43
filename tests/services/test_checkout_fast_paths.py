"""The checkout's lean write path keeps every guarantee: a resubmit is answered with the first
invoice even when it would now be refused, batched stock movements keep stock = ledger and
the Session's copies true, the one-statement number counter keeps ORM copies true, and on
MySQL a statement does not cost an extra COM_PING."""

from decimal import Decimal as Dec

import pytest
from sqlalchemy import func, select

from billbook.db.models import InvoiceCounter, Product, StockMovement
from billbook.services.goods import catalog
from billbook.services.ledgers import numbering
from billbook.services.selling import checkout as sales
from billbook.errors import Conflict, OutOfStock
from billbook.services.selling.checkout import PaymentRequest, SaleRequest
from billbook.services.ledgers.stock import lock_products, move_stock
from tests.builders import snapshot


@pytest.fixture
def stocked(db, admin):
    catalog.add_product(db, admin, sku="RICE5", name="Rice 5 kg", price="350", gst_rate="5", stock="3")
    catalog.add_product(db, admin, sku="SOAP", name="Soap", price="45", gst_rate="18", stock="10")
    return db


def _ledger_matches(db) -> bool:
    def work(s):
        ledger = dict(s.execute(select(StockMovement.product_id, func.sum(StockMovement.qty_delta))
                                .group_by(StockMovement.product_id)).all())
        return all(ledger.get(p.id, Dec(0)) == p.stock_qty for p in s.scalars(select(Product)))
    return db.run(work, readonly=True)


def test_resubmit_after_taking_the_last_units_replays_instead_of_refusing(stocked, cashier):
    req = SaleRequest("last-units", [("RICE5", "3"), ("SOAP", "1")], [PaymentRequest("upi", None)])
    first = sales.checkout(stocked, cashier, req)
    before = snapshot(stocked)
    again = sales.checkout(stocked, cashier, req)          # stock of RICE5 is 0 now
    assert again.replayed and not first.replayed
    assert (again.number, again.grand_total) == (first.number, first.grand_total)
    assert snapshot(stocked) == before
    # a different sale id for the same cart is refused cleanly
    with pytest.raises(OutOfStock):
        sales.checkout(stocked, cashier, SaleRequest("other", req.items, req.payments))
    assert snapshot(stocked) == before


def test_same_sale_id_gives_the_first_invoice_and_with_another_cart_is_refused(stocked, cashier):
    # issue 20: the same sale id with a different cart is refused (it used to answer with the
    # first invoice, losing the second sale silently); the same cart still answers with it
    first = sales.checkout(stocked, cashier, SaleRequest("id-1", [("SOAP", "2")], [("cash", None)]))
    before = snapshot(stocked)
    again = sales.checkout(stocked, cashier, SaleRequest("id-1", [("SOAP", "2")], [("cash", None)]))
    assert again.replayed and again.number == first.number and again.grand_total == first.grand_total
    with pytest.raises(Conflict, match="already used for a different sale"):
        sales.checkout(stocked, cashier, SaleRequest("id-1", [("SOAP", "1")], [("cash", None)]))
    assert snapshot(stocked) == before


def test_batched_movements_keep_stock_equal_to_the_ledger_and_session_copies_true(stocked, admin):
    def work(s):
        stale = s.scalars(select(Product).order_by(Product.id)).all()          # read before the lock
        rows = lock_products(s, [p.id for p in stale])
        moves = [(rows[p.id], Dec("-1.5") if p.sku == "SOAP" else Dec(2), None) for p in stale]
        new = move_stock(s, moves, "adjustment", admin, detail="count")
        return {p.sku: p.stock_qty for p in stale}, {rows[pid].sku: q for pid, q in new.items()}
    seen, new = stocked.run(work)
    assert new == {"RICE5": Dec(5), "SOAP": Dec("8.5")} == seen
    stock = stocked.run(lambda s: dict(s.execute(select(Product.sku, Product.stock_qty)).all()), readonly=True)
    assert stock == new
    assert _ledger_matches(stocked)


def test_batched_movements_refuse_a_product_twice_and_unknown_reasons(stocked, admin):
    before = snapshot(stocked)
    pid = stocked.run(lambda s: s.scalar(select(Product.id).where(Product.sku == "SOAP")), readonly=True)

    def twice(s):
        p = lock_products(s, [pid])[pid]
        move_stock(s, [(p, Dec(1), None), (p, Dec(1), None)], "adjustment", admin)
    with pytest.raises(ValueError, match="twice"):
        stocked.run(twice)
    with pytest.raises(ValueError, match="reason"):
        stocked.run(lambda s: move_stock(s, [(lock_products(s, [pid])[pid], Dec(1), None)], "gift", admin))
    assert snapshot(stocked) == before


def test_counter_copy_in_the_session_follows_the_one_statement_bump(db):
    assert db.run(lambda s: numbering.next_seq(s, "X", "26-27")) == 1

    def work(s):
        copy = s.get(InvoiceCounter, ("X", "26-27"))
        taken = [numbering.next_seq(s, "X", "26-27") for _ in range(3)]
        return taken, copy.last_number
    taken, seen = db.run(work)
    assert taken == [2, 3, 4] and seen == 4
    assert db.run(lambda s: s.get(InvoiceCounter, ("X", "26-27")).last_number, readonly=True) == 4


@pytest.mark.mysql
@pytest.mark.parametrize("db_url", ["mysql"], indirect=True)
def test_mysql_statements_do_not_ping_first(stocked, cashier, monkeypatch):
    from mysql.connector.connection import MySQLConnection
    pings = []
    real = MySQLConnection.cmd_ping
    monkeypatch.setattr(MySQLConnection, "cmd_ping", lambda self, *a, **k: pings.append(1) or real(self, *a, **k))
    sales.checkout(stocked, cashier, SaleRequest("no-ping", [("SOAP", "1"), ("RICE5", "1")], [("cash", None)]))
    assert len(pings) <= 1          # the pool's pre-ping at checkout, not one per statement


def test_the_sale_reads_the_shop_row_with_its_products_fresh_every_time(stocked, admin, cashier):
    """Every sale reads the shop row as it is now (its own statement, not locked): a sale on a
    database without the shop row files the default shop; a later change (prefix, GST state,
    name) is on the very next invoice."""
    from sqlalchemy import delete

    from billbook.db.models import Shop
    from billbook.services.people import shop

    stocked.run(lambda s: s.execute(delete(Shop)))
    assert stocked.run(lambda s: s.get(Shop, 1), readonly=True) is None
    first = sales.checkout(stocked, cashier, SaleRequest("shop-1", [("SOAP", "1")], [("cash", None)]))
    assert first.number.startswith("INV/") and first.shop["name"] == shop.get_shop(stocked).name
    assert stocked.run(lambda s: s.get(Shop, 1) is not None, readonly=True)

    from billbook.domain.gst import gstin_check_char
    gstin = "29AAPFU0939F1Z" + gstin_check_char("29AAPFU0939F1Z")
    shop.update_shop(stocked, admin, name="Sharma Stores", invoice_prefix="SS", state_code="29", gstin=gstin)
    second = sales.checkout(stocked, cashier, SaleRequest("shop-2", [("SOAP", "1")], [("cash", None)]))
    assert second.number.startswith("SS/") and second.number.endswith("000002")
    assert second.shop["name"] == "Sharma Stores" and second.shop["gstin"] == gstin
    assert second.place_of_supply == "29" and not second.inter_state and second.cgst == second.sgst > 0
    assert second.shop["has_logo"] is False
