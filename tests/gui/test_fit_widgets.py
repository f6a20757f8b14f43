"""The pieces that keep text whole: eliding, the eliding label, tables that fit their width."""

from __future__ import annotations

import gc
import tkinter as tk

import customtkinter as ctk
import pytest

from billbook.gui.widgets.fit import ELLIPSIS, ElidedLabel, elide, measure
from billbook.gui.widgets.table import Column, Table


@pytest.fixture
def root(gui_display):
    gc.collect()
    ctk.set_appearance_mode("light")
    window = ctk.CTk()
    window.geometry("800x400+0+0")
    window.update()
    yield window
    window.destroy()
    gc.collect()


def _pump(root) -> None:
    for _ in range(5):
        root.update()
        root.update_idletasks()


def test_elide_keeps_what_fits_and_ends_in_an_ellipsis(root):
    font = ("DejaVu Sans", 12)
    text = "Top customers by loyalty credits earned"
    assert elide(root, font, text, 2000) == text
    short = elide(root, font, text, 120)
    assert short.endswith(ELLIPSIS) and text.startswith(short[:-1].rstrip())
    assert measure(root, font, short) <= 120
    assert len(elide(root, font, text, 121 + measure(root, font, "word"))) > len(short)


def test_an_elided_label_shows_what_fits_and_keeps_the_whole_text(root):
    text = "Database: SQLite /home/someone/a/rather/long/path/to/the/shop/billbook.sqlite3"
    label = ElidedLabel(root, text=text, width=200)
    label.place(x=0, y=0)
    _pump(root)
    assert label.cget("text") == text
    assert label.shown_text.endswith(ELLIPSIS)
    assert measure(root, label._label.cget("font"), label.shown_text) <= 200
    assert label.tooltip.text() == text                 # the whole text on hover
    label.configure(text="short")
    _pump(root)
    assert label.shown_text == "short" and label.tooltip.text() is None


def test_a_narrow_table_hides_low_priority_columns_and_never_cuts_numbers(root):
    columns = [Column("no", "#", 40, "e", priority=20), Column("item", "Item", 220, stretch=True, priority=100),
               Column("qty", "Qty", 70, "e", priority=80), Column("tax", "Tax ₹", 80, "e", priority=60),
               Column("amount", "Amount ₹", 100, "e", priority=90)]
    box = tk.Frame(root, width=300, height=200)
    box.place(x=0, y=0)
    box.pack_propagate(False)
    table = Table(box, columns)
    table.pack(fill="both", expand=True)
    name = "Colgate Strong Teeth Toothpaste 200 g, family pack"
    table.set_rows([("1", ("1", name, "2", "21.24", "1,23,456.00"))])
    _pump(root)
    shown = list(table.tree.cget("displaycolumns"))
    assert "item" in shown and "amount" in shown and "no" not in shown
    assert table.tree.set("1", "amount") == "1,23,456.00"          # numbers whole
    cell = table.tree.set("1", "item")
    assert cell.endswith(ELLIPSIS) and cell != name                 # the name elided…
    assert table.values("1")[1] == name                             # …but kept whole
    widths = sum(int(table.tree.column(c, "width")) for c in shown)
    assert widths <= table.tree.winfo_width()
    box.configure(width=780)                                        # room again: every column back
    _pump(root)
    assert list(table.tree.cget("displaycolumns")) == [c.key for c in columns]
    assert table.tree.set("1", "item") == name
