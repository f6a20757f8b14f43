"""Document services on a real database (SQLite and MariaDB): real sales rung up, PDFs read back."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import select

from billbook import clock
from billbook.config import data_dir
from billbook.db.models import (
    AuditEntry, CreditNote, CreditNoteLine, Invoice, PurchaseOrder, PurchaseOrderLine, Supplier,
)
from billbook.domain.gst import COMPOSITION_DECLARATION
from billbook.domain.money import amount_in_words, format_money, format_number
from billbook.services.goods import catalog
from billbook.services.selling import documents
from billbook.services.selling import checkout as sales
from billbook.services.people import shop
from billbook.errors import NotFound, ValidationError
from billbook.services.selling.checkout import PaymentRequest, SaleRequest
from tests.builders import snapshot
from tests.documents.pdfread import cells, decode_qr, page_texts


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (300, 120), (200, 40, 40)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def store(db, admin):
    shop.update_shop(db, admin, name="Sharma Stores", address="MG Road, Pune", gstin="27AAPFU0939F1ZV",
                     state_code="27", upi_vpa="sharma@okbank", phone="020 2555 0101")
    catalog.add_product(db, admin, sku="RICE5", name="Rice 5 kg", price="350", gst_rate="5", stock="500",
                        hsn="1006")
    catalog.add_product(db, admin, sku="SOAP", name="Soap 100 g", price="45", gst_rate="18", stock="500",
                        hsn="3401")
    catalog.add_product(db, admin, sku="OIL1L", name="Oil 1 l", price="118", gst_rate="18", stock="500",
                        tax_inclusive=True, unit="l", hsn="1512")
    return db


def ring(db, actor, sale_id, items, payments=(("cash", None),), **kw):
    pays = [PaymentRequest(*p) if isinstance(p, tuple) else p for p in payments]
    return sales.checkout(db, actor, SaleRequest(sale_id, items, pays, **kw))


def text_of(path) -> str:
    return "\n".join(page_texts(path))


def test_invoice_pdf_of_a_real_sale_has_every_stored_figure(store, cashier, tmp_path):
    inv = ring(store, cashier, "s-1", [("RICE5", "2"), ("SOAP", "1"), ("OIL1L", "1.5")],
               [PaymentRequest("cash", "500", "500"), PaymentRequest("account")],
               customer_phone="9876543210", customer_name="Ravi")
    path = documents.invoice_pdf(store, cashier, inv.number)
    assert path == data_dir() / "invoices" / f"{inv.issued_at:%Y}" / f"{inv.issued_at:%m}" / \
        (inv.number.replace("/", "_") + ".pdf")
    found = cells(text_of(path))
    flat = " ".join(found)
    assert inv.number in found and "TAX INVOICE" in found and "Sharma Stores" in found
    for line in inv.lines:
        assert line.name in flat
        # a tax-inclusive rate is starred ("* rate includes GST")
        assert format_number(line.unit_price) + ("*" if line.tax_inclusive else "") in found
        for fig in (line.gross, line.taxable, line.cgst, line.sgst, line.total):
            assert format_number(fig) in found, (line.sku, fig)
    assert "* rate includes GST" in found
    for fig in (inv.taxable_total, inv.cgst, inv.sgst, inv.grand_total):
        assert format_money(fig) in found
    assert amount_in_words(inv.grand_total) in flat
    assert "Maharashtra (27)" in found and "Ravi" in found
    assert format_money(inv.due) in found  # put on account
    # the QR asks for what is still to be paid on this invoice
    decoded = decode_qr(path, tmp_path)
    if decoded is not None:
        assert decoded == [f"upi://pay?pa=sharma@okbank&pn=Sharma%20Stores&am={inv.due}&cu=INR&tn={inv.number}"]


def test_reprint_is_duplicate_and_every_print_is_counted_and_audited(store, cashier):
    inv = ring(store, cashier, "s-2", [("SOAP", "2")])
    first = documents.invoice_pdf_result(store, cashier, inv.number)
    second = documents.invoice_pdf_result(store, cashier, inv.number, receipt=True)
    assert not first.duplicate and second.duplicate
    assert "DUPLICATE" not in cells(text_of(first.path))
    assert "DUPLICATE" in cells(text_of(second.path))
    assert second.path.name.endswith("-receipt.pdf")
    with store.transaction(readonly=True) as s:
        assert s.scalar(select(Invoice.print_count).where(Invoice.number == inv.number)) == 2
        prints = s.scalars(select(AuditEntry).where(AuditEntry.action == "invoice.print")).all()
        assert len(prints) == 2 and all(a.username == "asha" for a in prints)


def test_preview_without_counting_changes_nothing(store, cashier, tmp_path):
    inv = ring(store, cashier, "s-3", [("SOAP", "1")])
    before = snapshot(store)
    result = documents.invoice_pdf_result(store, cashier, inv.number, out=tmp_path / "p.pdf", count_print=False)
    assert result.path == tmp_path / "p.pdf" and result.path.exists() and not result.duplicate
    assert snapshot(store) == before


def test_issued_invoice_prints_from_its_snapshot_not_todays_data(store, admin, cashier):
    inv = ring(store, cashier, "s-4", [("RICE5", "1")])
    shop.update_shop(store, admin, name="Renamed Mart", address="Elsewhere", logo=png())
    catalog.update_product(store, admin, "RICE5", price="999", name="Rice renamed")
    found = cells(text_of(documents.invoice_pdf(store, cashier, inv.number)))
    assert "Sharma Stores" in found and "Renamed Mart" not in found
    assert "Rice 5 kg" in found and "Rice renamed" not in found
    assert format_number(Decimal("350")) in found and format_number(Decimal("999")) not in found


def test_unreadable_logo_warns_and_the_invoice_still_prints(store, admin, cashier):
    inv = ring(store, cashier, "s-5", [("SOAP", "1")])
    with store.transaction() as s:  # a logo that got damaged after it was checked
        from billbook.db.models import Shop
        s.get(Shop, 1).logo = b"\x89PNG\r\n\x1a\n broken"
        s.commit()
    result = documents.invoice_pdf_result(store, cashier, inv.number)
    assert result.warnings and "logo" in result.warnings[0]
    assert inv.number in cells(text_of(result.path))


def test_unknown_invoice_is_refused_and_nothing_changes(store, cashier):
    before = snapshot(store)
    with pytest.raises(NotFound):
        documents.invoice_pdf(store, cashier, "INV/26-27/999999")
    with pytest.raises(ValidationError):
        documents.invoice_pdf(store, cashier, "  ")
    assert snapshot(store) == before
    assert not (data_dir() / "invoices").exists()


def test_composition_shop_prints_a_bill_of_supply(store, admin, cashier):
    shop.update_shop(store, admin, gst_scheme="composition")
    inv = ring(store, cashier, "s-6", [("RICE5", "1"), ("SOAP", "2")])
    text = text_of(documents.invoice_pdf(store, cashier, inv.number))
    assert "BILL OF SUPPLY" in text and "TAX INVOICE" not in text
    assert COMPOSITION_DECLARATION.lower() in " ".join(text.split()).lower()
    assert "CGST" not in text and format_money(inv.grand_total) in text


def test_export_writes_each_invoice_of_the_range_with_progress(store, admin, cashier, tmp_path):
    first = ring(store, cashier, "e-1", [("SOAP", "1")])
    clock.advance(dt.timedelta(days=1))
    second = ring(store, cashier, "e-2", [("RICE5", "1")])
    third = ring(store, cashier, "e-3", [("SOAP", "3")])
    clock.advance(dt.timedelta(days=1))
    ring(store, cashier, "e-4", [("SOAP", "1")])
    documents.invoice_pdf(store, cashier, third.number)  # printed once already
    calls = []
    day2 = second.business_date
    result = documents.export_invoices(store, admin, day2, day2.isoformat(), tmp_path / "out",
                                       lambda done, total: calls.append((done, total)))
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(n.replace("/", "_") + ".pdf" for n in (second.number, third.number))
    assert result.count == 2 and calls[0] == (0, 2) and calls[-1] == (2, 2)
    assert first.number not in text_of(result.files[0])
    dup = {p.name: "DUPLICATE" in cells(text_of(p)) for p in result.files}
    assert dup == {second.number.replace("/", "_") + ".pdf": False, third.number.replace("/", "_") + ".pdf": True}
    with store.transaction(readonly=True) as s:  # exporting is not printing
        assert s.scalar(select(Invoice.print_count).where(Invoice.number == second.number)) == 0


def test_export_refuses_a_backwards_range_and_changes_nothing(store, admin, tmp_path):
    before = snapshot(store)
    with pytest.raises(ValidationError) as err:
        documents.export_invoices(store, admin, "2026-11-30", "2026-11-01", tmp_path / "x")
    assert err.value.field == "from"
    with pytest.raises(ValidationError):
        documents.export_invoices(store, admin, "30/11/2026", "2026-12-01", tmp_path / "x")
    assert snapshot(store) == before and not (tmp_path / "x").exists()


def _credit_note_for(db, inv, actor):
    """A credit note row for the first line of ``inv`` (written directly, as the returns service would)."""
    with db.transaction() as s:
        row = s.scalars(select(Invoice).where(Invoice.number == inv.number)).one()
        line = row.lines[0]
        now = clock.now()
        cn = CreditNote(number="CN/26-27/000001", fy=row.fy, seq=1, request_id="r-1", invoice_id=row.id,
                        place_of_supply=row.place_of_supply, issued_at=now, business_date=now.date(),
                        user_id=actor.user_id, user_name=actor.username,
                        reason="Damaged pack", refund_mode="cash", taxable_total=line.taxable, cgst=line.cgst,
                        sgst=line.sgst, igst=line.igst, round_off=Decimal("0.00"), total=line.total)
        s.add(cn)
        s.flush()
        s.add(CreditNoteLine(credit_note_id=cn.id, invoice_line_id=line.id, product_id=line.product_id, sku=line.sku,
                             name=line.name, qty=line.qty, taxable=line.taxable, gst_rate=line.gst_rate,
                             cgst=line.cgst, sgst=line.sgst, igst=line.igst, total=line.total))
        s.commit()
        return line.taxable, line.cgst, line.total


def test_credit_note_pdf_shows_its_stored_figures(store, admin, cashier):
    inv = ring(store, cashier, "c-1", [("RICE5", "2"), ("SOAP", "1")], customer_phone="9876543210",
               customer_name="Ravi")
    taxable, cgst, total = _credit_note_for(store, inv, admin)
    path = documents.credit_note_pdf(store, cashier, "cn/26-27/000001")
    assert path.parent.parent.parent.name == "credit_notes"
    found = cells(text_of(path))
    assert "CREDIT NOTE" in found and "CN/26-27/000001" in found and inv.number in found
    assert format_number(taxable) in found and format_number(cgst) in found and format_money(total) in found
    assert "Rice 5 kg" in found and "Soap 100 g" not in found and "Damaged pack" in found
    assert "1006" in found  # HSN from the invoice line it reverses


def test_purchase_order_pdf(store, admin, tmp_path):
    with store.transaction() as s:
        sup = Supplier(name="Deccan Wholesale", phone="020 2444 1234", address="Market Yard, Pune",
                       gstin="27AAACD5555K1Z3", state_code="27")
        s.add(sup)
        s.flush()
        from billbook.db.models import Product
        ids = dict(s.execute(select(Product.sku, Product.id)).all())
        po = PurchaseOrder(number="PO/26-27/000001", supplier_id=sup.id, status="ordered", created_at=clock.now(),
                           created_by=admin.user_id, total=Decimal("3575.00"), notes="Deliver by Friday")
        s.add(po)
        s.flush()
        s.add_all([PurchaseOrderLine(po_id=po.id, product_id=ids["RICE5"], qty=Decimal("10"),
                                     unit_cost=Decimal("300.00")),
                   PurchaseOrderLine(po_id=po.id, product_id=ids["SOAP"], qty=Decimal("25"),
                                     unit_cost=Decimal("23.00"))])
        s.commit()
    path = documents.purchase_order_pdf(store, admin, "PO/26-27/000001", out=tmp_path / "po.pdf")
    found = cells(text_of(path))
    assert "PURCHASE ORDER" in found and "Deccan Wholesale" in found and "Deliver by Friday" in found
    for fig in ("300.00", "3,000.00", "23.00", "575.00"):
        assert fig in found
    assert format_money(Decimal("3575")) in found
    with pytest.raises(NotFound):
        documents.purchase_order_pdf(store, admin, "PO/26-27/000404")


def test_credit_note_from_a_real_return_shows_its_figures(store, admin, cashier):
    from billbook.services.selling import returns
    inv = ring(store, cashier, "rr-1", [("RICE5", "3"), ("SOAP", "2")], customer_phone="9876543210",
               customer_name="Ravi")
    cn = returns.create_return(store, admin, inv.number, [("RICE5", "1")], refund_mode="cash",
                               reason="Torn bag")
    found = cells(text_of(documents.credit_note_pdf(store, admin, cn.number)))
    assert "CREDIT NOTE" in found and cn.number in found and inv.number in found and "Torn bag" in found
    assert format_number(cn.taxable_total) in found and format_number(cn.cgst) in found
    assert format_money(cn.total) in found
    assert amount_in_words(cn.total) in " ".join(found)
    assert "Rice 5 kg" in found and "Soap 100 g" not in found


def test_purchase_order_from_the_purchasing_service(store, admin, tmp_path):
    from billbook.services.goods import purchasing
    from billbook.services.goods import suppliers
    suppliers.add_supplier(store, admin, "Deccan Traders", phone="02024441234", state_code="27")
    po = purchasing.create_po(store, admin, "Deccan Traders", [("RICE5", "10", "300"), ("SOAP", "24", "23.50")],
                              notes="Call before delivery", order=True)
    purchasing.receive_po(store, admin, po.number, [("RICE5", "4")])
    found = cells(text_of(documents.purchase_order_pdf(store, admin, po.number)))
    assert "PURCHASE ORDER" in found and po.number in found and "Deccan Traders" in found
    for fig in ("300.00", "3,000.00", "23.50", "564.00"):
        assert fig in found
    assert format_money(Decimal("3564")) in found and "Received" in found and "4 pcs" in found
