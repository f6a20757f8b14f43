"""Every invariant of a shop's data, checked at once: restores, transfers, the fault tests and the soak.

:func:`check_invariants` (a database) and :func:`problems_in` (an open session, e.g. inside
the transaction that is loading a restore) return plain-language problems, empty = all good:

- stock equals its ledger: each product's ``stock_qty`` is the sum of its movements, and
  no stock is negative unless the shop allows selling below zero;
- no partial document: every invoice has lines whose taxable value and taxes add up to
  its header, whose header adds up to its grand total, whose payments (sale payments,
  dues on account included; change already netted) add up to the grand total, and its sale stock
  movements (one per product, the quantities of its lines); every credit note has lines
  that add up and its ``return`` stock movements; receipts: each purchase-order line's
  received quantity equals its ``receipt`` movements;
- numbering has no gap or duplicate: per series and financial year the sequence numbers
  are exactly 1..N and the locked counter stands at N (invoices, credit notes, POs);
- customers' dues and loyalty credits equal their ledgers;
- no orphan: every stock movement that names a document names one that exists;
- with ``audited=True`` (the fault tests): every invoice has its ``sale.checkout`` audit row.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billbook.db.models import (
    AuditEntry, CreditNote, CreditNoteLine, Customer, DuesEntry, Invoice, InvoiceCounter, InvoiceLine, LoyaltyEntry,
    Payment, Product, PurchaseOrder, PurchaseOrderLine, Shop, StockMovement,
)
from billbook.db.uow import Database
from billbook.domain.money import ZERO



def refusal(what: str, problems: list[str], shown: int = 3) -> str:
    """One plain message naming the first few problems: "<what>: a; b; c (and 4 more)."."""
    more = f" (and {len(problems) - shown} more)" if len(problems) > shown else ""
    return f"{what}: {'; '.join(problems[:shown])}{more}."


def _sum_by(rows, key_len: int = 1):
    out: dict = defaultdict(lambda: ZERO)
    for row in rows:
        key = row[0] if key_len == 1 else tuple(row[:key_len])
        out[key] += Decimal(row[key_len] or 0)
    return out


def check_invariants(db: Database, *, audited: bool = True) -> list[str]:
    """Problems found in ``db`` (read in one transaction); ``[]`` when every invariant holds."""
    return db.run(lambda s: problems_in(s, audited=audited), readonly=True)


def problems_in(s: Session, *, audited: bool = False) -> list[str]:
    """Problems found through the session ``s`` (its transaction); ``[]`` when every invariant holds."""
    problems: list[str] = []

    # -- stock equals its ledger
    ledger = _sum_by(s.execute(select(StockMovement.product_id, func.sum(StockMovement.qty_delta))
                               .group_by(StockMovement.product_id)))
    allow_negative = any(s.scalars(select(Shop.allow_negative_stock)))
    for pid, sku, qty in s.execute(select(Product.id, Product.sku, Product.stock_qty)):
        if Decimal(qty) != ledger.get(pid, ZERO):
            problems.append(f"stock of {sku} is {qty} but its ledger sums to {ledger.get(pid, ZERO)}")
        if Decimal(qty) < 0 and not allow_negative:
            problems.append(f"stock of {sku} is negative ({qty}) and the shop does not allow negative stock")

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
    audit_rows = set(s.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "sale.checkout"))) \
        if audited else set()
    paid = defaultdict(lambda: ZERO)
    for iid, amount in s.execute(select(Payment.invoice_id, func.sum(Payment.amount))
                                 .where(Payment.kind == "sale").group_by(Payment.invoice_id)):
        paid[iid] = Decimal(amount or 0)
    invoices = s.execute(select(Invoice.id, Invoice.number, Invoice.fy, Invoice.seq, Invoice.taxable_total,
                                Invoice.cgst, Invoice.sgst, Invoice.igst, Invoice.round_off, Invoice.grand_total,
                                Invoice.paid_total, Invoice.due_amount)).all()
    for iid, number, _fy, _seq, taxable, cgst, sgst, igst, round_off, grand, paid_total, due in invoices:
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
        if Decimal(taxable) + Decimal(cgst) + Decimal(sgst) + Decimal(igst) + Decimal(round_off) != Decimal(grand):
            problems.append(f"invoice {number}: taxable, taxes and round-off do not add up to its total {grand}")
        if Decimal(paid_total) + Decimal(due) != Decimal(grand):
            problems.append(f"invoice {number}: paid {paid_total} + on account {due} is not its total {grand}")
        if paid[iid] != Decimal(paid_total) + Decimal(due):
            problems.append(f"invoice {number}: its payments add up to {paid[iid]}, "
                            f"not {Decimal(paid_total) + Decimal(due)}")
        if audited and str(iid) not in audit_rows:
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

    # -- dues and loyalty credits equal their ledgers
    dues = _sum_by(s.execute(select(DuesEntry.customer_id, func.sum(DuesEntry.delta)).group_by(DuesEntry.customer_id)))
    points = _sum_by(s.execute(select(LoyaltyEntry.customer_id, func.sum(LoyaltyEntry.delta))
                               .group_by(LoyaltyEntry.customer_id)))
    for cid, phone, owed, credits in s.execute(select(Customer.id, Customer.phone, Customer.dues, Customer.credits)):
        if Decimal(owed) != dues.get(cid, ZERO):
            problems.append(f"customer {phone}: dues are {owed} but the dues ledger sums to {dues.get(cid, ZERO)}")
        if Decimal(credits) != points.get(cid, ZERO):
            problems.append(f"customer {phone}: credits are {credits} but the loyalty ledger sums to "
                            f"{points.get(cid, ZERO)}")

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
