"""Barcode labels: A4 label sheets (65, 48 or 24 a sheet) as PDF, and label-printer bytes (ZPL,
TSPL). Plain data in (:class:`LabelItem`), bytes out.

A label carries the product's name, its price (what the customer pays, tax included) and the
MRP when it differs, and its barcode: EAN-13 when the product has one, else Code 128 of the
SKU. Bars are drawn at a module width a phone or a counter scanner reads (0.26–0.33 mm for
EAN-13); a Code 128 that would need thinner bars than 0.17 mm gets a warning.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal

from reportlab.lib.units import mm

from billbook.documents.layout import num
from billbook.domain.barcode import is_ean13


@dataclass(frozen=True)
class LabelItem:
    sku: str
    name: str
    price: Decimal
    code: str                     # what the barcode encodes (EAN-13 digits, or the SKU)
    mrp: Decimal | None = None

    @property
    def symbology(self) -> str:
        return "ean13" if is_ean13(self.code) else "code128"


@dataclass(frozen=True)
class SheetLayout:
    """An A4 label sheet: ``cols`` × ``rows`` labels of ``w`` × ``h`` mm; margins and pitch in mm."""
    per_sheet: int
    cols: int
    rows: int
    w: float
    h: float
    left: float
    top: float
    pitch_x: float
    pitch_y: float


#: the common A4 sheets (Avery L7651 / L7654-like / L7159 geometry)
LAYOUTS: dict[int, SheetLayout] = {
    65: SheetLayout(65, 5, 13, 38.1, 21.2, 4.75, 10.7, 40.6, 21.2),
    48: SheetLayout(48, 4, 12, 45.7, 21.2, 9.85, 21.3, 48.2, 21.2),
    24: SheetLayout(24, 3, 8, 64.0, 33.9, 7.0, 12.9, 66.0, 33.9),
}

A4_W, A4_H = 210 * mm, 297 * mm
MIN_MODULE = 0.17 * mm


@dataclass
class LabelResult:
    pages: int = 0
    labels: int = 0
    warnings: list[str] = field(default_factory=list)


def _price_text(item: LabelItem) -> str:
    return f"₹{num(item.price)}"


def _barcode(item: LabelItem, max_w: float, bar_h: float, warnings: list[str]):
    """A reportlab barcode flowable for ``item`` no wider than ``max_w`` (points)."""
    from reportlab.graphics.barcode import code128, eanbc
    if item.symbology == "ean13":
        # EAN-13: 95 modules plus quiet zones (11 + 7): ~113 modules across
        module = min(0.33 * mm, max_w / 113)
        bc = eanbc.Ean13BarcodeWidget(item.code[:12], barWidth=module, barHeight=bar_h, fontSize=6,
                                      quiet=True, humanReadable=True)
        return bc, "ean13"
    module = 0.33 * mm
    bc = code128.Code128(item.code, barWidth=module, barHeight=bar_h, quiet=True, lquiet=4 * module,
                         rquiet=4 * module)
    if bc.width > max_w:
        module = module * max_w / bc.width
        bc = code128.Code128(item.code, barWidth=module, barHeight=bar_h, quiet=True, lquiet=4 * module,
                             rquiet=4 * module)
    if module < MIN_MODULE:
        warnings.append(f"{item.sku}: the SKU is long for this label; its Code 128 may not scan "
                        "(give the product an EAN-13, or use bigger labels)")
    return bc, "code128"


def _fit(text: str, face: str, size: float, width: float) -> str:
    from reportlab.pdfbase.pdfmetrics import stringWidth
    if stringWidth(text, face, size) <= width:
        return text
    while text and stringWidth(text + "…", face, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _draw_label(c, item: LabelItem, x: float, y: float, w: float, h: float, warnings: list[str]) -> None:
    """Draw one label with its bottom-left corner at (x, y)."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.shapes import Drawing

    from billbook.documents.fonts import BOLD, REGULAR, register_fonts
    fonts = register_fonts()
    reg, bold = fonts[REGULAR], fonts[BOLD]
    pad = 1.2 * mm
    small = h < 25 * mm
    name_size = 6 if small else 8
    price_size = 7 if small else 10
    top = y + h - pad
    c.setFillColorRGB(0, 0, 0)
    c.setFont(bold, name_size)
    c.drawString(x + pad, top - name_size, _fit(item.name, bold, name_size, w - 2 * pad))
    line2 = top - name_size - price_size - 0.6 * mm
    c.setFont(bold, price_size)
    c.drawString(x + pad, line2, _price_text(item))
    if item.mrp is not None and item.mrp != item.price:
        c.setFont(reg, name_size)
        c.drawRightString(x + w - pad, line2, f"MRP ₹{num(item.mrp)}")
    bar_top = line2 - 0.8 * mm
    bar_h = max(5 * mm, (bar_top - y - pad) - (2.4 * mm if True else 0))
    bc, kind = _barcode(item, w - 2 * pad, bar_h - 2.2 * mm, warnings)
    if kind == "ean13":
        bx0, by0, bw, bh = bc.getBounds()
        d = Drawing(bw - bx0, bh - by0)
        d.add(bc)
        renderPDF.draw(d, c, x + (w - (bw - bx0)) / 2 - bx0, y + pad - by0)
    else:
        bc.drawOn(c, x + (w - bc.width) / 2, y + pad + 2.2 * mm)
        c.setFont(reg, 5.5)
        c.drawCentredString(x + w / 2, y + pad, item.code)


def render_label_sheet(items: list[LabelItem], out, *, layout: int = 65, skip: int = 0,
                       outline: bool = False) -> LabelResult:
    """Draw ``items`` (one label each; repeat an item for copies) on A4 sheets of ``layout``.

    ``skip``: labels already used on the first sheet (printing starts after them).
    ``outline``: draw each label's edge (for a plain-paper test print).
    """
    from reportlab.pdfgen.canvas import Canvas
    if layout not in LAYOUTS:
        raise ValueError(f"a label sheet has {', '.join(map(str, LAYOUTS))} labels")
    sheet = LAYOUTS[layout]
    if not 0 <= skip < sheet.per_sheet:
        raise ValueError(f"skip 0 to {sheet.per_sheet - 1} labels")
    result = LabelResult()
    if isinstance(out, os.PathLike):
        out = os.fspath(out)
    c = Canvas(out, pagesize=(A4_W, A4_H), pageCompression=1)
    c.setTitle("Barcode labels")
    c.setCreator("billbook")
    slot = skip
    for item in items:
        if slot == sheet.per_sheet:
            c.showPage()
            result.pages += 1
            slot = 0
        row, col = divmod(slot, sheet.cols)
        x = (sheet.left + col * sheet.pitch_x) * mm
        y = A4_H - (sheet.top + row * sheet.pitch_y + sheet.h) * mm
        if outline:
            c.setStrokeColorRGB(0.75, 0.75, 0.75)
            c.setLineWidth(0.3)
            c.roundRect(x, y, sheet.w * mm, sheet.h * mm, 1.5 * mm)
        _draw_label(c, item, x, y, sheet.w * mm, sheet.h * mm, result.warnings)
        slot += 1
        result.labels += 1
    c.showPage()
    result.pages += 1
    c.save()
    result.warnings = list(dict.fromkeys(result.warnings))
    return result


# ---------------------------------------------------------------- label printers

def _zpl_text(text: str) -> str:
    # ^FH lets a field carry _XX hex escapes; escape the characters ZPL treats specially
    return "".join(f"_{ord(ch):02X}" if ch in "^~_" else ch for ch in text)


def zpl(items: list[tuple[LabelItem, int]], *, width_mm: float = 50, height_mm: float = 25, dpmm: int = 8) -> bytes:
    """ZPL II for a Zebra-compatible printer: one format per product with ``^PQ`` copies."""
    w, h = round(width_mm * dpmm), round(height_mm * dpmm)
    out = []
    for item, copies in items:
        price = f"Rs. {num(item.price)}" + (f"   MRP Rs. {num(item.mrp)}" if item.mrp is not None
                                             and item.mrp != item.price else "")
        if item.symbology == "ean13":
            code = f"^FO{w // 8},{h * 2 // 5}^BY2^BEN,{h * 2 // 5},Y,N^FD{item.code[:12]}^FS"
        else:
            code = f"^FO{w // 12},{h * 2 // 5}^BY2^BCN,{h * 2 // 5},Y,N,N^FH^FD{_zpl_text(item.code)}^FS"
        out.append("\n".join([
            "^XA", "^CI28", f"^PW{w}", f"^LL{h}",
            f"^FO10,8^A0N,22,22^FB{w - 20},1,0,L^FH^FD{_zpl_text(item.name)}^FS",
            f"^FO10,36^A0N,26,26^FH^FD{_zpl_text(price)}^FS",
            code, f"^PQ{max(1, int(copies))},0,1,N", "^XZ"]))
    return ("\n".join(out) + "\n").encode("utf-8")


def _tspl_text(text: str) -> str:
    return text.replace('"', "'")


def tspl(items: list[tuple[LabelItem, int]], *, width_mm: float = 50, height_mm: float = 25, dpmm: int = 8) -> bytes:
    """TSPL for a TSC/Xprinter-style label printer: one label per product, ``PRINT 1,copies``."""
    out = [f"SIZE {width_mm} mm,{height_mm} mm", "GAP 2 mm,0", "DIRECTION 1", "CODEPAGE UTF-8"]
    bar_h = round(height_mm * dpmm * 0.4)
    for item, copies in items:
        price = f"Rs. {num(item.price)}" + (f"  MRP Rs. {num(item.mrp)}" if item.mrp is not None
                                            and item.mrp != item.price else "")
        kind = "EAN13" if item.symbology == "ean13" else "128"
        code = item.code[:12] if kind == "EAN13" else item.code
        out += ["CLS", f'TEXT 10,8,"2",0,1,1,"{_tspl_text(item.name[:32])}"',
                f'TEXT 10,36,"3",0,1,1,"{_tspl_text(price)}"',
                f'BARCODE 10,{round(height_mm * dpmm * 0.45)},"{kind}",{bar_h},1,0,2,2,"{_tspl_text(code)}"',
                f"PRINT 1,{max(1, int(copies))}"]
    return ("\r\n".join(out) + "\r\n").encode("utf-8")


def label_test_page(language: str) -> bytes:
    sample = LabelItem("TEST", "billbook test label", Decimal("99.00"), "8901234567892"
                       if is_ean13("8901234567892") else "TEST-LABEL")
    return (zpl if language == "zpl" else tspl)([(sample, 1)])


def a4_test_page(*, terminal: str, printer: str, shop_name: str = "", when: str = "") -> bytes:
    """A one-page A4 PDF saying which terminal and printer it came from."""
    import io

    from reportlab.pdfgen.canvas import Canvas

    from billbook.documents.fonts import BOLD, REGULAR, register_fonts
    fonts = register_fonts()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(A4_W, A4_H))
    c.setTitle("billbook test page")
    c.setFont(fonts[BOLD], 22)
    c.drawString(25 * mm, A4_H - 35 * mm, "billbook test page")
    c.setFont(fonts[REGULAR], 12)
    y = A4_H - 50 * mm
    for label, value in (("Shop", shop_name), ("Terminal", terminal), ("Printer", printer), ("Printed", when)):
        if value:
            c.drawString(25 * mm, y, f"{label}: {value}")
            y -= 8 * mm
    c.setLineWidth(0.5)
    c.rect(10 * mm, 10 * mm, A4_W - 20 * mm, A4_H - 20 * mm)
    c.drawString(12 * mm, 12 * mm, "The frame is 10 mm from each edge of the paper.")
    c.showPage()
    c.save()
    return buf.getvalue()
