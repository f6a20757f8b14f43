"""Reports screen, "GST returns" tab: prepare a period in the background (progress bar), see the
check summary before saving, then save GSTR-1 JSON and CSV sheets, GSTR-3B PDF and an e-invoice
refusal shown in words; a cashier gets no such tab."""

from __future__ import annotations

import json

import pytest

from billbook import clock
from billbook.gui.screens.reports import ReportsScreen
from tests.gst import month as M
from tests.gui.backoffice_support import *  # noqa: F403
from tests.gui.conftest import gui_display  # noqa: F401 - the display fixture the support fixtures need

pytestmark = pytest.mark.gui


def test_prepare_shows_the_check_summary_then_saves(admin_ctx, tmp_path):
    month = M.build(admin_ctx.db, admin_ctx.actor)
    screen = mount(admin_ctx, ReportsScreen)  # noqa: F405
    panel = screen.filing
    assert all(b.cget("state") == "disabled" for b in panel.save_buttons)      # nothing to save before a check
    panel.form["period"].set(clock.today().strftime("%Y-%m"))
    seen = []
    panel.bar.set = (lambda orig: lambda v: (seen.append(v), orig(v)))(panel.bar.set)
    panel.prepare()
    assert panel.prepare_btn.cget("state") == "disabled"
    pump_until_idle(admin_ctx)  # noqa: F405
    assert seen[-1] == 1 and panel.bar.get() == 1
    assert panel.verdict.cget("text") == "Totals match the sales report."
    assert panel.sections.values_of("b2cl")["taxable"] == "1,20,500.00"
    assert panel.sections.values_of("cdnur")["tax"] == "10,800.00"
    text = panel.summary.get("1.0", "end")
    assert "B2B 2, B2C large 1, B2C small 3, bills of supply 1" in text and "29: 60,500.00" in text
    assert all(b.cget("state") == "normal" for b in panel.save_buttons)

    panel.save_gstr1_json(str(tmp_path / "r1.json"))
    panel.save_gstr1_csv(str(tmp_path / "sheets"))
    panel.save_gstr3b(str(tmp_path / "3b.pdf"))
    pump_until_idle(admin_ctx)  # noqa: F405
    assert json.loads((tmp_path / "r1.json").read_text(encoding="utf-8"))["b2cl"][0]["pos"] == "29"
    assert (tmp_path / "sheets" / "hsn(b2c).csv").exists() and (tmp_path / "3b.pdf").read_bytes()[:5] == b"%PDF-"

    panel.save_einvoice(month.invoices["b2c_intra"].number, str(tmp_path / "e.json"))
    pump_until_idle(admin_ctx)  # noqa: F405
    assert "no buyer GSTIN" in panel.einv_form.status.text and not (tmp_path / "e.json").exists()


def test_a_bad_period_is_shown_at_its_field(admin_ctx):
    screen = mount(admin_ctx, ReportsScreen)  # noqa: F405
    panel = screen.filing
    panel.form["period"].set("2026-13")
    panel.prepare()
    pump_until_idle(admin_ctx)  # noqa: F405
    assert "2026-Q3" in panel.form["period"].error_text
    assert panel.prepare_btn.cget("state") == "normal" and panel.bar.get() == 0


def test_a_cashier_has_no_gst_returns_tab(cashier_ctx):
    screen = mount(cashier_ctx, ReportsScreen)  # noqa: F405
    assert screen.filing is None
