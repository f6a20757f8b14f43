"""Pieces every document shares: shop lines, party boxes, labels, date formats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from billbook.documents.fonts import BOLD, REGULAR
from billbook.documents.layout import ACCENT, GREY, KeyValues, Line, TextBlock, join_nonempty, money
from billbook.documents.model import Party, ShopHeader
from billbook.domain.gst import COMPOSITION_DECLARATION, GstScheme

MODE_LABELS = {
    "cash": "Cash", "upi": "UPI", "card": "Card", "netbanking": "Net banking",
    "credits": "Loyalty credits", "account": "On account (dues)", "original": "Original mode",
    "dues": "Against dues",
}

UNREGISTERED_DECLARATION = "Supplier not registered under GST, not eligible to collect tax on supplies"

#: Rule 46: an unregistered recipient's name, address and state are required from this taxable value
RULE46_UNREGISTERED_LIMIT = Decimal("50000")


def mode_label(mode: str) -> str:
    return MODE_LABELS.get(mode, mode.replace("_", " ").capitalize())


def date_text(value: dt.datetime | dt.date) -> str:
    return value.strftime("%d-%m-%Y")


def time_text(value: dt.datetime) -> str:
    return value.strftime("%H:%M")


def shop_lines(shop: ShopHeader) -> list[str]:
    """Address and contact lines under the shop name."""
    lines = [ln.strip() for ln in (shop.address or "").splitlines() if ln.strip()]
    place = " ".join(p for p in (shop.locality, shop.pincode) if p and p not in (shop.address or ""))
    if place:                                   # city and PIN code, unless the address has them
        lines.append(place)
    lines.append(join_nonempty([f"Phone: {shop.phone}" if shop.phone else "",
                                f"Email: {shop.email}" if shop.email else ""]))
    gst = f"GSTIN: {shop.gstin}" if shop.gstin else (
        "Not registered under GST" if shop.gst_scheme == GstScheme.UNREGISTERED.value else "")
    lines.append(join_nonempty([gst, f"State: {shop.state}" if shop.state_code else ""]))
    return [ln for ln in lines if ln]


def declaration(shop: ShopHeader) -> str:
    """The bill-of-supply declaration for a composition or unregistered shop, else ''."""
    if shop.gst_scheme == GstScheme.COMPOSITION.value:
        return COMPOSITION_DECLARATION[0].upper() + COMPOSITION_DECLARATION[1:]
    if shop.gst_scheme == GstScheme.UNREGISTERED.value:
        return UNREGISTERED_DECLARATION
    return ""


def party_block(party: Party | None, *, empty: str = "Walk-in customer", state_fallback: str = "") -> TextBlock:
    """Name, address, phone, GSTIN and state of a recipient or supplier."""
    if party is None:
        return TextBlock([Line(empty, REGULAR, 8.5, color=GREY)])
    lines = [Line(party.name or empty, BOLD, 9)]
    for ln in (party.address or "").splitlines():
        if ln.strip():
            lines.append(Line(ln.strip(), REGULAR, 8))
    if party.phone:
        lines.append(Line(f"Phone: {party.phone}", REGULAR, 8))
    if party.gstin:
        lines.append(Line(f"GSTIN: {party.gstin}", BOLD, 8))
    state = party.state or state_fallback
    if state:
        lines.append(Line(f"State: {state}", REGULAR, 8))
    return TextBlock(lines)


def caption(text: str) -> Line:
    return Line(text, BOLD, 7, color=ACCENT)


def kv_left(rows: list[tuple[str, str]], label_width: float = 78.0, size: float = 8.0) -> KeyValues:
    return KeyValues([r for r in rows if r[1]], size=size, value_align="L", label_width=label_width, leading=1.45)


def m(value: Decimal, shop: ShopHeader) -> str:
    return money(value, shop.currency, shop.locale)


def signed(value: Decimal, shop: ShopHeader) -> str:
    """+₹0.47 / −₹0.13 (a true minus sign, like the discount line)."""
    return ("+" if value > 0 else "−" if value < 0 else "") + m(abs(value), shop)
