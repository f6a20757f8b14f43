"""Settings → Printers: an admin sets this terminal's receipt printer, prints a test page to a
fake network printer, opens the drawer with a reason, sets the scale layout; bad input shows
at its field. Screenshots at 1024×600 and 1366×768 go to tests' artifacts folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from billbook.devices.emulator import FakeNetworkPrinter, decode
from billbook.gui.screens.settings import SettingsScreen
from billbook.services.ledgers.devices import scale_layout
from billbook.services.selling import printing
from tests.gui.backoffice_support import *  # noqa: F403

pytestmark = pytest.mark.gui

SHOTS = Path(os.environ.get("BILLBOOK_TEST_ARTIFACTS", "test-artifacts")) / "printers"


def shot(root, name: str, size: str) -> None:
    import shutil
    import subprocess
    if shutil.which("import") is None:
        return
    root.geometry(f"{size}+0+0")
    for _ in range(20):
        root.update()
    SHOTS.mkdir(parents=True, exist_ok=True)
    w, h = size.split("x")
    subprocess.run(["import", "-window", "root", "-crop", f"{w}x{h}+0+0", str(SHOTS / f"{name}-{size}.png")],
                   check=False, capture_output=True)


def test_admin_sets_the_receipt_printer_and_prints_a_test_page(admin_ctx):
    admin_ctx.terminal = "COUNTER-1"
    screen = mount(admin_ctx, SettingsScreen)
    screen.show_tab("Printers")
    pump_until_idle(admin_ctx)
    panel = screen.printers_panel
    with FakeNetworkPrinter() as printer:
        panel.form["receipt_uri"].set(printer.uri)
        panel.form["receipt_width"].set("58 mm (32 columns)")
        panel.form["receipt_drawer"].set(True)
        panel.save()
        pump_until_idle(admin_ctx)
        assert panel.status.text.startswith("Printers saved"), panel.status.text
        saved = printing.list_printers(admin_ctx.db, admin_ctx.actor, terminal="COUNTER-1")["receipt"]
        assert (saved.uri, saved.width, saved.drawer) == (printer.uri, 58, True)
        panel.test_button.invoke()
        pump_until_idle(admin_ctx)
        assert panel.status.text.startswith("Test page sent"), panel.status.text
        assert "billbook test page" in [t.strip() for t in decode(printer.wait_for_jobs(1)[0]).text]
        panel.open_drawer("float for the morning")
        pump_until_idle(admin_ctx)
        assert panel.status.text == "Cash drawer opened."
        assert decode(printer.wait_for_jobs(2)[1]).pulses == [2]
    for size in ("1024x600", "1366x768"):
        shot(admin_ctx.root, "settings-printers", size)
    admin_ctx.root.geometry("1366x768+0+0")


def test_a_bad_printer_address_is_shown_at_its_field(admin_ctx):
    screen = mount(admin_ctx, SettingsScreen)
    screen.show_tab("Printers")
    pump_until_idle(admin_ctx)
    panel = screen.printers_panel
    panel.form["receipt_uri"].set("http://printer")
    panel.save()
    pump_until_idle(admin_ctx)
    assert "tcp://HOST:PORT" in panel.form["receipt_uri"].error_text
    assert printing.list_printers(admin_ctx.db, admin_ctx.actor, terminal=panel.terminal) == {}


def test_scale_layout_is_saved_and_switched_off(admin_ctx):
    screen = mount(admin_ctx, SettingsScreen)
    screen.show_tab("Printers")
    pump_until_idle(admin_ctx)
    panel = screen.printers_panel
    panel.scale_form["prefixes"].set("21,22")
    panel.scale_form["plu_digits"].set("4")
    panel.scale_form["kind"].set("Price in paise")
    panel.save_scale()
    pump_until_idle(admin_ctx)
    layout = admin_ctx.db.run(scale_layout, readonly=True)
    assert (layout.prefixes, layout.plu_digits, layout.kind) == (("21", "22"), 4, "price")
    panel.scale_form["prefixes"].set("19")
    panel.save_scale()
    pump_until_idle(admin_ctx)
    assert "20–29" in panel.scale_form.status.text
    panel.scale_form["prefixes"].set("")
    panel.save_scale()
    pump_until_idle(admin_ctx)
    assert admin_ctx.db.run(scale_layout, readonly=True) is None
