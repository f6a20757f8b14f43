"""What a scanned code adds to the cart: a product's barcode or SKU, or a weighing-scale code.

A scale code is an EAN-13 with one of the shop's scale prefixes (20–29): the product's PLU,
then the weight in grams or the price in paise, then the check digit (see
:class:`billbook.domain.barcode.ScaleLayout`). The shop's layout is three settings:
``scale.prefixes`` (``21`` or ``21,22``), ``scale.plu_digits`` (4, 5 or 6) and ``scale.kind``
(``weight`` or ``price``); without ``scale.prefixes`` no code is read as a scale code.

A product's PLU is its SKU when the SKU is all digits (``00123`` and ``123`` are PLU 123),
or else its barcode when that is at most 6 digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from billbook.db.models import Product
from billbook.db.uow import Database
from billbook.domain.barcode import ScaleCodeError, ScaleLayout
from billbook.domain.permissions import Permission
from billbook.errors import NotFound, ValidationError
from billbook.services import settings
from billbook.services.base import Actor, audit, requires
from billbook.services.ledgers.devices import scale_layout
from billbook.services.selling.checkout import SaleItem

QTY = Decimal("0.001")
GRAM_UNITS = ("g", "gm", "gms", "gram", "grams")


@dataclass(frozen=True)
class ScanHit:
    """One scan: the product and the quantity it adds (1 for an ordinary barcode)."""
    product_id: int
    sku: str
    name: str
    unit: str
    qty: Decimal
    scale: bool = False
    plu: int | None = None
    weight_grams: int | None = None
    price: Decimal | None = None       # the price printed in a price-carrying scale code

    def to_json(self) -> dict:
        return {"sku": self.sku, "name": self.name, "unit": self.unit, "qty": f"{self.qty:f}", "scale": self.scale,
                "plu": self.plu, "weight_grams": self.weight_grams,
                "price": f"{self.price:.2f}" if self.price is not None else None}


@requires(Permission.MANAGE_SHOP)
def set_scale_layout(db: Database, actor: Actor, prefixes, plu_digits=5, kind: str = "weight") -> ScaleLayout:
    """Set how this shop's scales print (``prefixes``: '21' or '21,22' or a list; 20–29)."""
    if isinstance(prefixes, str):
        prefixes = [p for p in prefixes.replace(" ", "").split(",") if p]
    try:
        layout = ScaleLayout(prefixes or (), int(plu_digits), kind)
    except (TypeError, ValueError) as exc:
        raise ValidationError("scale", str(exc)) from None

    def work(s: Session) -> ScaleLayout:
        settings.put(s, "scale.prefixes", ",".join(layout.prefixes))
        settings.put(s, "scale.plu_digits", str(layout.plu_digits))
        settings.put(s, "scale.kind", layout.kind)
        audit(s, actor, "scale.layout", "settings", "scale", prefixes=",".join(layout.prefixes),
              plu_digits=layout.plu_digits, kind=layout.kind)
        return layout

    return db.run(work)


@requires(Permission.MANAGE_SHOP)
def clear_scale_layout(db: Database, actor: Actor) -> None:
    """Read no code as a scale code any more."""
    def work(s: Session) -> None:
        settings.put(s, "scale.prefixes", "")
        audit(s, actor, "scale.layout", "settings", "scale", prefixes="")
    db.run(work)


def _plu_product(s: Session, plu: int, digits: int) -> Product | None:
    forms = sorted({f"{plu:0{w}d}" for w in range(len(str(plu)), max(digits, 6) + 1)})
    rows = list(s.scalars(select(Product).where(or_(Product.sku.in_(forms), Product.barcode.in_(forms)))
                          .order_by(Product.id)))
    by_sku = [p for p in rows if p.sku in forms]
    return (by_sku or rows or [None])[0]


def _gross_unit_price(p: Product) -> Decimal:
    if p.tax_inclusive:
        return p.price
    return p.price * (1 + p.gst_rate / 100)


def resolve_in(s: Session, code: str) -> ScanHit:
    """The product and quantity of scanned ``code``, in ``s`` (refusals as ValidationError/NotFound)."""
    code = (code or "").strip()
    if not code or len(code) > 40:
        raise ValidationError("scan", "scan a barcode (1–40 characters)")
    layout = scale_layout(s)
    if layout is not None and layout.matches(code):
        try:
            plu, value = layout.decode(code)
        except ScaleCodeError as exc:
            raise ValidationError("scan", str(exc)) from None
        p = _plu_product(s, plu, layout.plu_digits)
        if p is None:
            # an in-store code of a product may share the prefix: try it as a plain barcode first
            p = s.scalars(select(Product).where(Product.barcode == code)).first()
            if p is not None:
                return _plain_hit(p)
            raise NotFound(f"Scale code {code}: no product has PLU {plu}.")
        if not p.active:
            raise ValidationError("scan", f"{p.name} ({p.sku}) is no longer sold")
        if layout.kind == "weight":
            if value <= 0:
                raise ValidationError("scan", f"{code}: the weight is zero")
            qty = Decimal(value) if p.unit.lower() in GRAM_UNITS else (Decimal(value) / 1000).quantize(QTY)
            return ScanHit(p.id, p.sku, p.name, p.unit, qty, True, plu, value)
        price = (Decimal(value) / 100).quantize(Decimal("0.01"))
        unit_price = _gross_unit_price(p)
        if price <= 0 or unit_price <= 0:
            raise ValidationError("scan", f"{code}: the price is zero")
        qty = (price / unit_price).quantize(QTY, ROUND_HALF_UP)
        if qty <= 0:
            raise ValidationError("scan", f"{code}: {price} buys less than {QTY} {p.unit} of {p.name}")
        return ScanHit(p.id, p.sku, p.name, p.unit, qty, True, plu, None, price)
    p = s.scalars(select(Product).where(Product.sku == code)).first() or \
        s.scalars(select(Product).where(Product.barcode == code)).first()
    if p is None:
        raise NotFound(f"No product with barcode or SKU {code!r}.")
    if not p.active:
        raise ValidationError("scan", f"{p.name} ({p.sku}) is no longer sold")
    return _plain_hit(p)


def _plain_hit(p: Product) -> ScanHit:
    return ScanHit(p.id, p.sku, p.name, p.unit, Decimal(1))


@requires(Permission.SELL)
def resolve_scan(db: Database, actor: Actor, code: str) -> ScanHit:
    """What scanning ``code`` adds: the product and quantity (a scale code's weight or price)."""
    return db.run(lambda s: resolve_in(s, code), readonly=True)


@requires(Permission.SELL)
def scan_items(db: Database, actor: Actor, codes: list[str]):
    """Sale items for scanned ``codes`` (the same ordinary barcode twice: quantity 2)."""

    def work(s: Session):
        merged: dict[str, Decimal] = {}
        items = []
        for code in codes:
            hit = resolve_in(s, code)
            if hit.scale:
                items.append(SaleItem(hit.sku, hit.qty))
            else:
                merged[hit.sku] = merged.get(hit.sku, Decimal(0)) + hit.qty
        return [SaleItem(sku, qty) for sku, qty in merged.items()] + items

    return db.run(work, readonly=True)
