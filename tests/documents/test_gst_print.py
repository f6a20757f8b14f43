"""What issue 17 prints (Rule 46): place of supply with the state's name, the delivery address
when it differs (46(k)), a walk-in recipient named for 46(e), 3-decimal unit prices; A4 and
receipt, on SQLite and MariaDB."""

from __future__ import annotations

import pytest

from billbook.services.goods import catalog
from billbook.services.people import shop
from billbook.services.selling import checkout as sales
from billbook.services.selling import documents, returns
from billbook.services.selling.checkout import SaleRequest
from tests.documents.pdfread import cells, page_texts


@pytest.fixture
def store(db, admin):
    shop.update_shop(db, admin, name="Sharma Stores", state_code="27", gstin="27AAPFU0939F1ZV",
                     address="12 Station Road, Pune", pincode="411001", locality="Pune")
    catalog.add_product(db, admin, sku="DAL", name="Toor dal", price="41.255", gst_rate="5", stock="100",
                        unit="kg", hsn="0713")
    catalog.add_product(db, admin, sku="FRIDGE", name="Fridge 260 L", price="55000", gst_rate="18", stock="5",
                        hsn="84182100")
    return db


def flat(path) -> str:
    return " ".join(c for page in page_texts(path) for c in cells(page))


@pytest.mark.parametrize("receipt", [False, True])
def test_shipped_sale_prints_place_of_supply_and_delivery_address(store, cashier, receipt):
    inv = sales.checkout(store, cashier, SaleRequest(
        "ship-1", [("DAL", "2.5")], [("upi", None)], customer_phone="9876543210", customer_name="Kaveri Foods",
        customer_gstin="29AAGCB7383J1Z4", customer_address="4 Market Road, Hubballi",
        delivery_address="Warehouse 9, Belagavi"))
    assert (inv.place_of_supply, inv.inter_state) == ("29", True)
    text = flat(documents.invoice_pdf(store, cashier, inv.number, receipt=receipt))
    assert "Karnataka (29)" in text                       # place of supply with the state's name
    assert "Warehouse 9, Belagavi" in text and "4 Market Road, Hubballi" in text
    assert "41.255" in text                               # the rate as set, three decimals
    assert "103.14" in text                               # 2.5 × 41.255 to the paisa


def test_delivery_address_is_not_repeated_when_it_is_the_recipients(store, cashier):
    inv = sales.checkout(store, cashier, SaleRequest(
        "same", [("DAL", "1")], [("cash", None)], customer_phone="9876543210", customer_name="R",
        customer_address="4 Market Road, Pune", delivery_address="4 Market Road, Pune"))
    text = flat(documents.invoice_pdf(store, cashier, inv.number))
    assert "Deliver to" not in text and text.count("4 Market Road, Pune") == 1


def test_walk_in_named_for_rule_46e_is_printed_as_the_recipient(store, cashier):
    inv = sales.checkout(store, cashier, SaleRequest(
        "big", [("FRIDGE", "1")], [("card", None)], customer_name="Asha Rao", customer_address="7 Park St, Nashik",
        customer_state_code="27"))
    text = flat(documents.invoice_pdf(store, cashier, inv.number))
    assert "Asha Rao" in text and "7 Park St, Nashik" in text and "Maharashtra (27)" in text
    assert "Walk-in customer" not in text


def test_credit_note_prints_its_own_place_of_supply(store, admin, cashier):
    inv = sales.checkout(store, cashier, SaleRequest(
        "cn", [("DAL", "2")], [("cash", None)], customer_phone="9876543210", customer_name="Kaveri Foods",
        customer_gstin="29AAGCB7383J1Z4", place_of_supply="27"))
    cn = returns.create_return(store, admin, inv.number, [("DAL", "1")])
    text = flat(documents.credit_note_pdf(store, admin, cn.number))
    assert "Maharashtra (27)" in text and "Karnataka" not in text.replace("State: Karnataka (29)", "")
