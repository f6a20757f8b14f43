"""PDF benchmark: a 20-line A4 tax invoice against a bare reportlab canvas drawing the same text.

    python -m billbook.devtools.bench.pdf [--lines 20] [--repeat 40]

The invoice is rendered once with a recording canvas to collect every string it draws
(text, font, size). The baseline then draws exactly those strings with a bare
``reportlab.pdfgen.canvas.Canvas`` (same DejaVu fonts, so the same font subsetting) in a
plain top-to-bottom list — no layout, no table lines, no QR. Both write to memory. The two
are timed alternately, ``--repeat`` times each; the medians and their ratio are printed.
Goal: ratio ≤ 2.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from contextlib import contextmanager

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas as rl_canvas

from billbook.documents.fonts import register_fonts
from billbook.documents.invoice_a4 import render_invoice_a4
from billbook.documents.receipt import render_receipt
from billbook.documents.samples import sample_invoice


@contextmanager
def _recording(strings: list[tuple[str, str, float]]):
    original = rl_canvas.Canvas

    class Recording(original):  # type: ignore[misc, valid-type]
        def _rec(self, text):
            strings.append((text, self._fontname, self._fontsize))

        def drawString(self, x, y, text, *a, **kw):  # noqa: N802 - reportlab's name
            self._rec(text)
            return super().drawString(x, y, text, *a, **kw)

        def drawRightString(self, x, y, text, *a, **kw):  # noqa: N802
            self._rec(text)
            return super().drawRightString(x, y, text, *a, **kw)

        def drawCentredString(self, x, y, text, *a, **kw):  # noqa: N802
            self._rec(text)
            return super().drawCentredString(x, y, text, *a, **kw)

    rl_canvas.Canvas = Recording
    try:
        yield
    finally:
        rl_canvas.Canvas = original


def strings_of(doc) -> list[tuple[str, str, float]]:
    """Every (text, font, size) the invoice renderer draws for ``doc``."""
    found: list[tuple[str, str, float]] = []
    with _recording(found):
        render_invoice_a4(doc, io.BytesIO())
    return found


def bare_canvas(strings: list[tuple[str, str, float]]) -> bytes:
    """The baseline: the same strings drawn one under the other on a bare canvas."""
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    y = A4[1] - 30
    x = 30
    for text, font, size in strings:
        if y < 30:
            if x > 300:
                c.showPage()
                x, y = 30, A4[1] - 30
            else:
                x, y = 320, A4[1] - 30
        c.setFont(font, size)
        c.drawString(x, y, text)
        y -= size * 1.3
    c.showPage()
    c.save()
    return buf.getvalue()


def ours(doc) -> bytes:
    buf = io.BytesIO()
    render_invoice_a4(doc, buf)
    return buf.getvalue()


def receipt(doc) -> bytes:
    buf = io.BytesIO()
    render_receipt(doc, buf)
    return buf.getvalue()


def _time(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=40)
    args = ap.parse_args(argv)

    register_fonts()
    doc = sample_invoice(args.lines)  # with a customer, payments, dues and a UPI QR
    strings = strings_of(doc)
    # warm up both (font loading, first-use caches)
    ours(doc), bare_canvas(strings), receipt(doc)

    t_ours, t_bare, t_receipt = [], [], []
    for _ in range(args.repeat):
        t_ours.append(_time(ours, doc))
        t_bare.append(_time(bare_canvas, strings))
        t_receipt.append(_time(receipt, doc))
    m_ours, m_bare, m_rec = (statistics.median(t) for t in (t_ours, t_bare, t_receipt))
    size_ours, size_bare = len(ours(doc)), len(bare_canvas(strings))
    print(f"{args.lines}-line invoice: {len(strings)} strings drawn, {args.repeat} runs each")
    print(f"  billbook A4 invoice  median {m_ours * 1000:8.2f} ms   ({size_ours / 1024:.1f} KiB)")
    print(f"  bare reportlab canvas median {m_bare * 1000:8.2f} ms   ({size_bare / 1024:.1f} KiB)")
    print(f"  ratio (invoice / bare)       {m_ours / m_bare:8.2f}   goal <= 2")
    print(f"  80 mm receipt, same invoice  median {m_rec * 1000:8.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
