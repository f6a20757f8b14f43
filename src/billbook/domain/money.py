"""The one place that builds, rounds and formats amounts of money.

Money is always :class:`decimal.Decimal`, rounded half-up to the paisa (0.01).
Never float: ``D(0.1)`` is refused so a float can't sneak in unnoticed.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, format_decimal

ZERO = Decimal("0.00")
PAISA = Decimal("0.01")
RUPEE = Decimal("1")
QTY_QUANTUM = Decimal("0.001")
#: a quantity of nothing, to the thousandth
QTY_ZERO = Decimal("0.000")

#: Largest amount billbook accepts anywhere (NUMERIC(12,2) holds 10 digits before the point).
MAX_AMOUNT = Decimal("9999999999.99")
MAX_QTY = Decimal("999999999.999")


class MoneyError(ValueError):
    """A value that is not a valid amount of money or quantity."""


#: what a typed number may look like: ASCII digits with at most one decimal point, an optional
#: sign; thousands grouped with commas the Indian way (1,23,456.50) or the Western way
#: (123,456.50). No exponents, underscores (1_000), other scripts' digits or spaces inside.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_GROUPED_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,2}(?:,[0-9]{2})*,[0-9]{3}|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]*)?",
                             re.ASCII)


def D(value: str | int | Decimal) -> Decimal:
    """Build a Decimal from text, int or Decimal; floats are refused.

    Text is ASCII digits with at most one decimal point (a leading ``₹``, surrounding spaces
    and comma grouping as the GUI shows amounts are accepted); ``1_000``, ``1e3``, ``NaN``,
    ``١٢٣`` are refused. Minus zero is zero.
    """
    if isinstance(value, float):
        raise TypeError("money must not be built from float; pass a string")
    if isinstance(value, bool):
        raise TypeError("money must not be built from bool")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError(f"not a finite number: {value!r}")
        return value if value or not value.is_signed() else value.copy_abs()
    if isinstance(value, int):
        return Decimal(value)
    if type(value) is str and value.isascii() and value.isdigit():       # "3": nothing to clean up
        return Decimal(value)
    text = str(value).strip()
    if text.startswith(("₹", "-₹", "+₹")):
        text = text.replace("₹", "", 1).strip() if text[0] == "₹" else text[0] + text[2:].strip()
    if _PLAIN_NUMBER.fullmatch(text) is None:
        if _GROUPED_NUMBER.fullmatch(text) is None:
            raise MoneyError(f"not a number: {value!r} (digits with at most one decimal point)")
        text = text.replace(",", "")
    try:
        result = Decimal(text)
    except InvalidOperation as exc:
        raise MoneyError(f"not a number: {value!r}") from exc
    return result if result or not result.is_signed() else result.copy_abs()


def round_money(value: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round to the paisa: half-up, unless a rule says otherwise (``decimal.ROUND_DOWN``: credits
    given for a refund; ``decimal.ROUND_UP``: credits taken for a payment)."""
    return value.quantize(PAISA, rounding)


def round_rupee(value: Decimal) -> Decimal:
    """Round half-up to the whole rupee (for the invoice's round-off line)."""
    return value.quantize(RUPEE, ROUND_HALF_UP).quantize(PAISA)


def round_qty(value: Decimal) -> Decimal:
    """Round half-up to the thousandth (quantities)."""
    return value.quantize(QTY_QUANTUM, ROUND_HALF_UP)


def _parse_exact(text, *, field: str, noun: str, limit: Decimal, quantum: Decimal, places: int,
                 allow_negative: bool, allow_zero: bool) -> Decimal:
    """The one parse-check-quantize: ``text`` as a Decimal with at most ``places`` decimals
    (more is refused, not rounded: "10.005" is a typo), within ±``limit``."""
    try:
        value = D(text)
    except (MoneyError, TypeError) as exc:
        raise MoneyError(f"{field}: {text!r} is not {noun}") from exc
    if abs(value) > limit:
        raise MoneyError(f"{field}: {text} is too large")
    exact = value.quantize(quantum, ROUND_HALF_UP)
    if value != exact:
        raise MoneyError(f"{field}: at most {places} decimal places (got {text})")
    if not allow_negative and value < 0:
        raise MoneyError(f"{field}: must not be negative (got {text})")
    if not allow_zero and value == 0:
        raise MoneyError(f"{field}: must be more than zero")
    return exact


def parse_amount(text: str | int | Decimal, *, field: str = "amount", allow_negative: bool = False,
                 allow_zero: bool = True) -> Decimal:
    """Parse user input into a paisa-exact amount, refusing junk with a clear message."""
    return _parse_exact(text, field=field, noun="an amount", limit=MAX_AMOUNT, quantum=PAISA, places=2,
                        allow_negative=allow_negative, allow_zero=allow_zero)


def parse_qty(text: str | int | Decimal, *, field: str = "quantity", allow_negative: bool = False,
              allow_zero: bool = False) -> Decimal:
    """Parse a quantity (pieces, kg, litres…) with at most 3 decimals."""
    return _parse_exact(text, field=field, noun="a number", limit=MAX_QTY, quantum=QTY_QUANTUM, places=3,
                        allow_negative=allow_negative, allow_zero=allow_zero)


PRICE_QUANTUM = Decimal("0.001")


def parse_price(text: str | int | Decimal, *, field: str = "price") -> Decimal:
    """Parse a unit price: like an amount, but with up to 3 decimals (per-kg wholesale rates,
    as the e-invoice schema allows); amounts computed from it are still rounded to the paisa.
    Returned with two decimals when the third is 0 ("350.00"), else three ("12.345")."""
    exact = _parse_exact(text, field=field, noun="an amount", limit=MAX_AMOUNT, quantum=PRICE_QUANTUM, places=3,
                         allow_negative=False, allow_zero=True)
    return exact if exact != exact.quantize(PAISA) else exact.quantize(PAISA)


def price_str(value: Decimal) -> str:
    """Exact text of a unit price: '350.00', or '12.345' when it has a third decimal."""
    three = value.quantize(PRICE_QUANTUM, ROUND_HALF_UP)
    return str(three) if three != three.quantize(PAISA) else str(three.quantize(PAISA))


def money_str(value: Decimal) -> str:
    """Exact text for machines (JSON, CSV): '1180.00'."""
    return str(round_money(value))


def qty_str(value: Decimal) -> str:
    """Quantity text without needless zeros: '2', '2.5', '0.125'."""
    q = round_qty(value)
    text = format(q.normalize(), "f")
    return text


def format_money(value: Decimal, currency: str = "INR", locale: str = "en_IN") -> str:
    """Human text with symbol and grouping, e.g. ₹1,23,456.50 for en_IN."""
    return format_currency(round_money(value), currency, locale=locale)


def format_number(value: Decimal, locale: str = "en_IN") -> str:
    """Grouped number with exactly two decimals and no symbol (for table columns)."""
    return format_decimal(round_money(value), format="#,##,##0.00" if locale == "en_IN" else "#,##0.00",
                          locale=locale)


_CURRENCY_WORDS = {
    "INR": ("Rupee", "Rupees", "Paisa", "Paise"),
    "USD": ("Dollar", "Dollars", "Cent", "Cents"),
    "EUR": ("Euro", "Euros", "Cent", "Cents"),
}


def _title_words(text: str) -> str:
    words = text.replace(",", "").split()
    return " ".join("-".join(part.capitalize() for part in w.split("-")) if w != "and" else "and"
                    for w in words)


def amount_in_words(value: Decimal, currency: str = "INR", lang: str = "en_IN") -> str:
    """'Rupees One Lakh Twenty-Three Thousand Four Hundred and Fifty-Six and Fifty Paise Only'."""
    from num2words import num2words  # only documents need words: keeps it off every start's path
    value = round_money(value)
    if value < 0:
        return "Minus " + amount_in_words(-value, currency, lang)
    one, many, sub_one, sub_many = _CURRENCY_WORDS.get(currency, (currency, currency, "Cent", "Cents"))
    whole = int(value)
    fraction = int((value - whole) * 100)
    whole_words = _title_words(num2words(whole, lang=lang))
    text = f"{one if whole == 1 else many} {whole_words}"
    if fraction:
        frac_words = _title_words(num2words(fraction, lang=lang))
        text += f" and {frac_words} {sub_one if fraction == 1 else sub_many}"
    return text + " Only"
