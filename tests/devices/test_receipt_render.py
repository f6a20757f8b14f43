"""ESC/POS rendering without a database: widths, code pages, the logo raster, IGST and bills of
supply, the decoder's refusals, and the serial transport through a pseudo-terminal."""

from __future__ import annotations

import dataclasses
import os
import threading
import time

import pytest

from billbook.devices import PrinterError
from billbook.devices.address import parse_address
from billbook.devices.emulator import DecodeError, decode
from billbook.devices.transport import paper_problem, send
from billbook.documents import samples
from billbook.documents.layout import num
from billbook.documents.receipt_escpos import ReceiptOptions, plain, render_receipt_escpos


@pytest.mark.parametrize("width,cols", [(58, 32), (80, 48)])
def test_every_line_fits_the_paper_and_the_totals_are_there(width, cols):
    doc = samples.sample_invoice(12, big=True)
    got = decode(render_receipt_escpos(doc, ReceiptOptions(width=width)))
    assert got.text and all(len(t) <= cols for t in got.text)
    assert got.codepages == [0] and got.cuts == 1 and got.pulses == []
    total = next(t for t in got.text if t.startswith("TOTAL"))
    assert total.endswith("Rs. " + num(doc.grand_total)) and len(total) == cols
    for line in doc.lines:
        assert any(t.startswith(f"{line.no}. ") for t in got.text)


def test_inter_state_receipt_shows_igst_and_a_bill_of_supply_no_tax():
    igst = decode(render_receipt_escpos(samples.sample_invoice(3, inter_state=True)))
    flat = " ".join(" ".join(igst.text).split())
    assert "IGST" in flat and "CGST" not in flat
    bos_doc = samples.sample_invoice(3, scheme="composition")
    bos = decode(render_receipt_escpos(bos_doc))
    flat = " ".join(" ".join(bos.text).split())
    assert "BILL OF SUPPLY" in flat and "Bill No." in flat and "GST" not in flat.replace("GSTIN", "")
    assert "composition" in flat.lower()


def test_duplicate_badge_logo_raster_and_code_page():
    doc = samples.sample_invoice(2, duplicate=True)
    doc = dataclasses.replace(doc, shop=dataclasses.replace(doc.shop, logo=samples.sample_logo()))
    got = decode(render_receipt_escpos(doc, ReceiptOptions(width=58, codepage="CP858", cut=False)))
    assert "DUPLICATE" in [t.strip() for t in got.text]
    assert got.images and got.images[0][0] == 384 and 0 < got.images[0][1] <= 160
    assert got.codepages == [19] and got.cuts == 0
    no_logo = decode(render_receipt_escpos(doc, ReceiptOptions(logo=False)))
    assert no_logo.images == []


def test_text_is_spelled_for_the_code_page():
    assert plain("₹1,180.00 − 5 × 2 … “ok”") == 'Rs.1,180.00 - 5 x 2 ... "ok"'
    doc = samples.sample_invoice(1)
    doc = dataclasses.replace(doc, shop=dataclasses.replace(doc.shop, name="Café Ünïcode ₹"))
    got = decode(render_receipt_escpos(doc))
    assert got.text[0] == "Café Ünïcode Rs."                  # CP437 has é, Ü, ï


def test_decoder_refuses_stray_bytes_and_reads_paper_status():
    with pytest.raises(DecodeError):
        decode(b"\x1b\x99")
    with pytest.raises(DecodeError):
        decode(b"abc\x07")
    with pytest.raises(DecodeError):
        decode(b"\x1d(k\x10\x00")                                # cut short
    assert paper_problem(0x12) is None and paper_problem(0x1E) == "low" and paper_problem(0x72) == "out"
    assert paper_problem(0x00) is None                         # not a status byte


def test_serial_printer_through_a_pseudo_terminal():
    master, slave = os.openpty()
    received = bytearray()

    def read():
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            if not chunk:
                return
            received.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    data = render_receipt_escpos(samples.sample_invoice(2), ReceiptOptions(width=58))
    send(parse_address(f"serial://{os.ttyname(slave)}?baud=19200"), data)
    deadline = time.monotonic() + 5
    while len(received) < len(data) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.close(slave)
    os.close(master)
    got = decode(bytes(received[:len(data)]))
    assert got.cuts == 1 and any("INV/26-27/000123" in t for t in got.text)


def test_a_serial_device_that_is_not_there_is_a_clear_error():
    with pytest.raises(PrinterError) as err:
        send(parse_address("serial:///dev/does-not-exist-42?baud=9600"), b"x")
    assert "/dev/does-not-exist-42" in str(err.value)
