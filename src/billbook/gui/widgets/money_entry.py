"""An entry for an amount of money: right-aligned, refuses junk, hands back a Decimal."""

from __future__ import annotations

from decimal import Decimal

import customtkinter as ctk

from billbook.domain.money import MoneyError, parse_amount
from billbook.gui import theme


class MoneyEntry(ctk.CTkEntry):
    """``get_amount()`` returns a Decimal (or ``None`` when empty); raises MoneyError on junk.

    Keys other than digits, ``.``, ``,``, ``-`` and ``%`` (when ``allow_percent``) are ignored,
    so a stray letter never lands in an amount. A minus sign is kept so that ``-5`` is refused
    by the check with a message, never silently taken as 5.
    """

    def __init__(self, master, *, allow_percent: bool = False, placeholder: str = "0.00", **kwargs):
        kwargs.setdefault("justify", "right")
        kwargs.setdefault("font", theme.font(15))
        super().__init__(master, placeholder_text=placeholder, **kwargs)
        self.allow_percent = allow_percent
        allowed = "0123456789.,-" + ("%" if allow_percent else "")
        def ok(action: str, text: str, new: str) -> bool:
            # deletions are always fine; insertions only of allowed characters (or the placeholder)
            return action != "1" or all(c in allowed for c in text) or new == placeholder
        vcmd = (self.register(ok), "%d", "%S", "%P")
        self._entry.configure(validate="key", validatecommand=vcmd)

    def get_text(self) -> str:
        return self.get().strip()

    def get_amount(self, field: str = "amount") -> Decimal | None:
        text = self.get_text()
        if not text:
            return None
        if self.allow_percent and text.endswith("%"):
            raise MoneyError(f"{field}: a percentage, use get_text()")
        return parse_amount(text, field=field)

    def set_amount(self, value: Decimal | str | None) -> None:
        clear_entry(self)
        if value not in (None, ""):
            self.insert(0, str(value))


def clear_entry(entry: ctk.CTkEntry) -> None:
    """Empty an entry without losing its placeholder (CTkEntry.delete on an entry that never
    had focus removes the placeholder text for good)."""
    if entry.get():
        entry.delete(0, "end")
        if entry.focus_get() is not entry._entry:
            entry._activate_placeholder()
