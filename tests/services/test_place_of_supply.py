"""Issue 17 at the counter, on SQLite and MariaDB: place of supply, a GSTIN given at a sale,
Rule 46(e), tax-inclusive MRPs, 3-decimal unit prices, refused HSN/GSTIN leaving the database
unchanged.

Worked GSTINs: 29AAGCB7383J1Z4 and 27AAPFU0939F1ZV (python-stdnum's doctest example); the TCS
and UIN registrations are india-compliance's samples (gst_india/utils/gstin_info.py).
"""

from __future__ import annotations

from decimal import Decimal as Dec

import pytest

from billbook.errors import ValidationError
from billbook.services.goods import catalog
from billbook.services.people import customers, shop
from billbook.services.selling import checkout as sales
from billbook.services.selling import returns
from billbook.services.selling.checkout import SaleRequest
from tests.builders import snapshot

SHOP_STATE = "27"                        # Maharashtra
KA_GSTIN = "29AAGCB7383J1Z4"             # a registered buyer from Karnataka
PHONE, OTHER_PHONE = "9876543210", "9123456780"


@pytest.fixture
def counter(db, admin):
    shop.update_shop(db, admin, state_code=SHOP_STATE, gstin="27AAPFU0939F1ZV")
    catalog.add_product(db, admin, sku="TV", name="Television", price="60000", gst_rate="18", stock="10",
                        hsn="85287217")
    catalog.add_product(db, admin, sku="SOAP", name="Soap", price="45", gst_rate="18", stock="100", hsn="3401")
    catalog.add_product(db, admin, sku="MRP40", name="Cola 750 ml", price="40", gst_rate="28", stock="100",
                        hsn="22021010", tax_inclusive=True)
    catalog.add_product(db, admin, sku="MRP90", name="Biscuits", price="90", gst_rate="18", stock="100",
                        hsn="19053100", tax_inclusive=True)
    return db


def sell(db, actor, sale_id, items, **kw):
    return sales.checkout(db, actor, SaleRequest(sale_id, items, [("cash", None)], **kw))


def test_registered_buyer_from_another_state_taking_goods_at_the_counter_pays_cgst_and_sgst(counter, cashier):
    inv = sell(counter, cashier, "s-1", [("SOAP", "2")], customer_phone=PHONE, customer_name="Bangalore Traders",
               customer_gstin=KA_GSTIN, place_of_supply=SHOP_STATE)
    assert (inv.place_of_supply, inv.inter_state) == (SHOP_STATE, False)
    # 90 × 9 % = 8.10 each side
    assert (inv.cgst, inv.sgst, inv.igst) == (Dec("8.10"), Dec("8.10"), Dec("0"))
    data = sales.get_invoice(counter, cashier, inv.number).to_json()
    assert (data["place_of_supply"], data["inter_state"], data["customer"]["gstin"]) == ("27", False, KA_GSTIN)
    c = customers.get_customer(counter, cashier, PHONE)
    assert (c.gstin, c.state_code) == (KA_GSTIN, "29")          # the buyer's own state is still Karnataka
    # the same buyer shipped home: the default place of supply is the GSTIN's state, IGST
    shipped = sell(counter, cashier, "s-2", [("SOAP", "2")], customer_phone=PHONE)
    assert (shipped.place_of_supply, shipped.inter_state, shipped.igst, shipped.cgst) == (
        "29", True, Dec("16.20"), Dec("0"))


def test_one_gstin_one_treatment_for_a_new_and_a_known_customer(counter, admin, cashier):
    customers.add_customer(counter, admin, OTHER_PHONE, "Known Buyer")          # on file, no GSTIN, no state
    new = sell(counter, cashier, "s-new", [("SOAP", "1")], customer_phone=PHONE, customer_name="New Buyer",
               customer_gstin=KA_GSTIN)
    known = sell(counter, cashier, "s-known", [("SOAP", "1")], customer_phone=OTHER_PHONE, customer_gstin=KA_GSTIN)
    for inv in (new, known):
        assert (inv.place_of_supply, inv.inter_state, inv.igst, inv.cgst) == ("29", True, Dec("8.10"), Dec("0"))
        assert inv.customer.gstin == KA_GSTIN
    c = customers.get_customer(counter, admin, OTHER_PHONE)
    assert (c.gstin, c.state_code) == (KA_GSTIN, "29")          # the GSTIN given at the sale is filed
    # the next sale to the known customer needs no GSTIN typed again
    again = sell(counter, cashier, "s-again", [("SOAP", "1")], customer_phone=OTHER_PHONE)
    assert (again.place_of_supply, again.customer.gstin) == ("29", KA_GSTIN)


def test_default_place_of_supply_is_the_customers_state_else_the_shops(counter, admin, cashier):
    customers.add_customer(counter, admin, PHONE, "Goa Customer", state_code="30")
    assert sell(counter, cashier, "a", [("SOAP", "1")], customer_phone=PHONE).place_of_supply == "30"
    walk_in = sell(counter, cashier, "b", [("SOAP", "1")])
    assert (walk_in.place_of_supply, walk_in.inter_state, walk_in.customer) == (SHOP_STATE, False, None)
    # a walk-in shipped to Karnataka
    shipped = sell(counter, cashier, "c", [("SOAP", "1")], place_of_supply="29")
    assert (shipped.place_of_supply, shipped.inter_state) == ("29", True)


def test_a_credit_note_takes_its_invoices_place_of_supply(counter, admin, cashier):
    inv = sell(counter, cashier, "s-1", [("SOAP", "2")], customer_phone=PHONE, customer_name="B",
               customer_gstin=KA_GSTIN, place_of_supply=SHOP_STATE)
    cn = returns.create_return(counter, admin, inv.number, [("SOAP", "1")])
    assert (cn.place_of_supply, cn.inter_state, cn.igst, cn.cgst) == (SHOP_STATE, False, Dec("0"), Dec("4.05"))
    shipped = sell(counter, cashier, "s-2", [("SOAP", "2")], customer_phone=PHONE)
    cn2 = returns.create_return(counter, admin, shipped.number, [("SOAP", "2")])
    assert (cn2.place_of_supply, cn2.inter_state, cn2.igst) == ("29", True, Dec("16.20"))


def test_rule_46e_needs_name_address_and_state_of_an_unregistered_buyer_from_50000(counter, cashier):
    before = snapshot(counter)
    # 60,000 taxable to a walk-in: refused, nothing written
    with pytest.raises(ValidationError, match=r"name, address and state \(Rule 46\(e\)\)"):
        sell(counter, cashier, "big-1", [("TV", "1")])
    # a customer on file by phone with a name but no address or state: refused too
    with pytest.raises(ValidationError, match=r"address and state \(Rule 46\(e\)\)"):
        sell(counter, cashier, "big-2", [("TV", "1")], customer_phone=PHONE, customer_name="Ravi")
    assert snapshot(counter) == before
    # a walk-in who gives name, address and state (no phone): issued, and printed on the invoice
    inv = sell(counter, cashier, "big-3", [("TV", "1")], customer_name="Ravi Kumar",
               customer_address="12 MG Road, Pune", customer_state_code="27")
    assert inv.customer.name == "Ravi Kumar" and inv.customer.phone == ""
    shown = sales.get_invoice(counter, cashier, inv.number)
    assert (shown.customer.name, shown.customer.address, shown.customer.state_code) == (
        "Ravi Kumar", "12 MG Road, Pune", "27")
    # by phone: the address and state are filed on the customer
    inv = sell(counter, cashier, "big-4", [("TV", "1")], customer_phone=PHONE, customer_name="Ravi",
               customer_address="4 FC Road, Pune", customer_state_code="27")
    c = customers.get_customer(counter, cashier, PHONE)
    assert (c.address, c.state_code) == ("4 FC Road, Pune", "27")
    # a registered buyer needs nothing more; nor does a bill below 50,000
    sell(counter, cashier, "big-5", [("TV", "1")], customer_phone=OTHER_PHONE, customer_name="Firm",
         customer_gstin=KA_GSTIN)
    sell(counter, cashier, "small", [("SOAP", "10")])


def test_rule_46e_threshold_is_the_taxable_value_of_50000_or_more(counter, admin, cashier):
    catalog.add_product(counter, admin, sku="EXACT", name="Exactly fifty thousand", price="50000", gst_rate="5",
                        stock="5")
    catalog.add_product(counter, admin, sku="BELOW", name="Just below", price="49999.99", gst_rate="5", stock="5")
    sell(counter, cashier, "below", [("BELOW", "1")])
    with pytest.raises(ValidationError, match="Rule 46"):
        sell(counter, cashier, "exact", [("EXACT", "1")])


def test_a_bill_of_supply_is_not_held_to_rule_46e(counter, admin, cashier):
    shop.update_shop(counter, admin, gst_scheme="composition")
    inv = sell(counter, cashier, "bos", [("TV", "1")])
    assert inv.doc_type == "bill_of_supply" and inv.customer is None


def test_tax_inclusive_mrps_are_billed_at_the_printed_price(counter, cashier):
    inv = sell(counter, cashier, "mrp", [("MRP40", "1"), ("MRP90", "3")])
    forty, ninety = inv.lines
    assert (forty.total, forty.cgst, forty.sgst, forty.taxable) == (Dec("40.00"), Dec("4.38"), Dec("4.38"),
                                                                    Dec("31.24"))
    assert (ninety.total, ninety.cgst, ninety.taxable) == (Dec("270.00"), Dec("20.59"), Dec("228.82"))
    assert (inv.round_off, inv.grand_total) == (Dec("0.00"), Dec("310.00"))
    stored = sales.get_invoice(counter, cashier, inv.number)
    assert [ln.total for ln in stored.lines] == [Dec("40.00"), Dec("270.00")]


def test_unit_prices_keep_three_decimals_and_amounts_the_paisa(counter, admin, cashier):
    p = catalog.add_product(counter, admin, sku="DAL", name="Toor dal", price="41.255", gst_rate="5", stock="50",
                            unit="kg", hsn="0713")
    assert p.price == Dec("41.255") and p.to_json()["price"] == "41.255"
    inv = sell(counter, cashier, "dal", [("DAL", "2.5")])
    stored = sales.get_invoice(counter, cashier, inv.number)
    line = stored.lines[0]
    # 2.5 × 41.255 = 103.1375 → 103.14; 5 %: 2.5785 → 2.58 each side
    assert (line.unit_price, line.gross, line.cgst, line.total) == (Dec("41.255"), Dec("103.14"), Dec("2.58"),
                                                                    Dec("108.30"))
    assert stored.to_json()["lines"][0]["unit_price"] == "41.255"
    assert catalog.update_product(counter, admin, "DAL", price="41.25").price == Dec("41.25")
    with pytest.raises(ValidationError, match="3 decimal"):
        catalog.add_product(counter, admin, sku="BAD", name="x", price="1.2345", gst_rate="5")


@pytest.mark.parametrize("hsn", ["10063", "1006301", "0000", "00000000"])
def test_a_bad_hsn_is_refused_and_nothing_changes(counter, admin, hsn):
    before = snapshot(counter)
    with pytest.raises(ValidationError) as err:
        catalog.add_product(counter, admin, sku="RICE", name="Rice", price="50", gst_rate="5", hsn=hsn)
    assert err.value.field == "hsn"
    with pytest.raises(ValidationError):
        catalog.update_product(counter, admin, "SOAP", hsn=hsn)
    assert snapshot(counter) == before


@pytest.mark.parametrize("gstin, state, why", [
    ("29AAGCB7383J1Z5", None, "check character"),            # one character off
    ("29AAGCB7383J1Z", None, "15 characters"),
    (KA_GSTIN, "27", "not from state 27"),                   # the customer's state must be the GSTIN's
])
def test_a_bad_gstin_at_a_sale_is_refused_and_nothing_changes(counter, cashier, gstin, state, why):
    before = snapshot(counter)
    with pytest.raises(ValidationError, match=why):
        sell(counter, cashier, "bad", [("SOAP", "1")], customer_phone=PHONE, customer_name="B",
             customer_gstin=gstin, customer_state_code=state)
    assert snapshot(counter) == before


def test_uin_and_tcs_registrations_are_accepted_at_a_sale(counter, cashier):
    # india-compliance's samples: a UN body in Delhi and an e-commerce operator in Karnataka
    uin = sell(counter, cashier, "uin", [("SOAP", "1")], customer_phone=PHONE, customer_name="UN body",
               customer_gstin="0717UNO00157UNO")
    assert (uin.customer.gstin, uin.place_of_supply, uin.inter_state) == ("0717UNO00157UNO", "07", True)
    tcs = sell(counter, cashier, "tcs", [("SOAP", "1")], customer_phone=OTHER_PHONE, customer_name="Operator",
               customer_gstin="29AABCF8078M1C8")
    assert (tcs.place_of_supply, tcs.customer.state_code) == ("29", "29")


def test_bad_place_of_supply_and_delivery_address(counter, cashier):
    before = snapshot(counter)
    with pytest.raises(ValidationError) as err:
        sell(counter, cashier, "x", [("SOAP", "1")], place_of_supply="98")
    assert err.value.field == "place_of_supply"
    assert snapshot(counter) == before
    inv = sell(counter, cashier, "y", [("SOAP", "1")], customer_phone=PHONE, customer_name="R",
               customer_address="1 Main St, Pune", delivery_address="Site 4, Hinjawadi, Pune")
    assert sales.get_invoice(counter, cashier, inv.number).to_json()["delivery_address"] == \
        "Site 4, Hinjawadi, Pune"


def test_preview_shows_the_place_of_supply_checkout_will_use(counter, cashier):
    pv = sales.preview(counter, cashier, [("SOAP", "1")], customer_phone=PHONE, customer_gstin=KA_GSTIN)
    assert (pv.place_of_supply, pv.inter_state) == ("29", True)
    pv = sales.preview(counter, cashier, [("SOAP", "1")], customer_gstin=KA_GSTIN, place_of_supply=SHOP_STATE)
    assert (pv.place_of_supply, pv.inter_state) == (SHOP_STATE, False)
