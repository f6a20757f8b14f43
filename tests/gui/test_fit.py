"""Every screen and dialog fits the window, from 1024×600 up (issue 16, point 2).

The real window (``gui.app.App``) on a small demo shop, at 1024×600 and 1366×768, light and
dark: the first-run wizard, the login form, then — logged in as the admin, who sees every
screen — each screen the registry knows (so screens added later are walked too), each tab
of every tab view on it, and the dialogs and overlays: the counter's payment panel, line
editor and held carts, an invoice's detail and its return, the lock screen and the
change-password window. At each stop :func:`tests.gui.fit_support.misfits` must find
nothing: no interactive widget outside the visible window (or its scrollable area), no
label whose text is wider than the label, no table cell or column cut off.

Keys go to the focused widget as a person would press them (``Keyboard``).
"""

from __future__ import annotations

import shutil
import time

import customtkinter as ctk
import pytest

from tests.gui.counter_support import Keyboard, close_app
from tests.gui.counter_support import settle as _settle
from tests.gui.fit_support import misfits

SIZES = ["1024x600", "1366x768"]
MODES = ["light", "dark"]


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory):
    """A demo shop (products, customers, invoices, a held cart) built once, copied per test."""
    from billbook.db.bootstrap import open_database
    from billbook.devtools.screenshots import demo_shop
    folder = tmp_path_factory.mktemp("fit")
    path = folder / "demo.sqlite3"
    db = open_database(f"sqlite:///{path}")
    demo_shop(db)
    db.dispose()
    empty = folder / "empty.sqlite3"
    open_database(f"sqlite:///{empty}").dispose()
    return path, empty


@pytest.fixture
def fresh_copy(demo_database, tmp_path, monkeypatch, gui_display):
    monkeypatch.setenv("BILLBOOK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BILLBOOK_TERMINAL", "COUNTER-1")
    demo, empty = demo_database
    shutil.copy(demo, tmp_path / "demo.sqlite3")
    shutil.copy(empty, tmp_path / "empty.sqlite3")
    return tmp_path / "demo.sqlite3", tmp_path / "empty.sqlite3"


def settle(app, timeout: float = 60) -> None:
    """Timers fire and background work calls back (a loaded CI box may take a while: 60 s)."""
    _settle(app, timeout)


def _open(path, size: str, mode: str):
    from billbook.db.bootstrap import open_database
    from billbook.gui.app import App
    db = open_database(f"sqlite:///{path}")
    app = App(db, geometry=f"{size}+0+0", theme_mode=mode)
    app.ctx.open_documents = False
    app.report_callback_exception = _raise
    app.update()
    return app, db


def _raise(exc, value, tb):
    raise value


class Walk:
    """Visits stops on the window and collects what does not fit at each."""

    def __init__(self, app, size: str):
        self.app = app
        self.size = size
        self.problems: list[str] = []
        self.stops: list[str] = []

    def check(self, stop: str) -> None:
        try:
            settle(self.app)
        except TimeoutError as exc:
            raise AssertionError(f"at {stop}: {exc}") from exc
        width, height = (int(v) for v in self.size.split("x"))
        app = self.app
        assert (app.winfo_width(), app.winfo_height()) == (width, height), \
            f"the window is {app.winfo_width()}x{app.winfo_height()}, not {self.size}, at {stop}"
        self.stops.append(stop)
        self.problems.extend(f"[{stop}] {p}" for p in misfits(app))

    def tabs(self, stop: str, frame) -> None:
        """Every tab of every tab view inside ``frame`` (building lazily built tabs)."""
        for tabview in _tabviews(frame):
            first = tabview.get()
            for name in list(tabview._name_list):
                tabview.set(name)
                command = tabview._command
                if command is not None:
                    command()
                self.check(f"{stop} › {name}")
                self.tabs(f"{stop} › {name}", tabview.tab(name))
            tabview.set(first)


def _tabviews(frame) -> list:
    found, stack = [], list(frame.winfo_children())
    while stack:
        w = stack.pop(0)
        if isinstance(w, ctk.CTkTabview):
            found.append(w)
            continue          # nested tab views are walked from their tab
        stack.extend(w.winfo_children())
    return found


def _wait(app, until, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.update()
        if until():
            return
        time.sleep(0.01)
    raise AssertionError("the window did not get there in time")


def walk_first_run(path, size: str, mode: str) -> Walk:
    from billbook.gui.app import FirstRunWizard
    app, db = _open(path, size, mode)
    try:
        walk = Walk(app, size)
        assert isinstance(app.face, FirstRunWizard)
        walk.check("first run")
        return walk
    finally:
        close_app(app)
        db.dispose()


def walk_everything(path, size: str, mode: str) -> Walk:
    from billbook.gui import registry
    from billbook.gui.app import LoginForm
    app, db = _open(path, size, mode)
    keys = Keyboard(app)
    try:
        walk = Walk(app, size)
        assert isinstance(app.face, LoginForm)
        walk.check("login")
        app.face.user.focus_set()
        keys.type("owner")
        keys.press("Return")
        keys.type("owner-pass-123")
        keys.press("Return")
        settle(app)
        shell = app.shell
        assert shell is not None and app.face is shell, "the admin could not log in"
        walked = []
        for spec in registry.load_all():
            assert shell.show(spec.key), f"the admin cannot open {spec.title}"
            walk.check(spec.title)
            walk.tabs(spec.title, shell.screens[spec.key])
            walked.append(spec.key)
            frame = shell.screens[spec.key]
            if hasattr(frame, "screenshot_ready"):      # the screen's own sample state (a ledger, a day…)
                shell.show(spec.key)
                frame.screenshot_ready()
                walk.check(f"{spec.title} (sample)")
            opener = DIALOGS.get(spec.key)
            if opener is not None:
                shell.show(spec.key)
                settle(app)
                opener(walk, shell.screens[spec.key], keys)
        assert {"billing", "invoices", "products", "settings"} <= set(walked)
        password = shell.change_password()
        walk.check("change password")
        password.close() if hasattr(password, "close") else password.destroy()
        settle(app)
        shell.show("billing")
        app.lock()
        walk.check("lock screen")
        return walk
    finally:
        close_app(app)
        db.dispose()


# ------------------------------------------------------------------ dialogs per screen

def _billing(walk: Walk, screen, keys: Keyboard) -> None:
    app = walk.app
    screen.focus_scan()
    for code in ("8901234500019", "8901234500026", "8901234500125", "8901234500071", "8901234500101"):
        keys.scan(code)
    settle(app)
    walk.check("Billing with a cart")
    keys.press("F3")                        # edit the selected line
    walk.check("Billing › line editor")
    keys.press("Escape")
    settle(app)
    keys.press("F12")                       # payment
    _wait(app, lambda: screen.payment.visible)
    walk.check("Billing › payment (cash)")
    _covers_only_the_cart(walk, screen, "cash")
    screen.payment.set_mode("upi")
    walk.check("Billing › payment (UPI)")
    _covers_only_the_cart(walk, screen, "UPI")
    keys.press("Escape")
    settle(app)
    screen.focus_scan()
    keys.press("F5")                        # held carts
    walk.check("Billing › held carts")
    keys.press("Escape")
    settle(app)


def _covers_only_the_cart(walk: Walk, screen, mode: str) -> None:
    """The payment panel lies over the cart, not over the totals the cashier reads from."""
    panel, cart = screen.payment, screen.body
    walk.app.update_idletasks()
    right, cart_right = panel.winfo_rootx() + panel.winfo_width(), cart.winfo_rootx() + cart.winfo_width()
    if right > cart_right + 2:
        walk.problems.append(f"[Billing › payment ({mode})] the payment panel reaches {right - cart_right}px over "
                             f"the totals")


def _invoices(walk: Walk, screen, keys: Keyboard) -> None:
    app = walk.app
    rows = screen.table.rows() if callable(getattr(screen.table, "rows", None)) else list(screen.table.rows)
    assert rows, "the demo shop has invoices"
    screen.table.select(rows[0])
    settle(app)
    walk.check("Invoices › an invoice")
    if getattr(screen, "detail", None) is not None and hasattr(screen, "return_dialog"):
        screen.return_dialog(screen.detail)
        walk.check("Invoices › return")
        screen.close_overlay()
        settle(app)


def _products(walk: Walk, screen, keys: Keyboard) -> None:
    app = walk.app
    rows = screen.table.tree.get_children()
    assert rows, "the demo shop has products"
    screen.table.select(rows[0])
    settle(app)
    walk.check("Products › editing a product")


def _customers(walk: Walk, screen, keys: Keyboard) -> None:
    app = walk.app
    rows = screen.table.tree.get_children()
    if rows:
        screen.table.select(rows[0])
        settle(app)
        walk.check("Customers › a customer")
        walk.tabs("Customers › a customer", screen)


DIALOGS = {"billing": _billing, "invoices": _invoices, "products": _products, "customers": _customers}


# ------------------------------------------------------------------ the tests

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", SIZES)
def test_every_screen_and_dialog_fits_the_window(fresh_copy, size, mode):
    demo, empty = fresh_copy
    first = walk_first_run(empty, size, mode)
    walk = walk_everything(demo, size, mode)
    stops = first.stops + walk.stops
    assert len(stops) >= 20, stops            # the walk really went round the app
    problems = first.problems + walk.problems
    assert not problems, f"{len(problems)} things do not fit at {size} {mode}:\n" + "\n".join(problems)


def test_the_fit_check_sees_a_cut_button_and_a_cut_label(gui_display):
    """The checker itself: a button pushed past the window's edge, a label too narrow for its
    text, a table whose columns overflow, and a widget the packer had no room for."""
    import tkinter as tk
    from tkinter import ttk
    root = ctk.CTk()
    try:
        root.geometry("400x300+0+0")
        frame = ctk.CTkFrame(root, width=400, height=300)
        frame.pack(fill="both", expand=True)
        frame.pack_propagate(False)
        ctk.CTkButton(frame, text="Off the edge").place(x=350, y=10)
        label = tk.Label(frame, text="A rather long text that cannot fit")
        label.place(x=10, y=60, width=60)
        tree = ttk.Treeview(frame, columns=("a", "b"), show="headings", height=3)
        tree.column("a", width=300, stretch=False)
        tree.column("b", width=300, stretch=False)
        tree.place(x=10, y=100, width=200, height=80)
        tall = ctk.CTkFrame(frame, height=900, width=50)
        tall.pack(side="bottom")
        ctk.CTkButton(frame, text="No room").pack(side="bottom")
        root.update()
        found = "\n".join(misfits(root))
        assert "'Off the edge': outside the window" in found
        assert "'A rather long text that cannot fit': text" in found
        assert "columns are 600px wide together" in found
        assert "'No room': no room for it" in found
    finally:
        root.destroy()
