"""Hypothesis-driven bad input through EVERY guarded service function.

The functions come from the ``@requires`` registry (so a new service is fuzzed without
anyone adding it here). Each parameter gets, at random, a sensible value (so the call gets
past the first check and deeper into the service) or a hostile one: SQL-injection strings,
Unicode oddities (RTL override, NUL, emoji, combining marks), huge / negative / NaN /
non-ASCII-digit numbers, empty and blank fields, very long text.

Every call must either succeed or raise one of the named errors of ``errors.py``
(shown to the user as a plain message) — never a TypeError, a database error or anything
else — and a refused call must leave the database exactly as it was (``snapshot``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import billbook.services
from billbook.services.goods import catalog
from billbook.services.people import customers
from billbook.services.goods import purchasing
from billbook.services.selling import checkout as sales
from billbook.services.goods import suppliers
from billbook.services.base import GUARDED
from billbook.errors import BillbookError
from billbook.services.selling.checkout import PaymentRequest, SaleItem, SaleRequest
from tests.builders import make_user, snapshot

for _m in pkgutil.walk_packages(billbook.services.__path__, "billbook.services."):
    importlib.import_module(_m.name)

pytestmark = pytest.mark.slow

#: not fuzzed here, each for a reason: heavy data generators; whole-database operations whose
#: bad input is covered by their own tests (tests/safety/); they take file paths or URLs, and
#: random paths or URLs must not be written to as whoever runs the tests
SKIP = {"billbook.devtools.demo.generate", "billbook.services.data.transfer.transfer_shop",
        "billbook.services.data.backup.restore", "billbook.services.data.backup.backup",
        "billbook.services.data.backup.backup_now", "billbook.services.insight.analytics.refresh_summaries",
        "billbook.services.goods.catalog.reindex_products"}
PATH_PARAMS = {"path", "dest", "source", "out", "directory"}

INJECTIONS = ["' OR '1'='1", "'; DROP TABLE invoices; --", "\" OR \"\"=\"", "1; DELETE FROM users", "%", "_",
              "\\", "NULL", "<script>alert(1)</script>", "${jndi:ldap://x/a}", "../../etc/passwd", "admin'--",
              "RICE' --", "9876543210' OR 1=1 --"]
ODD_TEXT = ["", " ", "   \t\n", "\x00", "a\x00b", "\u202eevil", "😀" * 40, "é" * 3 + "\u0301" * 5, "x" * 5000,
            "ﷺ", "\ufeff", "NaN", "-0", "1e308", "-1", "-0.001", "99999999999999999999.99", "0.0000001",
            "1,000", "١٢٣", "Infinity", "2026-02-30", "9999-12-31", "0000-00-00", "  RICE  "]
NUMBERS = [Decimal("-1"), Decimal("1e30"), Decimal("-1e30"), Decimal("0.0001"), Decimal("NaN"), Decimal("Infinity"),
           -1, 0, 10 ** 20, -(10 ** 20)]

#: what a form field or a command-line option can hand over: text
junk_text = st.one_of(st.sampled_from(INJECTIONS), st.sampled_from(ODD_TEXT), st.text(max_size=30))
#: amounts and quantities may also arrive as numbers from the GUI's money entries
junk_number = st.one_of(junk_text, st.sampled_from(NUMBERS))
NUMERIC_NAMES = {"amount", "delta", "counted", "qty", "price", "opening_float", "counted_cash", "min_spent",
                 "credits", "min_visits", "cost_price", "stock", "reorder_level", "gst_rate"}
junk = junk_text
junk_int = st.one_of(st.sampled_from([-1, 0, 10 ** 12, -(10 ** 12)]), st.integers(-10 ** 6, 10 ** 6))



def _good(shop: dict, name: str):
    """A valid value for a parameter, by its name."""
    table = {
        "sku": "RICE", "code": "RICE", "phone": "9876543210", "customer_phone": "9876543210", "name": "Ravi",
        "number": shop["invoice"], "invoice_number": shop["invoice"], "supplier": "Acme", "username": "asha",
        "role": "cashier", "password": "correct horse 42", "new_password": "another good pw 9",
        "old_password": "correct horse 42", "amount": "10", "delta": "1", "counted": "5", "qty": "1",
        "reason": "count", "mode": "cash", "text": "ri", "start": "2026-04-01", "end": "2027-03-31",
        "date_from": "2026-04-01", "date_to": "2027-03-31", "day": None, "held_id": 1, "label": "table 4",
        "price": "10", "gst_rate": "5", "new_name": "Grains", "sale_id": "s-1", "period_label": None,
    }
    return table.get(name, None)


def _items_value(draw, shop, sale_items: bool):
    """A list of lines: (code, qty) tuples, or SaleItem objects where the service takes them."""
    kind = draw(st.sampled_from(["tuples", "empty", "objects"] if sale_items else ["tuples", "empty"]))
    if kind == "tuples":
        return [(draw(st.sampled_from(["RICE", *INJECTIONS])), draw(junk_number))
                for _ in range(draw(st.integers(1, 3)))]
    if kind == "objects":
        return [SaleItem(draw(st.sampled_from(["RICE", "OIL", *INJECTIONS])), draw(junk_number), draw(junk))]
    return []


@st.composite
def arguments(draw, op, shop, tmp_path):
    func = inspect.unwrap(op.func)
    sig = inspect.signature(func)
    args, kwargs = [], {}
    named = set(sig.parameters)
    for p in list(sig.parameters.values())[2:]:
        if p.kind is p.VAR_POSITIONAL:
            continue
        if p.kind is p.VAR_KEYWORD:
            key = draw(st.sampled_from([k for k in ["name", "price", "gst_rate", "phone", "state_code", "gstin", "invoice_prefix",
                                        "allowed_gst_rates", "idle_lock_minutes", "round_off", "barcode"]
                                       if k not in named]))
            kwargs[key] = draw(junk_number if key in NUMERIC_NAMES else junk_text)
            continue
        if p.name == "progress":
            continue
        if p.name in PATH_PARAMS:
            value = str(tmp_path / "out" / "file.csv") if p.name != "source" else str(tmp_path / "missing.csv")
        elif p.name == "req":
            value = SaleRequest(sale_id=draw(st.one_of(st.just("s-1"), junk)), items=_items_value(draw, shop, True),
                                payments=[PaymentRequest(draw(st.sampled_from(["cash", "upi", "credits", "account",
                                                                                *INJECTIONS])),
                                                         draw(junk), draw(junk), draw(junk))],
                                customer_phone=draw(st.one_of(st.none(), st.just("9876543210"), junk)),
                                customer_name=draw(junk), customer_state_code=draw(junk),
                                customer_gstin=draw(st.one_of(st.none(), junk)), bill_discount=draw(junk))
        elif p.name == "items":
            value = _items_value(draw, shop, "SaleItem" in str(p.annotation))
        elif p.annotation in ("int", "int | None") or isinstance(p.default, int) and not isinstance(p.default, bool):
            value = draw(junk_int) if draw(st.booleans()) else p.default
        elif p.annotation == "bool" or isinstance(p.default, bool):
            value = draw(st.booleans())
        elif draw(st.booleans()) and (_good(shop, p.name) is not None or p.default is not p.empty):
            value = _good(shop, p.name) if _good(shop, p.name) is not None else p.default
        elif p.name in NUMERIC_NAMES:
            value = draw(junk_number)
        else:
            value = draw(st.one_of(junk_text, st.none()) if p.default is None else junk_text)
        if p.kind is p.KEYWORD_ONLY:
            kwargs[p.name] = value
        else:
            args.append(value)
    return args, kwargs


@pytest.fixture(scope="module", params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def fuzz_db(request, tmp_path_factory):
    """One database per backend for the whole module (set up once: the calls are many)."""
    from billbook.db.bootstrap import open_database
    if request.param == "sqlite":
        db = open_database(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite3'}")
        yield db
        db.dispose()
        return
    from tests.conftest import create_mysql_database, drop_mysql_database
    url = create_mysql_database("bbz")
    db = open_database(url)
    yield db
    db.dispose()
    drop_mysql_database(url)


@pytest.fixture(scope="module")
def shop(fuzz_db):
    db = fuzz_db
    admin = make_user(db, "owner", "admin")
    make_user(db, "asha", "cashier")
    catalog.add_product(db, admin, sku="RICE", name="Rice 5 kg", price="350.00", gst_rate="5", stock="50")
    catalog.add_product(db, admin, sku="OIL", name="Oil", price="185.50", gst_rate="5", stock="50")
    customers.add_customer(db, admin, "9876543210", "Ravi")
    suppliers.add_supplier(db, admin, "Acme")
    purchasing.create_po(db, admin, "Acme", [("RICE", "10", "300")], order=True)
    inv = sales.checkout(db, admin, SaleRequest(sale_id="s-0", items=[SaleItem("RICE", "2")],
                                                payments=[PaymentRequest("cash")]))
    return {"admin": admin, "invoice": inv.number}


def assert_unchanged(before: dict, after: dict, what: str) -> None:
    """Nothing changed, except that a refusal may itself be audited (a wrong password, a refused login)."""
    for name in before:
        if name == "audit_log":
            assert after[name][:len(before[name])] == before[name], f"{what} changed the audit log"
        else:
            assert after[name] == before[name], f"{what} refused the call but changed {name}"


def _param(g):
    return pytest.param(g, id=g.qualname.removeprefix("billbook.services."))


OPS = [_param(g) for g in GUARDED if g.qualname not in SKIP]


@pytest.mark.parametrize("op", OPS)
def test_bad_input_gets_a_clear_error_and_changes_nothing(fuzz_db, shop, op, tmp_path, monkeypatch):
    db = fuzz_db
    monkeypatch.chdir(tmp_path)
    examples = 4 if db.is_sqlite else 2
    state = {"before": snapshot(db)}

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(call=arguments(op, shop, tmp_path))
    def check(call):
        args, kwargs = call
        try:
            op.func(db, shop["admin"], *args, **kwargs)
        except BillbookError as exc:
            assert str(exc).strip() and "Traceback" not in str(exc)
            assert "\n" not in str(exc).strip() or len(str(exc)) < 2000
            assert_unchanged(state["before"], snapshot(db), op.qualname)
        else:
            state["before"] = snapshot(db)   # accepted: the new state is the baseline for the next call

    check()
