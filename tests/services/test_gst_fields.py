"""What GST filing reads (issue 17, migration 0011): place of supply on invoices and credit notes,
delivery address, pincode and locality of the shop and the customers, on SQLite and MariaDB."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from billbook.db import migrate
from billbook.db.uow import Database
from billbook.errors import ValidationError
from billbook.services.goods import catalog
from billbook.services.people import customers, shop
from billbook.services.selling import checkout as sales
from billbook.services.selling import returns
from billbook.services.selling.checkout import SaleRequest
from tests.builders import snapshot
from tests.conftest import create_mysql_database, drop_mysql_database

BEFORE = "0010_lighter_sale_indexes"
_INVOICE = (
    "INSERT INTO invoices (id, number, sale_id, fy, seq, doc_type, issued_at, business_date, cashier_id, "
    "cashier_name, terminal, customer_name, customer_phone, customer_gstin, customer_address, customer_state_code, "
    "place_of_supply, inter_state, shop_snapshot, gross_total, discount_total, taxable_total, cgst, sgst, igst, "
    "round_off, grand_total, paid_total, change_given, due_amount, credits_earned, credits_redeemed, "
    "bill_discount_text, status, print_count) VALUES (:id, :n, :n, '26-27', :id, 'tax_invoice', '2026-05-01 10:00:00', "
    "'2026-05-01', 1, 'u', '', '', '', :g, '', :cs, :pos, :inter, :snap, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "
    "'', 'issued', 0)")


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def old_db(request, tmp_path):
    """A database at the revision before 0011, for the backfill."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'old.sqlite3'}", None
    else:
        url = create_mysql_database("bbg")
        drop = url
    db = Database(url)
    migrate.upgrade(db, BEFORE)
    yield db
    db.dispose()
    if drop:
        drop_mysql_database(drop)


def test_migration_backfills_place_of_supply_on_invoices_and_credit_notes(old_db):
    db = old_db
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO shop (id, name, address, phone, email, gstin, state_code, gst_scheme, upi_vpa, "
                       "invoice_prefix, footer_text, currency, locale, round_off, allow_negative_stock, "
                       "allowed_gst_rates, loyalty_rupees_per_credit, credit_value, cashier_can_return, print_format, "
                       "idle_lock_minutes) VALUES (1, 'S', '', '', '', '', '29', 'regular', '', 'INV', '', 'INR', "
                       "'en_IN', 1, 0, '5', 100, 1, 0, 'a4', 10)"))
        c.execute(text("INSERT INTO users (id, username, full_name, password_hash, role, active, failed_attempts, "
                       "created_at) VALUES (1, 'u', '', 'x', 'admin', 1, 0, '2026-01-01 00:00:00')"))
        snap = json.dumps({"state_code": "29"})
        rows = [  # (inter-state, customer state, customer GSTIN, stored place of supply)
            (False, "", "", "29"),                    # kept as it is
            (True, "27", "", ""),                     # inter-state: the customer's state
            (True, "", "33AAACT2727Q1ZW", ""),         # inter-state, no state stored: the GSTIN's
            (False, "", "", ""),                      # intra-state: the shop's state in its snapshot
        ]
        for i, (inter, cs, g, pos) in enumerate(rows, 1):
            c.execute(text(_INVOICE), {"id": i, "n": f"INV/26-27/{i:06d}", "g": g, "cs": cs, "pos": pos,
                                       "inter": inter, "snap": snap})
        c.execute(text("INSERT INTO credit_notes (id, number, fy, seq, request_id, invoice_id, issued_at, "
                       "business_date, user_id, user_name, terminal, reason, refund_mode, taxable_total, cgst, sgst, "
                       "igst, round_off, total) VALUES (1, 'CN/26-27/000001', '26-27', 1, 'r1', 2, "
                       "'2026-05-02 10:00:00', '2026-05-02', 1, 'u', '', '', 'cash', 0, 0, 0, 0, 0, 0)"))
    migrate.upgrade(db)
    with db.engine.connect() as c:
        assert c.execute(text("SELECT id, place_of_supply FROM invoices ORDER BY id")).all() == [
            (1, "29"), (2, "27"), (3, "33"), (4, "29")]
        assert c.execute(text("SELECT place_of_supply FROM credit_notes")).scalar_one() == "27"
        assert c.execute(text("SELECT pincode, locality FROM shop")).one() == ("", "")
        assert c.execute(text("SELECT delivery_address, customer_pincode FROM invoices WHERE id = 1")).one() \
            == (None, "")
        with pytest.raises(Exception):      # NOT NULL after the backfill
            with c.begin():
                c.execute(text("UPDATE credit_notes SET place_of_supply = NULL"))


@pytest.fixture
def b2b_sale(db, admin, cashier):
    shop.update_shop(db, admin, state_code="27", gstin="27AAPFU0939F1ZV", pincode="400001", locality="Mumbai")
    catalog.add_product(db, admin, sku="RICE5", name="Rice 5 kg", price="350", gst_rate="5", stock="10")
    customers.add_customer(db, admin, "9876543210", "Ravi Traders", gstin="29AAGCB7383J1Z4",
                           address="12 MG Road", pincode="560001", locality="Bengaluru")
    return sales.checkout(db, cashier, SaleRequest("s-1", [("RICE5", "2")], [("cash", None)],
                                                   customer_phone="9876543210"))


def test_invoice_and_credit_note_carry_place_of_supply_and_the_addresses_filing_needs(db, admin, b2b_sale):
    inv = b2b_sale
    assert (inv.place_of_supply, inv.inter_state) == ("29", True)
    data = sales.get_invoice(db, admin, inv.number).to_json()
    assert data["place_of_supply"] == "29" and data["inter_state"] is True
    assert data["place_of_supply_name"] == "Karnataka" and data["delivery_address"] is None
    assert (data["customer"]["address"], data["customer"]["pincode"], data["customer"]["locality"]) == \
        ("12 MG Road", "560001", "Bengaluru")
    assert (data["shop"]["pincode"], data["shop"]["locality"]) == ("400001", "Mumbai")
    cn = returns.create_return(db, admin, inv.number, [("RICE5", "1")])
    assert (cn.place_of_supply, cn.inter_state) == ("29", True)
    got = returns.get_credit_note(db, admin, cn.number).to_json()
    assert (got["place_of_supply"], got["inter_state"], got["place_of_supply_name"]) == ("29", True, "Karnataka")


def test_customer_and_shop_pincode_and_locality_are_checked(db, admin):
    before = snapshot(db)
    with pytest.raises(ValidationError, match="PIN code"):
        customers.add_customer(db, admin, "9876543210", "Ravi", pincode="012345")
    with pytest.raises(ValidationError, match="PIN code"):
        shop.update_shop(db, admin, pincode="4000")
    with pytest.raises(ValidationError, match="locality"):
        customers.add_customer(db, admin, "9876543210", "Ravi", locality="x" * 51)
    assert snapshot(db) == before
    c = customers.add_customer(db, admin, "9876543210", "Ravi", pincode="110001", locality="New Delhi")
    assert (c.pincode, c.locality) == ("110001", "New Delhi")
    c = customers.update_customer(db, admin, c.phone, pincode="", locality="Delhi")
    assert (c.pincode, c.locality) == ("", "Delhi")
    assert shop.update_shop(db, admin, pincode="560001").pincode == "560001"
