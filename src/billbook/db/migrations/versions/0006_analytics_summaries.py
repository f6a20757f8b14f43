"""analytics summary tables (derived, rebuildable) and an index on loyalty_ledger.at

Revision ID: 0006_analytics
Revises: 0002_search
Create Date: 2026-11-24

The summary tables hold only data derived from invoices, credit notes, payments and the
loyalty ledger; ``services/insight/summaries.refresh`` fills them for days up to a
watermark, and analytics compute the days after it live.
"""
from alembic import op
import sqlalchemy as sa

revision = '0006_analytics'
down_revision = '0002_search'
branch_labels = None
depends_on = None

_MYSQL = dict(mysql_engine='InnoDB', mysql_charset='utf8mb4', mysql_collate='utf8mb4_unicode_ci')
_MONEY = sa.Numeric(precision=12, scale=2)
_QTY = sa.Numeric(precision=12, scale=3)


def _key_columns(date_col: str):
    return [
        sa.Column('dim', sa.String(length=8), nullable=False),
        sa.Column(date_col, sa.Date(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('qty', _QTY, nullable=False),
        sa.Column('a1', _MONEY, nullable=False),
        sa.Column('a2', _MONEY, nullable=False),
        sa.PrimaryKeyConstraint('dim', date_col, 'key'),
    ]


def upgrade() -> None:
    op.create_table(
        'summary_day',
        sa.Column('business_date', sa.Date(), nullable=False),
        sa.Column('invoices', sa.Integer(), nullable=False),
        sa.Column('gross_total', _MONEY, nullable=False),
        sa.Column('discount_total', _MONEY, nullable=False),
        sa.Column('taxable_total', _MONEY, nullable=False),
        sa.Column('tax_total', _MONEY, nullable=False),
        sa.Column('grand_total', _MONEY, nullable=False),
        sa.Column('returns', sa.Integer(), nullable=False),
        sa.Column('return_taxable', _MONEY, nullable=False),
        sa.Column('return_tax', _MONEY, nullable=False),
        sa.Column('return_total', _MONEY, nullable=False),
        sa.PrimaryKeyConstraint('business_date'),
        **_MYSQL,
    )
    op.create_table('summary_day_key', *_key_columns('business_date'), **_MYSQL)
    op.create_table('summary_month_key', *_key_columns('month'), **_MYSQL)
    op.create_table(
        'summary_customer_first',
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('first_date', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('customer_id'),
        **_MYSQL,
    )
    op.create_index('ix_summary_customer_first_first_date', 'summary_customer_first', ['first_date'])
    op.create_table(
        'summary_cohort',
        sa.Column('cohort_week', sa.Date(), nullable=False),
        sa.Column('active_week', sa.Date(), nullable=False),
        sa.Column('customers', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('cohort_week', 'active_week'),
        **_MYSQL,
    )
    op.create_index('ix_loyalty_ledger_at', 'loyalty_ledger', ['at'])


def downgrade() -> None:
    op.drop_index('ix_loyalty_ledger_at', table_name='loyalty_ledger')
    op.drop_table('summary_cohort')
    op.drop_index('ix_summary_customer_first_first_date', table_name='summary_customer_first')
    op.drop_table('summary_customer_first')
    op.drop_table('summary_month_key')
    op.drop_table('summary_day_key')
    op.drop_table('summary_day')
