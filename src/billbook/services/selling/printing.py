"""Printing at the counter: this terminal's printers, print jobs, reprints, the cash drawer.

Settings: each terminal's printers are one row of the key/value ``settings`` table
(``printers:<terminal>``, JSON): a ``receipt`` printer (ESC/POS over tcp/usb/serial or a raw
system queue, 58 or 80 mm, code page, cut, logo, whether the cash drawer hangs on it), an
``a4`` printer (a system queue by name) and a ``label`` printer (ZPL/TSPL over tcp or a raw
system queue).

Jobs: every print is a ``print_jobs`` row written *before* anything is sent and updated after,
so a failure (printer offline, paper out) is kept with its reason and can be retried. The sale
is always saved first; printing never changes it. A copy counts as printed (and the next one
says DUPLICATE) only once it was sent: :func:`documents.record_print`.

The cash drawer opens through the receipt printer: the pulse rides at the start of the
sale's receipt when cash moved (or is sent alone when the shop prints A4 only), and a
manual open is an admin's audited action with a reason.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
from dataclasses import asdict, dataclass, replace
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billbook import clock
from billbook.db.models import AuditEntry, CreditNote, Invoice, Payment, PrintJob, Shop
from billbook.db.uow import Database
from billbook.devices import PrinterError, transport
from billbook.devices.address import parse_address, system_queue
from billbook.devices.system import list_printers as system_list, print_file
from billbook.documents.invoice_a4 import render_invoice_a4
from billbook.documents.labels import a4_test_page, label_test_page
from billbook.documents.receipt_escpos import CODE_PAGES, drawer_job, render_receipt_escpos, test_page
from billbook.domain.permissions import Permission
from billbook.errors import NotFound, ValidationError
from billbook.services.base import Actor, audit, check_id, check_paging, requires
from billbook.services.selling import documents
from billbook.services.ledgers.devices import (
    ROLES, PrinterSetting, finish_job as _finish, new_job as _new_job, printer_for as _printer_for,
    read_printers as _read, spool_file as _spool_file, terminal_of as _terminal, write_printers,
)

log = logging.getLogger(__name__)

WIDTHS = (58, 80)
LABEL_LANGUAGES = ("zpl", "tspl")


@dataclass(frozen=True)
class JobResult:
    """What became of one print job."""
    job_id: int
    kind: str
    document: str
    status: str                  # sent | failed
    message: str = ""
    reason: str = ""
    printer: str = ""
    duplicate: bool = False
    drawer: bool = False         # a drawer pulse went with this job
    paper_low: bool = False
    spool_id: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "sent"

    def to_json(self) -> dict:
        return {"job": self.job_id, "kind": self.kind, "document": self.document, "status": self.status,
                "message": self.message, "reason": self.reason, "printer": self.printer,
                "duplicate": self.duplicate, "drawer": self.drawer, "paper_low": self.paper_low}


@dataclass(frozen=True)
class JobInfo:
    id: int
    terminal: str
    kind: str
    document: str
    status: str
    reason: str
    error: str
    printer: str
    attempts: int
    username: str
    created_at: dt.datetime
    sent_at: dt.datetime | None

    def to_json(self) -> dict:
        d = asdict(self)
        d["created_at"] = self.created_at.isoformat(timespec="seconds")
        d["sent_at"] = self.sent_at.isoformat(timespec="seconds") if self.sent_at else None
        return d


# ---------------------------------------------------------------- settings

@requires(Permission.SELL)
def list_printers(db: Database, actor: Actor, terminal: str | None = None) -> dict[str, PrinterSetting]:
    """This terminal's printers by role (``receipt``, ``a4``, ``label``); roles not set are absent."""
    name = _terminal(actor, terminal)
    return db.run(lambda s: _read(s, name), readonly=True)


def _bool(value, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("yes", "true", "1", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("no", "false", "0", "off"):
        return False
    raise ValidationError(field, "yes or no")


@requires(Permission.MANAGE_PRINTERS)
def set_printer(db: Database, actor: Actor, role: str, *, uri: str | None = None, system: str | None = None,
                width=None, codepage: str | None = None, cut=None, logo=None, drawer=None,
                language: str | None = None, terminal: str | None = None) -> PrinterSetting:
    """Set (or change) this terminal's ``role`` printer; unspecified options keep their values.

    ``uri``: ``tcp://HOST:PORT``, ``usb://VID:PID``, ``serial:///dev/ttyUSB0?baud=9600``; or
    ``system``: a printer the operating system knows, by name (the A4 printer always is one).
    """
    if role not in ROLES:
        raise ValidationError("role", f"a printer is one of {', '.join(ROLES)}")
    if uri and system:
        raise ValidationError("uri", "give a URI or a system printer, not both")
    name = _terminal(actor, terminal)
    address = None
    if system:
        address = system_queue(system)
    elif uri:
        address = parse_address(uri)
    if address is not None and role == "a4" and address.kind != "system":
        raise ValidationError("uri", "the A4 printer is a system printer: give its name (--system QUEUE)")
    if width is not None:
        try:
            width = int(width)
        except (TypeError, ValueError):
            width = 0
        if width not in WIDTHS:
            raise ValidationError("width", "58 or 80 (mm)")
    if codepage is not None:
        codepage = codepage.strip().upper()
        if codepage not in CODE_PAGES:
            raise ValidationError("codepage", f"one of {', '.join(CODE_PAGES)}")
    if language is not None:
        language = language.strip().lower()
        if language not in LABEL_LANGUAGES:
            raise ValidationError("language", "zpl or tspl")
    flags = {k: _bool(v, k) for k, v in (("cut", cut), ("logo", logo), ("drawer", drawer)) if v is not None}
    if flags.get("drawer") and role != "receipt":
        raise ValidationError("drawer", "the cash drawer hangs on the receipt printer")

    def work(s: Session) -> PrinterSetting:
        current = _read(s, name)
        old = current.get(role)
        if old is None and address is None:
            raise ValidationError("uri", f"no {role} printer is set on {name}: give --uri or --system")
        new = old or PrinterSetting(role, str(address))
        changes = {k: v for k, v in (("width", width), ("codepage", codepage), ("language", language)) if v is not None}
        if address is not None:
            changes["uri"] = str(address)
        new = replace(new, **changes, **flags)
        current[role] = new
        write_printers(s, name, current)
        audit(s, actor, "printer.set", "terminal", name, **new.to_json())
        return new

    return db.run(work)


@requires(Permission.MANAGE_PRINTERS)
def remove_printer(db: Database, actor: Actor, role: str, terminal: str | None = None) -> bool:
    """Forget this terminal's ``role`` printer; True when there was one."""
    name = _terminal(actor, terminal)

    def work(s: Session) -> bool:
        current = _read(s, name)
        if current.pop(role, None) is None:
            return False
        write_printers(s, name, current)
        audit(s, actor, "printer.remove", "terminal", name, role=role)
        return True

    return db.run(work)


def system_printers() -> list[str]:
    """The printers the operating system knows (CUPS ``lpstat -e``, Windows' list)."""
    return system_list()


# ---------------------------------------------------------------- jobs

def _cash_moved(s: Session, number: str) -> bool:
    """Did cash change hands on invoice ``number`` (paid in cash, or change given)?"""
    inv = s.scalars(select(Invoice).where(Invoice.number == number)).one()
    if inv.change_given and inv.change_given > 0:
        return True
    return bool(s.scalar(select(Payment.id).where(Payment.invoice_id == inv.id, Payment.mode == "cash",
                                                  Payment.amount != Decimal("0")).limit(1)))


#: a sale or refund opens the drawer once, and only this soon after it was made
DRAWER_WINDOW = dt.timedelta(minutes=30)


def _drawer_due(s: Session, entity: str, number: str, issued_at: dt.datetime) -> bool:
    """The drawer opens once for a sale's (or a refund's) cash, soon after it: a later reprint or
    a repeated call never opens it again (that is an admin's audited "Open drawer")."""
    if clock.now() - issued_at > DRAWER_WINDOW:
        return False
    return s.scalar(select(AuditEntry.id).where(AuditEntry.action == "drawer.open", AuditEntry.entity == entity,
                                                AuditEntry.entity_id == number).limit(1)) is None


def _sale_drawer_due(s: Session, number: str) -> bool:
    inv = s.scalars(select(Invoice).where(Invoice.number == number)).one()
    return _cash_moved(s, number) and _drawer_due(s, "invoice", number, inv.issued_at)


def _audit_drawer(db: Database, actor: Actor, entity: str, number: str, result: JobResult, reason: str) -> None:
    db.run(lambda s: audit(s, actor, "drawer.open", entity, number, reason=reason, job=result.job_id,
                           sent=result.ok))


def _render_a4_pdf(doc) -> bytes:
    buf = io.BytesIO()
    render_invoice_a4(doc, buf)
    return buf.getvalue()


def _send_invoice(kind: str, doc, printer: PrinterSetting, *, drawer: bool, job_id: int,
                  ) -> tuple[str | None, str]:
    """Render and send; returns (paper warning, spooler id). Raises PrinterError."""
    if kind == "receipt":
        data = render_receipt_escpos(doc, replace(printer.receipt_options, drawer=drawer))
        return transport.send(printer.address, data, title=doc.number), ""
    path = _spool_file(job_id)
    path.write_bytes(_render_a4_pdf(doc))
    try:
        return None, print_file(printer.address.queue, path, title=f"Invoice {doc.number}")
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


def _run_invoice_job(db: Database, actor: Actor, job_id: int, kind: str, number: str, printer: PrinterSetting,
                     *, drawer: bool, record) -> JobResult:
    doc = None
    try:
        doc = db.run(lambda s: documents.invoice_doc_for_print(s, number), readonly=True)
        paper, spool = _send_invoice(kind, doc, printer, drawer=drawer, job_id=job_id)
    except Exception as exc:  # noqa: BLE001 - whatever stopped it, the job says so and stays to retry
        if not isinstance(exc, PrinterError):
            log.exception("print job %s of %s failed", job_id, number)
            exc = PrinterError(f"the {kind} could not be made ({type(exc).__name__}: {exc})", reason="error")
        _finish(db, actor, job_id, exc)
        return JobResult(job_id, kind, number, "failed", f"{number} is saved, but it did not print: {exc}",
                         exc.reason, printer.uri, bool(doc and doc.duplicate))
    _finish(db, actor, job_id, None)
    record(db, actor, number, receipt=kind == "receipt", how=f"printer job {job_id}")
    note = " The printer says its paper is running low." if paper == "low" else ""
    return JobResult(job_id, kind, number, "sent", f"{number} sent to the {kind} printer.{note}", "",
                     printer.uri, doc.duplicate, drawer, paper == "low", spool)


@requires(Permission.VIEW_INVOICES)
def print_invoice(db: Database, actor: Actor, number: str, *, kind: str = "receipt", after_sale: bool = False,
                  terminal: str | None = None) -> JobResult:
    """Print invoice ``number`` on this terminal's ``kind`` printer (``receipt`` or ``a4``).

    ``after_sale``: this is the print right after the sale, so the cash drawer opens with it
    when cash moved (a reprint never opens the drawer). A copy after the first sent one says
    DUPLICATE. Returns the job's outcome; a failed job stays to be retried (:func:`retry_job`).
    Raises :class:`PrinterError` (reason ``not_set``) when no such printer is set.
    """
    if kind not in ("receipt", "a4"):
        raise ValidationError("kind", "receipt or a4")
    if not isinstance(number, str) or not number.strip():
        raise ValidationError("number", "give an invoice number")
    number = number.strip().upper()
    name = _terminal(actor, terminal)

    def prepare(s: Session):
        if s.scalar(select(Invoice.id).where(Invoice.number == number)) is None:
            raise NotFound(f"No invoice {number!r}.")
        printer = _printer_for(s, name, kind)
        drawer = False
        if after_sale:
            receipt = _read(s, name).get("receipt")
            drawer = bool(receipt and receipt.drawer) and _sale_drawer_due(s, number)
        return _new_job(s, actor, name, kind, number, printer.uri), printer, drawer

    job_id, printer, drawer = db.run(prepare)
    result = _run_invoice_job(db, actor, job_id, kind, number, printer, drawer=drawer and kind == "receipt",
                              record=documents.record_print)
    if drawer and kind == "receipt":
        _audit_drawer(db, actor, "invoice", number, result, "cash sale")
    elif drawer:
        # the shop prints A4 only: the drawer still opens, by a pulse of its own
        kick = _kick(db, actor, name, reason=f"cash sale {number}")
        _audit_drawer(db, actor, "invoice", number, kick, "cash sale")
        result = replace(result, drawer=kick.ok)
    return result


@requires(Permission.SELL)
def after_sale_choice(db: Database, actor: Actor, terminal: str | None = None, *, interactive: bool = True) -> str:
    """What to print after a sale on this terminal: receipt, a4, both, ask or none (the shop's
    choice). Not ``interactive`` (``sale --print``): ask and none become the receipt printer when
    the terminal has one, else A4."""
    name = _terminal(actor, terminal)

    def work(s: Session):
        shop = s.get(Shop, 1)
        return (shop.print_format if shop is not None else "a4"), _read(s, name)

    choice, printers = db.run(work, readonly=True)
    if not interactive:
        # asked to print: the shop's choice among the printers this terminal has
        wanted = {"receipt": {"receipt"}, "a4": {"a4"}, "both": {"receipt", "a4"}}.get(choice, set())
        have = wanted & set(printers) or {"receipt", "a4"} & set(printers)
        choice = "both" if have == {"receipt", "a4"} else next(iter(have), choice)
    return choice


@dataclass(frozen=True)
class AfterSale:
    """What happened after a sale: the jobs sent or failed, the kinds the terminal has no printer
    for (the counter shows those as a PDF instead), and a drawer kick of its own if there was one."""
    results: tuple[JobResult, ...]
    missing: tuple[str, ...]
    drawer: JobResult | None = None


@requires(Permission.SELL)
def after_sale(db: Database, actor: Actor, number: str, choice: str, terminal: str | None = None) -> AfterSale:
    """Print invoice ``number`` as ``choice`` says (receipt, a4, both; ask/none print nothing) on
    this terminal's printers, and open the cash drawer when cash moved — with the receipt when one
    is printed, else by a pulse of its own (the shop prints A4 only, or nothing, or the A4 has no
    printer here). Kinds without a printer come back in ``missing``."""
    name = _terminal(actor, terminal)
    kinds = {"receipt": ["receipt"], "a4": ["a4"], "both": ["receipt", "a4"]}.get(choice, [])
    printers = db.run(lambda s: _read(s, name), readonly=True)
    results, missing = [], []
    drawer_done = False
    for kind in kinds:
        if kind not in printers:
            missing.append(kind)
            continue
        res = print_invoice(db, actor, number, kind=kind, after_sale=kind == "receipt", terminal=name)
        drawer_done = drawer_done or kind == "receipt"
        results.append(res)
    kick = None
    receipt = printers.get("receipt")
    number = number.strip().upper()
    if not drawer_done and receipt is not None and receipt.drawer and \
            db.run(lambda s: _sale_drawer_due(s, number), readonly=True):
        kick = _kick(db, actor, name, reason=f"cash sale {number}")
        _audit_drawer(db, actor, "invoice", number, kick, "cash sale")
    return AfterSale(tuple(results), tuple(missing), kick)


def print_after_sale(db: Database, actor: Actor, number: str, choice: str | None = None,
                     terminal: str | None = None) -> list[JobResult]:
    """``sale --print``: the jobs of :func:`after_sale` (``choice`` default: the shop's)."""
    if choice is None:
        choice = after_sale_choice(db, actor, terminal, interactive=False)
    done = after_sale(db, actor, number, choice, terminal=terminal)
    return list(done.results) + ([done.drawer] if done.drawer is not None else [])


@requires(Permission.VIEW_INVOICES)
def retry_job(db: Database, actor: Actor, job_id) -> JobResult:
    """Send a failed job again (to the printer the terminal has now)."""
    job_id = check_id(job_id, "job")

    def prepare(s: Session):
        job = s.get(PrintJob, job_id, with_for_update=True)
        if job is None:
            raise NotFound(f"No print job {job_id}.")
        if job.status == "sent":
            raise ValidationError("job", f"print job {job_id} was already sent")
        if job.kind not in ("receipt", "a4"):
            raise ValidationError("job", f"a {job.kind} job is not retried; print it again instead")
        printer = _printer_for(s, job.terminal, job.kind)
        job.status, job.printer = "pending", printer.uri[:200]
        return job.kind, job.document, printer

    kind, number, printer = db.run(prepare)
    return _run_invoice_job(db, actor, job_id, kind, number, printer, drawer=False,
                            record=documents.record_print)


def _job_info(j: PrintJob) -> JobInfo:
    return JobInfo(j.id, j.terminal, j.kind, j.document, j.status, j.reason, j.error, j.printer, j.attempts,
                   j.username, j.created_at, j.sent_at)


@requires(Permission.VIEW_INVOICES)
def list_jobs(db: Database, actor: Actor, *, status: str | None = "failed", document: str | None = None,
              terminal: str | None = None, limit: int = 50) -> list[JobInfo]:
    """Print jobs, newest first: by default the failed ones (to retry) of every terminal."""
    limit, _ = check_paging(limit)

    def work(s: Session):
        q = select(PrintJob)
        if status:
            q = q.where(PrintJob.status == status)
        if document:
            q = q.where(PrintJob.document == document.strip().upper())
        if terminal:
            q = q.where(PrintJob.terminal == terminal)
        return [_job_info(j) for j in s.scalars(q.order_by(PrintJob.id.desc()).limit(limit))]

    return db.run(work, readonly=True)


@requires(Permission.VIEW_INVOICES)
def failed_job_for(db: Database, actor: Actor, number: str) -> JobInfo | None:
    """The newest job of invoice ``number`` when it failed (and was not printed since), else None."""
    number = (number or "").strip().upper()

    def work(s: Session):
        job = s.scalars(select(PrintJob).where(PrintJob.document == number, PrintJob.kind.in_(("receipt", "a4")))
                        .order_by(PrintJob.id.desc()).limit(1)).first()
        return _job_info(job) if job is not None and job.status == "failed" else None

    return db.run(work, readonly=True)


# ---------------------------------------------------------------- test page, drawer

@requires(Permission.SELL)
def print_test_page(db: Database, actor: Actor, role: str = "receipt", terminal: str | None = None) -> JobResult:
    """Print a test page on this terminal's ``role`` printer (the A4 one gets a one-page PDF)."""
    if role not in ROLES:
        raise ValidationError("role", f"one of {', '.join(ROLES)}")
    name = _terminal(actor, terminal)

    def prepare(s: Session):
        printer = _printer_for(s, name, role)
        shop = s.get(Shop, 1)
        return _new_job(s, actor, name, "test", "", printer.uri), printer, (shop.name if shop else "")

    job_id, printer, shop_name = db.run(prepare)
    when = clock.now().strftime("%d-%m-%Y %H:%M")
    try:
        if role == "receipt":
            data = test_page(printer.receipt_options, terminal=name, printer=printer.uri, shop_name=shop_name, when=when)
            transport.send(printer.address, data, title="billbook test page")
        elif role == "label":
            transport.send(printer.address, label_test_page(printer.language), title="billbook label test")
        else:
            path = _spool_file(job_id)
            path.write_bytes(a4_test_page(terminal=name, printer=printer.uri, shop_name=shop_name, when=when))
            try:
                print_file(printer.address.queue, path, title="billbook test page")
            finally:
                path.unlink(missing_ok=True)
    except PrinterError as exc:
        _finish(db, actor, job_id, exc)
        return JobResult(job_id, "test", "", "failed", str(exc), exc.reason, printer.uri)
    _finish(db, actor, job_id, None)
    return JobResult(job_id, "test", "", "sent", f"Test page sent to {printer.uri}.", "", printer.uri)


def _kick(db: Database, actor: Actor, terminal: str, *, reason: str) -> JobResult:

    def prepare(s: Session):
        printer = _printer_for(s, terminal, "drawer")
        return _new_job(s, actor, terminal, "drawer", "", printer.uri), printer

    job_id, printer = db.run(prepare)
    try:
        transport.send(printer.address, drawer_job(), title="drawer")
    except PrinterError as exc:
        _finish(db, actor, job_id, exc)
        return JobResult(job_id, "drawer", "", "failed", f"The cash drawer did not open: {exc}", exc.reason,
                         printer.uri)
    _finish(db, actor, job_id, None)
    return JobResult(job_id, "drawer", "", "sent", "Cash drawer opened.", "", printer.uri, drawer=True)


@requires(Permission.OPEN_DRAWER)
def open_drawer(db: Database, actor: Actor, reason: str, terminal: str | None = None) -> JobResult:
    """Open the cash drawer without a sale (an admin's key): audited with ``reason``."""
    text = reason.strip() if isinstance(reason, str) else ""
    if len(text) < 3:
        raise ValidationError("reason", "say why the drawer is opened (at least 3 characters)")
    if len(text) > 200:
        raise ValidationError("reason", "at most 200 characters")
    name = _terminal(actor, terminal)
    result = _kick(db, actor, name, reason=text)

    def work(s: Session) -> None:
        audit(s, actor, "drawer.open", "terminal", name, reason=text, job=result.job_id, sent=result.ok,
              **({"error": result.message} if not result.ok else {}))
    db.run(work)
    return result


@requires(Permission.SELL)
def drawer_for_refund(db: Database, actor: Actor, number: str, terminal: str | None = None) -> JobResult | None:
    """Open the drawer for credit note ``number`` when it paid cash back, once, soon after it was
    issued; None when there is nothing to open (no cash, already opened, or no drawer here)."""
    name = _terminal(actor, terminal)
    number = (number or "").strip().upper()

    def check(s: Session):
        cn = s.scalars(select(CreditNote).where(CreditNote.number == number)).one_or_none()
        if cn is None:
            raise NotFound(f"No credit note {number!r}.")
        cash = cn.refund_mode == "cash" or s.scalar(
            select(Payment.id).where(Payment.credit_note_id == cn.id, Payment.mode == "cash").limit(1)) is not None
        receipt = _read(s, name).get("receipt")
        return bool(cash and receipt is not None and receipt.drawer and _drawer_due(s, "credit_note", number,
                                                                                    cn.issued_at))

    if not db.run(check, readonly=True):
        return None
    result = _kick(db, actor, name, reason=f"cash refund {number}")
    _audit_drawer(db, actor, "credit_note", number, result, "cash refund")
    return result
