"""drop two indexes every sale paid for and no query used

Revision ID: 0008_sale_indexes
Revises: 0007_search_links
Create Date: 2026-11-25

- ``ix_invoice_lines_invoice_id``: the unique ``(invoice_id, line_no)`` constraint's index
  already starts with ``invoice_id`` (it serves the lookups and the foreign key).
- ``ix_payments_at``: payments are looked up by invoice, customer and business date, never
  by their time stamp.

Each index is one more B-tree page written on every sale (an SQLite commit costs about
4 microseconds per page, and InnoDB maintains each secondary index per row).
"""
from alembic import op

revision = '0008_sale_indexes'
down_revision = '0007_search_links'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_invoice_lines_invoice_id')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_at')


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_at', ['at'], unique=False)
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.create_index('ix_invoice_lines_invoice_id', ['invoice_id'], unique=False)
