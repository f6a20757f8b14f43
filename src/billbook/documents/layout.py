"""A small page-layout engine on a bare reportlab canvas, shared by the A4 documents.

Why not platypus: we need "Page N of M" (known before drawing), a table header repeated
on every page, closing sections kept together, and speed (a 20-line invoice should cost
little more than drawing its text). So every block measures itself first, the paginator
plans all pages, and only then is anything drawn.

Blocks have ``measure(width) -> height`` and ``draw(canvas, x, top, width)`` (``top`` is the
y of the block's upper edge; reportlab's y grows upwards).
"""

from __future__ import annotations

import os
import functools
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from billbook.documents.fonts import BOLD, REGULAR, font, register_fonts
from billbook.documents.qr import draw_qr
from billbook.domain.money import format_money, format_number, qty_str

log = logging.getLogger(__name__)

PAGE_W, PAGE_H = A4
MARGIN = 28.0
GREY = (0.45, 0.45, 0.45)
LIGHT = (0.82, 0.82, 0.82)
HEAD_FILL = (0.93, 0.94, 0.96)
ACCENT = (0.13, 0.27, 0.50)
BLACK = (0, 0, 0)


# ---------------------------------------------------------------- formatting

@functools.lru_cache(maxsize=4096)
def num(value: Decimal, locale: str = "en_IN") -> str:
    """Table figure: grouped, two decimals, no symbol (1,23,456.50)."""
    return format_number(value, locale)


@functools.lru_cache(maxsize=1024)
def money(value: Decimal, currency: str = "INR", locale: str = "en_IN") -> str:
    """Amount with the currency sign (₹1,23,456.50)."""
    return format_money(value, currency, locale)


def qty(value: Decimal, unit: str = "") -> str:
    return f"{qty_str(value)} {unit}".strip()


def rate(value: Decimal) -> str:
    value = Decimal(value)
    text = format(value.normalize(), "f") if value != value.to_integral() else str(int(value))
    return f"{text}%"


# ---------------------------------------------------------------- text measuring

def width_of(text: str, face: str, size: float) -> float:
    return stringWidth(text, font(face), size)


def wrap(text: str, face: str, size: float, width: float) -> list[str]:
    """Split ``text`` into lines no wider than ``width``; words too long are cut."""
    fname = font(face)
    lines: list[str] = []
    for para in (text or "").split("\n"):
        words = para.split()
        if not words:
            lines.append("")
            continue
        current = ""
        for word in words:
            trial = f"{current} {word}" if current else word
            if stringWidth(trial, fname, size) <= width:
                current = trial
                continue
            if current:
                lines.append(current)
            # a word wider than the column is broken by characters
            while stringWidth(word, fname, size) > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and stringWidth(word[:cut], fname, size) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return lines or [""]


def fit(text: str, face: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` (for one-line cells)."""
    fname = font(face)
    if stringWidth(text, fname, size) <= width:
        return text
    while text and stringWidth(text + "…", fname, size) > width:
        text = text[:-1]
    return text + "…"


def draw_text(c, text: str, x: float, y: float, face: str = REGULAR, size: float = 8,
              align: str = "L", color=BLACK) -> None:
    fname = font(face)
    # only emit font/colour operators when they change (reportlab keeps the current state)
    if c._fontname != fname or c._fontsize != size:
        c.setFont(fname, size)
    if tuple(c._fillColorObj) != tuple(color):
        c.setFillColorRGB(*color)
    if align == "R":
        c.drawRightString(x, y, text)
    elif align == "C":
        c.drawCentredString(x, y, text)
    else:
        c.drawString(x, y, text)


# ---------------------------------------------------------------- logo

def load_logo(data: bytes | None, warnings: list[str], max_px: int = 600):
    """A reportlab ImageReader for the shop logo, or None (with a warning) if unreadable."""
    if not data:
        return None
    try:
        from PIL import Image  # Pillow only when a logo is drawn
        img = Image.open(io.BytesIO(data))
        img.load()
        if img.mode not in ("RGB", "RGBA", "L"):
            img = img.convert("RGBA" if "transparency" in img.info or img.mode in ("P", "LA") else "RGB")
        if max(img.size) > max_px:  # no need to embed a 4000 px photo in a bill
            img.thumbnail((max_px, max_px))
        if img.size[0] < 1 or img.size[1] < 1:
            raise ValueError("empty image")
        return ImageReader(img)
    except Exception as exc:  # noqa: BLE001 - any broken image must not stop the invoice
        message = f"shop logo skipped: the stored logo is not a readable PNG or JPEG image ({type(exc).__name__})"
        log.warning(message)
        warnings.append(message)
        return None


def draw_logo(c, reader, x: float, top: float, max_w: float, max_h: float) -> tuple[float, float]:
    """Draw the logo scaled to fit max_w × max_h, top-left at (x, top). Returns (w, h)."""
    iw, ih = reader.getSize()
    scale = min(max_w / iw, max_h / ih)
    w, h = iw * scale, ih * scale
    c.drawImage(reader, x, top - h, w, h, mask="auto")
    return w, h


# ---------------------------------------------------------------- blocks

class Block:
    def measure(self, width: float) -> float:
        raise NotImplementedError

    def draw(self, c, x: float, top: float, width: float) -> None:
        raise NotImplementedError


@dataclass
class Line:
    """One paragraph of a TextBlock."""
    text: str
    face: str = REGULAR
    size: float = 8.0
    align: str = "L"
    color: tuple = BLACK
    space_before: float = 0.0


@dataclass
class TextBlock(Block):
    lines: list[Line]
    leading: float = 1.25

    def _wrapped(self, width: float):
        cache = self.__dict__.setdefault("_wrap_cache", {})
        if width in cache:
            return cache[width]
        out = []
        for ln in self.lines:
            for i, part in enumerate(wrap(ln.text, ln.face, ln.size, width)):
                out.append((ln, part, ln.space_before if i == 0 else 0.0))
        cache[width] = out
        return out

    def measure(self, width: float) -> float:
        return sum(ln.size * self.leading + sb for ln, _, sb in self._wrapped(width))

    def draw(self, c, x: float, top: float, width: float) -> None:
        y = top
        for ln, part, sb in self._wrapped(width):
            y -= sb + ln.size * self.leading
            tx = x + width if ln.align == "R" else x + width / 2 if ln.align == "C" else x
            draw_text(c, part, tx, y + ln.size * (self.leading - 1) + 0.5, ln.face, ln.size, ln.align, ln.color)


@dataclass
class KeyValues(Block):
    """Label on the left, value right-aligned: totals, invoice details."""
    rows: list[tuple[str, str]]
    size: float = 8.5
    bold_rows: set[int] = field(default_factory=set)
    big_rows: dict[int, float] = field(default_factory=dict)
    rule_before: set[int] = field(default_factory=set)
    value_align: str = "R"
    label_width: float | None = None
    leading: float = 1.45
    label_color: tuple = GREY

    def _size(self, i: int) -> float:
        return self.big_rows.get(i, self.size)

    def measure(self, width: float) -> float:
        return sum(self._size(i) * self.leading + (3 if i in self.rule_before else 0)
                   for i in range(len(self.rows)))

    def draw(self, c, x: float, top: float, width: float) -> None:
        y = top
        for i, (label, value) in enumerate(self.rows):
            size = self._size(i)
            if i in self.rule_before:
                y -= 3
                c.setStrokeColorRGB(*LIGHT)
                c.setLineWidth(0.6)
                c.line(x, y + 1, x + width, y + 1)
            y -= size * self.leading
            base = y + size * (self.leading - 1) / 2 + 1
            face = BOLD if i in self.bold_rows else REGULAR
            draw_text(c, label, x, base, face, size, "L", self.label_color if face == REGULAR else BLACK)
            if self.value_align == "R":
                draw_text(c, value, x + width, base, face, size, "R")
            else:
                lx = x + (self.label_width or width * 0.4)
                draw_text(c, fit(value, face, size, x + width - lx), lx, base, face, size, "L")


@dataclass
class MiniTable(Block):
    """A small grid: tax summary, payments. ``widths`` are fractions of the block width."""
    header: list[str]
    rows: list[list[str]]
    widths: list[float]
    aligns: str
    size: float = 7.5
    bold_last: bool = False
    pad: float = 3.0
    fill: tuple | None = HEAD_FILL
    grid: tuple = LIGHT

    def measure(self, width: float) -> float:
        return (len(self.rows) + 1) * (self.size + 2 * self.pad)

    def draw(self, c, x: float, top: float, width: float) -> None:
        rh = self.size + 2 * self.pad
        xs = [x]
        for w in self.widths:
            xs.append(xs[-1] + w * width)
        xs[-1] = x + width
        if self.fill is not None:
            c.setFillColorRGB(*self.fill)
            c.rect(x, top - rh, width, rh, stroke=0, fill=1)
        for r, row in enumerate([self.header] + self.rows):
            y = top - (r + 1) * rh + self.pad + 0.8
            face = BOLD if r == 0 or (self.bold_last and r == len(self.rows)) else REGULAR
            for col, text in enumerate(row):
                a = self.aligns[col]
                cw = xs[col + 1] - xs[col] - 2 * self.pad
                text = fit(text, face, self.size, cw)
                tx = xs[col + 1] - self.pad if a == "R" else (xs[col] + xs[col + 1]) / 2 if a == "C" else xs[col] + self.pad
                draw_text(c, text, tx, y, face, self.size, a)
        c.setStrokeColorRGB(*self.grid)
        c.setLineWidth(0.5)
        h = rh * (len(self.rows) + 1)
        c.rect(x, top - h, width, h, stroke=1, fill=0)
        for r in range(1, len(self.rows) + 1):
            c.line(x, top - r * rh, x + width, top - r * rh)


@dataclass
class Spacer(Block):
    height: float

    def measure(self, width: float) -> float:
        return self.height

    def draw(self, c, x: float, top: float, width: float) -> None:
        pass


@dataclass
class Rule(Block):
    space: float = 4.0
    color: tuple = LIGHT

    def measure(self, width: float) -> float:
        return 2 * self.space

    def draw(self, c, x: float, top: float, width: float) -> None:
        c.setStrokeColorRGB(*self.color)
        c.setLineWidth(0.6)
        c.line(x, top - self.space, x + width, top - self.space)


@dataclass
class Stack(Block):
    """Blocks one under the other with ``gap`` between them."""
    blocks: list[Block]
    gap: float = 6.0

    def measure(self, width: float) -> float:
        blocks = [b for b in self.blocks if b is not None]
        return sum(b.measure(width) for b in blocks) + self.gap * max(0, len(blocks) - 1)

    def draw(self, c, x: float, top: float, width: float) -> None:
        y = top
        for b in self.blocks:
            if b is None:
                continue
            b.draw(c, x, y, width)
            y -= b.measure(width) + self.gap


@dataclass
class Columns(Block):
    """Blocks side by side; ``fractions`` of the width, ``gap`` between them."""
    blocks: list[Block]
    fractions: list[float]
    gap: float = 12.0

    def _widths(self, width: float) -> list[float]:
        usable = width - self.gap * (len(self.blocks) - 1)
        return [usable * f for f in self.fractions]

    def measure(self, width: float) -> float:
        return max(b.measure(w) for b, w in zip(self.blocks, self._widths(width)))

    def draw(self, c, x: float, top: float, width: float) -> None:
        for b, w in zip(self.blocks, self._widths(width)):
            b.draw(c, x, top, w)
            x += w + self.gap


@dataclass
class Boxed(Block):
    """A block inside a light rectangle with an optional small caption on top."""
    inner: Block
    caption: str = ""
    pad: float = 6.0

    def _cap_h(self) -> float:
        return 11.0 if self.caption else 0.0

    def measure(self, width: float) -> float:
        return self.inner.measure(width - 2 * self.pad) + 2 * self.pad + self._cap_h()

    def draw(self, c, x: float, top: float, width: float) -> None:
        h = self.measure(width)
        c.setStrokeColorRGB(*LIGHT)
        c.setLineWidth(0.6)
        c.roundRect(x, top - h, width, h, 3, stroke=1, fill=0)
        y = top - self.pad
        if self.caption:
            draw_text(c, self.caption.upper(), x + self.pad, y - 7, BOLD, 6.5, "L", ACCENT)
            y -= self._cap_h()
        self.inner.draw(c, x + self.pad, y, width - 2 * self.pad)


@dataclass
class QrBlock(Block):
    payload: str
    size: float = 84.0
    caption: str = ""
    align: str = "R"
    caption_color: tuple = GREY

    def measure(self, width: float) -> float:
        return self.size + (12 if self.caption else 0)

    def draw(self, c, x: float, top: float, width: float) -> None:
        qx = x + width - self.size if self.align == "R" else x + (width - self.size) / 2 if self.align == "C" else x
        draw_qr(c, self.payload, qx, top - self.size, self.size)
        if self.caption:
            if self.align == "R":
                draw_text(c, fit(self.caption, REGULAR, 7, width), x + width, top - self.size - 9, REGULAR, 7, "R",
                          self.caption_color)
            else:
                draw_text(c, fit(self.caption, REGULAR, 7, width), qx + self.size / 2, top - self.size - 9,
                          REGULAR, 7, "C", self.caption_color)


@dataclass
class Signature(Block):
    shop_name: str

    def measure(self, width: float) -> float:
        return 52.0

    def draw(self, c, x: float, top: float, width: float) -> None:
        draw_text(c, fit(f"For {self.shop_name}", BOLD, 8, width), x + width, top - 10, BOLD, 8, "R")
        c.setStrokeColorRGB(*GREY)
        c.setLineWidth(0.6)
        c.line(x + width - min(width, 150), top - 40, x + width, top - 40)
        draw_text(c, "Authorised Signatory", x + width, top - 50, REGULAR, 7.5, "R", GREY)


@dataclass
class DocHeader(Block):
    """The top of every page: logo and shop on the left; title, badge and details on the right."""
    shop_name: str
    shop_lines: list[str]
    title: str
    meta: list[tuple[str, str]]
    logo: object | None = None       # ImageReader from load_logo
    badge: str = ""                  # e.g. DUPLICATE (drawn in red)
    subtitle: str = ""               # e.g. ORIGINAL FOR RECIPIENT (grey)
    logo_box: tuple[float, float] = (96.0, 56.0)

    def _split(self, width: float) -> tuple[float, float]:
        right = min(210.0, width * 0.4)
        return width - right - 14, right

    def _logo_w(self) -> float:
        if self.logo is None:
            return 0.0
        iw, ih = self.logo.getSize()
        scale = min(self.logo_box[0] / iw, self.logo_box[1] / ih)
        return iw * scale + 10

    def _left(self, width: float) -> TextBlock:
        left_w, _ = self._split(width)
        return TextBlock([Line(self.shop_name, BOLD, 14, color=ACCENT)]
                         + [Line(t, REGULAR, 8) for t in self.shop_lines if t])

    def _right(self) -> tuple[TextBlock, KeyValues]:
        lines = [Line(self.title, BOLD, 15, "R")]
        if self.badge:
            lines.append(Line(self.badge, BOLD, 10, "R", (0.75, 0.1, 0.1)))
        elif self.subtitle:
            lines.append(Line(self.subtitle, REGULAR, 7, "R", GREY))
        return TextBlock(lines), KeyValues(self.meta, size=8, value_align="R", leading=1.4)

    def measure(self, width: float) -> float:
        left_w, right_w = self._split(width)
        lw = self._logo_w()
        left_h = max(self._left(width).measure(left_w - lw),
                     self.logo_box[1] if self.logo is not None else 0)
        t, kv = self._right()
        right_h = t.measure(right_w) + 4 + kv.measure(right_w)
        return max(left_h, right_h) + 8

    def draw(self, c, x: float, top: float, width: float) -> None:
        left_w, right_w = self._split(width)
        lw = self._logo_w()
        if self.logo is not None:
            draw_logo(c, self.logo, x, top, *self.logo_box)
        self._left(width).draw(c, x + lw, top, left_w - lw)
        t, kv = self._right()
        rx = x + width - right_w
        t.draw(c, rx, top, right_w)
        kv.draw(c, rx, top - t.measure(right_w) - 4, right_w)
        h = self.measure(width)
        c.setStrokeColorRGB(*ACCENT)
        c.setLineWidth(1.2)
        c.line(x, top - h + 3, x + width, top - h + 3)


# ---------------------------------------------------------------- the line table

@dataclass
class Column:
    title: str              # may hold "\n" for a two-line header
    align: str = "R"        # L | R | C
    flex: bool = False      # the one column that takes the remaining width (wraps)
    min_width: float = 0.0


@dataclass
class LineTable:
    columns: list[Column]
    rows: list[list[str]]
    size: float = 7.5
    pad_x: float = 3.0
    pad_y: float = 2.6
    leading: float = 1.22
    #: rows drawn bold (e.g. a totals row)
    bold_rows: set[int] = field(default_factory=set)
    min_flex: float = 110.0

    # computed by layout()
    widths: list[float] = field(default_factory=list)
    heights: list[float] = field(default_factory=list)
    cells: list[list[list[str]]] = field(default_factory=list)
    header_h: float = 0.0

    def layout(self, width: float) -> None:
        """Choose column widths (shrinking the font if needed), wrap the flex column."""
        size = self.size
        while True:
            widths = []
            for ci, col in enumerate(self.columns):
                if col.flex:
                    widths.append(0.0)
                    continue
                w = max([width_of(t, BOLD, size) for t in col.title.split("\n")]
                        + [width_of(r[ci], BOLD if ri in self.bold_rows else REGULAR, size)
                           for ri, r in enumerate(self.rows)])
                widths.append(max(w + 2 * self.pad_x, col.min_width))
            rest = width - sum(widths)
            if rest >= self.min_flex or size <= 5.5:
                break
            size -= 0.5
        self.size = size
        flex_i = next(i for i, c in enumerate(self.columns) if c.flex)
        widths[flex_i] = max(rest, 40.0)
        self.widths = widths
        lh = size * self.leading
        self.header_h = max(len(c.title.split("\n")) for c in self.columns) * lh + 2 * self.pad_y
        self.cells, self.heights = [], []
        for ri, row in enumerate(self.rows):
            cells = []
            for ci, text in enumerate(row):
                if ci == flex_i:
                    cells.append(wrap(text, REGULAR, size, widths[ci] - 2 * self.pad_x))
                else:
                    cells.append(text.split("\n"))
            self.cells.append(cells)
            self.heights.append(max(len(cl) for cl in cells) * lh + 2 * self.pad_y)

    def _xs(self, x: float) -> list[float]:
        xs = [x]
        for w in self.widths:
            xs.append(xs[-1] + w)
        return xs

    def _draw_cell(self, c, lines, col: Column, x0, x1, top, face, size) -> None:
        lh = size * self.leading
        for i, text in enumerate(lines):
            y = top - self.pad_y - (i + 1) * lh + (lh - size) / 2 + 1.2
            if col.align == "R":
                draw_text(c, text, x1 - self.pad_x, y, face, size, "R")
            elif col.align == "C":
                draw_text(c, text, (x0 + x1) / 2, y, face, size, "C")
            else:
                draw_text(c, text, x0 + self.pad_x, y, face, size, "L")

    def draw_header(self, c, x: float, top: float) -> None:
        xs = self._xs(x)
        c.setFillColorRGB(*HEAD_FILL)
        c.rect(x, top - self.header_h, xs[-1] - x, self.header_h, stroke=0, fill=1)
        for ci, col in enumerate(self.columns):
            self._draw_cell(c, col.title.split("\n"), col, xs[ci], xs[ci + 1], top, BOLD, self.size)

    def draw_rows(self, c, x: float, top: float, first: int, last: int) -> float:
        """Draw rows[first:last] under the header at ``top``; returns the bottom y."""
        xs = self._xs(x)
        y = top - self.header_h
        c.setLineWidth(0.4)
        for ri in range(first, last):
            face = BOLD if ri in self.bold_rows else REGULAR
            for ci, col in enumerate(self.columns):
                self._draw_cell(c, self.cells[ri][ci], col, xs[ci], xs[ci + 1], y, face, self.size)
            y -= self.heights[ri]
            if ri < last - 1:
                c.setStrokeColorRGB(0.9, 0.9, 0.9)
                c.line(x, y, xs[-1], y)
        c.setStrokeColorRGB(*LIGHT)
        c.setLineWidth(0.6)
        c.rect(x, y, xs[-1] - x, top - y, stroke=1, fill=0)
        c.line(x, top - self.header_h, xs[-1], top - self.header_h)
        for xv in xs[1:-1]:
            c.line(xv, y, xv, top)
        return y


# ---------------------------------------------------------------- pages

@dataclass
class PageSpec:
    """What goes on an A4 document, in order."""
    header: Block                # drawn at the top of every page
    intro: list[Block]           # page 1 only, under the header
    table: LineTable | None
    closing: list[Block]         # after the table; each kept whole
    footer_left: str = ""
    title: str = ""
    author: str = "billbook"
    subject: str = ""


def _plan(spec: PageSpec, width: float) -> list[list[tuple]]:
    """Assign everything to pages: each page is a list of (kind, payload, top)."""
    top0 = PAGE_H - MARGIN - spec.header.measure(width) - 6
    bottom = MARGIN + 18
    pages: list[list[tuple]] = [[]]
    y = top0
    gap = 8.0

    def new_page():
        nonlocal y
        pages.append([])
        y = top0

    for block in spec.intro:
        h = block.measure(width)
        pages[-1].append(("block", block, y))
        y -= h + gap

    table = spec.table
    if table is not None and table.rows:
        table.layout(width)
        i = 0
        n = len(table.rows)
        while i < n:
            # at least one row under a header on this page, else start a new page
            if y - table.header_h - table.heights[i] < bottom:
                new_page()
            start, avail = i, y - table.header_h - bottom
            while i < n and table.heights[i] <= avail:
                avail -= table.heights[i]
                i += 1
            if i == start:  # a single row taller than a page: draw it anyway
                i += 1
            used = table.header_h + sum(table.heights[start:i])
            pages[-1].append(("table", (start, i, i < n), y))
            y -= used + gap
    for block in spec.closing:
        h = block.measure(width)
        if y - h < bottom and pages[-1]:
            new_page()
        pages[-1].append(("block", block, y))
        y -= h + gap
    return pages


def render_pages(spec: PageSpec, out) -> int:
    """Draw ``spec`` into ``out`` (path or binary file); returns the number of pages."""
    register_fonts()
    width = PAGE_W - 2 * MARGIN
    pages = _plan(spec, width)
    total = len(pages)
    if isinstance(out, os.PathLike):
        out = os.fspath(out)
    c = Canvas(out, pagesize=A4, pageCompression=1)
    c.setTitle(spec.title)
    c.setAuthor(spec.author)
    c.setSubject(spec.subject)
    c.setCreator("billbook")
    for p, items in enumerate(pages, start=1):
        spec.header.draw(c, MARGIN, PAGE_H - MARGIN, width)
        for kind, payload, top in items:
            if kind == "block":
                payload.draw(c, MARGIN, top, width)
            else:
                start, end, more = payload
                spec.table.draw_header(c, MARGIN, top)
                bottom_y = spec.table.draw_rows(c, MARGIN, top, start, end)
                if more:
                    draw_text(c, f"continued on page {p + 1}", MARGIN + width, bottom_y - 9,
                              REGULAR, 7, "R", GREY)
        draw_text(c, spec.footer_left, MARGIN, MARGIN, REGULAR, 7, "L", GREY)
        draw_text(c, f"Page {p} of {total}", MARGIN + width, MARGIN, REGULAR, 7, "R", GREY)
        c.showPage()
    c.save()
    return total


def text_lines(*items: str | Line | None, size: float = 8.0, face: str = REGULAR) -> TextBlock:
    """A TextBlock from strings (plain) and Line objects; None and '' are skipped."""
    lines = []
    for it in items:
        if it is None or it == "":
            continue
        lines.append(it if isinstance(it, Line) else Line(it, face, size))
    return TextBlock(lines)


def join_nonempty(parts: Sequence[str], sep: str = "  ·  ") -> str:
    return sep.join(p for p in parts if p)
