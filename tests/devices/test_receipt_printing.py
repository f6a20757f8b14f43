"""Receipts on a real (fake) network ESC/POS printer: real sales on SQLite and MariaDB, printed
through the service, the bytes caught by a socket server on 127.0.0.1 and decoded back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from billbook.db.models import AuditEntry, Invoice, PrintJob
from billbook.devices import PrinterError
from billbook.devices.emulator import FakeNetworkPrinter, decode, free_port
from billbook.domain.money import amount_in_words, format_number
from billbook.errors import PermissionDenied, ValidationError
from billbook.services.goods import catalog
from billbook.services.people import shop
from billbook.services.selling import checkout as sales
from billbook.services.selling import printing
from billbook.services.selling.checkout import PaymentRequest, SaleRequest

COLS = {58: 32, 80: 48}


@pytest.fixture
def store(db, admin):
    shop.update_shop(db, admin, name="Sharma Stores", address="MG Road, Pune", gstin="27AAPFU0939F1ZV",
                     state_code="27", upi_vpa="sharma@okbank", phone="020 2555 0101")
    catalog.add_product(db, admin, sku="RICE5", name="Basmati Rice 5 kg", price="350", gst_rate="5", stock="500",
                        hsn="1006")
    catalog.add_product(db, admin, sku="SOAP", name="Soap 100 g", price="45", gst_rate="18", stock="500",
                        hsn="3401")
    catalog.add_product(db, admin, sku="OIL1L", name="Sunflower Oil 1 l", price="118", gst_rate="18",
                        stock="500", tax_inclusive=True, unit="l", hsn="1512")
    return db


@pytest.fixture
def printer():
    with FakeNetworkPrinter() as p:
        yield p


def ring(db, actor, sale_id, items, payments=(("cash", None),), **kw):
    pays = [PaymentRequest(*p) if isinstance(p, tuple) else p for p in payments]
    return sales.checkout(db, actor, SaleRequest(sale_id, items, pays, **kw))


def print_count(db, number) -> int:
    return db.run(lambda s: s.scalar(select(Invoice.print_count).where(Invoice.number == number)), readonly=True)


@pytest.mark.parametrize("width", [58, 80])
def test_receipt_bytes_at_the_printer_say_what_the_invoice_says(store, admin, cashier, printer, width):
    printing.set_printer(store, admin, "receipt", uri=printer.uri, width=width, drawer=True, terminal="T1")
    inv = ring(store, cashier, "r-1", [("RICE5", "2"), ("SOAP", "1"), ("OIL1L", "1.5")],
               [PaymentRequest("cash", "500", "500"), PaymentRequest("account")],
               customer_phone="9876543210", customer_name="Ravi Kulkarni")
    result = printing.print_invoice(store, cashier, inv.number, after_sale=True)
    assert result.ok and result.status == "sent" and not result.duplicate and result.drawer
    [job] = printer.wait_for_jobs(1)
    got = decode(job)
    text = got.text
    cols = COLS[width]
    assert all(len(t) <= cols for t in text), [t for t in text if len(t) > cols]
    assert got.cuts == 1 and got.events[-1][0] == "cut"
    assert got.pulses == [2]                          # cash moved: the drawer opens, once
    assert got.status_queries == 1                    # the paper sensor was asked first
    joined = " ".join(" ".join(text).split())        # wrapped lines read on as one text
    assert "Sharma Stores" in text[0] and "TAX INVOICE" in text
    assert "DUPLICATE" not in joined
    assert any(t.startswith("Invoice No.") and t.endswith(inv.number) for t in text)
    for line in inv.lines:
        assert f"{line.line_no}. {line.name}" in text
        star = "*" if line.tax_inclusive else ""
        row = next(t for t in text if f" x {format_number(line.unit_price)}{star} " in t)
        assert row.startswith("  ") and row.split()[-1] == format_number(line.total)
        assert f"taxable {format_number(line.taxable)}" in joined
        assert f"CGST {format_number(line.cgst)} + SGST {format_number(line.sgst)}" in joined
    def value_of(label):
        row = next(t for t in text if t.startswith(label + " "))
        return row.split()[-1]
    assert value_of("Taxable value") == format_number(inv.taxable_total)
    assert value_of("CGST") == format_number(inv.cgst) and value_of("SGST") == format_number(inv.sgst)
    assert value_of("TOTAL") == format_number(inv.grand_total)
    assert next(ln for ln in got.lines if ln.text.startswith("TOTAL")).big
    words = " ".join(t for t in text if t and not t.startswith(("GST", "-")))
    assert amount_in_words(inv.grand_total) in words
    assert value_of("Cash") == format_number(Decimal("500"))
    assert value_of("On account (dues)") == format_number(inv.due)
    assert "Billed to: Ravi Kulkarni" in text
    # the UPI QR asks for what is still to pay, through the printer's own QR command
    assert got.qr == [f"upi://pay?pa=sharma@okbank&pn=Sharma%20Stores&am={inv.due}&cu=INR&tn={inv.number}"]
    assert f"Scan to pay Rs. {format_number(inv.due)} by UPI" in [t.strip() for t in text]
    assert print_count(store, inv.number) == 1
    with store.transaction(readonly=True) as s:
        job_row = s.get(PrintJob, result.job_id)
        assert (job_row.status, job_row.kind, job_row.document, job_row.attempts) == ("sent", "receipt", inv.number, 1)
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "invoice.print")).all()
        assert len(audit) == 1 and '"format": "receipt"' in audit[0].details


def test_no_drawer_pulse_without_cash_and_a_reprint_is_a_duplicate(store, admin, cashier, printer):
    printing.set_printer(store, admin, "receipt", uri=printer.uri, width=80, drawer=True, terminal="T1")
    inv = ring(store, cashier, "r-2", [("SOAP", "2")], [PaymentRequest("upi", None, None, "UTR1")])
    first = printing.print_invoice(store, cashier, inv.number, after_sale=True)
    again = printing.print_invoice(store, cashier, inv.number)          # F7 / invoice print
    assert first.ok and again.ok and not first.drawer and not again.drawer
    one, two = (decode(j) for j in printer.wait_for_jobs(2))
    assert one.pulses == [] and two.pulses == []
    assert "DUPLICATE" not in one.text and "DUPLICATE" in [t.strip() for t in two.text]
    assert one.qr == [] and two.cuts == 1                                # paid in full: no QR
    assert print_count(store, inv.number) == 2


def test_cash_sale_reprint_does_not_open_the_drawer(store, admin, cashier, printer):
    printing.set_printer(store, admin, "receipt", uri=printer.uri, drawer=True, terminal="T1")
    inv = ring(store, cashier, "r-3", [("RICE5", "1")], [PaymentRequest("cash", None, "500")])
    printing.print_invoice(store, cashier, inv.number, after_sale=True)
    printing.print_invoice(store, cashier, inv.number)
    first, second = (decode(j) for j in printer.wait_for_jobs(2))
    assert first.pulses == [2] and second.pulses == []
    assert any(t.startswith("Change") for t in first.text)


def test_unreachable_printer_leaves_the_sale_saved_and_a_job_to_retry(store, admin, cashier):
    dead = f"tcp://127.0.0.1:{free_port()}"
    printing.set_printer(store, admin, "receipt", uri=dead, terminal="T1")
    inv = ring(store, cashier, "r-4", [("SOAP", "1")])
    result = printing.print_invoice(store, cashier, inv.number, after_sale=True)
    assert not result.ok and result.status == "failed" and result.reason == "offline"
    assert inv.number in result.message and "offline" in result.message and "127.0.0.1" in result.message
    assert print_count(store, inv.number) == 0                 # not sent: not a print
    assert sales.get_invoice(store, cashier, inv.number).grand_total == inv.grand_total   # the sale is saved
    [failed] = printing.list_jobs(store, cashier)
    assert (failed.id, failed.document, failed.reason, failed.attempts) == (result.job_id, inv.number, "offline", 1)
    assert printing.failed_job_for(store, cashier, inv.number).id == result.job_id
    # the printer comes back: retry from the Invoices screen
    with FakeNetworkPrinter() as back:
        printing.set_printer(store, admin, "receipt", uri=back.uri, terminal="T1")
        retried = printing.retry_job(store, cashier, result.job_id)
        assert retried.ok and retried.job_id == result.job_id
        got = decode(back.wait_for_jobs(1)[0])
    assert "DUPLICATE" not in got.text                          # the first copy that printed is the original
    assert any(t.endswith(inv.number) for t in got.text)
    assert print_count(store, inv.number) == 1
    assert printing.list_jobs(store, cashier) == []
    assert printing.failed_job_for(store, cashier, inv.number) is None
    with pytest.raises(ValidationError):
        printing.retry_job(store, cashier, result.job_id)      # already sent


def test_paper_out_is_reported_and_nothing_is_printed(store, admin, cashier):
    with FakeNetworkPrinter(paper="out") as empty:
        printing.set_printer(store, admin, "receipt", uri=empty.uri, terminal="T1")
        inv = ring(store, cashier, "r-5", [("SOAP", "1")])
        result = printing.print_invoice(store, cashier, inv.number)
        assert result.status == "failed" and result.reason == "paper_out" and "out of paper" in result.message
        [seen] = empty.wait_for_jobs(1)
    assert seen == b"\x10\x04\x04"                              # only the status question went out
    assert print_count(store, inv.number) == 0


def test_paper_low_prints_and_warns(store, admin, cashier):
    with FakeNetworkPrinter(paper="low") as low:
        printing.set_printer(store, admin, "receipt", uri=low.uri, terminal="T1")
        inv = ring(store, cashier, "r-6", [("SOAP", "1")])
        result = printing.print_invoice(store, cashier, inv.number)
        assert result.ok and result.paper_low and "paper is running low" in result.message
        assert decode(low.wait_for_jobs(1)[0]).cuts == 1


def test_printer_settings_are_per_terminal_and_checked(store, admin, cashier):
    printing.set_printer(store, admin, "receipt", uri="tcp://192.168.1.50:9100", width=58, drawer=True,
                         terminal="COUNTER-1")
    printing.set_printer(store, admin, "a4", system="Office_Laser", terminal="COUNTER-1")
    printing.set_printer(store, admin, "receipt", uri="serial:///dev/ttyUSB0?baud=19200", terminal="COUNTER-2")
    one = printing.list_printers(store, cashier, terminal="COUNTER-1")
    assert one["receipt"].uri == "tcp://192.168.1.50:9100" and one["receipt"].width == 58 and one["receipt"].drawer
    assert one["a4"].uri == "system:Office_Laser"
    two = printing.list_printers(store, cashier, terminal="COUNTER-2")
    assert set(two) == {"receipt"} and two["receipt"].uri == "serial:///dev/ttyUSB0?baud=19200"
    assert two["receipt"].width == 80
    # changing one option keeps the others
    printing.set_printer(store, admin, "receipt", width=80, terminal="COUNTER-1")
    assert printing.list_printers(store, cashier, terminal="COUNTER-1")["receipt"].drawer
    usb = printing.set_printer(store, admin, "receipt", uri="usb://04b8:0202", terminal="COUNTER-3")
    assert usb.address.vendor == 0x04B8 and usb.address.product == 0x0202
    for bad in (dict(uri="http://x"), dict(uri="tcp://:9100"), dict(uri="usb://zz:1"),
                dict(uri="serial:///dev/ttyS0?baud=123"), dict(uri="tcp://h:1", width=76)):
        with pytest.raises(ValidationError):
            printing.set_printer(store, admin, "receipt", terminal="X", **bad)
    with pytest.raises(ValidationError):
        printing.set_printer(store, admin, "a4", uri="tcp://10.0.0.2:9100", terminal="X")
    with pytest.raises(PermissionDenied):
        printing.set_printer(store, cashier, "receipt", uri="tcp://10.0.0.2:9100")
    with pytest.raises(PrinterError) as err:
        printing.print_test_page(store, cashier, "receipt", terminal="NOPRINTER")
    assert err.value.reason == "not_set"


def test_test_page_reaches_the_printer(store, admin, cashier, printer):
    printing.set_printer(store, admin, "receipt", uri=printer.uri, width=58, terminal="T1")
    result = printing.print_test_page(store, cashier, "receipt")
    assert result.ok
    got = decode(printer.wait_for_jobs(1)[0])
    assert "billbook test page" in [t.strip() for t in got.text]
    assert got.qr == ["billbook test page"] and got.cuts == 1 and got.pulses == []
    assert "1234567890" * 3 + "12" in got.text                # exactly 32 columns on 58 mm


def test_drawer_open_is_admin_only_audited_and_pulses(store, admin, cashier, printer):
    printing.set_printer(store, admin, "receipt", uri=printer.uri, drawer=True, terminal="T1")
    with pytest.raises(PermissionDenied):
        printing.open_drawer(store, cashier, "change for the till")
    with pytest.raises(ValidationError):
        printing.open_drawer(store, admin, " ")
    result = printing.open_drawer(store, admin, "change for the till")
    assert result.ok
    got = decode(printer.wait_for_jobs(1)[0])
    assert got.pulses == [2] and got.text == [] and got.cuts == 0
    with store.transaction(readonly=True) as s:
        [row] = s.scalars(select(AuditEntry).where(AuditEntry.action == "drawer.open")).all()
        assert row.username == "owner" and "change for the till" in row.details


def test_a_receipt_that_cannot_be_made_is_a_failed_job_not_a_lost_one(store, admin, cashier, printer, monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("no paper model")

    printing.set_printer(store, admin, "receipt", uri=printer.uri, terminal="T1")
    inv = ring(store, cashier, "r-7", [("SOAP", "1")])
    monkeypatch.setattr(printing, "render_receipt_escpos", broken)
    result = printing.print_invoice(store, cashier, inv.number)
    assert result.status == "failed" and result.reason == "error" and "no paper model" in result.message
    [job] = printing.list_jobs(store, cashier)
    assert job.id == result.job_id and job.status == "failed"
    monkeypatch.undo()
    assert printing.retry_job(store, cashier, job.id).ok
    assert print_count(store, inv.number) == 1


def test_the_drawer_opens_once_for_a_sale_and_for_a_cash_refund_and_not_later(store, admin, cashier, printer):
    import datetime as dt

    from billbook import clock
    from billbook.services.selling import returns
    printing.set_printer(store, admin, "receipt", uri=printer.uri, drawer=True, terminal="T1")
    inv = ring(store, cashier, "r-8", [("SOAP", "2")])
    assert printing.print_invoice(store, cashier, inv.number, after_sale=True).drawer
    again = printing.print_invoice(store, cashier, inv.number, after_sale=True)   # a repeated call
    assert again.ok and not again.drawer
    first, second = (decode(j) for j in printer.wait_for_jobs(2))
    assert first.pulses == [2] and second.pulses == []
    # the shop prints nothing after a sale: the drawer still opens, once
    other = ring(store, cashier, "r-9", [("SOAP", "1")])
    done = printing.after_sale(store, cashier, other.number, "none")
    assert done.results == () and done.drawer is not None and done.drawer.ok
    assert decode(printer.wait_for_jobs(3)[2]).pulses == [2]
    assert printing.after_sale(store, cashier, other.number, "none").drawer is None
    paid_upi_sale = ring(store, cashier, "r-12", [("SOAP", "1")], [PaymentRequest("upi", None, None, "UTR8")])
    assert printing.after_sale(store, cashier, paid_upi_sale.number, "none").drawer is None
    # a cash refund opens it once; a refund to UPI never
    cn = returns.create_return(store, admin, inv.number, [("SOAP", "1")], refund_mode="cash")
    assert printing.drawer_for_refund(store, cashier, cn.number).ok
    assert decode(printer.wait_for_jobs(4)[3]).pulses == [2]
    assert printing.drawer_for_refund(store, cashier, cn.number) is None
    paid_upi = ring(store, cashier, "r-11", [("SOAP", "1")], [PaymentRequest("upi", None, None, "UTR9")])
    upi = returns.create_return(store, admin, paid_upi.number, [("SOAP", "1")], refund_mode="original")
    assert printing.drawer_for_refund(store, cashier, upi.number) is None
    assert len(printer.jobs) == 4
    # half an hour after a sale its receipt no longer opens the drawer
    late = ring(store, cashier, "r-10", [("SOAP", "1")])
    clock.advance(dt.timedelta(minutes=31))
    assert not printing.print_invoice(store, cashier, late.number, after_sale=True).drawer
    assert decode(printer.wait_for_jobs(5)[4]).pulses == []
    with store.transaction(readonly=True) as s:
        opened = s.scalars(select(AuditEntry).where(AuditEntry.action == "drawer.open")).all()
        assert sorted((a.entity, a.entity_id) for a in opened) == sorted(
            [("invoice", inv.number), ("invoice", other.number), ("credit_note", cn.number)])
