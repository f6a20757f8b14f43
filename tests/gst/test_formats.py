"""The formats themselves, without a database: worked examples from outside the project validate
against billbook's schemas, broken documents do not, and properties of the GSTR-1 builder.

Sources:
- GSTR-1 JSON: the GST portal's GSTR-1 API attributes (v4.0), as resilient-tech/india-compliance's
  test fixtures write them (``india_compliance/gst_india/utils/gstr_1/test_gstr_1_json_map.py``:
  TestB2B, TestB2CL, TestB2CS, TestCDNR, TestCDNUR, TestNilRated, TestHSNSUM, TestDOC_ISSUE);
- e-invoice: NIC's published INV-01 v1.1 sample (einv-apisandbox.nic.in, "Generate IRN" request);
- GSTIN check characters: GSTN's mod-36 scheme (the fixture GSTINs 24AANFA2641L1ZF, 29AABCR1718E1ZL).
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billbook.domain.gst import gstin_check_char, gstin_problem
from billbook.errors import ReturnInvalid
from billbook.gst import einvoice, gstr1, gstr3b, schema
from billbook.gst.common import portal
from billbook.gst.model import CreditNote, Invoice, Line, Party, parse_period

# ---------------------------------------------------------------- india-compliance fixtures

IC_B2B = [{"ctin": "24AANFA2641L1ZF", "inv": [
    {"inum": "S008400", "idt": "24-11-2016", "val": 729248.16, "pos": "06", "rchrg": "N", "etin": "01AABCE5507R1C4",
     "inv_typ": "R", "diff_percent": 0.65, "itms": [
         {"num": 1, "itm_det": {"rt": 5, "txval": 10000, "iamt": 325, "camt": 0, "samt": 0, "csamt": 500}},
         {"num": 2, "itm_det": {"rt": 5, "txval": 10000, "iamt": 325, "camt": 0, "samt": 0, "csamt": 500}}]}]}]
IC_B2CL = [{"pos": "05", "inv": [{"inum": "92661", "idt": "10-01-2016", "val": 784586.33, "etin": "27AHQPA8875L1CU",
                                  "diff_percent": 0.65, "itms": [
                                      {"num": 1, "itm_det": {"rt": 5, "txval": 10000, "iamt": 325, "csamt": 500}},
                                      {"num": 2, "itm_det": {"rt": 5, "txval": 10000, "iamt": 325, "csamt": 500}}]}]}]
IC_B2CS = [{"sply_ty": "INTER", "diff_percent": 0.65, "rt": 5, "typ": "E", "etin": "01AABCE5507R1C4", "pos": "05",
            "txval": 110, "iamt": 10, "camt": 0, "samt": 0, "csamt": 10},
           {"sply_ty": "INTER", "diff_percent": 0.65, "rt": 5, "typ": "OE", "txval": 100, "iamt": 10, "camt": 0,
            "samt": 0, "csamt": 10, "pos": "05"}]
IC_CDNR = [{"ctin": "24AANFA2641L1ZF", "nt": [
    {"ntty": "C", "nt_num": "533515", "nt_dt": "23-09-2016", "pos": "03", "rchrg": "Y", "inv_typ": "DE", "val": 123123,
     "diff_percent": 0.65, "itms": [
         {"num": 1, "itm_det": {"rt": 10, "txval": 5225.28, "samt": 0, "camt": 0, "iamt": 339.64, "csamt": 789.52}},
         {"num": 2, "itm_det": {"rt": 10, "txval": 5225.28, "samt": 0, "camt": 0, "iamt": 339.64, "csamt": 789.52}}]}]}]
IC_CDNUR = [{"typ": "B2CL", "ntty": "C", "nt_num": "533515", "nt_dt": "23-09-2016", "pos": "03", "val": 64646,
             "diff_percent": 0.65,
             "itms": [{"num": 1, "itm_det": {"rt": 10, "txval": 5225.28, "iamt": 339.64, "csamt": 789.52}}]}]
IC_NIL = {"inv": [{"sply_ty": "INTRB2B", "expt_amt": 123.45, "nil_amt": 1470.85, "ngsup_amt": 1258.5},
                  {"sply_ty": "INTRB2C", "expt_amt": 123.45, "nil_amt": 1470.85, "ngsup_amt": 1258.5}]}
IC_HSN = [{"num": 1, "hsn_sc": "1010", "desc": "Goods Description", "uqc": "KGS", "qty": 2.05, "txval": 10.23,
           "iamt": 14.52, "csamt": 500, "rt": 0.1},
          {"num": 2, "hsn_sc": "999512", "desc": "Goods Description", "uqc": "NOS", "qty": 2.05, "txval": 10.23,
           "iamt": 14.52, "csamt": 500, "rt": 5.0}]
IC_DOC_ISSUE = {"doc_det": [
    {"doc_num": 1, "docs": [{"num": 1, "from": "1", "to": "10", "totnum": 10, "cancel": 0, "net_issue": 10},
                            {"num": 2, "from": "11", "to": "20", "totnum": 10, "cancel": 0, "net_issue": 10}]},
    {"doc_num": 2, "docs": [{"num": 1, "from": "1", "to": "10", "totnum": 10, "cancel": 0, "net_issue": 10},
                            {"num": 2, "from": "11", "to": "20", "totnum": 10, "cancel": 0, "net_issue": 10}]}]}
SHOP = "27AAPFU0939F1ZV"


def fixture_return() -> dict:
    return copy.deepcopy({"gstin": SHOP, "fp": "112016", "b2b": IC_B2B, "b2cl": IC_B2CL, "b2cs": IC_B2CS,
                          "cdnr": IC_CDNR, "cdnur": IC_CDNUR, "nil": IC_NIL, "hsn": {"hsn_b2b": IC_HSN},
                          "doc_issue": IC_DOC_ISSUE})


def test_india_compliance_fixtures_validate_against_the_gstr1_schema():
    assert schema.errors("gstr1", fixture_return()) == []


def test_fixture_gstins_carry_correct_check_characters():
    for gstin in ("24AANFA2641L1ZF", "29AABCR1718E1ZL", SHOP):
        assert gstin_problem(gstin) is None
    assert gstin_problem("24AANFA2641L1ZG") is not None


@pytest.mark.parametrize("path, value, message", [
    (("fp",), "132016", "does not match"),
    (("b2cl", 0, "inv", 0, "val"), 100000, "less than or equal to the minimum"),        # B2C large: above ₹1 lakh
    (("hsn", "hsn_b2b", 0, "hsn_sc"), "10101", "does not match"),                     # 5 digits
    (("hsn", "hsn_b2b", 0, "hsn_sc"), "0000", "should not be valid"),                 # all zeros
    (("b2b", 0, "inv", 0, "pos"), "40", "does not match"),                              # no such state code
    (("b2b", 0, "inv", 0, "itms", 0, "itm_det", "rt"), 101, "greater than the maximum"),
    (("b2cs", 0, "sply_ty"), "INTRA", "was expected"),                                  # INTRA with IGST
])
def test_a_broken_return_fails_its_schema(path, value, message):
    doc = fixture_return()
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    found = schema.errors("gstr1", doc)
    assert found and any(message in e for e in found), found
    with pytest.raises(ReturnInvalid, match="not written"):
        schema.validate("gstr1", doc)


def test_a_service_row_with_uqc_na_must_have_no_quantity():
    doc = fixture_return()
    doc["hsn"]["hsn_b2b"][1].update(uqc="NA", qty=2.05)
    assert any("hsn_b2b/1/qty" in e for e in schema.errors("gstr1", doc))
    doc["hsn"]["hsn_b2b"][1]["qty"] = 0
    assert schema.errors("gstr1", doc) == []


# ---------------------------------------------------------------- NIC's e-invoice sample

NIC_SAMPLE = {
    "Version": "1.1",
    "TranDtls": {"TaxSch": "GST", "SupTyp": "B2B", "RegRev": "N", "EcmGstin": None, "IgstOnIntra": "N"},
    "DocDtls": {"Typ": "INV", "No": "DOC/001", "Dt": "18/08/2020"},
    "SellerDtls": {"Gstin": "37ARZPT4384Q1MT", "LglNm": "NIC company pvt ltd", "TrdNm": "NIC Industries",
                   "Addr1": "5th block, kuvempu layout", "Addr2": "kuvempu layout", "Loc": "GANDHINAGAR",
                   "Pin": 518001, "Stcd": "37", "Ph": "9000000000", "Em": "abc@gmail.com"},
    "BuyerDtls": {"Gstin": "29AWGPV7107B1Z1", "LglNm": "XYZ company pvt ltd", "TrdNm": "XYZ Industries", "Pos": "12",
                  "Addr1": "7th block, kuvempu layout", "Addr2": "kuvempu layout", "Loc": "GANDHINAGAR", "Pin": 562160,
                  "Stcd": "29", "Ph": "91111111111", "Em": "xyz@yahoo.com"},
    "ItemList": [{"SlNo": "1", "PrdDesc": "Rice", "IsServc": "N", "HsnCd": "1001", "Barcde": "123456",
                  "Qty": 100.345, "FreeQty": 10, "Unit": "BAG", "UnitPrice": 99.545, "TotAmt": 9988.84,
                  "Discount": 10, "PreTaxVal": 1, "AssAmt": 9978.84, "GstRt": 12.0, "IgstAmt": 1197.46,
                  "CgstAmt": 0, "SgstAmt": 0, "CesRt": 5, "CesAmt": 498.94, "CesNonAdvlAmt": 10, "StateCesRt": 12,
                  "StateCesAmt": 1197.46, "StateCesNonAdvlAmt": 5, "OthChrg": 10, "TotItemVal": 12897.7,
                  "OrdLineRef": "3256", "OrgCntry": "AG", "PrdSlNo": "12345",
                  "BchDtls": {"Nm": "123456", "ExpDt": "01/08/2020", "WrDt": "01/09/2020"},
                  "AttribDtls": [{"Nm": "Rice", "Val": "10000"}]}],
    "ValDtls": {"AssVal": 9978.84, "CgstVal": 0, "SgstVal": 0, "IgstVal": 1197.46, "CesVal": 508.94,
                "StCesVal": 1202.46, "Discount": 10, "OthChrg": 20, "RndOffAmt": 0.3, "TotInvVal": 12908,
                "TotInvValFc": 12897.7},
}


def test_nics_sample_validates_and_its_arithmetic_holds_to_the_paisa():
    assert schema.errors("einvoice", NIC_SAMPLE) == []
    assert einvoice.arithmetic_problems(NIC_SAMPLE) == []
    # worked by hand: 100.345 × 99.545 = 9988.843… → 9988.84; less 10 discount = 9978.84; IGST 12 % = 1197.4608
    assert round(D("100.345") * D("99.545"), 2) == D("9988.84")
    assert (D("9978.84") * D("0.12")).quantize(D("0.01")) == D("1197.46")


@pytest.mark.parametrize("where, key, value", [
    ("item", "TotItemVal", 12897.71), ("item", "AssAmt", 9978.85), ("val", "TotInvVal", 12909),
    ("val", "CesVal", 498.94)])
def test_a_paisa_off_in_the_sample_is_found(where, key, value):
    doc = copy.deepcopy(NIC_SAMPLE)
    (doc["ItemList"][0] if where == "item" else doc["ValDtls"])[key] = value
    assert einvoice.arithmetic_problems(doc)


def test_the_sample_with_a_bad_document_number_or_pincode_fails_the_schema():
    doc = copy.deepcopy(NIC_SAMPLE)
    doc["DocDtls"]["No"] = "0DOC/001"            # may not start with 0
    doc["SellerDtls"]["Pin"] = 51800
    found = schema.errors("einvoice", doc)
    assert any("DocDtls/No" in e for e in found) and any("SellerDtls/Pin" in e for e in found)


# ---------------------------------------------------------------- e-invoice from billbook's plain data

def line(hsn, qty, price, rate, inter, *, inclusive=False, uqc="NOS", discount="0"):
    qty, price, rate, discount = D(qty), D(price), D(rate), D(discount)
    gross = (qty * price).quantize(D("0.01"))
    amount = gross - discount
    if inclusive:
        half = (amount * rate / 2 / (100 + rate)).quantize(D("0.01"))
        full = (amount * rate / (100 + rate)).quantize(D("0.01"))
        taxes = (D(0), D(0), full) if inter else (half, half, D(0))
        taxable = amount - sum(taxes)
    else:
        taxable = amount
        half = (taxable * rate / 200).quantize(D("0.01"))
        taxes = (D(0), D(0), (taxable * rate / 100).quantize(D("0.01"))) if inter else (half, half, D(0))
    return Line(hsn, f"Item {hsn}", uqc, qty, rate, taxable, *taxes, taxable + sum(taxes), price, gross, discount,
                inclusive)


SELLER = Party(SHOP, "Sharma Stores", "12 MG Road\nShivaji Nagar", "Pune", "411005", "27", "020-2550 1234")
BUYER = Party("29AABCR1718E1ZL", "Reliable Tech Pvt Ltd", "4 Residency Road", "Bengaluru", "560025", "29")


def test_an_inter_state_b2b_invoice_becomes_a_valid_einvoice():
    lines = (line("8471", "1", "60000", "18", True), line("1006", "2.5", "62.555", "5", True, uqc="KGS"),
             line("2202", "3", "40", "28", True, inclusive=True, uqc="BTL"), line("998719", "1", "500", "18", True))
    total = sum((ln.total for ln in lines), D(0))
    value = total.quantize(D("1"))
    inv = Invoice("INV/26-27/000042", dt.date(2026, 11, 24), value, "29", True, BUYER.gstin, BUYER.name, lines=lines)
    doc = einvoice.validated(einvoice.build(inv, SELLER, BUYER, round_off=value - total))
    assert doc["DocDtls"] == {"Typ": "INV", "No": "INV/26-27/000042", "Dt": "24/11/2026"}
    assert doc["SellerDtls"]["Addr1"] == "12 MG Road, Shivaji Nagar" and doc["SellerDtls"]["Pin"] == 411005
    assert doc["BuyerDtls"]["Pos"] == "29" and doc["BuyerDtls"]["Stcd"] == "29"
    rice, cola, service = doc["ItemList"][1], doc["ItemList"][2], doc["ItemList"][3]
    assert (rice["Qty"], rice["UnitPrice"], rice["TotAmt"], rice["IgstAmt"]) == (2.5, 62.555, 156.39, 7.82)
    # 3 × ₹40 MRP at 28 %: IGST = 120 × 28/128 = 26.25, taxable 93.75, given as a pre-tax unit price
    assert (cola["AssAmt"], cola["IgstAmt"], cola["TotItemVal"], cola["UnitPrice"]) == (93.75, 26.25, 120, 31.25)
    assert service["IsServc"] == "Y" and "Unit" not in service
    assert doc["ValDtls"]["TotInvVal"] == float(value)


def test_no_einvoice_for_a_walk_in_or_without_a_pincode():
    inv = Invoice("INV/26-27/000043", dt.date(2026, 11, 24), D("118"), "27", False,
                  lines=(line("3401", "1", "100", "18", False),))
    with pytest.raises(ReturnInvalid, match="no buyer GSTIN"):
        einvoice.build(inv, SELLER, BUYER)
    b2b = Invoice("INV/26-27/000044", dt.date(2026, 11, 24), D("118"), "29", True, BUYER.gstin, BUYER.name,
                  lines=(line("3401", "1", "100", "18", True),))
    with pytest.raises(ReturnInvalid, match="shop's pincode"):
        einvoice.build(b2b, Party(SHOP, "Sharma Stores", "12 MG Road", "Pune", "", "27"), BUYER)


# ---------------------------------------------------------------- periods

@pytest.mark.parametrize("text, start, end, fp", [
    ("2026-11", "2026-11-01", "2026-11-30", "112026"), ("2028-02", "2028-02-01", "2028-02-29", "022028"),
    ("2026-Q3", "2026-07-01", "2026-09-30", "092026"), ("2027-q1", "2027-01-01", "2027-03-31", "032027"),
    ("2026-12", "2026-12-01", "2026-12-31", "122026"), ("2026-Q4", "2026-10-01", "2026-12-31", "122026")])
def test_periods_are_months_or_calendar_quarters(text, start, end, fp):
    p = parse_period(text)
    assert (p.start.isoformat(), p.end.isoformat(), p.fp) == (start, end, fp)


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26-11", "2026/11", "2026-1", "", "2016-04", "2026-Q"])
def test_other_periods_are_refused(text):
    with pytest.raises(ValueError, match="not a period"):
        parse_period(text)


# ---------------------------------------------------------------- builder properties

def test_a_line_without_an_hsn_stops_the_return():
    inv = Invoice("INV/26-27/000001", dt.date(2026, 11, 2), D("118"), "27", False,
                  lines=(line("", "1", "100", "18", False),))
    with pytest.raises(ReturnInvalid, match="no valid HSN"):
        gstr1.build(SHOP, parse_period("2026-11"), [inv], [])
    with pytest.raises(ReturnInvalid, match="GSTIN"):
        gstr1.build("", parse_period("2026-11"), [], [])


STATES = st.sampled_from(["27", "27", "29", "33"])
RATES = st.sampled_from(["0", "5", "12", "18", "28"])


@st.composite
def documents(draw):
    invoices, notes = [], []
    for n in range(1, draw(st.integers(1, 12)) + 1):
        pos = draw(STATES)
        registered = draw(st.booleans())
        lines = tuple(line(draw(st.sampled_from(["3401", "1006", "998719", "0401"])),
                           draw(st.decimals("0.001", "50", places=3)), draw(st.decimals("1", "90000", places=2)),
                           draw(RATES), pos != "27", inclusive=draw(st.booleans()))
                      for _ in range(draw(st.integers(1, 4))))
        value = sum((ln.total for ln in lines), D(0)).quantize(D("1"))
        inv = Invoice(f"INV/26-27/{n:06d}", dt.date(2026, 11, n), value, pos, pos != "27",
                      "29AABCR1718E1ZL" if registered else "", "Buyer" if registered else "", lines=lines)
        invoices.append(inv)
        if draw(st.booleans()):
            back = tuple(ln for ln in lines if draw(st.booleans())) or lines[:1]
            notes.append(CreditNote(f"CN/26-27/{len(notes) + 1:06d}", dt.date(2026, 11, n),
                                    sum((ln.total for ln in back), D(0)), inv, lines=back))
    return invoices, notes


@settings(max_examples=60, deadline=None)
@given(documents())
def test_any_month_nets_to_its_documents_and_validates(docs):
    invoices, notes = docs
    g = gstr1.build(SHOP, parse_period("2026-11"), invoices, notes)
    assert schema.errors("gstr1", g.portal_json()) == []
    sold = sum((ln.taxable for i in invoices for ln in i.lines), D(0))
    back = sum((ln.taxable for n in notes for ln in n.lines), D(0))
    tax = sum((ln.tax for i in invoices for ln in i.lines), D(0)) - sum((ln.tax for n in notes for ln in n.lines), D(0))
    t = g.totals
    assert t["b2b"].taxable + t["b2cl"].taxable + t["b2cs"].taxable + t["nil"].taxable \
        - t["cdnr"].taxable - t["cdnur"].taxable == sold - back == t["net"].taxable
    assert t["net"].tax == tax
    hsn_taxable = sum((D(str(r["txval"])) for rows in g.portal_json().get("hsn", {}).values() for r in rows), D(0))
    assert hsn_taxable == sold - back
    b = gstr3b.build(SHOP, parse_period("2026-11"), invoices, notes)
    assert schema.errors("gstr3b", b.portal_json()) == []
    assert b.row("osup_det").taxable + b.row("osup_nil_exmp").taxable == sold - back
    assert portal(D("1197.46")) == 1197.46 and portal(D("18.00")) == 18


def test_a_note_against_last_months_invoice_is_reported_in_this_month():
    old = Invoice("INV/26-27/000009", dt.date(2026, 10, 30), D("1180"), "27", False, "29AABCR1718E1ZL", "Reliable",
                  lines=(line("3401", "10", "100", "18", False),))
    note = CreditNote("CN/26-27/000001", dt.date(2026, 11, 3), D("118"), old, lines=(line("3401", "1", "100", "18", False),))
    g = gstr1.build(SHOP, parse_period("2026-11"), [], [note]).portal_json()
    assert "b2b" not in g
    assert g["cdnr"][0]["nt"][0]["itms"][0]["itm_det"] == {"rt": 18, "txval": 100, "camt": 9, "samt": 9, "csamt": 0}
    assert g["hsn"]["hsn_b2b"][0]["qty"] == -1 and g["hsn"]["hsn_b2b"][0]["txval"] == -100
    assert g["doc_issue"]["doc_det"] == [{"doc_num": 5, "doc_typ": "Credit Note", "docs": [
        {"num": 1, "from": "CN/26-27/000001", "to": "CN/26-27/000001", "totnum": 1, "cancel": 0, "net_issue": 1}]}]
    assert schema.errors("gstr1", g) == []


def test_table_13_has_a_row_per_series():
    invoices = [Invoice(f"{prefix}/26-27/{n:06d}", dt.date(2026, 11, n), D("118"), "27", False,
                        lines=(line("3401", "1", "100", "18", False),))
                for prefix, n in (("INV", 1), ("INV", 2), ("INV", 3), ("SGS", 4), ("SGS", 5))]
    g = gstr1.build(SHOP, parse_period("2026-11"), invoices, []).portal_json()
    assert g["doc_issue"]["doc_det"][0]["docs"] == [
        {"num": 1, "from": "INV/26-27/000001", "to": "INV/26-27/000003", "totnum": 3, "cancel": 0, "net_issue": 3},
        {"num": 2, "from": "SGS/26-27/000004", "to": "SGS/26-27/000005", "totnum": 2, "cancel": 0, "net_issue": 2}]


def test_an_empty_month_is_a_valid_nil_return():
    g = gstr1.build(SHOP, parse_period("2026-11"), [], [])
    assert g.portal_json() == {"gstin": SHOP, "fp": "112026", "version": gstr1.VERSION, "hash": "hash"}
    assert schema.errors("gstr1", g.portal_json()) == []
    assert all(len(rows) == 1 for name, rows in g.sheets.items() if name != "exemp")    # headers only


def test_gstr3b_lists_inter_state_supplies_to_a_uin_holder_apart():
    uin = "0717UNO00157UN" + gstin_check_char("0717UNO00157UN")     # a UIN (UN bodies, embassies)
    embassy = Invoice("INV/26-27/000001", dt.date(2026, 11, 2), D("1180"), "07", True, uin, "An embassy",
                      lines=(line("3401", "10", "100", "18", True),))
    walk_in = Invoice("INV/26-27/000002", dt.date(2026, 11, 2), D("236"), "29", True,
                      lines=(line("3401", "2", "100", "18", True),))
    b = gstr3b.build(SHOP, parse_period("2026-11"), [embassy, walk_in], [])
    assert [(r.pos, r.taxable, r.igst) for r in b.uin] == [("07", D("1000.00"), D("180.00"))]
    assert [(r.pos, r.taxable, r.igst) for r in b.unregistered] == [("29", D("200.00"), D("36.00"))]
    assert schema.errors("gstr3b", b.portal_json()) == []
