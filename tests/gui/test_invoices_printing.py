"""Invoices screen: print an invoice on this terminal's receipt printer; a printer that is
offline leaves a failed job, shown in its own place with a Retry button that sends it once
the printer is back (the first copy that reaches paper is the original)."""

from __future__ import annotations

import pytest

from billbook.devices.emulator import FakeNetworkPrinter, decode, free_port
from billbook.gui.screens.invoices import InvoicesScreen
from billbook.services.goods import catalog
from billbook.services.selling import checkout as sales
from billbook.services.selling import printing
from billbook.services.selling.checkout import PaymentRequest, SaleRequest
from tests.gui.backoffice_support import *  # noqa: F403
from tests.gui.test_settings_printers import shot

pytestmark = pytest.mark.gui


def test_failed_print_is_retried_from_the_invoices_screen(admin_ctx):
    ctx = admin_ctx
    ctx.terminal = "COUNTER-1"
    messages = []
    ctx.on_message(lambda text, kind: messages.append((kind, text)))
    catalog.add_product(ctx.db, ctx.actor, sku="SOAP", name="Soap", price="45", gst_rate="18", stock="10")
    inv = sales.checkout(ctx.db, ctx.actor, SaleRequest("gui-p1", [("SOAP", "1")], [PaymentRequest("cash")]))
    printing.set_printer(ctx.db, ctx.actor, "receipt", uri=f"tcp://127.0.0.1:{free_port()}", terminal="COUNTER-1")
    screen = mount(ctx, InvoicesScreen)
    screen.table.select(inv.number)
    pump_until_idle(ctx)
    assert not screen.retry_btn.winfo_ismapped()
    screen.print_receipt_btn.invoke()
    pump_until_idle(ctx)
    pump(ctx.root, lambda: screen.failed_job is not None)
    pump_until_idle(ctx)
    assert "offline" in screen.print_note.cget("text") and screen.retry_btn.winfo_ismapped()
    assert any(kind == "warn" and "did not print" in text for kind, text in messages)
    for size in ("1024x600", "1366x768"):
        shot(ctx.root, "invoices-failed-print", size)
    ctx.root.geometry("1366x768+0+0")
    with FakeNetworkPrinter() as printer:
        printing.set_printer(ctx.db, ctx.actor, "receipt", uri=printer.uri, terminal="COUNTER-1")
        screen.retry_btn.invoke()
        pump_until_idle(ctx)
        got = decode(printer.wait_for_jobs(1)[0])
    assert any(t.endswith(inv.number) for t in got.text) and "DUPLICATE" not in got.text
    pump(ctx.root, lambda: screen.failed_job is None)
    assert screen.print_note.cget("text") == "" and not screen.retry_btn.winfo_ismapped()
    assert any(kind == "ok" and "sent to the receipt printer" in text for kind, text in messages)
