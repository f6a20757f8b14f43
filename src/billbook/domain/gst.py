"""Indian GST reference data and identifier checks (no I/O).

State codes are the two-digit GST state codes; a GSTIN starts with its state's code.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import Enum

STATES: dict[str, str] = {
    "01": "Jammu and Kashmir", "02": "Himachal Pradesh", "03": "Punjab", "04": "Chandigarh",
    "05": "Uttarakhand", "06": "Haryana", "07": "Delhi", "08": "Rajasthan", "09": "Uttar Pradesh",
    "10": "Bihar", "11": "Sikkim", "12": "Arunachal Pradesh", "13": "Nagaland", "14": "Manipur",
    "15": "Mizoram", "16": "Tripura", "17": "Meghalaya", "18": "Assam", "19": "West Bengal",
    "20": "Jharkhand", "21": "Odisha", "22": "Chhattisgarh", "23": "Madhya Pradesh",
    "24": "Gujarat", "26": "Dadra and Nagar Haveli and Daman and Diu", "27": "Maharashtra",
    "29": "Karnataka", "30": "Goa", "31": "Lakshadweep", "32": "Kerala", "33": "Tamil Nadu",
    "34": "Puducherry", "35": "Andaman and Nicobar Islands", "36": "Telangana",
    "37": "Andhra Pradesh", "38": "Ladakh", "97": "Other Territory",
}

#: Rates the law uses today; a shop may configure its own allowed list.
STANDARD_RATES = tuple(Decimal(r) for r in ("0", "0.25", "3", "5", "12", "18", "28"))


class GstScheme(str, Enum):
    REGULAR = "regular"
    COMPOSITION = "composition"
    UNREGISTERED = "unregistered"


COMPOSITION_DECLARATION = "composition taxable person, not eligible to collect tax on supplies"

#: billbook unit -> GST Unit Quantity Code
UNIT_UQC: dict[str, str] = {
    "pcs": "NOS", "nos": "NOS", "kg": "KGS", "g": "GMS", "l": "LTR", "ml": "MLT", "m": "MTR",
    "cm": "CMS", "box": "BOX", "pack": "PAC", "dozen": "DOZ", "pair": "PRS", "set": "SET",
    "bottle": "BTL", "bag": "BAG", "roll": "ROL", "tablet": "TBS", "sqm": "SQM", "unit": "UNT",
}

_GSTIN_RE = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")
_GSTIN_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def state_name(code: str) -> str:
    return STATES.get(code, code)


def is_valid_state_code(code: str) -> bool:
    return code in STATES


def gstin_check_char(first14: str) -> str:
    """The 15th character of a GSTIN (a mod-36 Luhn-style checksum)."""
    total = 0
    for i, ch in enumerate(first14):
        value = _GSTIN_CHARS.index(ch) * (2 if i % 2 else 1)
        total += value // 36 + value % 36
    return _GSTIN_CHARS[(36 - total % 36) % 36]


def gstin_problem(gstin: str) -> str | None:
    """None if ``gstin`` is a well-formed GSTIN with a correct check character, else why not."""
    if not _GSTIN_RE.match(gstin or ""):
        return "a GSTIN is 15 characters like 27AAPFU0939F1ZV"
    if gstin[:2] not in STATES:
        return f"GSTIN starts with an unknown state code {gstin[:2]}"
    if gstin_check_char(gstin[:14]) != gstin[14]:
        return "GSTIN check character does not match (typo?)"
    return None


def normalise_gstin(text: str) -> str:
    return (text or "").strip().upper().replace(" ", "")


_PINCODE_RE = re.compile(r"^[1-9][0-9]{5}$")


def pincode_problem(pincode: str) -> str | None:
    """None for an Indian postal code (6 digits, not starting with 0) or an empty one, else why not."""
    if pincode and not _PINCODE_RE.match(pincode):
        return "a PIN code is 6 digits, not starting with 0 (e.g. 400001)"
    return None


def locality_problem(locality: str) -> str | None:
    """None for a city/locality the e-invoice accepts (up to 50 plain characters) or an empty one."""
    if len(locality) > 50 or any(ord(c) < 32 for c in locality):
        return "a city or locality is at most 50 plain characters"
    if locality and len(locality) < 3:
        return "a city or locality is at least 3 characters"
    return None
