"""The counter's open cart as a plain model: lines, discounts, customer, payments, undo.

No Tk and no database: the billing screen shows a :class:`CounterCart` and sends it to the
services; unit tests drive it directly. Prices, tax and stock are not computed here (the
checkout service previews them); this module holds the rules of *editing* a cart:

- a product added again adds to its line; a quantity that drops to zero removes the line;
- quantities are positive, at most 3 decimals; line and bill discounts are an amount or a
  percentage and never negative (``-5`` is refused, not taken as ₹5);
- a line may be sold at a price other than the catalog's (a price override: more than zero;
  the catalog price again, or nothing, takes it back); whether it needs an admin's approval
  is the counter's and the checkout service's business, not this model's;
- every change can be undone (:meth:`CounterCart.undo`), and a change the service refuses
  is rolled back with :meth:`CounterCart.restore`;
- a cart keeps one ``sale_id`` until it is billed, so a retry (or a cart recovered after a
  crash) can never bill twice;
- payment parts of a split payment and what is left to pay, the change, and the warnings
  the payment panel shows (:func:`payment_status`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from billbook.domain.cart import PAYMENT_MODES, CartError, Discount, parse_discount
from billbook.domain.money import ZERO, MoneyError, format_number, parse_amount, parse_price, parse_qty

UNDO_DEPTH = 50


def new_sale_id() -> str:
    return uuid.uuid4().hex


def check_discount(text: str | None, *, field: str = "discount") -> str:
    """The discount as it will be sent ("" for none); raises CartError for junk or a negative."""
    raw = (text or "").strip()
    if raw.startswith(("-", "−")):
        raise CartError(field, "a discount cannot be negative")
    disc: Discount | None = parse_discount(raw, field=field)
    return disc.text if disc is not None else ""


def _more_than_zero(parse, text: str | Decimal, field: str, what: str) -> Decimal:
    """``parse(text)``, as a CartError naming ``field`` for junk, zero or a negative."""
    try:
        value = parse(text, field=field)
    except MoneyError as exc:
        raise CartError(field, str(exc).split(": ", 1)[-1]) from None
    if value <= 0:
        raise CartError(field, f"the {what} must be more than zero")
    return value


def check_qty(text: str | Decimal, *, field: str = "quantity") -> Decimal:
    return _more_than_zero(parse_qty, text, field, "quantity")


def check_price(text: str | Decimal | None, *, field: str = "price") -> Decimal | None:
    """A unit price typed at the counter (None for none); raises CartError for junk, zero or a
    negative."""
    raw = text.strip() if isinstance(text, str) else text
    if raw is None or raw == "":
        return None
    return _more_than_zero(parse_price, raw, field, "price")


def check_line_price(product, text: str | Decimal | None) -> Decimal | None:
    """:func:`check_price` for a line of ``product``: and never above a tax-inclusive
    product's price, which is the MRP printed on the pack (checkout refuses it too)."""
    price = check_price(text)
    if price is not None and getattr(product, "tax_inclusive", False) and price > product.price:
        raise CartError("price", f"not above the MRP ₹{format_number(product.price)}")
    return price


@dataclass
class CartLine:
    product: Any                 # a catalog ProductInfo: id, sku, name, price, gst_rate, active…
    qty: Decimal
    discount: str = ""
    #: the unit price this line is sold at when it is not the catalog's (a price override)
    price: Decimal | None = None

    @property
    def product_id(self) -> int:
        return self.product.id

    @property
    def unit_price(self) -> Decimal:
        """The price the line is sold at: the override, else the catalog's."""
        return self.product.price if self.price is None else self.price


@dataclass(frozen=True)
class PaymentPart:
    """A part of a split payment already given (its amount is fixed)."""
    mode: str
    amount: Decimal
    reference: str | None = None


@dataclass(frozen=True)
class _Snapshot:
    lines: tuple[tuple[Any, Decimal, str, Decimal | None], ...]
    customer_phone: str
    customer_name: str
    bill_discount: str
    payments: tuple[PaymentPart, ...]
    supply: tuple[str, str, str] = ("", "", "")


@dataclass
class CounterCart:
    lines: list[CartLine] = field(default_factory=list)
    customer_phone: str = ""
    customer_name: str = ""
    bill_discount: str = ""
    payments: list[PaymentPart] = field(default_factory=list)
    sale_id: str = field(default_factory=new_sale_id)
    #: GST (issue 17): the place of supply chosen ('' = the customer's state, else the shop's) and
    #: the recipient's address and state given for Rule 46(e)
    place_of_supply: str = ""
    customer_address: str = ""
    customer_state: str = ""
    #: bumped on every change (the screen saves the open cart when it moves)
    version: int = 0
    _undo: list[_Snapshot] = field(default_factory=list, repr=False, compare=False)

    # ------------------------------------------------------------------ reading
    @property
    def empty(self) -> bool:
        return not self.lines

    @property
    def qty_total(self) -> Decimal:
        return sum((ln.qty for ln in self.lines), Decimal("0"))

    def line(self, product_id: int) -> CartLine | None:
        return next((ln for ln in self.lines if ln.product.id == product_id), None)

    def items(self) -> list[tuple[int, Decimal, str | None]]:
        """``(product id, qty, discount or None)`` per line, in cart order."""
        return [(ln.product.id, ln.qty, ln.discount or None) for ln in self.lines]

    def sale_items(self) -> list[tuple[int, Decimal, str | None, Decimal | None]]:
        """``(product id, qty, discount or None, price override or None)`` per line, in cart
        order: a checkout ``SaleItem``'s fields."""
        return [(ln.product.id, ln.qty, ln.discount or None, ln.price) for ln in self.lines]

    @property
    def overridden(self) -> list[CartLine]:
        """The lines sold at a price other than the catalog's."""
        return [ln for ln in self.lines if ln.price is not None]

    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), ZERO)

    def remaining(self, due: Decimal) -> Decimal:
        return due - self.paid()

    # ------------------------------------------------------------------ undo
    def _snapshot(self) -> _Snapshot:
        return _Snapshot(tuple((ln.product, ln.qty, ln.discount, ln.price) for ln in self.lines), self.customer_phone,
                         self.customer_name, self.bill_discount, tuple(self.payments),
                         (self.place_of_supply, self.customer_address, self.customer_state))

    def _apply(self, snap: _Snapshot) -> None:
        self.lines = [CartLine(p, q, d, price) for p, q, d, price in snap.lines]
        self.customer_phone, self.customer_name = snap.customer_phone, snap.customer_name
        self.bill_discount = snap.bill_discount
        self.payments = list(snap.payments)
        self.place_of_supply, self.customer_address, self.customer_state = snap.supply
        self.version += 1

    def _checkpoint(self) -> _Snapshot:
        snap = self._snapshot()
        self._undo = (self._undo + [snap])[-UNDO_DEPTH:]
        self.version += 1
        return snap

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> bool:
        """Go back one change; False when there is nothing to undo."""
        if not self._undo:
            return False
        self._apply(self._undo.pop())
        return True

    def restore(self, snap: _Snapshot) -> None:
        """Roll back to ``snap`` (a change the service refused), dropping it from the undo list."""
        while self._undo and self._undo[-1] is not snap:
            self._undo.pop()
        if self._undo:
            self._undo.pop()
        self._apply(snap)

    # ------------------------------------------------------------------ lines
    def add(self, product, qty: Decimal | str = Decimal("1")) -> _Snapshot:
        """Add ``qty`` of ``product`` (to its line when it is already in the cart)."""
        if not getattr(product, "active", True):
            raise CartError("product", f"{product.name} ({product.sku}) is no longer sold")
        qty = check_qty(qty)
        snap = self._checkpoint()
        line = self.line(product.id)
        if line is not None:
            line.qty += qty
            line.product = product
        else:
            self.lines.append(CartLine(product, qty))
        return snap

    def change_qty(self, product_id: int, step: Decimal | int) -> _Snapshot | None:
        """+1 / −1 on a line; a line that reaches zero goes."""
        line = self.line(product_id)
        if line is None:
            return None
        snap = self._checkpoint()
        line.qty += Decimal(step)
        if line.qty <= 0:
            self.lines.remove(line)
        return snap

    def set_line(self, product_id: int, qty: Decimal | str, discount: str | None) -> _Snapshot:
        """Quantity and line discount from the line editor (both checked before anything changes)."""
        line = self.line(product_id)
        if line is None:
            raise CartError("line", "that line is no longer in the cart")
        new_qty = check_qty(qty)
        text = check_discount(discount, field="line discount")
        snap = self._checkpoint()
        line.qty, line.discount = new_qty, text
        return snap

    def set_price(self, product_id: int, price: Decimal | str | None) -> _Snapshot:
        """Sell the line at ``price`` (checked first); None, "" or the catalog price: the
        catalog's price again."""
        line = self.line(product_id)
        if line is None:
            raise CartError("line", "that line is no longer in the cart")
        value = check_line_price(line.product, price)
        if value is not None and value == line.product.price:
            value = None
        snap = self._checkpoint()
        line.price = value
        return snap

    def remove(self, product_id: int) -> _Snapshot | None:
        line = self.line(product_id)
        if line is None:
            return None
        snap = self._checkpoint()
        self.lines.remove(line)
        return snap

    # ------------------------------------------------------------------ customer and bill discount
    def set_customer(self, phone: str, name: str = "") -> _Snapshot:
        snap = self._checkpoint()
        self.customer_phone, self.customer_name = (phone or "").strip(), (name or "").strip()
        return snap

    def walk_in(self) -> _Snapshot:
        return self.set_customer("", "")

    def set_place_of_supply(self, code: str | None) -> _Snapshot:
        snap = self._checkpoint()
        self.place_of_supply = (code or "").strip()
        return snap

    def set_recipient(self, address: str, state: str) -> _Snapshot:
        """The recipient's address and state (Rule 46(e))."""
        snap = self._checkpoint()
        self.customer_address, self.customer_state = (address or "").strip(), (state or "").strip()
        return snap

    def set_bill_discount(self, text: str | None) -> _Snapshot:
        value = check_discount(text, field="bill discount")
        snap = self._checkpoint()
        self.bill_discount = value
        return snap

    # ------------------------------------------------------------------ payments
    def add_payment(self, mode: str, amount: Decimal | str, reference: str | None = None) -> _Snapshot:
        """Record a part of a split payment."""
        if mode not in PAYMENT_MODES:
            raise CartError("payment", f"unknown payment mode {mode!r}")
        try:
            value = parse_amount(amount, field="amount")
        except MoneyError as exc:
            raise CartError("payment", str(exc)) from None
        if value <= 0:
            raise CartError("payment", "the amount must be more than zero")
        snap = self._checkpoint()
        self.payments.append(PaymentPart(mode, value, (reference or "").strip() or None))
        return snap

    def clear_payments(self) -> None:
        if self.payments:
            self._checkpoint()
            self.payments = []

    # ------------------------------------------------------------------ whole cart
    def clear(self) -> None:
        """Start the next customer's cart (a new sale id, no undo history)."""
        self.lines, self.payments, self._undo = [], [], []
        self.customer_phone = self.customer_name = self.bill_discount = ""
        self.place_of_supply = self.customer_address = self.customer_state = ""
        self.sale_id = new_sale_id()
        self.version += 1

    def load(self, lines: Iterable[tuple], *, sale_id: str | None = None,
             customer_phone: str = "", customer_name: str = "", bill_discount: str = "") -> None:
        """Fill an empty cart from a held or recovered one (its sale id travels with it); each
        line is ``(product, qty, discount)`` or ``(product, qty, discount, price override)``."""
        self.clear()
        self.lines = [CartLine(p, Decimal(q), d or "", check_price(price) if price else None)
                      for p, q, d, price in ((*ln, None)[:4] for ln in lines)]
        self.customer_phone, self.customer_name = customer_phone or "", customer_name or ""
        self.bill_discount = bill_discount or ""
        if sale_id:
            self.sale_id = sale_id
        self.version += 1

    def copy(self) -> CounterCart:
        return CounterCart([replace(ln) for ln in self.lines], self.customer_phone, self.customer_name,
                           self.bill_discount, list(self.payments), self.sale_id, self.place_of_supply,
                           self.customer_address, self.customer_state, self.version)


# ---------------------------------------------------------------- the payment panel's figures

@dataclass(frozen=True)
class PaymentStatus:
    """What the payment panel shows for the bill, the parts given and the form as typed."""
    due: Decimal                 # the bill
    left: Decimal                # still to pay before this form's amount
    amount: Decimal | None       # this form's amount (None: not a valid amount)
    change: Decimal | None       # cash: tendered − amount when tendered covers it
    short: Decimal | None        # cash: amount − tendered when tendered is less
    warning: str = ""            # a problem the cashier must fix before completing


def payment_status(due: Decimal, parts: Iterable[PaymentPart], mode: str, amount_text: str | None,
                   tendered_text: str | None = None, *, has_customer: bool = False,
                   credits: Decimal | None = None) -> PaymentStatus:
    """Recomputed on every key press: nothing stale survives an edit."""
    left = due - sum((p.amount for p in parts), ZERO)
    warning = ""
    amount: Decimal | None
    try:
        amount = parse_amount(amount_text, field="amount") if (amount_text or "").strip() else max(left, ZERO)
    except MoneyError as exc:
        amount, warning = None, str(exc)
    change = short = None
    if mode == "cash" and amount is not None and (tendered_text or "").strip():
        try:
            tendered = parse_amount(tendered_text, field="cash tendered")
        except MoneyError as exc:
            warning = str(exc)
        else:
            if tendered >= amount:
                change = tendered - amount
            else:
                short = amount - tendered
                warning = f"Cash tendered is less than the amount (short by {short})."
    if not warning and amount is not None and amount <= 0 and left > 0:
        warning = "The amount must be more than zero."
    if not warning and mode == "account" and not has_customer:
        warning = "On account needs a customer (F4)."
    if not warning and mode == "credits" and not has_customer:
        warning = "Credits need a customer (F4)."
    elif not warning and mode == "credits" and credits is not None and amount is not None and credits <= 0:
        warning = "This customer has no credits."
    return PaymentStatus(due, left, amount, change, short, warning)


def discount_over_limit(limit: Decimal | None, gross: Decimal, discount_total: Decimal) -> bool:
    """True when a cart's discounts (line + bill) exceed the shop's limit, a percentage of gross."""
    if limit is None or gross <= 0:
        return False
    return discount_total * 100 > gross * limit
