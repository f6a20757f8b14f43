"""A price override at the counter (issue 16, point 4): a line sold at a price other than the
catalog's. A cashier's needs an admin's approval, checked in the sale's transaction; the sale
is priced, taxed and fingerprinted at that price; each overridden line is audited with both
names, the catalog price and the sold price. Every test runs on SQLite and on MariaDB."""

import datetime as dt
import threading
from dataclasses import replace
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billbook import clock
from billbook.errors import Conflict, PermissionDenied, ValidationError
from billbook.services.goods import catalog
from billbook.services.insight import audit as audit_service
from billbook.services.people import users
from billbook.services.selling import checkout as sales
from billbook.services.selling import held
from billbook.services.selling.checkout import PaymentRequest, SaleItem, SaleRequest
from tests.builders import DEFAULT_PASSWORD, make_user, snapshot


@pytest.fixture
def shop(db, admin, cashier):
    catalog.add_product(db, admin, sku="SOAP", name="Soap 100 g", price="50", gst_rate="18", stock="20")
    catalog.add_product(db, admin, sku="RICE5", name="Rice 5 kg", price="350", gst_rate="5", stock="20")
    catalog.add_product(db, admin, sku="OIL1", name="Oil 1 l (MRP)", price="180", gst_rate="5", stock="20",
                        tax_inclusive=True)
    return db


def _approval(db, cashier, **details):
    return users.approve(db, cashier, "owner", DEFAULT_PASSWORD, "price_override", **details)


def _sale(sale_id, items, approval=None, pay="cash"):
    return SaleRequest(sale_id, items, [PaymentRequest(pay)], price_approval=approval)


def _override_rows(db, admin):
    rows = audit_service.search_audit(db, admin, action="price.override").rows
    return sorted(rows, key=lambda r: r.details["line"])


# ---------------------------------------------------------------- a cashier needs an admin

def test_a_cashiers_override_without_approval_is_refused_and_nothing_is_written(shop, cashier):
    before = snapshot(shop)
    with pytest.raises(PermissionDenied, match="needs an admin's approval"):
        sales.checkout(shop, cashier, _sale("po-1", [SaleItem("SOAP", "2", price="45")]))
    with pytest.raises(PermissionDenied):
        sales.checkout(shop, cashier, _sale("po-1", [("RICE5", "1"), ("SOAP", "2", None, "45")]))
    assert snapshot(shop) == before


def test_with_an_admins_approval_the_line_is_sold_and_taxed_at_that_price_and_audited_with_both_names(
        shop, admin, cashier):
    ok = _approval(shop, cashier, sku="SOAP")
    inv = sales.checkout(shop, cashier, _sale("po-2", [("RICE5", "1"), ("SOAP", "2", None, "45")], ok))
    rice, soap = inv.lines
    assert (rice.unit_price, soap.unit_price) == (D("350.00"), D("45.00"))
    # 2 × 45 = 90 taxable at 18 %: CGST = SGST = 8.10; rice 350 at 5 %: 8.75 each
    assert (soap.gross, soap.taxable, soap.cgst, soap.sgst, soap.total) == \
        (D("90.00"), D("90.00"), D("8.10"), D("8.10"), D("106.20"))
    assert (inv.taxable_total, inv.cgst, inv.sgst) == (D("440.00"), D("16.85"), D("16.85"))
    stored = sales.get_invoice(shop, admin, inv.number)
    assert stored.lines[1].unit_price == D("45.00") and stored.grand_total == inv.grand_total
    [row] = _override_rows(shop, admin)
    assert row.username == "asha" and row.entity_id == str(inv.id)
    assert {k: row.details[k] for k in ("approver", "sku", "product", "catalog_price", "price", "number", "line")} \
        == {"approver": "owner", "sku": "SOAP", "product": "Soap 100 g", "catalog_price": "50.00",
            "price": "45.00", "number": inv.number, "line": 2}


def test_forged_reused_stale_and_other_action_approvals_are_refused(shop, admin, cashier):
    ok = _approval(shop, cashier)
    for_a_return = users.approve(shop, cashier, "owner", DEFAULT_PASSWORD, "return")
    ravi = make_user(shop, "ravi", "cashier")
    before = snapshot(shop)
    cart = [("SOAP", "1", None, "40")]
    for bad in (replace(ok, token="f" * 32),                  # never given
                replace(ok, action="discount"),               # given for something else
                replace(ok, approver_id=admin.user_id + 99),  # another approver's
                replace(for_a_return, action="price_override")):   # a return's, relabelled
        with pytest.raises(PermissionDenied, match="not valid"):
            sales.checkout(shop, cashier, _sale("po-3", cart, bad))
    with pytest.raises(PermissionDenied, match="not valid"):   # asha's approval is not ravi's
        sales.checkout(shop, ravi, _sale("po-3", cart, ok))
    assert snapshot(shop) == before
    # used once, then refused for the next bill
    first = sales.checkout(shop, cashier, _sale("po-3", cart, ok))
    assert first.lines[0].unit_price == D("40.00")
    before = snapshot(shop)
    with pytest.raises(PermissionDenied, match="already used"):
        sales.checkout(shop, cashier, _sale("po-4", cart, ok))
    assert snapshot(shop) == before
    # and an approval more than 15 minutes old is stale
    late = _approval(shop, cashier)
    before = snapshot(shop)
    clock.advance(dt.timedelta(minutes=users.APPROVAL_MINUTES + 1))
    with pytest.raises(PermissionDenied, match="not valid"):
        sales.checkout(shop, cashier, _sale("po-5", cart, late))
    assert snapshot(shop) == before


def test_two_bills_racing_to_use_one_approval_take_turns_and_the_second_is_refused(shop, admin, cashier):
    """Two terminals of one cashier submit bills with the same approval at the same moment: the
    first holds the grant's row (MySQL) or the write lock (SQLite) until it commits; the second
    waits, then sees the first's override and is refused. One bill sold at the override."""
    ok = _approval(shop, cashier)
    holding, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def hook(stage: str) -> None:
        if stage == "numbered" and threading.current_thread().name == "first":
            holding.set()                  # approval checked, its row locked, not yet committed
            release.wait(10)

    def sell(name: str, sale_id: str, item: tuple) -> None:
        try:
            outcome[name] = sales.checkout(shop, cashier, _sale(sale_id, [item], ok))
        except Exception as exc:  # noqa: BLE001 - compared below
            outcome[name] = exc

    sales._fault_hook = hook
    try:
        first = threading.Thread(target=sell, name="first", args=("first", "race-1", ("SOAP", "1", None, "45")))
        second = threading.Thread(target=sell, name="second", args=("second", "race-2", ("RICE5", "1", None, "300")))
        first.start()
        assert holding.wait(10)
        second.start()
        second.join(0.5)
        assert second.is_alive()            # waiting for the first bill's locks, not past them
        release.set()
        first.join(30)
        second.join(30)
    finally:
        sales._fault_hook = None
        release.set()
    assert outcome["first"].lines[0].unit_price == D("45.00")
    assert isinstance(outcome["second"], PermissionDenied) and "already used" in str(outcome["second"])
    assert [r.details["sku"] for r in _override_rows(shop, admin)] == ["SOAP"]
    assert sales.get_invoice_by_sale_id(shop, admin, "race-2") is None


def test_an_admin_overrides_without_approval_and_is_named_as_the_approver(shop, admin):
    inv = sales.checkout(shop, admin, _sale("po-6", [SaleItem("RICE5", "2", price="320.50")]))
    assert inv.lines[0].unit_price == D("320.50") and inv.lines[0].taxable == D("641.00")
    [row] = _override_rows(shop, admin)
    assert (row.username, row.details["approver"], row.details["catalog_price"], row.details["price"]) == \
        ("owner", "owner", "350.00", "320.50")


def test_the_catalog_price_given_as_a_price_is_no_override(shop, admin, cashier):
    inv = sales.checkout(shop, cashier, _sale("po-7", [SaleItem("SOAP", "1", price="50.00")]))
    assert inv.lines[0].unit_price == D("50.00")
    assert _override_rows(shop, admin) == []


# ---------------------------------------------------------------- idempotency

def test_a_replay_with_the_same_price_returns_the_invoice_and_another_price_is_a_conflict(shop, cashier):
    ok = _approval(shop, cashier)
    first = sales.checkout(shop, cashier, _sale("po-8", [("SOAP", "2", None, "45")], ok))
    before = snapshot(shop)
    again = sales.checkout(shop, cashier, _sale("po-8", [("SOAP", "2", None, "45.00")], ok))
    assert again.replayed and (again.number, again.grand_total) == (first.number, first.grand_total)
    # a retry from a terminal that lost the approval (or the command line) is answered too
    assert sales.checkout(shop, cashier, _sale("po-8", [("SOAP", "2", None, "45")])).replayed
    with pytest.raises(Conflict, match="already used for a different sale"):
        sales.checkout(shop, cashier, _sale("po-8", [("SOAP", "2", None, "44")], ok))
    with pytest.raises(Conflict):
        sales.checkout(shop, cashier, _sale("po-8", [("SOAP", "2")], ok))     # the catalog price
    assert snapshot(shop) == before


def test_a_sale_without_overrides_keeps_its_old_fingerprint(shop, cashier):
    """Fingerprints of sales made before overrides existed must not change (a replay after an
    upgrade would be refused as a different sale)."""
    plain = sales._check_request(_sale("po-9", [("SOAP", "2", "5%")]))
    from billbook.domain.fingerprint import fingerprint
    content = {"items": [["SOAP", D("2"), plain.lines[0].discount]], "payments": [["cash", None, None, None]],
               "customer": [None, "", None, None, None], "place": "", "delivery": None, "discount": None}
    assert plain.fingerprint == fingerprint("sale", content)
    assert sales._check_request(_sale("po-9", [("SOAP", "2", "5%", "45")])).fingerprint != plain.fingerprint


# ---------------------------------------------------------------- bad prices

@pytest.mark.parametrize("price, message", [("0", "more than zero"), ("-5", "negative"), ("abc", ""),
                                            ("12.3456", "decimal"), ("1e9", "")])
def test_a_bad_price_is_refused_naming_the_line_and_nothing_is_written(shop, admin, price, message):
    before = snapshot(shop)
    with pytest.raises(ValidationError) as err:
        sales.checkout(shop, admin, _sale("po-10", [("RICE5", "1"), ("SOAP", "1", None, price)]))
    assert err.value.field == "price" and "line 2 (SOAP)" in err.value.message
    assert message in err.value.message
    assert snapshot(shop) == before


def test_a_tax_inclusive_line_is_never_sold_above_its_mrp_and_below_it_the_total_is_exact(shop, admin, cashier):
    before = snapshot(shop)
    with pytest.raises(ValidationError, match="MRP of 180.00"):
        sales.checkout(shop, admin, _sale("po-11", [SaleItem("OIL1", "1", price="185")]))
    with pytest.raises(ValidationError, match="MRP"):
        sales.preview(shop, cashier, [SaleItem("OIL1", "1", price="180.01")])
    assert snapshot(shop) == before
    inv = sales.checkout(shop, admin, _sale("po-11", [SaleItem("OIL1", "3", price="175")]))
    line = inv.lines[0]
    assert line.total == D("525.00") and line.cgst == line.sgst == D("12.50")     # 525 × 2.5 / 105


# ---------------------------------------------------------------- the counter's running totals

def test_preview_prices_an_override_as_checkout_will(shop, cashier):
    items = [("RICE5", "1"), SaleItem("SOAP", "3", "10", "42.5")]
    pv = sales.preview(shop, cashier, items)
    inv = sales.checkout(shop, cashier, _sale("po-12", items, _approval(shop, cashier)))
    assert [(ln.unit_price, ln.total) for ln in pv.lines] == [(ln.unit_price, ln.total) for ln in inv.lines]
    assert pv.grand_total == inv.grand_total


PRICES = st.decimals(min_value=D("0.01"), max_value=D("99999"), places=3)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(price=PRICES, qty=st.sampled_from(["1", "2", "7", "12"]),
       rate=st.sampled_from(["0", "0.25", "3", "5", "12", "18", "28"]), inclusive=st.booleans(),
       discount=st.sampled_from([None, "1", "5%", "12.5%"]), bill=st.sampled_from([None, "2", "3%"]),
       other_state=st.booleans())
def test_totals_at_an_override_price_equal_those_of_a_product_whose_catalog_price_it_is(
        shop, admin, price, qty, rate, inclusive, discount, bill, other_state):
    """Property: overriding a line's price to P gives exactly the figures of a product listed at
    P (same GST rate, same tax-inclusive flag), line by line and in the totals."""
    catalog.update_product(shop, admin, "SOAP", gst_rate=rate, tax_inclusive=inclusive, price="99999.999")
    try:
        catalog.add_product(shop, admin, sku="TWIN", name="Twin", price=str(price), gst_rate=rate, stock="0",
                            tax_inclusive=inclusive)
    except Exception:  # noqa: BLE001 - already there from an earlier example
        catalog.update_product(shop, admin, "TWIN", price=str(price), gst_rate=rate, tax_inclusive=inclusive)
    state = "29" if other_state else None
    if discount == "1" and price * D(qty) < 1:
        discount = None                           # a ₹1 discount on a bill below ₹1 is refused
    try:
        overridden = sales.preview(shop, admin, [("RICE5", "1"), ("SOAP", qty, discount, str(price))],
                                   bill_discount=bill, place_of_supply=state)
    except ValidationError as exc:                # both are refused alike (e.g. a discount above the line)
        with pytest.raises(ValidationError, match=exc.message[:20]):
            sales.preview(shop, admin, [("RICE5", "1"), ("TWIN", qty, discount)], bill_discount=bill,
                          place_of_supply=state)
        return
    listed = sales.preview(shop, admin, [("RICE5", "1"), ("TWIN", qty, discount)], bill_discount=bill,
                           place_of_supply=state)

    def figures(ln):
        return (ln.qty, ln.unit_price, ln.gst_rate, ln.gross, ln.discount, ln.taxable, ln.cgst, ln.sgst, ln.igst,
                ln.total)

    assert [figures(ln) for ln in overridden.lines] == [figures(ln) for ln in listed.lines]
    assert (overridden.gross_total, overridden.discount_total, overridden.taxable_total, overridden.cgst,
            overridden.sgst, overridden.igst, overridden.round_off, overridden.grand_total) == \
        (listed.gross_total, listed.discount_total, listed.taxable_total, listed.cgst, listed.sgst, listed.igst,
         listed.round_off, listed.grand_total)


# ---------------------------------------------------------------- held carts keep the price

def test_held_and_open_carts_keep_the_override_price_and_checkout_asks_for_approval_again(shop, admin, cashier):
    items = [SaleItem("RICE5", "1"), SaleItem("SOAP", "2", "5%", "45.5")]
    parked = held.hold_sale(shop, cashier, "Ravi", items, sale_id="po-13")
    assert [i.price for i in parked.items] == [None, "45.50"]
    assert parked.to_json()["items"][1]["price"] == "45.50"
    back = held.resume_held(shop, cashier, parked.id)
    assert [(i.product, i.qty, i.discount, i.price) for i in back.items] == \
        [("RICE5", "1", None, None), ("SOAP", "2", "5%", "45.50")]
    # the approval is not kept with the cart: checkout of the resumed cart needs one again
    with pytest.raises(PermissionDenied):
        sales.checkout(shop, cashier, _sale(back.sale_id, back.items))
    inv = sales.checkout(shop, cashier, _sale(back.sale_id, back.items, _approval(shop, cashier)))
    assert inv.lines[1].unit_price == D("45.50")
    # the cart in progress (crash recovery) keeps it too
    held.save_open_cart(shop, cashier, [SaleItem("SOAP", "1", None, "49")], sale_id="po-14")
    assert held.open_cart(shop, cashier).items[0].price == "49.00"
