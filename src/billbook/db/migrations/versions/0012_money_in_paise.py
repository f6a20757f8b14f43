"""money as integer paise on SQLite

Revision ID: 0012_money_in_paise
Revises: 0011_gst_fields
Create Date: 2026-12-06

SQLite has no decimal type: a NUMERIC(12,2) column held each amount as a REAL (a binary
fraction), so every read had to round it again and sums in SQL were not exact. From now on
every money column on SQLite holds a whole number of paise (``db/types.ExactDecimal``):
₹10.50 is stored as 1050. This migration converts the amounts already stored, each
``ROUND(amount × 100)`` as an INTEGER (every stored amount is a whole number of paise, off by
a binary fraction at most). Unit prices, which may have 3 decimals since 0011, are stored
in thousandths of a rupee the same way (``ROUND(price × 1000)``). The columns keep their declared type (NUMERIC affinity keeps an
INTEGER as it is), so no table is rebuilt. MySQL/MariaDB keep DECIMAL(12,2): nothing to do.

The list of money columns is written out here as the schema has them at this revision.
"""
from alembic import op
import sqlalchemy as sa

revision = '0012_money_in_paise'
down_revision = '0011_gst_fields'
branch_labels = None
depends_on = None

MONEY_COLUMNS = {
    'credit_note_lines': ('taxable', 'cgst', 'sgst', 'igst', 'total'),
    'credit_notes': ('taxable_total', 'cgst', 'sgst', 'igst', 'round_off', 'total'),
    'customers': ('credits', 'dues', 'total_spent'),
    'day_closes': ('opening_float', 'expected_cash', 'counted_cash', 'difference'),
    'dues_allocations': ('amount',),
    'dues_ledger': ('delta', 'balance_after'),
    'invoice_lines': ('gross', 'discount', 'taxable', 'cgst', 'sgst', 'igst', 'total', 'cost_price'),
    'invoices': ('gross_total', 'discount_total', 'taxable_total', 'cgst', 'sgst', 'igst', 'round_off',
                 'grand_total', 'paid_total', 'change_given', 'due_amount', 'credits_earned', 'credits_redeemed'),
    'loyalty_ledger': ('delta', 'balance_after'),
    'payments': ('amount', 'tendered'),
    'products': ('cost_price',),
    'purchase_order_lines': ('unit_cost',),
    'purchase_orders': ('total',),
    'shop': ('loyalty_rupees_per_credit', 'credit_value'),
    'stock_movements': ('unit_cost',),
    'summary_day': ('gross_total', 'discount_total', 'taxable_total', 'tax_total', 'grand_total',
                    'return_taxable', 'return_tax', 'return_total'),
    'summary_day_key': ('a1', 'a2'),
    'summary_month_key': ('a1', 'a2'),
}

#: unit prices (3 decimals since 0011): whole thousandths of a rupee
UNIT_PRICE_COLUMNS = {
    'invoice_lines': ('unit_price',),
    'products': ('price',),
}


def _convert(columns_by_table: dict, new_value) -> None:
    """Set every listed column to ``new_value(column)`` (SQLite only)."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    for name, columns in columns_by_table.items():
        table = sa.table(name, *(sa.column(c) for c in columns))
        op.execute(sa.update(table).values({c: new_value(table.c[c]) for c in columns}))


def upgrade() -> None:
    # NULL stays NULL (CAST(ROUND(NULL)) is NULL)
    _convert(MONEY_COLUMNS, lambda c: sa.cast(sa.func.round(c * 100), sa.Integer))
    _convert(UNIT_PRICE_COLUMNS, lambda c: sa.cast(sa.func.round(c * 1000), sa.Integer))


def downgrade() -> None:
    _convert(MONEY_COLUMNS, lambda c: sa.func.round(c / 100.0, 2))
    _convert(UNIT_PRICE_COLUMNS, lambda c: sa.func.round(c / 1000.0, 3))
