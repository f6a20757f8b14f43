"""The 80 mm thermal receipt: the invoice's facts in one narrow column, as long as it needs.

80 mm paper has about 72 mm printable; everything is black (thermal printers dither grey
badly) and no text is smaller than 7 pt (≈ 20 dots high at 203 dpi). The page is exactly
as long as the content; a receipt longer than a PDF page may be (about 5 m) continues on
another page of the same width.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from billbook.documents.common import (
    date_text, declaration, m, mode_label, shop_lines, signed, time_text,
)
from billbook.documents.fonts import BOLD, REGULAR, register_fonts
from billbook.documents.invoice_a4 import invoice_badge, unit_price_text, upi_for
from billbook.documents.layout import (
    BLACK, Block, KeyValues, Line, MiniTable, QrBlock, Spacer, TextBlock, draw_logo, draw_text, load_logo,
    num, qty, rate, wrap,
)
from billbook.documents.model import InvoiceDoc, RenderResult
from billbook.domain.money import amount_in_words

PAPER_W = 80 * mm
MARGIN_X = 4 * mm
MARGIN_Y = 5 * mm
WIDTH = PAPER_W - 2 * MARGIN_X
#: PDF viewers and printers handle pages up to 200 in; stay well below
MAX_PAGE_H = 5000.0


@dataclass
class Dashes(Block):
    space: float = 3.5

    def measure(self, width: float) -> float:
        return 2 * self.space

    def draw(self, c, x: float, top: float, width: float) -> None:
        c.setStrokeColorRGB(*BLACK)
        c.setLineWidth(0.5)
        c.setDash(2, 2)
        c.line(x, top - self.space, x + width, top - self.space)
        c.setDash()


@dataclass
class LogoBlock(Block):
    reader: object
    max_w: float = 46 * mm
    max_h: float = 16 * mm

    def _size(self) -> tuple[float, float]:
        iw, ih = self.reader.getSize()
        scale = min(self.max_w / iw, self.max_h / ih)
        return iw * scale, ih * scale

    def measure(self, width: float) -> float:
        return self._size()[1] + 2

    def draw(self, c, x: float, top: float, width: float) -> None:
        w, _ = self._size()
        draw_logo(c, self.reader, x + (width - w) / 2, top, self.max_w, self.max_h)


@dataclass
class ItemBlock(Block):
    """One invoice line: name; qty × rate and amount; HSN, taxable value and tax."""
    name: str
    left: str
    right: str
    detail: list[str]

    def _name_lines(self, width: float) -> list[str]:
        return wrap(self.name, BOLD, 8, width)

    def _detail_lines(self, width: float) -> list[str]:
        return [part for d in self.detail if d for part in wrap(d, REGULAR, 7, width)]

    def measure(self, width: float) -> float:
        return len(self._name_lines(width)) * 10 + 10 + len(self._detail_lines(width - 6)) * 8.8 + 2

    def draw(self, c, x: float, top: float, width: float) -> None:
        y = top
        for text in self._name_lines(width):
            y -= 10
            draw_text(c, text, x, y + 2, BOLD, 8)
        y -= 10
        draw_text(c, self.left, x + 6, y + 2, REGULAR, 8)
        draw_text(c, self.right, x + width, y + 2, BOLD, 8, "R")
        for text in self._detail_lines(width - 6):
            y -= 8.8
            draw_text(c, text, x + 6, y + 2, REGULAR, 7)


def _centered(*items: tuple[str, str, float]) -> TextBlock:
    return TextBlock([Line(t, f, s, "C") for t, f, s in items if t], leading=1.22)


def _kv(rows, *, size: float = 8, bold_last: bool = False, big_last: float | None = None) -> KeyValues:
    rows = [r for r in rows if r is not None]
    last = len(rows) - 1
    return KeyValues(rows, size=size, bold_rows={last} if bold_last else set(),
                     big_rows={last: big_last} if big_last else {}, leading=1.35, label_color=BLACK)


def build_blocks(doc: InvoiceDoc, warnings: list[str]) -> list[Block]:
    shop, loc = doc.shop, doc.shop.locale
    bos = doc.is_bill_of_supply
    blocks: list[Block] = []
    logo = load_logo(shop.logo, warnings, max_px=400)
    if logo is not None:
        blocks.append(LogoBlock(logo))
    blocks.append(_centered((shop.name, BOLD, 11), *[(ln, REGULAR, 7.5) for ln in shop_lines(shop)]))
    badge = invoice_badge(doc)
    blocks.append(Spacer(3))
    blocks.append(_centered((doc.title, BOLD, 10), (badge, BOLD, 10)))
    blocks.append(Dashes())
    head = [("Invoice No." if not bos else "Bill No.", doc.number),
            ("Date", f"{date_text(doc.issued_at)} {time_text(doc.issued_at)}"),
            ("Cashier", doc.cashier),
            ("Place of supply", doc.place_of_supply_label or doc.place_of_supply)]
    if not bos:
        head.append(("Reverse charge", "No"))
    blocks.append(_kv(head))
    if doc.customer is not None:
        cu = doc.customer
        lines = [Line("Billed to: " + cu.name, BOLD, 8)]
        lines += [Line(a.strip(), REGULAR, 7.5) for a in (cu.address or "").splitlines() if a.strip()]
        if cu.phone:
            lines.append(Line(f"Phone: {cu.phone}", REGULAR, 7.5))
        if cu.gstin:
            lines.append(Line(f"GSTIN: {cu.gstin}", BOLD, 7.5))
        if cu.state:
            lines.append(Line(f"State: {cu.state}", REGULAR, 7.5))
        blocks.append(Dashes())
        blocks.append(TextBlock(lines, leading=1.22))
    if doc.delivery_to_print:                       # Rule 46(k): the delivery address when it differs
        blocks.append(TextBlock([Line("Deliver to:", BOLD, 8)] + [
            Line(a.strip(), REGULAR, 7.5) for a in doc.delivery_to_print.splitlines() if a.strip()], leading=1.22))
    blocks.append(Dashes())
    blocks.append(_kv([("Item", "Amount ₹")], size=8, bold_last=True))
    for ln in doc.lines:
        first = [f"HSN {ln.hsn}" if ln.hsn else ""]
        if ln.discount:
            first.append(f"value {num(ln.gross, loc)}  disc {num(ln.discount, loc)}")
        detail = []
        if not bos:
            first.append(f"taxable {num(ln.taxable, loc)}")
            detail.append(f"GST {rate(ln.gst_rate)}: IGST {num(ln.igst, loc)}" if doc.inter_state else
                          f"GST {rate(ln.gst_rate)}: CGST {num(ln.cgst, loc)} + SGST {num(ln.sgst, loc)}")
        blocks.append(ItemBlock(f"{ln.no}. {ln.name}", f"{qty(ln.qty, ln.unit)} × {unit_price_text(ln.unit_price, loc)}"
                                + ("*" if ln.tax_inclusive and not bos else ""),
                                num(ln.total, loc), ["  ".join(d for d in first if d)] + detail))
    blocks.append(Dashes())
    totals = [("Total value", m(doc.gross_total, shop))]
    if doc.discount_total:
        totals.append(("Discount" + (f" ({doc.bill_discount_text})" if doc.bill_discount_text else ""),
                       "−" + m(doc.discount_total, shop)))
    if not bos:
        totals.append(("Taxable value", m(doc.taxable_total, shop)))
        if doc.inter_state:
            totals.append(("IGST", m(doc.igst, shop)))
        else:
            totals += [("CGST", m(doc.cgst, shop)), ("SGST", m(doc.sgst, shop))]
    if doc.round_off:
        totals.append(("Round off", signed(doc.round_off, shop)))
    totals.append(("TOTAL", m(doc.grand_total, shop)))
    blocks.append(_kv(totals, bold_last=True, big_last=11))
    blocks.append(TextBlock([Line(amount_in_words(doc.grand_total, shop.currency), REGULAR, 7.5)], leading=1.22))
    if not bos:
        if doc.inter_state:
            rows = [[rate(r.rate), num(r.taxable, loc), num(r.igst, loc)] for r in doc.tax_rows]
            blocks.append(MiniTable(["GST", "Taxable", "IGST"], rows, [0.24, 0.38, 0.38], "LRR", size=7,
                                    pad=2.2, fill=None, grid=BLACK))
        else:
            rows = [[rate(r.rate), num(r.taxable, loc), num(r.cgst, loc), num(r.sgst, loc)] for r in doc.tax_rows]
            blocks.append(MiniTable(["GST", "Taxable", "CGST", "SGST"], rows, [0.16, 0.32, 0.26, 0.26], "LRRR",
                                    size=7, pad=2.2, fill=None, grid=BLACK))
    blocks.append(Dashes())
    pay = []
    for p in doc.payments:
        label = mode_label(p.mode) + (f" {p.reference}" if p.reference else "")
        pay.append((label, m(p.amount, shop)))
        if p.tendered is not None and p.tendered != p.amount:
            pay.append(("  tendered", m(p.tendered, shop)))
    if doc.change:
        pay.append(("Change", m(doc.change, shop)))
    if doc.customer is not None and doc.dues_after is not None:
        pay.append(("Dues after this bill", m(doc.dues_after, shop)))
    if doc.credits_earned or doc.credits_redeemed:
        pay.append(("Credits earned / used", f"{num(doc.credits_earned, loc)} / {num(doc.credits_redeemed, loc)}"))
    if doc.customer is not None and doc.credits_balance is not None:
        pay.append(("Credits balance", num(doc.credits_balance, loc)))
    if pay:
        blocks.append(_kv(pay))
    payload = upi_for(doc)
    if payload:
        blocks.append(Spacer(4))
        blocks.append(QrBlock(payload, 34 * mm, f"Scan to pay {m(doc.amount_to_pay, shop)} by UPI", align="C",
                              caption_color=BLACK))
    decl = declaration(shop) if bos else ""
    tail = []
    if decl:
        tail.append((decl, BOLD, 7.5))
    if shop.footer_text:
        tail.append((shop.footer_text, REGULAR, 7.5))
    blocks.append(Spacer(4))
    if tail:
        blocks.append(_centered(*tail))
    blocks.append(Spacer(14))
    blocks.append(_centered(("Authorised Signatory", REGULAR, 7), (f"for {shop.name}", REGULAR, 7)))
    return blocks


def render_receipt(doc: InvoiceDoc, out) -> RenderResult:
    """Draw ``doc`` as an 80 mm receipt PDF into ``out``; the page is as long as the content."""
    register_fonts()
    result = RenderResult()
    blocks = build_blocks(doc, result.warnings)
    gap = 2.0
    heights = [b.measure(WIDTH) for b in blocks]
    pages: list[list[int]] = [[]]
    used = 0.0
    for i, h in enumerate(heights):
        if pages[-1] and used + h + gap > MAX_PAGE_H:
            pages.append([])
            used = 0.0
        pages[-1].append(i)
        used += h + gap
    if isinstance(out, os.PathLike):
        out = os.fspath(out)
    c = Canvas(out, pagesize=(PAPER_W, 100), pageCompression=1)
    c.setTitle(f"Receipt {doc.number}")
    c.setCreator("billbook")
    for idxs in pages:
        page_h = sum(heights[i] + gap for i in idxs) + 2 * MARGIN_Y
        c.setPageSize((PAPER_W, page_h))
        y = page_h - MARGIN_Y
        for i in idxs:
            blocks[i].draw(c, MARGIN_X, y, WIDTH)
            y -= heights[i] + gap
        c.showPage()
    c.save()
    result.pages = len(pages)
    return result
