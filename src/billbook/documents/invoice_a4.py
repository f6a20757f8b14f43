"""The A4 tax invoice (or bill of supply), with everything Rule 46 of the CGST Rules asks.

Supplier name, address, GSTIN and state; number and date; recipient name, address, GSTIN
and state; per line HSN, description, quantity with unit, value, discount, taxable value,
rate and CGST/SGST or IGST; place of supply with the state's name; reverse charge "No";
a tax summary by rate; totals with round-off, the total in words; payments; a signature
line for the authorised signatory. Composition and unregistered shops print a "Bill of
Supply" without GST columns, with their declaration.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from billbook.documents.common import (
    RULE46_UNREGISTERED_LIMIT, caption, date_text, declaration, kv_left, m, mode_label, party_block,
    shop_lines, signed, time_text,
)
from billbook.documents.fonts import BOLD, REGULAR
from billbook.documents.layout import (
    GREY, Boxed, Column, Columns, DocHeader, KeyValues, Line, LineTable, MiniTable, PageSpec,
    QrBlock, Signature, Spacer, Stack, TextBlock, load_logo, num, qty, rate, render_pages,
)
from billbook.documents.model import InvoiceDoc, RenderResult
from billbook.documents.qr import upi_payload
from billbook.domain.money import PAISA, amount_in_words

DASH = "–"


def invoice_badge(doc: InvoiceDoc) -> str:
    parts = []
    if doc.duplicate:
        parts.append("DUPLICATE")
    if doc.status not in ("issued", ""):
        parts.append(doc.status.upper())
    return " · ".join(parts)


def upi_for(doc: InvoiceDoc) -> str | None:
    """The UPI payload when the shop has a UPI id and something is still to be paid."""
    if doc.shop.upi_vpa and doc.amount_to_pay > 0:
        return upi_payload(doc.shop.upi_vpa, doc.shop.name, doc.amount_to_pay, doc.number, doc.shop.currency)
    return None


def unit_price_text(value, locale: str = "en_IN") -> str:
    """A unit price as printed: two decimals, or three when it has a third (₹41.255 a kg)."""
    if value == value.quantize(PAISA):
        return num(value, locale)
    whole = num(value.quantize(PAISA, ROUND_DOWN), locale).partition(".")[0]
    return f"{whole}.{format(value.quantize(Decimal('0.001')), 'f').rpartition('.')[2]}"


def line_table(doc: InvoiceDoc) -> LineTable:
    loc = doc.shop.locale
    n = lambda v: num(v, loc)  # noqa: E731
    d = lambda v: n(v) if v else DASH  # noqa: E731
    bos = doc.is_bill_of_supply
    cols = [Column("#", "C"), Column("Item", "L", flex=True), Column("HSN/\nSAC", "C"),
            Column("Qty", "R"), Column("Rate\n₹", "R"), Column("Value\n₹", "R"), Column("Disc.\n₹", "R")]
    if not bos:
        cols += [Column("Taxable\nvalue ₹", "R"), Column("GST\n%", "R")]
        cols += [Column("IGST\n₹", "R")] if doc.inter_state else [Column("CGST\n₹", "R"), Column("SGST\n₹", "R")]
    cols.append(Column("Amount\n₹", "R"))
    rows = []
    for ln in doc.lines:
        row = [str(ln.no), ln.name, ln.hsn or DASH, qty(ln.qty, ln.unit),
               unit_price_text(ln.unit_price, loc) + ("*" if ln.tax_inclusive and not bos else ""), n(ln.gross),
               d(ln.discount)]
        if not bos:
            row += [n(ln.taxable), rate(ln.gst_rate)]
            row += [n(ln.igst)] if doc.inter_state else [n(ln.cgst), n(ln.sgst)]
        row.append(n(ln.total))
        rows.append(row)
    total = ["", "Total", "", "", "", n(doc.gross_total), d(doc.discount_total)]
    if not bos:
        total += [n(doc.taxable_total), ""]
        total += [n(doc.igst)] if doc.inter_state else [n(doc.cgst), n(doc.sgst)]
    total.append(n(sum((ln.total for ln in doc.lines), doc.gross_total * 0)))
    rows.append(total)
    return LineTable(cols, rows, bold_rows={len(rows) - 1})


def tax_table(doc: InvoiceDoc) -> MiniTable:
    loc = doc.shop.locale
    rows_in = doc.tax_rows
    if doc.inter_state:
        header = ["GST rate", "Taxable value", "IGST", "Total tax"]
        rows = [[rate(r.rate), num(r.taxable, loc), num(r.igst, loc), num(r.tax, loc)] for r in rows_in]
        rows.append(["Total", num(doc.taxable_total, loc), num(doc.igst, loc), num(doc.igst, loc)])
        widths, aligns = [0.2, 0.3, 0.25, 0.25], "LRRR"
    else:
        header = ["GST rate", "Taxable value", "CGST", "SGST", "Total tax"]
        rows = [[rate(r.rate), num(r.taxable, loc), num(r.cgst, loc), num(r.sgst, loc), num(r.tax, loc)]
                for r in rows_in]
        rows.append(["Total", num(doc.taxable_total, loc), num(doc.cgst, loc), num(doc.sgst, loc),
                     num(doc.cgst + doc.sgst, loc)])
        widths, aligns = [0.16, 0.24, 0.2, 0.2, 0.2], "LRRRR"
    return MiniTable(header, rows, widths, aligns, bold_last=True)


def payments_block(doc: InvoiceDoc):
    shop = doc.shop
    blocks = []
    if doc.payments:
        rows = []
        for p in doc.payments:
            mode = mode_label(p.mode)
            if p.tendered is not None and p.tendered != p.amount:
                mode += f" (tendered {m(p.tendered, shop)})"
            rows.append([mode, p.reference or "", num(p.amount, shop.locale)])
        blocks.append(MiniTable(["Payment", "Reference", "Amount ₹"], rows, [0.5, 0.28, 0.22], "LLR"))
    extra = []
    if doc.change:
        extra.append(("Change returned", m(doc.change, shop)))
    if doc.due_amount:
        extra.append(("Put on account", m(doc.due_amount, shop)))
    if doc.customer is not None and doc.dues_after is not None:
        extra.append(("Dues after this invoice", m(doc.dues_after, shop)))
    if doc.credits_earned or doc.credits_redeemed:
        extra.append(("Loyalty credits", f"earned {num(doc.credits_earned, shop.locale)}, "
                                         f"redeemed {num(doc.credits_redeemed, shop.locale)}"))
    if doc.customer is not None and doc.credits_balance is not None:
        extra.append(("Credits balance", num(doc.credits_balance, shop.locale)))
    if extra:
        blocks.append(KeyValues(extra, size=8))
    return Stack(blocks, gap=4) if blocks else None


def totals_block(doc: InvoiceDoc) -> KeyValues:
    shop = doc.shop
    rows = [("Total value", m(doc.gross_total, shop))]
    if doc.discount_total:
        rows.append(("Discount" + (f" ({doc.bill_discount_text})" if doc.bill_discount_text else ""),
                     "−" + m(doc.discount_total, shop)))
    if not doc.is_bill_of_supply:
        rows.append(("Taxable value", m(doc.taxable_total, shop)))
        if doc.inter_state:
            rows.append(("IGST", m(doc.igst, shop)))
        else:
            rows.append(("CGST", m(doc.cgst, shop)))
            rows.append(("SGST", m(doc.sgst, shop)))
    if doc.round_off:
        rows.append(("Round off", signed(doc.round_off, shop)))
    rows.append(("Grand total", m(doc.grand_total, shop)))
    last = len(rows) - 1
    return KeyValues(rows, size=8.5, bold_rows={last}, big_rows={last: 12}, rule_before={last})


def build_spec(doc: InvoiceDoc, warnings: list[str]) -> PageSpec:
    shop = doc.shop
    logo = load_logo(shop.logo, warnings)
    meta = [("Invoice No." if not doc.is_bill_of_supply else "Bill No.", doc.number),
            ("Date", date_text(doc.issued_at)), ("Time", time_text(doc.issued_at)),
            ("Cashier", doc.cashier)]
    header = DocHeader(shop.name, shop_lines(shop), doc.title, meta, logo=logo, badge=invoice_badge(doc),
                       subtitle="ORIGINAL FOR RECIPIENT")

    cust = doc.customer
    if (cust is not None and not cust.registered and doc.taxable_total >= RULE46_UNREGISTERED_LIMIT
            and not (cust.address and cust.name)):
        warnings.append(f"invoice {doc.number}: Rule 46 asks for the recipient's name and address "
                        f"when the taxable value is ₹50,000 or more")
    billed = party_block(cust, state_fallback=doc.place_of_supply_label if cust else "")
    if doc.delivery_to_print:                       # Rule 46(k): the delivery address when it differs
        billed = Stack([billed, TextBlock([caption("Deliver to")] + [
            Line(ln.strip(), REGULAR, 8) for ln in doc.delivery_to_print.splitlines() if ln.strip()])], gap=4)
    supply_rows = [("Place of supply", doc.place_of_supply_label or doc.place_of_supply)]
    if not doc.is_bill_of_supply:
        supply_rows.append(("Supply", "Inter-state (IGST)" if doc.inter_state else "Intra-state (CGST + SGST)"))
        supply_rows.append(("Reverse charge", "No"))
    if doc.terminal:
        supply_rows.append(("Terminal", doc.terminal))
    intro = [Columns([Boxed(billed, "Billed to"), Boxed(kv_left(supply_rows, 82), "Supply")], [0.55, 0.45])]

    left: list = []
    if not doc.is_bill_of_supply:
        left.append(tax_table(doc))
    left.append(TextBlock([caption("Amount in words"), Line(amount_in_words(doc.grand_total, shop.currency),
                                                             REGULAR, 8.5)]))
    pay = payments_block(doc)
    if pay is not None:
        left.append(pay)
    right: list = [totals_block(doc)]
    payload = upi_for(doc)
    if payload:
        right.append(QrBlock(payload, 84, f"Scan to pay {m(doc.amount_to_pay, shop)} by UPI"))
    notes = []
    if any(ln.tax_inclusive for ln in doc.lines) and not doc.is_bill_of_supply:
        notes.append(Line("* rate includes GST", REGULAR, 7, color=GREY))
    decl = declaration(shop) if doc.is_bill_of_supply else ""
    if decl:
        notes.append(Line(decl, BOLD, 8))
    if shop.footer_text:
        notes.append(Line(shop.footer_text, REGULAR, 8, space_before=4 if notes else 0))
    closing = [
        Columns([Stack(left, gap=8), Stack(right, gap=10)], [0.6, 0.4], gap=16),
        Columns([TextBlock(notes) if notes else Spacer(1), Signature(shop.name)], [0.6, 0.4], gap=16),
    ]
    label = "Bill of Supply" if doc.is_bill_of_supply else "Tax Invoice"
    return PageSpec(header=header, intro=intro, table=line_table(doc), closing=closing,
                    footer_left=f"{label} {doc.number}", title=f"{label} {doc.number}",
                    subject=f"{shop.name} {doc.title.lower()} {doc.number}")


def render_invoice_a4(doc: InvoiceDoc, out) -> RenderResult:
    """Draw ``doc`` as an A4 PDF into ``out`` (a path or a binary file object)."""
    result = RenderResult()
    spec = build_spec(doc, result.warnings)
    result.pages = render_pages(spec, out)
    return result
