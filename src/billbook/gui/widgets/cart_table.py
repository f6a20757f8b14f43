"""The cart table: #, item, qty, rate, discount, GST %, tax, amount (numbers right-aligned)."""

from __future__ import annotations

from collections.abc import Callable

from billbook.gui.widgets.table import Column, Table

#: when the cart is narrow, columns give way from the lowest priority: the item and the amount stay
CART_COLUMNS = [
    Column("no", "#", 40, "e", priority=20),
    Column("item", "Item", 220, stretch=True, priority=100, min_width=150),
    Column("qty", "Qty", 70, "e", priority=80),
    Column("rate", "Rate ₹", 90, "e", priority=70),
    Column("disc", "Disc ₹", 80, "e", priority=40),
    Column("gst", "GST", 60, "e", priority=30),
    Column("tax", "Tax ₹", 80, "e", priority=60),
    Column("amount", "Amount ₹", 100, "e", priority=90),
]


class CartTable(Table):
    """Rows are ``(iid, values, short)``; ``short`` marks a line with too little stock."""

    def __init__(self, master, *, on_activate: Callable[[str], None] | None = None, **kwargs):
        super().__init__(master, CART_COLUMNS, height=12, command=on_activate, **kwargs)
        self.tree.tag_configure("short", foreground="#c62828")

    def set_lines(self, rows: list[tuple[str, tuple, bool]]) -> None:
        current = self.selected()
        self.fitter.clear()
        for iid, values, short in rows:
            self.fitter.insert(iid, values, ("short",) if short else ())
        self.fitter.after_rows_changed()
        if current and self.tree.exists(current):
            self.select(current)
        elif rows:
            self.select(rows[-1][0])
