"""The counter's devices: receipt printers (ESC/POS), system printers (CUPS / Windows), label
printers, the cash drawer (through the receipt printer).

No database here: functions take plain settings (an address, a width) and bytes or files,
and raise :class:`PrinterError` with a sentence a cashier can act on.
"""

from __future__ import annotations

from billbook.errors import BillbookError


class PrinterError(BillbookError):
    """A print job did not reach the printer (offline, paper out, no such queue...)."""

    def __init__(self, message: str, *, reason: str = "error"):
        super().__init__(message)
        #: offline | paper_out | cover_open | not_found | missing_tool | error
        self.reason = reason
