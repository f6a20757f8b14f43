"""Reading PDFs back for tests: text per page (pypdf), rendering to PNG (pdftoppm), QR decoding (zbarimg)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from pypdf import PdfReader


def reader(pdf: bytes | str | Path) -> PdfReader:
    return PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else str(pdf))


def page_texts(pdf: bytes | str | Path) -> list[str]:
    return [p.extract_text() or "" for p in reader(pdf).pages]


def cells(text: str) -> list[str]:
    """The drawn strings of a page: pypdf gives one drawn string per line here."""
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def decode_qr(pdf_path: Path, tmp_path: Path, dpi: int = 200) -> list[str] | None:
    """Render page 1 and decode its QR codes with zbarimg; None when the tools are missing."""
    if shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None:
        return None
    prefix = tmp_path / "qr"
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", str(pdf_path), str(prefix)],
                   check=True, capture_output=True)
    png = sorted(tmp_path.glob("qr*.png"))[0]
    done = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sbinary", str(png)], capture_output=True)
    out = done.stdout.decode("utf-8")
    return [ln for ln in out.splitlines() if ln]
