"""Financial years and document numbers (pure).

Indian financial year: 1 April – 31 March, written ``26-27``. Numbers look like
``INV/26-27/000123``: at most 16 characters, letters, digits, ``-`` and ``/`` only.
"""

from __future__ import annotations

import datetime as dt
import re

MAX_LEN = 16
_NUMBER_RE = re.compile(r"^[A-Za-z0-9/-]{1,16}$")


def financial_year(day: dt.date | dt.datetime) -> str:
    """'26-27' for any date from 1 Apr 2026 to 31 Mar 2027."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start % 100:02d}-{(start + 1) % 100:02d}"


def fy_bounds(fy: str) -> tuple[dt.date, dt.date]:
    """First and last day of a financial year like '26-27' (years 2000–2099)."""
    start = 2000 + int(fy[:2])
    return dt.date(start, 4, 1), dt.date(start + 1, 3, 31)


def format_number(prefix: str, fy: str, seq: int) -> str:
    """``PREFIX/FY/NNNNNN`` padded so the whole is exactly 16 characters when it can be."""
    digits = MAX_LEN - len(prefix) - len(fy) - 2
    if digits < 4:
        raise ValueError(f"prefix {prefix!r} is too long for a 16-character number")
    text = f"{prefix}/{fy}/{seq:0{digits}d}"
    if len(text) > MAX_LEN:
        raise OverflowError(f"number series {prefix}/{fy} is exhausted at {seq}")
    return text


def is_valid_number(text: str) -> bool:
    return bool(_NUMBER_RE.match(text or ""))
