"""Small shared helpers: figures as the portal writes them, dates, places of supply, UQCs."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from billbook.domain.gst import state_name
from billbook.domain.money import PAISA, ZERO

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: UQC code → the "CODE-DESCRIPTION" text the offline tool's UQC column takes (its master list)
UQC_TEXT = {
    "BAG": "BAG-BAGS", "BOX": "BOX-BOX", "BTL": "BTL-BOTTLES", "CMS": "CMS-CENTIMETERS", "DOZ": "DOZ-DOZENS",
    "GMS": "GMS-GRAMMES", "KGS": "KGS-KILOGRAMS", "LTR": "LTR-LITRES", "MLT": "MLT-MILILITRE", "MTR": "MTR-METERS",
    "NOS": "NOS-NUMBERS", "PAC": "PAC-PACKS", "PCS": "PCS-PIECES", "PRS": "PRS-PAIRS", "ROL": "ROL-ROLLS",
    "SET": "SET-SETS", "SQM": "SQM-SQUARE METERS", "TBS": "TBS-TABLETS", "UNT": "UNT-UNITS", "OTH": "OTH-OTHERS",
}


def money(value: Decimal) -> Decimal:
    return value.quantize(PAISA, ROUND_HALF_UP)


def rate_text(rate: Decimal) -> str:
    """18 → "18", 0.25 → "0.25" (no trailing zeros, never exponent form)."""
    text = format(Decimal(rate).normalize(), "f")
    return text


def number(value: Decimal | int) -> int | float:
    """A Decimal as a JSON number: whole values as int, others as the float with the same digits.

    Amounts here have at most 12 significant digits, so the float's shortest repr is exactly
    the Decimal's digits (1197.46 stays 1197.46)."""
    if isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def portal(obj: Any) -> Any:
    """Decimals → JSON numbers, recursively (what is written and what the schema checks)."""
    if isinstance(obj, Decimal):
        return number(obj)
    if isinstance(obj, dict):
        return {k: portal(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [portal(v) for v in obj]
    return obj


def portal_date(day: dt.date) -> str:
    """GSTR-1 JSON dates: dd-mm-yyyy."""
    return f"{day.day:02d}-{day.month:02d}-{day.year}"


def sheet_date(day: dt.date) -> str:
    """The offline tool's CSV dates: dd-Mmm-yyyy (05-Nov-2026), English month names always."""
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"


def pos_text(code: str) -> str:
    """Place of supply as the offline tool writes it: 27-Maharashtra."""
    return f"{code}-{state_name(code)}"


def money_text(value: Decimal) -> str:
    return format(money(value), "f")


def qty2(value: Decimal) -> Decimal:
    """HSN quantities: the portal takes two decimals."""
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def add(a: list[Decimal], b: list[Decimal], sign: int = 1) -> list[Decimal]:
    return [x + sign * y for x, y in zip(a, b)]


def zeros(n: int) -> list[Decimal]:
    return [ZERO] * n
