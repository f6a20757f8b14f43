"""e-invoice JSON (INV-01 v1.1) of a stored B2B invoice, on SQLite and MariaDB: seller and buyer
from the invoice's own snapshots (pincode and locality included), items and totals as stored,
NIC's schema and arithmetic checks passed; CLI writes the file; refusals leave none."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal as D

import pytest

from billbook.errors import ReturnInvalid
from billbook.gst import einvoice, schema
from billbook.services.goods import catalog
from billbook.services.insight import filing
from billbook.services.people import customers
from billbook.services.people import shop as shop_service
from billbook.services.selling import checkout as sales
from tests.builders import DEFAULT_PASSWORD, run_cli, snapshot
from tests.gst import month as M


@pytest.fixture
def b2b_sale(db, admin):
    shop_service.update_shop(db, admin, gstin=M.SHOP_GSTIN, state_code="27", name="Sharma Stores",
                             address="12 MG Road", pincode="411001", locality="Pune", phone="9822012345")
    customers.add_customer(db, admin, "9800000002", "Reliable Tech Pvt Ltd", gstin=M.B2B_INTER, state_code="29",
                           address="4 Residency Road", pincode="560025", locality="Bengaluru")
    for sku, name, price, rate, hsn, unit, inclusive in M.PRODUCTS:
        catalog.add_product(db, admin, sku=sku, name=name, price=price, gst_rate=rate, hsn=hsn, unit=unit,
                            stock="100", tax_inclusive=inclusive)
    return sales.checkout(db, admin, sales.SaleRequest(
        str(uuid.uuid4()), [("LAPTOP", "1"), ("RICE", "2.5"), ("COLA", "3"), ("INSTALL", "1")], [("cash", None)],
        customer_phone="9800000002"))


def test_a_stored_b2b_invoice_becomes_a_valid_einvoice(db, admin, b2b_sale):
    inv = b2b_sale
    before = snapshot(db)
    doc = filing.einvoice(db, admin, inv.number).document
    assert snapshot(db) == before
    assert schema.errors("einvoice", doc) == [] and einvoice.arithmetic_problems(doc) == []
    assert doc["DocDtls"] == {"Typ": "INV", "No": inv.number, "Dt": inv.business_date.strftime("%d/%m/%Y")}
    assert doc["SellerDtls"] == {"Gstin": M.SHOP_GSTIN, "LglNm": "Sharma Stores", "Addr1": "12 MG Road", "Loc": "Pune",
                                 "Pin": 411001, "Stcd": "27", "Ph": "9822012345"}
    assert doc["BuyerDtls"] == {"Gstin": M.B2B_INTER, "LglNm": "Reliable Tech Pvt Ltd", "Pos": "29",
                                "Addr1": "4 Residency Road", "Loc": "Bengaluru", "Pin": 560025, "Stcd": "29",
                                "Ph": "9800000002"}
    items = {i["HsnCd"]: i for i in doc["ItemList"]}
    by_sku = {ln.sku: ln for ln in inv.lines}
    # every item carries the stored figures, to the paisa
    for hsn, sku in (("8471", "LAPTOP"), ("1006", "RICE"), ("2202", "COLA"), ("998719", "INSTALL")):
        ln = by_sku[sku]
        assert (D(str(items[hsn]["AssAmt"])), D(str(items[hsn]["IgstAmt"])), D(str(items[hsn]["TotItemVal"]))) == (
            ln.taxable, ln.igst, ln.total), sku
    assert items["8471"]["IgstAmt"] == 10800 and items["1006"]["IgstAmt"] == 7.81     # 156.25 × 5 % = 7.8125
    assert items["998719"]["IsServc"] == "Y" and "Unit" not in items["998719"]
    assert items["1006"]["Unit"] == "KGS" and items["1006"]["Qty"] == 2.5
    assert D(str(doc["ValDtls"]["TotInvVal"])) == inv.grand_total
    assert D(str(doc["ValDtls"]["RndOffAmt"])) == inv.round_off


def test_cli_writes_the_einvoice_and_refuses_without_a_pincode(db, db_url, admin, b2b_sale, capsys, monkeypatch,
                                                                tmp_path):
    monkeypatch.setenv("BILLBOOK_USER", admin.username)
    monkeypatch.setenv("BILLBOOK_PASSWORD", DEFAULT_PASSWORD)
    out = tmp_path / "e.json"
    code, stdout, err = run_cli(capsys, "--db", db_url, "invoice", "einvoice", b2b_sale.number, "-o", str(out))
    assert code == 0, err
    assert json.loads(out.read_text(encoding="utf-8"))["DocDtls"]["No"] == b2b_sale.number
    shop_service.update_shop(db, admin, pincode="", locality="")
    sale = sales.checkout(db, admin, sales.SaleRequest(str(uuid.uuid4()), [("SOAP", "1")], [("cash", None)],
                                                       customer_phone="9800000002"))
    with pytest.raises(ReturnInvalid, match=r"shop's locality \(town\) and pincode"):
        filing.einvoice(db, admin, sale.number)
    out2 = tmp_path / "e2.json"
    code, stdout, err = run_cli(capsys, "--db", db_url, "invoice", "einvoice", sale.number, "-o", str(out2))
    assert code == 1 and "pincode" in err and not out2.exists()
