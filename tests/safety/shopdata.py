"""A small shop with a row in every table and awkward values (Unicode, extremes, NULLs, binary).

Written straight through the models (not the services) so backup, restore and transfer
are tested on every column of every table, whatever the other services do today.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sqlalchemy import func, select

from billbook.db import models as m
from billbook.db.models import Base
from billbook.db.uow import Database
from billbook.domain.permissions import Role
from billbook.services.base import Actor

T0 = dt.datetime(2026, 11, 24, 10, 15, 0)
BIG = Decimal("9999999999.99")
ODD_TEXT = "चावल 5kg — ‘quoted’ \"double\" \\ back; DROP TABLE x; -- 😀 \n new line\t tab"


def fill_shop(db: Database, *, invoices: int = 3) -> Actor:
    """Add one of everything (and a few invoices) to a migrated, empty database; returns the admin."""

    def work(s):
        shop = s.get(m.Shop, 1)
        if shop is None:
            shop = m.Shop(id=1)
            s.add(shop)
        shop.name = "Sharma Stores ✓"
        shop.address = ODD_TEXT
        shop.logo = bytes(range(256)) * 3
        shop.loyalty_rupees_per_credit = Decimal("100.00")
        shop.updated_at = T0
        owner = m.User(username="owner", full_name="Owner Ünïcode", password_hash="x" * 90, role="admin",
                       active=True, failed_attempts=0, created_at=T0)
        asha = m.User(username="asha", full_name="आशा", password_hash="y" * 90, role="cashier", active=False,
                      failed_attempts=3, locked_until=T0 + dt.timedelta(minutes=15), created_at=T0)
        s.add_all([owner, asha])
        s.flush()
        s.add(m.LoginSession(user_id=owner.id, terminal="T1", host="counter-1", started_at=T0))
        s.add(m.Setting(key="backup.keep", value="7"))
        s.add(m.Setting(key="odd'key\"", value=ODD_TEXT))
        cat = m.Category(name="अनाज")
        s.add(cat)
        s.flush()
        rice = m.Product(sku="RICE5", barcode="8901234567894", name="Rice 5 kg " + ODD_TEXT[:20],
                         search_name="rice 5 kg", category_id=cat.id, hsn="1006", unit="kg", price=Decimal("350.00"),
                         cost_price=Decimal("300.50"), gst_rate=Decimal("5"), tax_inclusive=False,
                         reorder_level=Decimal("2.500"), stock_qty=Decimal("0"), created_at=T0)
        soap = m.Product(sku="SOAP", barcode=None, name="Soap", search_name="soap", category_id=None,
                         price=BIG, gst_rate=Decimal("0.25"), tax_inclusive=True, stock_qty=Decimal("0"),
                         created_at=T0, updated_at=T0)
        s.add_all([rice, soap])
        s.flush()
        for p, q in ((rice, Decimal("100.125")), (soap, Decimal("99999999.999"))):
            s.add(m.StockMovement(product_id=p.id, at=T0, qty_delta=q, reason="opening", user_id=owner.id,
                                  unit_cost=Decimal("0.01")))
            p.stock_qty = q
        # dues and credits equal their ledgers below (a restore checks the shop's invariants)
        cust = m.Customer(phone="9876543210", name="Ravi 😀", search_name="ravi", credits=Decimal("12.34"),
                          dues=Decimal("-10.00"), visits=2, total_spent=BIG, first_visit=T0, last_visit=None,
                          created_at=T0)
        sup = m.Supplier(name="Acme Wholesale", gstin="27AAPFU0939F1ZV")
        s.add_all([cust, sup])
        s.flush()
        for n in range(1, invoices + 1):
            inv = m.Invoice(number=f"INV/26-27/{n:06d}", sale_id=f"sale-{n}", fy="26-27", seq=n,
                            issued_at=T0 + dt.timedelta(minutes=n), business_date=T0.date(), cashier_id=owner.id,
                            cashier_name="owner", customer_id=cust.id if n % 2 else None, customer_name="Ravi",
                            place_of_supply="27", shop_snapshot=json.dumps({"name": "Sharma ✓"}, ensure_ascii=False),
                            gross_total=Decimal("700.00"), discount_total=Decimal("0.00"),
                            taxable_total=Decimal("700.00"), cgst=Decimal("17.50"), sgst=Decimal("17.50"),
                            igst=Decimal("0"), round_off=Decimal("-0.01"), grand_total=Decimal("734.99"),
                            paid_total=Decimal("734.99"), change_given=Decimal("0"), due_amount=Decimal("0"))
            s.add(inv)
            s.flush()
            line = m.InvoiceLine(invoice_id=inv.id, line_no=1, product_id=rice.id, sku="RICE5", name="Rice",
                                 qty=Decimal("2.000"), unit_price=Decimal("350.00"), gross=Decimal("700.00"),
                                 discount=Decimal("0"), taxable=Decimal("700.00"), gst_rate=Decimal("5"),
                                 cgst=Decimal("17.50"), sgst=Decimal("17.50"), igst=Decimal("0"),
                                 total=Decimal("735.00"))
            s.add(line)
            pay = m.Payment(kind="sale", invoice_id=inv.id, customer_id=inv.customer_id, mode="upi",
                            amount=Decimal("734.99"), tendered=None, reference="UPI/ref'1", at=inv.issued_at,
                            business_date=inv.business_date, user_id=owner.id, terminal="T1")
            s.add(pay)
            s.add(m.StockMovement(product_id=rice.id, at=inv.issued_at, qty_delta=Decimal("-2.000"), reason="sale",
                                  user_id=owner.id, ref_type="invoice", ref_id=inv.id))
            rice.stock_qty -= Decimal("2.000")
        s.flush()
        first = s.scalars(select(m.Invoice).order_by(m.Invoice.id)).first()
        first_line = s.scalars(select(m.InvoiceLine).where(m.InvoiceLine.invoice_id == first.id)).first()
        cn = m.CreditNote(number="CN/26-27/000001", fy="26-27", seq=1, request_id="ret-1", invoice_id=first.id,
                          issued_at=T0 + dt.timedelta(hours=1), business_date=T0.date(), user_id=owner.id,
                          user_name="owner", reason=ODD_TEXT[:100], refund_mode="cash",
                          taxable_total=Decimal("350.00"), cgst=Decimal("8.75"), sgst=Decimal("8.75"),
                          igst=Decimal("0"), total=Decimal("367.50"), place_of_supply=first.place_of_supply)
        s.add(cn)
        s.flush()
        s.add(m.CreditNoteLine(credit_note_id=cn.id, invoice_line_id=first_line.id, product_id=rice.id, sku="RICE5",
                               name="Rice", qty=Decimal("1.000"), taxable=Decimal("350.00"), gst_rate=Decimal("5"),
                               cgst=Decimal("8.75"), sgst=Decimal("8.75"), igst=Decimal("0"), total=Decimal("367.50")))
        refund = m.Payment(kind="refund", credit_note_id=cn.id, mode="cash", amount=Decimal("-367.50"),
                           at=cn.issued_at, business_date=cn.business_date, user_id=owner.id)
        dues_pay = m.Payment(kind="dues", customer_id=cust.id, mode="cash", amount=Decimal("10.00"), at=T0,
                             business_date=T0.date(), user_id=owner.id)
        s.add_all([refund, dues_pay])
        s.flush()
        s.add(m.DuesAllocation(payment_id=dues_pay.id, invoice_id=first.id, amount=Decimal("10.00")))
        s.add(m.DuesEntry(customer_id=cust.id, at=T0, delta=Decimal("-10.00"), reason="payment",
                          payment_id=dues_pay.id, balance_after=Decimal("-10.00"), user_id=owner.id))
        s.add(m.LoyaltyEntry(customer_id=cust.id, at=T0, delta=Decimal("15.84"), reason="earn", invoice_id=first.id,
                             balance_after=Decimal("15.84"), period="2026-11"))
        s.add(m.LoyaltyEntry(customer_id=cust.id, at=T0, delta=Decimal("-3.50"), reason="reverse",
                             credit_note_id=cn.id, balance_after=Decimal("12.34")))
        s.add(m.StockMovement(product_id=rice.id, at=cn.issued_at, qty_delta=Decimal("1.000"), reason="return",
                              ref_type="credit_note", ref_id=cn.id))
        rice.stock_qty += Decimal("1.000")
        s.add(m.InvoiceCounter(series="INV", fy="26-27", last_number=invoices))
        s.add(m.InvoiceCounter(series="CN", fy="26-27", last_number=1))
        s.add(m.HeldSale(label="Table 4 ✓", cart_json=json.dumps({"items": [["RICE5", "1.5"]]}), created_at=T0,
                         user_id=owner.id))
        po = m.PurchaseOrder(number="PO/26-27/000001", supplier_id=sup.id, status="partially_received",
                             created_at=T0, created_by=owner.id, notes=ODD_TEXT[:50], total=Decimal("3005.00"))
        s.add(po)
        s.flush()
        s.add(m.PurchaseOrderLine(po_id=po.id, product_id=rice.id, qty=Decimal("10.000"), unit_cost=Decimal("300.50"),
                                  received_qty=Decimal("2.500")))
        s.add(m.StockMovement(product_id=rice.id, at=T0, qty_delta=Decimal("2.500"), reason="receipt",
                              ref_type="po", ref_id=po.id, unit_cost=Decimal("300.50")))
        rice.stock_qty += Decimal("2.500")
        s.add(m.InvoiceCounter(series="PO", fy="26-27", last_number=1))
        s.add(m.DayClose(business_date=T0.date(), terminal="T1", user_id=owner.id, closed_at=T0,
                         opening_float=Decimal("500.00"), expected_cash=Decimal("1234.56"), counted_cash=None,
                         difference=None, report_json="{}"))
        s.add(m.AuditEntry(at=T0, user_id=owner.id, username="owner", terminal="T1", action="test.fill",
                           entity="shop", entity_id="1", details=json.dumps({"note": ODD_TEXT}, ensure_ascii=False)))
        return owner.id

    return Actor(db.run(work), "owner", Role.ADMIN, "T1")


def counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in Base.metadata.sorted_tables}
