"""Command groups shared by several command modules (each module adds its commands here).

E.g. ``invoice show/list`` (sales) and ``invoice pdf/export`` (documents) both live under
``invoice``; import the group from here instead of creating it twice.
"""

from __future__ import annotations

from billbook.cli.app import app


@app.group("invoice")
def invoice_group() -> None:
    """Past invoices: show, list, PDF, export."""


@app.group("product")
def product_group() -> None:
    """Product catalog."""


@app.group("category")
def category_group() -> None:
    """Product categories."""


@app.group("customer")
def customer_group() -> None:
    """Customers."""


@app.group("supplier")
def supplier_group() -> None:
    """Suppliers."""


@app.group("po")
def po_group() -> None:
    """Purchase orders."""


@app.group("stock")
def stock_group() -> None:
    """Stock ledger."""


@app.group("dues")
def dues_group() -> None:
    """Customer dues."""


@app.group("held")
def held_group() -> None:
    """Held (parked) sales."""


@app.group("report")
def report_group() -> None:
    """Reports and charts."""


@app.group("audit")
def audit_group() -> None:
    """Audit log (admin)."""


@app.group("credit-note")
def credit_note_group() -> None:
    """Credit notes (returns)."""
