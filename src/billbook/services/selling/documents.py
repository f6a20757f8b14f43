"""Documents as use cases: render an invoice, receipt, credit note, purchase order or customer
statement to a PDF file.

Printing an invoice counts: the first copy is the original, every later one is marked
DUPLICATE. The count goes up in the same transaction that reads the invoice, under a row
lock, so two terminals never both print an "original"; the PDF is drawn after that
transaction (drawing is not database work and must not be retried with it). If drawing
fails after the count went up, the next copy says DUPLICATE — the safe direction.

The counter is stricter (:func:`invoice_copy` then :func:`record_print`): it renders the
next copy without counting it, hands it to the viewer or printer, and counts it only once
it was sent — a failed open or print is not a print. A copy after the original is rendered
to its own file (``…-duplicate-2.pdf``, ``…-duplicate-2-receipt.pdf``), so the original PDF is never overwritten.

Batch export (``export_invoices``) is an archive: it does not count as printing, and
marks a copy DUPLICATE when the original has already been printed.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from billbook.config import data_dir
from billbook.db.models import Invoice
from billbook.db.uow import Database
from billbook.documents import files
from billbook.services.selling.document_data import (
    find_credit_note, find_purchase_order, load_credit_note_doc, load_invoice_doc, load_purchase_order_doc,
    load_statement_doc, shop_logo,
)
from billbook.domain.calendar import parse_date
from billbook.domain.permissions import Permission
from billbook.services.base import Actor, audit, check_paging, requires
from billbook.services.people.customers import check_phone
from billbook.errors import NotFound, ValidationError

log = logging.getLogger(__name__)

EXPORT_CHUNK = 100


@dataclass(frozen=True)
class PdfResult:
    """A PDF written to ``path``: its page count, whether it is a duplicate, and any warnings."""
    path: Path
    pages: int
    duplicate: bool = False
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"path": str(self.path), "pages": self.pages, "duplicate": self.duplicate,
                "warnings": list(self.warnings)}


@dataclass
class ExportResult:
    directory: Path
    count: int = 0
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"directory": str(self.directory), "count": self.count, "files": [str(f) for f in self.files],
                "warnings": self.warnings}


def _invoice_row(s: Session, number: str, *, lock: bool) -> Invoice:
    stmt = select(Invoice).where(Invoice.number == (number or "").strip().upper())
    if lock:
        stmt = stmt.with_for_update()
    inv = s.scalars(stmt).one_or_none()
    if inv is None:
        raise NotFound(f"No invoice {number!r}.")
    return inv


def _render_invoice_bytes(doc, receipt: bool):
    # the renderers load reportlab (0.15 s): only when a document is drawn, not when the GUI starts
    from billbook.documents.invoice_a4 import render_invoice_a4
    from billbook.documents.receipt import render_receipt
    buf = io.BytesIO()
    result = (render_receipt if receipt else render_invoice_a4)(doc, buf)
    for w in result.warnings:
        log.warning("%s: %s", doc.number, w)
    return buf.getvalue(), result


def _check_number(number) -> str:
    if not isinstance(number, str) or not number.strip():
        raise ValidationError("number", "give a document number")
    return number.strip().upper()


@requires(Permission.VIEW_INVOICES)
def invoice_pdf_result(db: Database, actor: Actor, number: str, *, receipt: bool = False,
                       out: str | Path | None = None, count_print: bool = True, force: bool = False) -> PdfResult:
    """Render invoice ``number`` as an A4 tax invoice (or an 80 mm receipt) and save it.

    Args:
        number: the invoice number, e.g. ``INV/26-27/000123``.
        receipt: the 80 mm thermal receipt instead of A4.
        out: where to write; default ``data_dir()/invoices/YYYY/MM/<number>.pdf``
            (``-receipt.pdf`` for a receipt; a DUPLICATE copy gets ``-duplicate-N`` added).
        force: replace an existing ``out`` file (billbook's own default path is always rewritten).
        count_print: count this copy as a print (the second and later copies say DUPLICATE);
            False for a preview, which is marked DUPLICATE only if the original was printed.

    Returns:
        The path, pages, whether it is a duplicate, and warnings (e.g. an unreadable logo).
    """
    number = _check_number(number)
    copy_no = 1
    if out:
        files.check_output(out, force=force)    # refused before the copy is counted as a print

    def work(s: Session):
        nonlocal copy_no
        inv = _invoice_row(s, number, lock=count_print)
        duplicate = inv.print_count > 0
        copy_no = inv.print_count + 1
        if count_print:
            inv.print_count += 1
            audit(s, actor, "invoice.print", "invoice", inv.id, number=inv.number, copy=inv.print_count,
                  format="receipt" if receipt else "a4")
        return load_invoice_doc(s, inv.number, duplicate=duplicate), inv.issued_at

    doc, issued = db.run(work, readonly=not count_print)
    data, result = _render_invoice_bytes(doc, receipt)
    path = Path(out) if out else files.invoice_path(doc.number, issued, receipt=receipt)
    if doc.duplicate and out is None:        # the original file is never overwritten
        path = duplicate_path(path, copy_no)
    path = files.write_atomically(path, data, force=force or not out)
    return PdfResult(path, result.pages, doc.duplicate, tuple(result.warnings))


def duplicate_path(original: Path, copy_no: int) -> Path:
    """Where copy ``copy_no`` (2, 3, …) of a document goes: beside the original, never over it."""
    stem, kind = original.stem, ""
    if stem.endswith("-receipt"):                # the kind stays last: …-duplicate-2-receipt.pdf
        stem, kind = stem[: -len("-receipt")], "-receipt"
    return original.with_name(f"{stem}-duplicate-{copy_no}{kind}{original.suffix}")


@requires(Permission.VIEW_INVOICES)
def invoice_copy(db: Database, actor: Actor, number: str, *, receipt: bool = False) -> PdfResult:
    """Render the next copy of invoice ``number`` without counting it (see :func:`record_print`).

    Never printed before: the original, at the invoice's own path. Printed before: a
    DUPLICATE copy, at its own path (``…-duplicate-N.pdf``); the original file is left alone.
    """
    number = _check_number(number)

    def work(s: Session):
        inv = _invoice_row(s, number, lock=False)
        duplicate = inv.print_count > 0
        return load_invoice_doc(s, inv.number, duplicate=duplicate), inv.issued_at, inv.print_count

    doc, issued, printed = db.run(work, readonly=True)
    data, result = _render_invoice_bytes(doc, receipt)
    path = files.invoice_path(doc.number, issued, receipt=receipt)
    if doc.duplicate:
        path = duplicate_path(path, printed + 1)
    path = files.write_atomically(path, data, force=True)     # billbook's own path: a re-render of the same copy
    return PdfResult(path, result.pages, doc.duplicate, tuple(result.warnings))


@requires(Permission.VIEW_INVOICES)
def record_print(db: Database, actor: Actor, number: str, *, receipt: bool = False, path: str | Path | None = None,
                 how: str = "opened") -> int:
    """Count a copy of invoice ``number`` that was sent to the viewer or printer; returns its copy
    number (1 = the original). Call it only after the copy was sent."""
    number = _check_number(number)

    def work(s: Session) -> int:
        inv = _invoice_row(s, number, lock=True)
        inv.print_count += 1
        audit(s, actor, "invoice.print", "invoice", inv.id, number=inv.number, copy=inv.print_count,
              format="receipt" if receipt else "a4", sent=how, file=str(path) if path else "")
        return inv.print_count
    return db.run(work)


@requires(Permission.VIEW_INVOICES)
def invoice_pdf(db: Database, actor: Actor, number: str, *, receipt: bool = False,
                out: str | Path | None = None, force: bool = False) -> Path:
    """Render and save invoice ``number`` (A4 or receipt), counting the print; returns the file.

    Reprints are marked DUPLICATE. See :func:`invoice_pdf_result` for warnings and pages.
    """
    return invoice_pdf_result(db, actor, number, receipt=receipt, out=out, force=force).path


def _render_and_save(render, doc, path: Path, force: bool) -> PdfResult:
    """Render ``doc`` in memory, then write it atomically (nobody ever sees half a PDF)."""
    buf = io.BytesIO()
    result = render(doc, buf)
    path = files.write_atomically(path, buf.getvalue(), force=force)
    return PdfResult(path, result.pages, False, tuple(result.warnings))


@requires(Permission.VIEW_INVOICES)
def credit_note_pdf_result(db: Database, actor: Actor, number: str, *,
                           out: str | Path | None = None, force: bool = False) -> PdfResult:
    """Render credit note ``number`` as an A4 PDF; default path under ``credit_notes/YYYY/MM``."""
    from billbook.documents.credit_note import render_credit_note  # reportlab: only when drawn
    number = _check_number(number)

    def work(s: Session):
        find_credit_note(s, number)
        return load_credit_note_doc(s, number)

    doc = db.run(work, readonly=True)
    return _render_and_save(render_credit_note, doc, Path(out) if out else files.credit_note_path(doc.number, doc.issued_at),
                            force or not out)


@requires(Permission.VIEW_INVOICES)
def credit_note_pdf(db: Database, actor: Actor, number: str, *, out: str | Path | None = None,
                    force: bool = False) -> Path:
    """Render and save credit note ``number``; returns the file."""
    return credit_note_pdf_result(db, actor, number, out=out, force=force).path


@requires(Permission.MANAGE_PURCHASING)
def purchase_order_pdf_result(db: Database, actor: Actor, number: str, *,
                              out: str | Path | None = None, force: bool = False) -> PdfResult:
    """Render purchase order ``number`` as an A4 PDF; default path under ``purchase_orders/YYYY/MM``."""
    from billbook.documents.purchase_order import render_purchase_order  # reportlab: only when drawn
    number = _check_number(number)

    def work(s: Session):
        find_purchase_order(s, number)
        return load_purchase_order_doc(s, number)

    doc = db.run(work, readonly=True)
    return _render_and_save(render_purchase_order, doc,
                            Path(out) if out else files.purchase_order_path(doc.number, doc.created_at), force or not out)


@requires(Permission.MANAGE_PURCHASING)
def purchase_order_pdf(db: Database, actor: Actor, number: str, *, out: str | Path | None = None,
                       force: bool = False) -> Path:
    """Render and save purchase order ``number``; returns the file."""
    return purchase_order_pdf_result(db, actor, number, out=out, force=force).path


def statement_path(phone: str, when: dt.date | dt.datetime) -> Path:
    """``data_dir()/statements/<phone>-YYYY-MM-DD.pdf`` (a later statement the same day replaces it)."""
    return data_dir() / "statements" / f"{files.safe_name(phone)}-{when:%Y-%m-%d}.pdf"


@requires(Permission.VIEW_CUSTOMERS)
def customer_statement_pdf_result(db: Database, actor: Actor, phone: str, *, out: str | Path | None = None,
                                  limit: int = 200, force: bool = False) -> PdfResult:
    """Render the statement of the customer with mobile ``phone`` (dues ledger with balances,
    open invoices, loyalty credits) as an A4 PDF; default path under ``statements/``."""
    from billbook.documents.statement import render_statement  # reportlab: only when drawn
    phone = check_phone(phone)
    limit, _ = check_paging(limit)

    doc = db.run(lambda s: load_statement_doc(s, phone, limit=limit, issued_by=actor.username), readonly=True)
    return _render_and_save(render_statement, doc, Path(out) if out else statement_path(doc.customer.phone, doc.issued_at),
                            force or not out)


@requires(Permission.VIEW_CUSTOMERS)
def customer_statement_pdf(db: Database, actor: Actor, phone: str, *, out: str | Path | None = None,
                           force: bool = False) -> Path:
    """Render and save the customer's statement; returns the file."""
    return customer_statement_pdf_result(db, actor, phone, out=out, force=force).path


@requires(Permission.VIEW_REPORTS)
def export_invoices(db: Database, actor: Actor, date_from, date_to, directory: str | Path,
                    progress: Callable[[int, int], None] | None = None, *, receipt: bool = False,
                    force: bool = False) -> ExportResult:
    """Write every invoice of business dates ``date_from``..``date_to`` as a PDF into ``directory``.

    Files are named by invoice number (``INV_26-27_000123.pdf``); if any of them exists already
    nothing is written unless ``force``. ``directory`` itself is created if missing (its parent
    must exist, unless it is inside billbook's data folder).
    ``progress(done, total)`` is called after each file (and once with 0 before the first).
    Exports do not count as prints.
    """
    d_from, d_to = parse_date(date_from, "from"), parse_date(date_to, "to")
    if d_from > d_to:
        raise ValidationError("from", "the start date is after the end date")
    if directory in (None, ""):
        raise ValidationError("directory", "say where to write the PDFs")
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise ValidationError("directory", f"{target} is a file, not a folder")

    numbers: list[str] = db.run(lambda s: list(s.scalars(
        select(Invoice.number).where(Invoice.business_date >= d_from, Invoice.business_date <= d_to)
        .order_by(Invoice.business_date, Invoice.id))), readonly=True)
    target = files.prepare_folder(target)
    suffix = "-receipt" if receipt else ""
    for n in numbers:       # refuse before writing anything rather than stop half-way
        files.check_output(target / f"{files.safe_name(n)}{suffix}.pdf", force=force)
    result = ExportResult(target)
    seen: set[str] = set()
    total = len(numbers)
    if progress:
        progress(0, total)
    for start in range(0, total, EXPORT_CHUNK):
        chunk = numbers[start:start + EXPORT_CHUNK]

        def work(s: Session, chunk=chunk):
            logo = shop_logo(s)
            counts = dict(s.execute(select(Invoice.number, Invoice.print_count)
                                    .where(Invoice.number.in_(chunk))).all())
            return [load_invoice_doc(s, n, duplicate=bool(counts.get(n)), logo=logo) for n in chunk]

        for doc in db.run(work, readonly=True):
            data, rendered = _render_invoice_bytes(doc, receipt)
            path = files.write_atomically(target / f"{files.safe_name(doc.number)}{suffix}.pdf", data, force=force)
            result.files.append(path)
            result.count += 1
            for w in rendered.warnings:
                if w not in seen:  # the same bad logo would warn once per invoice
                    seen.add(w)
                    result.warnings.append(f"{doc.number}: {w}")
            if progress:
                progress(result.count, total)
    audit_export(db, actor, d_from, d_to, result)
    return result


def audit_export(db: Database, actor: Actor, d_from: dt.date, d_to: dt.date, result: ExportResult) -> None:
    def work(s: Session) -> None:
        audit(s, actor, "invoice.export", "invoice", "", date_from=d_from.isoformat(), date_to=d_to.isoformat(),
              count=result.count, directory=str(result.directory))
    db.run(work)


def invoice_doc_for_print(s: Session, number: str):
    """The invoice as a document for a printer, in ``s``: DUPLICATE when a copy was already sent.
    Nothing is counted here (see :func:`record_print_sent`)."""
    inv = _invoice_row(s, _check_number(number), lock=False)
    return load_invoice_doc(s, inv.number, duplicate=inv.print_count > 0)
