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


# ---------------------------------------------------------------- EAN-13 helpers

def ean13(body12: str) -> str:
    """The 13-digit EAN of 12 digits: the digits and their check digit."""
    if len(body12) != 12 or not body12.isdigit():
        raise ValueError("an EAN-13 body is 12 digits")
    return body12 + str(gtin_check_digit(body12))


def is_ean13(code: str) -> bool:
    return len(code) == 13 and code.isdigit() and gtin_check_digit(code[:12]) == int(code[12])


def in_store_ean13(prefix: str, number: int) -> str:
    """An in-store EAN-13: ``prefix`` (two digits 20–29, the GS1 range for a shop's own codes),
    ``number`` in the next 10 digits, then the check digit."""
    if len(prefix) != 2 or not prefix.isdigit() or not 20 <= int(prefix) <= 29:
        raise ValueError("an in-store prefix is 20–29")
    if not 0 <= number < 10**10:
        raise ValueError("an in-store number has at most 10 digits")
    return ean13(f"{prefix}{number:010d}")


# ---------------------------------------------------------------- weighing-scale codes
#
# A scale prints EAN-13 codes 2P IIIII VVVVV C: a prefix 20–29 chosen by the shop, the product's
# PLU, the weight in grams (or the price in paise), and the EAN check digit. The split between
# PLU and value digits is the shop's layout (4, 5 or 6 PLU digits; the value takes the rest).

SCALE_KINDS = ("weight", "price")


class ScaleCodeError(ValueError):
    """A code that looks like a scale code but is not a valid one (e.g. a wrong check digit)."""


class ScaleLayout:
    """How this shop's scales print: which prefixes, how many PLU digits, weight or price."""
    __slots__ = ("prefixes", "plu_digits", "kind")

    def __init__(self, prefixes=("21",), plu_digits: int = 5, kind: str = "weight"):
        prefixes = tuple(str(p).strip() for p in prefixes if str(p).strip())
        if not prefixes:
            raise ValueError("give at least one scale prefix (20–29)")
        for p in prefixes:
            if len(p) != 2 or not p.isdigit() or not 20 <= int(p) <= 29:
                raise ValueError(f"{p!r}: a scale prefix is 20–29")
        if plu_digits not in (4, 5, 6):
            raise ValueError("a PLU has 4, 5 or 6 digits")
        if kind not in SCALE_KINDS:
            raise ValueError("a scale code carries the weight or the price")
        self.prefixes, self.plu_digits, self.kind = prefixes, plu_digits, kind

    @property
    def value_digits(self) -> int:
        return 10 - self.plu_digits

    def __repr__(self) -> str:
        return f"ScaleLayout({self.prefixes!r}, {self.plu_digits}, {self.kind!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, ScaleLayout) and (self.prefixes, self.plu_digits, self.kind) == \
            (other.prefixes, other.plu_digits, other.kind)

    def __hash__(self) -> int:
        return hash((self.prefixes, self.plu_digits, self.kind))

    def matches(self, code: str) -> bool:
        """Is ``code`` shaped like one of this shop's scale codes (13 digits, a scale prefix)?"""
        return len(code) == 13 and code.isdigit() and code[:2] in self.prefixes

    def encode(self, plu: int, value: int, prefix: str | None = None) -> str:
        """The scale code of ``plu`` with ``value`` (grams, or paise for a price layout)."""
        prefix = prefix or self.prefixes[0]
        if prefix not in self.prefixes:
            raise ValueError(f"{prefix} is not one of this shop's scale prefixes")
        if not 0 <= plu < 10**self.plu_digits:
            raise ValueError(f"a PLU has at most {self.plu_digits} digits")
        if not 0 <= value < 10**self.value_digits:
            raise ValueError(f"the value has at most {self.value_digits} digits")
        return ean13(f"{prefix}{plu:0{self.plu_digits}d}{value:0{self.value_digits}d}")

    def decode(self, code: str) -> tuple[int, int]:
        """(PLU, value) of a scale code; :class:`ScaleCodeError` when the check digit is wrong."""
        if not self.matches(code):
            raise ScaleCodeError(f"{code} is not a scale code of this shop")
        if gtin_check_digit(code[:12]) != int(code[12]):
            raise ScaleCodeError(f"{code}: the check digit is wrong (a misread); scan it again")
        return int(code[2:2 + self.plu_digits]), int(code[2 + self.plu_digits:12])
