"""One invoice line, one shape: :class:`BillLine`, from the cart to the JSON and the PDF.

``domain/cart.compute_cart`` makes them (every figure of a line), checkout writes them as
``invoice_lines`` rows and returns them, the cart preview shows them, an issued invoice is
read back as them, ``--json`` prints :meth:`BillLine.to_json` and the documents render them.
A new column of a line is one new field here (and the row it is stored in).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal

from billbook.domain.money import ZERO, money_str, price_str, qty_str


def rate_str(rate: Decimal) -> str:
    """'5', '18', '0.25' (no trailing zeros, never exponent notation)."""
    return format(rate.normalize(), "f")


@dataclass(frozen=True, slots=True)
class BillLine:
    """One line of a bill: the product as sold (a snapshot), the quantity and every figure.

    ``discount`` is the line's discount plus its share of the bill discount; a line just
    computed also knows the two parts (``line_discount``, ``bill_discount``), a stored line
    only their sum (the parts are None). ``returned_qty``: a stored line, how much came back
    on credit notes; ``available``: a cart preview, the stock now (may be less than ``qty``).
    """
    sku: str
    name: str
    qty: Decimal
    unit_price: Decimal
    gst_rate: Decimal                   # the rate charged (0 on a bill of supply)
    tax_inclusive: bool = False
    hsn: str = ""
    unit: str = "pcs"
    product_id: int | None = None
    category_id: int | None = None
    cost_price: Decimal = ZERO
    line_no: int = 0
    gross: Decimal = ZERO               # qty × unit price
    discount: Decimal = ZERO
    taxable: Decimal = ZERO
    cgst: Decimal = ZERO
    sgst: Decimal = ZERO
    igst: Decimal = ZERO
    total: Decimal = ZERO               # taxable + taxes
    line_discount: Decimal | None = field(default=None, compare=False)
    bill_discount: Decimal | None = field(default=None, compare=False)
    returned_qty: Decimal = ZERO
    available: Decimal | None = None

    @property
    def no(self) -> int:
        """The line's number as printed (1, 2, 3...)."""
        return self.line_no

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst

    @property
    def payable(self) -> Decimal:
        """What the customer owes for this line before round-off: an inclusive price is paid
        as it is (gross less discounts); otherwise the taxable value plus taxes."""
        return self.gross - self.discount if self.tax_inclusive else self.total

    @classmethod
    def from_row(cls, row, **more) -> BillLine:
        """The line from a stored ``invoice_lines`` row (any object with those attributes)."""
        return cls(**{name: getattr(row, name) for name in _ROW_FIELDS}, **more)

    def row(self) -> dict:
        """The line's columns as stored in ``invoice_lines`` (without ``invoice_id``)."""
        return {name: getattr(self, name) for name in _ROW_FIELDS}

    def to_json(self) -> dict:
        out = {"line_no": self.line_no, "sku": self.sku, "name": self.name, "hsn": self.hsn, "unit": self.unit,
               "qty": qty_str(self.qty), "unit_price": price_str(self.unit_price),
               "tax_inclusive": self.tax_inclusive, "gross": money_str(self.gross),
               "discount": money_str(self.discount), "taxable": money_str(self.taxable),
               "gst_rate": rate_str(self.gst_rate), "cgst": money_str(self.cgst), "sgst": money_str(self.sgst),
               "igst": money_str(self.igst), "total": money_str(self.total),
               "returned_qty": qty_str(self.returned_qty)}
        if self.available is not None:
            out["available"] = qty_str(self.available)
        return out


#: the fields stored as ``invoice_lines`` columns of the same names
_ROW_FIELDS = tuple(f.name for f in fields(BillLine)
                    if f.name not in ("line_discount", "bill_discount", "returned_qty", "available"))
