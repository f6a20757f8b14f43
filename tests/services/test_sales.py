"""Checkout service: the CLI.md example to the paisa, numbering, stock, payments, customers, idempotency."""

from decimal import Decimal as Dec

import pytest
from sqlalchemy import func, select

from billbook import clock
from billbook.db.models import (
    DuesEntry, Invoice, InvoiceLine, LoyaltyEntry, Payment, Product, StockMovement,
)
from billbook.services.goods import catalog
from billbook.services.people import customers
from billbook.services.selling import checkout as sales
from billbook.services.people import shop
from billbook.errors import OutOfStock, PermissionDenied
from billbook.services.selling.checkout import PaymentRequest, SaleRequest
from tests.builders import snapshot


@pytest.fixture
def stocked(db, admin):
    catalog.add_product(db, admin, sku="RICE5", name="Rice 5 kg", price="350", gst_rate="5", stock="10",
                        hsn="1006", cost_price="300")
    catalog.add_product(db, admin, sku="SOAP", name="Soap 100 g", price="45", gst_rate="18", stock="10",
                        hsn="3401", barcode="8901234567890")
    catalog.add_product(db, admin, sku="OIL1L", name="Oil 1 l", price="118", gst_rate="18", stock="5",
                        tax_inclusive=True, unit="l")
    return db


def sale(db, actor, sale_id, items, payments=(("cash", None),), **kw):
    return sales.checkout(db, actor, SaleRequest(sale_id, items, payments, **kw))


def test_cli_example_reproduces_to_the_paisa(stocked, cashier):
    inv = sale(stocked, cashier, "ex-1", [("RICE5", "2"), ("SOAP", "1")],
               [PaymentRequest("cash", "800")], customer_phone="+91 98765 43210", customer_name="Ravi")
    data = inv.to_json()
    # RICE5: 700 taxable, 2.5 % each side = 17.50; SOAP: 45 taxable, 9 % = 4.05 each side
    assert [line["total"] for line in data["lines"]] == ["735.00", "53.10"]
    assert (data["taxable_total"], data["cgst"], data["sgst"], data["igst"]) == ("745.00", "21.55", "21.55", "0.00")
    assert (data["round_off"], data["grand_total"]) == ("-0.10", "788.00")
    assert data["payments"] == [{"mode": "cash", "amount": "788.00", "tendered": "800.00", "reference": None}]
    assert (data["change"], data["due"]) == ("12.00", "0.00")
    assert data["customer"]["phone"] == "9876543210" and data["cashier"] == "asha"
    assert data["number"] == f"INV/{inv.fy}/000001" and len(data["number"]) == 16
    for key in ("number", "date", "cashier", "customer", "lines", "taxable_total", "cgst", "sgst", "igst",
                "round_off", "grand_total", "payments", "change", "due"):
        assert key in data
    for key in ("sku", "name", "qty", "unit_price", "discount", "taxable", "gst_rate", "cgst", "sgst", "igst",
                "total"):
        assert key in data["lines"][0]


def test_checkout_writes_everything_in_one_go(stocked, cashier):
    inv = sale(stocked, cashier, "w-1", [("RICE5", "2"), ("8901234567890", "3")],
               customer_phone="9876543210", customer_name="Ravi")
    with stocked.transaction(readonly=True) as s:
        row = s.scalars(select(Invoice)).one()
        assert row.terminal == "T1" and row.cashier_name == "asha" and row.business_date == clock.today()
        assert s.scalar(select(func.count()).select_from(InvoiceLine)) == 2
        stock = dict(s.execute(select(Product.sku, Product.stock_qty)).all())
        assert stock["RICE5"] == 8 and stock["SOAP"] == 7
        moves = s.scalars(select(StockMovement).where(StockMovement.reason == "sale")).all()
        assert sorted(m.qty_delta for m in moves) == [Dec(-3), Dec(-2)]
        assert all(m.ref_type == "invoice" and m.ref_id == row.id for m in moves)
        assert s.scalar(select(func.sum(Payment.amount))) == inv.grand_total
    c = customers.get_customer(stocked, cashier, "9876543210")
    assert c.visits == 1 and c.total_spent == inv.grand_total and c.last_visit == inv.issued_at
    # loyalty: 1 credit per ₹100 paid, whole credits
    assert c.credits == (inv.grand_total // 100) == inv.credits_earned


def test_numbers_are_consecutive(stocked, cashier):
    numbers = [sale(stocked, cashier, f"n-{i}", [("SOAP", "1")]).number for i in range(3)]
    assert [int(n.rsplit("/", 1)[1]) for n in numbers] == [1, 2, 3]


def test_same_sale_id_twice_gives_one_invoice(stocked, cashier):
    first = sale(stocked, cashier, "dup", [("SOAP", "1")])
    before = snapshot(stocked)
    again = sale(stocked, cashier, "dup", [("SOAP", "1")])
    assert again.number == first.number and again.replayed and not first.replayed
    assert snapshot(stocked) == before


def test_out_of_stock_names_product_and_available(stocked, cashier):
    before = snapshot(stocked)
    with pytest.raises(OutOfStock) as err:
        sale(stocked, cashier, "oos", [("SOAP", "6"), ("RICE5", "1"), ("SOAP", "5")])
    assert "Soap 100 g" in str(err.value) and "10 available" in str(err.value) and "11 requested" in str(err.value)
    assert snapshot(stocked) == before


def test_negative_stock_allowed_when_shop_says_so(stocked, admin, cashier):
    shop.update_shop(stocked, admin, allow_negative_stock=True)
    sale(stocked, cashier, "neg", [("OIL1L", "7")])
    with stocked.transaction(readonly=True) as s:
        assert s.scalar(select(Product.stock_qty).where(Product.sku == "OIL1L")) == -2


def test_get_invoice_returns_what_checkout_returned(stocked, cashier):
    inv = sale(stocked, cashier, "g-1", [("RICE5", "1", "10%"), ("OIL1L", "1.5")], customer_phone="9876543210",
               customer_name="Ravi", bill_discount="20")
    assert sales.get_invoice(stocked, cashier, inv.number) == inv
    assert sales.get_invoice_by_sale_id(stocked, cashier, "g-1") == inv


def test_list_invoices_filters(stocked, cashier):
    a = sale(stocked, cashier, "l-1", [("SOAP", "1")], customer_phone="9876543210", customer_name="Ravi")
    b = sale(stocked, cashier, "l-2", [("SOAP", "1")])
    assert [i.number for i in sales.list_invoices(stocked, cashier)] == [b.number, a.number]
    assert [i.number for i in sales.list_invoices(stocked, cashier, customer_phone="9876543210")] == [a.number]
    assert [i.number for i in sales.list_invoices(stocked, cashier, search="ravi")] == [a.number]
    assert sales.list_invoices(stocked, cashier, date_from=clock.today(), date_to=clock.today(), limit=1)[0].number == b.number


def test_preview_matches_checkout(stocked, cashier):
    items = [("RICE5", "2", "5%"), ("SOAP", "3"), ("OIL1L", "1")]
    p = sales.preview(stocked, cashier, items, bill_discount="3%")
    before = snapshot(stocked)
    inv = sale(stocked, cashier, "p-1", items, bill_discount="3%")
    assert (p.grand_total, p.taxable_total, p.cgst, p.round_off) == (inv.grand_total, inv.taxable_total, inv.cgst,
                                                                     inv.round_off)
    assert [line.total for line in p.lines] == [line.total for line in inv.lines]
    assert before != snapshot(stocked)


def test_nobody_logged_in_cannot_sell(stocked):
    with pytest.raises(PermissionDenied):
        sale(stocked, None, "x", [("SOAP", "1")])


def test_customer_from_another_state_pays_igst(stocked, cashier):
    inv = sale(stocked, cashier, "igst", [("RICE5", "2")], customer_phone="9876543210", customer_name="Ravi",
               customer_state_code="29")
    # 700 × 5 % = 35.00 IGST, nothing split
    assert (inv.inter_state, inv.place_of_supply, inv.igst, inv.cgst, inv.grand_total) == (
        True, "29", Dec("35.00"), 0, Dec("735.00"))


def test_composition_shop_issues_bill_of_supply(stocked, admin, cashier):
    shop.update_shop(stocked, admin, gst_scheme="composition")
    inv = sale(stocked, cashier, "bos", [("RICE5", "2"), ("OIL1L", "1")])
    assert inv.doc_type == "bill_of_supply" and inv.tax_total == 0
    assert inv.grand_total == Dec("818.00")        # 700 + the printed 118, no GST on top


def test_credits_and_account_payments_update_the_customer(stocked, cashier):
    first = sale(stocked, cashier, "c-1", [("RICE5", "2")], customer_phone="9876543210", customer_name="Ravi")
    assert first.credits_earned == 7                    # 735 paid in cash: 7 whole credits
    second = sale(stocked, cashier, "c-2", [("SOAP", "1")],
                  [PaymentRequest("credits", "5"), PaymentRequest("account", None)], customer_phone="9876543210")
    assert second.credits_redeemed == 5 and second.due == second.grand_total - 5 and second.credits_earned == 0
    c = customers.get_customer(stocked, cashier, "9876543210")
    assert (c.credits, c.dues, c.visits) == (Dec(2), second.due, 2)
    with stocked.transaction(readonly=True) as s:
        assert [r.reason for r in s.scalars(select(LoyaltyEntry).order_by(LoyaltyEntry.id))] == ["earn", "redeem"]
        assert s.scalars(select(DuesEntry)).one().balance_after == second.due
