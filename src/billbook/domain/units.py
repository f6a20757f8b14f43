"""Units of measure: which are counted whole and which may be fractional — ONE check for every quantity.

A unit is either *whole* (pcs, nos, box, pack, dozen, pair, set, bottle, bag, roll, tablet,
unit: you cannot sell, return, count or order half a box) or *fractional* (kg, g, l, ml, m,
cm, sqm: up to 3 decimals, the grams of a kilo). Every quantity billbook takes — a sale, a
return, a stock adjustment or count, opening stock, a purchase order and its receipt, a CSV
import — goes through :func:`check_quantity`, so no path accepts 0.5 of a box that another
path refuses.
"""

from __future__ import annotations

from decimal import Decimal

from billbook.errors import ValidationError

#: counted in whole numbers
WHOLE_UNITS = frozenset({"pcs", "nos", "box", "pack", "dozen", "pair", "set", "bottle", "bag", "roll",
                         "tablet", "unit"})
#: measured, up to 3 decimals
FRACTIONAL_UNITS = frozenset({"kg", "g", "l", "ml", "m", "cm", "sqm"})
#: decimals a fractional quantity may have
FRACTION_DIGITS = 3


def is_whole(unit: str | None) -> bool:
    """True when ``unit`` is counted in whole numbers (an unknown or missing unit counts as ``pcs``)."""
    unit = (unit or "pcs").strip().lower()
    return unit not in FRACTIONAL_UNITS


def check_quantity(qty: Decimal, unit: str | None, *, field: str = "quantity", what: str = "") -> Decimal:
    """``qty`` if it fits ``unit`` (whole for whole units, at most 3 decimals otherwise); else ValidationError.

    ``what`` names the product or line in the message ("line 2: Soap (SOAP)").
    """
    label = f"{what}: " if what else ""
    if not isinstance(qty, Decimal) or not qty.is_finite():
        raise ValidationError(field, f"{label}{qty!r} is not a quantity")
    shown = (unit or "pcs").strip().lower()
    if is_whole(shown):
        if qty != qty.to_integral_value():
            raise ValidationError(field, f"{label}counted in whole {shown}: {format(qty.normalize(), 'f')} "
                                         "is not a whole number")
    elif qty != qty.quantize(Decimal(1).scaleb(-FRACTION_DIGITS)):
        raise ValidationError(field, f"{label}at most {FRACTION_DIGITS} decimals of {shown} "
                                     f"(got {format(qty.normalize(), 'f')})")
    return qty
