"""A themed table (ttk.Treeview): columns with headings, widths and alignment.

Numbers are right-aligned (``anchor="e"``). The Treeview is keyboard-navigable and fast with
thousands of rows, which a grid of CTk labels is not. Columns fit the table's width (see
``widgets/fit.py``): long texts end in "…" with the whole text in a tooltip, and when the
table is narrow the columns of lowest ``priority`` give way (default: names and the amount
stay longest). ``values(iid)`` always gives the whole values.
"""

from __future__ import annotations

import tkinter as tk
from dataclasses import dataclass
from tkinter import ttk

import customtkinter as ctk

from billbook.gui import theme
from billbook.gui.widgets.fit import ColumnFitter, fit_columns


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    width: int = 100
    anchor: str = "w"       # "e" for numbers
    stretch: bool = False
    priority: int | None = None   # higher stays longer when the table is narrow (None: see widgets/fit.py)
    min_width: int = 0


class Table(ctk.CTkFrame):
    """Rows are tuples in column order; each row has an ``iid`` (string) of the caller's choice."""

    def __init__(self, master, columns: list[Column], *, height: int = 10, command=None,
                 select_command=None, **kwargs):
        kwargs.setdefault("fg_color", "transparent")
        super().__init__(master, **kwargs)
        theme.style_tables(self)
        self.columns = columns
        self.tree = ttk.Treeview(self, columns=[c.key for c in columns], show="headings", height=height,
                                 style="Billbook.Treeview", selectmode="browse")
        for c in columns:
            self.tree.heading(c.key, text=c.heading, anchor=c.anchor)
            self.tree.column(c.key, width=c.width, minwidth=20, anchor=c.anchor, stretch=False)
        self.fitter = ColumnFitter(self.tree, fit_columns(columns, heading_attr="heading"))
        self.scroll = ttk.Scrollbar(self, orient="vertical", command=self.tree.yview,
                                    style="Billbook.Vertical.TScrollbar")
        self.tree.configure(yscrollcommand=self.scroll.set)
        self.tree.grid(row=0, column=0, sticky="nsew")
        self.scroll.grid(row=0, column=1, sticky="ns")
        self.grid_rowconfigure(0, weight=1)
        self.grid_columnconfigure(0, weight=1)
        self._command = command
        self._select_command = select_command
        self.tree.bind("<Double-1>", lambda _e: self._activate())
        self.tree.bind("<Return>", lambda _e: self._activate())
        self.tree.bind("<<TreeviewSelect>>", lambda _e: self._selected())
        self.tree.tag_configure("muted", foreground="gray55")
        ctk.AppearanceModeTracker.add(self._restyle, self)

    def _restyle(self, _mode=None) -> None:
        try:
            theme.style_tables(self)
        except tk.TclError:
            pass

    def destroy(self):
        ctk.AppearanceModeTracker.remove(self._restyle)
        super().destroy()

    def _activate(self) -> str:
        if self._command and self.selected():
            self._command(self.selected())
        return "break"

    def _selected(self) -> None:
        if self._select_command:
            self._select_command(self.selected())

    # ------------------------------------------------------------ rows
    def set_rows(self, rows: list[tuple[str, tuple]], *, keep_selection: bool = True) -> None:
        """Replace all rows: ``[(iid, values), ...]``."""
        current = self.selected() if keep_selection else None
        self.fitter.clear()
        for iid, values in rows:
            self.fitter.insert(iid, values)
        self.fitter.after_rows_changed()
        if current and self.tree.exists(current):
            self.select(current)

    def rows(self) -> list[str]:
        return list(self.tree.get_children())

    def values(self, iid: str) -> tuple:
        return self.fitter.values(iid)

    def selected(self) -> str | None:
        sel = self.tree.selection()
        return sel[0] if sel else None

    def select(self, iid: str | None) -> None:
        if iid is None or not self.tree.exists(iid):
            self.tree.selection_set(())
            return
        self.tree.selection_set(iid)
        self.tree.focus(iid)
        self.tree.see(iid)

    def move(self, step: int) -> str | None:
        """Move the selection by ``step`` rows (clamped); returns the new iid."""
        rows = self.rows()
        if not rows:
            return None
        cur = self.selected()
        idx = rows.index(cur) + step if cur in rows else (0 if step > 0 else len(rows) - 1)
        idx = max(0, min(len(rows) - 1, idx))
        self.select(rows[idx])
        return rows[idx]
