"""documents made from a client-made id remember a fingerprint of the request

Revision ID: 0013_request_fingerprints
Revises: 0012_money_in_paise
Create Date: 2026-12-06

``request_hash`` (SHA-256 of the normalised request, :mod:`billbook.domain.fingerprint`) on
invoices (the sale id), credit notes (the return's request id) and the dues ledger (a dues
payment's request id): the same id sent again with different content is refused instead of
silently answering with the first document. NULL on rows written before this revision
(they answer as before).
"""
from alembic import op
import sqlalchemy as sa

revision = '0013_request_fingerprints'
down_revision = '0012_money_in_paise'
branch_labels = None
depends_on = None

_TABLES = ('invoices', 'credit_notes', 'dues_ledger')


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for table in _TABLES:
        # a file whose version stamp was set back (tests of earlier migrations) may have it already
        if 'request_hash' not in {c['name'] for c in inspector.get_columns(table)}:
            op.add_column(table, sa.Column('request_hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('request_hash')
