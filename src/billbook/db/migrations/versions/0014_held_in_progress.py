"""held carts: a terminal's cart in progress ('open') and the sale id that travels with a cart

Revision ID: 0014_held_in_progress
Revises: 0013_request_fingerprints
Create Date: 2026-12-06

``state`` is 'held' for a parked cart (every existing row) and 'open' for the cart a
terminal is ringing up right now, saved as it changes so a crash never loses it.
``sale_id`` is the client sale id the cart will be billed under (NULL for old rows).
"""
from alembic import op
import sqlalchemy as sa

revision = '0014_held_in_progress'
down_revision = '0013_request_fingerprints'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('held_sales', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=8), nullable=False, server_default='held'))
        batch_op.add_column(sa.Column('sale_id', sa.String(length=64), nullable=True))
    op.create_index('ix_held_sales_terminal_state', 'held_sales', ['terminal', 'state'])


def downgrade() -> None:
    op.drop_index('ix_held_sales_terminal_state', table_name='held_sales')
    with op.batch_alter_table('held_sales', schema=None) as batch_op:
        batch_op.drop_column('sale_id')
        batch_op.drop_column('state')
