"""GSTR-3B tables 3.1 and 3.2 from a period's invoices and credit notes, net of the notes.

- 3.1(a) outward taxable supplies (other than zero-rated, nil-rated and exempted): the lines
  of tax invoices at a rate above 0, less the credit notes against them;
- 3.1(b) zero-rated (exports, SEZ) and 3.1(e) non-GST: billbook makes neither, so 0;
- 3.1(c) nil-rated and exempted: lines at 0 %, net of notes;
- 3.1(d) inward supplies on reverse charge: not sales; billbook records none, so 0;
- 3.2 inter-state supplies (out of 3.1(a)) to unregistered persons and to UIN holders, per
  place of supply: taxable value and IGST, net of notes. Supplies to composition dealers
  cannot be told apart from other registered buyers (a GSTIN does not say it), so that
  column stays empty and the summary says so.

Bills of supply (composition scheme) are left out, as in GSTR-1. JSON keys are the portal's
GSTR-3B save format (``sup_details`` → ``osup_det``… and ``inter_sup`` → ``unreg_details``…).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from billbook.domain.gst import state_name
from billbook.domain.money import ZERO
from billbook.gst.common import add, money, money_text, portal, zeros
from billbook.gst.model import CreditNote, Invoice, Line, Period

#: a UIN (UN bodies, embassies): 4 digits, 3 letters, 5 digits, then UN or ON and a check character
UIN_PATTERN = r"^[0-9]{4}[A-Z]{3}[0-9]{5}[UO]N[0-9A-Z]$"


def is_uin(gstin: str) -> bool:
    import re
    return bool(re.fullmatch(UIN_PATTERN, gstin or ""))


@dataclass(frozen=True)
class Row31:
    key: str              # osup_det, osup_zero, osup_nil_exmp, isup_rev, osup_nongst
    label: str
    taxable: Decimal
    igst: Decimal
    cgst: Decimal
    sgst: Decimal
    cess: Decimal = ZERO


@dataclass(frozen=True)
class Row32:
    pos: str
    taxable: Decimal
    igst: Decimal


@dataclass(frozen=True)
class Gstr3b:
    period: Period
    gstin: str
    table_31: tuple[Row31, ...]
    unregistered: tuple[Row32, ...]
    composition: tuple[Row32, ...]
    uin: tuple[Row32, ...]
    bills_of_supply: int = 0

    def row(self, key: str) -> Row31:
        return next(r for r in self.table_31 if r.key == key)

    def doc(self) -> dict:
        """The portal's GSTR-3B JSON (Decimals; :meth:`portal_json` for plain numbers)."""
        sup = {}
        for r in self.table_31:
            if r.key in ("osup_nil_exmp", "osup_nongst"):
                sup[r.key] = {"txval": money(r.taxable)}
            elif r.key == "osup_zero":
                sup[r.key] = {"txval": money(r.taxable), "iamt": money(r.igst), "csamt": money(r.cess)}
            else:
                sup[r.key] = {"txval": money(r.taxable), "iamt": money(r.igst), "camt": money(r.cgst),
                              "samt": money(r.sgst), "csamt": money(r.cess)}
        rows = lambda rs: [{"pos": r.pos, "txval": money(r.taxable), "iamt": money(r.igst)} for r in rs]  # noqa: E731
        return {"gstin": self.gstin, "ret_period": self.period.fp, "sup_details": sup,
                "inter_sup": {"unreg_details": rows(self.unregistered), "comp_details": rows(self.composition),
                              "uin_details": rows(self.uin)}}

    def portal_json(self) -> dict:
        return portal(self.doc())

    def csv(self) -> str:
        """Both tables as one CSV for the accountant (each with its own header row)."""
        import csv
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["GSTR-3B", self.gstin, self.period.label, self.period.start.isoformat(),
                    self.period.end.isoformat()])
        w.writerow([])
        w.writerow(["3.1", "Nature of supplies", "Total taxable value", "Integrated tax", "Central tax",
                    "State/UT tax", "Cess"])
        for r in self.table_31:
            w.writerow([r.key, r.label, money_text(r.taxable), money_text(r.igst), money_text(r.cgst),
                        money_text(r.sgst), money_text(r.cess)])
        w.writerow([])
        w.writerow(["3.2", "Place of supply (State/UT)", "Total taxable value", "Amount of integrated tax"])
        for name, rows in (("unregistered", self.unregistered), ("composition", self.composition),
                           ("uin", self.uin)):
            for r in rows:
                w.writerow([name, f"{r.pos}-{state_name(r.pos)}", money_text(r.taxable), money_text(r.igst)])
        return out.getvalue()


LABELS = {
    "osup_det": "(a) Outward taxable supplies (other than zero rated, nil rated and exempted)",
    "osup_zero": "(b) Outward taxable supplies (zero rated)",
    "osup_nil_exmp": "(c) Other outward supplies (nil rated, exempted)",
    "isup_rev": "(d) Inward supplies (liable to reverse charge)",
    "osup_nongst": "(e) Non-GST outward supplies",
}


SHORT_LABELS = {
    "osup_det": "(a) Outward taxable supplies",
    "osup_zero": "(b) Outward, zero rated",
    "osup_nil_exmp": "(c) Outward, nil rated / exempted",
    "isup_rev": "(d) Inward, reverse charge",
    "osup_nongst": "(e) Non-GST outward supplies",
}


def build(gstin: str, period: Period, invoices: Iterable[Invoice], notes: Iterable[CreditNote]) -> Gstr3b:
    taxed = zeros(4)       # taxable, igst, cgst, sgst
    nil = ZERO
    unreg: dict[str, list[Decimal]] = defaultdict(lambda: zeros(2))
    uin: dict[str, list[Decimal]] = defaultdict(lambda: zeros(2))
    bos = 0

    def take(inv: Invoice, pos: str, lines: Iterable[Line], sign: int) -> None:
        nonlocal taxed, nil
        for ln in lines:
            if ln.rate == 0:
                nil += sign * ln.taxable
                continue
            taxed = add(taxed, [ln.taxable, ln.igst, ln.cgst, ln.sgst], sign)
            if inv.inter_state and not inv.registered:
                unreg[pos] = add(unreg[pos], [ln.taxable, ln.igst], sign)
            elif inv.inter_state and is_uin(inv.buyer_gstin):
                uin[pos] = add(uin[pos], [ln.taxable, ln.igst], sign)

    for inv in invoices:
        if inv.cancelled:
            continue
        if inv.doc_type != "tax_invoice":
            bos += 1
            continue
        take(inv, inv.place_of_supply, inv.lines, 1)
    for note in notes:
        if note.invoice.doc_type == "tax_invoice":
            take(note.invoice, note.pos, note.lines, -1)
    t31 = (Row31("osup_det", LABELS["osup_det"], *[money(x) for x in taxed]),
           Row31("osup_zero", LABELS["osup_zero"], ZERO, ZERO, ZERO, ZERO),
           Row31("osup_nil_exmp", LABELS["osup_nil_exmp"], money(nil), ZERO, ZERO, ZERO),
           Row31("isup_rev", LABELS["isup_rev"], ZERO, ZERO, ZERO, ZERO),
           Row31("osup_nongst", LABELS["osup_nongst"], ZERO, ZERO, ZERO, ZERO))
    rows = lambda d: tuple(Row32(p, money(v[0]), money(v[1])) for p, v in sorted(d.items()) if any(v))  # noqa: E731
    return Gstr3b(period, gstin, t31, rows(unreg), (), rows(uin), bos)


def render_pdf(g: Gstr3b, shop_name: str = "") -> bytes:
    """Tables 3.1 and 3.2 on one A4 page, for the accountant."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    from billbook.documents.fonts import BOLD, REGULAR, font
    from billbook.domain.money import format_number

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(f"GSTR-3B {g.period.label}")
    width, height = A4
    left, right = 15 * mm, width - 15 * mm
    y = height - 20 * mm

    def text(x, yy, s, size=8.5, bold=False, align="left"):
        c.setFont(font(BOLD if bold else REGULAR), size)
        {"left": c.drawString, "right": c.drawRightString, "center": c.drawCentredString}[align](x, yy, s)

    text(width / 2, y, shop_name or "billbook", 13, True, "center")
    y -= 6.5 * mm
    text(width / 2, y, f"GSTR-3B — {g.gstin} — {g.period.start:%d %b %Y} to {g.period.end:%d %b %Y} "
                       f"(return period {g.period.fp})", 10, True, "center")
    y -= 10 * mm
    cols = [right - (4 - i) * 24 * mm for i in range(5)]     # right edges of the five figure columns
    text(left, y, "3.1 Details of outward supplies and inward supplies liable to reverse charge", 9.5, True)
    y -= 6 * mm
    for x, head in zip(cols, ("Taxable value", "Integrated tax", "Central tax", "State/UT tax", "Cess")):
        text(x, y, head, 7.5, True, "right")
    y -= 5 * mm
    for r in g.table_31:
        text(left, y, SHORT_LABELS[r.key], 7.5)
        for x, v in zip(cols, (r.taxable, r.igst, r.cgst, r.sgst, r.cess)):
            text(x, y, format_number(v), 7.5, False, "right")
        y -= 5 * mm
    y -= 6 * mm
    text(left, y, "3.2 Inter-state supplies out of 3.1(a): to unregistered persons, composition dealers, UIN holders",
         9.5, True)
    y -= 6 * mm
    for x, head in zip(cols[1:4:2], ("Taxable value", "Integrated tax")):
        text(x, y, head, 7.5, True, "right")
    y -= 5 * mm
    any_row = False
    for name, rows in (("Unregistered persons", g.unregistered), ("Composition dealers", g.composition),
                       ("UIN holders", g.uin)):
        for r in rows:
            any_row = True
            text(left, y, f"{name}: {r.pos}-{state_name(r.pos)}", 7.5)
            text(cols[1], y, format_number(r.taxable), 7.5, False, "right")
            text(cols[3], y, format_number(r.igst), 7.5, False, "right")
            y -= 5 * mm
            if y < 25 * mm:
                c.showPage()
                y = height - 20 * mm
    if not any_row:
        text(left, y, "No inter-state supplies to unregistered persons or UIN holders in this period.", 7.5)
        y -= 5 * mm
    y -= 6 * mm
    notes = ["Net of credit notes issued in the period. Zero-rated, reverse-charge and non-GST rows are 0: "
             "billbook records no such supplies.",
             "Supplies to composition dealers are not told apart from other registered buyers."]
    if g.bills_of_supply:
        notes.append(f"{g.bills_of_supply} bill(s) of supply (composition scheme) are not part of this return.")
    for n in notes:
        text(left, y, n, 7)
        y -= 4.5 * mm
    c.showPage()
    c.save()
    return buf.getvalue()
