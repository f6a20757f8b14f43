"""The day-end (Z) report as a one-page A4 PDF (reportlab, DejaVu Sans for the ₹ sign)."""

from __future__ import annotations

import io
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from billbook.documents.fonts import BOLD, REGULAR, font, rupee
from billbook.domain.money import format_number

MODE_NAMES = {"cash": "Cash", "upi": "UPI", "card": "Card", "netbanking": "Net banking", "credits": "Loyalty credits",
              "account": "On account (dues)"}


def _m(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{rupee()} {format_number(value)}"


def render_day_report(rep) -> bytes:
    """PDF bytes of a :class:`billbook.services.insight.reports.DayReport`."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(f"Day-end report {rep.business_date.isoformat()}")
    width, height = A4
    left, right = 20 * mm, width - 20 * mm
    y = height - 22 * mm

    def text(x, yy, s, size=9, bold=False, align="left"):
        c.setFont(font(BOLD if bold else REGULAR), size)
        if align == "right":
            c.drawRightString(x, yy, s)
        elif align == "center":
            c.drawCentredString(x, yy, s)
        else:
            c.drawString(x, yy, s)

    text(width / 2, y, rep.shop_name or "billbook", 14, True, "center")
    y -= 7 * mm
    status = "CLOSED" if rep.closed else "NOT CLOSED (X report)"
    text(width / 2, y, f"Day-end (Z) report — {rep.business_date:%d %b %Y} — {status}", 11, True, "center")
    y -= 6 * mm
    scope = f"Terminal: {rep.terminal or 'all'}    Cashier: {rep.cashier or 'all'}"
    if rep.closed and rep.closed_at:
        scope += f"    Closed {rep.closed_at:%d %b %Y %H:%M} by {rep.closed_by}"
    text(width / 2, y, scope, 9, False, "center")
    y -= 10 * mm

    def section(title):
        nonlocal y
        c.setLineWidth(0.6)
        c.line(left, y + 3.5 * mm, right, y + 3.5 * mm)
        text(left, y, title, 10, True)
        y -= 6 * mm

    def row(label, value, bold=False):
        nonlocal y
        text(left + 4 * mm, y, label, 9, bold)
        text(right, y, value, 9, bold, "right")
        y -= 5 * mm

    section("Sales")
    row("Invoices", f"{rep.invoices}" + (f"   ({rep.first_number} … {rep.last_number})" if rep.invoices else ""))
    row("Gross (before discounts)", _m(rep.gross))
    row("Discounts", _m(-rep.discounts))
    row("Taxable value", _m(rep.taxable))
    row("CGST", _m(rep.cgst))
    row("SGST", _m(rep.sgst))
    row("IGST", _m(rep.igst))
    row("Round-off", _m(rep.round_off))
    row("Sales total", _m(rep.sales_total), True)
    row(f"Returns ({rep.returns} credit notes)", _m(-rep.returns_total))
    row("Net sales", _m(rep.net_sales), True)
    y -= 3 * mm

    section("Tax by rate")
    text(left + 4 * mm, y, "Rate", 8, True)
    for x, h in ((right - 105 * mm, "Taxable"), (right - 70 * mm, "CGST"), (right - 35 * mm, "SGST"), (right, "IGST")):
        text(x, y, h, 8, True, "right")
    y -= 5 * mm
    for r in rep.by_rate:
        text(left + 4 * mm, y, f"{format(r.rate.normalize(), 'f')} %", 9)
        for x, v in ((right - 105 * mm, r.taxable), (right - 70 * mm, r.cgst), (right - 35 * mm, r.sgst), (right, r.igst)):
            text(x, y, _m(v), 9, False, "right")
        y -= 5 * mm
    y -= 3 * mm

    section("Money by payment mode")
    text(left + 4 * mm, y, "Mode", 8, True)
    for x, h in ((right - 105 * mm, "Sales"), (right - 70 * mm, "Dues received"), (right - 35 * mm, "Refunds"),
                 (right, "Net")):
        text(x, y, h, 8, True, "right")
    y -= 5 * mm
    for mt in rep.by_mode:
        text(left + 4 * mm, y, MODE_NAMES.get(mt.mode, mt.mode), 9)
        for x, v in ((right - 105 * mm, mt.sales), (right - 70 * mm, mt.dues), (right - 35 * mm, mt.refunds),
                     (right, mt.net)):
            text(x, y, _m(v), 9, False, "right")
        y -= 5 * mm
    y -= 3 * mm

    section("Cash drawer")
    row("Opening float", _m(rep.opening_float))
    cash = next((mt.net for mt in rep.by_mode if mt.mode == "cash"), Decimal("0"))
    row("Cash in (sales + dues − refunds)", _m(cash))
    row("Cash expected", _m(rep.cash_expected), True)
    row("Cash counted", _m(rep.counted_cash))
    if rep.difference is not None:
        word = "over" if rep.difference > 0 else "short" if rep.difference < 0 else "exact"
        row(f"Difference ({word})", _m(rep.difference), True)
    y -= 14 * mm
    text(left, y, "Counted by: ____________________", 9)
    text(right, y, "Checked by: ____________________", 9, False, "right")
    c.showPage()
    c.save()
    return buf.getvalue()
