"""Barcode labels: a full sheet of 65 rendered, rasterised and every barcode decoded back to its
product's code; the 48 and 24 layouts; in-store EAN-13s; label-printer bytes; the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from decimal import Decimal

import pytest

from billbook.devices.emulator import FakeNetworkPrinter
from billbook.documents.labels import LAYOUTS, LabelItem, render_label_sheet, tspl, zpl
from billbook.domain.barcode import ScaleLayout, is_ean13
from billbook.errors import NotFound, PermissionDenied, ValidationError
from billbook.services.goods import catalog, labels
from billbook.services.selling import printing, scanning
from tests.builders import run_cli
from tests.conftest import IN_CI
from tests.documents.pdfread import page_texts


def decode_page(pdf, tmp_path, page: int = 1, dpi: int = 300) -> list[str]:
    """Every barcode on ``page`` as 'TYPE:data' (zbarimg on a pdftoppm raster)."""
    if shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None:
        if IN_CI:
            pytest.fail("zbarimg and pdftoppm must be installed in CI", pytrace=False)
        pytest.skip("zbarimg / pdftoppm are not installed")
    prefix = tmp_path / f"p{page}"
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), str(pdf), str(prefix)],
                   check=True, capture_output=True)
    png = sorted(tmp_path.glob(f"p{page}*.png"))[0]
    done = subprocess.run(["zbarimg", "--quiet", "-Sdisable", "-Sean13.enable", "-Scode128.enable", str(png)],
                          capture_output=True)
    return [ln for ln in done.stdout.decode().splitlines() if ln]


@pytest.fixture
def catalog65(db, admin):
    """65 products: every third one without a barcode (Code 128 of its SKU), the others EAN-13."""
    for i in range(65):
        barcode = None if i % 3 == 0 else f"890{i:09d}"
        if barcode:
            from billbook.domain.barcode import ean13
            barcode = ean13(barcode)
        catalog.add_product(db, admin, sku=f"SKU-{i:03d}", name=f"Product {i} " + "x" * (i % 25), price=f"{10 + i}.50",
                            gst_rate="18" if i % 2 else "5", stock="10", barcode=barcode, tax_inclusive=i % 4 == 0)
    return db


def test_a_sheet_of_65_labels_scans_back_to_every_products_code(catalog65, cashier, tmp_path):
    requests = [(f"SKU-{i:03d}", 1) for i in range(65)]
    result = labels.labels_pdf(catalog65, cashier, requests, out=tmp_path / "labels.pdf", layout=65)
    assert (result.pages, result.labels, result.warnings) == (1, 65, [])
    found = decode_page(result.path, tmp_path)
    expected = []
    for item, _ in labels.label_items(catalog65, cashier, requests):
        expected.append(("EAN-13:" if is_ean13(item.code) else "CODE-128:") + item.code)
    assert Counter(found) == Counter(expected)
    assert sum(1 for e in expected if e.startswith("EAN-13")) == 43
    # the price on each label is the tax-included price of one unit
    text = page_texts(result.path)[0]
    for item, _ in labels.label_items(catalog65, cashier, requests[:5]):
        assert f"₹{item.price:.2f}" in text


@pytest.mark.parametrize("layout", [48, 24])
def test_other_layouts_fill_their_sheets_and_go_on_to_a_second(catalog65, cashier, tmp_path, layout):
    per = LAYOUTS[layout].per_sheet
    requests = [(f"SKU-{i:03d}", 1) for i in range(per + 2)]
    result = labels.labels_pdf(catalog65, cashier, requests, out=tmp_path / "l.pdf", layout=layout)
    assert (result.pages, result.labels) == (2, per + 2)
    codes = [("EAN-13:" if is_ean13(item.code) else "CODE-128:") + item.code
             for item, _ in labels.label_items(catalog65, cashier, requests)]
    assert Counter(decode_page(result.path, tmp_path, 1, 200)) == Counter(codes[:per])
    assert Counter(decode_page(result.path, tmp_path, 2, 200)) == Counter(codes[per:])


def test_label_requests_are_checked(catalog65, cashier, tmp_path):
    for bad in ([("SKU-001", 0)], [("SKU-001", "x")], []):
        with pytest.raises(ValidationError):
            labels.labels_pdf(catalog65, cashier, bad, out=tmp_path / "x.pdf")
    with pytest.raises(NotFound):
        labels.labels_pdf(catalog65, cashier, [("NOPE", 1)], out=tmp_path / "x.pdf")
    with pytest.raises(ValidationError):
        labels.labels_pdf(catalog65, cashier, [("SKU-001", 1)], out=tmp_path / "x.pdf", layout=40)
    assert not (tmp_path / "x.pdf").exists()


def test_in_store_barcodes_are_valid_unique_and_avoid_scale_prefixes(catalog65, admin, cashier):
    scanning.set_scale_layout(catalog65, admin, "20,21", 5, "weight")
    with pytest.raises(PermissionDenied):
        labels.assign_in_store_barcodes(catalog65, cashier)
    done = labels.assign_in_store_barcodes(catalog65, admin)
    assert len(done) == 22 and set(done) == {f"SKU-{i:03d}" for i in range(0, 65, 3)}
    assert all(is_ean13(c) and c[:2] == "29" for c in done.values()) and len(set(done.values())) == 22
    assert labels.assign_in_store_barcodes(catalog65, admin) == {}
    catalog.add_product(catalog65, admin, sku="NEW", name="New", price="5", gst_rate="5")
    more = labels.assign_in_store_barcodes(catalog65, admin, ["NEW"])
    assert more["NEW"] not in done.values() and is_ean13(more["NEW"])
    # a product's in-store code scans to it, and is not mistaken for a scale code
    hit = scanning.resolve_scan(catalog65, cashier, more["NEW"])
    assert hit.sku == "NEW" and hit.qty == 1 and not hit.scale
    assert ScaleLayout(["20", "21"]).matches(more["NEW"]) is False


def test_label_printer_gets_zpl_with_copies(catalog65, admin, cashier):
    with FakeNetworkPrinter(paper=None) as printer:
        printing.set_printer(catalog65, admin, "label", uri=printer.uri, language="zpl", terminal="T1")
        result = labels.print_labels(catalog65, cashier, [("SKU-001", 3), ("SKU-000", 2)])
        assert result.labels == 5
        data = printer.wait_for_jobs(1)[0]
    item = labels.label_items(catalog65, cashier, [("SKU-001", 1)])[0][0]
    text = data.split(b"\x10\x04\x04", 1)[-1].decode()
    assert text.count("^XA") == 2 and text.count("^XZ") == 2
    assert f"^BEN,80,Y,N^FD{item.code[:12]}^FS" in text and "^PQ3,0,1,N" in text
    assert "^BCN,80,Y,N,N^FH^FDSKU-000^FS" in text and "^PQ2,0,1,N" in text


def test_zpl_and_tspl_escape_what_they_must():
    item = LabelItem("A^B", 'Soap "Gold" ^special_', Decimal("45.00"), "A^B", Decimal("50.00"))
    z = zpl([(item, 1)]).decode()
    assert "^FDSoap \"Gold\" _5Especial_5F^FS" in z and "MRP Rs. 50.00" in z
    t = tspl([(item, 4)]).decode()
    assert "Soap 'Gold' ^special_" in t and "PRINT 1,4" in t and '"128"' in t


def test_cli_label_pdf(catalog65, cashier, capsys, db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("BILLBOOK_PASSWORD", "correct horse 42")
    out = tmp_path / "cli.pdf"
    code, stdout, err = run_cli(capsys, "--db", db_url, "--json", "--user", "asha", "label", "pdf",
                                "--item", "SKU-001=3", "--item", "SKU-003=2", "-o", str(out), "--layout", "24")
    assert code == 0, err
    data = json.loads(stdout)
    assert data["labels"] == 5 and data["pages"] == 1 and out.exists()
    code, stdout, err = run_cli(capsys, "--db", db_url, "--user", "asha", "label", "pdf", "-o", str(out))
    assert code == 2 and "--item" in err


def test_sheet_renderer_skips_used_labels(tmp_path):
    items = [LabelItem("S", "Soap", Decimal("10.00"), "S1")]
    render_label_sheet(items * 2, tmp_path / "s.pdf", layout=24, skip=23)
    assert len(page_texts(tmp_path / "s.pdf")) == 2
