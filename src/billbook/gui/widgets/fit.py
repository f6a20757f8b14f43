"""Text that never gets cut: eliding with "…", tooltips with the whole text, and tables whose
columns give way by priority.

- :func:`elide` shortens a text to a pixel width with a trailing "…" (Tk font measure).
- :class:`Tooltip` shows a small window with a text near the pointer after a short hover; its
  text comes from a callable, so it can depend on what is under the pointer (None: no tip).
- :class:`ElidedLabel` is a ``CTkLabel`` that shows as much of its text as its width allows,
  ending in "…", and the whole text in a tooltip. ``cget("text")`` is always the whole text.
  It asks the layout for ``width`` pixels only (not its text's width): give it room with
  ``fill="x"`` / ``sticky="ew"``.
- :class:`ColumnFitter` fits a ``ttk.Treeview``'s columns to the table's width: numbers are
  never cut (a number column is as wide as its widest value); text columns shrink down to a
  minimum and their cells are elided (whole text in the tooltip); when even that does not fit,
  whole columns are hidden, lowest ``priority`` first, and the tooltip of a row lists them.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from tkinter import ttk

import customtkinter as ctk

ELLIPSIS = "…"
#: Treeview cell padding (text is drawn with a few pixels each side)
CELL_PAD = 12
TIP_DELAY_MS = 450


def measure(widget: tk.Misc, font, text: str) -> int:
    return int(widget.tk.call("font", "measure", font, text))


def elide(widget: tk.Misc, font, text: str, width: int) -> str:
    """``text`` shortened to ``width`` pixels with a trailing "…" (unchanged when it fits)."""
    if width <= 0 or not text:
        return "" if width <= 0 else text
    first = text.split("\n", 1)[0]
    if first == text and measure(widget, font, text) <= width:
        return text
    lo, hi = 0, len(first)
    while lo < hi:                       # longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if measure(widget, font, first[:mid].rstrip() + ELLIPSIS) <= width:
            lo = mid
        else:
            hi = mid - 1
    return first[:lo].rstrip() + ELLIPSIS if lo else ELLIPSIS


class Tooltip:
    """A hover tip for ``widget``; ``text()`` is asked at show time (None or "": no tip)."""

    def __init__(self, widget: tk.Misc, text: Callable[[], str | None], *, motion: bool = False):
        self.widget = widget
        self.text = text
        self.tip: tk.Toplevel | None = None
        self._job: str | None = None
        self._shown_for: str | None = None
        widget.bind("<Enter>", self._schedule, add="+")
        widget.bind("<Leave>", self.hide, add="+")
        widget.bind("<ButtonPress>", self.hide, add="+")
        if motion:          # the text depends on where the pointer is (table cells)
            widget.bind("<Motion>", self._moved, add="+")

    def _schedule(self, _event=None) -> None:
        self._cancel()
        try:
            self._job = self.widget.after(TIP_DELAY_MS, self.show)
        except tk.TclError:
            pass

    def _moved(self, _event=None) -> None:
        if self.tip is not None:
            try:
                text = self.text()
            except tk.TclError:
                text = None
            if text != self._shown_for:
                self.hide()
                self._schedule()
        elif self._job is None:
            self._schedule()

    def _cancel(self) -> None:
        if self._job is not None:
            try:
                self.widget.after_cancel(self._job)
            except (tk.TclError, ValueError):
                pass
            self._job = None

    def show(self) -> None:
        self._job = None
        try:
            text = self.text()
            if not text or not self.widget.winfo_viewable():
                return
            x = self.widget.winfo_pointerx() + 14
            y = self.widget.winfo_pointery() + 18
        except tk.TclError:
            return
        self.hide()
        dark = ctk.get_appearance_mode() == "Dark"
        tip = tk.Toplevel(self.widget)
        tip.wm_overrideredirect(True)
        label = tk.Label(tip, text=text, justify="left", padx=8, pady=4, wraplength=520,
                         background="#3a3a3a" if dark else "#ffffe8", foreground="#f0f0f0" if dark else "#1a1a1a",
                         relief="solid", borderwidth=1, font=("DejaVu Sans", 11))
        label.pack()
        tip.update_idletasks()
        # keep the tip on the screen
        sw, sh = tip.winfo_screenwidth(), tip.winfo_screenheight()
        x = min(x, sw - tip.winfo_reqwidth() - 4)
        y = y if y + tip.winfo_reqheight() < sh else y - tip.winfo_reqheight() - 24
        tip.wm_geometry(f"+{max(0, x)}+{max(0, y)}")
        self.tip = tip
        self._shown_for = text

    def hide(self, _event=None) -> None:
        self._cancel()
        if self.tip is not None:
            try:
                self.tip.destroy()
            except tk.TclError:
                pass
            self.tip = None
            self._shown_for = None


class ElidedLabel(ctk.CTkLabel):
    """A one-line label that ends in "…" when its text is wider than the label; the whole text
    shows in a tooltip and is what ``cget("text")`` returns."""

    def __init__(self, master, text: str = "", **kwargs):
        kwargs.setdefault("anchor", "w")
        kwargs.setdefault("width", 40)
        self._full = str(text)
        super().__init__(master, text=self._full, **kwargs)
        self._label.configure(width=1)        # ask the layout for ``width`` px, not the text's width
        self._shown = self._full
        tk.Frame.bind(self, "<Configure>", lambda _e: self._fit(), "+")
        self.tooltip = Tooltip(self, lambda: self._full if self._shown != self._full else None)
        self.tooltip_label = Tooltip(self._label, lambda: self._full if self._shown != self._full else None)

    def _create_grid(self):
        super()._create_grid()
        sticky = self._anchor if self._anchor != "center" else ""
        self._label.grid_configure(sticky="ew" + "".join(c for c in sticky if c in "ns"))

    def _fit(self) -> None:
        try:
            width = self.winfo_width()
        except tk.TclError:
            return
        if width <= 1:
            return
        room = width - 2 * int(self._apply_widget_scaling(min(self._corner_radius, round(self._current_height / 2))))
        shown = elide(self, self._label.cget("font"), self._full, max(room, 1) - 2)
        if shown != self._shown:
            self._shown = shown
            super().configure(text=shown)

    def configure(self, require_redraw=False, **kwargs):
        if "text" in kwargs:
            self._full = "" if kwargs["text"] is None else str(kwargs["text"])
            self._shown = self._full
            super().configure(require_redraw, **kwargs)
            self._label.configure(width=1)
            self._fit()
            return
        super().configure(require_redraw, **kwargs)

    config = configure

    def cget(self, attribute_name: str):
        if attribute_name == "text":
            return self._full
        return super().cget(attribute_name)

    @property
    def shown_text(self) -> str:
        """What the label shows now (the text, or its start and "…")."""
        return self._shown


def wrap_to_width(label: ctk.CTkLabel, *, margin: int = 4) -> ctk.CTkLabel:
    """Make a (multi-line) CTkLabel wrap its text at its own width, whatever the window's size."""
    def fit(_event=None) -> None:
        try:
            width = label.winfo_width()
        except tk.TclError:
            return
        if width > 1:
            pad = label._label.grid_info().get("padx", 0)
            pad = int(pad[0] + pad[1]) if isinstance(pad, tuple) else 2 * int(pad or 0)
            wrap = max(width - pad - margin, 20)
            if abs(int(label._label.cget("wraplength") or 0) - wrap) > 1:
                label._label.configure(wraplength=wrap)
    label._label.configure(wraplength=200)    # asks for little width until it knows its own
    tk.Frame.bind(label, "<Configure>", fit, "+")
    return label


@dataclass(frozen=True)
class FitColumn:
    key: str
    heading: str
    width: int
    anchor: str = "w"
    stretch: bool = False
    priority: int = 50
    min_width: int = 0


def fit_columns(columns: Sequence, *, heading_attr: str) -> list[FitColumn]:
    """Column specs of either table flavour -> :class:`FitColumn` with default priorities:
    stretching (name) columns are kept longest, then the last number column (the amount),
    then the first column, then the others from left to right."""
    cols = list(columns)
    last_number = max((i for i, c in enumerate(cols) if c.anchor == "e"), default=None)
    out = []
    for i, c in enumerate(cols):
        priority = getattr(c, "priority", None)
        if priority is None:
            if c.stretch:
                priority = 100
            elif i == last_number:
                priority = 90
            elif i == 0:
                priority = 80
            else:
                priority = 70 - i
        out.append(FitColumn(c.key, getattr(c, heading_attr), c.width, c.anchor, c.stretch, priority,
                             getattr(c, "min_width", None) or 0))
    return out


class ColumnFitter:
    """Keeps a Treeview's columns within its width; holds each row's whole values."""

    def __init__(self, tree: ttk.Treeview, columns: Sequence[FitColumn]):
        self.tree = tree
        self.columns = list(columns)
        self.by_key = {c.key: c for c in self.columns}
        self.full: dict[str, tuple] = {}
        self.shown: list[str] = [c.key for c in self.columns]
        self.widths: dict[str, int] = {c.key: c.width for c in self.columns}
        self._width = 0
        self._job: str | None = None
        self._cache: dict[tuple[str, str], int] = {}
        #: (font, text, room) -> the text elided to ``room`` pixels (font measures are slow)
        self._elided: dict[tuple[str, str, int], str] = {}
        self._chars: dict[str, dict[str, int]] = {}         # font -> character -> width
        for c in self.columns:
            tree.column(c.key, width=min(c.width, 60), minwidth=20, stretch=False)
        tree.bind("<Configure>", self._configured, add="+")
        self.tooltip = Tooltip(tree, self._tip_text, motion=True)

    # ---------------------------------------------------------------- fonts
    def _fonts(self) -> tuple[str, str]:
        style = ttk.Style(self.tree)
        name = str(self.tree.cget("style")) or "Treeview"
        return (style.lookup(name, "font") or "TkDefaultFont",
                style.lookup(f"{name}.Heading", "font") or "TkHeadingFont")

    def _measure(self, font: str, text: str) -> int:
        key = (font, text)
        width = self._cache.get(key)
        if width is None:
            if len(self._cache) > 20000:
                self._cache.clear()
            width = self._cache[key] = measure(self.tree, font, text)
        return width

    # ---------------------------------------------------------------- rows
    def insert(self, iid: str, values: Sequence, tags: Sequence[str] = ()) -> None:
        values = tuple("" if v is None else v for v in values)
        self.full[iid] = values
        self.tree.insert("", "end", iid=iid, values=self._shown_values(values), tags=tuple(tags))

    def clear(self) -> None:
        self.tree.delete(*self.tree.get_children())
        self.full.clear()

    def values(self, iid: str) -> tuple:
        if iid in self.full:
            return tuple(str(v) for v in self.full[iid])
        return tuple(self.tree.item(iid, "values"))

    def _estimate(self, font: str, text: str) -> int:
        """The sum of the text's character widths, each character measured once per font: what
        Tk draws give or take kerning, without a font measure per cell (a third of a
        millisecond or more each: most of a big table's fill time)."""
        widths = self._chars.setdefault(font, {})
        total = 0
        for ch in text:
            width = widths.get(ch)
            if width is None:
                width = widths[ch] = measure(self.tree, font, ch)
            total += width
        return total

    def _upper(self, font: str, text: str) -> int:
        """A width ``text`` surely fits in (the estimate with room for kerning)."""
        estimate = self._estimate(font, text)
        return estimate + estimate // 32 + 2

    def _fits(self, font: str, text: str, room: int) -> bool:
        """True when ``text`` fits ``room`` pixels; a real measure only near the edge."""
        return self._upper(font, text) <= room or self._measure(font, text) <= room

    def _elide(self, font: str, text: str, room: int) -> str:
        key = (font, text, room)
        shown = self._elided.get(key)
        if shown is None:
            if len(self._elided) > 20000:
                self._elided.clear()
            shown = self._elided[key] = elide(self.tree, font, text, room)
        return shown

    def _shown_values(self, values: tuple) -> tuple:
        if self._width <= 1:            # not laid out yet (e.g. in a hidden tab): the first refit elides
            return tuple(str(v) for v in values)
        font, _ = self._fonts()
        out = []
        for c, v in zip(self.columns, values):
            text = str(v)
            room = self.widths.get(c.key, c.width) - CELL_PAD
            if c.key in self.shown and not self._fits(font, text, room):
                text = self._elide(font, text, room)
            out.append(text)
        return tuple(out)

    # ---------------------------------------------------------------- layout
    def _configured(self, event) -> None:
        if event.width != self._width and self._job is None:
            self._job = self.tree.after_idle(self.refit)

    def refit(self) -> None:
        """Choose the shown columns and their widths for the table's width; re-elide the cells."""
        self._job = None
        try:
            width = self.tree.winfo_width()
        except tk.TclError:
            return
        if width <= 1:
            return
        self._width = width
        font, head_font = self._fonts()
        need: dict[str, int] = {}
        for i, c in enumerate(self.columns):
            heading = self._measure(head_font, c.heading) + 2 * CELL_PAD
            if c.anchor == "e":     # numbers: as wide as the widest value, never cut
                widest = max((self._upper(font, str(v[i])) for v in self.full.values() if i < len(v)), default=0)
                need[c.key] = max(heading, widest + CELL_PAD, c.min_width)
            else:
                floor = c.min_width or (120 if c.stretch else 70)
                need[c.key] = max(min(heading, c.width), min(floor, c.width), 30)
        keep: list[FitColumn] = []
        used = 0
        for c in sorted(self.columns, key=lambda c: -c.priority):
            if used + need[c.key] > width and keep:
                break
            keep.append(c)
            used += need[c.key]
        shown = [c for c in self.columns if c in keep]
        widths = {c.key: max(c.width, need[c.key]) for c in shown}
        over = sum(widths.values()) - width
        if over > 0:        # shrink toward the minimums: other text columns first, then numbers, names last
            for group in ([c for c in shown if not c.stretch and c.anchor != "e"],
                          [c for c in shown if c.anchor == "e"], [c for c in shown if c.stretch]):
                slack = sum(widths[c.key] - need[c.key] for c in group)
                if slack <= 0:
                    continue
                take = min(over, slack)
                for c in group:
                    widths[c.key] -= int(take * (widths[c.key] - need[c.key]) / slack)
                over = sum(widths.values()) - width
                if over <= 0:
                    break
        for c in sorted(shown, key=lambda c: -widths[c.key]):   # rounding left a few pixels over
            over = sum(widths.values()) - width
            if over <= 0:
                break
            widths[c.key] -= min(over, max(widths[c.key] - (need[c.key] if c.anchor == "e" else 30), 0))
        spare = width - sum(widths.values())
        if spare > 0 and shown:             # extra room goes to the stretching columns (else the widest text one)
            grow = [c for c in shown if c.stretch] or [max(shown, key=lambda c: (c.anchor != "e", widths[c.key]))]
            for i, c in enumerate(grow):
                widths[c.key] += spare // len(grow) + (1 if i < spare % len(grow) else 0)
        self.shown = [c.key for c in shown]
        self.widths = widths
        self.tree.configure(displaycolumns=self.shown)
        for c in shown:
            self.tree.column(c.key, width=max(widths[c.key], 20))
            room = widths[c.key] - CELL_PAD
            self.tree.heading(c.key, text=c.heading if self._measure(head_font, c.heading) <= room
                              else elide(self.tree, head_font, c.heading, room))
        self.redisplay()

    def redisplay(self) -> None:
        for iid, values in self.full.items():
            if self.tree.exists(iid):
                self.tree.item(iid, values=self._shown_values(values))

    def after_rows_changed(self) -> None:
        """New rows may need wider number columns: refit (cheap) once the rows are in."""
        if self._width > 1:
            self.refit()

    # ---------------------------------------------------------------- tooltip
    def _tip_text(self) -> str | None:
        tree = self.tree
        x = tree.winfo_pointerx() - tree.winfo_rootx()
        y = tree.winfo_pointery() - tree.winfo_rooty()
        iid = tree.identify_row(y)
        if not iid or iid not in self.full:
            return None
        values = self.full[iid]
        lines = []
        col = tree.identify_column(x)          # "#3": the third shown column
        if col.startswith("#") and col[1:].isdigit() and 0 < int(col[1:]) <= len(self.shown):
            key = self.shown[int(col[1:]) - 1]
            i = [c.key for c in self.columns].index(key)
            if i < len(values) and str(tree.set(iid, key)) != str(values[i]):
                lines.append(str(values[i]))
        hidden = [(c, values[i]) for i, c in enumerate(self.columns) if c.key not in self.shown and i < len(values)
                  and str(values[i]) != ""]
        if hidden:
            lines.extend(f"{c.heading}: {v}" for c, v in hidden)
        return "\n".join(lines) or None
