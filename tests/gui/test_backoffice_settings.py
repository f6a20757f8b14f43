"""Settings screen: an admin saves the shop profile and manages users; bad input shows at
the field and changes nothing; a cashier gets no settings at all."""

from __future__ import annotations

import pytest

from billbook.gui.screens.settings import SettingsScreen, probe_database
from billbook.services.people import shop as shop_service
from billbook.services.people import users as user_service
from tests.builders import snapshot
from tests.gui.backoffice_support import *  # noqa: F403

pytestmark = pytest.mark.gui


def test_admin_saves_the_shop_profile(admin_ctx):
    screen = mount(admin_ctx, SettingsScreen)
    form = screen.shop_form
    assert form["name"].get() == shop_service.get_shop(admin_ctx.db).name
    form["name"].set("Sharma General Store")
    form["gstin"].set("27AAPFU0939F1ZV")
    form["state_code"].set("27 — Maharashtra")
    screen.save_shop_btn.invoke()
    pump_until_idle(admin_ctx)
    assert form.status.text == "Shop profile saved."
    info = shop_service.get_shop(admin_ctx.db)
    assert (info.name, info.gstin) == ("Sharma General Store", "27AAPFU0939F1ZV")


def test_a_bad_gstin_is_shown_at_its_field_and_nothing_changes(admin_ctx):
    screen = mount(admin_ctx, SettingsScreen)
    before = snapshot(admin_ctx.db)
    screen.shop_form["gstin"].set("27AAPFU0939F1ZX")   # wrong check character
    screen.save_shop_btn.invoke()
    pump_until_idle(admin_ctx)
    assert "check character" in screen.shop_form["gstin"].error_text
    assert screen.shop_form["name"].error_text == ""
    assert snapshot(admin_ctx.db) == before


def test_billing_rules_refuse_an_invoice_prefix_at_the_field(admin_ctx):
    screen = mount(admin_ctx, SettingsScreen)
    screen.show_tab("Billing")
    before = snapshot(admin_ctx.db)
    screen.billing_form["invoice_prefix"].set("CN")
    screen.save_billing()
    pump_until_idle(admin_ctx)
    assert "not CN" in screen.billing_form["invoice_prefix"].error_text
    assert snapshot(admin_ctx.db) == before
    screen.billing_form["invoice_prefix"].set("SGS")
    screen.billing_form["print_format"].set("80 mm receipt")
    screen.save_billing()
    pump_until_idle(admin_ctx)
    info = shop_service.get_shop(admin_ctx.db)
    assert (info.invoice_prefix, info.print_format) == ("SGS", "receipt")


def test_admin_adds_a_cashier_then_deactivates_them(admin_ctx):
    screen = mount(admin_ctx, SettingsScreen)
    screen.show_tab("Users")
    pump_until_idle(admin_ctx)
    form = screen.add_user_form
    form["username"].set("ravi")
    form["full_name"].set("Ravi Kumar")
    form["password"].set("counter-pass-9")
    screen.add_user()
    pump_until_idle(admin_ctx)
    assert "ravi added as cashier" in form.status.text
    assert "ravi" in screen.users_table.rows
    screen.users_table.select("ravi")
    admin_ctx.root.update()
    screen.toggle_active()
    pump_until_idle(admin_ctx)
    users = {u.username: u for u in user_service.list_users(admin_ctx.db, admin_ctx.actor)}
    assert users["ravi"].active is False
    assert screen.users_table.values_of("ravi")["active"] == "no"


def test_a_duplicate_user_name_and_a_short_password_show_at_their_fields(admin_ctx):
    screen = mount(admin_ctx, SettingsScreen)
    screen.show_tab("Users")
    pump_until_idle(admin_ctx)
    before = snapshot(admin_ctx.db)
    form = screen.add_user_form
    form["username"].set("owner")
    form["password"].set("long-enough-pass")
    screen.add_user()
    pump_until_idle(admin_ctx)
    assert "already exists" in form["username"].error_text
    form["username"].set("newbie")
    form["password"].set("short")
    screen.add_user()
    pump_until_idle(admin_ctx)
    assert form["password"].error_text
    assert form["username"].error_text == ""
    assert snapshot(admin_ctx.db) == before


def test_the_last_admin_cannot_be_deactivated_from_the_screen(admin_ctx):
    screen = mount(admin_ctx, SettingsScreen)
    screen.show_tab("Users")
    pump_until_idle(admin_ctx)
    screen.users_table.select("owner")
    admin_ctx.root.update()
    screen.toggle_active()
    pump_until_idle(admin_ctx)
    assert "last active admin" in screen.users_status.text


def test_a_cashier_gets_no_settings(cashier_ctx):
    screen = mount(cashier_ctx, SettingsScreen)
    assert not hasattr(screen, "tabs")
    assert "for admins" in screen.refusal.cget("text")


def test_test_connection_reports_a_good_file_and_an_unreachable_server(tmp_path, gui_db):
    good = probe_database(str(gui_db.engine.url.database))
    assert good.ok and "up to date" in good.message
    bad = probe_database("mysql+mysqlconnector://nobody:secret@127.0.0.1:1/none")
    assert not bad.ok and "secret" not in bad.message


def test_a_cashier_cannot_open_settings_even_by_its_shortcut(gui_db):
    from billbook.gui.registry import SCREENS
    from tests import builders
    from tests.gui.counter_support import close_app, log_in, make_app, settle
    builders.make_user(gui_db, "owner", "admin")
    builders.make_user(gui_db, "asha", "cashier")
    app = make_app(gui_db)
    try:
        shell = log_in(app, "asha")
        assert "settings" not in shell.nav
        before = shell.current
        app.focus_force()
        app.event_generate(SCREENS["settings"].shortcut)
        settle(app)
        assert shell.current == before and "settings" not in shell.screens
        assert "not available to cashier" in shell.messages.text
    finally:
        close_app(app)


def test_an_admin_opens_settings_by_its_shortcut(gui_db):
    from billbook.gui.registry import SCREENS
    from tests import builders
    from tests.gui.counter_support import close_app, log_in, make_app, settle
    builders.make_user(gui_db, "owner", "admin")
    app = make_app(gui_db)
    try:
        shell = log_in(app, "owner")
        app.focus_force()
        app.event_generate(SCREENS["settings"].shortcut)
        settle(app)
        assert shell.current == "settings"
        assert shell.screens["settings"].shop_form["name"].get() == app.ctx.shop.name
    finally:
        close_app(app)


def test_settings_builds_a_tab_on_its_first_visit_filled_from_the_shop(gui_db):
    """Opening Settings builds only the tab in sight (a quick switch); a click on another tab's
    name builds that one, already showing the shop's saved values."""
    from billbook.gui.registry import SCREENS
    from tests import builders
    from tests.gui.counter_support import close_app, log_in, make_app, settle
    builders.make_user(gui_db, "owner", "admin")
    admin = user_service.login(gui_db, "owner", builders.DEFAULT_PASSWORD, "T")
    shop_service.update_shop(gui_db, admin, invoice_prefix="SGS")
    app = make_app(gui_db)
    try:
        shell = log_in(app, "owner")
        app.focus_force()
        app.event_generate(SCREENS["settings"].shortcut)
        settle(app)
        screen = shell.screens["settings"]
        assert screen.built == {"Shop"}
        assert not hasattr(screen, "billing_form") and not hasattr(screen, "printers_panel")
        button = screen.tabs._segmented_button._buttons_dict["Billing"]._canvas
        app.update_idletasks()
        button.event_generate("<Enter>", x=5, y=5)
        button.event_generate("<Button-1>", x=5, y=5)
        button.event_generate("<ButtonRelease-1>", x=5, y=5)
        settle(app)
        assert screen.tabs.get() == "Billing" and screen.built == {"Shop", "Billing"}
        assert screen.billing_form["invoice_prefix"].get() == "SGS"
    finally:
        close_app(app)
