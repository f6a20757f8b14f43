"""Reusable widgets: each takes callbacks (``command=``) and exposes getters; none reaches
into another's internals."""

from billbook.gui.widgets.message_bar import MessageBar
from billbook.gui.widgets.money_entry import MoneyEntry
from billbook.gui.widgets.table import Table

__all__ = ["MessageBar", "MoneyEntry", "Table"]
