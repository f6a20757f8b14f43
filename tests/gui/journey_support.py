"""Drive the real billbook window like a person: key presses and mouse clicks sent as X events
to the widget that has the focus (or the one clicked), never screen methods.

``Person`` also fails the test on any exception raised inside a Tk callback (the window's
``report_callback_exception`` records it; every step checks), and saves one screenshot per
step under ``test-artifacts/journey/<size>/NN-step.png`` (ImageMagick's ``import``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import traceback
from pathlib import Path

import customtkinter as ctk
import pytest

from tests.gui.counter_support import _keysym, settle

ARTIFACTS = Path(os.environ.get("BILLBOOK_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"))
CONTROL, SHIFT, ALT = 4, 1, 8


class CallbackError(AssertionError):
    """An exception was raised inside a Tk callback."""


class Person:
    def __init__(self, app, shots: Path | None, size: tuple[int, int]):
        self.app = app
        self.shots = shots
        self.size = size
        self.n = 0
        self.errors: list[str] = []
        self.install(app)

    def install(self, app) -> None:
        self.app = app

        def report(exc, val, tb):
            self.errors.append("".join(traceback.format_exception(exc, val, tb)))
        app.report_callback_exception = report

    # ------------------------------------------------------------------ checks
    def check(self) -> None:
        if self.errors:
            raise CallbackError("exception in a Tk callback:\n" + "\n".join(self.errors))

    def wait(self, timeout: float = 15.0) -> None:
        settle(self.app, timeout)
        self.check()

    def until(self, predicate, what: str, timeout: float = 15.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.app.update()
            self.check()
            if predicate():
                return
            time.sleep(0.02)
        try:
            self.app.ctx.wait_idle(timeout)
        except TimeoutError:
            pass
        if not predicate():
            face = self.app.face
            said = getattr(getattr(face, "message", None), "cget", lambda _k: "")("text")
            bar = getattr(getattr(self.app.shell, "messages", None), "text", "")
            ctx = self.app.ctx
            jobs = [(j.busy, j.session) for j in ctx._jobs.values()]
            raise AssertionError(f"timed out waiting for {what} (on {type(face).__name__}: {said!r} {bar!r}; "
                                 f"jobs {jobs}, session {ctx.session}, focus {self.app.focus_get()}, "
                                 f"user {getattr(getattr(face, 'user', None), 'get', lambda: '?')()!r})")

    def step(self, name: str) -> None:
        """Settle, fail on callback errors, and save the screenshot of this step."""
        self.wait()
        self.n += 1
        if self.shots is None:
            return
        self.shots.mkdir(parents=True, exist_ok=True)
        w, h = self.size
        path = self.shots / f"{self.n:02d}-{name}.png"
        subprocess.run(["import", "-window", "root", "-crop", f"{w}x{h}+0+0", str(path)], check=True,
                       timeout=30, env={**os.environ})

    # ------------------------------------------------------------------ keyboard
    def _focus(self):
        return self.app.focus_get() or self.app

    def key(self, keysym: str, state: int = 0) -> None:
        w = self._focus()
        w.event_generate("<KeyPress>", keysym=keysym, state=state)
        w = self._focus()
        w.event_generate("<KeyRelease>", keysym=keysym, state=state)
        self.app.update()

    def type(self, text: str) -> None:
        for ch in text:
            self.key(_keysym(ch), SHIFT if ch.isupper() else 0)

    def scan(self, code: str) -> None:
        self.type(code)
        self.key("Return")

    def clear_field(self) -> None:
        """Empty the focused entry the way a person does: End, then Backspace."""
        w = self._focus()
        n = len(w.get()) if hasattr(w, "get") else 0
        self.key("End")
        for _ in range(n):
            self.key("BackSpace")

    # ------------------------------------------------------------------ mouse
    def click(self, widget) -> None:
        """A left click in the middle of ``widget`` (a CTk button, entry, tab or a plain Tk widget)."""
        target = widget
        if isinstance(widget, ctk.CTkEntry):
            target = widget._entry
        elif hasattr(widget, "input"):            # a forms.Field
            return self.click(widget.input)
        elif isinstance(getattr(widget, "entry", None), ctk.CTkEntry):     # the wizard's Field
            return self.click(widget.entry)
        elif isinstance(widget, ctk.CTkButton):
            target = widget._canvas
        self.app.update_idletasks()
        assert target.winfo_viewable(), f"{widget} is not on screen"
        x, y = max(1, target.winfo_width() // 2), max(1, target.winfo_height() // 2)
        target.event_generate("<Enter>", x=x, y=y)
        target.event_generate("<Button-1>", x=x, y=y)
        target.event_generate("<ButtonRelease-1>", x=x, y=y)
        self.app.update()

    def fill(self, field, text: str) -> None:
        self.click(field)
        self.clear_field()
        self.type(text)

    def tab(self, tabview: ctk.CTkTabview, name: str) -> None:
        self.click(tabview._segmented_button._buttons_dict[name])

    def click_row(self, tree, iid: str) -> None:
        self.app.update_idletasks()
        tree.see(iid)
        self.app.update_idletasks()
        x, y, w, h = tree.bbox(iid)
        tree.event_generate("<Button-1>", x=x + w // 2, y=y + h // 2)
        tree.event_generate("<ButtonRelease-1>", x=x + w // 2, y=y + h // 2)
        self.app.update()


def find_button(root, text: str):
    """The visible CTkButton whose text starts with ``text`` (depth first)."""
    stack = [root]
    while stack:
        w = stack.pop()
        if isinstance(w, ctk.CTkButton) and str(w.cget("text")).startswith(text) and w.winfo_viewable():
            return w
        stack.extend(reversed(w.winfo_children()))
    raise AssertionError(f"no button {text!r} on screen")


def shots_dir(size: str) -> Path | None:
    if shutil.which("import") is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("the journey test needs ImageMagick's import for its screenshots", pytrace=False)
        return None
    folder = ARTIFACTS / "journey" / size
    if folder.exists():
        shutil.rmtree(folder)
    return folder
