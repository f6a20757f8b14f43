"""The cart table: #, item, qty, rate, discount, GST %, tax, amount (numbers right-aligned)."""

from __future__ import annotations

from collections.abc import Callable

from billbook.gui.widgets.table import Column, Table

CART_COLUMNS = [
    Column("no", "#", 40, "e"),
    Column("item", "Item", 220, stretch=True),
    Column("qty", "Qty", 70, "e"),
    Column("rate", "Rate ₹", 90, "e"),
    Column("disc", "Disc ₹", 80, "e"),
    Column("gst", "GST", 60, "e"),
    Column("tax", "Tax ₹", 80, "e"),
    Column("amount", "Amount ₹", 100, "e"),
]


class CartTable(Table):
    """Rows are ``(iid, values, short)``; ``short`` marks a line with too little stock."""

    def __init__(self, master, *, on_activate: Callable[[str], None] | None = None, **kwargs):
        super().__init__(master, CART_COLUMNS, height=12, command=on_activate, **kwargs)
        self.tree.tag_configure("short", foreground="#c62828")

    def set_lines(self, rows: list[tuple[str, tuple, bool]]) -> None:
        current = self.selected()
        self.tree.delete(*self.tree.get_children())
        for iid, values, short in rows:
            self.tree.insert("", "end", iid=iid, values=values, tags=("short",) if short else ())
        if current and self.tree.exists(current):
            self.select(current)
        elif rows:
            self.select(rows[-1][0])
