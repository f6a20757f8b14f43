"""The device records every business area shares: each terminal's printers (a row of the
key/value ``settings`` table, ``printers:<terminal>``), the print-job ledger (``print_jobs``),
and the shop's weighing-scale layout (``scale.*`` settings).

Selling prints receipts and invoices, goods prints labels; both write their jobs here.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from billbook import clock, config
from billbook.db.models import PrintJob
from billbook.db.uow import Database
from billbook.devices import PrinterError
from billbook.devices.address import PrinterAddress, parse_address
from billbook.documents.receipt_escpos import ReceiptOptions
from billbook.domain.barcode import ScaleLayout
from billbook.errors import ValidationError
from billbook.services import settings
from billbook.services.base import Actor, audit

log = logging.getLogger(__name__)

ROLES = ("receipt", "a4", "label")


@dataclass(frozen=True)
class PrinterSetting:
    """One printer of a terminal. ``uri``: tcp://…, usb://…, serial://… or system:QUEUE."""
    role: str
    uri: str
    width: int = 80
    codepage: str = "CP437"
    cut: bool = True
    logo: bool = True
    drawer: bool = False
    language: str = "zpl"

    @property
    def address(self) -> PrinterAddress:
        return parse_address(self.uri)

    @property
    def receipt_options(self) -> ReceiptOptions:
        return ReceiptOptions(width=self.width, codepage=self.codepage, cut=self.cut, logo=self.logo)

    def to_json(self) -> dict:
        return asdict(self)


def terminal_of(actor: Actor, terminal: str | None) -> str:
    """``terminal``, else the actor's, else this computer's terminal name (1–64 characters)."""
    name = (terminal if terminal is not None else (actor.terminal or config.terminal_name())).strip()
    if not name or len(name) > 64:
        raise ValidationError("terminal", "a terminal name is 1–64 characters")
    return name


def settings_key(terminal: str) -> str:
    key = f"printers:{terminal}"
    if len(key) <= 64:
        return key
    return f"printers:{terminal[:38]}~{hashlib.sha1(terminal.encode()).hexdigest()[:16]}"


def read_printers(s: Session, terminal: str) -> dict[str, PrinterSetting]:
    """The printers of ``terminal`` by role, in ``s``."""
    raw = settings.get(s, settings_key(terminal))
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        log.warning("printer settings of %s are not JSON; ignored", terminal)
        return {}
    out = {}
    for role, values in data.items():
        if role in ROLES and isinstance(values, dict):
            try:
                out[role] = PrinterSetting(**{k: v for k, v in values.items()
                                              if k in PrinterSetting.__dataclass_fields__})
            except TypeError:
                continue
    return out


def write_printers(s: Session, terminal: str, printers: dict[str, PrinterSetting]) -> None:
    settings.put(s, settings_key(terminal), json.dumps({r: p.to_json() for r, p in printers.items()},
                                                       sort_keys=True))


def printer_for(s: Session, terminal: str, kind: str) -> PrinterSetting:
    """The printer a ``kind`` of job goes to (``drawer`` → the receipt printer); PrinterError
    with reason ``not_set`` when the terminal has none."""
    printer = read_printers(s, terminal).get("receipt" if kind in ("receipt", "drawer") else kind)
    if printer is None:
        what = {"receipt": "receipt printer", "a4": "A4 printer", "label": "label printer",
                "drawer": "receipt printer (the cash drawer opens through it)"}[kind]
        raise PrinterError(f"No {what} is set for terminal {terminal}: set one in Settings → Printers "
                           f"(or billbook printer set).", reason="not_set")
    return printer


def new_job(s: Session, actor: Actor, terminal: str, kind: str, document: str, printer: str) -> int:
    """Write a pending print job (before anything is sent); returns its id."""
    job = PrintJob(terminal=terminal, kind=kind, document=document, status="pending", reason="", error="",
                   printer=printer[:200], attempts=0, username=actor.username, created_at=clock.now())
    s.add(job)
    s.flush()
    return job.id


def finish_job(db: Database, actor: Actor, job_id: int, error: PrinterError | None) -> None:
    """Mark a job sent, or failed with the reason (audited), in its own transaction."""
    def work(s: Session) -> None:
        job = s.get(PrintJob, job_id)
        job.attempts += 1
        if error is None:
            job.status, job.reason, job.error, job.sent_at = "sent", "", "", clock.now()
        else:
            job.status, job.reason, job.error = "failed", error.reason[:16], str(error)[:400]
            audit(s, actor, "print.failed", "print_job", job_id, kind=job.kind, document=job.document,
                  reason=error.reason, printer=job.printer)
    db.run(work)


def spool_file(job_id: int) -> Path:
    """Where a job's PDF waits while the system spooler takes it."""
    folder = config.data_dir() / "print-spool"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"job-{job_id}.pdf"


def scale_layout(s: Session) -> ScaleLayout | None:
    """The shop's scale layout, or None when the shop has set no scale prefix."""
    prefixes = (settings.get(s, "scale.prefixes") or "").replace(" ", "")
    if not prefixes:
        return None
    try:
        return ScaleLayout(prefixes.split(","), settings.get_int(s, "scale.plu_digits", 5),
                           settings.get(s, "scale.kind") or "weight")
    except ValueError:
        return None
