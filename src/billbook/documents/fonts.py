"""Fonts for every billbook PDF: DejaVu Sans, which has the rupee sign (₹).

reportlab's built-in Helvetica has no ₹ glyph (it prints a black box), so documents use
DejaVu Sans, which ships with matplotlib (already a dependency): no font files of our own.

Use::

    from billbook.documents.fonts import register_fonts, REGULAR, BOLD
    register_fonts()
    canvas.setFont(REGULAR, 9)

``register_fonts()`` is idempotent and cheap after the first call. If DejaVu cannot be
found (a broken matplotlib install) it falls back to Helvetica and ``HAS_RUPEE`` is False,
so callers can print "Rs." instead of a box.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

log = logging.getLogger(__name__)

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
OBLIQUE = "DejaVuSans-Oblique"
MONO = "DejaVuSansMono"

_FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    OBLIQUE: "DejaVuSans-Oblique.ttf",
    MONO: "DejaVuSansMono.ttf",
}
_FALLBACK = {REGULAR: "Helvetica", BOLD: "Helvetica-Bold", OBLIQUE: "Helvetica-Oblique", MONO: "Courier"}

_lock = threading.Lock()
_registered: dict[str, str] | None = None


def font_dir() -> Path | None:
    """Directory holding DejaVu Sans (matplotlib's bundled fonts), or None if missing."""
    try:
        import matplotlib  # only for the path of its bundled DejaVu fonts (a heavy import)
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return None
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return path if (path / _FILES[REGULAR]).is_file() else None


def register_fonts() -> dict[str, str]:
    """Register DejaVu Sans (regular, bold, oblique, mono) with reportlab, once.

    Returns a mapping from our logical names (REGULAR, BOLD...) to the reportlab font
    names actually usable — the DejaVu names, or Helvetica/Courier if DejaVu is missing.
    Also registers the family so ``<b>`` in Paragraphs picks the bold face.
    """
    global _registered
    if _registered is not None:
        return _registered
    with _lock:
        if _registered is not None:
            return _registered
        directory = font_dir()
        names: dict[str, str] = {}
        for name, filename in _FILES.items():
            if directory is not None and (directory / filename).is_file():
                try:
                    pdfmetrics.registerFont(TTFont(name, os.fspath(directory / filename)))
                    names[name] = name
                    continue
                except Exception as exc:  # noqa: BLE001 - a damaged font file
                    log.warning("could not load font %s: %s", filename, exc)
            names[name] = _FALLBACK[name]
        if names[REGULAR] == REGULAR:
            bold = names[BOLD]
            italic = names[OBLIQUE]
            addMapping(REGULAR, 0, 0, REGULAR)
            addMapping(REGULAR, 1, 0, bold)
            addMapping(REGULAR, 0, 1, italic)
            addMapping(REGULAR, 1, 1, bold)
        else:
            log.warning("DejaVu Sans not found; PDFs fall back to Helvetica (no rupee sign)")
        _registered = names
        return names


def has_rupee() -> bool:
    """True when the registered regular font can draw ₹ (U+20B9)."""
    return register_fonts()[REGULAR] == REGULAR


def font(name: str = REGULAR) -> str:
    """The usable reportlab font name for a logical name (registers fonts on first use)."""
    return register_fonts()[name]


def rupee() -> str:
    """The rupee sign, or 'Rs.' when the font cannot draw it."""
    return "₹" if has_rupee() else "Rs."
