"""The counter's GST choices (issue 17), self-contained for the billing screen's customer area.

- :class:`PlaceOfSupplyControl`: where the supply is made — the customer's state (the default:
  the GSTIN's for a registered buyer, else the state on file, else the shop's), goods taken at
  the counter (the shop's state: CGST + SGST even for a buyer from another state), or shipped
  to a chosen state. It shows the place the bill will carry and whether that means IGST.
- :class:`RecipientForm`: the recipient's name, address and state, which Rule 46(e) asks of a
  tax invoice of ₹50,000 or more to an unregistered buyer; it opens when a sale is refused for
  want of them, keeps what was typed, and hands it back to be sent with the sale.
"""

from __future__ import annotations

from collections.abc import Callable

import customtkinter as ctk

from billbook.domain.gst import STATES, state_name
from billbook.gui import theme

DEFAULT = "Customer's state"
COUNTER = "At the counter"
SHIPPED = "Ship to "
#: "Ship to Karnataka" → "29"
_SHIP_CODES = {SHIPPED + name: code for code, name in STATES.items()}


def _state_choices() -> list[str]:
    return [f"{name} ({code})" for code, name in sorted(STATES.items(), key=lambda kv: kv[1])]


def _code_of(choice: str) -> str:
    return choice.rsplit("(", 1)[-1].rstrip(")") if choice.endswith(")") else ""


class PlaceOfSupplyControl(ctk.CTkFrame):
    """One row: a choice (customer's state / taken at the counter / shipped to …) and the
    resulting place of supply. ``value`` is '' for the default, else a two-digit state code."""

    def __init__(self, master, *, shop_state: str, on_change: Callable[[], None], **kwargs):
        super().__init__(master, fg_color="transparent", **kwargs)
        self.shop_state = shop_state
        self.on_change = on_change
        self._value = ""
        ctk.CTkLabel(self, text="Supply", font=theme.font(12), anchor="w", width=44, height=26).pack(side="left")
        self.choice = ctk.CTkOptionMenu(
            self, values=[DEFAULT, COUNTER] + sorted(_SHIP_CODES), width=150, height=26,
            font=theme.font(12), dropdown_font=theme.font(12), command=self._picked, dynamic_resizing=False)
        self.choice.set(DEFAULT)
        self.choice.pack(side="left")
        self.effect = ctk.CTkLabel(self, text="", font=theme.font(12), anchor="e", text_color=theme.MUTED,
                                   height=26)
        self.effect.pack(side="left", fill="x", expand=True, padx=(6, 0))

    @property
    def value(self) -> str:
        """The place of supply the cashier chose ('' = the default rule)."""
        return self._value

    def _picked(self, choice: str) -> None:
        if choice == COUNTER:
            self._value = self.shop_state
        elif choice in _SHIP_CODES:
            self._value = _SHIP_CODES[choice]
        else:
            self._value = ""
        self.on_change()

    def set_value(self, code: str) -> None:
        """Show ``code`` as chosen ('' for the default), without calling back."""
        self._value = code or ""
        if not code:
            self.choice.set(DEFAULT)
        elif code == self.shop_state:
            self.choice.set(COUNTER)
        else:
            self.choice.set(SHIPPED + state_name(code))

    def show_effect(self, place: str | None, inter_state: bool | None) -> None:
        """The place of supply the preview worked out, e.g. '29 · IGST' (short: the panel is narrow)."""
        if not place:
            self.effect.configure(text="")
            return
        self.effect.configure(text=f"{place} · {'IGST' if inter_state else 'CGST+SGST'}",
                              text_color=theme.ACCENT if inter_state else theme.MUTED)

    def reset(self, shop_state: str | None = None) -> None:
        if shop_state:
            self.shop_state = shop_state
        self.set_value("")
        self.show_effect(None, None)


class RecipientForm(ctk.CTkFrame):
    """Name, address and state of the recipient (Rule 46(e)); Enter saves, Esc closes."""

    def __init__(self, master, *, message: str, name: str = "", address: str = "", state: str = "",
                 on_save: Callable[[str, str, str], None], on_close: Callable[[], None], **kwargs):
        super().__init__(master, corner_radius=12, border_width=2, border_color=theme.ACCENT, **kwargs)
        self.on_save, self.on_close = on_save, on_close
        ctk.CTkLabel(self, text="Recipient for the tax invoice", font=theme.font(16, "bold"), anchor="w").pack(
            fill="x", padx=16, pady=(12, 2))
        ctk.CTkLabel(self, text=message, font=theme.font(12), anchor="w", justify="left", wraplength=420,
                     text_color=theme.MUTED).pack(fill="x", padx=16, pady=(0, 8))
        self.name = ctk.CTkEntry(self, placeholder_text="Name", width=420, height=32, font=theme.font(14))
        self.name.pack(padx=16, pady=(0, 6))
        self.address = ctk.CTkEntry(self, placeholder_text="Address", width=420, height=32, font=theme.font(14))
        self.address.pack(padx=16, pady=(0, 6))
        self.state = ctk.CTkOptionMenu(self, values=_state_choices(), width=420, height=30, font=theme.font(13),
                                       dropdown_font=theme.font(12), dynamic_resizing=False)
        self.state.set(f"{state_name(state)} ({state})" if state in STATES else "State…")
        self.state.pack(padx=16, pady=(0, 6))
        self.error = ctk.CTkLabel(self, text="", text_color=theme.ERROR,
                                  font=theme.font(12), anchor="w", height=18)
        self.error.pack(fill="x", padx=16)
        buttons = ctk.CTkFrame(self, fg_color="transparent")
        buttons.pack(fill="x", padx=16, pady=(4, 12))
        ctk.CTkButton(buttons, text="Save and pay  ⏎", command=self.save, height=34).pack(side="right")
        ctk.CTkButton(buttons, text="Cancel  Esc", command=self.on_close, height=34, fg_color="transparent",
                      border_width=1, text_color=("gray10", "gray90")).pack(side="right", padx=(0, 8))
        for entry, text in ((self.name, name), (self.address, address)):
            if text:
                entry.insert(0, text)
            entry.bind("<Return>", lambda _e: self.save() or "break")
            entry.bind("<Escape>", lambda _e: self.on_close() or "break")

    def show(self) -> None:
        self.place(relx=0.5, rely=0.4, anchor="center")
        self.lift()
        (self.address if self.name.get().strip() else self.name).focus_set()

    def save(self) -> None:
        name, address = self.name.get().strip(), self.address.get().strip()
        code = _code_of(self.state.get())
        missing = [what for what, v in (("name", name), ("address", address), ("state", code)) if not v]
        if missing:
            self.error.configure(text="Give the " + ", ".join(missing) + ".")
            return
        self.on_save(name, address, code)
