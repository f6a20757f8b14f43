"""A one-line message strip: plain words for what just happened or went wrong.

A message longer than the strip ends in "…" and shows whole in a tooltip on hover
(``widgets.fit.ElidedLabel``); ``text`` is always the whole message."""

from __future__ import annotations

import customtkinter as ctk

from billbook.gui import theme
from billbook.gui.widgets.fit import ElidedLabel

_COLOURS = {"info": theme.MUTED, "ok": theme.OK, "warn": theme.WARN, "error": theme.ERROR}
_ICONS = {"info": "ℹ", "ok": "✔", "warn": "⚠", "error": "✖"}


class MessageBar(ctk.CTkFrame):
    """Shows one message at a time; errors stay until the next message, others fade after a while."""

    def __init__(self, master, *, clear_after_ms: int = 8000, **kwargs):
        kwargs.setdefault("fg_color", "transparent")
        kwargs.setdefault("height", 30)
        super().__init__(master, **kwargs)
        self._label = ElidedLabel(self, text="", anchor="w", font=theme.font(13), height=28)
        self._label.pack(side="left", fill="x", expand=True, padx=8)
        self._clear_after_ms = clear_after_ms
        self._timer = None
        self.text = ""
        self.kind = "info"
        #: every message shown, oldest first (the last 200)
        self.history: list[tuple[str, str]] = []

    def show(self, text: str, kind: str = "info") -> None:
        self.text, self.kind = text, kind
        if text:
            self.history = (self.history + [(kind, text)])[-200:]
        self._label.configure(text=f"{_ICONS.get(kind, '')}  {text}" if text else "",
                              text_color=_COLOURS.get(kind, theme.MUTED))
        if self._timer is not None:
            self.after_cancel(self._timer)
            self._timer = None
        if text and kind != "error" and self._clear_after_ms:
            self._timer = self.after(self._clear_after_ms, self.clear)

    @property
    def shown_text(self) -> str:
        """What the strip shows now: the message with its icon, or its start and "…"."""
        return self._label.shown_text

    def clear(self) -> None:
        self._timer = None
        self.text = ""
        self._label.configure(text="")
