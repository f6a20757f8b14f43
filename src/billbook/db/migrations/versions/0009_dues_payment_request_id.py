"""dues payments carry a client-made request id (a resubmit returns the first payment)

Revision ID: 0009_dues_request_id
Revises: 0008_sale_indexes
Create Date: 2026-11-25

The id sits on the payment's dues-ledger row, under a unique index: NULL for every other
ledger row (both databases allow many NULLs in a unique index), and nothing added to sales.
"""
from alembic import op
import sqlalchemy as sa

revision = '0009_dues_request_id'
down_revision = '0008_sale_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('dues_ledger', sa.Column('request_id', sa.String(length=64), nullable=True))
    op.create_index('uq_dues_ledger_request_id', 'dues_ledger', ['request_id'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_dues_ledger_request_id', table_name='dues_ledger')
    with op.batch_alter_table('dues_ledger', schema=None) as batch_op:
        batch_op.drop_column('request_id')
