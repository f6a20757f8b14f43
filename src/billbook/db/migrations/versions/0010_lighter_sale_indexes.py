"""lighter indexes on what every sale writes

Revision ID: 0010_lighter_sale_indexes
Revises: 0009_dues_request_id
Create Date: 2026-11-25

- ``ix_invoices_issued_at`` dropped: the invoice list is ordered by business date then id,
  which ``ix_invoices_business_date`` serves (an index holds the row id after its columns),
  and nothing else looks invoices up by their time stamp.
- ``ix_invoices_terminal_date`` dropped: the day-end report per terminal finds the day's
  invoices through ``ix_invoices_business_date`` and keeps one terminal's; nothing else
  searches by terminal.
- On SQLite ``ix_invoices_customer_id`` and ``ix_payments_customer_id`` become partial
  indexes of the rows that have a customer: a walk-in sale (most sales) no longer writes
  an entry for NULL, and every query by customer (``customer_id = ?``) still uses them.
  MySQL/MariaDB has no partial indexes, and InnoDB needs a full index under a foreign key:
  there they stay as they are.
- On SQLite ``ix_invoice_lines_product_id`` dropped: it put one entry in a different page
  for every line of every sale (five pages for a five-line bill), and only deleting a
  product reads it (is the product on an invoice?), a rare catalog clean-up that now reads
  the invoice lines through. Reports by product go through the invoices' dates, and the
  stock card through the stock ledger's own index. On MySQL/MariaDB it stays: InnoDB
  needs it under the foreign key to products.
- On SQLite ``ix_audit_log_action`` becomes a partial index without the sales' own audit
  rows (``sale.checkout``, most of the log): the audit screen finds those by date, and asks
  for any other action with ``action <> 'sale.checkout'`` as well, which lets SQLite use
  the partial index. MySQL/MariaDB keep the full index.

Each index is one more B-tree page written by every sale's commit on SQLite (about 4
microseconds each), and one more index InnoDB maintains per row.
"""
from alembic import op
import sqlalchemy as sa

revision = '0010_lighter_sale_indexes'
down_revision = '0009_dues_request_id'
branch_labels = None
depends_on = None

_PARTIAL = (('invoices', 'ix_invoices_customer_id'), ('payments', 'ix_payments_customer_id'))


def upgrade() -> None:
    op.drop_index('ix_invoices_issued_at', table_name='invoices')
    op.drop_index('ix_invoices_terminal_date', table_name='invoices')
    if op.get_bind().dialect.name == 'sqlite':
        for table, name in _PARTIAL:
            op.drop_index(name, table_name=table)
            op.create_index(name, table, ['customer_id'], unique=False,
                            sqlite_where=sa.text('customer_id IS NOT NULL'))
        op.drop_index('ix_invoice_lines_product_id', table_name='invoice_lines')
        op.drop_index('ix_audit_log_action', table_name='audit_log')
        op.create_index('ix_audit_log_action', 'audit_log', ['action'], unique=False,
                        sqlite_where=sa.text("action <> 'sale.checkout'"))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.create_index('ix_invoice_lines_product_id', 'invoice_lines', ['product_id'], unique=False)
        op.drop_index('ix_audit_log_action', table_name='audit_log')
        op.create_index('ix_audit_log_action', 'audit_log', ['action'], unique=False)
        for table, name in _PARTIAL:
            op.drop_index(name, table_name=table)
            op.create_index(name, table, ['customer_id'], unique=False)
    op.create_index('ix_invoices_terminal_date', 'invoices', ['terminal', 'business_date'], unique=False)
    op.create_index('ix_invoices_issued_at', 'invoices', ['issued_at'], unique=False)
