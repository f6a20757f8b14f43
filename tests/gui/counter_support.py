"""Helpers for the counter GUI tests: a real App window on a SQLite copy, a keyboard that
counts keystrokes, and small builders."""

from __future__ import annotations

import gc
import shutil
import time
from decimal import Decimal

import pytest

from billbook.db.bootstrap import open_database
from tests import builders


@pytest.fixture
def gui_db(tmp_path, sqlite_template, gui_display):
    target = tmp_path / "gui.sqlite3"
    shutil.copy(sqlite_template, target)
    db = open_database(f"sqlite:///{target}")
    yield db
    db.dispose()


def make_app(db, *, theme_mode: str | None = "light", geometry: str | None = "1366x768+0+0"):
    from billbook.gui.app import App
    app = App(db, geometry=geometry, theme_mode=theme_mode)
    app.ctx.open_documents = False
    app.update()
    app.focus_force()
    app.update()
    app.face.focus_first()
    end = time.monotonic() + 0.1
    while time.monotonic() < end:   # let the form put the focus in its first field
        app.update()
        time.sleep(0.01)
    return app


def close_app(app) -> None:
    try:
        app.ctx.wait_idle(5)
    except Exception:  # noqa: BLE001
        pass
    try:
        app.close()
    except Exception:  # noqa: BLE001 - already gone
        pass
    # Collect the dead window's Tk objects now, on this thread: a font collected later in a
    # worker thread would call into a Tcl interpreter whose event loop no longer runs.
    gc.collect()


class Keyboard:
    """Sends key events to whatever has focus, like a person (or a scanner) would.

    ``keystrokes`` counts what the cashier presses; ``scans`` counts scanner reads (each read
    types a code and Enter by itself).
    """

    def __init__(self, app):
        self.app = app
        self.keystrokes = 0
        self.scans = 0
        self.log: list[str] = []

    def _send(self, keysym: str) -> None:
        widget = self.app.focus_get() or self.app
        widget.event_generate("<KeyPress>", keysym=keysym)
        widget = self.app.focus_get() or self.app
        widget.event_generate("<KeyRelease>", keysym=keysym)
        self.app.update()

    def press(self, keysym: str) -> None:
        self.keystrokes += 1
        self.log.append(keysym)
        self._send(keysym)

    def type(self, text: str) -> None:
        for ch in text:
            self.press(_keysym(ch))

    def scan(self, code: str) -> None:
        """A barcode scanner: the code's characters then Return, in one burst."""
        self.scans += 1
        self.log.append(f"scan:{code}")
        for ch in code:
            self._send(_keysym(ch))
        self._send("Return")

    @property
    def total(self) -> int:
        return self.keystrokes + self.scans


_NAMES = {" ": "space", "+": "plus", "-": "minus", "*": "asterisk", ".": "period", "/": "slash", "%": "percent",
          "@": "at", "_": "underscore", ",": "comma"}


def _keysym(ch: str) -> str:
    return _NAMES.get(ch, ch)


def settle(app, timeout: float = 10.0) -> None:
    """Let debounce timers fire and background jobs call back."""
    end = time.monotonic() + 0.2
    while time.monotonic() < end:
        app.update()
        time.sleep(0.01)
    app.ctx.wait_idle(timeout)


def log_in(app, username: str, password: str = builders.DEFAULT_PASSWORD):
    from billbook.gui.app import LoginForm
    form = app.face
    assert isinstance(form, LoginForm), f"expected the login form, got {type(form).__name__}"
    form.user.insert(0, username)
    form.password.insert(0, password)
    form.submit()
    settle(app)
    return app.shell


def add_product(db, admin, sku: str, price: str, *, barcode: str | None = None, stock: str = "100",
                gst: str = "18", name: str | None = None, unit: str = "pcs", tax_inclusive: bool = False):
    from billbook.services.goods import catalog
    return catalog.add_product(db, admin, sku=sku, name=name or f"Product {sku}", price=price, gst_rate=gst,
                               barcode=barcode, stock=stock, unit=unit, tax_inclusive=tax_inclusive)


def ean13(stem12: str) -> str:
    digits = [int(c) for c in stem12]
    check = (10 - (sum(digits[0::2]) + 3 * sum(digits[1::2])) % 10) % 10
    return stem12 + str(check)


D = Decimal
