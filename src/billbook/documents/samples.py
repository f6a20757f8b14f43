"""Hand-built example documents (no database): the benchmark, tests and docs/ images use them.

Figures are computed here the way checkout computes them (per line, half-up to the paisa),
so the examples are internally consistent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from billbook.documents.model import (
    BILL_OF_SUPPLY, TAX_INVOICE, CreditNoteDoc, CreditNoteLineDoc, InvoiceDoc, Party,
    PaymentDoc, PurchaseLineDoc, PurchaseOrderDoc, ShopHeader,
)
from billbook.domain.lines import BillLine
from billbook.domain.money import ZERO, round_money, round_rupee


PRODUCTS = [
    ("Basmati Rice 5 kg", "1006", "pcs", "350.00", "5"),
    ("Toor Dal 1 kg", "0713", "kg", "142.50", "0"),
    ("Sunflower Oil 1 L", "1512", "l", "165.00", "5"),
    ("Bath Soap 100 g (pack of 4)", "3401", "pack", "180.00", "18"),
    ("Toothpaste 150 g", "3306", "pcs", "98.00", "18"),
    ("Tea Leaves Premium 500 g", "0902", "pcs", "265.00", "5"),
    ("LED Bulb 9 W cool daylight", "8539", "pcs", "120.00", "12"),
    ("Detergent Powder 2 kg", "3402", "pcs", "230.00", "18"),
    ("Biscuits Assorted Family Pack", "1905", "pcs", "60.00", "18"),
    ("Instant Coffee Jar 100 g", "2101", "pcs", "345.00", "18"),
    ("Sugar 1 kg", "1701", "kg", "44.00", "5"),
    ("Air Conditioner 1.5 Ton Inverter", "8415", "pcs", "38500.00", "28"),
]


def sample_shop(scheme: str = "regular", *, logo: bytes | None = None, upi: str = "sharmastores@okbank") -> ShopHeader:
    return ShopHeader(
        name="Sharma General Stores",
        address="Shop 4, Laxmi Market, M.G. Road\nPune 411001",
        phone="020 2555 0101", email="billing@sharmastores.in",
        gstin="27AAPFU0939F1ZV" if scheme == "regular" else ("27AAPFU0939F1ZV" if scheme == "composition" else ""),
        state_code="27", gst_scheme=scheme, upi_vpa=upi,
        footer_text="Thank you for shopping with us! Goods once sold are exchanged within 7 days with the bill.",
        logo=logo,
    )


def _line(no: int, name: str, hsn: str, unit: str, price: str, gst: str, qty: Decimal, disc: Decimal,
          inter: bool, bos: bool) -> BillLine:
    price_d, rate_d = Decimal(price), Decimal(gst)
    gross = round_money(qty * price_d)
    taxable = gross - disc
    if bos:
        rate_d = Decimal("0")
    tax = round_money(taxable * rate_d / 100)
    half = round_money(taxable * rate_d / 200)
    cgst = sgst = igst = ZERO
    if inter:
        igst = tax
    else:
        cgst = sgst = half
    return BillLine(line_no=no, name=name, hsn=hsn, qty=qty, unit=unit, unit_price=price_d, gross=gross,
                    discount=disc, taxable=taxable, gst_rate=rate_d, cgst=cgst, sgst=sgst, igst=igst,
                    total=taxable + cgst + sgst + igst, sku=f"SKU{no:03d}")


def sample_invoice(n_lines: int = 6, *, inter_state: bool = False, scheme: str = "regular",
                   customer: bool = True, duplicate: bool = False, logo: bytes | None = None,
                   on_account: bool = True, number: str = "INV/26-27/000123",
                   big: bool = False) -> InvoiceDoc:
    """A consistent invoice with ``n_lines`` lines (products cycle; some discounted, some kg)."""
    bos = scheme != "regular"
    lines = []
    for i in range(n_lines):
        name, hsn, unit, price, gst = PRODUCTS[i % (len(PRODUCTS) if big else len(PRODUCTS) - 1)]
        if n_lines > len(PRODUCTS):
            name = f"{name} #{i + 1}"
        qty = Decimal("1.250") if unit == "kg" else Decimal(1 + i % 3)
        disc = Decimal("10.00") if i % 4 == 1 else ZERO
        lines.append(_line(i + 1, name, hsn, unit, price, gst, qty, disc, inter_state, bos))
    gross = sum((ln.gross for ln in lines), ZERO)
    disc = sum((ln.discount for ln in lines), ZERO)
    taxable = sum((ln.taxable for ln in lines), ZERO)
    cgst = sum((ln.cgst for ln in lines), ZERO)
    sgst = sum((ln.sgst for ln in lines), ZERO)
    igst = sum((ln.igst for ln in lines), ZERO)
    exact = taxable + cgst + sgst + igst
    grand = round_rupee(exact)
    due = round_money(grand * Decimal("0.3")) if on_account and customer else ZERO
    cash = grand - due
    payments = [PaymentDoc("cash", cash - Decimal("200.00"), round_rupee(cash - Decimal("200.00") + 50)),
                PaymentDoc("upi", Decimal("200.00"), None, "UTR 412345678901")] if cash > 300 else [PaymentDoc("cash", cash)]
    if due:
        payments.append(PaymentDoc("account", due))
    change = ZERO
    if payments[0].tendered is not None:
        change = payments[0].tendered - payments[0].amount
    cust = Party("Ravi Kulkarni", "9876543210", "Flat 12, Shanti Apartments, Kothrud\nPune 411038",
                 "27AABCK1234L1Z5" if not inter_state else "29AABCK1234L1Z1",
                 "27" if not inter_state else "29") if customer else None
    return InvoiceDoc(
        shop=sample_shop(scheme, logo=logo), number=number,
        issued_at=dt.datetime(2026, 11, 24, 10, 15), cashier="asha", lines=tuple(lines),
        gross_total=gross, discount_total=disc, taxable_total=taxable, cgst=cgst, sgst=sgst, igst=igst,
        round_off=grand - exact, grand_total=grand, place_of_supply="29" if inter_state else "27",
        inter_state=inter_state, doc_type=BILL_OF_SUPPLY if bos else TAX_INVOICE, customer=cust,
        payments=tuple(payments), paid_total=grand - due, change=change, due_amount=due,
        dues_after=(due + Decimal("450.00")) if customer else None,
        credits_earned=Decimal("7.00") if customer else ZERO, credits_redeemed=ZERO,
        credits_balance=Decimal("57.00") if customer else None, terminal="counter-1", duplicate=duplicate,
    )


def sample_credit_note(inter_state: bool = False, scheme: str = "regular") -> CreditNoteDoc:
    inv = sample_invoice(4, inter_state=inter_state, scheme=scheme)
    lines = []
    for i, ln in enumerate(inv.lines[:2], start=1):
        lines.append(CreditNoteLineDoc(i, ln.name, ln.hsn, ln.qty, ln.unit, ln.taxable, ln.gst_rate, ln.cgst,
                                       ln.sgst, ln.igst, ln.total, ln.sku))
    taxable = sum((ln.taxable for ln in lines), ZERO)
    cgst = sum((ln.cgst for ln in lines), ZERO)
    sgst = sum((ln.sgst for ln in lines), ZERO)
    igst = sum((ln.igst for ln in lines), ZERO)
    exact = taxable + cgst + sgst + igst
    total = round_rupee(exact)
    return CreditNoteDoc(
        shop=inv.shop, number="CN/26-27/000007", issued_at=dt.datetime(2026, 11, 26, 17, 40), user="owner",
        invoice_number=inv.number, invoice_date=inv.issued_at, lines=tuple(lines), taxable_total=taxable,
        cgst=cgst, sgst=sgst, igst=igst, round_off=total - exact, total=total,
        place_of_supply=inv.place_of_supply, inter_state=inter_state, doc_type=inv.doc_type,
        customer=inv.customer, reason="Damaged packaging", refund_mode="cash",
        refunds=(PaymentDoc("cash", total),),
    )


def sample_purchase_order(n_lines: int = 8) -> PurchaseOrderDoc:
    lines = []
    for i in range(n_lines):
        name, hsn, unit, price, _ = PRODUCTS[i % (len(PRODUCTS) - 1)]
        qty = Decimal(10 * (1 + i % 4))
        cost = round_money(Decimal(price) * Decimal("0.78"))
        lines.append(PurchaseLineDoc(i + 1, name, f"SKU{i + 1:03d}", hsn, unit, qty, cost, round_money(qty * cost),
                                     Decimal(5) if i == 0 else ZERO))
    return PurchaseOrderDoc(
        shop=sample_shop(), number="PO/26-27/000042", created_at=dt.datetime(2026, 11, 20, 9, 30),
        supplier=Party("Deccan Wholesale Traders", "020 2444 1234", "Gala 17, Market Yard\nPune 411037",
                       "27AAACD5555K1Z3", "27", "orders@deccanwholesale.in"),
        lines=tuple(lines), total=sum((ln.amount for ln in lines), ZERO), status="ordered",
        ordered_at=dt.datetime(2026, 11, 20, 9, 45), created_by="owner",
        notes="Deliver before 30-11-2026. Payment 30 days from delivery.",
    )


def sample_logo() -> bytes:
    """A small made-up shop logo (PNG with transparency)."""
    import io

    from PIL import Image, ImageDraw
    img = Image.new("RGBA", (480, 240), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    d.ellipse((10, 10, 230, 230), fill=(196, 64, 40, 255))
    d.ellipse((60, 60, 180, 180), fill=(255, 255, 255, 255))
    d.rectangle((250, 70, 470, 110), fill=(34, 69, 128, 255))
    d.rectangle((250, 130, 420, 170), fill=(34, 69, 128, 180))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def write_examples(directory) -> list:
    """Render one of each document into ``directory``; returns the PDF paths.

    ``python -m billbook.documents.samples DIR`` — used for the images in docs/documents.
    """
    from pathlib import Path

    from billbook.documents.credit_note import render_credit_note
    from billbook.documents.invoice_a4 import render_invoice_a4
    from billbook.documents.purchase_order import render_purchase_order
    from billbook.documents.receipt import render_receipt

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    logo = sample_logo()
    jobs = [
        ("invoice-a4.pdf", render_invoice_a4, sample_invoice(12, logo=logo, big=True)),
        ("receipt-80mm.pdf", render_receipt, sample_invoice(5, logo=logo)),
        ("credit-note.pdf", render_credit_note, sample_credit_note()),
        ("purchase-order.pdf", render_purchase_order, sample_purchase_order(10)),
        ("bill-of-supply.pdf", render_invoice_a4, sample_invoice(6, scheme="composition", on_account=False,
                                                                 number="INV/26-27/000124")),
        ("invoice-120-lines.pdf", render_invoice_a4, sample_invoice(120, inter_state=True, duplicate=True)),
    ]
    paths = []
    for name, fn, doc in jobs:
        fn(doc, out / name)
        paths.append(out / name)
    return paths


if __name__ == "__main__":
    import sys
    for p in write_examples(sys.argv[1] if len(sys.argv) > 1 else "."):
        print(p)
