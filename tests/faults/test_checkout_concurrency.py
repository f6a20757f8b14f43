"""Several OS processes checking out at once, and a checkout killed with SIGKILL mid-transaction.

Each test runs on SQLite (one file, several processes) and on MariaDB (a fresh database).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal as Dec
from pathlib import Path

import pytest
from sqlalchemy import func, select

from billbook.db.bootstrap import open_database
from billbook.db.models import Invoice, InvoiceLine, Payment, Product, StockMovement
from billbook.services.goods import catalog
from billbook.services.people import customers
from billbook.services.selling import checkout as sales
from billbook.services.selling.checkout import SaleRequest
from tests.builders import make_user, snapshot

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
WORKERS = 6


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def shared_url(request, tmp_path, sqlite_template):
    """A database several processes can open: a SQLite file, or a brand-new MariaDB database."""
    if request.param == "sqlite":
        target = tmp_path / "shared.sqlite3"
        shutil.copy(sqlite_template, target)
        return f"sqlite:///{target}"
    return request.getfixturevalue("fresh_mysql_url")


@pytest.fixture
def shop(shared_url):
    db = open_database(shared_url)
    admin = make_user(db, "owner", "admin")
    cashier = make_user(db, "asha", "cashier")
    catalog.add_product(db, admin, sku="A", name="Last apples", price="10", gst_rate="5", stock="12")
    catalog.add_product(db, admin, sku="B", name="Last bread", price="40", gst_rate="0", stock="7")
    yield db, admin, cashier
    db.dispose()


def start(url, user_id, folder: Path, mode: str, n: int, extra: str = ""):
    folder.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    procs = [subprocess.Popen([sys.executable, "-m", "tests.faults.checkout_worker", mode, url, str(user_id),
                               str(i), str(folder), extra], cwd=ROOT, env=env, stderr=subprocess.PIPE)
             for i in range(n)]
    deadline = time.monotonic() + 60
    while len(list(folder.glob("ready-*"))) < n:
        for p in procs:
            if p.poll() is not None:
                pytest.fail(f"worker died early: {p.stderr.read().decode()[-2000:]}")
        assert time.monotonic() < deadline, "workers did not start"
        time.sleep(0.01)
    (folder / "go").write_text("")
    return procs


def finish(procs, folder: Path) -> list[dict]:
    results = []
    for i, p in enumerate(procs):
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err.decode()[-3000:]
        results.append(json.loads((folder / f"result-{i}.json").read_text()))
    return results


def ledger_matches(db) -> dict[str, Dec]:
    with db.transaction(readonly=True) as s:
        stock = {}
        for p in s.scalars(select(Product)):
            ledger = s.scalar(select(func.sum(StockMovement.qty_delta)).where(StockMovement.product_id == p.id))
            assert p.stock_qty == ledger, p.sku
            stock[p.sku] = p.stock_qty
        return stock


def test_processes_selling_the_last_units_never_oversell(shop, shared_url, tmp_path):
    db, admin, cashier = shop
    procs = start(shared_url, cashier.user_id, tmp_path / "race", "race", WORKERS, "4")
    results = finish(procs, tmp_path / "race")
    assert [r["errors"] for r in results] == [[]] * WORKERS
    numbers = [n for r in results for n in r["ok"]]
    assert sum(r["refused"] for r in results) > 0, "the test should run out of stock"
    assert numbers, "some sales must go through"
    # numbers consecutive from 1, no gap, no duplicate
    assert sorted(int(n.rsplit("/", 1)[1]) for n in numbers) == list(range(1, len(numbers) + 1))
    stock = ledger_matches(db)
    assert stock["A"] >= 0 and stock["B"] >= 0
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == len(numbers)
        # every sale complete: two lines, one payment, two stock movements each
        assert s.scalar(select(func.count()).select_from(InvoiceLine)) == 2 * len(numbers)
        assert s.scalar(select(func.count()).select_from(Payment)) == len(numbers)
        assert s.scalar(select(func.count()).select_from(StockMovement)
                        .where(StockMovement.reason == "sale")) == 2 * len(numbers)
        sold = dict(s.execute(select(InvoiceLine.sku, func.sum(InvoiceLine.qty)).group_by(InvoiceLine.sku)).all())
    assert Dec(12) - stock["A"] == sold["A"] and Dec(7) - stock["B"] == sold["B"]
    # bread ran out exactly: a refused sale was refused because a unit was really missing
    assert stock["B"] == 0 or stock["A"] < 3


def test_same_sale_id_from_processes_at_once_gives_one_invoice(shop, shared_url, tmp_path):
    db, admin, cashier = shop
    procs = start(shared_url, cashier.user_id, tmp_path / "same", "same", 4)
    results = finish(procs, tmp_path / "same")
    assert [r["errors"] for r in results] == [[]] * 4
    assert len({n for r in results for n in r["ok"]}) == 1
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == 1
        assert s.scalar(select(func.count()).select_from(InvoiceLine)) == 2
    assert ledger_matches(db) == {"A": Dec(11), "B": Dec(6)}


@pytest.mark.parametrize("stage", ["lines", "flushed"])
def test_sigkill_mid_checkout_leaves_nothing_behind(shop, shared_url, tmp_path, stage):
    db, admin, cashier = shop
    customers.add_customer(db, cashier, "9876543210", "Ravi")
    before = snapshot(db)
    folder = tmp_path / "crash"
    procs = start(shared_url, cashier.user_id, folder, "crash", 1, stage)
    deadline = time.monotonic() + 60
    while not (folder / "at-stage").exists():
        assert procs[0].poll() is None, procs[0].stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "the worker never reached the stage"
        time.sleep(0.01)
    os.kill(procs[0].pid, signal.SIGKILL)
    procs[0].wait(timeout=30)
    assert procs[0].returncode == -signal.SIGKILL
    db.dispose()
    reopened = open_database(shared_url)
    try:
        assert snapshot(reopened) == before          # no invoice, line, payment, movement, customer change
        inv = sales.checkout(reopened, cashier, SaleRequest("after", [("A", "2"), ("B", "1")], [("cash", None)],
                                                            customer_phone="9876543210"))
        assert inv.number.endswith("/000001")        # the killed sale's number was never taken
        assert ledger_matches(reopened) == {"A": Dec(10), "B": Dec(6)}
    finally:
        reopened.dispose()
