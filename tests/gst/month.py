"""A month of sales for the GST return tests, built through the ordinary services.

Every case the return has to place: B2B intra- and inter-state, B2C small (intra and
inter-state), B2C large (inter-state above ₹1,00,000) and an intra-state sale above it (which is
still B2C small), a service (SAC, UQC NA), goods by weight (kg, 3-decimal quantity),
tax-inclusive (MRP) items, a nil-rated item, credit notes against a B2B, a B2C small and a B2C
large invoice, and a bill of supply issued while the shop was on the composition scheme.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from billbook.domain.gst import gstin_check_char
from billbook.services.goods import catalog
from billbook.services.people import shop as shop_service
from billbook.services.selling import checkout as sales
from billbook.services.selling import returns

SHOP_GSTIN = "27AAPFU0939F1ZV"                          # Maharashtra (27)
B2B_INTRA = "27AAACB2894G1Z" + gstin_check_char("27AAACB2894G1Z")   # a Maharashtra buyer
B2B_INTER = "29AABCR1718E1ZL"                           # Karnataka buyer (india-compliance fixture GSTIN)

PRODUCTS = [
    # sku, name, price, rate, hsn, unit, inclusive
    ("SOAP", "Neem Soap", "40.00", "18", "3401", "pcs", False),
    ("RICE", "Basmati Rice", "62.50", "5", "1006", "kg", False),           # sold by weight
    ("COLA", "Cola 750 ml", "40.00", "28", "2202", "bottle", True),        # MRP, tax inclusive
    ("TEA", "Tea 250 g", "90.00", "5", "0902", "pack", True),              # MRP, tax inclusive
    ("LAPTOP", "Laptop", "60000.00", "18", "8471", "pcs", False),
    ("INSTALL", "Installation service", "500.00", "18", "998719", "unit", False),   # SAC: a service
    ("MILK", "Milk 1 l", "30.00", "0", "0401", "l", False),                # nil rated
]


@dataclass
class Month:
    invoices: dict = field(default_factory=dict)      # name -> InvoiceDetail
    notes: dict = field(default_factory=dict)         # name -> CreditNoteDetail
    kinds: dict = field(default_factory=dict)         # invoice name -> b2b | b2cl | b2cs | bos


def sale(db, actor, items, **customer):
    return sales.checkout(db, actor, sales.SaleRequest(str(uuid.uuid4()), items, [("cash", None)], **customer))


def build(db, admin) -> Month:
    shop_service.update_shop(db, admin, gstin=SHOP_GSTIN, state_code="27", name="Sharma Stores",
                             address="12 MG Road, Pune")
    for sku, name, price, rate, hsn, unit, inclusive in PRODUCTS:
        catalog.add_product(db, admin, sku=sku, name=name, price=price, gst_rate=rate, hsn=hsn, unit=unit,
                            stock="1000", tax_inclusive=inclusive)
    m = Month()

    def add(name, kind, items, **customer):
        m.invoices[name] = sale(db, admin, items, **customer)
        m.kinds[name] = kind

    add("b2b_intra", "b2b", [("SOAP", "10"), ("INSTALL", "1"), ("TEA", "4")],
        customer_phone="9800000001", customer_name="Bharat Traders", customer_gstin=B2B_INTRA)
    add("b2b_inter", "b2b", [("LAPTOP", "1"), ("RICE", "2.5")],
        customer_phone="9800000002", customer_name="Reliable Tech", customer_gstin=B2B_INTER)
    add("b2c_intra", "b2cs", [("SOAP", "3"), ("COLA", "3"), ("MILK", "2"), ("RICE", "1.375")])
    add("b2c_inter", "b2cs", [("RICE", "4"), ("COLA", "1")],
        customer_phone="9800000003", customer_name="Meena", customer_state_code="33")
    # above ₹50,000 to unregistered buyers: named with an address and state (Rule 46(e))
    add("b2cl", "b2cl", [("LAPTOP", "2"), ("INSTALL", "1")],
        customer_phone="9800000004", customer_name="Arun Kumar", customer_state_code="29",
        customer_address="8 Brigade Road, Bengaluru")
    add("b2c_intra_large", "b2cs", [("LAPTOP", "2")],
        customer_phone="9800000005", customer_name="Sunita Patil", customer_state_code="27",
        customer_address="21 FC Road, Pune")
    # composition case: a bill of supply issued while the shop was on the composition scheme
    shop_service.update_shop(db, admin, gst_scheme="composition")
    add("bill_of_supply", "bos", [("SOAP", "2")])
    shop_service.update_shop(db, admin, gst_scheme="regular")

    m.notes["cn_b2b"] = returns.create_return(db, admin, m.invoices["b2b_intra"].number, [("SOAP", "4"), ("TEA", "1")])
    m.notes["cn_b2cs"] = returns.create_return(db, admin, m.invoices["b2c_intra"].number, [("SOAP", "1"), ("MILK", "1")])
    m.notes["cn_b2cl"] = returns.create_return(db, admin, m.invoices["b2cl"].number, [("LAPTOP", "1")])
    return m
