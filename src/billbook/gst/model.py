"""Plain data the returns are built from: what an issued invoice or credit note says.

The service fills these from the stored documents; nothing here knows about the database.
Amounts are Decimal to the paisa, quantities Decimal to 0.001, rates Decimal percentages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from billbook.domain.money import ZERO

#: GSTR-1 Table 5 (B2C large): inter-state invoices to unregistered buyers ABOVE this value
#: (₹1,00,000 since 1 August 2024, Notification 12/2024-CT; it was ₹2,50,000 before)
B2CL_LIMIT = Decimal("100000")


def is_service(hsn: str) -> bool:
    """A SAC (services) code: chapter 99."""
    return (hsn or "").startswith("99")


@dataclass(frozen=True)
class Line:
    """One line of an invoice or credit note, with its stored figures."""
    hsn: str
    description: str
    uqc: str                     # GST unit quantity code (NOS, KGS...)
    qty: Decimal
    rate: Decimal                # GST %, e.g. Decimal("18")
    taxable: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    total: Decimal               # taxable + taxes
    unit_price: Decimal = ZERO   # as billed (tax-inclusive when ``tax_inclusive``)
    gross: Decimal = ZERO        # qty × unit price
    discount: Decimal = ZERO
    tax_inclusive: bool = False

    @property
    def service(self) -> bool:
        return is_service(self.hsn)

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst


@dataclass(frozen=True)
class Party:
    """Buyer or seller as an e-invoice names it."""
    gstin: str
    name: str
    address: str = ""
    locality: str = ""
    pincode: str = ""
    state_code: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Invoice:
    number: str
    date: dt.date
    value: Decimal                # grand total (the invoice value)
    place_of_supply: str          # two-digit state code
    inter_state: bool
    buyer_gstin: str = ""
    buyer_name: str = ""
    doc_type: str = "tax_invoice"  # tax_invoice | bill_of_supply
    cancelled: bool = False
    lines: tuple[Line, ...] = field(default_factory=tuple)

    @property
    def registered(self) -> bool:
        return bool(self.buyer_gstin)

    @property
    def b2c_large(self) -> bool:
        """GSTR-1 Table 5: inter-state, unregistered buyer, invoice value above ₹1,00,000."""
        return not self.registered and self.inter_state and self.value > B2CL_LIMIT


@dataclass(frozen=True)
class CreditNote:
    """A credit note with what GSTR-1 needs of the invoice it was issued against."""
    number: str
    date: dt.date
    value: Decimal
    invoice: Invoice              # the original (its lines may be left empty)
    place_of_supply: str = ""     # default: the invoice's
    lines: tuple[Line, ...] = field(default_factory=tuple)

    @property
    def pos(self) -> str:
        return self.place_of_supply or self.invoice.place_of_supply


@dataclass(frozen=True)
class Period:
    """A return period: one month, or a quarter (its ``fp`` is the quarter's last month)."""
    label: str                    # 2026-11 or 2026-Q3
    start: dt.date
    end: dt.date

    @property
    def fp(self) -> str:
        """The portal's return period: MMYYYY of the last month."""
        return f"{self.end.month:02d}{self.end.year}"


def parse_period(text: str) -> Period:
    """``YYYY-MM`` (a month) or ``YYYY-Qn`` (a calendar quarter: Q1 January–March … Q4
    October–December — the same months as the GST quarters of the financial year, e.g.
    2026-Q3 is July–September 2026, filed as 092026). Raises ValueError with a plain message."""
    raw = (text or "").strip().upper()
    try:
        year_text, part = raw.split("-", 1)
        year = int(year_text)
        if len(year_text) != 4 or not 2017 <= year <= 2099:
            raise ValueError
        if part.startswith("Q"):
            q = int(part[1:])
            if not 1 <= q <= 4 or len(part) != 2:
                raise ValueError
            first, last = 3 * q - 2, 3 * q
        else:
            if len(part) != 2:
                raise ValueError
            first = last = int(part)
            if not 1 <= first <= 12:
                raise ValueError
    except ValueError:
        raise ValueError(f"{text!r} is not a period like 2026-11 (a month) or 2026-Q3 (a quarter)") from None
    start = dt.date(year, first, 1)
    end = (dt.date(year + (last == 12), last % 12 + 1, 1) - dt.timedelta(days=1))
    return Period(f"{year}-{part}", start, end)
