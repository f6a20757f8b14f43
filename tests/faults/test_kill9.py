"""kill -9 at random points of a checkout, a return, a receipt and a restore, many times.

Each run forks a child that does ONE operation against the test database and is killed
with SIGKILL at a chosen step: before the k-th SQL statement, before the COMMIT, just
before/after the file switch of a restore, or right after the commit. The step is drawn at
random over every step the operation takes (counted first by a run that is not killed).
Checkout is also killed from outside, after a random delay, while a child sells in a loop.

After every kill the parent checks every invariant (``devtools/bench/invariants.py``): no partial
document, stock equals its ledger, numbering without gap or duplicate; and for a restore,
that the database holds exactly the old data or exactly the backup's.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from billbook.devtools.bench.invariants import check_invariants
from billbook.db.models import CreditNote, Invoice, Product, PurchaseOrderLine
from billbook.db.uow import Database
from billbook.services.data import backup as bk
from billbook.services.goods import catalog
from billbook.services.goods import purchasing
from billbook.services.selling import returns
from billbook.services.selling import checkout as sales
from billbook.services.goods import suppliers
from billbook.services.base import Actor
from billbook.services.selling.checkout import PaymentRequest, SaleItem, SaleRequest
from tests.builders import make_user
from tests.safety.helpers import data_without
from tests.safety.shopdata import fill_shop

pytestmark = pytest.mark.slow
CTX = multiprocessing.get_context("fork")
KILLS = int(os.environ.get("BILLBOOK_FAULT_KILLS", "10"))
NEVER = 10 ** 9


# ------------------------------------------------------------------ the shop the children work in

def _shop(db) -> Actor:
    admin = make_user(db, "owner", "admin")
    for sku, price, stock in (("RICE", "350.00", "100000"), ("OIL", "185.50", "100000"), ("SOAP", "45.00", "100000")):
        catalog.add_product(db, admin, sku=sku, name=sku.title(), price=price, gst_rate="5", stock=stock)
    suppliers.add_supplier(db, admin, "Acme")
    purchasing.create_po(db, admin, "Acme", [("RICE", "100000", "300"), ("OIL", "100000", "150")], order=True)
    # ₹2,25,000 to an unregistered buyer: Rule 46(e) wants the buyer's name, address and state
    sales.checkout(db, admin, SaleRequest(sale_id="big-sale", items=[SaleItem("SOAP", "5000")],
                                          payments=[PaymentRequest("cash")], customer_name="Big Buyer",
                                          customer_address="12 Market Road, Pune", customer_state_code="27"))
    return admin


def _checkout(db, actor, rng):
    items = [SaleItem(sku, str(rng.randint(1, 3))) for sku in rng.sample(["RICE", "OIL", "SOAP"], rng.randint(1, 3))]
    sales.checkout(db, actor, SaleRequest(sale_id=uuid.uuid4().hex, items=items,
                                          payments=[PaymentRequest(rng.choice(["cash", "upi"]))]))


def _return(db, actor, rng):
    number = db.run(lambda s: s.scalar(select(Invoice.number).where(Invoice.sale_id == "big-sale")), readonly=True)
    returns.create_return(db, actor, number, [("SOAP", str(rng.randint(1, 2)))], refund_mode="cash",
                          request_id=uuid.uuid4().hex)


def _receipt(db, actor, rng):
    po = db.run(lambda s: s.scalar(select(func.min(PurchaseOrderLine.po_id))), readonly=True)
    from billbook.db.models import PurchaseOrder
    number = db.run(lambda s: s.get(PurchaseOrder, po).number, readonly=True)
    purchasing.receive_po(db, actor, number, [("RICE", str(rng.randint(1, 4))), ("OIL", "1")])


OPERATIONS = {"checkout": _checkout, "return": _return, "receipt": _receipt}


# ------------------------------------------------------------------ the child

def _child(url, op, args, actor, kill_at, report, seed):
    """Runs in the forked child: count steps, die at step ``kill_at`` (or after the work)."""
    steps = [0]

    def step(*_a, **_k):
        steps[0] += 1
        if steps[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(Engine, "before_cursor_execute", step)
    event.listen(Engine, "commit", step)
    real_replace = os.replace

    def replace(a, b):
        step()
        real_replace(a, b)
        step()
    os.replace = replace
    try:
        db = Database(url)
        rng = random.Random(seed)
        if op == "restore":
            bk.restore(db, actor, args, safety_backup=False)
        elif op == "loop":
            while True:
                _checkout(db, actor, rng)
        else:
            OPERATIONS[op](db, actor, rng)
        if report is not None:
            report.send(steps[0])
    finally:
        os.kill(os.getpid(), signal.SIGKILL)     # never return into pytest from a fork


def _run_child(db, op, actor, kill_at, *, args=None, seed=0, report=None, timeout=120):
    db.engine.dispose()               # the child must not share the parent's pooled connections
    proc = CTX.Process(target=_child, args=(db.url, op, args, actor, kill_at, report, seed))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join()
        pytest.fail(f"{op} child hung")
    assert proc.exitcode == -signal.SIGKILL, f"{op} child ended with {proc.exitcode}, not by the kill"


def _count_steps(db, op, actor, *, args=None) -> int:
    receiver, sender = CTX.Pipe(duplex=False)
    _run_child(db, op, actor, NEVER, args=args, report=sender)
    assert receiver.poll(5), f"the uninterrupted {op} did not finish"
    return receiver.recv()


def _kill_points(total: int, n: int, rng: random.Random) -> list[int]:
    """n steps spread over 1..total+1 (total+1 = just after the commit), always both ends."""
    points = {1, total, total + 1}
    while len(points) < min(n, total + 1):
        points.add(rng.randint(1, total + 1))
    return sorted(points)


def _documents(db):
    return db.run(lambda s: (s.scalar(select(func.count()).select_from(Invoice)),
                             s.scalar(select(func.count()).select_from(CreditNote)),
                             s.scalar(select(func.sum(PurchaseOrderLine.received_qty)))), readonly=True)


@pytest.mark.parametrize("op", ["checkout", "return", "receipt"])
def test_kill_at_random_points_leaves_no_partial_document(db, op):
    actor = _shop(db)
    assert check_invariants(db) == []
    rng = random.Random(f"{op}-{db.url}")
    total = _count_steps(db, op, actor)
    assert total >= 3
    after_one = _documents(db)
    assert check_invariants(db) == []
    committed = rolled_back = 0
    for kill_at in _kill_points(total, KILLS, rng):
        before = _documents(db)
        _run_child(db, op, actor, kill_at, seed=kill_at)
        problems = check_invariants(db)
        assert problems == [], f"after a kill at step {kill_at}/{total}: {problems}"
        now = _documents(db)
        if now == before:
            rolled_back += 1
        else:
            committed += 1
        # one operation is all or nothing: at most one document more
        assert now[0] - before[0] in (0, 1) and now[1] - before[1] in (0, 1), (kill_at, before, now)
    assert rolled_back and committed, "the kills should hit both before and after the commit"
    assert after_one != (0, 0, 0)
    OPERATIONS[op](db, actor, rng)           # the shop still works after all that
    assert check_invariants(db) == []


def test_checkout_killed_from_outside_at_random_moments(db):
    actor = _shop(db)
    rng = random.Random(7)
    sold_before = _documents(db)[0]
    for i in range(max(3, KILLS // 3)):
        db.engine.dispose()
        proc = CTX.Process(target=_child, args=(db.url, "loop", None, actor, NEVER, None, i))
        proc.start()
        time.sleep(rng.uniform(0.3, 0.9))
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(30)
        assert proc.exitcode == -signal.SIGKILL
        problems = check_invariants(db)
        assert problems == [], f"after outside kill {i}: {problems}"
    assert _documents(db)[0] > sold_before, "the selling loop never completed a sale"


def test_kill_during_restore_leaves_old_or_new_data_never_a_mixture(db, tmp_path):
    owner = fill_shop(db)
    backup_a = bk.create_backup(db, tmp_path / "a.zip").path
    state_a = data_without(db, "backup.restore")
    db.run(lambda s: setattr(s.scalars(select(Product).where(Product.sku == "SOAP")).one(), "price",
                             Decimal("46.00")))
    backup_b = bk.create_backup(db, tmp_path / "b.zip").path
    state_b = data_without(db, "backup.restore")
    assert state_a != state_b
    total = _count_steps(db, "restore", owner, args=str(backup_a))
    assert data_without(db, "backup.restore") == state_a
    rng = random.Random(f"restore-{db.url}")
    outcomes = {"old": 0, "new": 0}
    for kill_at in _kill_points(total, max(6, KILLS * 2 // 3), rng):
        current = data_without(db, "backup.restore")
        target, target_state = (backup_b, state_b) if current == state_a else (backup_a, state_a)
        _run_child(db, "restore", owner, kill_at, args=str(target))
        after = data_without(db, "backup.restore")
        assert after in (current, target_state), f"kill at step {kill_at}/{total} left a mixture"
        outcomes["new" if after == target_state else "old"] += 1
    assert outcomes["old"] and outcomes["new"], outcomes
    bk.cleanup_leftovers(db)
    final = bk.restore(db, owner, backup_a, safety_backup=False)   # and restore still works
    assert final.backup.path == backup_a and data_without(db, "backup.restore") == state_a
    if db.is_sqlite:
        assert not list(tmp_path.parent.rglob(".*.restore-*"))
