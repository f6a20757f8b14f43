"""Fixtures for the back-office screen tests: a display, a Tk root, a context, a pump.

Import them into a test module with ``from tests.gui.backoffice_support import *``.

The display comes from ``gui_display`` in ``tests/gui/conftest.py`` ($DISPLAY or a private
Xvfb; fails under ``CI=true`` and skips elsewhere when there is none).
"""

from __future__ import annotations

import gc
import shutil
import time

import pytest

from tests import builders

__all__ = ["tk_root", "make_ctx", "pump", "pump_until_idle", "mount",
           "admin_ctx", "cashier_ctx", "gui_db"]


@pytest.fixture
def tk_root(gui_display):
    import customtkinter as ctk
    # Tk objects of an earlier test's (destroyed) window must be freed here, on the main
    # thread: if the garbage collector ran their __del__ in a worker thread, the call into the
    # dead Tcl interpreter would block that worker forever.
    gc.collect()
    ctk.set_appearance_mode("light")
    root = ctk.CTk()
    root.geometry("1366x768+0+0")
    root.update()
    yield root
    try:
        for child in list(root.winfo_children()):
            child.destroy()
        root.update()
        root.destroy()
    except Exception:  # noqa: BLE001 - a test may have destroyed it
        pass
    gc.collect()


def make_ctx(root, db, actor):
    from billbook.gui.forms import make_context
    return make_context(root, db, actor)


def pump(root, until, timeout: float = 15.0) -> None:
    """Run the Tk loop until ``until()`` is true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        root.update()
        if until():
            return
        time.sleep(0.005)
    raise AssertionError("the screen did not get there in time")


def pump_until_idle(ctx, timeout: float = 15.0) -> None:
    """Run the Tk loop until every background call of ``ctx`` has reported back."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ctx.root.update()
        if ctx.pending == 0:
            for _ in range(3):
                ctx.root.update()
            if ctx.pending == 0:
                return
        time.sleep(0.005)
    import sys
    import traceback
    stacks = "\n".join(f"--- thread {tid}\n" + "".join(traceback.format_stack(frame)[-8:])
                       for tid, frame in sys._current_frames().items())
    raise AssertionError(f"background work did not finish in time; {ctx.pending} pending\n{stacks}")


def mount(ctx, cls):
    """Build a screen as the shell does (``cls(master, ctx)``, then ``on_show()``) and wait for it."""
    frame = cls(ctx.root, ctx)
    frame.pack(fill="both", expand=True)
    if hasattr(frame, "on_show"):
        frame.on_show()
    pump_until_idle(ctx)
    return frame


@pytest.fixture
def gui_db(tmp_path, sqlite_template):
    """A migrated SQLite database (GUI tests drive screens; the services are tested on both DBs)."""
    from billbook.db.bootstrap import open_database
    target = tmp_path / "gui.sqlite3"
    shutil.copy(sqlite_template, target)
    database = open_database(f"sqlite:///{target}")
    yield database
    database.dispose()


@pytest.fixture
def admin_ctx(tk_root, gui_db):
    ctx = make_ctx(tk_root, gui_db, builders.make_user(gui_db, "owner", "admin"))
    yield ctx
    ctx.shutdown()


@pytest.fixture
def cashier_ctx(tk_root, gui_db):
    ctx = make_ctx(tk_root, gui_db, builders.make_user(gui_db, "asha", "cashier"))
    yield ctx
    ctx.shutdown()
