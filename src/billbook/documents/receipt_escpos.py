"""The receipt as ESC/POS bytes for a thermal printer: the 80 mm PDF receipt's facts in text.

Plain data in (an :class:`InvoiceDoc`), bytes out; the bytes are composed with python-escpos
(its ``Dummy`` printer collects them) and sent by :mod:`billbook.devices`. A 58 mm roll holds
32 characters a line in font A, an 80 mm roll 48. The printer's code page is fixed (``ESC t``)
and text is encoded in it; characters it lacks are spelled in ASCII (``₹`` → ``Rs.``).

The content follows :func:`billbook.documents.receipt.build_blocks` block by block: shop,
title and DUPLICATE badge, invoice number/date/cashier/place of supply, customer, the lines
(name; qty × rate and amount; HSN, taxable value, tax), totals, amount in words, the tax
summary per rate, payments, change, dues and credits, the UPI QR (the printer's native QR
command) with its caption, the declaration and footer, the signatory line; then feed and cut.
"""

from __future__ import annotations

import io
import textwrap
import warnings
from dataclasses import dataclass

from billbook.documents.common import date_text, declaration, mode_label, shop_lines, time_text
from billbook.documents.invoice_a4 import invoice_badge, unit_price_text, upi_for
from billbook.documents.layout import num, qty, rate
from billbook.documents.model import InvoiceDoc
from billbook.domain.money import amount_in_words

#: characters a line in font A
COLUMNS = {58: 32, 80: 48}
#: printable dots a line (203 dpi heads)
DOTS = {58: 384, 80: 576}
#: code pages python-escpos knows by these names, with their ``ESC t`` numbers on Epson-like printers
CODE_PAGES = ("CP437", "CP850", "CP858", "CP852", "CP866", "CP1252", "ISO_8859-1")
#: drawer pulse on connector pin 2 (ESC p 0 25 250: 50 ms on, 500 ms off)
DRAWER_PULSE = b"\x1bp\x00\x19\xfa"
#: the printer's status for its paper sensor (DLE EOT 4)
STATUS_PAPER = b"\x10\x04\x04"

_ASCII = {"₹": "Rs.", "−": "-", "–": "-", "—": "-", "×": "x", "·": "-", "…": "...", "‘": "'", "’": "'",
          "“": '"', "”": '"', "\u00a0": " ", "\u202f": " "}


def plain(text: str) -> str:
    """Text a thermal printer's code page can hold: the rupee sign and typographic marks in ASCII."""
    return "".join(_ASCII.get(ch, ch) for ch in text)


@dataclass(frozen=True)
class ReceiptOptions:
    """How this terminal's receipt printer prints."""
    width: int = 80                 # 58 or 80 mm
    codepage: str = "CP437"
    cut: bool = True
    drawer: bool = False            # kick the drawer at the start of this job
    logo: bool = True               # print the shop's logo (raster) when it has one
    qr_native: bool = True          # the printer's own QR command (else a raster image)

    @property
    def columns(self) -> int:
        return COLUMNS[self.width]


class Lines:
    """A receipt as styled text lines, ``cols`` characters wide (what the printer will show)."""

    def __init__(self, cols: int):
        self.cols = cols
        self.items: list[tuple] = []     # ("text", str, align, bold, big) | ("qr", payload) | ("logo",) | ("feed", n)

    def text(self, text: str, *, align: str = "left", bold: bool = False, big: bool = False,
             indent: int = 0) -> None:
        pad = " " * indent
        for part in textwrap.wrap(plain(text), self.cols, initial_indent=pad, subsequent_indent=pad,
                                  break_long_words=True, break_on_hyphens=False) or [""]:
            self.items.append(("text", part, align, bold, big))

    def center(self, text: str, *, bold: bool = False, big: bool = False) -> None:
        self.text(text, align="center", bold=bold, big=big)

    def rule(self) -> None:
        self.items.append(("text", "-" * self.cols, "left", False, False))

    def pair(self, left: str, right: str, *, bold: bool = False, big: bool = False, indent: int = 0) -> None:
        """``left`` at the left and ``right`` at the right edge; ``left`` wraps when both do not fit."""
        left, right = " " * indent + plain(left), plain(right)
        room = self.cols - len(right) - 1
        if len(left) <= room:
            self.items.append(("text", left + " " * (self.cols - len(left) - len(right)) + right, "left", bold, big))
            return
        parts = textwrap.wrap(left, self.cols, subsequent_indent=" " * indent, break_long_words=True) or [""]
        for part in parts[:-1]:
            self.items.append(("text", part, "left", bold, big))
        last = parts[-1]
        if len(last) <= room:
            self.items.append(("text", last + " " * (self.cols - len(last) - len(right)) + right, "left", bold, big))
        else:
            self.items.append(("text", last, "left", bold, big))
            self.items.append(("text", right.rjust(self.cols), "left", bold, big))

    def columns(self, cells: list[str], widths: list[int], aligns: str, *, bold: bool = False) -> None:
        out = []
        for cell, w, a in zip(cells, widths, aligns):
            cell = plain(cell)[:w]
            out.append(cell.rjust(w) if a == "R" else cell.ljust(w))
        self.items.append(("text", " ".join(out).rstrip(), "left", bold, False))

    def qr(self, payload: str) -> None:
        self.items.append(("qr", payload))

    def logo(self) -> None:
        self.items.append(("logo",))

    def feed(self, n: int = 1) -> None:
        self.items.append(("feed", n))

    def text_lines(self) -> list[str]:
        """The text as it will print (QR codes and logos left out): for tests and previews."""
        return [it[1] for it in self.items if it[0] == "text"]


def receipt_lines(doc: InvoiceDoc, cols: int, *, logo: bool = False) -> Lines:
    """What the receipt says, laid out ``cols`` characters wide."""
    shop, loc = doc.shop, doc.shop.locale
    bos = doc.is_bill_of_supply
    n = lambda v: num(v, loc)  # noqa: E731
    out = Lines(cols)
    if logo and shop.logo:
        out.logo()
    out.center(shop.name, bold=True, big=True)
    for ln in shop_lines(shop):
        # "Phone · Email" and "GSTIN · State" on one line when they fit, else one part a line
        for part in ([ln] if len(plain(ln)) <= cols else [p.strip() for p in ln.split("·")]):
            out.center(part)
    out.feed()
    out.center(doc.title, bold=True)
    badge = invoice_badge(doc)
    if badge:
        out.center(badge, bold=True, big=True)
    out.rule()
    out.pair("Invoice No." if not bos else "Bill No.", doc.number)
    out.pair("Date", f"{date_text(doc.issued_at)} {time_text(doc.issued_at)}")
    out.pair("Cashier", doc.cashier)
    out.pair("Place of supply", doc.place_of_supply_label or doc.place_of_supply)
    if not bos:
        out.pair("Reverse charge", "No")
    if doc.customer is not None:
        cu = doc.customer
        out.rule()
        out.text("Billed to: " + cu.name, bold=True)
        for a in (cu.address or "").splitlines():
            if a.strip():
                out.text(a.strip())
        if cu.phone:
            out.text(f"Phone: {cu.phone}")
        if cu.gstin:
            out.text(f"GSTIN: {cu.gstin}", bold=True)
        if cu.state:
            out.text(f"State: {cu.state}")
    if doc.delivery_to_print:                       # Rule 46(k): the delivery address when it differs
        out.text("Deliver to:", bold=True)
        for a in doc.delivery_to_print.splitlines():
            if a.strip():
                out.text(a.strip())
    out.rule()
    out.pair("Item", "Amount Rs.", bold=True)
    for ln in doc.lines:
        out.text(f"{ln.no}. {ln.name}", bold=True)
        star = "*" if ln.tax_inclusive and not bos else ""
        out.pair(f"{qty(ln.qty, ln.unit)} x {unit_price_text(ln.unit_price, loc)}{star}", n(ln.total), indent=2)
        if ln.discount:
            out.text(f"value {n(ln.gross)}  disc {n(ln.discount)}", indent=2)
        first = [f"HSN {ln.hsn}" if ln.hsn else "", "" if bos else f"taxable {n(ln.taxable)}"]
        detail = "  ".join(d for d in first if d)
        if detail:
            out.text(detail, indent=2)
        if not bos:
            out.text((f"GST {rate(ln.gst_rate)}: IGST {n(ln.igst)}" if doc.inter_state else
                             f"GST {rate(ln.gst_rate)}: CGST {n(ln.cgst)} + SGST {n(ln.sgst)}"), indent=2)
    out.rule()
    out.pair("Total value", n(doc.gross_total))
    if doc.discount_total:
        out.pair("Discount" + (f" ({doc.bill_discount_text})" if doc.bill_discount_text else ""),
                 "-" + n(doc.discount_total))
    if not bos:
        out.pair("Taxable value", n(doc.taxable_total))
        if doc.inter_state:
            out.pair("IGST", n(doc.igst))
        else:
            out.pair("CGST", n(doc.cgst))
            out.pair("SGST", n(doc.sgst))
    if doc.round_off:
        out.pair("Round off", ("+" if doc.round_off > 0 else "-") + n(abs(doc.round_off)))
    out.pair("TOTAL", "Rs. " + n(doc.grand_total), bold=True, big=True)
    out.text(amount_in_words(doc.grand_total, shop.currency))
    if not bos:
        out.feed()
        if doc.inter_state:
            w = [6, (cols - 8) // 2, cols - 8 - (cols - 8) // 2]
            out.columns(["GST", "Taxable", "IGST"], w, "LRR", bold=True)
            for r in doc.tax_rows:
                out.columns([rate(r.rate), n(r.taxable), n(r.igst)], w, "LRR")
        else:
            rest = cols - 6 - 3
            w = [6, rest - 2 * (rest // 3), rest // 3, rest // 3]
            out.columns(["GST", "Taxable", "CGST", "SGST"], w, "LRRR", bold=True)
            for r in doc.tax_rows:
                out.columns([rate(r.rate), n(r.taxable), n(r.cgst), n(r.sgst)], w, "LRRR")
    out.rule()
    for p in doc.payments:
        out.pair(mode_label(p.mode) + (f" {p.reference}" if p.reference else ""), n(p.amount))
        if p.tendered is not None and p.tendered != p.amount:
            out.pair("tendered", n(p.tendered), indent=2)
    if doc.change:
        out.pair("Change", n(doc.change), bold=True)
    if doc.customer is not None and doc.dues_after is not None:
        out.pair("Dues after this bill", n(doc.dues_after))
    if doc.credits_earned or doc.credits_redeemed:
        out.pair("Credits earned / used", f"{n(doc.credits_earned)} / {n(doc.credits_redeemed)}")
    if doc.customer is not None and doc.credits_balance is not None:
        out.pair("Credits balance", n(doc.credits_balance))
    payload = upi_for(doc)
    if payload:
        out.feed()
        out.qr(payload)
        out.center(f"Scan to pay Rs. {n(doc.amount_to_pay)} by UPI")
    decl = declaration(shop) if bos else ""
    out.feed()
    if decl:
        out.center(decl, bold=True)
    if shop.footer_text:
        for part in shop.footer_text.splitlines():
            out.center(part)
    out.feed(2)
    out.center("Authorised Signatory")
    out.center(f"for {shop.name}")
    return out


def _logo_image(data: bytes, dots: int):
    """The shop's logo as a 1-bit image at most half the paper wide, centred on the full width."""
    from PIL import Image
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
            bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
            bg.alpha_composite(im)
            im = bg
        im = im.convert("L")
    w = dots // 2
    h = max(1, round(im.height * w / im.width))
    if h > 160:
        w, h = max(1, round(w * 160 / h)), 160
    im = im.resize((w, h)).convert("1")
    canvas = Image.new("1", (dots, h), 1)
    canvas.paste(im, ((dots - w) // 2, 0))
    return canvas


def encode(lines: Lines, options: ReceiptOptions, *, logo: bytes | None = None) -> bytes:
    """ESC/POS bytes for ``lines``: initialise, code page, the text, QR, feed and cut."""
    from escpos.printer import Dummy

    p = Dummy(profile="default")
    data = p.profile.profile_data
    media = dict(data.get("media", {}))
    media["width"] = {"mm": options.width, "pixels": DOTS[options.width]}
    p.profile.profile_data = {**data, "media": media}     # this instance's paper, not the shared profile
    p._raw(b"\x1b@")                              # initialise: a clean state whatever came before
    if options.drawer:
        p._raw(DRAWER_PULSE)
    p.charcode(options.codepage)
    state = None
    for item in lines.items:
        kind = item[0]
        if kind == "text":
            _, text, align, bold, big = item
            if (align, bold, big) != state:
                p.set(align=align, bold=bold, double_height=big, normal_textsize=not big)
                state = (align, bold, big)
            p.textln(text)
        elif kind == "feed":
            p.ln(item[1])
        elif kind == "qr":
            p.set(align="center", normal_textsize=True, bold=False)
            state = None
            if options.qr_native:
                p.qr(item[1], native=True, size=6 if options.width == 80 else 5)
                p.ln()
            else:
                p.qr(item[1], native=False, size=6 if options.width == 80 else 4)
        elif kind == "logo" and logo:
            try:
                image = _logo_image(logo, DOTS[options.width])
            except Exception:  # noqa: BLE001 - an unreadable logo never stops a receipt
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                p.image(image, impl="bitImageRaster")
    p.set(align="left", bold=False, normal_textsize=True)
    if options.cut:
        p.cut()
    else:
        p.ln(4)
    return p.output


def render_receipt_escpos(doc: InvoiceDoc, options: ReceiptOptions = ReceiptOptions()) -> bytes:
    """The whole print job for ``doc`` on a receipt printer."""
    lines = receipt_lines(doc, options.columns, logo=options.logo)
    return encode(lines, options, logo=doc.shop.logo if options.logo else None)


def drawer_job() -> bytes:
    """Just the drawer pulse (initialise, kick pin 2)."""
    return b"\x1b@" + DRAWER_PULSE


def test_page(options: ReceiptOptions, *, terminal: str, printer: str, shop_name: str = "",
              when: str = "") -> bytes:
    """A test page: the width ruler, the code page, a QR code, then cut."""
    cols = options.columns
    out = Lines(cols)
    out.center("billbook test page", bold=True, big=True)
    if shop_name:
        out.center(shop_name)
    out.rule()
    out.pair("Terminal", terminal)
    out.pair("Printer", printer)
    out.pair("Paper", f"{options.width} mm, {cols} columns")
    out.pair("Code page", options.codepage)
    if when:
        out.pair("Printed", when)
    out.rule()
    out.text(("1234567890" * 5)[:cols])
    out.text("Rs. 1,23,456.00  Abc xyz 0123456789")
    out.feed()
    out.qr("billbook test page")
    out.center("A QR code above means QR works")
    return encode(out, options)
