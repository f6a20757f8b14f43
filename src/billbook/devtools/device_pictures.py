"""The README's device pictures: receipts as a thermal printer prints them, and a label sheet.

    python -m billbook.devtools.device_pictures [DIR]   (default docs/devices)

The receipts go the real way: the sample invoice rendered to ESC/POS bytes, sent over TCP to
the fake network printer on 127.0.0.1, the bytes it caught decoded and drawn as paper
(``devices.emulator``). The label sheet is a real 65-up A4 sheet PDF, rasterised with pdftoppm.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path


def receipts(folder: Path) -> list[Path]:
    from billbook.devices.address import parse_address
    from billbook.devices.emulator import COLUMNS_OF, FakeNetworkPrinter, decode, render_png
    from billbook.devices.transport import send
    from billbook.documents import samples
    from billbook.documents.receipt_escpos import ReceiptOptions, render_receipt_escpos
    doc = samples.sample_invoice(4)
    doc = dataclasses.replace(doc, shop=samples.sample_shop(logo=None))
    out = []
    with FakeNetworkPrinter() as printer:
        for n, width in enumerate((80, 58)):
            send(parse_address(printer.uri), render_receipt_escpos(doc, ReceiptOptions(width=width, drawer=True)))
            data = printer.wait_for_jobs(n + 1)[n]
            path = folder / f"receipt-escpos-{width}mm.png"
            render_png(decode(data), path, columns=COLUMNS_OF[width])
            out.append(path)
    return out


def label_sheet(folder: Path) -> Path:
    from billbook.documents.labels import LabelItem, render_label_sheet
    from billbook.domain.barcode import ean13
    names = ["Basmati Rice 5 kg", "Toor Dal 1 kg", "Sunflower Oil 1 L", "Bath Soap 100 g", "Tata Salt 1 kg",
             "Parle-G 800 g", "Amul Butter 500 g", "Red Label Tea 500 g", "Maggi 12-pack", "Surf Excel 1 kg"]
    items = []
    for i in range(65):
        price = Decimal(40 + (i * 37) % 600) + Decimal("0.50")
        code = ean13(f"8901234{i:05d}") if i % 4 else f"SKU-{i:03d}"
        items.append(LabelItem(f"SKU-{i:03d}", names[i % len(names)], price, code,
                               price + 10 if i % 5 == 0 else None))
    buf = io.BytesIO()
    render_label_sheet(items, buf, layout=65, outline=True)
    path = folder / "labels-65.png"
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "labels.pdf"
        pdf.write_bytes(buf.getvalue())
        subprocess.run(["pdftoppm", "-png", "-r", "110", "-singlefile", str(pdf), str(Path(tmp) / "page")],
                       check=True)
        shutil.copy(Path(tmp) / "page.png", path)
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0] if args else "docs/devices")
    folder.mkdir(parents=True, exist_ok=True)
    for path in [*receipts(folder), label_sheet(folder)]:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
