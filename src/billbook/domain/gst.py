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

class GstinKind(str, Enum):
    """The kinds of 15-character registration GSTN issues (its published formats)."""
    REGULAR = "regular"                  # normal taxpayer (also composition, SEZ, ISD...)
    GOVT_DEPARTMENT = "govt_department"  # government department id
    UIN = "uin"                          # UN bodies, embassies, consulates (Unique Identity Number)
    TDS = "tds"                          # tax deductor (built on a TAN)
    TCS = "tcs"                          # e-commerce operator collecting tax
    NON_RESIDENT = "non_resident"        # non-resident taxable person
    OIDAR = "oidar"                      # non-resident online services provider (state code 99)


#: GSTN's formats (developer.gst.gov.in, as india-compliance's gst_india/constants lists them),
#: in the order they are told apart: a TDS or TCS registration also fits the regular shape
#: but for its 14th character (D / C), so the specific shapes are tried first.
_GSTIN_FORMATS: tuple[tuple[GstinKind, re.Pattern], ...] = tuple((kind, re.compile(rx)) for kind, rx in (
    (GstinKind.TCS, r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]C[0-9A-Z]$"),
    (GstinKind.TDS, r"^[0-9]{2}[A-Z]{4}[A-Z0-9][0-9]{4}[A-Z][1-9A-Z]D[0-9A-Z]$"),
    (GstinKind.GOVT_DEPARTMENT, r"^[0-9]{2}[A-Z]{4}[0-9]{5}[A-Z][0-9]Z[0-9]$"),
    (GstinKind.UIN, r"^[0-9]{4}[A-Z]{3}[0-9]{5}[UO]N[0-9A-Z]$"),
    (GstinKind.NON_RESIDENT, r"^[0-9]{4}[A-Z]{3}[0-9]{5}NR[0-9A-Z]$"),
    (GstinKind.OIDAR, r"^99[0-9]{2}[A-Z]{3}[0-9]{5}OS[0-9A-Z]$"),
    (GstinKind.REGULAR, r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z][Z1-9ABD-J][0-9A-Z]$"),
))
#: the state code of an OIDAR registration (the Centre's jurisdiction, not a place of supply)
OIDAR_STATE = "99"
_GSTIN_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def state_name(code: str) -> str:
    return STATES.get(code, code)


def state_label(code: str) -> str:
    """'29-Karnataka': the code and the state's name, as returns and invoices print them."""
    return f"{code}-{STATES[code]}" if code in STATES else code


def is_valid_state_code(code: str) -> bool:
    return code in STATES


def gstin_check_char(first14: str) -> str:
    """The 15th character of a GSTIN (a mod-36 Luhn-style checksum)."""
    total = 0
    for i, ch in enumerate(first14):
        value = _GSTIN_CHARS.index(ch) * (2 if i % 2 else 1)
        total += value // 36 + value % 36
    return _GSTIN_CHARS[(36 - total % 36) % 36]


def gstin_kind(gstin: str) -> GstinKind | None:
    """Which of GSTN's formats ``gstin`` has (the check character is not looked at), or None."""
    for kind, rx in _GSTIN_FORMATS:
        if rx.match(gstin or ""):
            return kind
    return None


def gstin_problem(gstin: str) -> str | None:
    """None if ``gstin`` is a well-formed GSTIN or UIN of any of GSTN's kinds (regular, UIN,
    TDS, TCS, non-resident, OIDAR, government department) with a correct check character,
    else why not."""
    kind = gstin_kind(gstin)
    if kind is None:
        return "a GSTIN is 15 characters like 27AAPFU0939F1ZV (a UIN like 0717UNO00157UNO)"
    if kind is GstinKind.OIDAR:
        pass                                   # 99: the Centre's jurisdiction
    elif gstin[:2] not in STATES:
        return f"GSTIN starts with an unknown state code {gstin[:2]}"
    if gstin_check_char(gstin[:14]) != gstin[14]:
        return "GSTIN check character does not match (typo?)"
    return None


def gstin_state(gstin: str) -> str:
    """The state a registration belongs to (its first two digits), or '' when it names none
    (an OIDAR registration's 99, or no GSTIN)."""
    code = (gstin or "")[:2]
    return code if code in STATES else ""


# ---------------------------------------------------------------- HSN / SAC

_HSN_RE = re.compile(r"^(?:[0-9]{4}|[0-9]{6}|[0-9]{8})$")
#: a SAC (services accounting code) is an HSN code of chapter 99
SAC_PREFIX = "99"
#: the UQC of a service in HSN summaries (with quantity 0)
SERVICE_UQC = "NA"


def hsn_problem(code: str) -> str | None:
    """None for an HSN/SAC code the GST portal takes (4, 6 or 8 digits, not all zeros) or an
    empty one (none given), else why not."""
    if not code:
        return None
    if not _HSN_RE.match(code):
        return "an HSN/SAC code is 4, 6 or 8 digits"
    if not code.strip("0"):
        return "an HSN/SAC code cannot be all zeros"
    return None


def is_service(hsn: str) -> bool:
    """A SAC code (chapter 99) is a service; everything else is goods."""
    return (hsn or "").startswith(SAC_PREFIX)


def uqc_for(unit: str, hsn: str = "") -> str:
    """The unit quantity code of a line: ``NA`` for a service, else the unit's UQC (``OTH``
    when the unit has none)."""
    if is_service(hsn):
        return SERVICE_UQC
    return UNIT_UQC.get((unit or "").lower(), "OTH")


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


# ---------------------------------------------------------------- place of supply, Rule 46

def default_place_of_supply(shop_state: str, *, gstin: str = "", customer_state: str = "") -> str:
    """Where a supply is taxed unless the cashier says otherwise: the customer's state (the
    GSTIN's for a registered buyer, else the state on file), else the shop's. One rule for a
    customer filed just now and one on file."""
    return gstin_state(gstin) or customer_state or shop_state


#: Rule 46(e) of the CGST Rules: a tax invoice to an unregistered recipient for a taxable value
#: of this much or more names the recipient, the address and the state
RULE_46E_LIMIT = Decimal("50000")


def recipient_problem(*, tax_invoice: bool, registered: bool, taxable_value: Decimal, name: str, address: str,
                      state_code: str) -> str | None:
    """Why this invoice cannot be issued without more about its recipient (Rule 46(e)), or None."""
    if not tax_invoice or registered or taxable_value < RULE_46E_LIMIT:
        return None
    missing = [what for what, value in (("name", name), ("address", address), ("state", state_code))
               if not (value or "").strip()]
    if not missing:
        return None
    return (f"a tax invoice of ₹50,000 or more to an unregistered buyer must name the buyer: give the "
            f"{', '.join(missing[:-1]) + ' and ' + missing[-1] if len(missing) > 1 else missing[0]} "
            f"(Rule 46(e))")
