"""Small input checks shared by services (pure)."""

from __future__ import annotations

import re

_PHONE_RE = re.compile(r"^[6-9][0-9]{9}$")
_NAME_BAD = re.compile(r"[\x00-\x1f\x7f]")


def normalise_phone(text: str) -> str | None:
    """An Indian mobile as 10 digits, accepting +91 / 91 / 0 prefixes, spaces and dashes.

    Returns None when it is not a valid Indian mobile number.
    """
    if text is None:
        return None
    digits = re.sub(r"[\s\-()]", "", str(text))
    if digits.startswith("+91"):
        digits = digits[3:]
    elif digits.startswith("91") and len(digits) == 12:
        digits = digits[2:]
    elif digits.startswith("0") and len(digits) == 11:
        digits = digits[1:]
    return digits if _PHONE_RE.match(digits) else None


def clean_text(text: str | None, *, max_len: int, field: str, required: bool = False) -> str:
    """Strip, refuse control characters and over-long text. Raises ValueError(message)."""
    value = (text or "").strip()
    if required and not value:
        raise ValueError(f"{field} is required")
    if _NAME_BAD.search(value):
        raise ValueError(f"{field} contains control characters")
    if len(value) > max_len:
        raise ValueError(f"{field} is longer than {max_len} characters")
    return value
