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
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, box_size=1)
    code.add_data(payload)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


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
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                # one rectangle per horizontal run of dark modules: fewer, larger shapes
                path.rect(x + (quiet + start) * module, y + size - (quiet + r + 1) * module,
                          (c - start) * module, module)
            else:
                c += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
