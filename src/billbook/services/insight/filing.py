"""Filing GST returns from billbook: loads a period's stored documents as plain data and hands
them to :mod:`billbook.gst` (GSTR-1, GSTR-3B, e-invoice), then checks the result against the
sales report before anything is written.

Every function here reads only (one read-only transaction) and is for admins
(``VIEW_REPORTS``). Writing a file is the last step and happens only after the document passed
its JSON Schema: an invalid export raises :class:`~billbook.errors.ReturnInvalid` and leaves
no file behind.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from billbook import config, files
from billbook.db.models import CreditNote, CreditNoteLine, Customer, Invoice, InvoiceLine, Shop
from billbook.db.uow import Database
from billbook.domain.calendar import parse_date
from billbook.domain.gst import UNIT_UQC
from billbook.domain.money import ZERO, money_str
from billbook.domain.permissions import Permission
from billbook.errors import NotFound, ReturnInvalid, ValidationError
from billbook.gst import einvoice as einv
from billbook.gst import gstr1 as g1
from billbook.gst import gstr3b as g3b
from billbook.gst import schema
from billbook.gst.model import CreditNote as GstNote
from billbook.gst.model import Invoice as GstInvoice
from billbook.gst.model import Line, Party, Period, parse_period
from billbook.services.base import Actor, requires
from billbook.services.data.csv_io import spreadsheet_writer
from billbook.services.insight.reports import compute_gst

Progress = Callable[[float, str], None]


def _period(value) -> Period:
    if isinstance(value, Period):
        return value
    try:
        return parse_period(str(value))
    except ValueError as exc:
        raise ValidationError("period", str(exc)) from None


def _uqc(unit: str) -> str:
    return UNIT_UQC.get((unit or "").strip().lower(), "OTH")


# ---------------------------------------------------------------- loading (plain data)

@dataclass(frozen=True)
class PeriodData:
    shop_gstin: str
    shop_name: str
    shop_state: str
    scheme: str
    invoices: tuple[GstInvoice, ...]
    notes: tuple[GstNote, ...]


def _invoice(row, lines: tuple[Line, ...] = ()) -> GstInvoice:
    return GstInvoice(row.number, parse_date(row.business_date), row.grand_total, row.place_of_supply,
                      bool(row.inter_state), row.customer_gstin or "", row.customer_name or "", row.doc_type,
                      False, lines)


def load_period(s: Session, period: Period, progress: Progress | None = None) -> PeriodData:
    """The period's invoices and credit notes (by business date) as :mod:`billbook.gst.model` data."""
    say = progress or (lambda f, t: None)
    shop = s.get(Shop, 1)
    in_range = Invoice.business_date.between(period.start, period.end)
    head = (Invoice.id, Invoice.number, Invoice.business_date, Invoice.grand_total, Invoice.place_of_supply,
            Invoice.inter_state, Invoice.customer_gstin, Invoice.customer_name, Invoice.doc_type)
    say(0.05, "Reading invoices…")
    rows = s.execute(select(*head).where(in_range).order_by(Invoice.id)).all()
    lines: dict[int, list[Line]] = defaultdict(list)
    say(0.2, "Reading invoice lines…")
    for ln in s.execute(
            select(InvoiceLine.invoice_id, InvoiceLine.hsn, InvoiceLine.name, InvoiceLine.unit, InvoiceLine.qty,
                   InvoiceLine.gst_rate, InvoiceLine.taxable, InvoiceLine.cgst, InvoiceLine.sgst, InvoiceLine.igst,
                   InvoiceLine.total, InvoiceLine.unit_price, InvoiceLine.gross, InvoiceLine.discount,
                   InvoiceLine.tax_inclusive)
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id).where(in_range)
            .order_by(InvoiceLine.invoice_id, InvoiceLine.line_no)):
        lines[ln.invoice_id].append(Line(ln.hsn or "", ln.name, _uqc(ln.unit), ln.qty, Decimal(ln.gst_rate),
                                         ln.taxable, ln.cgst, ln.sgst, ln.igst, ln.total, ln.unit_price, ln.gross,
                                         ln.discount, bool(ln.tax_inclusive)))
    invoices = tuple(_invoice(r, tuple(lines.get(r.id, ()))) for r in rows)
    say(0.45, "Reading credit notes…")
    cn_range = CreditNote.business_date.between(period.start, period.end)
    notes_rows = s.execute(select(CreditNote.id, CreditNote.number, CreditNote.business_date, CreditNote.total,
                                  CreditNote.invoice_id, CreditNote.place_of_supply)
                           .where(cn_range).order_by(CreditNote.id)).all()
    originals = {}
    if notes_rows:
        ids = sorted({r.invoice_id for r in notes_rows})
        for i in range(0, len(ids), 500):
            for r in s.execute(select(*head).where(Invoice.id.in_(ids[i:i + 500]))):
                originals[r.id] = _invoice(r)
    note_lines: dict[int, list[Line]] = defaultdict(list)
    for ln in s.execute(
            select(CreditNoteLine.credit_note_id, InvoiceLine.hsn, CreditNoteLine.name, InvoiceLine.unit,
                   CreditNoteLine.qty, CreditNoteLine.gst_rate, CreditNoteLine.taxable, CreditNoteLine.cgst,
                   CreditNoteLine.sgst, CreditNoteLine.igst, CreditNoteLine.total, InvoiceLine.tax_inclusive)
            .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
            .join(InvoiceLine, InvoiceLine.id == CreditNoteLine.invoice_line_id)
            .where(cn_range).order_by(CreditNoteLine.credit_note_id, CreditNoteLine.id)):
        note_lines[ln.credit_note_id].append(Line(ln.hsn or "", ln.name, _uqc(ln.unit), ln.qty, Decimal(ln.gst_rate),
                                                  ln.taxable, ln.cgst, ln.sgst, ln.igst, ln.total,
                                                  tax_inclusive=bool(ln.tax_inclusive)))
    notes = tuple(GstNote(r.number, parse_date(r.business_date), r.total, originals[r.invoice_id],
                          r.place_of_supply or "", tuple(note_lines.get(r.id, ()))) for r in notes_rows)
    say(0.6, "Building the return…")
    return PeriodData(shop.gstin if shop else "", shop.name if shop else "", shop.state_code if shop else "",
                      shop.gst_scheme if shop else "regular", invoices, notes)


def _regular(data: PeriodData, what: str) -> None:
    if data.scheme != "regular":
        other = "CMP-08 and GSTR-4" if data.scheme == "composition" else "no GST returns"
        raise ReturnInvalid(f"{what} is for regular taxpayers; this shop is set up as {data.scheme} "
                            f"(it files {other}). Change it with shop set --gst-scheme if that is wrong.")


# ---------------------------------------------------------------- check summary

@dataclass(frozen=True)
class CheckSummary:
    """Counts and totals an accountant compares before filing: the return against the sales report."""
    period: Period
    invoices: int                 # every invoice of the period (Table 13)
    b2b: int
    b2cl: int
    b2cs: int                     # invoices summed into B2CS rows
    bills_of_supply: int
    credit_notes: int
    cdnr: int
    cdnur: int
    notes_in_b2cs: int
    return_taxable: Decimal       # B2B + B2CL + B2CS + nil − notes (GSTR-1) or 3.1(a)+(c) (GSTR-3B)
    return_tax: Decimal
    bills_of_supply_taxable: Decimal
    report_taxable: Decimal       # the GST sales summary's net taxable value for the period
    report_tax: Decimal
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def matches(self) -> bool:
        return (self.return_taxable + self.bills_of_supply_taxable == self.report_taxable
                and self.return_tax == self.report_tax)

    def lines(self) -> list[str]:
        out = [f"Period {self.period.label} ({self.period.start:%d %b %Y} – {self.period.end:%d %b %Y}), "
               f"return period {self.period.fp}",
               f"Invoices {self.invoices}: B2B {self.b2b}, B2C large {self.b2cl}, B2C small {self.b2cs}"
               + (f", bills of supply {self.bills_of_supply}" if self.bills_of_supply else ""),
               f"Credit notes {self.credit_notes}: against B2B {self.cdnr}, against B2C large {self.cdnur}, "
               f"netted into B2C small {self.notes_in_b2cs}",
               f"Return: taxable {money_str(self.return_taxable)}, tax {money_str(self.return_tax)}",
               f"Sales report: net taxable {money_str(self.report_taxable)}, net tax {money_str(self.report_tax)}"]
        if self.bills_of_supply:
            out.append(f"Bills of supply (not in the return): taxable {money_str(self.bills_of_supply_taxable)}")
        out.append("Totals match the sales report." if self.matches else
                   "MISMATCH with the sales report: check before filing.")
        out.extend(self.notes)
        return out

    def to_json(self) -> dict:
        return {"period": self.period.label, "fp": self.period.fp, "invoices": self.invoices, "b2b": self.b2b,
                "b2cl": self.b2cl, "b2cs": self.b2cs, "bills_of_supply": self.bills_of_supply,
                "credit_notes": self.credit_notes, "cdnr": self.cdnr, "cdnur": self.cdnur,
                "notes_in_b2cs": self.notes_in_b2cs, "return_taxable": money_str(self.return_taxable),
                "return_tax": money_str(self.return_tax),
                "bills_of_supply_taxable": money_str(self.bills_of_supply_taxable),
                "report_taxable": money_str(self.report_taxable), "report_tax": money_str(self.report_tax),
                "matches": self.matches, "notes": list(self.notes)}


def _sales_report(db: Database, period: Period) -> tuple[Decimal, Decimal]:
    """The period's net taxable value and net tax as the GST sales summary (``report gst``)
    reports them: SQL sums of the stored lines by rate, less the credit notes — a path apart
    from the loader and the return builder above, and read-only."""
    summary = db.run(lambda s: compute_gst(s, period.start, period.end), readonly=True)
    return (sum((r.taxable for r in summary.net_by_rate), ZERO),
            sum((r.cgst + r.sgst + r.igst for r in summary.net_by_rate), ZERO))


def _counts(data: PeriodData) -> dict:
    tax = [i for i in data.invoices if i.doc_type == "tax_invoice"]
    tax_notes = [n for n in data.notes if n.invoice.doc_type == "tax_invoice"]
    return {"invoices": len(data.invoices), "b2b": sum(1 for i in tax if i.registered),
            "b2cl": sum(1 for i in tax if i.b2c_large),
            "b2cs": sum(1 for i in tax if not i.registered and not i.b2c_large),
            "bills_of_supply": len(data.invoices) - len(tax), "credit_notes": len(data.notes),
            "cdnr": sum(1 for n in tax_notes if n.invoice.registered),
            "cdnur": sum(1 for n in tax_notes if n.invoice.b2c_large),
            "notes_in_b2cs": sum(1 for n in tax_notes if not n.invoice.registered and not n.invoice.b2c_large)}


# ---------------------------------------------------------------- GSTR-1

@dataclass(frozen=True)
class Gstr1Export:
    gstr1: g1.Gstr1
    document: dict                 # plain JSON, validated
    summary: CheckSummary

    def text(self) -> str:
        return schema.dumps(self.document)

    def write(self, path: str | Path, *, force: bool = False) -> Path:
        return _write_text(Path(path), self.text(), force)

    def write_csv(self, directory: str | Path, *, force: bool = False) -> list[Path]:
        """The offline tool's sheets, one CSV file per sheet (``b2b.csv`` … ``docs.csv``); if any
        of them exists already nothing is written unless ``force``."""
        folder = files.ensure_folder(directory, create_within=config.data_dir())
        for name in self.gstr1.sheets:
            files.check_target(folder / f"{name}.csv", force=force)
        written = []
        for name, rows in self.gstr1.sheets.items():
            buf = io.StringIO()
            w = spreadsheet_writer(buf, lineterminator="\r\n")
            for row in rows:
                w.writerow(row)
            written.append(_write_text(folder / f"{name}.csv", buf.getvalue(), force))
        return written


def _write_text(path: Path, text: str, force: bool = False) -> Path:
    """Through the safe writer (billbook/files.py): atomic, owner-only (buyers' GSTINs), an existing
    file replaced only with ``force``, never a link or a device."""
    return files.write_file(path, text, force=force, private=True, create_within=config.data_dir())


@requires(Permission.VIEW_REPORTS)
def gstr1(db: Database, actor: Actor, period, *, progress: Progress | None = None) -> Gstr1Export:
    """GSTR-1 for ``period`` (``2026-11`` or ``2026-Q3``): the portal JSON, validated against its
    schema, the offline tool's sheets and the check summary. Nothing is written here."""
    p = _period(period)
    say = progress or (lambda f, t: None)
    data = db.run(lambda s: load_period(s, p, say), readonly=True)
    _regular(data, "GSTR-1")
    built = g1.build(data.shop_gstin, p, data.invoices, data.notes)
    say(0.75, "Checking the file against the GSTR-1 schema…")
    document = built.portal_json()
    schema.validate("gstr1", document)
    say(0.85, "Comparing with the sales report…")
    rep_taxable, rep_tax = _sales_report(db, p)
    net = built.totals["net"]
    summary = CheckSummary(p, **_counts(data), return_taxable=net.taxable, return_tax=net.tax,
                           bills_of_supply_taxable=built.bills_of_supply_taxable, report_taxable=rep_taxable,
                           report_tax=rep_tax,
                           notes=("Table 13: billbook has no invoice cancellation (a sale is reversed by a "
                                  "credit note), so no document is reported cancelled.",))
    say(1.0, "GSTR-1 ready.")
    return Gstr1Export(built, document, summary)


# ---------------------------------------------------------------- GSTR-3B

@dataclass(frozen=True)
class Gstr3bExport:
    gstr3b: g3b.Gstr3b
    document: dict
    summary: CheckSummary
    shop_name: str = ""

    def write(self, path: str | Path, *, force: bool = False) -> Path:
        """``.pdf`` for the accountant's page, ``.csv`` for both tables, ``.json`` for the portal format."""
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix == ".pdf":
            files.check_target(target, force=force, create_within=config.data_dir())
            return files.write_file(target, g3b.render_pdf(self.gstr3b, self.shop_name), force=force,
                                    private=True, create_within=config.data_dir())
        if suffix == ".csv":
            return _write_text(target, self.gstr3b.csv(), force)
        if suffix == ".json":
            return _write_text(target, schema.dumps(self.document), force)
        raise ValidationError("output", "write GSTR-3B as .pdf, .csv or .json")


@requires(Permission.VIEW_REPORTS)
def gstr3b(db: Database, actor: Actor, period, *, progress: Progress | None = None) -> Gstr3bExport:
    """GSTR-3B tables 3.1 and 3.2 for ``period``, net of credit notes, with the check summary."""
    p = _period(period)
    say = progress or (lambda f, t: None)
    data = db.run(lambda s: load_period(s, p, say), readonly=True)
    _regular(data, "GSTR-3B")
    built = g3b.build(data.shop_gstin, p, data.invoices, data.notes)
    document = built.portal_json()
    schema.validate("gstr3b", document)
    say(0.85, "Comparing with the sales report…")
    rep_taxable, rep_tax = _sales_report(db, p)
    a, c = built.row("osup_det"), built.row("osup_nil_exmp")
    bos_taxable = (sum((ln.taxable for i in data.invoices if i.doc_type != "tax_invoice" for ln in i.lines), ZERO)
                   - sum((ln.taxable for n in data.notes if n.invoice.doc_type != "tax_invoice" for ln in n.lines),
                         ZERO))
    summary = CheckSummary(p, **_counts(data), return_taxable=a.taxable + c.taxable,
                           return_tax=a.igst + a.cgst + a.sgst, bills_of_supply_taxable=bos_taxable,
                           report_taxable=rep_taxable, report_tax=rep_tax,
                           notes=("3.2: supplies to composition dealers are not told apart from other "
                                  "registered buyers (a GSTIN does not say so).",))
    say(1.0, "GSTR-3B ready.")
    return Gstr3bExport(built, document, summary, data.shop_name)


# ---------------------------------------------------------------- e-invoice

@dataclass(frozen=True)
class EInvoiceExport:
    number: str
    document: dict

    def text(self) -> str:
        return schema.dumps(self.document)

    def write(self, path: str | Path, *, force: bool = False) -> Path:
        return _write_text(Path(path), self.text(), force)


def _attr(obj, name: str) -> str:
    return (getattr(obj, name, "") or "") if obj is not None else ""


@requires(Permission.VIEW_REPORTS)
def einvoice(db: Database, actor: Actor, number: str) -> EInvoiceExport:
    """The e-invoice JSON (INV-01 v1.1) of B2B tax invoice ``number``, schema-checked."""
    key = (number or "").strip().upper()

    def work(s: Session):
        inv = s.scalar(select(Invoice).where(Invoice.number == key))
        if inv is None:
            raise NotFound(f"No invoice {key}.")
        shop = s.get(Shop, 1)
        customer = s.get(Customer, inv.customer_id) if inv.customer_id else None
        lines = tuple(Line(ln.hsn or "", ln.name, _uqc(ln.unit), ln.qty, Decimal(ln.gst_rate), ln.taxable, ln.cgst,
                           ln.sgst, ln.igst, ln.total, ln.unit_price, ln.gross, ln.discount, bool(ln.tax_inclusive))
                      for ln in inv.lines)
        plain = GstInvoice(inv.number, parse_date(inv.business_date), inv.grand_total, inv.place_of_supply,
                           bool(inv.inter_state), inv.customer_gstin or "", inv.customer_name or "", inv.doc_type,
                           False, lines)
        # the seller as the invoice's shop snapshot named it, pincode and locality from the profile;
        # the buyer as the invoice's own snapshot (the customer record only fills what it lacks)
        snap = json.loads(inv.shop_snapshot or "{}")
        seller = Party(snap.get("gstin") or _attr(shop, "gstin"), snap.get("name") or _attr(shop, "name"),
                       snap.get("address") or _attr(shop, "address"),
                       snap.get("locality") or _attr(shop, "locality"), snap.get("pincode") or _attr(shop, "pincode"),
                       snap.get("state_code") or _attr(shop, "state_code"), snap.get("phone") or _attr(shop, "phone"),
                       snap.get("email") or _attr(shop, "email"))
        buyer = Party(inv.customer_gstin or "", inv.customer_name or "",
                      inv.customer_address or _attr(customer, "address"),
                      inv.customer_locality or _attr(customer, "locality"),
                      inv.customer_pincode or _attr(customer, "pincode"), (inv.customer_gstin or "")[:2],
                      inv.customer_phone or "", _attr(customer, "email"))
        return plain, seller, buyer, inv.round_off
    plain, seller, buyer, round_off = db.run(work, readonly=True)
    doc = einv.build(plain, seller, buyer, round_off=round_off)
    return EInvoiceExport(plain.number, einv.validated(doc))
