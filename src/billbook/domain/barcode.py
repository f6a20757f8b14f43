"""Barcode check digits (EAN-8, UPC-A, EAN-13)."""

from __future__ import annotations


def gtin_check_digit(body: str) -> int:
    """Check digit for the digits of a GTIN without its last digit."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def barcode_problem(code: str) -> str | None:
    """None when ``code`` is acceptable: 8/12/13 digits must carry a valid check digit;
    other codes (internal, Code 128...) are letters, digits and -._ only."""
    if not code:
        return "barcode is empty"
    if code.isdigit() and len(code) in (8, 12, 13):
        if gtin_check_digit(code[:-1]) != int(code[-1]):
            kind = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13"}[len(code)]
            return f"{kind} check digit is wrong (expected {gtin_check_digit(code[:-1])})"
        return None
    if len(code) > 40 or not all(c.isalnum() or c in "-._" for c in code):
        return "a barcode is up to 40 letters, digits, '-', '.' or '_'"
    return None
