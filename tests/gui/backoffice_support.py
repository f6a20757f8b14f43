"""Fixtures for the back-office screen tests: a display, a Tk root, a context, a pump.

Import them into a test module with ``from tests.gui.backoffice_support import *``.

Display: an existing ``DISPLAY`` is used; otherwise a private Xvfb is started (one per
xdist worker, ``-displayfd`` picks a free number). Without either, the tests fail under
``CI=true`` and skip with the reason elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from tests import builders

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

__all__ = ["display", "tk_root", "make_ctx", "pump", "pump_until_idle", "mount",
           "admin_ctx", "cashier_ctx", "gui_db"]


def _no_display(reason: str):
    if IN_CI:
        pytest.fail(f"GUI tests must run in CI but: {reason}", pytrace=False)
    pytest.skip(f"GUI tests skipped: {reason}")


def _display_works() -> bool:
    try:
        import tkinter
        root = tkinter.Tk()
        root.destroy()
        return True
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(scope="session")
def display():
    """A working X display for this test process (Xvfb if none)."""
    try:
        import tkinter  # noqa: F401
    except ImportError as exc:
        _no_display(f"tkinter is not installed ({exc})")
    if os.environ.get("DISPLAY") and _display_works():
        yield os.environ["DISPLAY"]
        return
    xvfb = shutil.which("Xvfb")
    if not xvfb:
        _no_display("no DISPLAY and no Xvfb on PATH")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    number = b""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not number.endswith(b"\n"):
        chunk = os.read(read_fd, 16)
        if not chunk:
            break
        number += chunk
    os.close(read_fd)
    if not number.strip():
        proc.kill()
        _no_display("Xvfb did not start")
    old = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = f":{number.decode().strip()}"
    if not _display_works():
        proc.kill()
        _no_display("Tk cannot open the Xvfb display")
    yield os.environ["DISPLAY"]
    proc.terminate()
    proc.wait(timeout=5)
    if old is None:
        os.environ.pop("DISPLAY", None)
    else:
        os.environ["DISPLAY"] = old


@pytest.fixture
def tk_root(display):
    import customtkinter as ctk
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
    raise AssertionError("background work did not finish in time")


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
