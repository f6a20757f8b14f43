"""GUI tests need an X display: use $DISPLAY, else start a private Xvfb at 1366×768.

Without a display or Xvfb the GUI tests fail when ``CI`` is true and are skipped (with the
reason) elsewhere. Every GUI test is marked ``gui``.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from billbook.gui.xvfb import start_xvfb

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.gui)


def _no_display(reason: str):
    if IN_CI:
        pytest.fail(f"GUI tests must run in CI but: {reason}", pytrace=False)
    pytest.skip(f"GUI tests skipped: {reason}")


def _tk_works() -> bool:
    try:
        import tkinter
        root = tkinter.Tk()
        root.destroy()
        return True
    except Exception:  # noqa: BLE001 - no display, no Tk
        return False


@pytest.fixture(scope="session")
def gui_display():
    """A working X display for this test process (a private Xvfb when there is none)."""
    try:
        import tkinter  # noqa: F401
    except ImportError as exc:
        _no_display(f"tkinter is not installed ({exc})")
    if os.environ.get("DISPLAY") and _tk_works():
        yield os.environ["DISPLAY"]
        return
    if not shutil.which("Xvfb"):
        _no_display("no DISPLAY and no Xvfb on PATH")
    try:
        proc, display = start_xvfb()
    except RuntimeError as exc:
        _no_display(str(exc))
    old = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = display
    if not _tk_works():
        proc.kill()
        _no_display("Tk cannot open the Xvfb display")
    yield os.environ["DISPLAY"]
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
    if old is None:
        os.environ.pop("DISPLAY", None)
    else:
        os.environ["DISPLAY"] = old
