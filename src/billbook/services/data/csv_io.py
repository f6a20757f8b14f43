"""CSV import and export: the product catalog (with opening stock), customers, the stock ledger.

Files are UTF-8 (a byte-order mark is accepted on import and written on request, for
spreadsheets), with a header row and amounts as exact decimal text. The product columns are
those of ``shared/CLI.md`` "Product CSV"::

    sku,name,price,gst_rate,hsn,barcode,unit,stock,reorder_level,tax_inclusive,category,cost_price

so an export imports back unchanged (exports list active products; see ``include_inactive``).

Spreadsheet formulas: a text cell that a spreadsheet would run as a formula (it starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return, and is not a number) is written with a
leading apostrophe, which spreadsheets show as plain text (a product named ``=HYPERLINK(...)``
cannot run when the owner opens the export); a cell that starts with an apostrophe gets one
more. An import drops one leading apostrophe from every cell, as a spreadsheet does, so an
export still imports back unchanged.

A product import is all-or-nothing: every row is checked first (a dry run stops there and
lists every bad row with its line number and reason); the real import then writes all rows in
ONE transaction with bulk inserts (products, opening-stock ledger rows, search index) — 100,000
rows in seconds (``python -m billbook.devtools.bench.catalog``).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from billbook import clock, files
from billbook.db.models import Category, Customer, Product, StockMovement, User
from billbook.db.uow import Database
from billbook.domain import search as rules
from billbook.domain.money import money_str, price_str, qty_str
from billbook.domain.permissions import Permission
from billbook.services.base import Actor, audit, requires
from billbook.services.goods.catalog import (
    ProductFields, category_id, fast_insert, index_products, validate_product_fields,
)
from billbook.errors import BillbookError, FileRefused, StorageError, ValidationError
from billbook.services.people.shop import get_or_create_shop, parse_rates

PRODUCT_COLUMNS = ("sku", "name", "price", "gst_rate", "hsn", "barcode", "unit", "stock", "reorder_level",
                   "tax_inclusive", "category", "cost_price")
REQUIRED_COLUMNS = ("sku", "name", "price", "gst_rate")
CUSTOMER_COLUMNS = ("phone", "name", "email", "gstin", "state_code", "address", "credits", "dues", "visits",
                    "total_spent", "first_visit", "last_visit", "active")
LEDGER_COLUMNS = ("id", "at", "sku", "name", "reason", "detail", "qty_delta", "unit_cost", "user", "ref_type",
                  "ref_id")

_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n", ""}

#: progress(done_rows, total_rows) — called from inside the transaction; on a retried
#: transaction it starts again from 0.
Progress = Callable[[int, int], None]

BULK_CHUNK = 2000


@dataclass(frozen=True)
class RowError:
    line: int
    field: str | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field + ': ' if self.field else ''}{self.message}"

    def to_json(self) -> dict:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass
class ImportReport:
    rows: int
    imported: int
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict:
        return {"rows": self.rows, "imported": self.imported, "dry_run": self.dry_run, "ok": self.ok,
                "errors": [e.to_json() for e in self.errors]}


class ImportRejected(BillbookError):
    """A real import refused because of bad rows; nothing was written. ``report`` lists them."""

    def __init__(self, report: ImportReport):
        self.report = report
        first = report.errors[0]
        more = f" (and {len(report.errors) - 1} more bad rows)" if len(report.errors) > 1 else ""
        super().__init__(f"Nothing imported: {first}{more}")


# ---------------------------------------------------------------- reading

_NOT_UTF8 = "not UTF-8 text; save the sheet as CSV UTF-8"


def _read_text(source: IO[str] | IO[bytes]) -> str:
    """The text of an open stream (a GUI's or a test's), at most ``MAX_CSV_BYTES``."""
    data = source.read(files.MAX_CSV_BYTES + 1)
    if len(data) > files.MAX_CSV_BYTES:
        raise ValidationError("file", f"larger than {files.MAX_CSV_BYTES // (1024 * 1024)} MB; split the file")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError("file", f"not UTF-8 text (byte {exc.start}); save the sheet as CSV UTF-8") from None
    return data.lstrip("\ufeff")


@contextmanager
def _text_stream(source: str | os.PathLike | io.StringIO) -> Iterator[IO[str]]:
    """A CSV file read as a stream (a regular file of at most ``MAX_CSV_BYTES``), or buffered text."""
    if isinstance(source, io.StringIO):
        yield io.StringIO(source.getvalue(), newline="")
        return
    try:
        with files.open_input(source, limit=files.MAX_CSV_BYTES, what="CSV file") as raw, \
                io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
            yield text
    except (FileRefused, StorageError) as exc:
        raise ValidationError("file", str(exc)) from None


def _records(text: str | IO[str]) -> tuple[list[str], Iterable[tuple[int, list[str]]]]:
    """The header and the numbered rows of a CSV text or stream (read row by row; one field at most
    the csv module's limit, 128 KB)."""
    reader = csv.reader(io.StringIO(text, newline="") if isinstance(text, str) else text)
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationError("file", "the file is empty (a header row is needed)") from None
    except csv.Error as exc:
        raise ValidationError("file", f"line 1: {exc}") from None
    except UnicodeDecodeError:
        raise ValidationError("file", f"line 1: {_NOT_UTF8}") from None

    def rows():
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ValidationError("file", f"line {start}: {exc}") from None
            except UnicodeDecodeError:
                raise ValidationError("file", f"line {start}: {_NOT_UTF8}") from None
            yield start, row
            start = reader.line_num + 1
    return [h.strip().lower() for h in header], rows()


def _parse_bool(text: str) -> bool:
    value = (text or "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValidationError("tax_inclusive", f"{text!r} is not yes/no/true/false/1/0")


def parse_products(text: str | IO[str], allowed_rates: tuple[Decimal, ...], existing_skus: set[str],
                   existing_barcodes: set[str]) -> tuple[list[ProductFields], int, list[RowError]]:
    """Check every row; returns (good rows, number of data rows, every bad row's error).

    SKUs and barcodes are compared case-insensitively (MySQL's unique indexes are), within
    the file and against ``existing_*`` (already upper-cased).
    """
    header, records = _records(text)
    errors: list[RowError] = []
    unknown = [h for h in header if h not in PRODUCT_COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if unknown or missing or dupes:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)} (expected {','.join(PRODUCT_COLUMNS)})")
        if dupes:
            parts.append(f"repeated column(s) {', '.join(dupes)}")
        return [], 0, [RowError(1, None, "; ".join(parts))]
    good: list[ProductFields] = []
    seen_sku: dict[str, int] = {}
    seen_code: dict[str, int] = {}
    count = 0
    for line, row in records:
        if not any(cell.strip() for cell in row):
            continue  # blank lines are not rows
        count += 1
        if len(row) != len(header):
            errors.append(RowError(line, None, f"{len(row)} cells, expected {len(header)}"))
            continue
        values = {h: _unescape_cell(cell) for h, cell in zip(header, row)}
        try:
            f = validate_product_fields(
                sku=values.get("sku"), name=values.get("name"), price=values.get("price", "").strip(),
                gst_rate=values.get("gst_rate", "").strip(), allowed_rates=allowed_rates, hsn=values.get("hsn"),
                barcode=values.get("barcode"), unit=values.get("unit"), stock=(values.get("stock") or "").strip(),
                reorder_level=(values.get("reorder_level") or "").strip(),
                tax_inclusive=_parse_bool(values.get("tax_inclusive", "")), category=values.get("category"),
                cost_price=(values.get("cost_price") or "").strip())
        except ValidationError as exc:
            errors.append(RowError(line, exc.field, exc.message))
            continue
        key = f.sku.upper()
        if key in existing_skus:
            errors.append(RowError(line, "sku", f"SKU {f.sku} already exists"))
            continue
        if key in seen_sku:
            errors.append(RowError(line, "sku", f"SKU {f.sku} repeats line {seen_sku[key]}"))
            continue
        if f.barcode:
            code = f.barcode.upper()
            if code in existing_barcodes:
                errors.append(RowError(line, "barcode", f"barcode {f.barcode} is already on another product"))
                continue
            if code in seen_code:
                errors.append(RowError(line, "barcode", f"barcode {f.barcode} repeats line {seen_code[code]}"))
                continue
            seen_code[code] = line
        seen_sku[key] = line
        good.append(f)
    return good, count, errors


def _existing_codes(s: Session) -> tuple[set[str], set[str]]:
    skus, codes = set(), set()
    for sku, code in s.execute(select(Product.sku, Product.barcode)):
        skus.add(sku.upper())
        if code:
            codes.add(code.upper())
    return skus, codes


# ---------------------------------------------------------------- bulk writing

def bulk_insert_products(session: Session, actor: Actor | None, rows: list[ProductFields], *,
                         progress: Progress | None = None, detail: str = "import") -> int:
    """Insert validated, mutually distinct new products in the caller's transaction, fast:
    multi-row inserts per chunk, opening-stock ledger rows, search index. Returns the count."""
    now = clock.now()
    total = len(rows)
    if session.get_bind().dialect.name == "sqlite" and total > BULK_CHUNK:
        # index pages for 100k products do not fit SQLite's default 8 MB page cache; this
        # connection keeps a bigger one (the pool reuses it), which costs memory only when used
        session.execute(text("PRAGMA cache_size = -262144"))
    cats = {name: category_id(session, name) for name in sorted({r.category for r in rows if r.category})}
    user_id = actor.user_id if actor else None
    if progress:
        progress(0, total)
    done = 0
    for start in range(0, total, BULK_CHUNK):
        part = rows[start:start + BULK_CHUNK]
        fast_insert(session, Product.__table__, [
            {"sku": r.sku, "barcode": r.barcode, "name": r.name, "search_name": rules.normalise(r.name),
             "category_id": cats.get(r.category) if r.category else None, "hsn": r.hsn, "unit": r.unit,
             "price": r.price, "cost_price": r.cost_price, "gst_rate": r.gst_rate,
             "tax_inclusive": r.tax_inclusive, "reorder_level": r.reorder_level, "stock_qty": r.stock,
             "active": True, "created_at": now, "updated_at": None} for r in part])
        ids = dict(session.execute(select(Product.sku, Product.id).where(Product.sku.in_([r.sku for r in part]))).all())
        moves = [{"product_id": ids[r.sku], "at": now, "qty_delta": r.stock, "reason": "opening", "detail": detail,
                  "user_id": user_id, "ref_type": "", "ref_id": None, "unit_cost": r.cost_price or None}
                 for r in part if r.stock]
        fast_insert(session, StockMovement.__table__, moves)
        index_products(session, [(ids[r.sku], r.name, True) for r in part], fresh=True)
        done += len(part)
        if progress:
            progress(done, total)
    return total


@requires(Permission.MANAGE_PRODUCTS)
def import_products(db: Database, actor: Actor, source, *, dry_run: bool = False,
                    progress: Progress | None = None) -> ImportReport:
    """Import products (and their opening stock) from a CSV file, path or text stream.

    Dry run: check every row and return the report (bad rows by line number), writing nothing.
    Real run: all-or-nothing — any bad row raises :class:`ImportRejected` (with the report)
    and nothing is written; otherwise every row is inserted in one transaction.
    """
    # a path is streamed (opened again if the unit of work retries); an open stream is read once, bounded
    src = io.StringIO(_read_text(source)) if hasattr(source, "read") else source

    def check(s: Session) -> tuple[list[ProductFields], ImportReport]:
        allowed = parse_rates(get_or_create_shop(s).allowed_gst_rates)
        skus, codes = _existing_codes(s)
        with _text_stream(src) as text:
            good, count, errors = parse_products(text, allowed, skus, codes)
        return good, ImportReport(rows=count, imported=0, dry_run=dry_run, errors=errors)

    if dry_run:
        return db.run(check, readonly=True)[1]

    def work(s: Session) -> ImportReport:
        good, report = check(s)
        if report.errors:
            raise ImportRejected(report)
        report.imported = bulk_insert_products(s, actor, good, progress=progress)
        audit(s, actor, "product.import", "product", "", rows=report.imported)
        return report
    return db.run(work)


# ---------------------------------------------------------------- writing

#: first characters that make a spreadsheet read a cell as a formula
_FORMULA_START = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def spreadsheet_safe(value):
    """``value`` as written to a CSV cell: text a spreadsheet would run as a formula, or text
    starting with the apostrophe that protects it, gets a leading apostrophe (see above)."""
    if isinstance(value, str) and value and (value[0] in _FORMULA_START or value[0] == "'") \
            and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class spreadsheet_writer:  # noqa: N801 - used like csv.writer
    """``csv.writer`` whose rows go through :func:`spreadsheet_safe`."""

    def __init__(self, stream, **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([spreadsheet_safe(cell) for cell in row])


def _unescape_cell(text: str) -> str:
    """A cell as read from a CSV file: one leading apostrophe dropped, as spreadsheets do."""
    return text[1:] if text.startswith("'") else text


def _write(dest, columns: tuple[str, ...], rows: Iterable[Iterable], bom: bool, *, force: bool = False,
           private: bool = False) -> int:
    """Write a header and rows to a text stream, or to a path through the safe writer
    (:func:`billbook.files.open_output`: atomic, no replacing without ``force``, ``private`` = 0600)."""
    count = 0

    def dump(stream) -> None:
        nonlocal count
        writer = spreadsheet_writer(stream, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
            count += 1

    if hasattr(dest, "write"):
        if bom:
            dest.write("\ufeff")
        dump(dest)
        return count
    with files.open_output(dest, force=force, private=private, text=True,
                           encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        dump(fh)
    return count


def _rate_text(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


@requires(Permission.MANAGE_PRODUCTS)
def export_products(db: Database, actor: Actor, dest, *, bom: bool = False, include_inactive: bool = False,
                    force: bool = False) -> int:
    """Write the catalog in the import's columns (active products unless ``include_inactive``)."""
    def work(s: Session) -> list[tuple]:
        stmt = (select(Product.sku, Product.name, Product.price, Product.gst_rate, Product.hsn, Product.barcode,
                       Product.unit, Product.stock_qty, Product.reorder_level, Product.tax_inclusive, Category.name,
                       Product.cost_price)
                .select_from(Product).outerjoin(Category, Category.id == Product.category_id).order_by(Product.id))
        if not include_inactive:
            stmt = stmt.where(Product.active.is_(True))
        return s.execute(stmt).all()
    rows = db.run(work, readonly=True)
    return _write(dest, PRODUCT_COLUMNS, (
        (sku, name, price_str(price), _rate_text(rate), hsn, code or "", unit, qty_str(stock), qty_str(level),
         "yes" if incl else "no", cat or "", money_str(cost))
        for sku, name, price, rate, hsn, code, unit, stock, level, incl, cat, cost in rows), bom, force=force)


@requires(Permission.MANAGE_CUSTOMERS)
def export_customers(db: Database, actor: Actor, dest, *, bom: bool = False, force: bool = False) -> int:
    """Write every customer with credits, dues, visits and spend (owner-only: phones and dues)."""
    def work(s: Session) -> list[tuple]:
        return [(c.phone, c.name, c.email, c.gstin, c.state_code, c.address, money_str(c.credits), money_str(c.dues),
                 c.visits, money_str(c.total_spent), c.first_visit.isoformat() if c.first_visit else "",
                 c.last_visit.isoformat() if c.last_visit else "", "yes" if c.active else "no")
                for c in s.scalars(select(Customer).order_by(Customer.id))]
    return _write(dest, CUSTOMER_COLUMNS, db.run(work, readonly=True), bom, force=force, private=True)


@requires(Permission.MANAGE_STOCK)
def export_stock_ledger(db: Database, actor: Actor, dest, *, bom: bool = False, sku: str | None = None,
                        since=None, until=None, force: bool = False) -> int:
    """Write stock movements (oldest first), optionally for one SKU and a date range."""
    def work(s: Session) -> list[tuple]:
        stmt = (select(StockMovement.id, StockMovement.at, Product.sku, Product.name, StockMovement.reason,
                       StockMovement.detail, StockMovement.qty_delta, StockMovement.unit_cost, User.username,
                       StockMovement.ref_type, StockMovement.ref_id)
                .join(Product, Product.id == StockMovement.product_id)
                .outerjoin(User, User.id == StockMovement.user_id)
                .order_by(StockMovement.id))
        if sku:
            stmt = stmt.where(Product.sku == sku)
        if since:
            stmt = stmt.where(StockMovement.at >= since)
        if until:
            stmt = stmt.where(StockMovement.at < until)
        return s.execute(stmt).all()
    rows = db.run(work, readonly=True)
    return _write(dest, LEDGER_COLUMNS, (
        (mid, at.isoformat(), sku, name, reason, detail, qty_str(delta), money_str(cost) if cost is not None else "",
         user or "", ref_type, ref_id if ref_id is not None else "")
        for mid, at, sku, name, reason, detail, delta, cost, user, ref_type, ref_id in rows), bom, force=force,
        private=True)
