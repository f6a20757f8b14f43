"""UPI payment QR codes: the ``upi://pay`` link and a vector QR drawn on a reportlab canvas.

The QR is drawn as filled squares (not a bitmap), so it stays sharp at any print
resolution, including 203 dpi thermal printers.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from billbook.domain.money import money_str

_SAFE = "-._~@/"


def upi_payload(vpa: str, payee: str, amount: Decimal, note: str, currency: str = "INR") -> str:
    """``upi://pay?pa=VPA&pn=SHOP&am=AMOUNT&cu=INR&tn=NUMBER`` with each value URL-encoded.

    The amount is exact with two decimals (``"788.00"``).
    """
    parts = [
        ("pa", vpa.strip()),
        ("pn", payee.strip()),
        ("am", money_str(amount)),
        ("cu", currency),
        ("tn", note.strip()),
    ]
    return "upi://pay?" + "&".join(f"{k}={quote(v, safe=_SAFE)}" for k, v in parts)


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR modules (True = dark), without the quiet zone."""
    import qrcode  # only when a UPI QR code is drawn
    from qrcode.constants import ERROR_CORRECT_M

    # a fixed mask: any of the 8 is valid, and trying all of them is most of qrcode's time
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, box_size=1, mask_pattern=2)
    code.add_data(payload)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def qr_rects(matrix: list[list[bool]]) -> list[tuple[int, int, int, int]]:
    """Dark modules as rectangles (col, row, width, height) in module units, top row 0.

    Horizontal runs, merged downwards while the next row has exactly the same run: far
    fewer shapes than one square per module, which keeps the PDF small and fast to write.
    """
    open_runs: dict[tuple[int, int], int] = {}   # (start, end) -> first row
    rects: list[tuple[int, int, int, int]] = []
    n = len(matrix)
    for r in range(n + 1):
        runs = set()
        if r < n:
            row, c = matrix[r], 0
            while c < n:
                if row[c]:
                    start = c
                    while c < n and row[c]:
                        c += 1
                    runs.add((start, c))
                else:
                    c += 1
        for key in list(open_runs):
            if key not in runs:
                first = open_runs.pop(key)
                rects.append((key[0], first, key[1] - key[0], r - first))
        for key in runs:
            open_runs.setdefault(key, r)
    return rects


def draw_qr(canvas, payload: str, x: float, y: float, size: float) -> None:
    """Draw the QR for ``payload`` with its lower-left corner at (x, y), ``size`` points wide.

    A white quiet zone of 2 modules is kept inside ``size`` so scanners find the code.
    """
    matrix = qr_matrix(payload)
    n = len(matrix)
    quiet = 2
    module = size / (n + 2 * quiet)
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    # draw in module units (integers), top-left origin of the code
    canvas.translate(x + quiet * module, y + size - quiet * module)
    canvas.scale(module, -module)
    path = canvas.beginPath()
    for col, row, w, h in qr_rects(matrix):
        path.rect(col, row, w, h)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
