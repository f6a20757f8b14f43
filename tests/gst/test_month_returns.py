"""GSTR-1 and GSTR-3B for a month of real sales, on SQLite and MariaDB: every section of the JSON
and every CSV sheet against figures the test works out itself from the issued documents (never
from billbook.gst), to the paisa; the JSON validates against the schema; GSTR-3B from the same data.

Section rules checked here are the GST portal's (GSTR-1 API v4.0 field names as in
resilient-tech/india-compliance ``gst_india/utils/gstr_1/gstr_1_json_map.py``; the offline tool's
CSV headers from its import code): B2C large = inter-state, unregistered, invoice value above
₹1,00,000 (Notification 12/2024-CT); credit notes against B2C small invoices are netted in B2CS;
HSN rows are net of every credit note; Table 13 per series.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal as D

import pytest

from billbook import clock
from billbook.errors import PermissionDenied, ReturnInvalid
from billbook.services.insight import filing
from billbook.services.people import shop as shop_service
from tests.builders import make_user, snapshot
from tests.gst import month as M

UQC = {"pcs": "NOS", "kg": "KGS", "bottle": "BTL", "pack": "PAC", "unit": "UNT", "l": "LTR"}
UQC_TEXT = {"NOS": "NOS-NUMBERS", "KGS": "KGS-KILOGRAMS", "BTL": "BTL-BOTTLES", "PAC": "PAC-PACKS", "LTR": "LTR-LITRES",
            "UNT": "UNT-UNITS"}
PRODUCT = {p[0]: p for p in M.PRODUCTS}
STATES = {"27": "Maharashtra", "29": "Karnataka", "33": "Tamil Nadu"}
MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
HEADERS = {   # the GSTR-1 offline tool's CSV headers, as its import code reads them
    "b2b": "GSTIN/UIN of Recipient,Receiver Name,Invoice Number,Invoice date,Invoice Value,Place Of Supply,"
           "Reverse Charge,Applicable % of Tax Rate,Invoice Type,E-Commerce GSTIN,Rate,Taxable Value,Cess Amount",
    "b2cl": "Invoice Number,Invoice date,Invoice Value,Place Of Supply,Applicable % of Tax Rate,Rate,Taxable Value,"
            "Cess Amount,E-Commerce GSTIN",
    "b2cs": "Type,Place Of Supply,Applicable % of Tax Rate,Rate,Taxable Value,Cess Amount,E-Commerce GSTIN",
    "cdnr": "GSTIN/UIN of Recipient,Receiver Name,Note Number,Note Date,Note Type,Place Of Supply,Reverse Charge,"
            "Note Supply Type,Note Value,Applicable % of Tax Rate,Rate,Taxable Value,Cess Amount",
    "cdnur": "UR Type,Note Number,Note Date,Note Type,Place Of Supply,Note Value,Applicable % of Tax Rate,Rate,"
             "Taxable Value,Cess Amount",
    "exemp": "Description,Nil Rated Supplies,Exempted(other than nil rated/non GST supply),Non-GST Supplies",
    "hsn(b2b)": "HSN,Description,UQC,Total Quantity,Total Value,Rate,Taxable Value,Integrated Tax Amount,"
                "Central Tax Amount,State/UT Tax Amount,Cess Amount",
    "hsn(b2c)": "HSN,Description,UQC,Total Quantity,Total Value,Rate,Taxable Value,Integrated Tax Amount,"
                "Central Tax Amount,State/UT Tax Amount,Cess Amount",
    "docs": "Nature of Document,Sr. No. From,Sr. No. To,Total Number,Cancelled",
}
Z = D("0")


def r2(v):
    return f"{v:.2f}"


def rt(v):
    return format(D(v).normalize(), "f")


def pdate(d):
    return f"{d.day:02d}-{d.month:02d}-{d.year}"


def sdate(d):
    return f"{d.day:02d}-{MON[d.month - 1]}-{d.year}"


def pos(code):
    return f"{code}-{STATES[code]}"


def by_rate(lines):
    """Lines at a rate above 0, summed per rate: {rate: [taxable, igst, cgst, sgst]} (rates sorted)."""
    out = defaultdict(lambda: [Z, Z, Z, Z])
    for ln in lines:
        if ln.gst_rate > 0:
            acc = out[D(ln.gst_rate).normalize()]
            for i, v in enumerate((ln.taxable, ln.igst, ln.cgst, ln.sgst)):
                acc[i] += v
    return dict(sorted(out.items()))


def item(rate, v, inter):
    det = {"rt": rate, "txval": v[0]}
    det.update({"iamt": v[1]} if inter else {"camt": v[2], "samt": v[3]})
    det["csamt"] = Z
    return det


@pytest.fixture
def shop(db, admin):
    return M.build(db, admin)


@pytest.fixture
def period():
    return clock.today().strftime("%Y-%m")


def load(path):
    return json.loads(path.read_text(encoding="utf-8"), parse_float=D, parse_int=D)


def test_gstr1_every_section_matches_the_documents(db, admin, shop, period, tmp_path):
    inv, notes = shop.invoices, shop.notes
    result = filing.gstr1(db, admin, period)
    path = result.write(tmp_path / "gstr1.json")
    doc = load(path)
    today = clock.today()
    assert doc["gstin"] == M.SHOP_GSTIN and doc["fp"] == f"{today.month:02d}{today.year}"

    # B2B: per buyer, each invoice with its taxed lines per rate
    expected_b2b = defaultdict(list)
    for name in ("b2b_intra", "b2b_inter"):
        i = inv[name]
        expected_b2b[i.customer.gstin].append({
            "inum": i.number, "idt": pdate(i.business_date), "val": i.grand_total, "pos": i.place_of_supply,
            "rchrg": "N", "inv_typ": "R",
            "itms": [{"num": D(n), "itm_det": item(r, v, i.inter_state)}
                     for n, (r, v) in enumerate(by_rate(i.lines).items(), 1)]})
    assert doc["b2b"] == [{"ctin": c, "inv": v} for c, v in sorted(expected_b2b.items())]
    # hand-worked: 10 soaps at ₹40 and an installation at ₹500, 18 % intra-state: 900 taxable, 81 + 81
    intra = next(b for b in doc["b2b"] if b["ctin"] == M.B2B_INTRA)["inv"][0]["itms"]
    assert [i["itm_det"] for i in intra if i["itm_det"]["rt"] == 18] == [
        {"rt": 18, "txval": D("900.00"), "camt": D("81.00"), "samt": D("81.00"), "csamt": 0}]
    # a laptop (₹60,000 → IGST 10,800) and 2.5 kg rice at ₹62.50 (156.25 → IGST 7.8125 → 7.81)
    inter = next(b for b in doc["b2b"] if b["ctin"] == M.B2B_INTER)["inv"][0]["itms"]
    assert [(i["itm_det"]["rt"], i["itm_det"]["txval"], i["itm_det"]["iamt"]) for i in inter] == [
        (5, D("156.25"), D("7.81")), (18, D("60000.00"), D("10800.00"))]

    # B2C large: only the inter-state invoice above ₹1,00,000 (not the intra-state one)
    big = inv["b2cl"]
    assert big.grand_total > 100000 and inv["b2c_intra_large"].grand_total > 100000
    assert doc["b2cl"] == [{"pos": "29", "inv": [{
        "inum": big.number, "idt": pdate(big.business_date), "val": big.grand_total,
        "itms": [{"num": D(1), "itm_det": {"rt": 18, "txval": D("120500.00"), "iamt": D("21690.00"), "csamt": 0}}]}]}]

    # B2CS: every other unregistered invoice per (supply type, place of supply, rate), less the notes
    # issued against them (the return has no table for those notes)
    b2cs = defaultdict(lambda: [Z, Z, Z, Z])
    for name in ("b2c_intra", "b2c_inter", "b2c_intra_large"):
        i = inv[name]
        for r, v in by_rate(i.lines).items():
            acc = b2cs[("INTER" if i.inter_state else "INTRA", i.place_of_supply, r)]
            b2cs[("INTER" if i.inter_state else "INTRA", i.place_of_supply, r)] = [a + b for a, b in zip(acc, v)]
    note_rates = by_rate(notes["cn_b2cs"].lines)
    for r, v in note_rates.items():
        key = ("INTRA", "27", r)
        b2cs[key] = [a - b for a, b in zip(b2cs[key], v)]
    expected_b2cs = [{"sply_ty": s, "pos": p, "typ": "OE", **item(r, v, s == "INTER")}
                     for (s, p, r), v in sorted(b2cs.items())]
    assert doc["b2cs"] == expected_b2cs
    # one soap back (₹40, CGST 3.60) comes off the intra-state 18 % row: 3 soaps + 2 laptops − 1 soap
    row18 = next(r for r in doc["b2cs"] if (r["sply_ty"], r["pos"], r["rt"]) == ("INTRA", "27", 18))
    assert row18["txval"] == D("120080.00") and row18["camt"] == D("10800.00") + D("10.80") - D("3.60")

    # CDNR: the note against the B2B invoice; CDNUR: the note against the B2C large one
    cn = notes["cn_b2b"]
    assert doc["cdnr"] == [{"ctin": M.B2B_INTRA, "nt": [{
        "ntty": "C", "nt_num": cn.number, "nt_dt": pdate(cn.business_date), "val": cn.total, "pos": "27",
        "rchrg": "N", "inv_typ": "R",
        "itms": [{"num": D(n), "itm_det": item(r, v, False)} for n, (r, v) in enumerate(by_rate(cn.lines).items(), 1)]}]}]
    cl = notes["cn_b2cl"]
    assert doc["cdnur"] == [{"typ": "B2CL", "ntty": "C", "nt_num": cl.number, "nt_dt": pdate(cl.business_date),
                             "val": D("70800.00"), "pos": "29",
                             "itms": [{"num": 1, "itm_det": {"rt": 18, "txval": D("60000.00"), "iamt": D("10800.00"),
                                                             "csamt": 0}}]}]

    # nil rated (Table 8): 2 l of milk sold, 1 returned, intra-state to an unregistered buyer
    assert doc["nil"] == {"inv": [{"sply_ty": "INTRAB2C", "nil_amt": D("30.00"), "expt_amt": 0, "ngsup_amt": 0}]}

    # HSN (Table 12), B2B and B2C apart, net of every note; services: UQC NA and no quantity
    def hsn_expected(sales, returned):
        rows = {}
        for lines, sign in [(i.lines, 1) for i in sales] + [(n.lines, -1) for n in returned]:
            for ln in lines:
                sku, name, _, _, hsn, unit, _ = PRODUCT[ln.sku]
                service = hsn.startswith("99")
                key = (hsn, "NA" if service else UQC[unit], D(ln.gst_rate).normalize())
                acc = rows.setdefault(key, [Z] * 6 + [name])
                for k, v in enumerate((Z if service else ln.qty, ln.total, ln.taxable, ln.igst, ln.cgst, ln.sgst)):
                    acc[k] += sign * v
        return sorted(rows.items())

    for section, sales, returned in (
            ("hsn_b2b", [inv["b2b_intra"], inv["b2b_inter"]], [notes["cn_b2b"]]),
            ("hsn_b2c", [inv[n] for n in ("b2c_intra", "b2c_inter", "b2cl", "b2c_intra_large")],
             [notes["cn_b2cs"], notes["cn_b2cl"]])):
        expected = [{"num": D(n), "hsn_sc": k[0], "desc": v[6][:30], "uqc": k[1], "qty": v[0].quantize(D("0.01")),
                     "rt": k[2], "txval": v[2], "iamt": v[3], "camt": v[4], "samt": v[5], "csamt": 0}
                    for n, (k, v) in enumerate(hsn_expected(sales, returned), 1)]
        assert doc["hsn"][section] == expected, section
    svc = [r for r in doc["hsn"]["hsn_b2c"] if r["hsn_sc"] == "998719"]
    assert svc == [{"num": svc[0]["num"], "hsn_sc": "998719", "desc": "Installation service", "uqc": "NA", "qty": 0,
                    "rt": 18, "txval": D("500.00"), "iamt": D("90.00"), "camt": 0, "samt": 0, "csamt": 0}]
    # MRP (tax-inclusive) items: the HSN row's value is exactly the printed price × quantity, never a paisa more
    cola = next(r for r in doc["hsn"]["hsn_b2c"] if r["hsn_sc"] == "2202")          # 3 + 1 bottles at ₹40
    assert cola["txval"] + cola["iamt"] + cola["camt"] + cola["samt"] == D("160.00")
    tea = next(r for r in doc["hsn"]["hsn_b2b"] if r["hsn_sc"] == "0902")           # 4 sold, 1 back, at ₹90
    assert tea["txval"] + tea["iamt"] + tea["camt"] + tea["samt"] == D("270.00") and tea["qty"] == 3
    rice = next(r for r in doc["hsn"]["hsn_b2c"] if r["hsn_sc"] == "1006")
    assert rice["uqc"] == "KGS" and rice["qty"] == D("5.38")         # 1.375 + 4 kg, to two decimals

    # Table 13: one invoice series (bill of supply included), one credit-note series, none cancelled
    numbers = sorted(i.number for i in inv.values())
    note_numbers = sorted(n.number for n in notes.values())
    assert doc["doc_issue"] == {"doc_det": [
        {"doc_num": 1, "doc_typ": "Invoices for outward supply", "docs": [
            {"num": 1, "from": numbers[0], "to": numbers[-1], "totnum": 7, "cancel": 0, "net_issue": 7}]},
        {"doc_num": 5, "doc_typ": "Credit Note", "docs": [
            {"num": 1, "from": note_numbers[0], "to": note_numbers[-1], "totnum": 3, "cancel": 0, "net_issue": 3}]}]}
    # the bill of supply (composition scheme) is in no section
    text = path.read_text(encoding="utf-8")
    assert inv["bill_of_supply"].number not in text.replace(f'"to": "{numbers[-1]}"', "")

    # the file is the schema's; the check summary agrees with the sales report
    from billbook.gst import schema
    assert schema.errors("gstr1", json.loads(text)) == []
    s = result.summary
    all_taxable = sum((ln.taxable for i in inv.values() for ln in i.lines), Z) \
        - sum((ln.taxable for n in notes.values() for ln in n.lines), Z)
    all_tax = sum((ln.cgst + ln.sgst + ln.igst for i in inv.values() for ln in i.lines), Z) \
        - sum((ln.cgst + ln.sgst + ln.igst for n in notes.values() for ln in n.lines), Z)
    assert (s.report_taxable, s.report_tax) == (all_taxable, all_tax)
    assert s.return_taxable == all_taxable - D("80.00") and s.bills_of_supply_taxable == D("80.00")
    assert s.return_tax == all_tax and s.matches
    assert (s.b2b, s.b2cl, s.b2cs, s.bills_of_supply, s.cdnr, s.cdnur, s.notes_in_b2cs) == (2, 1, 3, 1, 1, 1, 1)


def test_gstr1_csv_sheets_carry_the_offline_tools_headers_and_rows(db, admin, shop, period, tmp_path):
    inv, notes = shop.invoices, shop.notes
    result = filing.gstr1(db, admin, period)
    files = result.write_csv(tmp_path / "csv")
    assert sorted(p.name for p in files) == sorted(f"{n}.csv" for n in HEADERS)

    def sheet(name):
        with open(tmp_path / "csv" / f"{name}.csv", newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert ",".join(rows[0]) == HEADERS[name], name
        return rows[1:]

    b2b = []
    for name in ("b2b_intra", "b2b_inter"):
        i = inv[name]
        for r, v in by_rate(i.lines).items():
            b2b.append([i.customer.gstin, i.customer.name, i.number, sdate(i.business_date), r2(i.grand_total),
                        pos(i.place_of_supply), "N", "", "Regular B2B", "", rt(r), r2(v[0]), "0.00"])
    assert sorted(sheet("b2b")) == sorted(b2b)
    big = inv["b2cl"]
    assert sheet("b2cl") == [[big.number, sdate(big.business_date), r2(big.grand_total), "29-Karnataka", "", "18",
                              "120500.00", "0.00", ""]]
    json_b2cs = result.document["b2cs"]
    assert sheet("b2cs") == [["OE", pos(r["pos"]), "", rt(D(str(r["rt"]))), r2(D(str(r["txval"]))), "0.00", ""]
                             for r in json_b2cs]
    cn, cl = notes["cn_b2b"], notes["cn_b2cl"]
    assert sheet("cdnr") == [[M.B2B_INTRA, "Bharat Traders", cn.number, sdate(cn.business_date), "C", "27-Maharashtra",
                              "N", "Regular B2B", r2(cn.total), "", rt(r), r2(v[0]), "0.00"]
                             for r, v in by_rate(cn.lines).items()]
    assert sheet("cdnur") == [["B2CL", cl.number, sdate(cl.business_date), "C", "29-Karnataka", "70800.00", "", "18",
                               "60000.00", "0.00"]]
    assert sheet("exemp") == [["Inter-State supplies to registered persons", "0.00", "0.00", "0.00"],
                              ["Intra-State supplies to registered persons", "0.00", "0.00", "0.00"],
                              ["Inter-State supplies to unregistered persons", "0.00", "0.00", "0.00"],
                              ["Intra-State supplies to unregistered persons", "30.00", "0.00", "0.00"]]
    for name, key in (("hsn(b2b)", "hsn_b2b"), ("hsn(b2c)", "hsn_b2c")):
        rows = sheet(name)
        json_rows = result.document["hsn"][key]
        assert len(rows) == len(json_rows)
        for row, j in zip(rows, json_rows):
            total = D(str(j["txval"])) + D(str(j["iamt"])) + D(str(j["camt"])) + D(str(j["samt"]))
            assert row == [j["hsn_sc"], j["desc"], "NA" if j["uqc"] == "NA" else UQC_TEXT[j["uqc"]],
                           f"{D(str(j['qty'])):.2f}", r2(total), rt(D(str(j["rt"]))), r2(D(str(j["txval"]))),
                           r2(D(str(j["iamt"]))), r2(D(str(j["camt"]))), r2(D(str(j["samt"]))), "0.00"]
    numbers = sorted(i.number for i in inv.values())
    note_numbers = sorted(n.number for n in notes.values())
    assert sheet("docs") == [["Invoices for outward supply", numbers[0], numbers[-1], "7", "0"],
                             ["Credit Note", note_numbers[0], note_numbers[-1], "3", "0"]]


def test_gstr3b_tables_match_the_same_documents(db, admin, shop, period, tmp_path):
    inv, notes = shop.invoices, shop.notes
    result = filing.gstr3b(db, admin, period)
    taxed = [Z, Z, Z, Z]
    for docs, sign in (([i for n, i in inv.items() if n != "bill_of_supply"], 1), (list(notes.values()), -1)):
        for d in docs:
            for ln in d.lines:
                if ln.gst_rate > 0:
                    taxed = [a + sign * b for a, b in zip(taxed, (ln.taxable, ln.igst, ln.cgst, ln.sgst))]
    doc = json.loads(json.dumps(result.document), parse_float=D, parse_int=D)
    assert doc["sup_details"] == {
        "osup_det": {"txval": taxed[0], "iamt": taxed[1], "camt": taxed[2], "samt": taxed[3], "csamt": 0},
        "osup_zero": {"txval": 0, "iamt": 0, "csamt": 0}, "osup_nil_exmp": {"txval": D("30.00")},
        "isup_rev": {"txval": 0, "iamt": 0, "camt": 0, "samt": 0, "csamt": 0}, "osup_nongst": {"txval": 0}}
    b2c_inter = inv["b2c_inter"]
    assert doc["inter_sup"] == {
        "unreg_details": [
            {"pos": "29", "txval": D("60500.00"), "iamt": D("10890.00")},     # 120500 − the laptop returned
            {"pos": "33", "txval": sum((ln.taxable for ln in b2c_inter.lines), Z),
             "iamt": sum((ln.igst for ln in b2c_inter.lines), Z)}],
        "comp_details": [], "uin_details": []}
    assert result.summary.matches
    pdf = result.write(tmp_path / "3b.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = result.write(tmp_path / "3b.csv").read_text(encoding="utf-8")
    assert (f'osup_det,"(a) Outward taxable supplies (other than zero rated, nil rated and exempted)",'
            f"{r2(taxed[0])},{r2(taxed[1])},{r2(taxed[2])},{r2(taxed[3])},0.00") in text
    assert "unregistered,29-Karnataka,60500.00,10890.00" in text


def test_returns_are_for_admins_and_change_nothing(db, admin, shop, period):
    cashier = make_user(db, "asha", "cashier")
    before = snapshot(db)
    for fn in (filing.gstr1, filing.gstr3b):
        with pytest.raises(PermissionDenied):
            fn(db, cashier, period)
    with pytest.raises(PermissionDenied):
        filing.einvoice(db, cashier, shop.invoices["b2b_inter"].number)
    filing.gstr1(db, admin, period)
    filing.gstr3b(db, admin, period)
    assert snapshot(db) == before


def test_a_composition_shop_files_no_gstr1(db, admin, shop, period):
    shop_service.update_shop(db, admin, gst_scheme="composition")
    for fn in (filing.gstr1, filing.gstr3b):
        with pytest.raises(ReturnInvalid, match="composition"):
            fn(db, admin, period)
