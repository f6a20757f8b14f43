"""Products and categories.

A product on any invoice is deactivated, never deleted; price and tax changes never touch
issued invoices (those store their own snapshot).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billbook import clock
from billbook.db.models import Category, Product
from billbook.db.uow import Database
from billbook.domain.barcode import barcode_problem
from billbook.domain.gst import UNIT_UQC
from billbook.domain.money import D, MoneyError, parse_amount, parse_qty
from billbook.domain.permissions import Permission
from billbook.services.base import Actor, audit, requires
from billbook.services.errors import Conflict, NotFound, ValidationError
from billbook.services.shop import get_or_create_shop, parse_rates
from billbook.services.stock import apply_movement

_SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
_HSN_RE = re.compile(r"^[0-9]{4,8}$")


@dataclass(frozen=True)
class ProductInfo:
    id: int
    sku: str
    barcode: str | None
    name: str
    category: str | None
    hsn: str
    unit: str
    price: Decimal
    cost_price: Decimal
    gst_rate: Decimal
    tax_inclusive: bool
    reorder_level: Decimal
    stock_qty: Decimal
    active: bool

    def to_json(self) -> dict:
        from billbook.domain.money import money_str, qty_str
        return {"sku": self.sku, "barcode": self.barcode, "name": self.name, "category": self.category,
                "hsn": self.hsn, "unit": self.unit, "price": money_str(self.price),
                "cost_price": money_str(self.cost_price), "gst_rate": format(self.gst_rate.normalize(), "f"),
                "tax_inclusive": self.tax_inclusive, "reorder_level": qty_str(self.reorder_level),
                "stock": qty_str(self.stock_qty), "active": self.active}


def product_info(p: Product) -> ProductInfo:
    return ProductInfo(p.id, p.sku, p.barcode, p.name, p.category.name if p.category else None, p.hsn, p.unit,
                       p.price, p.cost_price, p.gst_rate, p.tax_inclusive, p.reorder_level, p.stock_qty, p.active)


@dataclass
class ProductFields:
    """Validated product input (see :func:`validate_product_fields`)."""
    sku: str
    name: str
    price: Decimal
    gst_rate: Decimal
    hsn: str = ""
    barcode: str | None = None
    unit: str = "pcs"
    stock: Decimal = Decimal("0")
    reorder_level: Decimal = Decimal("0")
    tax_inclusive: bool = False
    category: str | None = None
    cost_price: Decimal = Decimal("0")


def _money(value, field: str) -> Decimal:
    try:
        return parse_amount(value, field=field)
    except MoneyError as exc:
        raise ValidationError(field, str(exc).split(": ", 1)[-1]) from None


def _qty(value, field: str, allow_zero=True) -> Decimal:
    try:
        return parse_qty(value, field=field, allow_zero=allow_zero)
    except MoneyError as exc:
        raise ValidationError(field, str(exc).split(": ", 1)[-1]) from None


def validate_product_fields(*, sku, name, price, gst_rate, allowed_rates: tuple[Decimal, ...], hsn=None,
                            barcode=None, unit=None, stock=None, reorder_level=None, tax_inclusive=False,
                            category=None, cost_price=None) -> ProductFields:
    """Check every field of a new product; raises ValidationError naming the field."""
    sku = (sku or "").strip()
    if not _SKU_RE.match(sku):
        raise ValidationError("sku", "1–40 letters, digits, '.', '_', '/' or '-'")
    name = (name or "").strip()
    if not name or len(name) > 160 or any(ord(c) < 32 for c in name):
        raise ValidationError("name", "a product needs a name of up to 160 characters")
    the_price = _money(price, "price")
    try:
        rate = D(gst_rate)
    except (MoneyError, TypeError):
        raise ValidationError("gst_rate", f"{gst_rate!r} is not a number") from None
    if rate not in allowed_rates:
        raise ValidationError("gst_rate", f"{gst_rate}% is not one of the shop's rates "
                              f"({', '.join(format(r, 'f') for r in allowed_rates)})")
    hsn = (hsn or "").strip()
    if hsn and not _HSN_RE.match(hsn):
        raise ValidationError("hsn", "an HSN/SAC code is 4 to 8 digits")
    code = (barcode or "").strip() or None
    if code:
        problem = barcode_problem(code)
        if problem:
            raise ValidationError("barcode", problem)
    unit = (unit or "pcs").strip().lower()
    if unit not in UNIT_UQC:
        raise ValidationError("unit", f"unknown unit {unit!r}; use one of {', '.join(UNIT_UQC)}")
    category = (category or "").strip() or None
    if category and len(category) > 80:
        raise ValidationError("category", "at most 80 characters")
    return ProductFields(
        sku=sku, name=name, price=the_price, gst_rate=rate, hsn=hsn, barcode=code, unit=unit,
        stock=_qty(stock if stock not in (None, "") else "0", "stock"),
        reorder_level=_qty(reorder_level if reorder_level not in (None, "") else "0", "reorder_level"),
        tax_inclusive=bool(tax_inclusive), category=category,
        cost_price=_money(cost_price if cost_price not in (None, "") else "0", "cost_price"),
    )


def category_id(session: Session, name: str | None) -> int | None:
    """Id of the named category, creating it if new."""
    if not name:
        return None
    cat = session.scalars(select(Category).where(Category.name == name)).one_or_none()
    if cat is None:
        cat = Category(name=name)
        session.add(cat)
        session.flush()
    return cat.id


def insert_product(session: Session, actor: Actor, f: ProductFields, now: dt.datetime | None = None) -> Product:
    """Insert a validated product and its opening-stock ledger row, in the caller's transaction."""
    if session.scalars(select(Product.id).where(Product.sku == f.sku)).first() is not None:
        raise Conflict("sku", f"SKU {f.sku} already exists")
    if f.barcode and session.scalars(select(Product.id).where(Product.barcode == f.barcode)).first() is not None:
        raise Conflict("barcode", f"barcode {f.barcode} is already on another product")
    now = now or clock.now()
    p = Product(sku=f.sku, barcode=f.barcode, name=f.name, search_name=f.name.lower(),
                category_id=category_id(session, f.category), hsn=f.hsn, unit=f.unit, price=f.price,
                cost_price=f.cost_price, gst_rate=f.gst_rate, tax_inclusive=f.tax_inclusive,
                reorder_level=f.reorder_level, stock_qty=Decimal("0"), active=True, created_at=now)
    session.add(p)
    session.flush()
    if f.stock:
        apply_movement(session, p, f.stock, "opening", actor, unit_cost=f.cost_price or None)
    return p


@requires(Permission.MANAGE_PRODUCTS)
def add_product(db: Database, actor: Actor, *, sku, name, price, gst_rate, hsn=None, barcode=None, unit=None,
                stock=None, reorder_level=None, tax_inclusive=False, category=None, cost_price=None) -> ProductInfo:
    """Add a product; its opening stock becomes an 'opening' ledger row."""
    def work(s: Session) -> ProductInfo:
        allowed = parse_rates(get_or_create_shop(s).allowed_gst_rates)
        f = validate_product_fields(sku=sku, name=name, price=price, gst_rate=gst_rate, allowed_rates=allowed,
                                    hsn=hsn, barcode=barcode, unit=unit, stock=stock, reorder_level=reorder_level,
                                    tax_inclusive=tax_inclusive, category=category, cost_price=cost_price)
        p = insert_product(s, actor, f)
        audit(s, actor, "product.add", "product", p.id, sku=p.sku, price=p.price, gst_rate=p.gst_rate)
        return product_info(p)
    return db.run(work)


@requires(Permission.VIEW_PRODUCTS)
def get_product(db: Database, actor: Actor, sku: str) -> ProductInfo:
    def work(s: Session) -> ProductInfo:
        p = s.scalars(select(Product).where(Product.sku == (sku or "").strip())).one_or_none()
        if p is None:
            raise NotFound(f"No product with SKU {sku!r}.")
        return product_info(p)
    return db.run(work, readonly=True)
