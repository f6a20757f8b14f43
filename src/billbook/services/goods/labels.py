"""Barcode labels as use cases: which labels (products with copies, the low-stock list, a received
purchase order), an A4 sheet PDF or the terminal's label printer, and in-store EAN-13 codes for
products that have no barcode.

A label's price is what the customer pays for one unit (tax included); the barcode is the
product's EAN-13 when it has one, else Code 128 of its SKU. In-store codes start with a prefix
20–29 that is not one of the shop's weighing-scale prefixes (so a scale code and a product code
never collide) and are unique across the catalog.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from billbook import clock, config
from billbook.db.models import Product, PurchaseOrder, PurchaseOrderLine
from billbook.db.uow import Database
from billbook.devices import PrinterError, transport
from billbook.documents import files
from billbook.documents.labels import LAYOUTS, LabelItem, render_label_sheet, tspl, zpl
from billbook.domain.barcode import in_store_ean13, is_ean13
from billbook.domain.permissions import Permission
from billbook.errors import NotFound, ValidationError
from billbook.services.base import Actor, audit, requires
from billbook.services.goods.inventory import WHOLE_UNITS, low_stock
from billbook.services.ledgers import devices as device_ledger

MAX_COPIES = 1000
MAX_LABELS = 5000
CENT = Decimal("0.01")


@dataclass
class LabelsResult:
    path: Path | None
    pages: int
    labels: int
    warnings: list[str] = field(default_factory=list)
    job_id: int | None = None

    def to_json(self) -> dict:
        return {"path": str(self.path) if self.path else None, "pages": self.pages, "labels": self.labels,
                "warnings": self.warnings, "job": self.job_id}


def shelf_price(p: Product) -> Decimal:
    """What the customer pays for one unit, tax included."""
    if p.tax_inclusive:
        return p.price
    return (p.price * (1 + p.gst_rate / 100)).quantize(CENT, ROUND_HALF_UP)


def label_of(p: Product) -> LabelItem:
    code = p.barcode if p.barcode and is_ean13(p.barcode) else p.sku
    return LabelItem(p.sku, p.name, shelf_price(p), code)


def _copies(value, sku: str) -> int:
    try:
        n = int(Decimal(str(value)))
    except (ArithmeticError, ValueError):
        raise ValidationError("copies", f"{sku}: {value!r} is not a number of labels") from None
    if not 1 <= n <= MAX_COPIES:
        raise ValidationError("copies", f"{sku}: 1 to {MAX_COPIES} labels")
    return n


def _pairs(requests) -> list[tuple[str, object]]:
    """The requests as (SKU or barcode, copies) pairs; anything else is a plain refusal."""
    if isinstance(requests, (str, bytes)) or not hasattr(requests, "__iter__"):
        raise ValidationError("item", "give products as SKU=COPIES")
    pairs = []
    for req in requests:
        if isinstance(req, (str, bytes)) or not hasattr(req, "__len__") or len(req) != 2:
            raise ValidationError("item", f"{req!r} is not SKU=COPIES")
        pairs.append((req[0], req[1]))
    return pairs


def _items_in(s: Session, requests) -> list[tuple[LabelItem, int]]:
    wanted = [(str(sku).strip(), _copies(n, str(sku))) for sku, n in _pairs(requests)]
    if not wanted:
        raise ValidationError("item", "choose at least one product")
    skus = {sku for sku, _ in wanted}
    products = {p.sku: p for p in s.scalars(select(Product).where(Product.sku.in_(skus)))}
    if len(products) < len(skus):
        by_code = {p.barcode: p for p in s.scalars(select(Product).where(Product.barcode.in_(skus - set(products))))}
        products.update(by_code)
    out = []
    for sku, n in wanted:
        p = products.get(sku)
        if p is None:
            raise NotFound(f"No product with SKU {sku!r}.")
        out.append((label_of(p), n))
    if sum(n for _, n in out) > MAX_LABELS:
        raise ValidationError("copies", f"at most {MAX_LABELS} labels at once")
    return out


@requires(Permission.VIEW_PRODUCTS)
def label_items(db: Database, actor: Actor, requests) -> list[tuple[LabelItem, int]]:
    """Labels for ``requests`` = [(SKU, copies), ...] (a barcode in place of a SKU is fine)."""
    return db.run(lambda s: _items_in(s, requests), readonly=True)


@requires(Permission.VIEW_PRODUCTS)
def low_stock_requests(db: Database, actor: Actor) -> list[tuple[str, int]]:
    """One label for each product below its reorder level (shelf tags to re-stock)."""
    return [(row.sku, 1) for row in low_stock(db, actor)]


@requires(Permission.MANAGE_PURCHASING)
def received_po_requests(db: Database, actor: Actor, number: str) -> list[tuple[str, int]]:
    """A label for each unit received on purchase order ``number`` (one for loose goods: kg, l...)."""
    number = (number or "").strip().upper()

    def work(s: Session):
        po = s.scalars(select(PurchaseOrder).where(PurchaseOrder.number == number)).one_or_none()
        if po is None:
            raise NotFound(f"No purchase order {number!r}.")
        rows = s.execute(select(Product.sku, Product.unit, PurchaseOrderLine.received_qty)
                         .join(Product, Product.id == PurchaseOrderLine.product_id)
                         .where(PurchaseOrderLine.po_id == po.id).order_by(PurchaseOrderLine.id)).all()
        out = []
        for sku, unit, got in rows:
            if got and got > 0:
                out.append((sku, min(MAX_COPIES, int(got)) if unit in WHOLE_UNITS else 1))
        if not out:
            raise ValidationError("po", f"nothing has been received on {number} yet")
        return out

    return db.run(work, readonly=True)


def labels_path() -> Path:
    return config.data_dir() / "labels" / f"labels-{clock.now():%Y%m%d-%H%M%S}.pdf"


@requires(Permission.VIEW_PRODUCTS)
def labels_pdf(db: Database, actor: Actor, requests, *, out: str | Path | None = None, layout: int = 65,
               skip: int = 0) -> LabelsResult:
    """An A4 label sheet PDF (65, 48 or 24 labels a sheet) of ``requests`` = [(SKU, copies), ...]."""
    try:
        layout = int(layout)
    except (TypeError, ValueError):
        layout = 0
    if layout not in LAYOUTS:
        raise ValidationError("layout", f"{', '.join(map(str, LAYOUTS))} labels a sheet")
    try:
        skip = int(skip)
    except (TypeError, ValueError):
        skip = -1
    if not 0 <= skip < layout:
        raise ValidationError("skip", f"0 to {layout - 1} labels already used on the first sheet")
    items = db.run(lambda s: _items_in(s, requests), readonly=True)
    flat = [item for item, n in items for _ in range(n)]
    buf = io.BytesIO()
    rendered = render_label_sheet(flat, buf, layout=layout, skip=skip)
    path = Path(out) if out else labels_path()
    files.write_atomically(path, buf.getvalue())
    return LabelsResult(path, rendered.pages, rendered.labels, rendered.warnings)


@requires(Permission.VIEW_PRODUCTS)
def print_labels(db: Database, actor: Actor, requests, *, terminal: str | None = None) -> LabelsResult:
    """Send labels to this terminal's label printer (ZPL or TSPL, one format per product with copies)."""
    name = device_ledger.terminal_of(actor, terminal)

    def prepare(s: Session):
        items = _items_in(s, requests)
        printer = device_ledger.printer_for(s, name, "label")
        return items, printer, device_ledger.new_job(s, actor, name, "label", "", printer.uri)

    items, printer, job_id = db.run(prepare)
    data = (zpl if printer.language == "zpl" else tspl)(items)
    try:
        transport.send(printer.address, data, title="labels")
    except PrinterError as exc:
        device_ledger.finish_job(db, actor, job_id, exc)
        raise PrinterError(f"The labels did not print: {exc}", reason=exc.reason) from None
    device_ledger.finish_job(db, actor, job_id, None)
    return LabelsResult(None, 0, sum(n for _, n in items), [], job_id)


def _in_store_prefix(s: Session) -> str:
    layout = device_ledger.scale_layout(s)
    used = set(layout.prefixes) if layout else set()
    for prefix in ("20", "29", "28", "27", "26", "25", "24", "23", "22", "21"):
        if prefix not in used:
            return prefix
    raise ValidationError("barcode", "every prefix 20–29 is a scale prefix: free one for in-store codes")


@requires(Permission.MANAGE_PRODUCTS)
def assign_in_store_barcodes(db: Database, actor: Actor, skus=None) -> dict[str, str]:
    """Give each product without a barcode (or just ``skus``) an in-store EAN-13; {SKU: code}."""
    def work(s: Session) -> dict[str, str]:
        prefix = _in_store_prefix(s)
        q = select(Product).where(Product.barcode.is_(None)).order_by(Product.id).with_for_update()
        if skus:
            q = q.where(Product.sku.in_([str(x).strip() for x in skus]))
        todo = list(s.scalars(q))
        if skus:
            missing = {str(x).strip() for x in skus} - {p.sku for p in todo}
            if missing:
                had = set(s.scalars(select(Product.sku).where(Product.sku.in_(missing))))
                if missing - had:
                    raise NotFound(f"No product with SKU {sorted(missing - had)[0]!r}.")
                raise ValidationError("barcode", f"{sorted(had)[0]} already has a barcode")
        taken = set(s.scalars(select(Product.barcode).where(Product.barcode.like(prefix + "%"))))
        numbers = [int(c[2:12]) for c in taken if c and len(c) == 13 and c.isdigit()]
        n = max(numbers, default=0) + 1
        out: dict[str, str] = {}
        for p in todo:
            code = in_store_ean13(prefix, n)
            while code in taken:
                n += 1
                code = in_store_ean13(prefix, n)
            p.barcode = code
            p.updated_at = clock.now()
            taken.add(code)
            out[p.sku] = code
            n += 1
        if out:
            audit(s, actor, "product.barcodes", "product", "", assigned=out)
        return out

    return db.run(work)
