"""Renderers read back: every figure of the invoice is in the PDF, long invoices paginate, QR decodes.

These tests build documents by hand (no database) and read the PDF text with pypdf; the
expected figures come from the document model, formatted the way the invoice promises
(grouped Indian numbers, ₹ for totals), never copied from the output.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from billbook.documents.credit_note import render_credit_note
from billbook.documents.invoice_a4 import render_invoice_a4, upi_for
from billbook.documents.layout import wrap, width_of
from billbook.documents.model import TAX_INVOICE, tax_summary
from billbook.documents.purchase_order import render_purchase_order
from billbook.documents.qr import qr_matrix, upi_payload
from billbook.documents.receipt import PAPER_W, render_receipt
from billbook.documents.samples import sample_credit_note, sample_invoice, sample_purchase_order
from billbook.domain.gst import COMPOSITION_DECLARATION
from billbook.domain.money import amount_in_words, format_money, format_number
from tests.documents.pdfread import cells, decode_qr, page_texts, reader


def render(fn, doc) -> tuple[bytes, object]:
    buf = io.BytesIO()
    result = fn(doc, buf)
    return buf.getvalue(), result


def n(v: Decimal) -> str:
    return format_number(v)


def rupees(v: Decimal) -> str:
    return format_money(v)


def png_bytes(size=(600, 200), mode="RGB") -> bytes:
    img = Image.new(mode, size, (30, 90, 160) if mode == "RGB" else (30, 90, 160, 255))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def line_figures(doc, line) -> list[str]:
    figs = [n(line.unit_price), n(line.gross), n(line.total)]
    if line.discount:
        figs.append(n(line.discount))
    if not doc.is_bill_of_supply:
        figs.append(n(line.taxable))
        figs += [n(line.igst)] if doc.inter_state else [n(line.cgst), n(line.sgst)]
    return figs


def assert_invoice_complete(doc, text: str, *, compact: bool = False) -> None:
    """Every fact of ``doc`` is in ``text``; ``compact`` (receipt): figures may share a line."""
    found = cells(text)
    joined = "\n".join(found)
    flat = " ".join(joined.split())  # names and words may wrap inside their cell
    figures = set(found) | (set(re.findall(r"[\d,]+\.\d\d", flat)) if compact else set())
    # the number, the title, supplier and recipient
    assert doc.number in found
    assert doc.title in found
    assert doc.shop.name in found
    if doc.shop.gstin:
        assert f"GSTIN: {doc.shop.gstin}" in joined
    if doc.customer is not None:
        assert doc.customer.name in flat
        if doc.customer.gstin:
            assert f"GSTIN: {doc.customer.gstin}" in found
    # place of supply with the state's name
    assert doc.place_of_supply_label in found and "(" in doc.place_of_supply_label
    # every line: its name and each of its amounts
    for line in doc.lines:
        assert line.name in flat
        for fig in line_figures(doc, line):
            assert fig in figures, (line.no, fig)
        assert line.hsn in found or f"HSN {line.hsn}" in flat
    # tax by rate
    if not doc.is_bill_of_supply:
        for row in tax_summary(doc.lines):
            rate = f"{row.rate.normalize():f}%"
            assert rate in found
            assert n(row.taxable) in found
            if compact:
                assert n(row.igst) in found if doc.inter_state else (n(row.cgst) in found and n(row.sgst) in found)
            else:
                assert n(row.tax) in found
        assert "Reverse charge" in found and "No" in found
    # totals, round-off, grand total with ₹, amount in words
    assert rupees(doc.grand_total) in found
    assert rupees(doc.taxable_total) in found or doc.is_bill_of_supply
    assert "₹" in joined
    if doc.round_off:
        assert rupees(doc.round_off).lstrip("-") in joined
    assert amount_in_words(doc.grand_total) in flat
    for p in doc.payments:
        assert n(p.amount) in joined
    assert "Authorised Signatory" in found


@pytest.mark.parametrize("inter_state", [False, True], ids=["intra", "inter"])
def test_a4_tax_invoice_shows_every_figure(inter_state):
    doc = sample_invoice(9, inter_state=inter_state)
    pdf, result = render(render_invoice_a4, doc)
    assert result.pages == 1 and result.warnings == []
    texts = page_texts(pdf)
    assert len(texts) == 1
    assert_invoice_complete(doc, texts[0])
    found = cells(texts[0])
    assert ("IGST" in " ".join(found)) == inter_state
    assert any(c.startswith("CGST") for c in found) != inter_state
    assert rupees(doc.taxable_total) in found
    if inter_state:
        assert rupees(doc.igst) in found
    else:
        assert rupees(doc.cgst) in found and rupees(doc.sgst) in found
    assert "Page 1 of 1" in found and "DUPLICATE" not in found


def test_a4_page_is_a4_and_fonts_are_embedded_dejavu():
    pdf, _ = render(render_invoice_a4, sample_invoice(3))
    page = reader(pdf).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    fonts = {str(f["/BaseFont"]) for f in page["/Resources"]["/Font"].values()}
    assert any("DejaVuSans" in f for f in fonts)  # the font that has ₹


def test_reprint_is_marked_duplicate():
    pdf, _ = render(render_invoice_a4, sample_invoice(2, duplicate=True))
    found = cells(page_texts(pdf)[0])
    assert "DUPLICATE" in found and "ORIGINAL FOR RECIPIENT" not in found


def test_120_line_invoice_flows_over_pages_with_header_on_each():
    doc = sample_invoice(120)
    pdf, result = render(render_invoice_a4, doc)
    texts = page_texts(pdf)
    pages = len(texts)
    assert result.pages == pages and pages >= 3
    seen = []
    for i, text in enumerate(texts, start=1):
        found = cells(text)
        assert f"Page {i} of {pages}" in found
        # the document header on every page
        assert doc.shop.name in found and doc.number in found and "TAX INVOICE" in found
        rows = [c for c in found if re.fullmatch(r"\d+", c)]
        if i < pages or rows:
            # the table header repeated wherever lines continue
            assert "Item" in found and "Qty" in found and any(c.startswith("Taxable") for c in found)
        flat = " ".join(found)  # a long name may wrap onto two lines of its cell
        here = [ln for ln in doc.lines if f" {ln.name} " in f" {flat} "]
        seen += [ln.name for ln in sorted(here, key=lambda ln: flat.index(ln.name))]
    # every line printed exactly once, in order
    assert seen == [ln.name for ln in doc.lines]
    assert "continued on page 2" in cells(texts[0])
    last = "\n".join(cells(texts[-1]))
    assert rupees(doc.grand_total) in last and amount_in_words(doc.grand_total) in last


def test_a_single_huge_line_name_wraps_instead_of_overflowing():
    doc = sample_invoice(2)
    long = "Extra-long product description " * 12
    doc = replace(doc, lines=(replace(doc.lines[0], name=long.strip()),) + doc.lines[1:])
    pdf, result = render(render_invoice_a4, doc)
    text = " ".join(cells(page_texts(pdf)[0]))
    assert result.pages == 1 and text.count("Extra-long") == 12


def test_bill_of_supply_has_no_gst_and_the_composition_declaration():
    doc = sample_invoice(5, scheme="composition")
    pdf, _ = render(render_invoice_a4, doc)
    text = page_texts(pdf)[0]
    found = cells(text)
    assert "BILL OF SUPPLY" in found and "TAX INVOICE" not in found
    assert COMPOSITION_DECLARATION.lower() in " ".join(text.split()).lower()
    assert not any("CGST" in c or "SGST" in c or "IGST" in c for c in found)
    assert_invoice_complete(doc, text)


def test_unregistered_shop_prints_bill_of_supply_without_gstin():
    doc = sample_invoice(3, scheme="unregistered")
    pdf, _ = render(render_invoice_a4, doc)
    text = " ".join(page_texts(pdf)[0].split())
    assert "BILL OF SUPPLY" in text and "not eligible to collect tax on supplies" in text
    assert "Not registered under GST" in text and "GSTIN: 27" not in text.split("BILLED TO")[0]


def test_logo_of_any_size_is_drawn_and_scaled():
    for size in ((4000, 300), (50, 900)):
        doc = replace(sample_invoice(2), shop=replace(sample_invoice(2).shop, logo=png_bytes(size)))
        pdf, result = render(render_invoice_a4, doc)
        assert result.warnings == []
        xobjects = reader(pdf).pages[0]["/Resources"]["/XObject"]
        assert len(xobjects) == 1


def test_unreadable_logo_warns_and_the_invoice_still_prints(caplog):
    doc = sample_invoice(3, logo=b"\x89PNG this is not really an image")
    with caplog.at_level("WARNING"):
        pdf, result = render(render_invoice_a4, doc)
    assert len(result.warnings) == 1 and "logo" in result.warnings[0]
    assert any("logo" in r.message for r in caplog.records)
    assert_invoice_complete(doc, page_texts(pdf)[0])


def test_upi_qr_decodes_to_the_payment_link(tmp_path):
    doc = sample_invoice(4)
    expected = (f"upi://pay?pa={doc.shop.upi_vpa}&pn=Sharma%20General%20Stores&am={doc.due_amount}"
                f"&cu=INR&tn={doc.number}")
    assert upi_for(doc) == expected
    path = tmp_path / "inv.pdf"
    render_invoice_a4(doc, path)
    decoded = decode_qr(path, tmp_path)
    if decoded is None:  # no zbarimg here: the payload handed to the QR encoder is checked above
        from tests.conftest import IN_CI
        if IN_CI:
            pytest.fail("the QR check must decode in CI but zbarimg/pdftoppm is missing (.ci/run installs them)")
        pytest.skip("zbarimg/pdftoppm not installed; payload checked without decoding")
    assert decoded == [expected]


def test_no_qr_when_nothing_is_left_to_pay_or_no_upi_id():
    paid = sample_invoice(3, on_account=False)
    assert paid.due_amount == 0 and upi_for(paid) is None
    no_vpa = replace(sample_invoice(3), shop=replace(sample_invoice(3).shop, upi_vpa=""))
    assert upi_for(no_vpa) is None
    pdf, _ = render(render_invoice_a4, paid)
    assert "Scan to pay" not in page_texts(pdf)[0]


def test_upi_payload_encodes_spaces_and_keeps_exact_amount():
    link = upi_payload("shop@upi", "A & B Stores", Decimal("1234.5"), "INV/26-27/000001")
    assert link == "upi://pay?pa=shop@upi&pn=A%20%26%20B%20Stores&am=1234.50&cu=INR&tn=INV/26-27/000001"
    matrix = qr_matrix(link)
    assert len(matrix) == len(matrix[0]) >= 21


def test_receipt_is_80mm_wide_as_long_as_needed_and_complete(tmp_path):
    short, long_ = sample_invoice(3), sample_invoice(40)
    pdf_s, _ = render(render_receipt, short)
    pdf_l, _ = render(render_receipt, long_)
    box_s, box_l = reader(pdf_s).pages[0].mediabox, reader(pdf_l).pages[0].mediabox
    assert abs(float(box_s.width) - PAPER_W) < 0.01 and abs(float(box_l.width) - PAPER_W) < 0.01
    assert float(box_l.height) > float(box_s.height) + 37 * 25  # 37 more lines, each at least 25 pt
    text = page_texts(pdf_l)[0]
    assert_invoice_complete(long_, text, compact=True)
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf_s)
    decoded = decode_qr(path, tmp_path, dpi=300)
    if decoded is not None:
        assert decoded == [upi_for(short)]


def test_very_long_receipt_continues_on_more_pages_of_the_same_width():
    doc = sample_invoice(300)
    pdf, result = render(render_receipt, doc)
    pages = reader(pdf).pages
    assert result.pages == len(pages) > 1
    assert all(abs(float(p.mediabox.width) - PAPER_W) < 0.01 for p in pages)
    text = "\n".join(page_texts(pdf))
    assert all(ln.name in text for ln in doc.lines)


def test_credit_note_shows_every_figure():
    doc = sample_credit_note()
    pdf, result = render(render_credit_note, doc)
    found = cells(page_texts(pdf)[0])
    joined = "\n".join(found)
    assert "CREDIT NOTE" in found and doc.number in found and doc.invoice_number in found
    for ln in doc.lines:
        assert ln.name in joined
        for fig in (ln.taxable, ln.cgst, ln.sgst, ln.total):
            assert n(fig) in found
    assert rupees(doc.total) in found and amount_in_words(doc.total) in joined
    assert doc.place_of_supply_label in found and doc.reason in found and "Authorised Signatory" in found


def test_purchase_order_shows_every_line_and_the_total():
    doc = sample_purchase_order(12)
    pdf, result = render(render_purchase_order, doc)
    found = cells(page_texts(pdf)[0])
    joined = "\n".join(found)
    assert "PURCHASE ORDER" in found and doc.number in found and doc.supplier.name in found
    for ln in doc.lines:
        assert ln.name in joined and ln.sku in found
        assert n(ln.unit_cost) in found and n(ln.amount) in found
    assert rupees(doc.total) in found and amount_in_words(doc.total) in joined


# ---------------------------------------------------------------- properties

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prices=st.lists(amounts, min_size=1, max_size=12),
       rates=st.lists(st.sampled_from(["0", "0.25", "3", "5", "12", "18", "28"]), min_size=12, max_size=12),
       inter=st.booleans())
def test_any_invoice_prints_all_its_figures(prices, rates, inter):
    base = sample_invoice(len(prices), inter_state=inter)
    lines = []
    for i, (ln, price) in enumerate(zip(base.lines, prices)):
        rate = Decimal(rates[i])
        taxable = price
        tax = (taxable * rate / 100).quantize(Decimal("0.01"))
        half = (taxable * rate / 200).quantize(Decimal("0.01"))
        cgst, sgst, igst = (Decimal("0.00"), Decimal("0.00"), tax) if inter else (half, half, Decimal("0.00"))
        lines.append(replace(ln, qty=Decimal(1), unit_price=price, gross=price, discount=Decimal("0.00"),
                             taxable=taxable, gst_rate=rate, cgst=cgst, sgst=sgst, igst=igst,
                             total=taxable + cgst + sgst + igst))
    total = sum((ln.total for ln in lines), Decimal("0.00"))
    doc = replace(base, lines=tuple(lines), doc_type=TAX_INVOICE, gross_total=sum(prices, Decimal("0.00")),
                  discount_total=Decimal("0.00"), taxable_total=sum(prices, Decimal("0.00")),
                  cgst=sum((ln.cgst for ln in lines), Decimal("0.00")),
                  sgst=sum((ln.sgst for ln in lines), Decimal("0.00")),
                  igst=sum((ln.igst for ln in lines), Decimal("0.00")), round_off=Decimal("0.00"),
                  grand_total=total, payments=(), due_amount=Decimal("0.00"), change=Decimal("0.00"))
    pdf, _ = render(render_invoice_a4, doc)
    assert_invoice_complete(doc, "\n".join(page_texts(pdf)))


@given(st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), max_size=200),
       st.floats(min_value=20, max_value=300))
@settings(max_examples=60, deadline=None)
def test_wrap_never_exceeds_the_width_and_keeps_every_character(text, width):
    lines = wrap(text, "DejaVuSans", 8, width)
    for ln in lines:
        assert width_of(ln, "DejaVuSans", 8) <= width or len(ln) == 1
    assert "".join("".join(lines).split()) == "".join(text.split())


@given(st.text(min_size=1, max_size=120))
@settings(max_examples=25, deadline=None)
def test_qr_rectangles_cover_exactly_the_dark_modules(payload):
    from billbook.documents.qr import qr_rects
    matrix = qr_matrix(payload)
    n = len(matrix)
    grid = [[False] * n for _ in range(n)]
    for col, row, w, h in qr_rects(matrix):
        for r in range(row, row + h):
            for c in range(col, col + w):
                assert not grid[r][c]
                grid[r][c] = True
    assert grid == [[bool(v) for v in row] for row in matrix]


def test_big_bill_to_an_unregistered_customer_without_address_warns_rule_46():
    doc = sample_invoice(12, big=True)
    assert doc.taxable_total >= 50000
    walk_in = replace(doc.customer, gstin="", address="")
    _, result = render(render_invoice_a4, replace(doc, customer=walk_in))
    assert any("Rule 46" in w for w in result.warnings)
    _, ok = render(render_invoice_a4, doc)  # registered (GSTIN) recipient: nothing to warn about
    assert ok.warnings == []
