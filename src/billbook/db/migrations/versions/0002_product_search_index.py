"""product name search index: terms, term suffixes, product-term links

Revision ID: 0002_search
Revises: 0001
Create Date: 2026-11-24

Builds the index for products that already exist (same rules as ``domain/search``,
copied here so this migration stays frozen).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0002_search'
down_revision = '0001'
branch_labels = None
depends_on = None

_MYSQL = dict(mysql_engine='InnoDB', mysql_charset='utf8mb4', mysql_collate='utf8mb4_unicode_ci')


def _text(n):
    return sa.String(length=n).with_variant(
        mysql.VARCHAR(n, charset='utf8mb4', collation='utf8mb4_bin'), 'mysql', 'mariadb')


def upgrade() -> None:
    op.create_table('search_terms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('term', _text(160), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('term'),
        **_MYSQL)
    op.create_table('search_term_suffixes',
        sa.Column('suffix', _text(24), nullable=False),
        sa.Column('term_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['term_id'], ['search_terms.id']),
        sa.PrimaryKeyConstraint('suffix', 'term_id'),
        **_MYSQL)
    op.create_table('product_terms',
        sa.Column('term_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['term_id'], ['search_terms.id']),
        sa.ForeignKeyConstraint(['product_id'], ['products.id']),
        sa.PrimaryKeyConstraint('term_id', 'product_id'),
        **_MYSQL)
    with op.batch_alter_table('product_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_terms_product_id'), ['product_id'], unique=False)
    _index_existing()


def _index_existing() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, name FROM products")).all()
    if not rows:
        return
    terms: dict[str, int] = {}
    links = []
    for pid, name in rows:
        for word in {w[:160] for w in (name or '').lower().split() if w}:
            if word not in terms:
                terms[word] = len(terms) + 1
            links.append({'t': terms[word], 'p': pid})
    bind.execute(sa.text("INSERT INTO search_terms (id, term) VALUES (:i, :t)"),
                 [{'i': i, 't': t} for t, i in terms.items()])
    bind.execute(sa.text("INSERT INTO search_term_suffixes (suffix, term_id) VALUES (:s, :i)"),
                 [{'s': s, 'i': i} for t, i in terms.items() for s in {t[k:k + 24] for k in range(len(t))}])
    bind.execute(sa.text("INSERT INTO product_terms (term_id, product_id) VALUES (:t, :p)"), links)


def downgrade() -> None:
    with op.batch_alter_table('product_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_terms_product_id'))
    op.drop_table('product_terms')
    op.drop_table('search_term_suffixes')
    op.drop_table('search_terms')
