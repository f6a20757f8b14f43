"""The scan / search box: a barcode scanner's code + Enter picks a product; typing shows live,
paged matches from the whole catalog (arrows, PgUp/PgDn, Enter).

The widget holds no catalog logic: it is given ``lookup(code) -> product | None`` and
``search(text, limit, offset) -> list[product]`` (run off the Tk thread through ``runner``)
and calls ``on_pick(product, qty)``. ``3*CODE`` picks quantity 3.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import customtkinter as ctk

from billbook.domain.money import MoneyError, format_number, parse_qty, qty_str
from billbook.gui import theme
from billbook.gui.widgets.money_entry import clear_entry
from billbook.gui.widgets.table import Column, Table

_QTY_PREFIX = re.compile(r"^\s*(\d+(?:\.\d{1,3})?)\s*\*\s*(.+)$")
DEBOUNCE_MS = 140


class ProductSearchBox(ctk.CTkFrame):
    """Entry plus a results pop-up placed over ``popup_parent`` just below the entry."""

    def __init__(self, master, *, popup_parent, runner: Callable[..., Any],
                 lookup: Callable[[str], Any], search: Callable[[str, int, int], list],
                 on_pick: Callable[[Any, Decimal], None], on_message: Callable[[str, str], None],
                 on_unknown: Callable[[str], None] | None = None, page_size: int = 8, placeholder: str = "Scan a barcode or type to search (F2)", **kwargs):
        kwargs.setdefault("fg_color", "transparent")
        super().__init__(master, **kwargs)
        self._runner, self._lookup, self._search = runner, lookup, search
        self._on_pick, self._message = on_pick, on_message
        self._on_unknown = on_unknown
        self.page_size = page_size
        self.entry = ctk.CTkEntry(self, placeholder_text=placeholder, height=44, font=theme.font(18))
        self.entry.pack(fill="x", expand=True)
        self.popup = ctk.CTkFrame(popup_parent, corner_radius=8, border_width=1,
                                  border_color=theme.ACCENT)
        self.results = Table(self.popup, [
            Column("name", "Product", 330, stretch=True, min_width=220),   # a narrow popup drops the code first
            Column("code", "SKU / barcode", 170, priority=40),
            Column("stock", "Stock", 80, "e"),
            Column("price", "Price ₹", 100, "e"),
        ], height=page_size, command=lambda _iid: self._pick_selected())
        self.results.pack(fill="both", expand=True, padx=4, pady=(4, 0))
        self.page_label = ctk.CTkLabel(self.popup, text="", anchor="w", font=theme.font(11),
                                       text_color=theme.MUTED, height=22)
        self.page_label.pack(fill="x", padx=10, pady=(0, 4))
        self._popup_parent = popup_parent
        self._rows: list[Any] = []
        self._text = ""
        self._offset = 0
        self._has_more = False
        self._navigated = False
        self._seq = 0
        self._debounce = None
        self._codes: deque[tuple[str, Decimal, str]] = deque()
        self._looking_up = False
        for key, handler in (("<Return>", self._enter), ("<KP_Enter>", self._enter), ("<Down>", self._down),
                             ("<Up>", self._up), ("<Next>", self._page_down), ("<Prior>", self._page_up),
                             ("<Escape>", self._escape), ("<KeyRelease>", self._key_release)):
            self.entry.bind(key, handler)

    # ------------------------------------------------------------------ public
    def focus(self) -> None:
        self.entry.focus_set()

    def get(self) -> str:
        return self.entry.get()

    def clear(self) -> None:
        clear_entry(self.entry)
        self.hide_popup()

    @property
    def popup_visible(self) -> bool:
        return bool(self.popup.winfo_ismapped())

    @property
    def busy(self) -> bool:
        return self._looking_up or bool(self._codes)

    def hide_popup(self) -> None:
        self._seq += 1
        self._navigated = False
        self._rows = []
        if self.popup.winfo_manager():
            self.popup.place_forget()

    # ------------------------------------------------------------------ keys
    def _key_release(self, event) -> None:
        if event.keysym in ("Return", "KP_Enter", "Up", "Down", "Next", "Prior", "Escape") or \
                event.keysym.startswith(("F", "Shift", "Control", "Alt")) and len(event.keysym) > 1:
            return
        text = self.entry.get().strip()
        if text == self._text and self.popup_visible:
            return
        if self._debounce is not None:
            self.after_cancel(self._debounce)
            self._debounce = None
        if not text:
            self._text = ""
            self.hide_popup()
            return
        self._debounce = self.after(DEBOUNCE_MS, lambda: self._start_search(text, 0))

    def _split_qty(self, text: str) -> tuple[str, Decimal]:
        m = _QTY_PREFIX.match(text)
        if not m:
            return text.strip(), Decimal("1")
        return m.group(2).strip(), parse_qty(m.group(1))

    def _start_search(self, text: str, offset: int, *, pick_single: bool = False) -> None:
        self._debounce = None
        try:
            term, _qty = self._split_qty(text)
        except MoneyError as exc:
            self._message(str(exc), "error")
            return
        if len(term) < 1:
            return
        self._seq += 1
        seq = self._seq
        limit = self.page_size + 1
        self._runner(lambda: self._search(term, limit, offset),
                     on_done=lambda rows: self._show(seq, text, offset, rows, pick_single),
                     on_error=lambda exc: self._message(str(exc), "error"))

    def _show(self, seq: int, text: str, offset: int, rows: list, pick_single: bool) -> None:
        if seq != self._seq:
            return  # a newer search (or an Enter) overtook this one
        self._has_more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if pick_single:
            if len(rows) == 1 and offset == 0:
                _term, qty = self._split_qty(text)
                self.hide_popup()
                self._on_pick(rows[0], qty)
                return
            if not rows:
                self._message(f"No product matches “{text}”.", "error")
                self.hide_popup()
                if self._on_unknown is not None:
                    self._on_unknown(text)
                return
            clear_entry(self.entry)
            self.entry.insert(0, text)
            self._message(f"{len(rows)}{'+' if self._has_more else ''} products match — "
                          "use ↑ ↓ and Enter to pick one.", "info")
        self._text, self._offset, self._rows = text, offset, rows
        self._navigated = False
        if not rows:
            self.results.set_rows([])
            self.page_label.configure(text=f"No product matches “{text}”.")
        else:
            self.results.set_rows([(str(i), (p.name, p.barcode or p.sku, qty_str(p.stock_qty),
                                              format_number(p.price))) for i, p in enumerate(rows)],
                                  keep_selection=False)
            self.results.select("0")
            page = offset // self.page_size + 1
            more = "  ·  PgDn next page" if self._has_more else ""
            back = "  ·  PgUp previous" if offset else ""
            self.page_label.configure(text=f"Page {page}  ·  ↑ ↓ choose  ·  Enter add  ·  Esc close{more}{back}")
        if not self.popup.winfo_manager():
            self.popup.place(in_=self, relx=0, rely=1.0, y=4, relwidth=1.0)
        self.popup.lift()

    def _down(self, _e=None) -> str | None:
        if not self.popup_visible:
            return None
        self._navigated = True
        self.results.move(+1)
        return "break"

    def _up(self, _e=None) -> str | None:
        if not self.popup_visible:
            return None
        self._navigated = True
        self.results.move(-1)
        return "break"

    def _page_down(self, _e=None) -> str:
        if self.popup_visible and self._has_more:
            self._start_search(self._text, self._offset + self.page_size)
        return "break"

    def _page_up(self, _e=None) -> str:
        if self.popup_visible and self._offset > 0:
            self._start_search(self._text, max(0, self._offset - self.page_size))
        return "break"

    def _escape(self, _e=None) -> str | None:
        if self.popup_visible or self.entry.get():
            self.clear()
            return "break"
        return None

    def _pick_selected(self) -> None:
        iid = self.results.selected()
        if iid is None or int(iid) >= len(self._rows):
            return
        try:
            _term, qty = self._split_qty(self._text)
        except MoneyError:
            qty = Decimal("1")
        product = self._rows[int(iid)]
        clear_entry(self.entry)
        self.hide_popup()
        self._text = ""
        self._on_pick(product, qty)
        self.entry.focus_set()

    def _enter(self, _e=None) -> str:
        if self._debounce is not None:
            self.after_cancel(self._debounce)
            self._debounce = None
        text = self.entry.get().strip()
        if not text:
            return "break"
        if self.popup_visible and self._rows and (self._navigated or text == self._text):
            # the matches shown are for this text: Enter takes the highlighted one
            self._pick_selected()
            return "break"
        try:
            code, qty = self._split_qty(text)
        except MoneyError as exc:
            self._message(str(exc), "error")
            return "break"
        # a scanner types the next code right away: clear now, queue the code
        clear_entry(self.entry)
        self.hide_popup()
        self._codes.append((code, qty, text))
        self._next_code()
        return "break"

    def _next_code(self) -> None:
        if self._looking_up or not self._codes:
            return
        code, qty, text = self._codes.popleft()
        self._looking_up = True

        def done(product) -> None:
            self._looking_up = False
            if product is not None:
                self._on_pick(product, qty)
            else:
                self._start_search(text, 0, pick_single=True)
            self._next_code()

        def failed(exc) -> None:
            self._looking_up = False
            self._message(str(exc), "error")
            self._next_code()

        self._runner(lambda: self._lookup(code), on_done=done, on_error=failed)
