"""what GST filing needs stored: place of supply on credit notes, delivery address, pincode
and locality, unit prices to 3 decimals

Revision ID: 0011_gst_fields
Revises: 0010_lighter_sale_indexes
Create Date: 2026-12-06

- ``credit_notes.place_of_supply`` (two-digit state code, NOT NULL): a credit note takes its
  invoice's place of supply; existing notes are backfilled from their invoices.
- ``invoices.place_of_supply`` was NOT NULL from the start; any row left empty is backfilled
  from what the invoice stored: an inter-state invoice's customer state (or its GSTIN's
  first two digits), else the shop's state in the invoice's own shop snapshot, else the
  shop's state now.
- ``invoices.delivery_address`` (nullable): where the goods go when it is not the
  recipient's address (Rule 46(k)); ``invoices.customer_pincode`` and
  ``customer_locality``: the recipient's snapshot, as the e-invoice needs them.
- ``shop.pincode``/``locality`` and ``customers.pincode``/``locality``: the e-invoice's
  ``Pin`` and ``Loc`` of the seller and the buyer.
- ``products.price`` and ``invoice_lines.unit_price`` become NUMERIC(13,3): 3 decimals (per-kg
  wholesale rates) with the same range of whole rupees as before (NUMERIC(12,3) would cut the
  largest price a tenfold); every amount stays NUMERIC(12,2). On SQLite the declared precision is not enforced
  (NUMERIC affinity) and changing it would mean rebuilding tables other tables reference, so
  only MySQL/MariaDB change the column type; the models read both as 3 decimals.

New text columns get a server default of '' so existing rows are filled in one statement.
"""
from __future__ import annotations

import json

from alembic import op
import sqlalchemy as sa

revision = '0011_gst_fields'
down_revision = '0010_lighter_sale_indexes'
branch_labels = None
depends_on = None

_TEXT_COLUMNS = (
    ('shop', 'pincode', 6), ('shop', 'locality', 50),
    ('customers', 'pincode', 6), ('customers', 'locality', 50),
    ('invoices', 'customer_pincode', 6), ('invoices', 'customer_locality', 50),
)
_PRICE_COLUMNS = (('products', 'price'), ('invoice_lines', 'unit_price'))


def _server() -> bool:
    return op.get_bind().dialect.name != 'sqlite'


def upgrade() -> None:
    bind = op.get_bind()
    for table, name, length in _TEXT_COLUMNS:
        op.add_column(table, sa.Column(name, sa.String(length=length), nullable=False, server_default=''))
    op.add_column('invoices', sa.Column('delivery_address', sa.String(length=400), nullable=True))

    _backfill_invoice_place_of_supply(bind)

    # credit notes: nullable first, filled from the invoices, then NOT NULL (SQLite cannot
    # tighten a column without rebuilding a table other tables reference: there it is added
    # NOT NULL with an empty default and filled at once)
    if _server():
        op.add_column('credit_notes', sa.Column('place_of_supply', sa.String(length=2), nullable=True))
    else:
        op.add_column('credit_notes', sa.Column('place_of_supply', sa.String(length=2), nullable=False,
                                                server_default=''))
    bind.execute(sa.text(
        "UPDATE credit_notes SET place_of_supply = "
        "(SELECT invoices.place_of_supply FROM invoices WHERE invoices.id = credit_notes.invoice_id)"))
    if _server():
        op.alter_column('credit_notes', 'place_of_supply', existing_type=sa.String(length=2), nullable=False)
        for table, name in _PRICE_COLUMNS:
            op.alter_column(table, name, existing_type=sa.Numeric(12, 2), type_=sa.Numeric(13, 3),
                            existing_nullable=False)


def _backfill_invoice_place_of_supply(bind) -> None:
    rows = bind.execute(sa.text(
        "SELECT id, inter_state, customer_state_code, customer_gstin, shop_snapshot FROM invoices "
        "WHERE place_of_supply IS NULL OR place_of_supply = ''")).all()
    if not rows:
        return
    shop_state = bind.execute(sa.text("SELECT state_code FROM shop WHERE id = 1")).scalar() or '27'
    for inv_id, inter_state, customer_state, customer_gstin, snapshot in rows:
        try:
            own_state = (json.loads(snapshot or '{}') or {}).get('state_code') or shop_state
        except ValueError:
            own_state = shop_state
        if inter_state and customer_state:
            place = customer_state
        elif inter_state and customer_gstin:
            place = customer_gstin[:2]
        else:
            place = own_state
        bind.execute(sa.text("UPDATE invoices SET place_of_supply = :p WHERE id = :i"), {'p': place, 'i': inv_id})


def downgrade() -> None:
    if _server():
        for table, name in _PRICE_COLUMNS:
            op.alter_column(table, name, existing_type=sa.Numeric(13, 3), type_=sa.Numeric(12, 2),
                            existing_nullable=False)
    for table, name in (('credit_notes', 'place_of_supply'), ('invoices', 'delivery_address'),
                        *((t, n) for t, n, _ in reversed(_TEXT_COLUMNS))):
        # a plain DROP COLUMN (SQLite 3.35+): none of these is indexed or constrained
        op.drop_column(table, name)
