"""Screens built ahead while the user is idle (issue 16): a first switch as quick as a later one.

The shell builds one of the role's screens at a time, hidden, once nobody has touched keyboard
or mouse for ``PREBUILD_IDLE_MS``; input postpones it; a log-out in the middle leaves nothing
behind. Idle is made here as the idle-lock test makes it: by moving ``last_activity`` back.
"""

from __future__ import annotations

import time

from billbook.gui import shell as shell_module
from billbook.gui.app import LoginForm
from tests import builders
from tests.gui.counter_support import (Keyboard, add_product, close_app, ean13, gui_db,  # noqa: F401
                                       log_in, make_app, settle)
from tests.gui.test_shell import _stale_timers


def _pump(app, seconds: float, until=lambda: False) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not until():
        app.update()
        time.sleep(0.01)


def _record_builds(shell, monkeypatch) -> list[tuple[str, float, str | None, bool]]:
    """Each screen build: (key, when, the screen in front, whether a built screen was gridded
    other than the one in front)."""
    builds: list[tuple[str, float, str | None, bool]] = []
    real = shell._make_screen

    def recording(key):
        screen = real(key)
        others_shown = any(s.winfo_manager() for k, s in shell.screens.items() if k != shell.current)
        builds.append((key, time.monotonic(), shell.current, others_shown))
        return screen
    monkeypatch.setattr(shell, "_make_screen", recording)
    return builds


def _go_idle(app) -> None:
    app.last_activity = time.monotonic() - shell_module.PREBUILD_IDLE_MS / 1000 - 0.5


def test_idle_builds_the_other_screens_one_at_a_time_and_a_switch_then_shows_fresh_data(gui_db, monkeypatch):
    admin = builders.make_user(gui_db, "owner", "admin")
    app = make_app(gui_db)
    errors = []
    app.report_callback_exception = lambda exc, value, tb: errors.append(value)
    try:
        shell = log_in(app, "owner")
        billing = shell.screens["billing"]
        assert list(shell.screens) == ["billing"] and shell.current == "billing"
        builds = _record_builds(shell, monkeypatch)
        wanted = [s.key for s in shell.allowed if s.key != "billing"]
        _go_idle(app)
        _pump(app, 30, until=lambda: not shell.unbuilt())
        assert [key for key, *_ in builds] == wanted                    # every other screen, in sidebar order
        gaps = [b[1] - a[1] for a, b in zip(builds, builds[1:])]
        assert min(gaps) >= shell_module.PREBUILD_CHECK_MS / 1000 * 0.9  # one per tick, never a burst
        assert all(front == "billing" and not shown for _key, _when, front, shown in builds)
        assert shell.current == "billing" and billing.winfo_ismapped()
        assert all(not shell.screens[key].winfo_manager() for key in wanted)     # built, never shown
        assert app.focus_get() is billing.search.entry._entry          # the counter keeps the keyboard
        products = shell.screens["products"]
        assert products.table.rows == {}                                # nothing loaded while hidden

        add_product(gui_db, admin, "LATE-1", "45", name="Added after the build")
        shell.switch_times = {}
        app.focus_get().event_generate("<KeyPress>", keysym="2", state=0x4)      # Ctrl+2: Products
        app.update()
        assert shell.current == "products" and shell.screens["products"] is products
        assert "placeholder" not in shell.switch_times                  # no "Opening …": shown at once
        settle(app)
        assert products.winfo_ismapped()
        assert "LATE-1" in products.table.rows                           # its data loads on show, fresh
        assert products.table.rows["LATE-1"].name == "Added after the build"
        assert not shell.unbuilt() and errors == []
    finally:
        close_app(app)


def test_key_presses_postpone_building_ahead(gui_db, monkeypatch):
    builders.make_user(gui_db, "owner", "admin")
    app = make_app(gui_db)
    try:
        shell = log_in(app, "owner")
        builds = _record_builds(shell, monkeypatch)
        _go_idle(app)
        kb = Keyboard(app)
        end = time.monotonic() + shell_module.PREBUILD_IDLE_MS / 1000 + 1.5
        while time.monotonic() < end:           # someone at the keyboard (keys that change nothing)
            kb.press("Shift_L")
            _pump(app, 0.2)
        assert builds == [] and list(shell.screens) == ["billing"]
        stopped = time.monotonic()
        _pump(app, 10, until=lambda: bool(builds))
        assert builds, "nothing was built once the keys stopped"
        assert builds[0][1] - stopped >= shell_module.PREBUILD_IDLE_MS / 1000 * 0.9
    finally:
        close_app(app)


def test_an_open_cart_holds_building_ahead_back(gui_db, monkeypatch):
    admin = builders.make_user(gui_db, "owner", "admin")
    builders.make_user(gui_db, "asha", "cashier")
    code = ean13("890123456789")
    add_product(gui_db, admin, "SOAP", "30", barcode=code)
    app = make_app(gui_db)
    try:
        shell = log_in(app, "asha")
        builds = _record_builds(shell, monkeypatch)
        Keyboard(app).scan(code)
        settle(app)
        assert app.open_cart() is not None
        _go_idle(app)
        _pump(app, 1.5)
        assert builds == [] and not shell.may_prebuild()          # the cashier is mid-sale
        # the check goes on every PREBUILD_CHECK_MS all the while, holding one pending timer
        # per job, not one more each tick (a cart open all day is a cashier's normal day)
        assert len(shell._after) <= 5
    finally:
        close_app(app)


def test_logging_out_while_building_ahead_leaves_no_timer(gui_db, monkeypatch):
    builders.make_user(gui_db, "owner", "admin")
    app = make_app(gui_db)
    errors = []
    app.report_callback_exception = lambda exc, value, tb: errors.append(value)
    try:
        shell = log_in(app, "owner")
        builds = _record_builds(shell, monkeypatch)
        _go_idle(app)
        _pump(app, 15, until=lambda: len(builds) >= 2)
        assert len(builds) >= 2 and shell.unbuilt()             # in the middle of it
        app.focus_get().event_generate("<KeyPress>", keysym="Q", state=0x4 | 0x1)      # Ctrl+Shift+Q
        app.update()
        assert isinstance(app.face, LoginForm) and app.shell is None
        assert _stale_timers(app) == []
        pending = [app.tk.splitlist(app.tk.call("after", "info", aid))[0]
                   for aid in app.tk.splitlist(app.tk.call("after", "info"))]
        assert not any("prebuild" in script for script in pending)
        count = len(builds)
        app.last_activity -= 5
        _pump(app, 1.5)
        assert len(builds) == count and errors == []
    finally:
        close_app(app)
