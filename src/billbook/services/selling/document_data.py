"""The plain data a document shows, loaded from stored rows inside the caller's session.

The renderers in :mod:`billbook.documents` never query: this module reads the rows and fills
their models (:mod:`billbook.documents.model`); ``services/selling/documents.py`` calls it.

An issued invoice or credit note renders only from its own stored figures and the shop
snapshot taken when the invoice was issued — never from today's products, prices or shop
profile. The one exception is the logo, which lives only in the shop row. A purchase order
is not a tax document: it shows the current supplier and product names.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from billbook import clock
from billbook.db.models import (
    CreditNote, DuesEntry, Invoice, InvoiceLine, LoyaltyEntry, Payment, Product, PurchaseOrder, Shop, User,
)
from billbook.documents.model import (
    CreditNoteDoc, CreditNoteLineDoc, InvoiceDoc, Party, PaymentDoc, PurchaseLineDoc,
    PurchaseOrderDoc, ShopHeader, StatementDoc, StatementEntryDoc, StatementInvoiceDoc, StatementLoyaltyDoc,
)
from billbook.domain.money import ZERO, round_money
from billbook.errors import NotFound
from billbook.services.people.customers import check_phone, find_by_phone
from billbook.services.selling.checkout import load_invoice_detail
from billbook.services.selling.dues import open_invoices



def shop_logo(s: Session) -> bytes | None:
    shop = s.get(Shop, 1)
    return shop.logo if shop is not None else None


def shop_from_snapshot(snapshot: dict | str | None, logo: bytes | None) -> ShopHeader:
    """The supplier block from an invoice's frozen shop snapshot (JSON text or dict)."""
    if isinstance(snapshot, str):
        try:
            snapshot = json.loads(snapshot or "{}")
        except ValueError:
            snapshot = {}
    snap = snapshot or {}
    return ShopHeader(
        name=snap.get("name") or "", address=snap.get("address") or "", phone=snap.get("phone") or "",
        email=snap.get("email") or "", gstin=snap.get("gstin") or "", state_code=snap.get("state_code") or "",
        gst_scheme=snap.get("gst_scheme") or "regular", upi_vpa=snap.get("upi_vpa") or "",
        footer_text=snap.get("footer_text") or "", logo=logo, currency=snap.get("currency") or "INR",
        locale=snap.get("locale") or "en_IN", pincode=snap.get("pincode") or "", locality=snap.get("locality") or "",
    )


def shop_from_row(shop: Shop | None) -> ShopHeader:
    """The current shop profile (for purchase orders, which are not frozen)."""
    if shop is None:
        return ShopHeader(name="My Shop")
    return ShopHeader(
        name=shop.name, address=shop.address, phone=shop.phone, email=shop.email, gstin=shop.gstin,
        state_code=shop.state_code, gst_scheme=shop.gst_scheme, upi_vpa=shop.upi_vpa,
        footer_text=shop.footer_text, logo=shop.logo, currency=shop.currency, locale=shop.locale,
        pincode=shop.pincode or "", locality=shop.locality or "",
    )


def invoice_doc_from_detail(detail, logo: bytes | None, *, duplicate: bool = False) -> InvoiceDoc:
    """An :class:`InvoiceDoc` from ``services.selling.checkout.InvoiceDetail`` (its stored figures, as is)."""
    cust = detail.customer
    party = (Party(name=cust.name, phone=cust.phone, address=cust.address, gstin=cust.gstin,
                   state_code=cust.state_code) if cust is not None else None)
    lines = tuple(detail.lines)      # the invoice's own line values (domain/lines.BillLine)
    return InvoiceDoc(
        shop=shop_from_snapshot(detail.shop, logo), number=detail.number, issued_at=detail.issued_at,
        cashier=detail.cashier, lines=lines, gross_total=detail.gross_total,
        discount_total=detail.discount_total, taxable_total=detail.taxable_total, cgst=detail.cgst,
        sgst=detail.sgst, igst=detail.igst, round_off=detail.round_off, grand_total=detail.grand_total,
        place_of_supply=detail.place_of_supply, inter_state=detail.inter_state, doc_type=detail.doc_type,
        customer=party, payments=tuple(PaymentDoc(p.mode, p.amount, p.tendered, p.reference) for p in detail.payments),
        paid_total=detail.paid_total, change=detail.change, due_amount=detail.due,
        dues_after=detail.dues_after if cust is not None else None,
        credits_earned=detail.credits_earned, credits_redeemed=detail.credits_redeemed,
        credits_balance=detail.credits_balance if cust is not None else None,
        bill_discount_text=detail.bill_discount or "", terminal=detail.terminal or "", status=detail.status,
        duplicate=duplicate, delivery_address=detail.delivery_address,
    )


def load_invoice_doc(s: Session, number: str, *, duplicate: bool = False, logo: bytes | None = None) -> InvoiceDoc:
    """The invoice ``number`` as a document model (raises NotFound)."""
    detail = load_invoice_detail(s, number)
    return invoice_doc_from_detail(detail, logo if logo is not None else shop_logo(s), duplicate=duplicate)


def find_credit_note(s: Session, number: str) -> CreditNote:
    cn = s.scalars(select(CreditNote).where(CreditNote.number == (number or "").strip().upper())).one_or_none()
    if cn is None:
        raise NotFound(f"No credit note {number!r}.")
    return cn


def load_credit_note_doc(s: Session, number: str, *, logo: bytes | None = None) -> CreditNoteDoc:
    """The credit note ``number`` from its stored figures; the supplier as on the original invoice."""
    cn = find_credit_note(s, number)
    inv = s.get(Invoice, cn.invoice_id)
    inv_lines = {ln.id: ln for ln in s.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == inv.id))}
    lines = []
    for i, ln in enumerate(cn.lines, start=1):
        src = inv_lines.get(ln.invoice_line_id)
        lines.append(CreditNoteLineDoc(
            no=i, name=ln.name, hsn=src.hsn if src is not None else "", qty=ln.qty,
            unit=src.unit if src is not None else "", taxable=ln.taxable, gst_rate=ln.gst_rate, cgst=ln.cgst,
            sgst=ln.sgst, igst=ln.igst, total=ln.total, sku=ln.sku))
    refunds = tuple(PaymentDoc(p.mode, -p.amount if p.amount < 0 else p.amount, p.tendered, p.reference)
                    for p in s.scalars(select(Payment).where(Payment.credit_note_id == cn.id).order_by(Payment.id)))
    party = (Party(name=inv.customer_name, phone=inv.customer_phone, address=inv.customer_address,
                   gstin=inv.customer_gstin, state_code=inv.customer_state_code)
             if inv.customer_id is not None or inv.customer_name else None)
    return CreditNoteDoc(
        shop=shop_from_snapshot(inv.shop_snapshot, logo if logo is not None else shop_logo(s)),
        number=cn.number, issued_at=cn.issued_at, user=cn.user_name, invoice_number=inv.number,
        invoice_date=inv.issued_at, lines=tuple(lines), taxable_total=cn.taxable_total, cgst=cn.cgst, sgst=cn.sgst,
        igst=cn.igst, round_off=cn.round_off or ZERO, total=cn.total, place_of_supply=cn.place_of_supply,
        inter_state=inv.inter_state, doc_type=inv.doc_type, customer=party, reason=cn.reason,
        refund_mode=cn.refund_mode, refunds=refunds,
    )


def find_purchase_order(s: Session, number: str) -> PurchaseOrder:
    po = s.scalars(select(PurchaseOrder).where(PurchaseOrder.number == (number or "").strip().upper())).one_or_none()
    if po is None:
        raise NotFound(f"No purchase order {number!r}.")
    return po


def load_purchase_order_doc(s: Session, number: str) -> PurchaseOrderDoc:
    po = find_purchase_order(s, number)
    ids = [ln.product_id for ln in po.lines]
    products = {p.id: p for p in s.scalars(select(Product).where(Product.id.in_(ids)))} if ids else {}
    lines = []
    for i, ln in enumerate(po.lines, start=1):
        p = products.get(ln.product_id)
        lines.append(PurchaseLineDoc(
            no=i, name=p.name if p else f"product {ln.product_id}", sku=p.sku if p else "",
            hsn=p.hsn if p else "", unit=p.unit if p else "", qty=ln.qty, unit_cost=ln.unit_cost,
            amount=round_money(ln.qty * ln.unit_cost), received_qty=ln.received_qty or ZERO))
    sup = po.supplier
    creator = s.get(User, po.created_by)
    total = po.total if po.total else sum((ln.amount for ln in lines), ZERO)
    return PurchaseOrderDoc(
        shop=shop_from_row(s.get(Shop, 1)), number=po.number, created_at=po.created_at,
        supplier=Party(name=sup.name, phone=sup.phone, address=sup.address, gstin=sup.gstin,
                       state_code=sup.state_code, email=sup.email),
        lines=tuple(lines), total=total, status=po.status, ordered_at=po.ordered_at,
        created_by=creator.username if creator is not None else "", notes=po.notes or "",
    )


# ---------------------------------------------------------------- customer statement

DUES_REASONS = {"sale": "Sale on account", "payment": "Payment received", "return": "Goods returned",
                "adjust": "Adjustment"}
LOYALTY_REASONS = {"earn": "Earned", "redeem": "Redeemed", "adjust": "Adjusted", "reward": "Reward",
                   "refund": "Refunded", "reverse": "Reversed"}


def load_statement_doc(s: Session, phone: str, *, limit: int = 200, loyalty_limit: int = 12,
                       issued_by: str = "") -> StatementDoc:
    """A customer's statement: the latest ``limit`` dues movements (oldest first) with the
    balance brought forward, open invoices oldest first, the latest loyalty movements, and
    the current dues and credits balances (raises NotFound)."""
    from billbook.documents.common import mode_label  # loads reportlab: only when a statement is made
    c = find_by_phone(s, check_phone(phone))
    if c is None:
        raise NotFound(f"No customer with phone {phone}.")
    rows = s.execute(
        select(DuesEntry, Invoice.number, CreditNote.number, Payment.mode, Payment.reference)
        .outerjoin(Invoice, Invoice.id == DuesEntry.invoice_id)
        .outerjoin(CreditNote, CreditNote.id == DuesEntry.credit_note_id)
        .outerjoin(Payment, Payment.id == DuesEntry.payment_id)
        .where(DuesEntry.customer_id == c.id).order_by(DuesEntry.id.desc()).limit(limit + 1)).all()
    truncated = len(rows) > limit
    rows = list(reversed(rows[:limit]))
    entries = []
    for e, inv_no, cn_no, mode, ref in rows:
        what = DUES_REASONS.get(e.reason, e.reason.capitalize())
        if e.reason == "payment":
            what += f" ({mode_label(mode)})" if mode else ""
            reference = ref or f"Receipt {e.payment_id}"
        elif e.reason == "return":
            reference = cn_no or inv_no or e.note
            if inv_no and cn_no:
                what += f" against {inv_no}"
        else:
            reference = inv_no or ""
            if e.note and e.reason != "sale":
                what += f": {e.note}"
        debit = e.delta if e.delta > 0 else ZERO
        credit = -e.delta if e.delta < 0 else ZERO
        entries.append(StatementEntryDoc(e.at, what, reference, debit, credit, e.balance_after))
    opening = (rows[0][0].balance_after - rows[0][0].delta) if rows else c.dues
    opened = tuple(StatementInvoiceDoc(inv.number, inv.issued_at, inv.due_amount, done, left)
                   for inv, done, left in open_invoices(s, c.id))
    loyalty_rows = s.scalars(select(LoyaltyEntry).where(LoyaltyEntry.customer_id == c.id)
                             .order_by(LoyaltyEntry.id.desc()).limit(loyalty_limit)).all()
    loyalty = tuple(StatementLoyaltyDoc(e.at, LOYALTY_REASONS.get(e.reason, e.reason.capitalize())
                                        + (f": {e.note}" if e.note else ""), e.delta, e.balance_after)
                    for e in reversed(loyalty_rows))
    return StatementDoc(
        shop=shop_from_row(s.get(Shop, 1)), customer=Party(name=c.name, phone=c.phone, address=c.address or "",
                                                           gstin=c.gstin or "", state_code=c.state_code or "",
                                                           email=c.email or ""),
        issued_at=clock.now(), entries=tuple(entries), opening_balance=opening,
        total_debit=sum((x.debit for x in entries), ZERO), total_credit=sum((x.credit for x in entries), ZERO),
        dues_balance=c.dues, credits_balance=c.credits, open_invoices=opened, loyalty=loyalty, truncated=truncated,
        visits=c.visits or 0, total_spent=c.total_spent or ZERO, issued_by=issued_by)
