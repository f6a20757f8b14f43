"""SQLAlchemy 2.x models: the whole billbook data model.

Conventions: money columns are NUMERIC(12,2) (``Money``), unit prices NUMERIC(13,3) (``UnitPrice``),
quantities NUMERIC(12,3) (``Qty``);
times are naive local datetimes (the shop's wall clock); issued documents (invoices,
credit notes) store every computed figure and a snapshot of what they name, so later
changes to products, prices, customers or the shop never alter them.

The annotations are evaluated as each class is made (no ``from __future__ import annotations``),
so SQLAlchemy does not parse some 340 annotation strings at every start; a class named before
it is defined is quoted (``Mapped[list["InvoiceLine"]]``).
"""


import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text,
    UniqueConstraint, text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from billbook.db.types import BinaryText, Blob, LongText, Money, Qty, Rate, UnitPrice


class Base(DeclarativeBase):
    pass


# ---------------------------------------------------------------- users & security

class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    __table_args__ = (CheckConstraint("role in ('admin','cashier')", name="ck_users_role"),)


class LoginSession(Base):
    __tablename__ = "login_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    terminal: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


#: the action of the audit row every sale writes: most of the log, found by date, not by action
SALE_AUDIT_ACTION = "sale.checkout"


class AuditEntry(Base):
    """Append-only: who did what, when, from which terminal."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    username: Mapped[str] = mapped_column(String(64), default="")
    terminal: Mapped[str] = mapped_column(String(64), default="")
    #: indexed below; on SQLite the index leaves out the sales' own rows (SALE_AUDIT_ACTION), so
    #: a sale writes no entry there: a search for any other action says ``action <> it`` too
    #: (services/insight/audit.py), which lets SQLite use the partial index
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64), default="")
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (Index("ix_audit_log_action", "action",
                            sqlite_where=text("action <> 'sale.checkout'")),)      # SALE_AUDIT_ACTION


# ---------------------------------------------------------------- shop & settings

class Shop(Base):
    """The shop profile: a single row with id 1."""
    __tablename__ = "shop"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="My Shop")
    address: Mapped[str] = mapped_column(String(400), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    gstin: Mapped[str] = mapped_column(String(15), default="")
    state_code: Mapped[str] = mapped_column(String(2), default="27")
    #: the e-invoice's Pin and Loc of the seller (migration 0011)
    pincode: Mapped[str] = mapped_column(String(6), default="", server_default="")
    locality: Mapped[str] = mapped_column(String(50), default="", server_default="")
    gst_scheme: Mapped[str] = mapped_column(String(16), default="regular")
    upi_vpa: Mapped[str] = mapped_column(String(100), default="")
    logo: Mapped[bytes | None] = mapped_column(Blob, nullable=True)
    invoice_prefix: Mapped[str] = mapped_column(String(5), default="INV")
    footer_text: Mapped[str] = mapped_column(String(400), default="Thank you for shopping with us!")
    currency: Mapped[str] = mapped_column(String(3), default="INR")
    locale: Mapped[str] = mapped_column(String(16), default="en_IN")
    round_off: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_negative_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    allowed_gst_rates: Mapped[str] = mapped_column(String(100), default="0,0.25,3,5,12,18,28")
    #: rupees of payment that earn one loyalty credit (0 = no loyalty)
    loyalty_rupees_per_credit: Mapped[Decimal] = mapped_column(Money, default=Decimal("100"))
    #: rupee value of one credit when spent
    credit_value: Mapped[Decimal] = mapped_column(Money, default=Decimal("1"))
    cashier_can_return: Mapped[bool] = mapped_column(Boolean, default=False)
    print_format: Mapped[str] = mapped_column(String(8), default="a4")  # a4 | receipt | ask | none
    idle_lock_minutes: Mapped[int] = mapped_column(Integer, default=10)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Setting(Base):
    """Extensible key/value settings (login policy, loyalty reward rule, backups...)."""
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# ---------------------------------------------------------------- catalog

class Category(Base):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    barcode: Mapped[str | None] = mapped_column(String(40), unique=True, nullable=True)
    name: Mapped[str] = mapped_column(String(160))
    #: lower-cased name for case-insensitive search on both databases
    search_name: Mapped[str] = mapped_column(String(160), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), nullable=True, index=True)
    hsn: Mapped[str] = mapped_column(String(8), default="")
    unit: Mapped[str] = mapped_column(String(12), default="pcs")
    #: up to 3 decimals (per-kg wholesale rates); amounts stay to the paisa
    price: Mapped[Decimal] = mapped_column(UnitPrice)
    cost_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    gst_rate: Mapped[Decimal] = mapped_column(Rate)
    tax_inclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    reorder_level: Mapped[Decimal] = mapped_column(Qty, default=Decimal("0"))
    stock_qty: Mapped[Decimal] = mapped_column(Qty, default=Decimal("0"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    category: Mapped["Category | None"] = relationship()
    __table_args__ = (
        CheckConstraint("price >= 0", name="ck_products_price"),
        CheckConstraint("cost_price >= 0", name="ck_products_cost"),
        Index("ix_products_active_search_name", "active", "search_name"),
    )


class StockMovement(Base):
    """The stock ledger: products.stock_qty always equals the sum of qty_delta."""
    __tablename__ = "stock_movements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    qty_delta: Mapped[Decimal] = mapped_column(Qty)
    #: opening | sale | return | receipt | adjustment
    reason: Mapped[str] = mapped_column(String(16))
    #: for adjustments: damage | theft | count | expiry | other
    detail: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    ref_type: Mapped[str] = mapped_column(String(16), default="")   # invoice | credit_note | po | ""
    ref_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unit_cost: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    __table_args__ = (Index("ix_stock_movements_product_at", "product_id", "at"),)


class SearchTerm(Base):
    """Name-search vocabulary: each distinct lower-case word of any product name.

    Maintained only by ``services/goods/catalog`` (see ``index_products``); rules in ``domain/search``.
    """
    __tablename__ = "search_terms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(BinaryText(160), unique=True)


class SearchTermSuffix(Base):
    """Every suffix of every term, so an infix query word becomes a prefix range scan."""
    __tablename__ = "search_term_suffixes"
    suffix: Mapped[str] = mapped_column(BinaryText(24), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("search_terms.id"), primary_key=True)


class ProductTerm(Base):
    """Which products' names contain which term, with the product's lower-case name and active
    flag copied in, so a search reads, filters and sorts one index without touching products."""
    __tablename__ = "product_terms"
    term_id: Mapped[int] = mapped_column(ForeignKey("search_terms.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True, index=True)
    search_name: Mapped[str] = mapped_column(BinaryText(160))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (Index("ix_product_terms_sorted", "term_id", "active", "search_name", "product_id"),)


# ---------------------------------------------------------------- parties

class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    search_name: Mapped[str] = mapped_column(String(120), index=True, default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    gstin: Mapped[str] = mapped_column(String(15), default="")
    state_code: Mapped[str] = mapped_column(String(2), default="")
    address: Mapped[str] = mapped_column(String(400), default="")
    #: the e-invoice's Pin and Loc of the buyer (migration 0011)
    pincode: Mapped[str] = mapped_column(String(6), default="", server_default="")
    locality: Mapped[str] = mapped_column(String(50), default="", server_default="")
    credits: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    dues: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    visits: Mapped[int] = mapped_column(Integer, default=0)
    total_spent: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    first_visit: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_visit: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (
        CheckConstraint("credits >= 0", name="ck_customers_credits"),
    )


class Supplier(Base):
    __tablename__ = "suppliers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    phone: Mapped[str] = mapped_column(String(16), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    gstin: Mapped[str] = mapped_column(String(15), default="")
    state_code: Mapped[str] = mapped_column(String(2), default="")
    address: Mapped[str] = mapped_column(String(400), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class LoyaltyEntry(Base):
    __tablename__ = "loyalty_ledger"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    delta: Mapped[Decimal] = mapped_column(Money)
    #: earn | redeem | adjust | reward | refund | reverse
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(200), default="")
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), nullable=True)
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("credit_notes.id"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    balance_after: Mapped[Decimal] = mapped_column(Money)
    #: e.g. "2026-11" for a periodic reward, so it is applied once per period
    period: Mapped[str] = mapped_column(String(16), default="")
    __table_args__ = (Index("ix_loyalty_ledger_at", "at"),)


class DuesEntry(Base):
    """Customer dues ledger: + when a sale is put on account, - when paid or returned."""
    __tablename__ = "dues_ledger"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    delta: Mapped[Decimal] = mapped_column(Money)
    #: sale | payment | return | adjust
    reason: Mapped[str] = mapped_column(String(16))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), nullable=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), nullable=True)
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("credit_notes.id"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    balance_after: Mapped[Decimal] = mapped_column(Money)
    note: Mapped[str] = mapped_column(String(200), default="")
    #: a dues payment's client-made id: the same id again returns the first payment
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: SHA-256 of the payment request (domain/fingerprint.py): the same id with other content is refused
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    __table_args__ = (Index("uq_dues_ledger_request_id", "request_id", unique=True),)


# ---------------------------------------------------------------- sales

def _customer_index(name: str) -> Index:
    """The index on ``customer_id`` of a table most of whose rows have none (walk-in sales):
    on SQLite a partial index of the rows that have one, so a walk-in sale writes no entry
    (``customer_id = ?`` implies NOT NULL, so lookups still use it); a full index elsewhere,
    as InnoDB needs one under the foreign key."""
    return Index(name, "customer_id", sqlite_where=text("customer_id IS NOT NULL"))


class InvoiceCounter(Base):
    """Locked (SELECT ... FOR UPDATE) to hand out consecutive numbers per series and FY."""
    __tablename__ = "invoice_counters"
    series: Mapped[str] = mapped_column(String(8), primary_key=True)   # INV | CN | PO | Z
    fy: Mapped[str] = mapped_column(String(5), primary_key=True)       # 26-27
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Invoice(Base):
    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    #: client-made id: a retried submit with the same id returns this invoice
    sale_id: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of the sale request (domain/fingerprint.py): the same sale id with another cart is refused
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    fy: Mapped[str] = mapped_column(String(5))
    seq: Mapped[int] = mapped_column(Integer)
    #: tax_invoice | bill_of_supply
    doc_type: Mapped[str] = mapped_column(String(16), default="tax_invoice")
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)      # lists go by business_date, id
    business_date: Mapped[dt.date] = mapped_column(Date, index=True)
    cashier_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    cashier_name: Mapped[str] = mapped_column(String(64))
    terminal: Mapped[str] = mapped_column(String(64), default="")
    #: indexed below (on SQLite only the rows that have one: walk-in sales write no entry)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True)
    customer_name: Mapped[str] = mapped_column(String(120), default="")
    customer_phone: Mapped[str] = mapped_column(String(16), default="")
    customer_gstin: Mapped[str] = mapped_column(String(15), default="")
    customer_address: Mapped[str] = mapped_column(String(400), default="")
    customer_state_code: Mapped[str] = mapped_column(String(2), default="")
    customer_pincode: Mapped[str] = mapped_column(String(6), default="", server_default="")
    customer_locality: Mapped[str] = mapped_column(String(50), default="", server_default="")
    #: two-digit state code: the customer's state by default (the GSTIN's for a registered
    #: buyer), else the shop's; the cashier may set it (goods taken at the counter / shipped)
    place_of_supply: Mapped[str] = mapped_column(String(2))
    #: place of supply differs from the shop's state: IGST instead of CGST + SGST
    inter_state: Mapped[bool] = mapped_column(Boolean, default=False)
    #: where the goods go when not to the recipient's address (Rule 46(k)); NULL: not given
    delivery_address: Mapped[str | None] = mapped_column(String(400), nullable=True)
    #: JSON snapshot of the shop profile at issue time (name, address, GSTIN, state...)
    shop_snapshot: Mapped[str] = mapped_column(LongText)
    gross_total: Mapped[Decimal] = mapped_column(Money)       # before discounts
    discount_total: Mapped[Decimal] = mapped_column(Money)
    taxable_total: Mapped[Decimal] = mapped_column(Money)
    cgst: Mapped[Decimal] = mapped_column(Money)
    sgst: Mapped[Decimal] = mapped_column(Money)
    igst: Mapped[Decimal] = mapped_column(Money)
    round_off: Mapped[Decimal] = mapped_column(Money)
    grand_total: Mapped[Decimal] = mapped_column(Money)
    paid_total: Mapped[Decimal] = mapped_column(Money)        # excluding 'account'
    change_given: Mapped[Decimal] = mapped_column(Money)
    due_amount: Mapped[Decimal] = mapped_column(Money)        # put on the customer's account
    credits_earned: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    credits_redeemed: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    bill_discount_text: Mapped[str] = mapped_column(String(16), default="")
    status: Mapped[str] = mapped_column(String(16), default="issued")
    print_count: Mapped[int] = mapped_column(Integer, default=0)
    lines: Mapped[list["InvoiceLine"]] = relationship(back_populates="invoice", order_by="InvoiceLine.line_no")
    payments: Mapped[list["Payment"]] = relationship(
        back_populates="invoice", order_by="Payment.id", foreign_keys="Payment.invoice_id")
    __table_args__ = (
        UniqueConstraint("fy", "seq", name="uq_invoices_fy_seq"),
        _customer_index("ix_invoices_customer_id"),
    )


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: indexed by the unique (invoice_id, line_no) below
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    #: not indexed on SQLite (every sale would write an entry per line, in a page per product,
    #: for the one rare reader: deleting a product); on MySQL/MariaDB InnoDB keeps the index
    #: ix_invoice_lines_product_id under the foreign key (migrations 0001 and 0010)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(160))
    hsn: Mapped[str] = mapped_column(String(8), default="")
    unit: Mapped[str] = mapped_column(String(12), default="pcs")
    category_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    qty: Mapped[Decimal] = mapped_column(Qty)
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice)
    tax_inclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    gross: Mapped[Decimal] = mapped_column(Money)            # qty * unit_price
    discount: Mapped[Decimal] = mapped_column(Money)         # line + share of bill discount
    taxable: Mapped[Decimal] = mapped_column(Money)
    gst_rate: Mapped[Decimal] = mapped_column(Rate)
    cgst: Mapped[Decimal] = mapped_column(Money)
    sgst: Mapped[Decimal] = mapped_column(Money)
    igst: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    cost_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    invoice: Mapped["Invoice"] = relationship(back_populates="lines")
    __table_args__ = (UniqueConstraint("invoice_id", "line_no", name="uq_invoice_lines_no"),)


class Payment(Base):
    """Money in or out: a sale's payments, a dues payment, or a refund on a credit note."""
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: sale | dues | refund
    kind: Mapped[str] = mapped_column(String(8))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), nullable=True, index=True)
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("credit_notes.id"), nullable=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True)
    #: cash | upi | card | netbanking | credits | account
    mode: Mapped[str] = mapped_column(String(12))
    amount: Mapped[Decimal] = mapped_column(Money)
    tendered: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)      # looked up by business_date, not by time
    business_date: Mapped[dt.date] = mapped_column(Date, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    terminal: Mapped[str] = mapped_column(String(64), default="")
    invoice: Mapped["Invoice | None"] = relationship(back_populates="payments", foreign_keys=[invoice_id])
    __table_args__ = (_customer_index("ix_payments_customer_id"),)


class DuesAllocation(Base):
    """Which invoice's dues a dues payment settled (oldest first)."""
    __tablename__ = "dues_allocations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)


class CreditNote(Base):
    __tablename__ = "credit_notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    fy: Mapped[str] = mapped_column(String(5))
    seq: Mapped[int] = mapped_column(Integer)
    #: client-made id, as for invoices
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of the return request (domain/fingerprint.py): the same request id with other items is refused
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    business_date: Mapped[dt.date] = mapped_column(Date, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user_name: Mapped[str] = mapped_column(String(64))
    terminal: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    #: cash | original | credits | dues
    refund_mode: Mapped[str] = mapped_column(String(12))
    #: always its invoice's place of supply (migration 0011 backfilled older notes)
    place_of_supply: Mapped[str] = mapped_column(String(2))
    taxable_total: Mapped[Decimal] = mapped_column(Money)
    cgst: Mapped[Decimal] = mapped_column(Money)
    sgst: Mapped[Decimal] = mapped_column(Money)
    igst: Mapped[Decimal] = mapped_column(Money)
    round_off: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(Money)
    lines: Mapped[list["CreditNoteLine"]] = relationship(back_populates="credit_note", order_by="CreditNoteLine.id")
    __table_args__ = (UniqueConstraint("fy", "seq", name="uq_credit_notes_fy_seq"),)


class CreditNoteLine(Base):
    __tablename__ = "credit_note_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_note_id: Mapped[int] = mapped_column(ForeignKey("credit_notes.id"), index=True)
    invoice_line_id: Mapped[int] = mapped_column(ForeignKey("invoice_lines.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(160))
    qty: Mapped[Decimal] = mapped_column(Qty)
    taxable: Mapped[Decimal] = mapped_column(Money)
    gst_rate: Mapped[Decimal] = mapped_column(Rate)
    cgst: Mapped[Decimal] = mapped_column(Money)
    sgst: Mapped[Decimal] = mapped_column(Money)
    igst: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    credit_note: Mapped["CreditNote"] = relationship(back_populates="lines")


class HeldSale(Base):
    """A parked cart (JSON); reserves no stock; resumable on any terminal.

    ``state`` 'open' marks a terminal's cart in progress (one per terminal, saved as it
    changes); ``sale_id`` is the client sale id the cart will be billed under."""
    __tablename__ = "held_sales"
    __table_args__ = (Index("ix_held_sales_terminal_state", "terminal", "state"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    cart_json: Mapped[str] = mapped_column(LongText)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    terminal: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(8), default="held", server_default="held")
    sale_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


# ---------------------------------------------------------------- purchasing

class PurchaseOrder(Base):
    __tablename__ = "purchase_orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    #: draft | ordered | partially_received | received | cancelled
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ordered_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    notes: Mapped[str] = mapped_column(String(400), default="")
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    lines: Mapped[list["PurchaseOrderLine"]] = relationship(back_populates="order", order_by="PurchaseOrderLine.id")
    supplier: Mapped["Supplier"] = relationship()


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    qty: Mapped[Decimal] = mapped_column(Qty)
    unit_cost: Mapped[Decimal] = mapped_column(Money)
    received_qty: Mapped[Decimal] = mapped_column(Qty, default=Decimal("0"))
    order: Mapped["PurchaseOrder"] = relationship(back_populates="lines")


# ---------------------------------------------------------------- day end

class DayClose(Base):
    """A closed business day per terminal (Z report), stored once."""
    __tablename__ = "day_closes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date)
    terminal: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    opening_float: Mapped[Decimal] = mapped_column(Money)
    expected_cash: Mapped[Decimal] = mapped_column(Money)
    counted_cash: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    difference: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    report_json: Mapped[str] = mapped_column(LongText)
    __table_args__ = (UniqueConstraint("business_date", "terminal", name="uq_day_closes_date_terminal"),)


# ---------------------------------------------------------------- analytics summaries
# Derived data only: rebuilt from the tables above by services/insight/summaries.py for
# days up to a watermark (kept in ``settings`` under 'analytics.summary'); days after it
# are always computed live, so these tables can be dropped and rebuilt at any time.

class SummaryDay(Base):
    """Per business date: invoice totals and credit-note (return) totals."""
    __tablename__ = "summary_day"
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    invoices: Mapped[int] = mapped_column(Integer, default=0)
    gross_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    discount_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    taxable_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    tax_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    grand_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    returns: Mapped[int] = mapped_column(Integer, default=0)
    return_taxable: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    return_tax: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    return_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))


class SummaryDayKey(Base):
    """Per business date and a key of one dimension (product, customer, category, hour...)."""
    __tablename__ = "summary_day_key"
    dim: Mapped[str] = mapped_column(String(8), primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    qty: Mapped[Decimal] = mapped_column(Qty, default=Decimal("0"))
    a1: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    a2: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))


class SummaryMonthKey(Base):
    """Whole calendar months of ``summary_day_key`` for the big dimensions (product, customer)."""
    __tablename__ = "summary_month_key"
    dim: Mapped[str] = mapped_column(String(8), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    qty: Mapped[Decimal] = mapped_column(Qty, default=Decimal("0"))
    a1: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    a2: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))


class SummaryCustomerFirst(Base):
    """The business date of each customer's first invoice (for cohort retention)."""
    __tablename__ = "summary_customer_first"
    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_date: Mapped[dt.date] = mapped_column(Date, index=True)


class SummaryCohort(Base):
    """Distinct customers of cohort week ``cohort_week`` who bought in week ``active_week``."""
    __tablename__ = "summary_cohort"
    cohort_week: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    active_week: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    customers: Mapped[int] = mapped_column(Integer, default=0)


# ---------------------------------------------------------------- devices

class PrintJob(Base):
    """One print job of a terminal (a receipt, an A4 invoice, labels, a drawer kick): what was asked,
    whether it reached the printer, and why not — a failed job is retried from the Invoices screen."""
    __tablename__ = "print_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    terminal: Mapped[str] = mapped_column(String(64), default="")
    #: receipt | a4 | label | drawer | test
    kind: Mapped[str] = mapped_column(String(16))
    #: the invoice number printed ('' for a test page or a drawer kick)
    document: Mapped[str] = mapped_column(String(16), default="")
    #: pending | sent | failed
    status: Mapped[str] = mapped_column(String(12), default="pending")
    #: offline | paper_out | not_found | missing_tool | error ('' when sent)
    reason: Mapped[str] = mapped_column(String(16), default="")
    error: Mapped[str] = mapped_column(String(400), default="")
    printer: Mapped[str] = mapped_column(String(200), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    username: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    __table_args__ = (
        Index("ix_print_jobs_status_terminal", "status", "terminal"),
        Index("ix_print_jobs_document", "document"),
    )
