"""Checkout: ring up a sale in one transaction, and read past invoices.

:func:`checkout` does everything a sale needs in ONE transaction, so a sale is all or
nothing. Read :func:`_sell` top to bottom:

1. load the cart's products (row-locked in id order on MySQL), the shop row and the
   customer (row-locked; filed if new);
2. compute every figure with the domain's pure arithmetic (``domain/cart.py``) and check
   stock, payments and loyalty credits;
3. take the invoice number from the locked counter (``services/ledgers/numbering.py``);
4. write the invoice (with a snapshot of the shop, customer and products), its lines, the
   stock movements (``services/ledgers/stock.py``), payments and the audit row in SQLAlchemy
   Core, then the customer's loyalty and dues ledgers and visit through the ORM.

It is idempotent by the client-made ``sale_id``: submitting the same id again (a retry, a
double click, two terminals racing) returns the first invoice and writes nothing.

Lock order, shared with returns and dues so terminals never deadlock each other:
products (by id) → customer → a price approval's grant row → number counter.
``Database.run_core`` retries the whole sale on a deadlock or lock timeout, and turns a lost
connection into DatabaseUnavailable.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import namedtuple
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from sqlalchemy import Connection, Select, bindparam, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billbook import clock
from billbook.db.models import (
    SALE_AUDIT_ACTION, AuditEntry, CreditNoteLine, Customer, DuesEntry, Invoice, InvoiceLine, LoyaltyEntry, Payment,
    Product, Shop,
)
from billbook.db.uow import Database
from billbook.domain.cart import (
    CartError, CartItem, CartTotals, Discount, PaymentInput, Settlement, compute_cart, credits_earned,
    credits_for, parse_discount, settle,
)
from billbook.domain.calendar import parse_date
from billbook.domain.gst import (
    GstScheme, default_place_of_supply, gstin_state, is_valid_state_code, recipient_problem, state_name,
)
from billbook.domain import units
from billbook.domain.fingerprint import fingerprint
from billbook.domain.lines import BillLine, rate_str  # noqa: F401 - rate_str: used by cli and returns
from billbook.domain.money import ZERO, MoneyError, money_str, parse_amount, parse_price, parse_qty, price_str, qty_str
from billbook.domain.permissions import Permission
from billbook.errors import (
    BillbookError, Conflict, DatabaseUnavailable, NotFound, OutOfStock, PermissionDenied, ValidationError,
)
from billbook.services.base import Actor, audit_values, check_client_id, check_paging, requires
from billbook.services.ledgers.numbering import take_number
from billbook.services.ledgers.stock import move_stock
from billbook.services.people.customers import (
    check_address, check_b2b, check_name, check_phone, customer_for_sale, find_by_phone,
)
from billbook.services.people.shop import get_or_create_shop
from billbook.services.people.users import APPROVAL_MINUTES, Approval, check_approval

#: units sold only in whole numbers (kg, litres, metres may be fractional): domain/units.py
WHOLE_UNITS = units.WHOLE_UNITS
INVOICE_SERIES = "INV"
MAX_LINES = 500

#: Test hook: called with a stage name inside the checkout transaction (fault-injection tests).
_fault_hook = None


def _hook(stage: str) -> None:
    if _fault_hook is not None:
        _fault_hook(stage)


# ---------------------------------------------------------------- requests

@dataclass(frozen=True, slots=True)
class SaleItem:
    """A cart line as entered: SKU, barcode or product id; quantity; optional discount ("10"/"5%");
    optional ``price``: a unit price other than the catalog's (a price override: a cashier's
    needs an admin's approval, ``SaleRequest.price_approval``)."""
    product: str | int
    qty: Decimal | str | int
    discount: str | Decimal | Discount | None = None
    price: Decimal | str | None = None


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """``amount=None``: the rest of the bill. ``tendered``: cash handed over (change is given)."""
    mode: str
    amount: Decimal | str | None = None
    tendered: Decimal | str | None = None
    reference: str | None = None


@dataclass
class SaleRequest:
    """Everything the counter sends for one sale. ``sale_id`` is made by the client (a UUID)."""
    sale_id: str
    items: Sequence[SaleItem | tuple]
    payments: Sequence[PaymentRequest | tuple] = ()
    customer_phone: str | None = None
    customer_name: str | None = None
    customer_state_code: str | None = None
    customer_gstin: str | None = None
    bill_discount: str | Decimal | Discount | None = None
    #: the recipient's address (Rule 46(e)); filed on the customer when there is a phone
    customer_address: str | None = None
    #: two-digit state code the cashier chose (goods taken at the counter / shipped); None:
    #: the customer's state (the GSTIN's for a registered buyer), else the shop's
    place_of_supply: str | None = None
    #: where the goods go when not to the recipient's address (Rule 46(k))
    delivery_address: str | None = None
    #: an admin's approval (``users.approve(..., "price_override")``) for the lines sold at a
    #: price other than the catalog's; not needed when the seller is an admin
    price_approval: Approval | None = None


# ---------------------------------------------------------------- results

@dataclass(frozen=True, slots=True)
class PaymentInfo:
    mode: str
    amount: Decimal
    tendered: Decimal | None = None
    reference: str | None = None

    def to_json(self) -> dict:
        return {"mode": self.mode, "amount": money_str(self.amount),
                "tendered": money_str(self.tendered) if self.tendered is not None else None,
                "reference": self.reference}


@dataclass(frozen=True, slots=True)
class CustomerSnapshot:
    phone: str
    name: str
    gstin: str = ""
    state_code: str = ""
    address: str = ""
    pincode: str = ""
    locality: str = ""

    def to_json(self) -> dict:
        return {"phone": self.phone, "name": self.name, "gstin": self.gstin, "state_code": self.state_code,
                "address": self.address, "pincode": self.pincode, "locality": self.locality}


@dataclass(frozen=True, slots=True)
class InvoiceDetail:
    """An issued invoice with every stored figure (what PDFs, the GUI and ``--json`` show)."""
    id: int
    number: str
    sale_id: str
    doc_type: str                      # tax_invoice | bill_of_supply
    issued_at: dt.datetime
    business_date: dt.date
    fy: str
    cashier: str
    terminal: str
    customer: CustomerSnapshot | None
    place_of_supply: str
    inter_state: bool
    shop: dict
    lines: tuple[BillLine, ...]
    payments: tuple[PaymentInfo, ...]
    gross_total: Decimal
    discount_total: Decimal
    taxable_total: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    round_off: Decimal
    grand_total: Decimal
    paid_total: Decimal
    change: Decimal
    due: Decimal
    credits_earned: Decimal
    credits_redeemed: Decimal
    credits_balance: Decimal | None    # the customer's credits right after this sale
    dues_after: Decimal | None         # the customer's dues right after this sale
    bill_discount: str = ""
    status: str = "issued"
    #: where the goods go when not to the recipient's address (Rule 46(k)); None: not given
    delivery_address: str | None = None
    #: True when this call found the sale already recorded (same sale_id) and wrote nothing
    replayed: bool = field(default=False, compare=False)

    @property
    def tax_total(self) -> Decimal:
        return self.cgst + self.sgst + self.igst

    def to_json(self) -> dict:
        return {
            "number": self.number, "date": self.issued_at.isoformat(), "cashier": self.cashier,
            "customer": self.customer.to_json() if self.customer else None,
            "lines": [line.to_json() for line in self.lines],
            "taxable_total": money_str(self.taxable_total), "cgst": money_str(self.cgst),
            "sgst": money_str(self.sgst), "igst": money_str(self.igst), "round_off": money_str(self.round_off),
            "grand_total": money_str(self.grand_total),
            "payments": [p.to_json() for p in self.payments],
            "change": money_str(self.change), "due": money_str(self.due),
            # more than the contract's minimum:
            "sale_id": self.sale_id, "doc_type": self.doc_type, "business_date": self.business_date.isoformat(),
            "fy": self.fy, "terminal": self.terminal, "place_of_supply": self.place_of_supply,
            "place_of_supply_name": state_name(self.place_of_supply), "inter_state": self.inter_state,
            "delivery_address": self.delivery_address,
            "gross_total": money_str(self.gross_total), "discount_total": money_str(self.discount_total),
            "tax_total": money_str(self.tax_total), "paid_total": money_str(self.paid_total),
            "bill_discount": self.bill_discount,
            "credits_earned": money_str(self.credits_earned), "credits_redeemed": money_str(self.credits_redeemed),
            "credits_balance": money_str(self.credits_balance) if self.credits_balance is not None else None,
            "dues_after": money_str(self.dues_after) if self.dues_after is not None else None,
            "status": self.status, "replayed": self.replayed, "shop": self.shop,
        }


@dataclass(frozen=True)
class InvoiceSummary:
    number: str
    issued_at: dt.datetime
    business_date: dt.date
    doc_type: str
    cashier: str
    terminal: str
    customer_phone: str
    customer_name: str
    taxable_total: Decimal
    tax_total: Decimal
    grand_total: Decimal
    paid_total: Decimal
    due: Decimal
    status: str

    def to_json(self) -> dict:
        return {"number": self.number, "date": self.issued_at.isoformat(),
                "business_date": self.business_date.isoformat(), "doc_type": self.doc_type,
                "cashier": self.cashier, "terminal": self.terminal,
                "customer_phone": self.customer_phone or None, "customer_name": self.customer_name or None,
                "taxable_total": money_str(self.taxable_total), "tax_total": money_str(self.tax_total),
                "grand_total": money_str(self.grand_total), "paid_total": money_str(self.paid_total),
                "due": money_str(self.due), "status": self.status}


@dataclass(frozen=True)
class CartPreview:
    """Running totals of a cart, computed exactly as checkout will (nothing written)."""
    lines: tuple[BillLine, ...]               # each with ``available``: the stock now
    doc_type: str
    place_of_supply: str
    inter_state: bool
    gross_total: Decimal
    discount_total: Decimal
    taxable_total: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    round_off: Decimal
    grand_total: Decimal
    customer: CustomerSnapshot | None = None
    customer_credits: Decimal | None = None
    customer_dues: Decimal | None = None

    def to_json(self) -> dict:
        return {"lines": [line.to_json() for line in self.lines], "doc_type": self.doc_type,
                "place_of_supply": self.place_of_supply, "inter_state": self.inter_state,
                "gross_total": money_str(self.gross_total), "discount_total": money_str(self.discount_total),
                "taxable_total": money_str(self.taxable_total), "cgst": money_str(self.cgst),
                "sgst": money_str(self.sgst), "igst": money_str(self.igst), "round_off": money_str(self.round_off),
                "grand_total": money_str(self.grand_total),
                "customer": self.customer.to_json() if self.customer else None,
                "customer_credits": money_str(self.customer_credits) if self.customer_credits is not None else None,
                "customer_dues": money_str(self.customer_dues) if self.customer_dues is not None else None}


# ---------------------------------------------------------------- input checks (no database)

@dataclass(frozen=True, slots=True)
class _Line:
    key: str | int
    qty: Decimal
    discount: Discount | None
    price: Decimal | None = None       # a price override (None: the catalog price)


def _validation(exc: CartError | MoneyError, default_field: str) -> ValidationError:
    if isinstance(exc, CartError):
        return ValidationError(exc.field, exc.message)
    text = str(exc)
    fld, _, msg = text.partition(": ")
    return ValidationError(fld if msg else default_field, msg or text)


def _parse_items(items: Iterable[SaleItem | tuple]) -> list[_Line]:
    out = []
    for n, raw in enumerate(items or (), 1):
        price_in = None
        if isinstance(raw, SaleItem):
            key, qty_in, disc_in, price_in = raw.product, raw.qty, raw.discount, raw.price
        elif type(raw) is tuple and 2 <= len(raw) <= 3:          # (product, qty[, discount])
            key, qty_in, disc_in = raw if len(raw) == 3 else (*raw, None)
        else:                                                    # (product, qty, discount, price)...
            item = SaleItem(*raw)
            key, qty_in, disc_in, price_in = item.product, item.qty, item.discount, item.price
        if isinstance(key, bool) or key is None or (isinstance(key, str) and not key.strip()):
            raise ValidationError("item", f"line {n}: which product? (SKU, barcode or id)")
        if isinstance(key, str):
            key = key.strip()
            if len(key) > 40:
                raise ValidationError("item", f"line {n}: {key[:40]}… is not a SKU or barcode")
        try:
            qty = parse_qty(qty_in, field="quantity")
            disc = parse_discount(disc_in, field="discount")
            price = None if price_in is None or price_in == "" else parse_price(price_in, field="price")
        except (CartError, MoneyError) as exc:
            err = _validation(exc, "quantity")
            raise ValidationError(err.field, f"line {n} ({key}): {err.message}") from None
        if price is not None and price <= 0:
            raise ValidationError("price", f"line {n} ({key}): the price must be more than zero")
        out.append(_Line(key, qty, disc, price))
    if not out:
        raise ValidationError("items", "the cart is empty")
    if len(out) > MAX_LINES:
        raise ValidationError("items", f"at most {MAX_LINES} lines on one bill")
    return out


def _parse_payments(payments: Iterable[PaymentRequest | tuple]) -> list[PaymentInput]:
    out = []
    for raw in payments or ():
        p = raw if isinstance(raw, PaymentRequest) else PaymentRequest(*raw)
        mode = (p.mode or "").strip().lower()
        try:
            amount = None if p.amount in (None, "") else parse_amount(p.amount, field="amount", allow_zero=False)
            tendered = None if p.tendered in (None, "") else parse_amount(p.tendered, field="tendered",
                                                                          allow_zero=False)
        except MoneyError as exc:
            raise ValidationError("payment", f"{mode or '?'} {str(exc).split(': ', 1)[-1]}") from None
        ref = (p.reference or "").strip() or None
        if ref is not None and (len(ref) > 64 or any(ord(c) < 32 for c in ref)):
            raise ValidationError("payment", "a payment reference is at most 64 plain characters")
        out.append(PaymentInput(mode, amount, tendered, ref))
    return out


def _check_state(code: str | None, field: str = "state_code") -> str:
    text = (code or "").strip()
    if not text:
        return ""
    text = text.zfill(2)
    if not is_valid_state_code(text):
        raise ValidationError(field, f"{code!r} is not a GST state code (e.g. 27 for Maharashtra)")
    return text


def _check_delivery(text: str | None) -> str | None:
    address = (text or "").strip()
    if not address:
        return None
    if len(address) > 400 or any(ord(c) < 32 and c != "\n" for c in address):
        raise ValidationError("delivery_address", "a delivery address is at most 400 characters")
    return address


# ---------------------------------------------------------------- products and shop (reads)

_P, _SHOP = Product.__table__, Shop.__table__
_INVOICES, _LINES, _PAYMENTS, _AUDIT = (Invoice.__table__, InvoiceLine.__table__, Payment.__table__,
                                        AuditEntry.__table__)

_INSERT_INVOICE, _INSERT_LINES, _INSERT_PAYMENTS, _INSERT_AUDIT = (
    insert(_INVOICES), insert(_LINES), insert(_PAYMENTS), insert(_AUDIT))

_PRODUCT_COLS = (_P.c.id, _P.c.sku, _P.c.barcode, _P.c.name, _P.c.category_id, _P.c.hsn, _P.c.unit, _P.c.price,
                 _P.c.cost_price, _P.c.gst_rate, _P.c.tax_inclusive, _P.c.stock_qty, _P.c.active)
#: what a sale reads of the shop row: its printed snapshot, numbering and money settings, and
#: whether it has a logo (not the logo); columns named ``shop_*``
_SHOP_COLS = (*(_SHOP.c[name].label(f"shop_{name}") for name in (
    "id", "name", "address", "pincode", "locality", "phone", "email", "gstin", "state_code", "gst_scheme", "upi_vpa",
    "footer_text",
    "currency", "locale", "invoice_prefix", "round_off", "allow_negative_stock", "credit_value",
    "loyalty_rupees_per_credit")), _SHOP.c.logo.is_not(None).label("shop_has_logo"))


@functools.lru_cache(maxsize=128)
def _products_statement(n_ids: int, n_codes: int, lock: bool) -> Select:
    """The products with ids :i0.. or SKU/barcode :c0.. ; with ``lock``: ``FOR UPDATE``, in id
    order (every terminal locks products in the same order). One statement per cart shape,
    compiled once."""
    conds = []
    if n_ids:
        conds.append(_P.c.id.in_([bindparam(f"i{k}", type_=_P.c.id.type) for k in range(n_ids)]))
    if n_codes:
        codes = [bindparam(f"c{k}", type_=_P.c.sku.type) for k in range(n_codes)]
        conds += [_P.c.sku.in_(codes), _P.c.barcode.in_(codes)]
    stmt = select(*_PRODUCT_COLS).where(or_(*conds))
    return stmt.order_by(_P.c.id).with_for_update() if lock else stmt


#: the shop row as a sale reads it. Not locked: a sale only reads it (locking it in the same
#: statement as the products, a join ``FOR UPDATE``, let terminals deadlock under load).
_SHOP_ROW = select(*_SHOP_COLS).where(_SHOP.c.id == 1)
_ShopRow = namedtuple("_ShopRow", [c.name[len("shop_"):] for c in _SHOP_COLS])


def _load_products(conn: Connection, lines: list[_Line], *, lock: bool) -> dict:
    """{cart key: product row} for the cart (one SELECT; with ``lock``: ``FOR UPDATE`` in id order)."""
    ids = sorted({line.key for line in lines if not isinstance(line.key, str)})
    codes = sorted({line.key for line in lines if isinstance(line.key, str)})
    params = {f"i{k}": v for k, v in enumerate(ids)}
    params.update((f"c{k}", v) for k, v in enumerate(codes))
    return _match_products(lines, conn.execute(_products_statement(len(ids), len(codes), lock), params).all())


def _load_shop(conn: Connection) -> _ShopRow | None:
    """The shop row (None while the shop details were never saved)."""
    row = conn.execute(_SHOP_ROW).first()
    return _ShopRow._make(row) if row is not None else None


def _match_products(lines: list[_Line], rows) -> dict:
    """{cart key: product row}, refusing unknown keys, products no longer sold and part units."""
    # one lookup table: ids are ints, codes are text (they never collide); a SKU wins over an
    # equal barcode of another product, so SKUs go in last
    by_key = {p.barcode: p for p in rows if p.barcode}
    for p in rows:
        by_key[p.sku] = p
        by_key[p.id] = p
    found: dict = {}
    for n, line in enumerate(lines, 1):
        p = by_key.get(line.key)
        if p is None:
            raise ValidationError("item", f"line {n}: no product with SKU or barcode {line.key!r}")
        if not p.active:
            raise ValidationError("item", f"line {n}: {p.name} ({p.sku}) is no longer sold")
        if p.unit in WHOLE_UNITS and line.qty != line.qty.to_integral_value():
            units.check_quantity(line.qty, p.unit, what=f"line {n}: {p.name} ({p.sku})")
        found[line.key] = p
    return found


def _cart_items(lines: list[_Line], products: dict) -> list[CartItem]:
    return [CartItem(sku=p.sku, name=p.name, unit_price=p.price if line.price is None else line.price,
                     gst_rate=p.gst_rate, qty=line.qty,
                     tax_inclusive=p.tax_inclusive, discount=line.discount, hsn=p.hsn, unit=p.unit,
                     product_id=p.id, category_id=p.category_id, cost_price=p.cost_price)
            for line in lines for p in [products[line.key]]]


def _overrides(lines: list[_Line], products: dict) -> list[tuple[int, _Line, object]]:
    """The lines sold at a price other than the catalog's: [(line number, line, product row)].

    Refuses a price above a tax-inclusive product's catalog price: that price is the MRP
    printed on the pack, and nothing may be sold above it."""
    out = []
    for n, line in enumerate(lines, 1):
        if line.price is None:
            continue
        p = products[line.key]
        if line.price == p.price:
            continue
        if p.tax_inclusive and line.price > p.price:
            raise ValidationError("price", f"line {n}: {p.name} ({p.sku}) has an MRP of {price_str(p.price)}; "
                                           "it cannot be sold above it")
        out.append((n, line, p))
    return out


def _price_approval(s: Session, actor: Actor, approval: Approval | None) -> Approval:
    """The admin's approval for a cashier's price override, checked in the sale's transaction:
    given to this cashier for "price_override" (its audit row exists), less than
    APPROVAL_MINUTES old, and not used by another bill yet. The grant's audit row stays locked
    until this sale commits, so a second bill racing to use the same approval waits, then sees
    this one's ``price.override`` rows and is refused."""
    if approval is None:
        raise PermissionDenied("Selling at a price other than the catalog's needs an admin's approval "
                               "(an admin's user name and password at the counter). Nothing was saved.")
    ok = check_approval(s, actor, approval, "price_override", lock=True)
    if ok is None:
        raise PermissionDenied(f"The admin's approval of the price change is not valid (given to someone else, "
                               f"for something else, or more than {APPROVAL_MINUTES} minutes ago): ask an admin "
                               "to approve it again. Nothing was saved.")
    since = clock.now() - dt.timedelta(minutes=APPROVAL_MINUTES)
    used = s.scalars(select(AuditEntry.id).where(
        AuditEntry.action == "price.override", AuditEntry.username == actor.username, AuditEntry.at >= since,
        AuditEntry.details.contains(ok.token))).first()
    if used is not None:
        raise PermissionDenied("That admin approval of a price change was already used for another bill: "
                               "ask an admin to approve this one. Nothing was saved.")
    return ok


def _compute(items: list[CartItem], shop, place_of_supply: str, bill_discount) -> CartTotals:
    try:
        disc = parse_discount(bill_discount, field="discount")
        return compute_cart(items, inter_state=place_of_supply != shop.state_code,
                            charges_gst=shop.gst_scheme == GstScheme.REGULAR.value, bill_discount=disc,
                            round_off=bool(shop.round_off))
    except CartError as exc:
        raise _validation(exc, "items") from None


def shop_snapshot(shop, has_logo: bool | None = None) -> dict:
    """What an issued document prints about the shop, frozen at issue time."""
    return {"name": shop.name, "address": shop.address, "pincode": shop.pincode, "locality": shop.locality,
            "phone": shop.phone, "email": shop.email,
            "gstin": shop.gstin, "state_code": shop.state_code, "state_name": state_name(shop.state_code),
            "gst_scheme": shop.gst_scheme, "upi_vpa": shop.upi_vpa, "footer_text": shop.footer_text,
            "currency": shop.currency, "locale": shop.locale,
            "has_logo": bool(shop.logo) if has_logo is None else has_logo}


def _snapshot(shop, has_logo: bool) -> tuple[dict, str]:
    """The shop snapshot and its JSON text; made once per distinct shop row (a _ShopRow is a
    tuple of its values), fresh for an ORM Shop (the very first sale)."""
    if isinstance(shop, tuple):
        snap, text = _snapshot_of_row(shop, has_logo)
        return dict(snap), text
    snap = shop_snapshot(shop, has_logo)
    return snap, json.dumps(snap, ensure_ascii=False)


@functools.lru_cache(maxsize=8)
def _snapshot_of_row(shop: tuple, has_logo: bool) -> tuple[dict, str]:
    snap = shop_snapshot(shop, has_logo)
    return snap, json.dumps(snap, ensure_ascii=False)


# ---------------------------------------------------------------- checkout

@dataclass(frozen=True, slots=True)
class _CheckedSale:
    """A sale request whose every field has been checked (no database needed)."""
    sale_id: str
    lines: list[_Line]
    payments: list[PaymentInput]
    phone: str | None
    state_code: str                    # the customer's state (on file from now on)
    gstin: str | None                  # checked and normalised
    customer_name: str | None
    bill_discount: str | Decimal | Discount | None
    address: str | None = None         # the recipient's address
    place: str = ""                    # the place of supply the cashier chose ("": the default)
    delivery: str | None = None        # the delivery address
    fingerprint: str = ""              # of the whole checked request (domain/fingerprint.py)
    price_approval: Approval | None = None   # for price overrides (not in the fingerprint)


def _check_request(req: SaleRequest) -> _CheckedSale:
    sale_id = check_client_id(req.sale_id, "sale_id", "a sale id")
    lines = _parse_items(req.items)
    pays = _parse_payments(req.payments)
    phone = check_phone(req.customer_phone) if req.customer_phone not in (None, "") else None
    state_code = _check_state(req.customer_state_code)
    gstin = None
    if req.customer_gstin not in (None, ""):
        if not phone:
            raise ValidationError("customer_gstin", "a GSTIN needs the customer's phone to file the customer")
        # a GSTIN in any of GSTN's formats with its check character; a state given with it must be its own
        gstin, _ = check_b2b(req.customer_gstin, state_code or None)
        gstin = gstin or None
    name = check_name(req.customer_name, required=False) or None
    address = check_address(req.customer_address) or None
    place = _check_state(req.place_of_supply, "place_of_supply")
    delivery = _check_delivery(req.delivery_address)
    try:
        parse_discount(req.bill_discount, field="discount")
    except CartError as exc:
        raise _validation(exc, "discount") from None
    # a line's price only when it was given, so a sale without overrides keeps its fingerprint
    content = {"items": [[line.key, line.qty, line.discount] + ([line.price] if line.price is not None else [])
                         for line in lines],
               "payments": [[p.mode, p.amount, p.tendered, p.reference] for p in pays],
               "customer": [phone, state_code, gstin, name, address], "place": place, "delivery": delivery,
               "discount": req.bill_discount}
    return _CheckedSale(sale_id, lines, pays, phone, state_code, gstin, name, req.bill_discount, address, place,
                        delivery, fingerprint("sale", content), req.price_approval)


@requires(Permission.SELL)
def checkout(db: Database, actor: Actor, req: SaleRequest) -> InvoiceDetail:
    """Ring up a sale in one transaction and return the issued invoice.

    Raises ValidationError (bad items, payments, customer), OutOfStock (naming the product
    and what is available; nothing written), PermissionDenied (a cashier's line at a price
    other than the catalog's without a valid ``req.price_approval``; each overridden line
    gets a ``price.override`` audit row naming the cashier, the approver, the product, the
    catalog and the sold price). The same ``req.sale_id`` again returns the
    first invoice (``replayed=True``) and writes nothing; the same id with a different cart,
    payments or customer is refused (Conflict) and writes nothing.
    """
    sale = _check_request(req)

    def recorded() -> int | None:
        return db.run(lambda s: s.scalar(select(Invoice.id).where(Invoice.sale_id == sale.sale_id)), readonly=True)

    # No look for the sale id first (it would cost every sale a query): a sale id already
    # recorded makes the invoice INSERT fail on the unique sale_id, or the sale is refused
    # earlier (stock or credits the first one used up); either way nothing is written and
    # the look happens below, only then.
    for attempt in (1, 2):
        try:
            return db.run_core(lambda conn: _sell(conn, actor, sale))
        except IntegrityError:
            # This sale id was recorded before (or another terminal created this customer).
            if (found := recorded()) is not None:
                return _replay(db, found, sale)
            if attempt == 2:
                raise Conflict("sale", "the sale clashed with another terminal twice; please submit it again")
        except DatabaseUnavailable:
            raise
        except BillbookError:
            # Refused (short stock, credits, a product no longer sold...): if this sale id is
            # already an invoice, this is a resubmit and its answer is that invoice.
            if (found := recorded()) is not None:
                return _replay(db, found, sale)
            raise
    raise AssertionError("unreachable")


def _replay(db: Database, invoice_id: int, sale: _CheckedSale) -> InvoiceDetail:
    """The invoice already made from ``sale.sale_id`` — if it was made from the same request."""
    def work(s: Session) -> InvoiceDetail:
        inv = s.get(Invoice, invoice_id)
        if inv.request_hash is not None and inv.request_hash != sale.fingerprint:
            raise Conflict("sale_id", f"sale id {sale.sale_id} was already used for a different sale "
                                      f"(invoice {inv.number}); nothing was written. A new sale needs a new sale id.")
        return _detail(s, inv)
    return replace(db.run(work, readonly=True), replayed=True)


def _sell(conn: Connection, actor: Actor, sale: _CheckedSale) -> InvoiceDetail:
    """One sale on the transaction's connection, top to bottom: load (in lock order), compute,
    check, take the number, write the rows.

    Lock order, shared with returns and dues so terminals never deadlock each other:
    products (by id) → customer → a price approval's grant row → number counter. On SQLite
    ``BEGIN IMMEDIATE`` has already taken the database's write lock, so no row locks are
    asked for there.
    """
    now = clock.now()
    orm: Session | None = None          # an ORM Session on this connection, only when needed

    def session() -> Session:
        nonlocal orm
        if orm is None:                 # joins this transaction; never commits it (run_core does)
            orm = Session(bind=conn, join_transaction_mode="rollback_only", expire_on_commit=False)
        return orm

    try:
        # 1. load: the products (locked), the shop, the customer (locked; filed if new)
        products = _load_products(conn, sale.lines, lock=conn.dialect.name != "sqlite")
        shop = _load_shop(conn)
        has_logo = bool(shop.has_logo) if shop is not None else False
        if shop is None:                # the very first sale, before anyone saved shop details
            shop = get_or_create_shop(session())
        customer: Customer | None = None
        if sale.phone:
            # a GSTIN, state or address given now is stored on the customer (new or on file alike)
            customer = customer_for_sale(session(), actor, sale.phone, sale.customer_name, gstin=sale.gstin,
                                         state_code=sale.state_code or None, address=sale.address, lock=True)
        # the recipient as the invoice names it: the customer, or a walk-in's name/address/state
        gstin = customer.gstin if customer else ""
        cust_state = customer.state_code if customer else sale.state_code
        cust_name = customer.name if customer else (sale.customer_name or "")
        cust_address = customer.address if customer else (sale.address or "")
        # place of supply: the cashier's choice, else the customer's state (the GSTIN's for a
        # registered buyer), else the shop's; IGST exactly when it is not the shop's state
        place = sale.place or default_place_of_supply(shop.state_code, gstin=gstin, customer_state=cust_state)

        # 2. compute (domain: pure arithmetic) and check what the shop allows
        items = _cart_items(sale.lines, products)
        totals = _compute(items, shop, place, sale.bill_discount)
        problem = recipient_problem(tax_invoice=totals.doc_type == "tax_invoice", registered=bool(gstin),
                                    taxable_value=totals.taxable_total, name=cust_name, address=cust_address,
                                    state_code=cust_state)
        if problem:
            raise ValidationError("customer", problem)
        settlement = _settle(totals, sale.payments)
        redeemed, earned = _loyalty(settlement, shop, customer)
        stock_now = {p.id: p for p in products.values()}
        wanted: dict[int, Decimal] = {}
        for item in items:
            wanted[item.product_id] = wanted.get(item.product_id, ZERO) + item.qty
        if not shop.allow_negative_stock:
            for pid in sorted(wanted):
                p = stock_now[pid]
                if wanted[pid] > p.stock_qty:
                    raise OutOfStock(p.sku, p.name, qty_str(max(p.stock_qty, ZERO)), qty_str(wanted[pid]))
        # a price other than the catalog's: an admin's own, or approved by one for this cashier
        overridden = _overrides(sale.lines, products)
        approval = (_price_approval(session(), actor, sale.price_approval)
                    if overridden and not actor.is_admin else None)

        # 3. the number, from the locked counter (a rollback gives it back)
        if orm is not None:
            orm.flush()                 # a customer filed just now: its rows go first
        number, fy, seq = take_number(conn, INVOICE_SERIES, shop.invoice_prefix, now)
        _hook("numbered")

        # 4. write: invoice, lines, stock, payments, audit. A sale id already recorded (a
        # retry, a twin that committed while we waited for the locks) fails the unique
        # sale_id on the invoice INSERT: the transaction rolls back, the number with it.
        snap, snap_json = _snapshot(shop, has_logo)
        invoice_id = conn.execute(_INSERT_INVOICE, dict(
            number=number, sale_id=sale.sale_id, request_hash=sale.fingerprint, fy=fy, seq=seq,
            doc_type=totals.doc_type, issued_at=now,
            business_date=now.date(), cashier_id=actor.user_id, cashier_name=actor.username,
            terminal=actor.terminal or "", customer_id=customer.id if customer else None,
            customer_name=cust_name, customer_phone=customer.phone if customer else "",
            customer_gstin=gstin, customer_address=cust_address, customer_state_code=cust_state,
            customer_pincode=customer.pincode if customer else "",
            customer_locality=customer.locality if customer else "",
            place_of_supply=place, inter_state=totals.inter_state, delivery_address=sale.delivery,
            shop_snapshot=snap_json,
            gross_total=totals.gross_total, discount_total=totals.discount_total,
            taxable_total=totals.taxable_total, cgst=totals.cgst, sgst=totals.sgst, igst=totals.igst,
            round_off=totals.round_off, grand_total=totals.grand_total, paid_total=settlement.paid_total,
            change_given=settlement.change, due_amount=settlement.due, credits_earned=earned,
            credits_redeemed=redeemed, bill_discount_text=totals.bill_discount.text if totals.bill_discount else "",
            status="issued", print_count=0,
        )).inserted_primary_key[0]
        lines = totals.lines
        conn.execute(_INSERT_LINES, [dict(ln.row(), invoice_id=invoice_id) for ln in lines])
        move_stock(conn, [(stock_now[pid], -wanted[pid], stock_now[pid].cost_price) for pid in sorted(wanted)],
                   "sale", actor, ref_type="invoice", ref_id=invoice_id, at=now)
        conn.execute(_INSERT_PAYMENTS, [
            dict(kind="sale", invoice_id=invoice_id, customer_id=customer.id if customer else None, mode=p.mode,
                 amount=p.amount, tendered=p.tendered, reference=p.reference, at=now, business_date=now.date(),
                 user_id=actor.user_id, terminal=actor.terminal or "")
            for p in settlement.payments])
        conn.execute(_INSERT_AUDIT, audit_values(actor, SALE_AUDIT_ACTION, "invoice", invoice_id, at=now,
                                                  number=number, total=totals.grand_total, lines=len(lines),
                                                  sale_id=sale.sale_id))
        if overridden:
            conn.execute(_INSERT_AUDIT, [audit_values(
                actor, "price.override", "invoice", invoice_id, at=now, number=number, line=n, sku=p.sku,
                product=p.name, catalog_price=price_str(p.price), price=price_str(line.price),
                approver=approval.approver if approval else actor.username,
                approval=approval.token if approval else "") for n, line, p in overridden])
        _hook("lines")

        # 5. the customer's ledgers and visit (ORM rows on the same connection)
        credits_balance = dues_after = None
        if customer is not None:
            _update_customer(session(), actor, customer, invoice_id, number, now, totals.grand_total,
                             redeemed, earned, settlement.due)
            credits_balance, dues_after = customer.credits, customer.dues
        _hook("before_commit")
        if orm is not None:
            orm.flush()
        _hook("flushed")
    finally:
        if orm is not None:
            orm.close()

    return InvoiceDetail(
        id=invoice_id, number=number, sale_id=sale.sale_id, doc_type=totals.doc_type, issued_at=now,
        business_date=now.date(), fy=fy, cashier=actor.username, terminal=actor.terminal or "",
        customer=CustomerSnapshot(customer.phone, customer.name, gstin, cust_state, customer.address,
                                  customer.pincode, customer.locality) if customer
        else CustomerSnapshot("", cust_name, "", cust_state, cust_address) if cust_name else None,
        place_of_supply=place, inter_state=totals.inter_state, shop=snap, lines=lines,
        payments=tuple(PaymentInfo(p.mode, p.amount, p.tendered, p.reference) for p in settlement.payments),
        gross_total=totals.gross_total, discount_total=totals.discount_total, taxable_total=totals.taxable_total,
        cgst=totals.cgst, sgst=totals.sgst, igst=totals.igst, round_off=totals.round_off,
        grand_total=totals.grand_total, paid_total=settlement.paid_total, change=settlement.change,
        due=settlement.due, credits_earned=earned, credits_redeemed=redeemed, credits_balance=credits_balance,
        dues_after=dues_after, bill_discount=totals.bill_discount.text if totals.bill_discount else "",
        status="issued", delivery_address=sale.delivery,
    )


def _settle(totals: CartTotals, payments: list[PaymentInput]) -> Settlement:
    try:
        return settle(totals.grand_total, payments)
    except CartError as exc:
        raise _validation(exc, "payment") from None


def _loyalty(settlement: Settlement, shop, customer: Customer | None) -> tuple[Decimal, Decimal]:
    """(credits redeemed, credits earned) by this sale; refuses credits or dues without a customer."""
    redeemed = ZERO
    if settlement.credits_amount:
        if customer is None:
            raise ValidationError("payment", "paying with credits needs the customer's phone")
        try:
            redeemed = credits_for(settlement.credits_amount, shop.credit_value)
        except CartError as exc:
            raise _validation(exc, "payment") from None
        if redeemed > customer.credits:
            raise ValidationError("payment", f"{customer.name} has {money_str(customer.credits)} credits; "
                                             f"{money_str(redeemed)} needed")
    if settlement.due and customer is None:
        raise ValidationError("payment", "putting a bill on account needs the customer's phone")
    earned = credits_earned(settlement.money_paid, shop.loyalty_rupees_per_credit) if customer else ZERO
    return redeemed, earned


def _update_customer(s: Session, actor: Actor, customer: Customer, invoice_id: int, number: str,
                     now: dt.datetime, grand_total: Decimal, redeemed: Decimal, earned: Decimal,
                     due: Decimal) -> None:
    """The sale on the customer's row (locked) and ledgers: credits, dues, visits."""
    if redeemed:
        customer.credits -= redeemed
        s.add(LoyaltyEntry(customer_id=customer.id, at=now, delta=-redeemed, reason="redeem", note=number,
                           invoice_id=invoice_id, user_id=actor.user_id, balance_after=customer.credits))
    if earned:
        customer.credits += earned
        s.add(LoyaltyEntry(customer_id=customer.id, at=now, delta=earned, reason="earn", note=number,
                           invoice_id=invoice_id, user_id=actor.user_id, balance_after=customer.credits))
    if due:
        customer.dues += due
        s.add(DuesEntry(customer_id=customer.id, at=now, delta=due, reason="sale", invoice_id=invoice_id,
                        user_id=actor.user_id, balance_after=customer.dues, note=number))
    customer.visits = (customer.visits or 0) + 1
    customer.first_visit = customer.first_visit or now
    customer.last_visit = now
    customer.total_spent = (customer.total_spent or ZERO) + grand_total


# ---------------------------------------------------------------- preview (the GUI's running totals)

@requires(Permission.SELL)
def preview(db: Database, actor: Actor, items: Sequence[SaleItem | tuple], *, customer_phone: str | None = None,
            customer_state_code: str | None = None, bill_discount=None, place_of_supply: str | None = None,
            customer_gstin: str | None = None) -> CartPreview:
    """The cart's figures exactly as :func:`checkout` would compute them; writes nothing.

    Unlike checkout, short stock is not an error here: each line carries ``available``; and a
    price override (``SaleItem.price``) is priced without asking for its approval.
    """
    lines = _parse_items(items)
    phone = check_phone(customer_phone) if customer_phone not in (None, "") else None
    state_code = _check_state(customer_state_code)
    chosen = _check_state(place_of_supply, "place_of_supply")
    gstin_given, _ = check_b2b(customer_gstin, state_code or None) if customer_gstin else ("", "")

    def work(s: Session) -> CartPreview:
        shop = s.get(Shop, 1) or get_or_create_shop(s)
        products = _load_products(s.connection(), lines, lock=False)
        _overrides(lines, products)             # refuses a price above an MRP, as checkout will
        customer = find_by_phone(s, phone) if phone else None
        # as checkout will: a GSTIN or state given now counts as the customer's
        gstin = gstin_given or (customer.gstin if customer else "")
        cust_state = state_code or (gstin_state(gstin_given) if gstin_given else "") \
            or (customer.state_code if customer else "")
        place = chosen or default_place_of_supply(shop.state_code, gstin=gstin, customer_state=cust_state)
        totals = _compute(_cart_items(lines, products), shop, place, bill_discount)
        plines = tuple(replace(ln, available=products[line.key].stock_qty) for ln, line in zip(totals.lines, lines))
        snap = (CustomerSnapshot(customer.phone, customer.name, customer.gstin, customer.state_code,
                                 customer.address, customer.pincode, customer.locality) if customer else None)
        return CartPreview(plines, totals.doc_type, place, totals.inter_state, totals.gross_total,
                           totals.discount_total, totals.taxable_total, totals.cgst, totals.sgst, totals.igst,
                           totals.round_off, totals.grand_total, snap,
                           customer.credits if customer else None, customer.dues if customer else None)
    return db.run(work, readonly=True)


# ---------------------------------------------------------------- reading invoices

def _detail(s: Session, inv: Invoice | None) -> InvoiceDetail:
    if inv is None:
        raise NotFound("No such invoice.")
    returned = dict(s.execute(
        select(CreditNoteLine.invoice_line_id, func.sum(CreditNoteLine.qty))
        .join(InvoiceLine, InvoiceLine.id == CreditNoteLine.invoice_line_id)
        .where(InvoiceLine.invoice_id == inv.id).group_by(CreditNoteLine.invoice_line_id)).all())
    credits_balance = s.scalar(select(LoyaltyEntry.balance_after).where(LoyaltyEntry.invoice_id == inv.id)
                               .order_by(LoyaltyEntry.id.desc()).limit(1))
    dues_after = s.scalar(select(DuesEntry.balance_after).where(DuesEntry.invoice_id == inv.id,
                                                                DuesEntry.reason == "sale")
                          .order_by(DuesEntry.id.desc()).limit(1))
    if inv.customer_id is not None and credits_balance is None:
        credits_balance = s.scalar(select(LoyaltyEntry.balance_after)
                                   .where(LoyaltyEntry.customer_id == inv.customer_id, LoyaltyEntry.at <= inv.issued_at)
                                   .order_by(LoyaltyEntry.id.desc()).limit(1)) or ZERO
    if inv.customer_id is not None and dues_after is None:
        dues_after = s.scalar(select(DuesEntry.balance_after)
                              .where(DuesEntry.customer_id == inv.customer_id, DuesEntry.at <= inv.issued_at)
                              .order_by(DuesEntry.id.desc()).limit(1)) or ZERO
    try:
        shop = json.loads(inv.shop_snapshot or "{}")
    except ValueError:
        shop = {}
    customer = (CustomerSnapshot(inv.customer_phone, inv.customer_name, inv.customer_gstin, inv.customer_state_code,
                                 inv.customer_address, inv.customer_pincode, inv.customer_locality)
                if inv.customer_id is not None or inv.customer_name else None)   # a walk-in named for Rule 46(e)
    sale_pays = [p for p in inv.payments if p.kind == "sale"]
    return InvoiceDetail(
        id=inv.id, number=inv.number, sale_id=inv.sale_id, doc_type=inv.doc_type, issued_at=inv.issued_at,
        business_date=inv.business_date, fy=inv.fy, cashier=inv.cashier_name, terminal=inv.terminal,
        customer=customer, place_of_supply=inv.place_of_supply, inter_state=inv.inter_state, shop=shop,
        lines=tuple(BillLine.from_row(ln, returned_qty=returned.get(ln.id) or ZERO) for ln in inv.lines),
        payments=tuple(PaymentInfo(p.mode, p.amount, p.tendered, p.reference) for p in sale_pays),
        gross_total=inv.gross_total, discount_total=inv.discount_total, taxable_total=inv.taxable_total,
        cgst=inv.cgst, sgst=inv.sgst, igst=inv.igst, round_off=inv.round_off, grand_total=inv.grand_total,
        paid_total=inv.paid_total, change=inv.change_given, due=inv.due_amount,
        credits_earned=inv.credits_earned, credits_redeemed=inv.credits_redeemed,
        credits_balance=credits_balance, dues_after=dues_after, bill_discount=inv.bill_discount_text,
        status=inv.status, delivery_address=inv.delivery_address,
    )


def load_invoice_detail(s: Session, number: str) -> InvoiceDetail:
    """The invoice ``number`` as an InvoiceDetail, in the caller's session (for documents, reports)."""
    inv = s.scalars(select(Invoice).where(Invoice.number == (number or "").strip().upper())).one_or_none()
    if inv is None:
        raise NotFound(f"No invoice {number!r}.")
    return _detail(s, inv)


@requires(Permission.VIEW_INVOICES)
def get_invoice(db: Database, actor: Actor, number: str) -> InvoiceDetail:
    """One issued invoice with all its figures, lines (with quantities returned) and payments."""
    return db.run(lambda s: load_invoice_detail(s, number), readonly=True)


@requires(Permission.VIEW_INVOICES)
def get_invoice_by_sale_id(db: Database, actor: Actor, sale_id: str) -> InvoiceDetail | None:
    """The invoice made from client sale id ``sale_id``, or None (a terminal checking a retry)."""
    def work(s: Session):
        inv = s.scalars(select(Invoice).where(Invoice.sale_id == (sale_id or "").strip())).one_or_none()
        return _detail(s, inv) if inv is not None else None
    return db.run(work, readonly=True)


def _invoice_filters(date_from, date_to, customer_phone: str | None, search: str | None) -> list:
    """The WHERE conditions of an invoice search (validated)."""
    d_from, d_to = parse_date(date_from, "from", default=None), parse_date(date_to, "to", default=None)
    if d_from and d_to and d_from > d_to:
        raise ValidationError("from", "the start date is after the end date")
    phone = check_phone(customer_phone) if customer_phone not in (None, "") else None
    conditions = []
    if d_from:
        conditions.append(Invoice.business_date >= d_from)
    if d_to:
        conditions.append(Invoice.business_date <= d_to)
    if phone:
        conditions.append(Invoice.customer_phone == phone)
    if search and search.strip():
        like = f"%{search.strip().lower()}%"
        conditions.append(or_(func.lower(Invoice.number).like(like), func.lower(Invoice.customer_name).like(like),
                              Invoice.customer_phone.like(like)))
    return conditions


@requires(Permission.VIEW_INVOICES)
def list_invoices(db: Database, actor: Actor, date_from=None, date_to=None, customer_phone: str | None = None,
                  search: str | None = None, limit: int = 200, offset: int = 0) -> list[InvoiceSummary]:
    """Invoices newest first, filtered by business date range, customer phone, or text in the
    number / customer name / phone; ``limit`` 1–1000 a page (``MAX_PAGE``)."""
    conditions = _invoice_filters(date_from, date_to, customer_phone, search)
    limit, offset = check_paging(limit, offset)

    def work(s: Session) -> list[InvoiceSummary]:
        # newest first: by day, then by number within the day (ix_invoices_business_date
        # serves this order, its entries ending in the row id)
        stmt = (select(Invoice).where(*conditions).order_by(Invoice.business_date.desc(), Invoice.id.desc())
                .limit(limit).offset(offset))
        return [InvoiceSummary(i.number, i.issued_at, i.business_date, i.doc_type, i.cashier_name, i.terminal,
                               i.customer_phone, i.customer_name, i.taxable_total, i.cgst + i.sgst + i.igst,
                               i.grand_total, i.paid_total, i.due_amount, i.status)
                for i in s.scalars(stmt)]
    return db.run(work, readonly=True)


@requires(Permission.VIEW_INVOICES)
def count_invoices(db: Database, actor: Actor, date_from=None, date_to=None, customer_phone: str | None = None,
                   search: str | None = None) -> int:
    """How many invoices :func:`list_invoices` pages through with the same filters."""
    conditions = _invoice_filters(date_from, date_to, customer_phone, search)
    return db.run(lambda s: s.scalar(select(func.count()).select_from(Invoice).where(*conditions)), readonly=True)
