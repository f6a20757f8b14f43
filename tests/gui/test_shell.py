"""The window: first run, login, what each role sees, lock, theme, window memory."""

from __future__ import annotations

import time

from billbook import config
from billbook.gui.app import FirstRunWizard, LoginForm
from billbook.services.people import shop as shop_service
from billbook.services.people import users as user_service
from tests import builders
from tests.gui.counter_support import Keyboard, close_app, gui_db, log_in, make_app, settle  # noqa: F401


def test_first_run_creates_the_admin_and_the_shop_then_logs_in(gui_db, tmp_path):
    from PIL import Image
    logo = tmp_path / "logo.png"
    Image.new("RGB", (40, 20), "red").save(logo)
    app = make_app(gui_db)
    try:
        wiz = app.face
        assert isinstance(wiz, FirstRunWizard)
        wiz.username.set("owner")
        wiz.password.set("s3cret-pass-42")
        wiz.confirm.set("s3cret-pass-42")
        wiz.shop_name.set("Sharma General Store")
        wiz.state.set(next(v for v in wiz.state.cget("values") if v.startswith("29")))
        wiz.gstin.set("")
        wiz.upi.set("sharma@okbank")
        wiz.prefix.set("SGS")
        wiz.set_logo(logo)
        wiz.save()
        settle(app)
        assert app.shell is not None and app.face is app.shell
        assert app.ctx.actor.username == "owner" and app.ctx.actor.is_admin
        info = shop_service.get_shop(gui_db)
        assert (info.name, info.state_code, info.upi_vpa, info.invoice_prefix, info.has_logo) == \
            ("Sharma General Store", "29", "sharma@okbank", "SGS", True)
        assert app.title() == "billbook — Sharma General Store"
        assert user_service.has_users(gui_db)
    finally:
        close_app(app)


def test_first_run_shows_a_bad_gstin_next_to_its_field_and_keeps_the_input(gui_db):
    app = make_app(gui_db)
    try:
        wiz = app.face
        wiz.username.set("owner")
        wiz.password.set("s3cret-pass-42")
        wiz.confirm.set("s3cret-pass-42")
        wiz.shop_name.set("Corner Shop")
        wiz.gstin.set("27ABCDE1234F1Z9")   # wrong check character
        wiz.save()
        settle(app)
        assert app.face is wiz
        assert wiz.gstin.error.cget("text")
        assert wiz.shop_name.get() == "Corner Shop"
        # the admin exists now; fixing the GSTIN finishes the set-up
        wiz.gstin.set("")
        wiz.save()
        settle(app)
        assert app.face is app.shell
    finally:
        close_app(app)


def test_mismatched_passwords_are_refused_before_anything_is_written(gui_db):
    app = make_app(gui_db)
    try:
        wiz = app.face
        wiz.username.set("owner")
        wiz.password.set("s3cret-pass-42")
        wiz.confirm.set("s3cret-pass-43")
        wiz.shop_name.set("Corner Shop")
        wiz.save()
        settle(app)
        assert wiz.confirm.error.cget("text") == "the two passwords differ"
        assert not user_service.has_users(gui_db)
    finally:
        close_app(app)


def test_a_wrong_password_is_refused_in_plain_words(gui_db):
    builders.make_user(gui_db, "asha", "cashier")
    app = make_app(gui_db)
    try:
        form = app.face
        assert isinstance(form, LoginForm)
        form.user.insert(0, "asha")
        form.password.insert(0, "not the password")
        form.submit()
        settle(app)
        assert app.face is form and app.shell is None
        assert form.message.cget("text") == "Wrong user name or password."
        assert form.password.get() == ""
    finally:
        close_app(app)


def test_login_with_the_keyboard_only(gui_db):
    builders.make_user(gui_db, "asha", "cashier")
    app = make_app(gui_db)
    try:
        kb = Keyboard(app)
        kb.type("asha")
        kb.press("Return")
        kb.type(builders.DEFAULT_PASSWORD)
        kb.press("Return")
        settle(app)
        assert app.face is app.shell and app.ctx.actor.username == "asha"
        assert app.shell.current == "billing"
        assert app.focus_get() is app.shell.screens["billing"].search.entry._entry
    finally:
        close_app(app)


def test_a_cashier_sees_no_admin_screens_and_shortcuts_are_refused(gui_db):
    from billbook.gui import registry
    builders.make_user(gui_db, "asha", "cashier")
    app = make_app(gui_db)
    try:
        shell = log_in(app, "asha")
        visible = set(shell.nav)
        assert "billing" in visible and "invoices" in visible
        admin_only = {s.key for s in registry.SCREENS.values() if not app.ctx.actor.can(s.permission)}
        assert admin_only, "there should be admin-only screens (settings, products...)"
        assert not (visible & admin_only)
        shell.show("invoices")          # a screen that binds none of the admin shortcuts itself
        for spec in (s for s in registry.SCREENS.values() if s.key in admin_only and s.shortcut):
            shell.messages.clear()
            shell._dispatch(spec.shortcut)
            assert shell.current == "invoices"
            assert "not available to cashier" in shell.messages.text
            assert spec.key not in shell.screens
        assert shell.show("settings") is False and "settings" not in shell.screens
    finally:
        close_app(app)


def test_an_admin_sees_every_screen(gui_db):
    from billbook.gui import registry
    builders.make_user(gui_db, "owner", "admin")
    app = make_app(gui_db)
    try:
        shell = log_in(app, "owner")
        assert set(shell.nav) == set(registry.SCREENS)
    finally:
        close_app(app)


def test_status_bar_names_user_terminal_and_database(gui_db, monkeypatch):
    monkeypatch.setenv("BILLBOOK_TERMINAL", "COUNTER-2")
    builders.make_user(gui_db, "asha", "cashier")
    app = make_app(gui_db)
    try:
        shell = log_in(app, "asha")
        assert shell.user_label.cget("text") == "User: asha (cashier)"
        assert "COUNTER-2" in app.ctx.terminal
        assert shell.db_label.cget("text").startswith("Database: SQLite")
        assert "connected" in shell.health_label.cget("text")
    finally:
        close_app(app)


def test_idle_lock_keeps_the_cart_and_unlocks_with_the_same_password(gui_db):
    builders.make_user(gui_db, "asha", "cashier")
    app = make_app(gui_db)
    try:
        shell = log_in(app, "asha")
        billing = shell.screens["billing"]
        billing.cart.customer_name = "kept"
        shell.idle_seconds = 0.01
        app.last_activity -= 1
        assert shell.check_idle()
        lock = app.face
        assert isinstance(lock, LoginForm) and lock.locked_user == "asha"
        lock.password.insert(0, "wrong password")
        lock.submit()
        settle(app)
        assert app.face is lock
        lock.password.insert(0, builders.DEFAULT_PASSWORD)
        lock.submit()
        settle(app)
        assert app.face is shell and shell.screens["billing"] is billing
        assert billing.cart.customer_name == "kept"
    finally:
        close_app(app)


def test_logout_returns_to_the_login_form(gui_db):
    builders.make_user(gui_db, "asha", "cashier")
    app = make_app(gui_db)
    try:
        log_in(app, "asha")
        app.logout()
        settle(app)
        assert isinstance(app.face, LoginForm) and app.shell is None and app.ctx.actor is None
    finally:
        close_app(app)


def test_theme_and_window_geometry_are_remembered(gui_db):
    builders.make_user(gui_db, "asha", "cashier")
    app = make_app(gui_db)
    try:
        shell = log_in(app, "asha")
        app.geometry("1200x700+10+20")
        app.update()
        shell.theme_switch.set("Dark")
        app.set_theme_mode("dark")
        app.save_window()
        cfg = config.read_config()
        assert cfg["gui_theme"] == "dark"
        assert cfg["gui_geometry"].startswith("1200x700")
    finally:
        close_app(app)
    app2 = make_app(gui_db, theme_mode=None, geometry=None)
    try:
        assert app2.theme_mode == "dark"
        assert app2.geometry().startswith("1200x700")
    finally:
        app2.set_theme_mode("light")
        close_app(app2)


def _stale_timers(app) -> list[str]:
    """Pending after() callbacks whose Tcl command is gone (their widget was destroyed)."""
    stale = []
    for aid in app.tk.splitlist(app.tk.call("after", "info")):
        script = app.tk.splitlist(app.tk.call("after", "info", aid))[0]
        if not app.tk.call("info", "commands", script):
            stale.append(script)
    return stale


def test_logging_out_mid_search_leaves_no_timer_to_fire_into_the_next_login(gui_db):
    """The cashier types into the search box and logs out at once (Ctrl+Shift+Q): the search's
    debounce timer dies with the screen. Left pending it would fire into a deleted command or,
    once its name is reused, call the next login form's Enter binding without an event."""
    builders.make_user(gui_db, "asha", "cashier")
    app = make_app(gui_db)
    errors = []
    app.report_callback_exception = lambda exc, value, tb: errors.append(value)
    try:
        kb = Keyboard(app)
        kb.type("asha")
        kb.press("Return")
        kb.type(builders.DEFAULT_PASSWORD)
        kb.press("Return")
        settle(app)
        billing = app.shell.screens["billing"]
        assert app.focus_get() is billing.search.entry._entry
        kb.type("ri")                                        # the search waits a moment for more keys
        assert billing.search._debounce is not None
        app.focus_get().event_generate("<KeyPress>", keysym="Q", state=0x4 | 0x1)      # Ctrl+Shift+Q
        app.update()
        assert isinstance(app.face, LoginForm)
        assert _stale_timers(app) == []
        settle(app)                     # the login form puts the focus in its user field
        assert app.focus_get() is app.face.user._entry
        kb.type("asha")
        kb.press("Return")
        kb.type(builders.DEFAULT_PASSWORD)
        kb.press("Return")
        settle(app)
        assert app.face is app.shell and app.ctx.actor.username == "asha"
        assert errors == [] and _stale_timers(app) == []
    finally:
        close_app(app)


def test_closing_the_window_cancels_every_pending_timer(gui_db):
    """Nothing of a closed window fires later ("invalid command name …" on the terminal)."""
    builders.make_user(gui_db, "owner", "admin")
    app = make_app(gui_db)
    log_in(app, "owner")
    for key in ("billing", "products", "dashboard"):
        app.shell.show(key)
    settle(app)
    tk_app = app.tk
    close_app(app)
    assert tk_app.call("after", "info") in ("", ())


def test_a_long_message_ends_in_an_ellipsis_and_shows_whole_on_hover(gui_db):
    from billbook.gui.widgets.fit import ELLIPSIS, TIP_DELAY_MS, measure
    builders.make_user(gui_db, "asha", "cashier")
    app = make_app(gui_db, geometry="1024x600+0+0")
    try:
        shell = log_in(app, "asha")
        long = ("The receipt printer at tcp://192.168.1.50:9100 did not answer: the sale INV/26-27/000123 is "
                "saved; check the printer's cable and power, then press Reprint on the invoice to print it "
                "again, or choose another printer in Settings → Printers.")
        app.ctx.notify(long, "warn")
        settle(app)
        bar = shell.messages
        assert bar.text == long
        assert bar.shown_text.endswith(ELLIPSIS) and bar.shown_text.startswith("⚠  The receipt printer")
        label = bar._label._label
        assert measure(app, label.cget("font"), bar.shown_text) <= bar.winfo_width()
        assert bar.winfo_width() <= app.winfo_width()
        x, y = label.winfo_width() // 2, label.winfo_height() // 2       # the pointer rests on it
        app.event_generate("<Motion>", warp=True, x=label.winfo_rootx() + x, y=label.winfo_rooty() + y)
        label.event_generate("<Enter>", x=x, y=y)
        end = time.monotonic() + (TIP_DELAY_MS + 1500) / 1000
        while bar._label.tooltip_label.tip is None and time.monotonic() < end:
            app.update()
            time.sleep(0.01)
        tip = bar._label.tooltip_label.tip
        assert tip is not None, "no tooltip over the cut message"
        assert tip.winfo_children()[0].cget("text") == f"⚠  {long}"
        app.ctx.notify("Saved.", "ok")
        settle(app)
        assert bar.shown_text == "✔  Saved."
    finally:
        close_app(app)
