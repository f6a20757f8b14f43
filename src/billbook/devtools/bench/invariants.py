"""Every invariant of a shop's data, checked at once (fault-injection tests and the soak).

:func:`check_invariants` returns a list of plain-language problems (empty = all good):

- stock equals its ledger: each product's ``stock_qty`` is the sum of its movements;
- no partial document: every invoice has lines whose taxable value and taxes add up to
  its header, its sale stock movements (one per product, the quantities of its lines),
  its ``sale.checkout`` audit row; every credit note has lines that add up, and its
  ``return`` stock movements; receipts: each purchase-order line's received quantity
  equals its ``receipt`` movements;
- numbering has no gap or duplicate: per series and financial year the sequence numbers
  are exactly 1..N and the locked counter stands at N (invoices, credit notes, POs);
- no orphan: every stock movement that names a document names one that exists.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select

from billbook.db.models import (
    AuditEntry, CreditNote, CreditNoteLine, Invoice, InvoiceCounter, InvoiceLine, Product, PurchaseOrder,
    PurchaseOrderLine, StockMovement,
)
from billbook.db.uow import Database
from billbook.domain.money import ZERO



def _sum_by(rows, key_len: int = 1):
    out: dict = defaultdict(lambda: ZERO)
    for row in rows:
        key = row[0] if key_len == 1 else tuple(row[:key_len])
        out[key] += Decimal(row[key_len] or 0)
    return out


def check_invariants(db: Database) -> list[str]:
    """Problems found in ``db`` (read in one transaction); ``[]`` when every invariant holds."""
    return db.run(_check, readonly=True)


def _check(s) -> list[str]:
    problems: list[str] = []

    # -- stock equals its ledger
    ledger = _sum_by(s.execute(select(StockMovement.product_id, func.sum(StockMovement.qty_delta))
                               .group_by(StockMovement.product_id)))
    for pid, sku, qty in s.execute(select(Product.id, Product.sku, Product.stock_qty)):
        if Decimal(qty) != ledger.get(pid, ZERO):
            problems.append(f"stock of {sku} is {qty} but its ledger sums to {ledger.get(pid, ZERO)}")

    # -- invoices: lines add up, stock moved, audited
    lines = defaultdict(list)
    for row in s.execute(select(InvoiceLine.invoice_id, InvoiceLine.product_id, InvoiceLine.qty,
                                InvoiceLine.taxable, InvoiceLine.cgst, InvoiceLine.sgst, InvoiceLine.igst)):
        lines[row[0]].append(row)
    moved = defaultdict(dict)
    for ref_id, pid, qty in s.execute(select(StockMovement.ref_id, StockMovement.product_id,
                                             func.sum(StockMovement.qty_delta))
                                      .where(StockMovement.reason == "sale", StockMovement.ref_type == "invoice")
                                      .group_by(StockMovement.ref_id, StockMovement.product_id)):
        moved[ref_id][pid] = Decimal(qty)
    audited = set(s.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "sale.checkout")))
    invoices = s.execute(select(Invoice.id, Invoice.number, Invoice.fy, Invoice.seq, Invoice.taxable_total,
                                Invoice.cgst, Invoice.sgst, Invoice.igst)).all()
    for iid, number, _fy, _seq, taxable, cgst, sgst, igst in invoices:
        mine = lines.get(iid, [])
        if not mine:
            problems.append(f"invoice {number} has no lines")
            continue
        sums = [sum((Decimal(r[i]) for r in mine), ZERO) for i in (3, 4, 5, 6)]
        if sums != [Decimal(taxable), Decimal(cgst), Decimal(sgst), Decimal(igst)]:
            problems.append(f"invoice {number}: lines add up to {sums}, header says "
                            f"{[taxable, cgst, sgst, igst]}")
        want = defaultdict(lambda: ZERO)
        for r in mine:
            want[r[1]] -= Decimal(r[2])
        if dict(want) != moved.get(iid, {}):
            problems.append(f"invoice {number}: stock moved {moved.get(iid, {})}, lines need {dict(want)}")
        if str(iid) not in audited:
            problems.append(f"invoice {number} has no sale.checkout audit row")

    # -- credit notes: lines add up, stock came back
    cn_lines = defaultdict(list)
    for row in s.execute(select(CreditNoteLine.credit_note_id, CreditNoteLine.taxable, CreditNoteLine.cgst,
                                CreditNoteLine.sgst, CreditNoteLine.igst)):
        cn_lines[row[0]].append(row)
    returned = _sum_by(s.execute(select(StockMovement.ref_id, func.count())
                                 .where(StockMovement.reason == "return", StockMovement.ref_type == "credit_note")
                                 .group_by(StockMovement.ref_id)))
    credit_notes = s.execute(select(CreditNote.id, CreditNote.number, CreditNote.fy, CreditNote.seq,
                                    CreditNote.taxable_total, CreditNote.cgst, CreditNote.sgst,
                                    CreditNote.igst)).all()
    for cid, number, _fy, _seq, taxable, cgst, sgst, igst in credit_notes:
        mine = cn_lines.get(cid, [])
        if not mine:
            problems.append(f"credit note {number} has no lines")
            continue
        sums = [sum((Decimal(r[i]) for r in mine), ZERO) for i in (1, 2, 3, 4)]
        if sums != [Decimal(taxable), Decimal(cgst), Decimal(sgst), Decimal(igst)]:
            problems.append(f"credit note {number}: lines add up to {sums}, header says "
                            f"{[taxable, cgst, sgst, igst]}")
        if not returned.get(cid):
            problems.append(f"credit note {number} put no stock back")

    # -- receipts: received quantities equal receipt movements
    received = _sum_by(s.execute(select(StockMovement.ref_id, StockMovement.product_id,
                                        func.sum(StockMovement.qty_delta))
                                 .where(StockMovement.reason == "receipt", StockMovement.ref_type == "po")
                                 .group_by(StockMovement.ref_id, StockMovement.product_id)), key_len=2)
    on_lines = _sum_by(s.execute(select(PurchaseOrderLine.po_id, PurchaseOrderLine.product_id,
                                        func.sum(PurchaseOrderLine.received_qty))
                                 .group_by(PurchaseOrderLine.po_id, PurchaseOrderLine.product_id)), key_len=2)
    for key in set(received) | {k for k, v in on_lines.items() if v}:
        if received.get(key, ZERO) != on_lines.get(key, ZERO):
            problems.append(f"purchase order {key[0]} product {key[1]}: received {on_lines.get(key, ZERO)} "
                            f"but receipt movements sum to {received.get(key, ZERO)}")

    # -- numbering: 1..N per series and year, counter at N
    counters = {(c.series, c.fy): c.last_number for c in s.scalars(select(InvoiceCounter))}
    series = {"INV": [(fy, seq) for _, _, fy, seq, *_ in invoices],
              "CN": [(fy, seq) for _, _, fy, seq, *_ in credit_notes]}
    po_numbers = list(s.scalars(select(PurchaseOrder.number)))
    series["PO"] = []
    for number in po_numbers:
        parts = number.split("/")
        if len(parts) == 3 and parts[2].isdigit():
            series["PO"].append((parts[1], int(parts[2])))
        else:
            problems.append(f"purchase order number {number!r} is not SERIES/FY/N")
    for name, items in series.items():
        by_fy = defaultdict(list)
        for fy, seq in items:
            by_fy[fy].append(seq)
        for fy, seqs in by_fy.items():
            if sorted(seqs) != list(range(1, len(seqs) + 1)):
                dup = sorted({x for x in seqs if seqs.count(x) > 1})
                problems.append(f"{name} {fy}: numbers are not 1..{len(seqs)} (duplicates {dup[:5]}, "
                                f"max {max(seqs)})")
            if counters.get((name, fy), 0) != len(seqs):
                problems.append(f"{name} {fy}: counter at {counters.get((name, fy), 0)} but {len(seqs)} documents")
        for (cname, fy), last in counters.items():
            if cname == name and last and fy not in by_fy:
                problems.append(f"{name} {fy}: counter at {last} but no documents")

    # -- no orphan movements
    invoice_ids = {row[0] for row in invoices}
    cn_ids = {row[0] for row in credit_notes}
    po_ids = set(s.scalars(select(PurchaseOrder.id)))
    for ref_type, ref_id in s.execute(select(StockMovement.ref_type, StockMovement.ref_id)
                                      .where(StockMovement.ref_type != "").distinct()):
        known = {"invoice": invoice_ids, "credit_note": cn_ids, "po": po_ids}.get(ref_type)
        if known is not None and ref_id not in known:
            problems.append(f"a stock movement names {ref_type} {ref_id}, which does not exist")
    return problems
