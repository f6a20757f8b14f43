"""print jobs: each terminal's receipts, A4 invoices, labels and drawer kicks, and their outcome

Revision ID: 0015_print_jobs
Revises: 0014_held_in_progress
Create Date: 2026-12-06

A job is written before it is sent and updated after: a job that did not reach its printer
(offline, paper out) stays ``failed`` with the reason, and the Invoices screen (or
``billbook invoice print``) retries it. Printer settings themselves live in ``settings``.
"""
from alembic import op
import sqlalchemy as sa

revision = '0015_print_jobs'
down_revision = '0014_held_in_progress'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('print_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('terminal', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('document', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('error', sa.String(length=400), nullable=False),
    sa.Column('printer', sa.String(length=200), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    mysql_engine='InnoDB',
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci'
    )
    op.create_index('ix_print_jobs_status_terminal', 'print_jobs', ['status', 'terminal'], unique=False)
    op.create_index('ix_print_jobs_document', 'print_jobs', ['document'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_print_jobs_document', table_name='print_jobs')
    op.drop_index('ix_print_jobs_status_terminal', table_name='print_jobs')
    op.drop_table('print_jobs')
