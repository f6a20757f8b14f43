"""Reports: the day-end (Z) report with cash reconciliation, and the GST summary for a period.

Both are computed from the stored documents (invoices, credit notes, payments) — never from
the summary tables — so they are exact by construction. A closed day stores its Z report once
(``day_closes``, unique per date and terminal) as frozen JSON; its PDF is rendered from that.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billbook import clock
from billbook.db.models import CreditNote, CreditNoteLine, DayClose, Invoice, InvoiceLine, Payment, Shop, User
from billbook.db.uow import Database
from billbook.domain.calendar import parse_date
from billbook.domain.gst import UNIT_UQC, state_name
from billbook.domain.money import ZERO, MoneyError, money_str, parse_amount, qty_str, round_money, round_qty
from billbook.domain.permissions import Permission
from billbook.services.insight.analytics import check_range
from billbook.services.base import Actor, audit, requires
from billbook.services.data import backup
from billbook.services.data.csv_io import spreadsheet_writer
from billbook.errors import Conflict, NotFound, PermissionDenied, ValidationError

log = logging.getLogger(__name__)

MODES = ("cash", "upi", "card", "netbanking", "credits", "account")


def _d(v) -> Decimal:
    """An amount from a query as Decimal rupees, rounded half-up to the paisa like every amount."""
    return ZERO if v is None else round_money(v if isinstance(v, Decimal) else Decimal(str(v)))


def _money(value, field_name: str, *, negative=False) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return parse_amount(value, field=field_name, allow_negative=negative)
    except MoneyError as exc:
        raise ValidationError(field_name, str(exc).split(": ", 1)[-1]) from None


# ---------------------------------------------------------------- day-end (Z) report

@dataclass(frozen=True)
class ModeTotal:
    mode: str
    sales: Decimal        # taken on sales
    dues: Decimal         # dues received
    refunds: Decimal      # paid back on returns (negative)
    net: Decimal


@dataclass(frozen=True)
class RateTotal:
    rate: Decimal
    taxable: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal


@dataclass(frozen=True)
class DayReport:
    business_date: dt.date
    terminal: str | None
    cashier: str | None
    invoices: int
    first_number: str | None
    last_number: str | None
    gross: Decimal             # before discounts
    discounts: Decimal
    taxable: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    round_off: Decimal
    sales_total: Decimal       # grand totals
    returns: int
    returns_total: Decimal
    net_sales: Decimal         # sales_total - returns_total
    by_mode: tuple[ModeTotal, ...]
    by_rate: tuple[RateTotal, ...]
    opening_float: Decimal
    cash_expected: Decimal     # opening float + every cash movement of the day
    counted_cash: Decimal | None
    difference: Decimal | None  # counted - expected (negative: short)
    closed: bool = False
    closed_at: dt.datetime | None = None
    closed_by: str | None = None
    shop_name: str = ""
    #: set by close_day after the close committed: the day-end backup file, or why it failed
    backup_path: str | None = field(default=None, compare=False)
    backup_warning: str | None = field(default=None, compare=False)

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst

    def to_json(self) -> dict:
        def conv(v):
            if isinstance(v, Decimal):
                return money_str(v)
            if isinstance(v, (dt.date, dt.datetime)):
                return v.isoformat()
            if isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            if isinstance(v, (list, tuple)):
                return [conv(x) for x in v]
            return v
        data = conv(asdict(self))
        for key in ("backup_path", "backup_warning"):
            if data.get(key) is None:
                data.pop(key, None)
        data["tax"] = money_str(self.tax)
        for row in data["by_rate"]:
            row["rate"] = format(Decimal(row["rate"]).normalize(), "f")
        return data

    @staticmethod
    def from_json(data: dict) -> DayReport:
        m = lambda v: None if v is None else Decimal(v)  # noqa: E731
        return DayReport(
            dt.date.fromisoformat(data["business_date"]), data["terminal"], data["cashier"], data["invoices"],
            data["first_number"], data["last_number"], m(data["gross"]), m(data["discounts"]), m(data["taxable"]),
            m(data["cgst"]), m(data["sgst"]), m(data["igst"]), m(data["round_off"]), m(data["sales_total"]),
            data["returns"], m(data["returns_total"]), m(data["net_sales"]),
            tuple(ModeTotal(r["mode"], m(r["sales"]), m(r["dues"]), m(r["refunds"]), m(r["net"])) for r in data["by_mode"]),
            tuple(RateTotal(Decimal(r["rate"]), m(r["taxable"]), m(r["cgst"]), m(r["sgst"]), m(r["igst"]))
                  for r in data["by_rate"]),
            m(data["opening_float"]), m(data["cash_expected"]), m(data["counted_cash"]), m(data["difference"]),
            data.get("closed", False),
            dt.datetime.fromisoformat(data["closed_at"]) if data.get("closed_at") else None,
            data.get("closed_by"), data.get("shop_name", ""))


def _cashier_id(s: Session, cashier: str | None) -> int | None:
    if not cashier:
        return None
    uid = s.scalar(select(User.id).where(User.username == cashier.strip()))
    if uid is None:
        raise NotFound(f"No user {cashier!r}.")
    return uid


def compute_day(s: Session, day: dt.date, terminal: str | None, cashier: str | None,
                opening_float: Decimal, counted: Decimal | None) -> DayReport:
    """The Z report figures for ``day`` (optionally one terminal / one cashier), in ``s``."""
    uid = _cashier_id(s, cashier)
    conds = [Invoice.business_date == day]
    if terminal is not None:
        conds.append(Invoice.terminal == terminal)
    if uid is not None:
        conds.append(Invoice.cashier_id == uid)
    row = s.execute(select(func.count(), func.sum(Invoice.gross_total), func.sum(Invoice.discount_total),
                           func.sum(Invoice.taxable_total), func.sum(Invoice.cgst), func.sum(Invoice.sgst),
                           func.sum(Invoice.igst), func.sum(Invoice.round_off), func.sum(Invoice.grand_total),
                           func.min(Invoice.number), func.max(Invoice.number)).where(*conds)).one()
    n, gross, disc, taxable, cgst, sgst, igst, ro, total, first, last = row
    by_rate = [RateTotal(Decimal(r).normalize() if r is not None else ZERO, _d(t), _d(c), _d(sg), _d(i))
               for r, t, c, sg, i in s.execute(
                   select(InvoiceLine.gst_rate, func.sum(InvoiceLine.taxable), func.sum(InvoiceLine.cgst),
                          func.sum(InvoiceLine.sgst), func.sum(InvoiceLine.igst))
                   .join(Invoice, Invoice.id == InvoiceLine.invoice_id).where(*conds)
                   .group_by(InvoiceLine.gst_rate).order_by(InvoiceLine.gst_rate))]
    cn_conds = [CreditNote.business_date == day]
    if terminal is not None:
        cn_conds.append(CreditNote.terminal == terminal)
    if uid is not None:
        cn_conds.append(CreditNote.user_id == uid)
    rn, rtotal = s.execute(select(func.count(), func.sum(CreditNote.total)).where(*cn_conds)).one()
    p_conds = [Payment.business_date == day]
    if terminal is not None:
        p_conds.append(Payment.terminal == terminal)
    if uid is not None:
        p_conds.append(Payment.user_id == uid)
    modes: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for kind, mode, amount in s.execute(select(Payment.kind, Payment.mode, func.sum(Payment.amount))
                                        .where(*p_conds).group_by(Payment.kind, Payment.mode)):
        modes[mode][kind] += _d(amount)
    order = {m: i for i, m in enumerate(MODES)}
    by_mode = tuple(ModeTotal(m, v["sale"], v["dues"], v["refund"], v["sale"] + v["dues"] + v["refund"])
                    for m, v in sorted(modes.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))
    cash = next((mt.net for mt in by_mode if mt.mode == "cash"), ZERO)
    expected = opening_float + cash
    shop = s.get(Shop, 1)
    return DayReport(day, terminal, cashier, int(n), first, last, _d(gross), _d(disc), _d(taxable), _d(cgst),
                     _d(sgst), _d(igst), _d(ro), _d(total), int(rn), _d(rtotal), _d(total) - _d(rtotal), by_mode,
                     tuple(by_rate), opening_float, expected, counted,
                     None if counted is None else counted - expected, shop_name=shop.name if shop else "")


@requires(Permission.VIEW_REPORTS)
def day_report(db: Database, actor: Actor, day=None, *, terminal: str | None = None, cashier: str | None = None,
               opening_float=None, counted_cash=None) -> DayReport:
    """The Z report of ``day`` (default today): the stored one if that day/terminal is closed."""
    d = parse_date(day, default=clock.today())
    float_ = _money(opening_float, "opening_float") or ZERO
    counted = _money(counted_cash, "counted_cash")
    term = terminal.strip() if terminal else None

    def work(s: Session) -> DayReport:
        if term is not None and cashier is None:
            stored = s.scalar(select(DayClose).where(DayClose.business_date == d, DayClose.terminal == term))
            if stored is not None:
                return DayReport.from_json(json.loads(stored.report_json))
        return compute_day(s, d, term, cashier, float_, counted)
    return db.run(work, readonly=True)


@requires(Permission.CLOSE_DAY)
def close_day(db: Database, actor: Actor, day=None, *, terminal: str | None = None, opening_float=None,
              counted_cash=None) -> DayReport:
    """Close ``day`` for ``terminal`` (default: the actor's): store the Z report once.

    A cashier may close only their own terminal's day. Closing a closed day is refused.
    After the close is committed a day-end backup is taken (``backup.auto_backup_if_due``
    with ``force=True``): its file is in ``backup_path``; if it fails the day stays closed
    and ``backup_warning`` says why.
    """
    d = parse_date(day, default=clock.today())
    term = (terminal if terminal is not None else actor.terminal or "").strip()
    if not term:
        raise ValidationError("terminal", "which terminal's day? (--terminal)")
    if len(term) > 64:
        raise ValidationError("terminal", "at most 64 characters")
    if not actor.is_admin and term != (actor.terminal or ""):
        raise PermissionDenied(f"{actor.username} may close only this terminal's day ({actor.terminal or '-'}).")
    if d > clock.today():
        raise ValidationError("date", f"{d} has not happened yet")
    float_ = _money(opening_float, "opening_float") or ZERO
    counted = _money(counted_cash, "counted_cash")

    def work(s: Session) -> DayReport:
        if s.scalar(select(DayClose.id).where(DayClose.business_date == d, DayClose.terminal == term)) is not None:
            raise Conflict("date", f"the day {d} is already closed on terminal {term}")
        rep = compute_day(s, d, term, None, float_, counted)
        now = clock.now()
        rep = replace(rep, closed=True, closed_at=now, closed_by=actor.username)
        s.add(DayClose(business_date=d, terminal=term, user_id=actor.user_id, closed_at=now,
                       opening_float=float_, expected_cash=rep.cash_expected, counted_cash=counted,
                       difference=rep.difference, report_json=json.dumps(rep.to_json(), ensure_ascii=False)))
        s.flush()
        audit(s, actor, "day.close", "day_close", f"{d}/{term}", expected=rep.cash_expected, counted=counted,
              difference=rep.difference)
        return rep
    try:
        rep = db.run(work)
    except IntegrityError:
        raise Conflict("date", f"the day {d} is already closed on terminal {term}") from None
    return _day_end_backup(db, actor, rep)


def _day_end_backup(db: Database, actor: Actor, rep: DayReport) -> DayReport:
    """Back up after a committed close; a failure is reported on the report, never raised."""
    try:
        path = backup.auto_backup_if_due(db, actor, reason="day-end", force=True)
    except Exception as exc:  # noqa: BLE001 - the close is committed whatever happens here
        log.warning("day-end backup after closing %s failed", rep.business_date, exc_info=True)
        return replace(rep, backup_warning=f"The day is closed, but the day-end backup failed: {exc}")
    return replace(rep, backup_path=str(path) if path is not None else None)


@requires(Permission.VIEW_REPORTS)
def day_report_pdf(db: Database, actor: Actor, day=None, *, terminal: str | None = None,
                   cashier: str | None = None, opening_float=None, counted_cash=None) -> bytes:
    """The Z report as a printable A4 PDF (a closed day prints its stored report)."""
    rep = day_report(db, actor, day, terminal=terminal, cashier=cashier, opening_float=opening_float,
                     counted_cash=counted_cash)
    from billbook.documents.day_report import render_day_report  # reportlab: only when a PDF is asked for
    return render_day_report(rep)


# ---------------------------------------------------------------- GST summary

@dataclass(frozen=True)
class GstRateRow:
    rate: Decimal
    taxable: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst


@dataclass(frozen=True)
class B2BInvoice:
    gstin: str
    customer: str
    number: str
    date: dt.date
    place_of_supply: str
    rate: Decimal
    taxable: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    invoice_value: Decimal


@dataclass(frozen=True)
class B2CRow:
    place_of_supply: str
    inter_state: bool
    rate: Decimal
    taxable: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal


@dataclass(frozen=True)
class HsnRow:
    hsn: str
    uqc: str
    rate: Decimal
    qty: Decimal
    total_value: Decimal
    taxable: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal


@dataclass(frozen=True)
class CreditNoteRow:
    number: str
    date: dt.date
    invoice_number: str
    invoice_date: dt.date
    gstin: str
    customer: str
    rate: Decimal
    taxable: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    note_value: Decimal


@dataclass(frozen=True)
class GstSummary:
    start: dt.date
    end: dt.date
    shop_gstin: str
    invoices: int
    by_rate: tuple[GstRateRow, ...]            # every invoice line, by rate
    b2b: tuple[B2BInvoice, ...]                # per invoice and rate, by GSTIN
    b2c: tuple[B2CRow, ...]                    # unregistered buyers, by place of supply and rate
    hsn: tuple[HsnRow, ...]
    credit_notes: tuple[CreditNoteRow, ...]    # per note and rate
    credit_by_rate: tuple[GstRateRow, ...]
    net_by_rate: tuple[GstRateRow, ...]        # by_rate minus credit notes
    totals: dict = field(default_factory=dict)


def _rate(v) -> Decimal:
    return round_money(Decimal(str(v))).normalize() if v is not None else ZERO


def _rate_rows(rows: dict[Decimal, list[Decimal]]) -> tuple[GstRateRow, ...]:
    return tuple(GstRateRow(r, *v) for r, v in sorted(rows.items()))


def compute_gst(s: Session, d1: dt.date, d2: dt.date) -> GstSummary:
    shop = s.get(Shop, 1)
    inv_range = Invoice.business_date.between(d1, d2)
    n = s.scalar(select(func.count()).select_from(Invoice).where(inv_range))
    by_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [ZERO] * 4)
    b2c: dict[tuple, list[Decimal]] = defaultdict(lambda: [ZERO] * 4)
    for rate, pos, inter, registered, taxable, cgst, sgst, igst in s.execute(
            select(InvoiceLine.gst_rate, Invoice.place_of_supply, Invoice.inter_state, Invoice.customer_gstin != "",
                   func.sum(InvoiceLine.taxable), func.sum(InvoiceLine.cgst), func.sum(InvoiceLine.sgst),
                   func.sum(InvoiceLine.igst))
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id).where(inv_range)
            .group_by(InvoiceLine.gst_rate, Invoice.place_of_supply, Invoice.inter_state,
                      Invoice.customer_gstin != "")):
        vals = [_d(taxable), _d(cgst), _d(sgst), _d(igst)]
        r = _rate(rate)
        by_rate[r] = [a + b for a, b in zip(by_rate[r], vals)]
        if not registered:
            key = (pos, bool(inter), r)
            b2c[key] = [a + b for a, b in zip(b2c[key], vals)]
    b2b = []
    for gstin, name, number, date, pos, grand, rate, taxable, cgst, sgst, igst in s.execute(
            select(Invoice.customer_gstin, Invoice.customer_name, Invoice.number, Invoice.business_date,
                   Invoice.place_of_supply, Invoice.grand_total, InvoiceLine.gst_rate, func.sum(InvoiceLine.taxable),
                   func.sum(InvoiceLine.cgst), func.sum(InvoiceLine.sgst), func.sum(InvoiceLine.igst))
            .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
            .where(inv_range, Invoice.customer_gstin != "")
            .group_by(Invoice.id, Invoice.customer_gstin, Invoice.customer_name, Invoice.number,
                      Invoice.business_date, Invoice.place_of_supply, Invoice.grand_total, InvoiceLine.gst_rate)):
        b2b.append(B2BInvoice(gstin, name, number, parse_date(date),
                              pos, _rate(rate), _d(taxable), _d(cgst), _d(sgst), _d(igst), _d(grand)))
    b2b.sort(key=lambda b: (b.gstin, b.date, b.number, b.rate))
    hsn = []
    for code, unit, rate, qty, total, taxable, cgst, sgst, igst in s.execute(
            select(InvoiceLine.hsn, InvoiceLine.unit, InvoiceLine.gst_rate, func.sum(InvoiceLine.qty),
                   func.sum(InvoiceLine.total), func.sum(InvoiceLine.taxable), func.sum(InvoiceLine.cgst),
                   func.sum(InvoiceLine.sgst), func.sum(InvoiceLine.igst))
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id).where(inv_range)
            .group_by(InvoiceLine.hsn, InvoiceLine.unit, InvoiceLine.gst_rate)):
        hsn.append((code or "", UNIT_UQC.get((unit or "").lower(), "OTH"), _rate(rate),
                    round_qty(Decimal(str(qty or 0))), _d(total), _d(taxable), _d(cgst), _d(sgst),
                    _d(igst)))
    merged: dict[tuple, list] = {}
    for code, uqc, rate, *vals in hsn:        # two units with one UQC (pcs / nos) are one row
        key = (code, uqc, rate)
        merged[key] = [a + b for a, b in zip(merged[key], vals)] if key in merged else list(vals)
    hsn_rows = tuple(HsnRow(k[0], k[1], k[2], *v) for k, v in sorted(merged.items()))
    cn_rows = []
    credit_by_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [ZERO] * 4)
    for number, date, inv_no, inv_date, gstin, name, total, rate, taxable, cgst, sgst, igst in s.execute(
            select(CreditNote.number, CreditNote.business_date, Invoice.number, Invoice.business_date,
                   Invoice.customer_gstin, Invoice.customer_name, CreditNote.total, CreditNoteLine.gst_rate,
                   func.sum(CreditNoteLine.taxable), func.sum(CreditNoteLine.cgst), func.sum(CreditNoteLine.sgst),
                   func.sum(CreditNoteLine.igst))
            .join(CreditNoteLine, CreditNoteLine.credit_note_id == CreditNote.id)
            .join(Invoice, Invoice.id == CreditNote.invoice_id)
            .where(CreditNote.business_date.between(d1, d2))
            .group_by(CreditNote.id, CreditNote.number, CreditNote.business_date, Invoice.number,
                      Invoice.business_date, Invoice.customer_gstin, Invoice.customer_name, CreditNote.total,
                      CreditNoteLine.gst_rate)):
        row = CreditNoteRow(number, parse_date(date), inv_no, parse_date(inv_date), gstin or "", name or "", _rate(rate),
                            _d(taxable), _d(cgst), _d(sgst), _d(igst), _d(total))
        cn_rows.append(row)
        credit_by_rate[row.rate] = [a + b for a, b in zip(credit_by_rate[row.rate],
                                                          (row.taxable, row.cgst, row.sgst, row.igst))]
    cn_rows.sort(key=lambda c: (c.date, c.number, c.rate))
    net = {r: [a - b for a, b in zip(by_rate.get(r, [ZERO] * 4), credit_by_rate.get(r, [ZERO] * 4))]
           for r in set(by_rate) | set(credit_by_rate)}
    sales = _rate_rows(by_rate)
    totals = {"taxable": sum((r.taxable for r in sales), ZERO), "cgst": sum((r.cgst for r in sales), ZERO),
              "sgst": sum((r.sgst for r in sales), ZERO), "igst": sum((r.igst for r in sales), ZERO)}
    return GstSummary(d1, d2, shop.gstin if shop else "", int(n), sales, tuple(b2b),
                      tuple(B2CRow(k[0], k[1], k[2], *v) for k, v in sorted(b2c.items())), hsn_rows,
                      tuple(cn_rows), _rate_rows(credit_by_rate), _rate_rows(net), totals)


@requires(Permission.VIEW_REPORTS)
def gst_summary(db: Database, actor: Actor, start, end) -> GstSummary:
    """What the accountant needs for the period's GST returns (GSTR-1 / GSTR-3B)."""
    d1, d2 = check_range(start, end)
    return db.run(lambda s: compute_gst(s, d1, d2), readonly=True)


def gst_csv(summary: GstSummary) -> str:
    """The GST summary as one CSV: each section starts with its own header row."""
    out = io.StringIO()
    w = spreadsheet_writer(out, lineterminator="\n")
    r = lambda v: format(v.normalize(), "f") if isinstance(v, Decimal) else v  # noqa: E731
    w.writerow(["GST summary", summary.start.isoformat(), summary.end.isoformat(), summary.shop_gstin])
    w.writerow([])
    w.writerow(["section", "rate", "taxable", "cgst", "sgst", "igst", "tax"])
    for name, rows in (("by_rate", summary.by_rate), ("credit_notes_by_rate", summary.credit_by_rate),
                       ("net_by_rate", summary.net_by_rate)):
        for row in rows:
            w.writerow([name, r(row.rate), money_str(row.taxable), money_str(row.cgst), money_str(row.sgst),
                        money_str(row.igst), money_str(row.tax)])
    w.writerow([])
    w.writerow(["section", "gstin", "customer", "invoice", "date", "place_of_supply", "rate", "taxable", "cgst",
                "sgst", "igst", "invoice_value"])
    for b in summary.b2b:
        w.writerow(["b2b", b.gstin, b.customer, b.number, b.date.isoformat(),
                    f"{b.place_of_supply}-{state_name(b.place_of_supply)}", r(b.rate), money_str(b.taxable),
                    money_str(b.cgst), money_str(b.sgst), money_str(b.igst), money_str(b.invoice_value)])
    w.writerow([])
    w.writerow(["section", "place_of_supply", "supply", "rate", "taxable", "cgst", "sgst", "igst"])
    for b in summary.b2c:
        w.writerow(["b2c", f"{b.place_of_supply}-{state_name(b.place_of_supply)}",
                    "inter-state" if b.inter_state else "intra-state", r(b.rate), money_str(b.taxable),
                    money_str(b.cgst), money_str(b.sgst), money_str(b.igst)])
    w.writerow([])
    w.writerow(["section", "hsn", "uqc", "rate", "quantity", "total_value", "taxable", "cgst", "sgst", "igst"])
    for h in summary.hsn:
        w.writerow(["hsn", h.hsn, h.uqc, r(h.rate), qty_str(h.qty), money_str(h.total_value), money_str(h.taxable),
                    money_str(h.cgst), money_str(h.sgst), money_str(h.igst)])
    w.writerow([])
    w.writerow(["section", "note", "date", "invoice", "invoice_date", "gstin", "customer", "rate", "taxable", "cgst",
                "sgst", "igst", "note_value"])
    for c in summary.credit_notes:
        w.writerow(["credit_note", c.number, c.date.isoformat(), c.invoice_number, c.invoice_date.isoformat(),
                    c.gstin, c.customer, r(c.rate), money_str(c.taxable), money_str(c.cgst), money_str(c.sgst),
                    money_str(c.igst), money_str(c.note_value)])
    return out.getvalue()
