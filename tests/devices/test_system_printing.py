"""A4 invoices through the system's printing (CUPS ``lp``): a PDF printer queue (cups-pdf) that
writes each job to a file. CI sets the queue up (.ci/run); there a missing CUPS fails loudly,
elsewhere the test is skipped with the reason."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import time
import uuid

import pytest
from sqlalchemy import select

from billbook.db.models import Invoice
from billbook.devices import PrinterError
from billbook.devices.system import list_printers
from billbook.services.goods import catalog
from billbook.services.people import shop
from billbook.services.selling import checkout as sales
from billbook.services.selling import printing
from billbook.services.selling.checkout import PaymentRequest, SaleRequest
from tests.conftest import IN_CI

QUEUE = os.environ.get("BILLBOOK_TEST_CUPS_QUEUE", "billbook-pdf")


def _cups_queue() -> str:
    why = None
    if shutil.which("lp") is None or shutil.which("lpstat") is None:
        why = "CUPS client tools (lp, lpstat) are not installed"
    else:
        try:
            names = list_printers()
        except PrinterError as exc:
            names, why = [], f"CUPS is not answering: {exc}"
        if why is None and QUEUE not in names:
            why = f"no CUPS queue {QUEUE!r} (see .ci/run for its set-up); queues: {names}"
    if why:
        if IN_CI:
            pytest.fail(f"the system-printing test must run in CI but {why}", pytrace=False)
        pytest.skip(why)
    return QUEUE


def _job_file(spool_id: str, timeout: float = 90.0) -> str:
    """The PDF cups-pdf wrote for job ``billbook-pdf-N`` (its name ends in ``job_N.pdf``)."""
    number = spool_id.rsplit("-", 1)[1]
    places = [os.environ.get("BILLBOOK_TEST_CUPS_OUT", ""), os.path.join(pwd.getpwuid(os.getuid()).pw_dir, "PDF"),
              "/var/spool/cups-pdf/*"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for place in filter(None, places):
            found = glob.glob(os.path.join(place, f"*job_{number}.pdf"))
            if found and os.path.getsize(found[0]) > 0:
                time.sleep(0.3)          # let cups-pdf finish writing
                return found[0]
        time.sleep(0.25)
    states = subprocess.run(["lpstat", "-W", "all", "-o"], capture_output=True, text=True).stdout
    raise AssertionError(f"no file for CUPS job {spool_id} after {timeout} s; jobs: {states}")


def test_a4_invoice_prints_through_cups_to_a_file(db, admin, cashier):
    queue = _cups_queue()
    name = f"Cups Test Mart {uuid.uuid4().hex[:6]}"
    shop.update_shop(db, admin, name=name, state_code="27", gstin="27AAPFU0939F1ZV")
    catalog.add_product(db, admin, sku="SOAP", name="Sandal Soap", price="45", gst_rate="18", stock="10")
    inv = sales.checkout(db, cashier, SaleRequest("cups-1", [("SOAP", "2")], [PaymentRequest("cash")]))
    printing.set_printer(db, admin, "a4", system=queue, terminal="T1")
    result = printing.print_invoice(db, cashier, inv.number, kind="a4")
    assert result.ok, result.message
    assert result.spool_id.startswith(queue + "-")
    path = _job_file(result.spool_id)
    text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True, check=True).stdout
    assert inv.number in text and name in text and "Sandal Soap" in text and "TAX INVOICE" in text
    assert db.run(lambda s: s.scalar(select(Invoice.print_count).where(Invoice.number == inv.number))) == 1


def test_a_queue_that_does_not_exist_is_a_failed_job_saying_so(db, admin, cashier):
    _cups_queue()
    catalog.add_product(db, admin, sku="SOAP", name="Soap", price="45", gst_rate="18", stock="10")
    inv = sales.checkout(db, cashier, SaleRequest("cups-2", [("SOAP", "1")], [PaymentRequest("cash")]))
    printing.set_printer(db, admin, "a4", system="no-such-printer-here", terminal="T1")
    result = printing.print_invoice(db, cashier, inv.number, kind="a4")
    assert result.status == "failed" and result.reason == "not_found"
    assert "no printer called 'no-such-printer-here'" in result.message
    assert [j.document for j in printing.list_jobs(db, cashier)] == [inv.number]
