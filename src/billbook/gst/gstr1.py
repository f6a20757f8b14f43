"""GSTR-1 from a period's invoices and credit notes: the portal's JSON and the offline tool's
CSV sheets, with the figures the return nets.

How billbook's documents map to the return (GST portal GSTR-1 API v4.0 field names):

- ``b2b`` (Table 4A): tax invoices to a registered buyer (GSTIN or UIN), per buyer ``ctin``,
  each invoice with its taxed lines summed per rate (``itms`` → ``itm_det``).
- ``b2cl`` (Table 5): inter-state invoices to unregistered buyers with an invoice value above
  ₹1,00,000 (:data:`~billbook.gst.model.B2CL_LIMIT`), invoice-wise, per place of supply.
- ``b2cs`` (Table 7): every other invoice to an unregistered buyer, summed per supply type,
  place of supply and rate, **net of the credit notes** issued against such invoices (the
  return has no separate table for those notes).
- ``cdnr`` (Table 9B): credit notes against B2B invoices; ``cdnur``: credit notes against B2C
  large invoices (``typ`` B2CL). Note values are positive, as on the note.
- ``nil`` (Table 8): lines at 0 % are nil-rated supplies, per supply type, net of credit notes;
  they are never items of the sections above.
- ``hsn`` (Table 12) split into ``hsn_b2b`` (supplies to registered buyers) and ``hsn_b2c``,
  per HSN/SAC, UQC and rate, **net of credit notes**; services (SAC 99…) carry UQC ``NA`` and
  quantity 0.
- ``doc_issue`` (Table 13): per document series (the number without its running digits) the
  first and last number, how many were issued, cancelled and the net. billbook has no invoice
  cancellation (a sale is reversed by a credit note), so ``cancel`` is 0 unless a document is
  marked cancelled.

Bills of supply (issued under the composition scheme) are not outward taxable supplies of a
regular taxpayer's GSTR-1: they appear only in Table 13, and the check summary lists them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from billbook.domain.gst import gstin_problem
from billbook.domain.money import ZERO
from billbook.errors import ReturnInvalid
from billbook.gst.common import (
    UQC_TEXT, add, money, money_text, portal, portal_date, pos_text, qty2, rate_text, sheet_date, zeros,
)
from billbook.gst.model import CreditNote, Invoice, Line, Period

#: the JSON's format version, as the offline tool writes it
VERSION = "GST3.1.6"

#: the offline tool's CSV sheets and their exact column headers
SHEETS: dict[str, tuple[str, ...]] = {
    "b2b": ("GSTIN/UIN of Recipient", "Receiver Name", "Invoice Number", "Invoice date", "Invoice Value",
            "Place Of Supply", "Reverse Charge", "Applicable % of Tax Rate", "Invoice Type", "E-Commerce GSTIN",
            "Rate", "Taxable Value", "Cess Amount"),
    "b2cl": ("Invoice Number", "Invoice date", "Invoice Value", "Place Of Supply", "Applicable % of Tax Rate",
             "Rate", "Taxable Value", "Cess Amount", "E-Commerce GSTIN"),
    "b2cs": ("Type", "Place Of Supply", "Applicable % of Tax Rate", "Rate", "Taxable Value", "Cess Amount",
             "E-Commerce GSTIN"),
    "cdnr": ("GSTIN/UIN of Recipient", "Receiver Name", "Note Number", "Note Date", "Note Type", "Place Of Supply",
             "Reverse Charge", "Note Supply Type", "Note Value", "Applicable % of Tax Rate", "Rate", "Taxable Value",
             "Cess Amount"),
    "cdnur": ("UR Type", "Note Number", "Note Date", "Note Type", "Place Of Supply", "Note Value",
              "Applicable % of Tax Rate", "Rate", "Taxable Value", "Cess Amount"),
    "exemp": ("Description", "Nil Rated Supplies", "Exempted(other than nil rated/non GST supply)",
              "Non-GST Supplies"),
    "hsn(b2b)": ("HSN", "Description", "UQC", "Total Quantity", "Total Value", "Rate", "Taxable Value",
                 "Integrated Tax Amount", "Central Tax Amount", "State/UT Tax Amount", "Cess Amount"),
    "hsn(b2c)": ("HSN", "Description", "UQC", "Total Quantity", "Total Value", "Rate", "Taxable Value",
                 "Integrated Tax Amount", "Central Tax Amount", "State/UT Tax Amount", "Cess Amount"),
    "docs": ("Nature of Document", "Sr. No. From", "Sr. No. To", "Total Number", "Cancelled"),
}

NIL_TYPES = {  # (registered, inter-state) → the portal's supply type and the offline tool's text
    (True, True): ("INTRB2B", "Inter-State supplies to registered persons"),
    (True, False): ("INTRAB2B", "Intra-State supplies to registered persons"),
    (False, True): ("INTRB2C", "Inter-State supplies to unregistered persons"),
    (False, False): ("INTRAB2C", "Intra-State supplies to unregistered persons"),
}

DOC_TYPES = {1: "Invoices for outward supply", 5: "Credit Note"}

_SERIES = re.compile(r"^(.*?)(\d+)$")


@dataclass(frozen=True)
class SectionTotal:
    count: int            # documents (b2b, b2cl, cdnr, cdnur) or rows (b2cs, nil, hsn)
    taxable: Decimal
    igst: Decimal
    cgst: Decimal
    sgst: Decimal

    @property
    def tax(self) -> Decimal:
        return self.igst + self.cgst + self.sgst


@dataclass(frozen=True)
class Gstr1:
    """A built GSTR-1: ``doc`` is the portal JSON (Decimals until written), ``sheets`` the CSV
    rows per sheet (header first), ``totals`` per section plus ``net``."""
    period: Period
    doc: dict
    sheets: dict[str, list[list[str]]]
    totals: dict[str, SectionTotal]
    bills_of_supply: int = 0
    bills_of_supply_taxable: Decimal = ZERO
    notes_in_b2cs: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def portal_json(self) -> dict:
        """The document with plain JSON numbers (what is validated and written)."""
        return portal(self.doc)


# ---------------------------------------------------------------- helpers

def _by_rate(lines: Iterable[Line]) -> dict[Decimal, list[Decimal]]:
    """Taxed lines (rate > 0) summed per rate: [taxable, igst, cgst, sgst]."""
    out: dict[Decimal, list[Decimal]] = {}
    for ln in lines:
        if ln.rate > 0:
            out[ln.rate] = add(out.get(ln.rate, zeros(4)), [ln.taxable, ln.igst, ln.cgst, ln.sgst])
    return dict(sorted(out.items()))


def _nil(lines: Iterable[Line]) -> Decimal:
    return sum((ln.taxable for ln in lines if ln.rate == 0), ZERO)


def _itm_det(rate: Decimal, v: list[Decimal], inter: bool) -> dict:
    det = {"rt": rate.normalize(), "txval": money(v[0])}
    if inter:
        det["iamt"] = money(v[1])
    else:
        det["camt"] = money(v[2])
        det["samt"] = money(v[3])
    det["csamt"] = ZERO
    return det


def _items(rates: dict[Decimal, list[Decimal]], inter: bool) -> list[dict]:
    return [{"num": i, "itm_det": _itm_det(r, v, inter)} for i, (r, v) in enumerate(rates.items(), start=1)]


def _total(count: int, rows: Iterable[list[Decimal]]) -> SectionTotal:
    acc = zeros(4)
    for v in rows:
        acc = add(acc, v)
    return SectionTotal(count, *acc)


def series_of(number: str) -> tuple[str, int]:
    """``INV/26-27/000123`` → (``INV/26-27/``, 123)."""
    m = _SERIES.match(number)
    return (m.group(1), int(m.group(2))) if m else (number, 0)


def problems(shop_gstin: str, invoices: Iterable[Invoice], notes: Iterable[CreditNote]) -> list[str]:
    """What stops a valid GSTR-1, in plain words (empty when nothing does)."""
    out = []
    if why := gstin_problem(shop_gstin):
        out.append(f"the shop's GSTIN {shop_gstin or '(none)'}: {why} (shop set --gstin)")
    for doc, kind in [(i, "invoice") for i in invoices] + [(n, "credit note") for n in notes]:
        inv = doc if kind == "invoice" else doc.invoice
        if inv.doc_type != "tax_invoice":
            continue
        for ln in doc.lines:
            if not re.fullmatch(r"\d{4}|\d{6}|\d{8}", ln.hsn or "") or set(ln.hsn) == {"0"}:
                out.append(f"{kind} {doc.number}: {ln.description} has no valid HSN/SAC code "
                           f"({ln.hsn or 'none'}; 4, 6 or 8 digits)")
    return out


# ---------------------------------------------------------------- the return

def build(shop_gstin: str, period: Period, invoices: Iterable[Invoice], notes: Iterable[CreditNote],
          *, check: bool = True) -> Gstr1:
    """GSTR-1 for ``period`` from its invoices and credit notes (issued in the period).

    Raises :class:`~billbook.errors.ReturnInvalid` when a document cannot go into the return
    (a line without an HSN code, a shop without a valid GSTIN) unless ``check`` is False.
    """
    invoices = sorted(invoices, key=lambda i: (i.date, series_of(i.number)))
    notes = sorted(notes, key=lambda n: (n.date, series_of(n.number)))
    if check and (found := problems(shop_gstin, invoices, notes)):
        raise ReturnInvalid("GSTR-1 cannot be made: " + "; ".join(found[:5])
                            + (f"; and {len(found) - 5} more" if len(found) > 5 else ""))
    tax_invoices = [i for i in invoices if i.doc_type == "tax_invoice" and not i.cancelled]
    bos = [i for i in invoices if i.doc_type != "tax_invoice" and not i.cancelled]

    b2b: dict[str, list[dict]] = defaultdict(list)
    b2b_rows, b2cl_rows, cdnr_rows, cdnur_rows = [], [], [], []
    b2cl: dict[str, list[dict]] = defaultdict(list)
    b2cs: dict[tuple[str, str, Decimal], list[Decimal]] = {}
    nil: dict[tuple[bool, bool], Decimal] = defaultdict(lambda: ZERO)
    hsn: dict[tuple[str, str, str, Decimal], list] = {}
    sheets: dict[str, list[list[str]]] = {name: [list(head)] for name, head in SHEETS.items()}
    t_b2b, t_b2cl, t_cdnr, t_cdnur = [], [], [], []

    def add_hsn(section: str, lines: Iterable[Line], sign: int) -> None:
        for ln in lines:
            uqc = "NA" if ln.service else (ln.uqc or "OTH")
            key = (section, ln.hsn, uqc, ln.rate)
            qty = ZERO if ln.service else ln.qty
            vals = [qty, ln.total, ln.taxable, ln.igst, ln.cgst, ln.sgst]
            if key in hsn:
                hsn[key][0] = add(hsn[key][0], vals, sign)
            else:
                hsn[key] = [[sign * v for v in vals], ln.description]

    def add_b2cs(inv_inter: bool, pos: str, lines: Iterable[Line], sign: int) -> None:
        for rate, v in _by_rate(lines).items():
            key = ("INTER" if inv_inter else "INTRA", pos, rate)
            b2cs[key] = add(b2cs.get(key, zeros(4)), v, sign)

    for inv in tax_invoices:
        rates = _by_rate(inv.lines)
        nil[(inv.registered, inv.inter_state)] += _nil(inv.lines)
        add_hsn("b2b" if inv.registered else "b2c", inv.lines, 1)
        if inv.registered:
            if rates:
                b2b[inv.buyer_gstin].append({
                    "inum": inv.number, "idt": portal_date(inv.date), "val": money(inv.value),
                    "pos": inv.place_of_supply, "rchrg": "N", "inv_typ": "R", "itms": _items(rates, inv.inter_state)})
                t_b2b.extend(rates.values())
                for r, v in rates.items():
                    b2b_rows.append([inv.buyer_gstin, inv.buyer_name, inv.number, sheet_date(inv.date),
                                     money_text(inv.value), pos_text(inv.place_of_supply), "N", "", "Regular B2B", "",
                                     rate_text(r), money_text(v[0]), "0.00"])
        elif inv.b2c_large:
            if rates:
                b2cl[inv.place_of_supply].append({
                    "inum": inv.number, "idt": portal_date(inv.date), "val": money(inv.value),
                    "itms": _items(rates, True)})
                t_b2cl.extend(rates.values())
                for r, v in rates.items():
                    b2cl_rows.append([inv.number, sheet_date(inv.date), money_text(inv.value),
                                      pos_text(inv.place_of_supply), "", rate_text(r), money_text(v[0]), "0.00", ""])
        else:
            add_b2cs(inv.inter_state, inv.place_of_supply, inv.lines, 1)

    cdnr: dict[str, list[dict]] = defaultdict(list)
    cdnur: list[dict] = []
    notes_in_b2cs = 0
    bos_taxable = sum((ln.taxable for i in bos for ln in i.lines), ZERO)
    for note in notes:
        inv = note.invoice
        if inv.doc_type != "tax_invoice":
            bos_taxable -= sum((ln.taxable for ln in note.lines), ZERO)
            continue
        rates = _by_rate(note.lines)
        nil[(inv.registered, inv.inter_state)] -= _nil(note.lines)
        add_hsn("b2b" if inv.registered else "b2c", note.lines, -1)
        if inv.registered:
            if rates:
                cdnr[inv.buyer_gstin].append({
                    "ntty": "C", "nt_num": note.number, "nt_dt": portal_date(note.date), "val": money(note.value),
                    "pos": note.pos, "rchrg": "N", "inv_typ": "R", "itms": _items(rates, inv.inter_state)})
                t_cdnr.extend(rates.values())
                for r, v in rates.items():
                    cdnr_rows.append([inv.buyer_gstin, inv.buyer_name, note.number, sheet_date(note.date), "C",
                                      pos_text(note.pos), "N", "Regular B2B", money_text(note.value), "",
                                      rate_text(r), money_text(v[0]), "0.00"])
        elif inv.b2c_large:
            if rates:
                cdnur.append({"typ": "B2CL", "ntty": "C", "nt_num": note.number, "nt_dt": portal_date(note.date),
                              "val": money(note.value), "pos": note.pos, "itms": _items(rates, True)})
                t_cdnur.extend(rates.values())
                for r, v in rates.items():
                    cdnur_rows.append(["B2CL", note.number, sheet_date(note.date), "C", pos_text(note.pos),
                                       money_text(note.value), "", rate_text(r), money_text(v[0]), "0.00"])
        else:
            notes_in_b2cs += 1
            add_b2cs(inv.inter_state, note.pos, note.lines, -1)

    doc: dict = {"gstin": shop_gstin, "fp": period.fp, "version": VERSION, "hash": "hash"}
    if b2b:
        doc["b2b"] = [{"ctin": ctin, "inv": invs} for ctin, invs in sorted(b2b.items())]
    if b2cl:
        doc["b2cl"] = [{"pos": pos, "inv": invs} for pos, invs in sorted(b2cl.items())]
    b2cs_out, b2cs_vals = [], []
    for (sply, pos, rate), v in sorted(b2cs.items()):
        if not any(v):
            continue
        row = {"sply_ty": sply, "pos": pos, "typ": "OE", **_itm_det(rate, v, sply == "INTER")}
        b2cs_out.append(row)
        b2cs_vals.append(v)
        sheets["b2cs"].append(["OE", pos_text(pos), "", rate_text(rate), money_text(v[0]), "0.00", ""])
    if b2cs_out:
        doc["b2cs"] = b2cs_out
    if cdnr:
        doc["cdnr"] = [{"ctin": ctin, "nt": nts} for ctin, nts in sorted(cdnr.items())]
    if cdnur:
        doc["cdnur"] = cdnur
    nil_rows = []
    for key, (code, text) in NIL_TYPES.items():
        amount = money(nil.get(key, ZERO))
        sheets["exemp"].append([text, money_text(amount), "0.00", "0.00"])
        if amount:
            nil_rows.append({"sply_ty": code, "nil_amt": amount, "expt_amt": ZERO, "ngsup_amt": ZERO})
    if nil_rows:
        doc["nil"] = {"inv": nil_rows}
    hsn_doc: dict[str, list[dict]] = {}
    for section in ("b2b", "b2c"):
        rows = []
        for (sec, code, uqc, rate), (v, desc) in sorted(hsn.items(), key=lambda kv: kv[0][1:]):
            if sec != section or not any(v):
                continue
            qty, total, taxable, igst, cgst, sgst = v
            rows.append({"num": len(rows) + 1, "hsn_sc": code, "desc": desc[:30], "uqc": uqc, "qty": qty2(qty),
                         "rt": rate.normalize(), "txval": money(taxable), "iamt": money(igst), "camt": money(cgst),
                         "samt": money(sgst), "csamt": ZERO})
            sheets[f"hsn({section})"].append([code, desc[:30], uqc if uqc == "NA" else UQC_TEXT.get(uqc, uqc),
                                              format(qty2(qty), "f"), money_text(total), rate_text(rate),
                                              money_text(taxable), money_text(igst), money_text(cgst),
                                              money_text(sgst), "0.00"])
        if rows:
            hsn_doc[f"hsn_{section}"] = rows
    if hsn_doc:
        doc["hsn"] = hsn_doc
    doc_det = []
    for doc_num, documents in ((1, invoices), (5, notes)):
        groups: dict[str, list] = defaultdict(list)
        for d in documents:
            groups[series_of(d.number)[0]].append(d)
        docs = []
        for prefix, items in sorted(groups.items()):
            items.sort(key=lambda d: series_of(d.number)[1])
            cancelled = sum(1 for d in items if getattr(d, "cancelled", False))
            docs.append({"num": len(docs) + 1, "from": items[0].number, "to": items[-1].number,
                         "totnum": len(items), "cancel": cancelled, "net_issue": len(items) - cancelled})
            sheets["docs"].append([DOC_TYPES[doc_num], items[0].number, items[-1].number, str(len(items)),
                                   str(cancelled)])
        if docs:
            doc_det.append({"doc_num": doc_num, "doc_typ": DOC_TYPES[doc_num], "docs": docs})
    if doc_det:
        doc["doc_issue"] = {"doc_det": doc_det}

    sheets["b2b"].extend(b2b_rows)
    sheets["b2cl"].extend(b2cl_rows)
    sheets["cdnr"].extend(cdnr_rows)
    sheets["cdnur"].extend(cdnur_rows)

    totals = {
        "b2b": _total(sum(len(v) for v in b2b.values()), t_b2b),
        "b2cl": _total(sum(len(v) for v in b2cl.values()), t_b2cl),
        "b2cs": _total(len(b2cs_out), b2cs_vals),
        "nil": SectionTotal(len(nil_rows), money(sum(nil.values(), ZERO)), ZERO, ZERO, ZERO),
        "cdnr": _total(sum(len(v) for v in cdnr.values()), t_cdnr),
        "cdnur": _total(len(cdnur), t_cdnur),
    }
    plus = [totals[k] for k in ("b2b", "b2cl", "b2cs", "nil")]
    minus = [totals[k] for k in ("cdnr", "cdnur")]
    net = [sum((getattr(t, f) for t in plus), ZERO) - sum((getattr(t, f) for t in minus), ZERO)
           for f in ("taxable", "igst", "cgst", "sgst")]
    totals["net"] = SectionTotal(len(tax_invoices), *[money(x) for x in net])
    return Gstr1(period, doc, sheets, totals, len(bos), money(bos_taxable), notes_in_b2cs)
