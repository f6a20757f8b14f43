"""Cart, GST, discount, round-off and payment arithmetic (pure: no database, no Tk).

How a bill is computed, line by line (all amounts Decimal, rounded half-up to the paisa):

1. ``gross = qty × unit_price`` (rounded to the paisa).
2. Line discount: an amount (``"10"``) or a percentage of the gross (``"5%"``); never more
   than the gross.
3. Bill discount (``"50"`` or ``"5%"`` of the bill after line discounts) is spread over the
   lines in proportion to their value after line discounts, to the paisa; leftover paise
   go to the lines with the largest remainders (ties: the earlier line), so the shares
   always add up to the bill discount exactly and no line goes below zero.
4. ``net = gross − discounts``. Tax-exclusive price: ``taxable = net``, and the tax per line
   is computed on it: same state → ``CGST = SGST = round(taxable × rate/2 ÷ 100)``; other
   state → ``IGST = round(taxable × rate ÷ 100)``.
5. Tax-inclusive price (the MRP printed on a pack: selling above it is not allowed): the line
   amount is exactly ``net``, and the tax is carved out of it: same state → ``CGST = SGST =
   round(net × rate/2 ÷ (100 + rate))``; other state → ``IGST = round(net × rate ÷ (100 +
   rate))``; ``taxable = net − taxes``. (₹40 at 28 %: CGST = SGST = 4.38, taxable 31.24,
   total exactly 40.00; 3 × ₹90 at 18 %: 270.00.)
   A composition or unregistered shop charges no tax at all (its document is a bill of supply).
6. ``line total = taxable + CGST + SGST + IGST`` (for an inclusive line: exactly ``net``);
   what the customer owes before round-off is the sum of line totals.
7. Round-off: with the shop's ``round_off`` on, the grand total is that amount rounded
   half-up to the rupee; ``round_off = grand_total − Σ line totals``.

Invariants (property-tested): Σ lines = totals; CGST = SGST; taxable + tax + round-off =
grand total; an inclusive line's total is exactly qty × price − discount; no line is ever
negative.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from billbook.domain.lines import BillLine
from billbook.domain.money import (
    MAX_AMOUNT, PAISA, ZERO, D, MoneyError, parse_amount, round_money, round_rupee,
)

HUNDRED = Decimal("100")
PAYMENT_MODES = ("cash", "upi", "card", "netbanking", "credits", "account")
#: modes where real money changes hands (they earn loyalty credits)
MONEY_MODES = ("cash", "upi", "card", "netbanking")


class CartError(ValueError):
    """A cart or payment that can't be billed; ``field`` names the input at fault."""

    def __init__(self, field: str | None, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


# ---------------------------------------------------------------- discounts

@dataclass(frozen=True, slots=True)
class Discount:
    """A discount as typed: an amount of rupees or a percentage."""
    value: Decimal
    percent: bool = False

    @property
    def text(self) -> str:
        if self.percent:
            return f"{format(self.value.normalize(), 'f')}%"
        return str(self.value)

    def amount_of(self, base: Decimal) -> Decimal:
        """The discount in rupees on ``base`` (a percentage is rounded half-up to the paisa)."""
        if self.percent:
            return round_money(base * self.value / HUNDRED)
        return self.value


def parse_discount(text: str | Decimal | int | Discount | None, *, field: str = "discount") -> Discount | None:
    """``"10"`` → ₹10 off, ``"5%"`` → 5 % off; empty → None. Refuses negative, >100 %, junk."""
    if text is None or isinstance(text, Discount):
        return text
    raw = str(text).strip()
    if not raw:
        return None
    if raw.endswith("%"):
        try:
            value = D(raw[:-1])
        except (MoneyError, TypeError):
            raise CartError(field, f"{raw!r} is not a percentage") from None
        if value < 0 or value > 100:
            raise CartError(field, f"a percentage discount must be between 0 and 100 (got {raw})")
        if value != value.quantize(Decimal("0.01")):
            raise CartError(field, f"at most 2 decimal places in a percentage (got {raw})")
        return Discount(value, True)
    try:
        value = parse_amount(raw, field=field)
    except MoneyError as exc:
        raise CartError(field, str(exc).split(": ", 1)[-1]) from None
    return Discount(value, False)


def spread(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` over ``weights`` in proportion, to the paisa, shares summing exactly.

    Largest-remainder method; ties go to the earlier index. No share exceeds its weight
    when ``total <= sum(weights)`` and weights are non-negative.
    """
    whole = sum(weights, ZERO)
    if total == 0 or whole == 0:
        return [ZERO for _ in weights]
    if total > whole:
        raise CartError("discount", f"the discount {total} is more than the bill ({whole})")
    raw = [total * w / whole for w in weights]
    shares = [round_money(r, ROUND_DOWN) for r in raw]
    left = int((total - sum(shares, ZERO)) / PAISA)
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - shares[i]), i))
    for i in order[:left]:
        shares[i] += PAISA
    return shares


# ---------------------------------------------------------------- cart lines

@dataclass(frozen=True, slots=True)
class CartItem:
    """One line of a cart: a product snapshot, the quantity and an optional line discount."""
    sku: str
    name: str
    unit_price: Decimal
    gst_rate: Decimal
    qty: Decimal
    tax_inclusive: bool = False
    discount: Discount | None = None
    hsn: str = ""
    unit: str = "pcs"
    product_id: int | None = None
    category_id: int | None = None
    cost_price: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class CartTotals:
    lines: tuple[BillLine, ...]
    inter_state: bool
    charges_gst: bool
    bill_discount: Discount | None
    gross_total: Decimal
    discount_total: Decimal
    taxable_total: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    round_off: Decimal
    grand_total: Decimal

    @property
    def tax_total(self) -> Decimal:
        return self.cgst + self.sgst + self.igst

    @property
    def doc_type(self) -> str:
        return "tax_invoice" if self.charges_gst else "bill_of_supply"


def _line_tax(taxable: Decimal, rate: Decimal, inter_state: bool) -> tuple[Decimal, Decimal, Decimal]:
    if inter_state:
        return ZERO, ZERO, round_money(taxable * rate / HUNDRED)
    half = round_money(taxable * rate / (2 * HUNDRED))
    return half, half, ZERO


def inclusive_tax(amount: Decimal, rate: Decimal, inter_state: bool) -> tuple[Decimal, Decimal, Decimal]:
    """(CGST, SGST, IGST) carved out of a tax-inclusive ``amount``: CGST = SGST =
    round(amount × rate/2 ÷ (100 + rate)), or IGST = round(amount × rate ÷ (100 + rate));
    the taxable value is what is left (``amount`` less them)."""
    if inter_state:
        return ZERO, ZERO, round_money(amount * rate / (HUNDRED + rate))
    half = round_money(amount * rate / (2 * (HUNDRED + rate)))
    return half, half, ZERO


def compute_cart(items: Sequence[CartItem], *, inter_state: bool = False, charges_gst: bool = True,
                 bill_discount: Discount | None = None, round_off: bool = True) -> CartTotals:
    """Every figure of a bill from its items (see the module docstring for the rules)."""
    if not items:
        raise CartError("items", "the cart is empty")
    grosses: list[Decimal] = []
    line_discounts: list[Decimal] = []
    for n, item in enumerate(items, 1):
        if item.qty <= 0:
            raise CartError("quantity", f"line {n} ({item.sku}): quantity must be more than zero")
        if item.unit_price < 0:
            raise CartError("price", f"line {n} ({item.sku}): price must not be negative")
        gross = round_money(item.qty * item.unit_price)
        if gross > MAX_AMOUNT:
            raise CartError("quantity", f"line {n} ({item.sku}): {gross} is too large for one line")
        disc = item.discount.amount_of(gross) if item.discount else ZERO
        if disc > gross:
            raise CartError("discount", f"line {n} ({item.sku}): discount {disc} is more than the line ({gross})")
        grosses.append(gross)
        line_discounts.append(disc)
    after_line = [g - d for g, d in zip(grosses, line_discounts)]
    bill_amount = bill_discount.amount_of(sum(after_line, ZERO)) if bill_discount else ZERO
    shares = spread(bill_amount, after_line)

    lines = []
    # the bill's sums, added up line by line as the lines are made
    gross_t = disc_t = taxable_t = cgst_t = sgst_t = igst_t = total_t = owed = ZERO
    for item, gross, disc, share in zip(items, grosses, line_discounts, shares):
        net = gross - disc - share
        rate = item.gst_rate if charges_gst else ZERO
        if item.tax_inclusive and rate:
            # the line amount is exactly net (the printed price); the tax is carved out of it
            cgst, sgst, igst = inclusive_tax(net, rate, inter_state)
            taxable = net - cgst - sgst - igst
        else:
            taxable = net
            cgst, sgst, igst = _line_tax(taxable, rate, inter_state)
        total = taxable + cgst + sgst + igst
        payable = total  # a tax-inclusive line's total is exactly its net amount
        lines.append(BillLine(
            sku=item.sku, name=item.name, qty=item.qty, unit_price=item.unit_price, gst_rate=rate,
            tax_inclusive=item.tax_inclusive, hsn=item.hsn, unit=item.unit, product_id=item.product_id,
            category_id=item.category_id, cost_price=item.cost_price, line_no=len(lines) + 1, gross=gross,
            discount=disc + share, taxable=taxable, cgst=cgst, sgst=sgst, igst=igst, total=total,
            line_discount=disc, bill_discount=share))
        gross_t += gross
        disc_t += disc + share
        taxable_t += taxable
        cgst_t += cgst
        sgst_t += sgst
        igst_t += igst
        total_t += total
        owed += payable

    grand = round_rupee(owed) if round_off else owed
    if grand > MAX_AMOUNT:
        raise CartError("items", f"the bill total {grand} is too large")
    return CartTotals(
        lines=tuple(lines), inter_state=inter_state, charges_gst=charges_gst, bill_discount=bill_discount,
        gross_total=gross_t, discount_total=disc_t, taxable_total=taxable_t, cgst=cgst_t, sgst=sgst_t,
        igst=igst_t, round_off=grand - total_t, grand_total=grand,
    )


# ---------------------------------------------------------------- payments

@dataclass(frozen=True, slots=True)
class PaymentInput:
    """A payment as entered. ``amount=None`` means "the rest of the bill" (at most one such)."""
    mode: str
    amount: Decimal | None = None
    tendered: Decimal | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class Settlement:
    """Payments as they will be recorded, and what they mean for the customer."""
    payments: tuple[PaymentInput, ...]      # amounts final; cash carries tendered
    change: Decimal
    paid_total: Decimal                     # everything except 'account'
    money_paid: Decimal                     # cash/upi/card/netbanking: earns loyalty
    credits_amount: Decimal                 # rupees paid with loyalty credits
    due: Decimal                            # put on the customer's account
    extras: dict = field(default_factory=dict)


def settle(grand_total: Decimal, payments: Iterable[PaymentInput]) -> Settlement:
    """Check that ``payments`` pay ``grand_total`` exactly (cash may be tendered above it).

    Over-payment is accepted only as cash: the cash amount becomes what is due and the
    difference is change (``tendered`` records the note handed over).
    """
    pays = list(payments)
    for p in pays:
        if p.mode not in PAYMENT_MODES:
            raise CartError("payment", f"unknown payment mode {p.mode!r}; use {', '.join(PAYMENT_MODES)}")
        if p.amount is not None and p.amount <= 0:
            raise CartError("payment", f"{p.mode}: the amount must be more than zero")
        if p.amount is not None and p.amount > MAX_AMOUNT:
            raise CartError("payment", f"{p.mode}: {p.amount} is too large")
        if p.tendered is not None and p.mode != "cash":
            raise CartError("payment", "only cash can be tendered above the amount (change)")
        if p.reference is not None and len(p.reference) > 64:
            raise CartError("payment", "a payment reference is at most 64 characters")
    if sum(1 for p in pays if p.mode == "cash") > 1:
        raise CartError("payment", "give cash as one payment")
    rest = [i for i, p in enumerate(pays) if p.amount is None]
    if len(rest) > 1:
        raise CartError("payment", "only one payment can be 'the rest of the bill'")
    fixed = sum((p.amount for p in pays if p.amount is not None), ZERO)
    if rest:
        remaining = grand_total - fixed
        i = rest[0]
        if remaining < 0:
            raise CartError("payment", f"the other payments ({fixed}) are more than the bill ({grand_total})")
        if remaining == 0:
            del pays[i]          # nothing left to pay this way
        else:
            p = pays[i]
            pays[i] = PaymentInput(p.mode, remaining, p.tendered, p.reference)
    if not pays and grand_total != 0:
        raise CartError("payment", f"no payment given for a bill of {grand_total}")
    total = sum((p.amount for p in pays), ZERO)
    change = ZERO
    if total > grand_total:
        excess = total - grand_total
        cash_i = next((i for i, p in enumerate(pays) if p.mode == "cash"), None)
        if cash_i is None or pays[cash_i].amount <= excess:
            raise CartError("payment", f"payments add up to {total} but the bill is {grand_total}")
        cash = pays[cash_i]
        pays[cash_i] = PaymentInput(cash.mode, cash.amount - excess, cash.tendered or cash.amount, cash.reference)
        total = grand_total
    elif total < grand_total:
        raise CartError("payment", f"payments add up to {total} but the bill is {grand_total} "
                                   f"({grand_total - total} short)")
    for i, p in enumerate(pays):
        if p.mode == "cash" and p.tendered is not None:
            if p.tendered < p.amount:
                raise CartError("payment", f"cash tendered {p.tendered} is less than the cash amount {p.amount}")
            change = p.tendered - p.amount
    pays = [p for p in pays if p.amount and p.amount > 0]
    by_mode = lambda modes: sum((p.amount for p in pays if p.mode in modes), ZERO)  # noqa: E731
    return Settlement(
        payments=tuple(pays), change=change,
        paid_total=by_mode(MONEY_MODES + ("credits",)), money_paid=by_mode(MONEY_MODES),
        credits_amount=by_mode(("credits",)), due=by_mode(("account",)),
    )


def credits_for(amount: Decimal, credit_value: Decimal) -> Decimal:
    """Credits needed to pay ``amount`` rupees at ``credit_value`` rupees a credit (rounded up)."""
    if credit_value <= 0:
        raise CartError("payment", "paying with credits is switched off in this shop")
    return round_money(amount / credit_value, ROUND_UP)


def credits_refunded(amount: Decimal, credit_value: Decimal) -> Decimal:
    """Credits given for a refund of ``amount`` rupees at ``credit_value`` rupees a credit
    (rounded down: never more than the money refunded)."""
    if credit_value <= 0:
        raise CartError("refund", "store credits are switched off in this shop")
    return round_money(amount / credit_value, ROUND_DOWN)


def credits_earned(money_paid: Decimal, rupees_per_credit: Decimal) -> Decimal:
    """Whole loyalty credits earned on ``money_paid`` (e.g. 1 per ₹100); 0 when loyalty is off."""
    if rupees_per_credit <= 0 or money_paid <= 0:
        return ZERO
    return round_money((money_paid / rupees_per_credit).to_integral_value(rounding=ROUND_DOWN))


def prorate(amount: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """``amount × part / whole`` rounded half-up to the paisa (for partial returns)."""
    if whole == 0:
        return ZERO
    return round_money(amount * part / whole)
