"""The A4 credit note: goods returned against an invoice, with the tax reversed per line.

Same header as the invoice (the supplier as on the original invoice), the original
invoice's number and date, the recipient, place of supply, per-line HSN, quantity, taxable
value and CGST/SGST or IGST, a tax summary by rate, the total in words, how it was
refunded, and the signatory line.
"""

from __future__ import annotations

from billbook.documents.common import (
    caption, date_text, kv_left, m, mode_label, party_block, shop_lines, signed, time_text,
)
from billbook.documents.fonts import REGULAR
from billbook.documents.layout import (
    Boxed, Column, Columns, DocHeader, KeyValues, Line, LineTable, MiniTable, PageSpec, Signature, Spacer,
    Stack, TextBlock, load_logo, num, qty, rate, render_pages,
)
from billbook.documents.model import CreditNoteDoc, RenderResult
from billbook.domain.money import amount_in_words


def _table(doc: CreditNoteDoc) -> LineTable:
    loc = doc.shop.locale
    n = lambda v: num(v, loc)  # noqa: E731
    bos = doc.is_bill_of_supply
    cols = [Column("#", "C"), Column("Item", "L", flex=True), Column("HSN/\nSAC", "C"), Column("Qty", "R")]
    if not bos:
        cols += [Column("Taxable\nvalue ₹", "R"), Column("GST\n%", "R")]
        cols += [Column("IGST\n₹", "R")] if doc.inter_state else [Column("CGST\n₹", "R"), Column("SGST\n₹", "R")]
    cols.append(Column("Amount\n₹", "R"))
    rows = []
    for ln in doc.lines:
        row = [str(ln.no), ln.name, ln.hsn or "–", qty(ln.qty, ln.unit)]
        if not bos:
            row += [n(ln.taxable), rate(ln.gst_rate)]
            row += [n(ln.igst)] if doc.inter_state else [n(ln.cgst), n(ln.sgst)]
        row.append(n(ln.total))
        rows.append(row)
    total = ["", "Total", "", ""]
    if not bos:
        total += [n(doc.taxable_total), ""]
        total += [n(doc.igst)] if doc.inter_state else [n(doc.cgst), n(doc.sgst)]
    total.append(n(sum((ln.total for ln in doc.lines), doc.taxable_total * 0)))
    rows.append(total)
    return LineTable(cols, rows, bold_rows={len(rows) - 1})


def build_spec(doc: CreditNoteDoc, warnings: list[str]) -> PageSpec:
    shop, loc = doc.shop, doc.shop.locale
    meta = [("Credit note No.", doc.number), ("Date", date_text(doc.issued_at)),
            ("Time", time_text(doc.issued_at)), ("Against invoice", doc.invoice_number),
            ("Invoice date", date_text(doc.invoice_date)), ("Issued by", doc.user)]
    header = DocHeader(shop.name, shop_lines(shop), "CREDIT NOTE", meta, logo=load_logo(shop.logo, warnings),
                       subtitle="ORIGINAL FOR RECIPIENT")
    supply = [("Place of supply", doc.place_of_supply_label or doc.place_of_supply)]
    if not doc.is_bill_of_supply:
        supply.append(("Supply", "Inter-state (IGST)" if doc.inter_state else "Intra-state (CGST + SGST)"))
        supply.append(("Reverse charge", "No"))
    supply.append(("Reason", doc.reason or "Goods returned"))
    supply.append(("Refund", mode_label(doc.refund_mode)))
    intro = [Columns([Boxed(party_block(doc.customer, state_fallback=doc.place_of_supply_label
                                        if doc.customer else ""), "Recipient"),
                      Boxed(kv_left(supply, 82), "Supply")], [0.55, 0.45])]
    left: list = []
    if not doc.is_bill_of_supply:
        rows_in = doc.tax_rows
        if doc.inter_state:
            rows = [[rate(r.rate), num(r.taxable, loc), num(r.igst, loc)] for r in rows_in]
            rows.append(["Total", num(doc.taxable_total, loc), num(doc.igst, loc)])
            left.append(MiniTable(["GST rate", "Taxable value", "IGST"], rows, [0.3, 0.4, 0.3], "LRR", bold_last=True))
        else:
            rows = [[rate(r.rate), num(r.taxable, loc), num(r.cgst, loc), num(r.sgst, loc)] for r in rows_in]
            rows.append(["Total", num(doc.taxable_total, loc), num(doc.cgst, loc), num(doc.sgst, loc)])
            left.append(MiniTable(["GST rate", "Taxable value", "CGST", "SGST"], rows, [0.2, 0.3, 0.25, 0.25],
                                  "LRRR", bold_last=True))
    left.append(TextBlock([caption("Amount in words"), Line(amount_in_words(doc.total, shop.currency), REGULAR, 8.5)]))
    if doc.refunds:
        left.append(MiniTable(["Refunded by", "Reference", "Amount ₹"],
                              [[mode_label(p.mode), p.reference or "", num(p.amount, loc)] for p in doc.refunds],
                              [0.5, 0.28, 0.22], "LLR"))
    totals = []
    if not doc.is_bill_of_supply:
        totals.append(("Taxable value", m(doc.taxable_total, shop)))
        if doc.inter_state:
            totals.append(("IGST", m(doc.igst, shop)))
        else:
            totals += [("CGST", m(doc.cgst, shop)), ("SGST", m(doc.sgst, shop))]
    else:
        totals.append(("Value", m(doc.taxable_total, shop)))
    if doc.round_off:
        totals.append(("Round off", signed(doc.round_off, shop)))
    totals.append(("Credit total", m(doc.total, shop)))
    last = len(totals) - 1
    right = [KeyValues(totals, size=8.5, bold_rows={last}, big_rows={last: 12}, rule_before={last})]
    closing = [Columns([Stack(left, gap=8), Stack(right)], [0.6, 0.4], gap=16),
               Columns([Spacer(1), Signature(shop.name)], [0.6, 0.4], gap=16)]
    return PageSpec(header=header, intro=intro, table=_table(doc), closing=closing,
                    footer_left=f"Credit Note {doc.number} against {doc.invoice_number}",
                    title=f"Credit Note {doc.number}", subject=f"{shop.name} credit note {doc.number}")


def render_credit_note(doc: CreditNoteDoc, out) -> RenderResult:
    """Draw ``doc`` as an A4 PDF into ``out`` (a path or a binary file object)."""
    result = RenderResult()
    result.pages = render_pages(build_spec(doc, result.warnings), out)
    return result
