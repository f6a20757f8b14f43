"""The shop profile (single row): name, address, GSTIN, state, GST scheme, invoice prefix..."""

from __future__ import annotations

import io
import re
from dataclasses import asdict, dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from billbook import clock, files
from billbook.db.models import Shop
from billbook.db.uow import Database
from billbook.domain.gst import (
    GstScheme, gstin_problem, is_valid_state_code, locality_problem, normalise_gstin, pincode_problem,
)
from billbook.domain.money import D, MoneyError
from billbook.domain.permissions import Permission
from billbook.services import settings
from billbook.services.base import Actor, audit, requires
from billbook.errors import ValidationError

_PREFIX_RE = re.compile(r"^[A-Z0-9]{1,5}$")
_VPA_RE = re.compile(r"^[A-Za-z0-9.\-_]{2,256}@[A-Za-z][A-Za-z0-9.\-]{1,63}$")
MAX_LOGO_BYTES = files.MAX_LOGO_BYTES
#: a logo's largest side in pixels (a small file may still unpack to a huge bitmap)
MAX_LOGO_SIDE = 4096


@dataclass(frozen=True)
class ShopInfo:
    name: str
    address: str
    phone: str
    email: str
    gstin: str
    state_code: str
    gst_scheme: str
    upi_vpa: str
    has_logo: bool
    invoice_prefix: str
    footer_text: str
    currency: str
    locale: str
    round_off: bool
    allow_negative_stock: bool
    allowed_gst_rates: tuple[Decimal, ...]
    loyalty_rupees_per_credit: Decimal
    credit_value: Decimal
    cashier_can_return: bool
    print_format: str
    idle_lock_minutes: int
    pincode: str = ""
    locality: str = ""
    #: a cashier's line or bill discounts above this percentage of the gross need an admin's
    #: approval at the counter (None: no limit); kept in the settings table
    discount_limit: Decimal | None = None

    def to_json(self) -> dict:
        data = asdict(self)
        data["discount_limit"] = str(self.discount_limit) if self.discount_limit is not None else None
        data["allowed_gst_rates"] = [str(r) for r in self.allowed_gst_rates]
        data["loyalty_rupees_per_credit"] = str(self.loyalty_rupees_per_credit)
        data["credit_value"] = str(self.credit_value)
        return data


def parse_rates(text: str) -> tuple[Decimal, ...]:
    rates = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            rate = D(part)
        except MoneyError:
            raise ValidationError("allowed_gst_rates", f"{part!r} is not a number") from None
        if rate < 0 or rate > 100:
            raise ValidationError("allowed_gst_rates", f"{part} is not a percentage between 0 and 100")
        rates.append(rate.normalize() if rate != rate.to_integral() else rate.to_integral())
    if not rates:
        raise ValidationError("allowed_gst_rates", "at least one rate is needed")
    return tuple(sorted(set(rates)))


def get_or_create_shop(session: Session) -> Shop:
    shop = session.get(Shop, 1)
    if shop is None:
        shop = Shop(id=1, updated_at=clock.now())
        session.add(shop)
        session.flush()
    return shop


DISCOUNT_LIMIT_KEY = "counter.discount_limit_percent"


def _discount_limit(session: Session) -> Decimal | None:
    raw = settings.get(session, DISCOUNT_LIMIT_KEY)
    try:
        return D(raw) if raw not in (None, "") else None
    except (MoneyError, TypeError):
        return None


def shop_info(shop: Shop, discount_limit: Decimal | None = None) -> ShopInfo:
    return ShopInfo(
        name=shop.name, address=shop.address, phone=shop.phone, email=shop.email, gstin=shop.gstin,
        state_code=shop.state_code, gst_scheme=shop.gst_scheme, upi_vpa=shop.upi_vpa,
        has_logo=bool(shop.logo), invoice_prefix=shop.invoice_prefix, footer_text=shop.footer_text,
        currency=shop.currency, locale=shop.locale, round_off=shop.round_off,
        allow_negative_stock=shop.allow_negative_stock, allowed_gst_rates=parse_rates(shop.allowed_gst_rates),
        loyalty_rupees_per_credit=shop.loyalty_rupees_per_credit, credit_value=shop.credit_value,
        cashier_can_return=shop.cashier_can_return, print_format=shop.print_format,
        idle_lock_minutes=shop.idle_lock_minutes, pincode=shop.pincode or "", locality=shop.locality or "",
        discount_limit=discount_limit,
    )


def get_shop(db: Database) -> ShopInfo:
    """The shop profile; readable by anyone logged in (the counter needs it)."""
    def work(s: Session) -> ShopInfo:
        shop = s.get(Shop, 1)
        return shop_info(shop if shop is not None else Shop(**_defaults()), _discount_limit(s))
    return db.run(work, readonly=True)


def get_logo(db: Database) -> bytes | None:
    return db.run(lambda s: (s.get(Shop, 1).logo if s.get(Shop, 1) else None), readonly=True)


def _defaults() -> dict:
    return {c.name: c.default.arg for c in Shop.__table__.columns if c.default is not None}


_TEXT_FIELDS = {"name": 120, "address": 400, "phone": 32, "email": 120, "footer_text": 400}
_BOOL_FIELDS = {"round_off", "allow_negative_stock", "cashier_can_return"}


def _validate(changes: dict) -> dict:
    clean: dict = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key in _TEXT_FIELDS:
            text = str(value).strip()
            if len(text) > _TEXT_FIELDS[key]:
                raise ValidationError(key, f"at most {_TEXT_FIELDS[key]} characters")
            if any(ord(c) < 32 and c not in "\n" for c in text):
                raise ValidationError(key, "contains control characters")
            if key == "name" and not text:
                raise ValidationError("name", "the shop needs a name")
            clean[key] = text
        elif key == "gstin":
            gstin = normalise_gstin(value)
            if gstin:
                problem = gstin_problem(gstin)
                if problem:
                    raise ValidationError("gstin", problem)
            clean[key] = gstin
        elif key in ("pincode", "locality"):
            text = str(value).strip()
            problem = pincode_problem(text) if key == "pincode" else locality_problem(text)
            if problem:
                raise ValidationError(key, problem)
            clean[key] = text
        elif key == "state_code":
            code = str(value).strip().zfill(2)
            if not is_valid_state_code(code):
                raise ValidationError("state_code", f"{value!r} is not a GST state code (e.g. 27 for Maharashtra)")
            clean[key] = code
        elif key == "gst_scheme":
            try:
                clean[key] = GstScheme(str(value).lower()).value
            except ValueError:
                raise ValidationError("gst_scheme", "must be regular, composition or unregistered") from None
        elif key == "upi_vpa":
            vpa = str(value).strip()
            if vpa and not _VPA_RE.match(vpa):
                raise ValidationError("upi_vpa", "a UPI id looks like shopname@bank")
            clean[key] = vpa
        elif key == "invoice_prefix":
            prefix = str(value).strip().upper()
            if not _PREFIX_RE.match(prefix) or prefix == "CN":
                raise ValidationError("invoice_prefix", "1–5 letters or digits (not CN, used for credit notes)")
            clean[key] = prefix
        elif key in _BOOL_FIELDS:
            clean[key] = bool(value)
        elif key == "allowed_gst_rates":
            rates = value if isinstance(value, (list, tuple)) else parse_rates(str(value))
            clean[key] = ",".join(str(r) for r in parse_rates(",".join(str(r) for r in rates)))
        elif key in ("loyalty_rupees_per_credit", "credit_value"):
            try:
                amount = D(value)
            except (MoneyError, TypeError):
                raise ValidationError(key, f"{value!r} is not a number") from None
            if amount < 0 or amount > 100000:
                raise ValidationError(key, "must be between 0 and 100000")
            clean[key] = amount
        elif key == "print_format":
            if value not in ("a4", "receipt", "both", "ask", "none"):
                raise ValidationError("print_format", "must be a4, receipt, both, ask or none")
            clean[key] = value
        elif key == "idle_lock_minutes":
            try:
                minutes = int(value)
            except (TypeError, ValueError):
                raise ValidationError("idle_lock_minutes", "must be a whole number of minutes") from None
            if not 0 <= minutes <= 480:
                raise ValidationError("idle_lock_minutes", "between 0 (never) and 480")
            clean[key] = minutes
        elif key == "discount_limit":
            text = str(value).strip().rstrip("%").strip()
            if text.lower() in ("", "none", "off"):
                clean[key] = ""
                continue
            try:
                limit = D(text)
            except (MoneyError, TypeError):
                raise ValidationError("discount_limit", f"{value!r} is not a percentage") from None
            if not 0 <= limit <= 100 or limit != limit.quantize(Decimal("0.01")):
                raise ValidationError("discount_limit", "a percentage between 0 and 100 (2 decimals), "
                                                        "or 'none'")
            clean[key] = str(limit)
        elif key in ("currency", "locale"):
            clean[key] = str(value).strip()
        elif key == "logo":
            clean[key] = _check_logo(value)
        else:
            raise ValidationError(key, "is not a shop setting")
    if clean.get("gstin") and "state_code" in clean and clean["gstin"][:2] != clean["state_code"]:
        raise ValidationError("gstin", "GSTIN's first two digits must be the shop's state code")
    return clean


def _check_logo(data: bytes | None) -> bytes | None:
    if not data:
        return None
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationError("logo", "the logo file is larger than 4 MB")
    from PIL import Image, UnidentifiedImageError  # Pillow only when a logo is set (start-up speed)
    try:
        with Image.open(io.BytesIO(data)) as img:
            if max(img.size) > MAX_LOGO_SIDE:
                raise ValidationError("logo", f"the image is {img.size[0]}×{img.size[1]} pixels; at most "
                                              f"{MAX_LOGO_SIDE} on a side")
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError("logo", "not a readable PNG or JPEG image") from None
    return data


def check_shop_changes(changes: dict) -> dict:
    """Validate shop settings without writing (raises ValidationError naming the field)."""
    return _validate(changes)


@requires(Permission.MANAGE_SHOP)
def update_shop(db: Database, actor: Actor, **changes) -> ShopInfo:
    """Change shop settings; every change is audited (old → new)."""
    clean = _validate(changes)
    return db.run(lambda s: apply_shop_changes(s, actor, clean))


def apply_shop_changes(s: Session, actor: Actor | None, clean: dict) -> ShopInfo:
    """Write validated shop settings in the caller's transaction (audited old → new)."""
    clean = dict(clean)
    shop = get_or_create_shop(s)
    diff = {}
    if "discount_limit" in clean:
        old_limit, new_limit = settings.get(s, DISCOUNT_LIMIT_KEY) or "", clean.pop("discount_limit")
        if old_limit != new_limit:
            settings.put(s, DISCOUNT_LIMIT_KEY, new_limit)
            diff["discount_limit"] = (old_limit or None, new_limit or None)
    for key, value in clean.items():
        old = getattr(shop, key)
        if old != value:
            diff[key] = ("<image>" if key == "logo" else old, "<image>" if key == "logo" else value)
            setattr(shop, key, value)
    final_gstin, final_state = shop.gstin, shop.state_code
    if final_gstin and final_gstin[:2] != final_state:
        raise ValidationError("gstin", f"GSTIN {final_gstin} is not from state {final_state}")
    if diff:
        shop.updated_at = clock.now()
        audit(s, actor, "shop.update", "shop", 1, changes=diff)
    return shop_info(shop, _discount_limit(s))
