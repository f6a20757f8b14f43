"""The database connection is killed server-side (``KILL <id>`` on MariaDB) in the middle of a sale.

The cashier gets one clear message (DatabaseUnavailable: nothing was saved, try again),
the cart (the SaleRequest) is untouched, and submitting it again with the same sale id
bills exactly once.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, func, select, text

from billbook.devtools.bench.invariants import check_invariants
from billbook.db.models import Invoice, Product
from billbook.services.goods import catalog
from billbook.services.selling import checkout as sales
from billbook.errors import DatabaseUnavailable
from billbook.services.selling.checkout import PaymentRequest, SaleItem, SaleRequest
from tests.builders import make_user

# Only MySQL/MariaDB has a server to KILL a connection on: run on that database alone.
pytestmark = [pytest.mark.slow, pytest.mark.mysql, pytest.mark.parametrize("db_url", ["mysql"], indirect=True)]


@pytest.fixture
def shop(db):
    assert db.is_mysql
    admin = make_user(db, "owner", "admin")
    cashier = make_user(db, "asha", "cashier")
    catalog.add_product(db, admin, sku="RICE", name="Rice", price="350.00", gst_rate="5", stock="100")
    catalog.add_product(db, admin, sku="OIL", name="Oil", price="185.50", gst_rate="5", stock="100")
    return cashier


class Killer:
    """Kills the connection that is about to run a matching statement, from another connection."""

    def __init__(self, db, when: str):
        self.db, self.when, self.fired = db, when, 0
        self.admin = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")

    def _kill(self, conn) -> None:
        cid = conn.connection.driver_connection.connection_id
        with self.admin.connect() as other:
            other.execute(text("KILL :cid"), {"cid": cid})
        self.fired += 1

    def before_statement(self, conn, cursor, statement, params, context, executemany):
        # match the statement about to run by its text (table names are lower case in SQL)
        if not self.fired and self.when != "commit" and self.when in statement.upper():
            self._kill(conn)

    def before_commit(self, conn):
        if not self.fired and self.when == "commit":
            self._kill(conn)

    def __enter__(self):
        event.listen(self.db.engine, "before_cursor_execute", self.before_statement)
        event.listen(self.db.engine, "commit", self.before_commit)
        return self

    def __exit__(self, *exc):
        event.remove(self.db.engine, "before_cursor_execute", self.before_statement)
        event.remove(self.db.engine, "commit", self.before_commit)
        self.admin.dispose()


def _state(db):
    return db.run(lambda s: (s.scalar(select(func.count()).select_from(Invoice)),
                             tuple(s.scalars(select(Product.stock_qty).order_by(Product.id)))), readonly=True)


@pytest.mark.parametrize("when", ["FROM PRODUCTS", "UPDATE INVOICE_COUNTERS", "INSERT INTO INVOICE_LINES",
                                  "INSERT INTO PAYMENTS", "commit"])
def test_connection_killed_mid_sale_gives_a_clear_message_and_the_retry_bills_once(db, shop, when):
    cart = SaleRequest(sale_id="counter1-000042", items=[SaleItem("RICE", "2"), SaleItem("OIL", "1")],
                       payments=[PaymentRequest("cash", tendered="1000")])
    before = _state(db)
    with Killer(db, when) as killer:
        with pytest.raises(DatabaseUnavailable) as err:
            sales.checkout(db, shop, cart)
    assert killer.fired == 1
    message = str(err.value)
    assert "Nothing was saved" in message and "try again" in message
    assert _state(db) == before                              # the half-done sale was rolled back
    assert cart.items == [SaleItem("RICE", "2"), SaleItem("OIL", "1")]   # the cart is kept
    first = sales.checkout(db, shop, cart)                   # the cashier presses "complete" again
    again = sales.checkout(db, shop, cart)                   # ...and once more, to be sure
    assert again.number == first.number and again.replayed and not first.replayed
    count, stock = _state(db)
    assert count == before[0] + 1
    assert stock == (before[1][0] - 2, before[1][1] - 1)
    assert check_invariants(db) == []


def test_connection_killed_after_the_commit_the_retry_returns_the_same_invoice(db, shop):
    cart = SaleRequest(sale_id="counter1-000043", items=[SaleItem("RICE", "1")], payments=[PaymentRequest("upi")])
    first = sales.checkout(db, shop, cart)
    admin = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    with db.engine.connect() as conn:      # the pooled connection the sale used, killed while idle
        cid = conn.connection.driver_connection.connection_id
    with admin.connect() as other:
        other.execute(text("KILL :cid"), {"cid": cid})
    admin.dispose()
    again = sales.checkout(db, shop, cart)       # pre-ping notices the dead connection and reconnects
    assert again.replayed and again.number == first.number
    assert _state(db)[0] == 1 and check_invariants(db) == []
