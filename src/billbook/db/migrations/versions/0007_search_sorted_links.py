"""name search: product-term links carry the lower-case name and active flag (sorted, index-only
search), and products get an (active, search_name) index for the in-order scan

Revision ID: 0007_search_links
Revises: 0006_analytics
Create Date: 2026-11-24

Rebuilds the search index for existing products (rules copied from ``domain/search`` so this
migration stays frozen).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0007_search_links'
down_revision = '0006_analytics'
branch_labels = None
depends_on = None

_MYSQL = dict(mysql_engine='InnoDB', mysql_charset='utf8mb4', mysql_collate='utf8mb4_unicode_ci')


def _text(n):
    return sa.String(length=n).with_variant(
        mysql.VARCHAR(n, charset='utf8mb4', collation='utf8mb4_bin'), 'mysql', 'mariadb')


def _links_table():
    op.create_table('product_terms',
        sa.Column('term_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('search_name', _text(160), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['term_id'], ['search_terms.id']),
        sa.ForeignKeyConstraint(['product_id'], ['products.id']),
        sa.PrimaryKeyConstraint('term_id', 'product_id'),
        **_MYSQL)
    with op.batch_alter_table('product_terms', schema=None) as batch_op:
        batch_op.create_index('ix_product_terms_product_id', ['product_id'], unique=False)
        batch_op.create_index('ix_product_terms_sorted', ['term_id', 'active', 'search_name', 'product_id'],
                              unique=False)


def upgrade() -> None:
    op.drop_table('product_terms')  # its indexes go with it
    _links_table()
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index('ix_products_active_search_name', ['active', 'search_name'], unique=False)
    _rebuild()


def _rebuild() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, name, search_name, active FROM products")).all()
    bind.execute(sa.text("DELETE FROM search_term_suffixes"))
    bind.execute(sa.text("DELETE FROM search_terms"))
    if not rows:
        return
    terms: dict[str, int] = {}
    links = []
    for pid, name, search_name, active in rows:
        for word in {w[:160] for w in (name or '').lower().split() if w}:
            if word not in terms:
                terms[word] = len(terms) + 1
            links.append({'t': terms[word], 'p': pid, 'n': search_name, 'a': bool(active)})
    bind.execute(sa.text("INSERT INTO search_terms (id, term) VALUES (:i, :t)"),
                 [{'i': i, 't': t} for t, i in terms.items()])
    bind.execute(sa.text("INSERT INTO search_term_suffixes (suffix, term_id) VALUES (:s, :i)"),
                 [{'s': s, 'i': i} for t, i in terms.items() for s in {t[k:k + 24] for k in range(len(t))}])
    bind.execute(sa.text("INSERT INTO product_terms (term_id, product_id, search_name, active) "
                         "VALUES (:t, :p, :n, :a)"), links)


def downgrade() -> None:
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_active_search_name')
    op.drop_table('product_terms')
    op.create_table('product_terms',
        sa.Column('term_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['term_id'], ['search_terms.id']),
        sa.ForeignKeyConstraint(['product_id'], ['products.id']),
        sa.PrimaryKeyConstraint('term_id', 'product_id'),
        **_MYSQL)
    with op.batch_alter_table('product_terms', schema=None) as batch_op:
        batch_op.create_index('ix_product_terms_product_id', ['product_id'], unique=False)
    op.execute("DELETE FROM search_term_suffixes")
    op.execute("DELETE FROM search_terms")
