"""Suppliers: who the shop buys from (name unique; phone, email, GSTIN and state optional)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billbook.db.models import PurchaseOrder, Supplier
from billbook.db.uow import Database
from billbook.domain.permissions import Permission
from billbook.services.base import Actor, audit, requires
from billbook.services.people.customers import check_b2b
from billbook.errors import Conflict, NotFound, ValidationError

_PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{5,15}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class SupplierInfo:
    id: int
    name: str
    phone: str
    email: str
    gstin: str
    state_code: str
    address: str
    active: bool
    orders: int = 0

    def to_json(self) -> dict:
        return {"name": self.name, "phone": self.phone, "email": self.email, "gstin": self.gstin,
                "state_code": self.state_code, "address": self.address, "active": self.active,
                "orders": self.orders}


def _info(s: Session, sup: Supplier) -> SupplierInfo:
    n = s.scalar(select(func.count()).select_from(PurchaseOrder).where(PurchaseOrder.supplier_id == sup.id)) or 0
    return SupplierInfo(sup.id, sup.name, sup.phone, sup.email, sup.gstin, sup.state_code, sup.address, sup.active, n)


def _clean(fields: dict) -> dict:
    out = {}
    for key, value in fields.items():
        if value is None:
            continue
        text = str(value).strip()
        if any(ord(c) < 32 and c != "\n" for c in text):
            raise ValidationError(key, "contains control characters")
        if key == "name":
            if not text or len(text) > 120:
                raise ValidationError("name", "a supplier needs a name of up to 120 characters")
        elif key == "phone":
            if text and not _PHONE_RE.match(text):
                raise ValidationError("phone", f"{text!r} is not a phone number")
        elif key == "email":
            if text and (len(text) > 120 or not _EMAIL_RE.match(text)):
                raise ValidationError("email", f"{text!r} is not an e-mail address")
        elif key == "address":
            if len(text) > 400:
                raise ValidationError("address", "at most 400 characters")
        elif key not in ("gstin", "state_code"):
            raise ValidationError(key, "is not a supplier field")
        out[key] = text
    return out


def find_supplier(s: Session, name: str, *, lock: bool = False) -> Supplier:
    stmt = select(Supplier).where(Supplier.name == (name or "").strip())
    sup = s.scalars(stmt.with_for_update() if lock else stmt).one_or_none()
    if sup is None:
        raise NotFound(f"No supplier named {name!r}.")
    return sup


@requires(Permission.MANAGE_PURCHASING)
def add_supplier(db: Database, actor: Actor, name: str, *, phone=None, email=None, gstin=None, state_code=None,
                 address=None) -> SupplierInfo:
    clean = _clean(dict(name=name, phone=phone, email=email, address=address))
    if "name" not in clean:
        raise ValidationError("name", "a supplier needs a name")
    g, code = check_b2b(gstin, state_code)

    def work(s: Session) -> SupplierInfo:
        if s.scalars(select(Supplier.id).where(Supplier.name == clean["name"])).first() is not None:
            raise Conflict("name", f"Supplier {clean['name']} already exists.")
        sup = Supplier(name=clean["name"], phone=clean.get("phone", ""), email=clean.get("email", ""), gstin=g,
                       state_code=code, address=clean.get("address", ""), active=True)
        s.add(sup)
        s.flush()
        audit(s, actor, "supplier.add", "supplier", sup.id, name=sup.name)
        return _info(s, sup)
    return db.run(work)


@requires(Permission.MANAGE_PURCHASING)
def update_supplier(db: Database, actor: Actor, name: str, **changes) -> SupplierInfo:
    """Change a supplier's fields (``new_name`` renames); audited old → new."""
    new_name = changes.pop("new_name", None)
    gstin, state_code = changes.pop("gstin", None), changes.pop("state_code", None)
    active = changes.pop("active", None)
    clean = _clean({**changes, **({"name": new_name} if new_name is not None else {})})

    def work(s: Session) -> SupplierInfo:
        sup = find_supplier(s, name, lock=True)
        if gstin is not None or state_code is not None:
            g, code = check_b2b(gstin if gstin is not None else sup.gstin,
                                state_code if state_code is not None else (sup.state_code if gstin is None else None))
            clean["gstin"], clean["state_code"] = g, code
        if active is not None:
            clean["active"] = bool(active)
        if "name" in clean and clean["name"] != sup.name and s.scalars(
                select(Supplier.id).where(Supplier.name == clean["name"], Supplier.id != sup.id)).first():
            raise Conflict("name", f"Supplier {clean['name']} already exists.")
        diff = {k: (getattr(sup, k), v) for k, v in clean.items() if getattr(sup, k) != v}
        for k, (_, v) in diff.items():
            setattr(sup, k, v)
        if diff:
            audit(s, actor, "supplier.update", "supplier", sup.id, changes=diff)
        return _info(s, sup)
    return db.run(work)


@requires(Permission.MANAGE_PURCHASING)
def get_supplier(db: Database, actor: Actor, name: str) -> SupplierInfo:
    return db.run(lambda s: _info(s, find_supplier(s, name)), readonly=True)


@requires(Permission.MANAGE_PURCHASING)
def list_suppliers(db: Database, actor: Actor, *, include_inactive: bool = False) -> list[SupplierInfo]:
    def work(s: Session) -> list[SupplierInfo]:
        stmt = select(Supplier).order_by(Supplier.name)
        if not include_inactive:
            stmt = stmt.where(Supplier.active.is_(True))
        return [_info(s, sup) for sup in s.scalars(stmt)]
    return db.run(work, readonly=True)


@requires(Permission.MANAGE_PURCHASING)
def deactivate_supplier(db: Database, actor: Actor, name: str) -> SupplierInfo:
    """Hide a supplier from new orders; their purchase orders stay."""
    return update_supplier(db, actor, name, active=False)


@requires(Permission.MANAGE_PURCHASING)
def delete_supplier(db: Database, actor: Actor, name: str) -> None:
    """Delete a supplier with no purchase orders (else deactivate)."""
    def work(s: Session) -> None:
        sup = find_supplier(s, name, lock=True)
        if s.scalars(select(PurchaseOrder.id).where(PurchaseOrder.supplier_id == sup.id).limit(1)).first():
            raise Conflict("name", f"{sup.name} has purchase orders; deactivate the supplier instead")
        audit(s, actor, "supplier.delete", "supplier", sup.id, name=sup.name)
        s.delete(sup)
    db.run(work)
