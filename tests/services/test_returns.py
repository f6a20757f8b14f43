"""Returns: credit notes, limits, tax reversal to the paisa, stock back, refund modes, permissions."""

from decimal import Decimal as Dec

import pytest
from sqlalchemy import func, select

from billbook.db.models import CreditNote, Product, StockMovement
from billbook.services.goods import catalog
from billbook.services.people import customers
from billbook.services.selling import dues
from billbook.services.selling import returns
from billbook.services.selling import checkout as sales
from billbook.services.people import shop
from billbook.errors import NotFound, PermissionDenied, ValidationError
from billbook.services.selling.checkout import SaleRequest
from tests.builders import snapshot

PHONE = "9876543210"


@pytest.fixture
def sold(db, admin, cashier):
    catalog.add_product(db, admin, sku="RICE5", name="Rice 5 kg", price="350", gst_rate="5", stock="10")
    catalog.add_product(db, admin, sku="SOAP", name="Soap 100 g", price="45", gst_rate="18", stock="10")
    inv = sales.checkout(db, cashier, SaleRequest("r-1", [("RICE5", "2"), ("SOAP", "3")], [("upi", None, None, "UTR9")],
                                                  customer_phone=PHONE, customer_name="Ravi"))
    return inv


def stock_of(db, sku):
    with db.transaction(readonly=True) as s:
        p = s.scalars(select(Product).where(Product.sku == sku)).one()
        ledger = s.scalar(select(func.sum(StockMovement.qty_delta)).where(StockMovement.product_id == p.id))
        assert p.stock_qty == ledger
        return p.stock_qty


def test_full_return_reverses_every_figure_exactly(db, admin, sold):
    cn = returns.create_return(db, admin, sold.number, [("RICE5", "2"), ("SOAP", "3")], refund_mode="cash")
    assert cn.number == f"CN/{sold.fy}/000001"
    assert (cn.taxable_total, cn.cgst, cn.sgst, cn.igst) == (sold.taxable_total, sold.cgst, sold.sgst, sold.igst)
    assert cn.total == sold.grand_total and cn.refunds[0].amount == sold.grand_total
    assert stock_of(db, "RICE5") == 10 and stock_of(db, "SOAP") == 10
    inv = sales.get_invoice(db, admin, sold.number)
    assert inv.status == "returned" and [ln.returned_qty for ln in inv.lines] == [2, 3]
    assert customers.get_customer(db, admin, PHONE).credits == 0   # loyalty earned on it is taken back


def test_partial_returns_never_exceed_sold_and_add_up(db, admin, sold):
    # SOAP line: 3 × 45 = 135 taxable, 12.15 CGST; one soap back is a third of each, to the paisa
    first = returns.create_return(db, admin, sold.number, [("SOAP", "1")])
    assert (first.lines[0].taxable, first.lines[0].cgst, first.lines[0].total) == (Dec("45.00"), Dec("4.05"),
                                                                                  Dec("53.10"))
    assert first.total == Dec("53.00") and first.round_off == Dec("-0.10")
    before = snapshot(db)
    with pytest.raises(ValidationError, match="only 2 can come back"):
        returns.create_return(db, admin, sold.number, [("SOAP", "3")])
    assert snapshot(db) == before
    second = returns.create_return(db, admin, sold.number, [("SOAP", "2"), ("RICE5", "2")])
    # the last units take exactly what is left, so the notes add up to the invoice
    assert first.cgst + second.cgst == sold.cgst and first.taxable_total + second.taxable_total == sold.taxable_total
    assert first.total + second.total == sold.grand_total
    with pytest.raises(ValidationError, match="only 0 can come back"):
        returns.create_return(db, admin, sold.number, [("RICE5", "1")])


def test_same_request_id_gives_one_credit_note(db, admin, sold):
    a = returns.create_return(db, admin, sold.number, [("SOAP", "1")], request_id="ret-1")
    before = snapshot(db)
    b = returns.create_return(db, admin, sold.number, [("SOAP", "1")], request_id="ret-1")
    assert b.number == a.number and b.replayed and snapshot(db) == before


def test_cashier_refused_unless_shop_allows(db, admin, cashier, sold):
    before = snapshot(db)
    with pytest.raises(PermissionDenied):
        returns.create_return(db, cashier, sold.number, [("SOAP", "1")])
    assert snapshot(db) == before
    shop.update_shop(db, admin, cashier_can_return=True)
    cn = returns.create_return(db, cashier, sold.number, [("SOAP", "1")])
    assert cn.user == "asha"


def test_refund_as_store_credits(db, admin, sold):
    before = customers.get_customer(db, admin, PHONE).credits
    cn = returns.create_return(db, admin, sold.number, [("SOAP", "1")], refund_mode="credits")
    after = customers.get_customer(db, admin, PHONE).credits
    assert cn.credits_given == cn.total and after == before + cn.total - cn.credits_reversed


def test_refund_original_goes_back_to_upi(db, admin, sold):
    cn = returns.create_return(db, admin, sold.number, [("RICE5", "1")], refund_mode="original")
    assert [(r.mode, r.amount) for r in cn.refunds] == [("upi", cn.total)]


def test_refund_as_dues_reduction_and_original_on_account(db, admin, cashier, sold):
    inv = sales.checkout(db, cashier, SaleRequest("r-acc", [("SOAP", "2")], [("cash", "50"), ("account", None)],
                                                  customer_phone=PHONE))
    assert inv.due == inv.grand_total - 50
    cn = returns.create_return(db, admin, inv.number, [("SOAP", "1")], refund_mode="original")
    # back the way it came: the account part first
    assert cn.refunds[0].mode == "account" and cn.refunds[0].amount == min(cn.total, inv.due)
    st = dues.dues_statement(db, admin, PHONE)
    assert st.balance == inv.due - cn.refunds[0].amount
    assert st.open_invoices[0].outstanding == st.balance


def test_dues_refund_beyond_dues_refused(db, admin, sold):
    before = snapshot(db)
    with pytest.raises(ValidationError, match="owes only"):
        returns.create_return(db, admin, sold.number, [("SOAP", "1")], refund_mode="dues")
    assert snapshot(db) == before


@pytest.mark.parametrize("items,mode,error", [
    ([("TEA", "1")], "cash", ValidationError),
    ([("SOAP", "0")], "cash", ValidationError),
    ([("SOAP", "-1")], "cash", ValidationError),
    ([], "cash", ValidationError),
    ([("SOAP", "1")], "cheque", ValidationError),
])
def test_bad_returns_change_nothing(db, admin, sold, items, mode, error):
    before = snapshot(db)
    with pytest.raises(error):
        returns.create_return(db, admin, sold.number, items, refund_mode=mode)
    assert snapshot(db) == before


def test_unknown_invoice(db, admin, sold):
    with pytest.raises(NotFound):
        returns.create_return(db, admin, "INV/26-27/999999", [("SOAP", "1")])


def test_walk_in_cannot_get_store_credits(db, admin, cashier, sold):
    inv = sales.checkout(db, cashier, SaleRequest("walk", [("SOAP", "1")], [("cash", None)]))
    with pytest.raises(ValidationError, match="walk-in"):
        returns.create_return(db, admin, inv.number, [("SOAP", "1")], refund_mode="credits")


def test_credit_notes_are_listed_and_readable(db, admin, sold):
    cn = returns.create_return(db, admin, sold.number, [("SOAP", "1")], reason="damaged")
    assert returns.get_credit_note(db, admin, cn.number) == cn
    assert [c.number for c in returns.credit_notes_for(db, admin, sold.number)] == [cn.number]
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(CreditNote)) == 1
