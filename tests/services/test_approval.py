"""Supervisor approval at the counter: an admin's name and password, audited with both names;
a wrong password counts towards the approver's lock-out; the discount limit is a shop setting."""

from decimal import Decimal

import pytest

from billbook.errors import AccountLocked, AuthenticationError, PermissionDenied, ValidationError
from billbook.services.insight import audit as audit_service
from billbook.services.people import shop as shop_service
from billbook.services.people import users
from tests.builders import DEFAULT_PASSWORD, make_user


def test_an_admin_approves_a_cashiers_return_and_the_audit_names_both(db, admin, cashier):
    ok = users.approve(db, cashier, "owner", DEFAULT_PASSWORD, "return", invoice="INV/26-27/000001")
    assert (ok.action, ok.approver, ok.requested_by) == ("return", "owner", "asha")
    assert audit_service.search_audit(db, admin, action="approval.granted").rows[0].details["approves"] == "return"
    rows = audit_service.search_audit(db, admin, action="approval.granted").rows
    assert len(rows) == 1
    assert rows[0].username == "asha" and rows[0].details["approver"] == "owner"
    assert rows[0].details["invoice"] == "INV/26-27/000001"


def test_a_cashier_cannot_approve_and_unknown_actions_are_refused(db, admin, cashier):
    make_user(db, "ravi", "cashier")
    with pytest.raises(PermissionDenied):
        users.approve(db, cashier, "ravi", DEFAULT_PASSWORD, "discount")
    with pytest.raises(ValidationError):
        users.approve(db, cashier, "owner", DEFAULT_PASSWORD, "anything")
    refused = audit_service.search_audit(db, admin, action="approval.refused").rows
    assert [r.details["reason"] for r in refused] == ["not an admin"]


def test_wrong_approver_passwords_count_as_failed_logins_and_lock_the_admin(db, admin, cashier):
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            users.approve(db, cashier, "owner", "wrong-password", "price_override")
    with pytest.raises(AuthenticationError):
        users.approve(db, cashier, "owner", "wrong-password", "price_override")
    # the fifth failure locked the admin: even the right password is refused now, here and at login
    with pytest.raises(AccountLocked):
        users.approve(db, cashier, "owner", DEFAULT_PASSWORD, "price_override")
    with pytest.raises(AccountLocked):
        users.login(db, "owner", DEFAULT_PASSWORD, "T1")
    assert audit_service.search_audit(db, admin, action="approval.granted").rows == ()


def test_an_inactive_admin_cannot_approve(db, admin, cashier):
    make_user(db, "boss", "admin")
    users.deactivate(db, admin, "boss")
    with pytest.raises(AuthenticationError):
        users.approve(db, cashier, "boss", DEFAULT_PASSWORD, "discount")


def test_discount_limit_is_a_shop_setting(db, admin, cashier):
    assert shop_service.get_shop(db).discount_limit is None
    info = shop_service.update_shop(db, admin, discount_limit="10%")
    assert info.discount_limit == Decimal("10.00") == shop_service.get_shop(db).discount_limit
    with pytest.raises(ValidationError):
        shop_service.update_shop(db, admin, discount_limit="-3")
    with pytest.raises(ValidationError):
        shop_service.update_shop(db, admin, discount_limit="abc")
    with pytest.raises(PermissionDenied):
        shop_service.update_shop(db, cashier, discount_limit="50")
    assert shop_service.update_shop(db, admin, discount_limit="none").discount_limit is None
    changes = [r.details["changes"] for r in audit_service.search_audit(db, admin, action="shop.update").rows]
    assert {"discount_limit": [None, "10"]} in changes


# ---------------------------------------------------------------- an approved return by a cashier

@pytest.fixture
def sold(db, admin, cashier):
    from billbook.services.goods import catalog
    from billbook.services.selling import checkout as sales
    catalog.add_product(db, admin, sku="SOAP", name="Soap 100 g", price="45", gst_rate="18", stock="10")
    return sales.checkout(db, cashier, sales.SaleRequest("ap-1", [("SOAP", "3")], [("cash", None)]))


def test_a_cashiers_return_goes_through_with_an_admins_approval_and_both_names_are_audited(db, admin, cashier, sold):
    from dataclasses import replace

    from billbook.services.selling import returns
    with pytest.raises(PermissionDenied):
        returns.create_return(db, cashier, sold.number, [("SOAP", "1")])
    ok = users.approve(db, cashier, "owner", DEFAULT_PASSWORD, "return", invoice=sold.number)
    # an approval that was never given (forged token), or given for another action, is refused
    with pytest.raises(PermissionDenied):
        returns.create_return(db, cashier, sold.number, [("SOAP", "1")], approval=replace(ok, token="f" * 32))
    with pytest.raises(PermissionDenied):
        returns.create_return(db, cashier, sold.number, [("SOAP", "1")], approval=replace(ok, action="discount"))
    other = make_user(db, "ravi", "cashier")
    with pytest.raises(PermissionDenied):
        returns.create_return(db, other, sold.number, [("SOAP", "1")], approval=ok)
    cn = returns.create_return(db, cashier, sold.number, [("SOAP", "1")], approval=ok)
    assert cn.user == "asha" and cn.lines[0].qty == 1
    rows = audit_service.search_audit(db, admin, action="return.approved").rows
    assert [(r.username, r.details["approver"]) for r in rows] == [("asha", "owner")]


# ---------------------------------------------------------------- prints are honest

def test_a_copy_counts_only_when_recorded_and_a_reprint_never_overwrites_the_original(db, admin, cashier, sold):
    from billbook.services.selling import documents
    first = documents.invoice_copy(db, cashier, sold.number)
    assert not first.duplicate
    # the viewer failed: nothing recorded, so the next copy is still the original
    again = documents.invoice_copy(db, cashier, sold.number)
    assert not again.duplicate and again.path == first.path
    original = first.path.read_bytes()
    assert documents.record_print(db, cashier, sold.number, path=first.path) == 1
    dup = documents.invoice_copy(db, cashier, sold.number)
    assert dup.duplicate and dup.path != first.path and dup.path.name.endswith("-duplicate-2.pdf")
    assert first.path.read_bytes() == original
    assert documents.record_print(db, cashier, sold.number, path=dup.path) == 2
    prints = audit_service.search_audit(db, admin, action="invoice.print").rows
    assert [r.details["copy"] for r in prints] == [2, 1]
