"""What a document says: plain dataclasses the renderers draw (no database, no reportlab).

``services/selling/document_data.py`` fills these from stored rows — an issued invoice or credit
note only ever from its own stored figures and shop snapshot — and tests build them by
hand. Every amount is a ``Decimal`` exactly as stored; renderers format, never compute
money (the only sums they show are the per-rate tax summary, a grouping of the stored
per-line figures).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from billbook.domain.gst import GstScheme, state_name
from billbook.domain.lines import BillLine
from billbook.domain.money import ZERO


TAX_INVOICE = "tax_invoice"
BILL_OF_SUPPLY = "bill_of_supply"


@dataclass(frozen=True)
class ShopHeader:
    """The supplier as printed: taken from the invoice's shop snapshot, logo from the shop row."""
    name: str
    address: str = ""
    phone: str = ""
    email: str = ""
    gstin: str = ""
    state_code: str = ""
    gst_scheme: str = GstScheme.REGULAR.value
    upi_vpa: str = ""
    footer_text: str = ""
    logo: bytes | None = None
    currency: str = "INR"
    locale: str = "en_IN"
    pincode: str = ""
    locality: str = ""

    @property
    def state(self) -> str:
        return state_label(self.state_code)


@dataclass(frozen=True)
class Party:
    """A recipient (customer) or a supplier, as the document names them."""
    name: str
    phone: str = ""
    address: str = ""
    gstin: str = ""
    state_code: str = ""
    email: str = ""

    @property
    def registered(self) -> bool:
        return bool(self.gstin)

    @property
    def state(self) -> str:
        return state_label(self.state_code)


@dataclass(frozen=True)
class PaymentDoc:
    mode: str
    amount: Decimal
    tendered: Decimal | None = None
    reference: str | None = None


@dataclass(frozen=True)
class TaxRateRow:
    """One row of the tax summary: everything taxed at ``rate``."""
    rate: Decimal
    taxable: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst


def tax_summary(lines) -> list[TaxRateRow]:
    """Group the stored per-line figures by GST rate (ascending)."""
    groups: dict[Decimal, list[Decimal]] = {}
    for line in lines:
        acc = groups.setdefault(Decimal(line.gst_rate).normalize(), [ZERO, ZERO, ZERO, ZERO])
        acc[0] += line.taxable
        acc[1] += line.cgst
        acc[2] += line.sgst
        acc[3] += line.igst
    return [TaxRateRow(rate, *acc) for rate, acc in sorted(groups.items())]


@dataclass(frozen=True)
class InvoiceDoc:
    """A tax invoice or bill of supply, exactly as issued."""
    shop: ShopHeader
    number: str
    issued_at: dt.datetime
    cashier: str
    lines: tuple[BillLine, ...]
    gross_total: Decimal
    discount_total: Decimal
    taxable_total: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    round_off: Decimal
    grand_total: Decimal
    place_of_supply: str
    inter_state: bool = False
    doc_type: str = TAX_INVOICE
    customer: Party | None = None
    payments: tuple[PaymentDoc, ...] = ()
    paid_total: Decimal = ZERO
    change: Decimal = ZERO
    due_amount: Decimal = ZERO
    #: customer's dues balance after this invoice (None: no customer)
    dues_after: Decimal | None = None
    credits_earned: Decimal = ZERO
    credits_redeemed: Decimal = ZERO
    #: customer's loyalty credits after this invoice (None: no customer / no loyalty)
    credits_balance: Decimal | None = None
    bill_discount_text: str = ""
    terminal: str = ""
    status: str = "issued"
    duplicate: bool = False
    #: where the goods go (Rule 46(k)); printed only when it is not the recipient's address
    delivery_address: str | None = None

    @property
    def delivery_to_print(self) -> str:
        """The delivery address when it differs from the recipient's, else ''."""
        delivery = (self.delivery_address or "").strip()
        billed = (self.customer.address if self.customer is not None else "").strip()
        return delivery if delivery and delivery.casefold() != billed.casefold() else ""

    @property
    def is_bill_of_supply(self) -> bool:
        return self.doc_type == BILL_OF_SUPPLY

    @property
    def title(self) -> str:
        return "BILL OF SUPPLY" if self.is_bill_of_supply else "TAX INVOICE"

    @property
    def place_of_supply_label(self) -> str:
        return state_label(self.place_of_supply)

    @property
    def tax_rows(self) -> list[TaxRateRow]:
        return tax_summary(self.lines)

    @property
    def amount_to_pay(self) -> Decimal:
        """What is still to be paid on this invoice (put on the customer's account)."""
        return self.due_amount if self.due_amount > 0 else ZERO


@dataclass(frozen=True)
class CreditNoteLineDoc:
    no: int
    name: str
    hsn: str
    qty: Decimal
    unit: str
    taxable: Decimal
    gst_rate: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    total: Decimal
    sku: str = ""


@dataclass(frozen=True)
class CreditNoteDoc:
    shop: ShopHeader
    number: str
    issued_at: dt.datetime
    user: str
    invoice_number: str
    invoice_date: dt.datetime
    lines: tuple[CreditNoteLineDoc, ...]
    taxable_total: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    round_off: Decimal
    total: Decimal
    place_of_supply: str
    inter_state: bool = False
    #: the original invoice's type: a bill of supply's credit note carries no GST
    doc_type: str = TAX_INVOICE
    customer: Party | None = None
    reason: str = ""
    refund_mode: str = "cash"
    refunds: tuple[PaymentDoc, ...] = ()

    @property
    def is_bill_of_supply(self) -> bool:
        return self.doc_type == BILL_OF_SUPPLY

    @property
    def place_of_supply_label(self) -> str:
        return state_label(self.place_of_supply)

    @property
    def tax_rows(self) -> list[TaxRateRow]:
        return tax_summary(self.lines)


@dataclass(frozen=True)
class PurchaseLineDoc:
    no: int
    name: str
    sku: str
    hsn: str
    unit: str
    qty: Decimal
    unit_cost: Decimal
    amount: Decimal
    received_qty: Decimal = ZERO


@dataclass(frozen=True)
class PurchaseOrderDoc:
    shop: ShopHeader
    number: str
    created_at: dt.datetime
    supplier: Party
    lines: tuple[PurchaseLineDoc, ...]
    total: Decimal
    status: str = "draft"
    ordered_at: dt.datetime | None = None
    created_by: str = ""
    notes: str = ""


@dataclass
class RenderResult:
    """What a renderer reports besides the PDF: pages drawn and any warnings (bad logo...)."""
    pages: int = 0
    warnings: list[str] = field(default_factory=list)


def state_label(code: str) -> str:
    """'Maharashtra (27)'; just the code when it is unknown; '' when empty."""
    if not code:
        return ""
    name = state_name(code)
    return f"{name} ({code})" if name != code else code


@dataclass(frozen=True)
class StatementEntryDoc:
    """One dues-ledger movement: ``debit`` put on account (a sale), ``credit`` paid or returned."""
    at: dt.datetime
    particulars: str
    reference: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass(frozen=True)
class StatementInvoiceDoc:
    """An invoice with dues still open: what went on account, what was settled, what is left."""
    number: str
    issued_at: dt.datetime
    due: Decimal
    settled: Decimal
    outstanding: Decimal


@dataclass(frozen=True)
class StatementLoyaltyDoc:
    at: dt.datetime
    particulars: str
    delta: Decimal
    balance: Decimal


@dataclass(frozen=True)
class StatementDoc:
    """A customer's statement of account: dues ledger, open invoices, loyalty credits.

    ``entries`` are the latest ledger movements, oldest first; ``opening_balance`` is the
    balance before the first of them (non-zero when older entries are left out).
    """
    shop: ShopHeader
    customer: Party
    issued_at: dt.datetime
    entries: tuple[StatementEntryDoc, ...]
    opening_balance: Decimal
    total_debit: Decimal
    total_credit: Decimal
    dues_balance: Decimal
    credits_balance: Decimal
    open_invoices: tuple[StatementInvoiceDoc, ...] = ()
    loyalty: tuple[StatementLoyaltyDoc, ...] = ()
    #: True when older ledger entries were left out (only the latest are listed)
    truncated: bool = False
    visits: int = 0
    total_spent: Decimal = ZERO
    issued_by: str = ""
