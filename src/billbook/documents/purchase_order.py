"""The A4 purchase order sent to a supplier: what we order, at what cost, delivered where."""

from __future__ import annotations

from billbook.documents.common import caption, date_text, m, party_block, shop_lines
from billbook.documents.fonts import REGULAR
from billbook.documents.layout import (
    Boxed, Column, Columns, DocHeader, KeyValues, Line, LineTable, PageSpec, Signature, Spacer, Stack,
    TextBlock, load_logo, num, qty, render_pages,
)
from billbook.documents.model import PurchaseOrderDoc, RenderResult
from billbook.domain.money import amount_in_words

STATUS_LABELS = {"draft": "Draft", "ordered": "Ordered", "partially_received": "Partly received",
                 "received": "Received", "cancelled": "Cancelled"}


def _table(doc: PurchaseOrderDoc) -> LineTable:
    loc = doc.shop.locale
    show_received = any(ln.received_qty for ln in doc.lines)
    cols = [Column("#", "C"), Column("Item", "L", flex=True), Column("SKU", "L"), Column("HSN", "C"),
            Column("Qty", "R")]
    if show_received:
        cols.append(Column("Received", "R"))
    cols += [Column("Unit cost\n₹", "R"), Column("Amount\n₹", "R")]
    rows = []
    for ln in doc.lines:
        row = [str(ln.no), ln.name, ln.sku, ln.hsn or "–", qty(ln.qty, ln.unit)]
        if show_received:
            row.append(qty(ln.received_qty, ln.unit))
        row += [num(ln.unit_cost, loc), num(ln.amount, loc)]
        rows.append(row)
    total = ["", "Total", "", "", ""] + ([""] if show_received else []) + ["", num(doc.total, loc)]
    rows.append(total)
    return LineTable(cols, rows, bold_rows={len(rows) - 1})


def build_spec(doc: PurchaseOrderDoc, warnings: list[str]) -> PageSpec:
    shop = doc.shop
    meta = [("PO No.", doc.number), ("Date", date_text(doc.created_at))]
    if doc.ordered_at:
        meta.append(("Ordered", date_text(doc.ordered_at)))
    meta.append(("Status", STATUS_LABELS.get(doc.status, doc.status)))
    if doc.created_by:
        meta.append(("Raised by", doc.created_by))
    header = DocHeader(shop.name, shop_lines(shop), "PURCHASE ORDER", meta, logo=load_logo(shop.logo, warnings),
                       badge="CANCELLED" if doc.status == "cancelled" else "")
    ship = TextBlock([Line(shop.name, "DejaVuSans-Bold", 9)]
                     + [Line(a.strip(), REGULAR, 8) for a in shop.address.splitlines() if a.strip()]
                     + ([Line(f"Phone: {shop.phone}", REGULAR, 8)] if shop.phone else [])
                     + ([Line(f"GSTIN: {shop.gstin}", REGULAR, 8)] if shop.gstin else []))
    intro = [Columns([Boxed(party_block(doc.supplier, empty="Supplier"), "Supplier"),
                      Boxed(ship, "Deliver to")], [0.55, 0.45])]
    left: list = [TextBlock([caption("Amount in words"), Line(amount_in_words(doc.total, shop.currency), REGULAR, 8.5)])]
    if doc.notes:
        left.append(TextBlock([caption("Notes"), Line(doc.notes, REGULAR, 8)]))
    left.append(TextBlock([Line("Costs exclude GST unless agreed otherwise. Please quote the PO number "
                                "on your invoice and delivery challan.", REGULAR, 7, color=(0.45, 0.45, 0.45))]))
    right = [KeyValues([("Order total", m(doc.total, shop))], size=12, bold_rows={0})]
    closing = [Columns([Stack(left, gap=8), Stack(right)], [0.6, 0.4], gap=16),
               Columns([Spacer(1), Signature(shop.name)], [0.6, 0.4], gap=16)]
    return PageSpec(header=header, intro=intro, table=_table(doc), closing=closing,
                    footer_left=f"Purchase Order {doc.number}", title=f"Purchase Order {doc.number}",
                    subject=f"{shop.name} purchase order {doc.number} to {doc.supplier.name}")


def render_purchase_order(doc: PurchaseOrderDoc, out) -> RenderResult:
    """Draw ``doc`` as an A4 PDF into ``out`` (a path or a binary file object)."""
    result = RenderResult()
    result.pages = render_pages(build_spec(doc, result.warnings), out)
    return result
