"""e-invoice JSON (INV-01, schema version 1.1) for one B2B tax invoice, as NIC's Invoice
Registration Portal takes it, and the arithmetic checks the IRP applies to it.

Field names and rules from NIC's published e-invoice schema v1.1 and its sample
(einv-apisandbox.nic.in): dates dd/mm/yyyy, state codes as text, pincodes as numbers,
amounts to 2 decimals, quantity and unit price to 3.

Per item: ``TotAmt = Qty × UnitPrice``, ``AssAmt = TotAmt − Discount``,
``TotItemVal = AssAmt + GST + cess + other charges``. billbook stores a tax-inclusive
(MRP) line as the amount paid with the tax carved out, so such a line is given with the
pre-tax unit price (taxable ÷ quantity, to 3 decimals), no discount, and ``AssAmt`` equal to
its stored taxable value.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from billbook.domain.money import ZERO
from billbook.errors import ReturnInvalid
from billbook.gst.common import money, portal
from billbook.gst.model import Invoice, Party

VERSION = "1.1"
THREE = Decimal("0.001")
#: the IRP accepts ±1 rupee between TotAmt and Qty × UnitPrice (unit price has 3 decimals)
TOLERANCE = Decimal("1.00")


def _date(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _party(party: Party, who: str, *, pos: str | None = None) -> dict:
    missing = [name for name, value in (("name", party.name), ("address", party.address),
                                        ("locality (town)", party.locality)) if not (value or "").strip()]
    pin = (party.pincode or "").strip()
    if not (len(pin) == 6 and pin.isdigit() and pin[0] != "0"):
        missing.append(f"pincode (6 digits, not {pin})" if pin else "pincode")
    if missing:
        where = "shop set" if who == "shop" else "customer update"
        names = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
        raise ReturnInvalid(f"An e-invoice needs the {who}'s {names} ({where} --address/--locality/--pincode).")
    out = {"Gstin": party.gstin, "LglNm": party.name.strip()[:100]}
    if pos is not None:
        out["Pos"] = pos
    lines = [ln.strip() for ln in party.address.replace("\r", "").split("\n") if ln.strip()]
    addr = ", ".join(lines)
    out["Addr1"] = addr[:100]
    if len(addr) > 100:
        out["Addr2"] = addr[100:200]
    out["Loc"] = party.locality.strip()[:50]
    out["Pin"] = int(pin)
    out["Stcd"] = party.state_code or party.gstin[:2]
    phone = "".join(ch for ch in party.phone if ch.isdigit())
    if 6 <= len(phone) <= 12:
        out["Ph"] = phone
    if party.email and 6 <= len(party.email) <= 100:
        out["Em"] = party.email
    return out


def build(invoice: Invoice, seller: Party, buyer: Party, *, round_off: Decimal = ZERO) -> dict:
    """The INV-01 document (Decimals; :func:`billbook.gst.common.portal` for plain numbers).

    Refused (ReturnInvalid) for a bill of supply or an invoice without a buyer's GSTIN."""
    if invoice.doc_type != "tax_invoice":
        raise ReturnInvalid(f"{invoice.number} is a bill of supply: only tax invoices get an e-invoice.")
    if not invoice.buyer_gstin:
        raise ReturnInvalid(f"{invoice.number} has no buyer GSTIN: e-invoices are for B2B invoices.")
    items = []
    ass = cgst = sgst = igst = ZERO
    for i, ln in enumerate(invoice.lines, start=1):
        if ln.tax_inclusive or ln.qty == 0:
            price = (ln.taxable / ln.qty).quantize(THREE, ROUND_HALF_UP) if ln.qty else ln.taxable
            tot, disc = ln.taxable, ZERO
        else:
            price, tot, disc = ln.unit_price, ln.gross, ln.discount
        item = {"SlNo": str(i), "PrdDesc": (ln.description or ln.hsn)[:300], "IsServc": "Y" if ln.service else "N",
                "HsnCd": ln.hsn, "Qty": ln.qty.quantize(THREE), "UnitPrice": price.quantize(THREE),
                "TotAmt": money(tot), "Discount": money(disc), "AssAmt": money(ln.taxable),
                "GstRt": ln.rate.normalize(), "IgstAmt": money(ln.igst), "CgstAmt": money(ln.cgst),
                "SgstAmt": money(ln.sgst), "TotItemVal": money(ln.total)}
        if not ln.service:
            item["Unit"] = ln.uqc or "OTH"
        items.append(item)
        ass += ln.taxable
        cgst += ln.cgst
        sgst += ln.sgst
        igst += ln.igst
    return {
        "Version": VERSION,
        "TranDtls": {"TaxSch": "GST", "SupTyp": "B2B", "RegRev": "N", "IgstOnIntra": "N"},
        "DocDtls": {"Typ": "INV", "No": invoice.number, "Dt": _date(invoice.date)},
        "SellerDtls": _party(seller, "shop"),
        "BuyerDtls": _party(buyer, "buyer", pos=invoice.place_of_supply),
        "ItemList": items,
        "ValDtls": {"AssVal": money(ass), "CgstVal": money(cgst), "SgstVal": money(sgst), "IgstVal": money(igst),
                    "Discount": ZERO, "OthChrg": ZERO, "RndOffAmt": money(round_off),
                    "TotInvVal": money(invoice.value)},
    }


def arithmetic_problems(doc: dict) -> list[str]:
    """The IRP's arithmetic checks on an INV-01 document (plain numbers or Decimals).

    Per item as in the module docstring; for the invoice: each of AssVal, IgstVal, CgstVal,
    SgstVal, CesVal (cess + non-ad-valorem cess) and StCesVal is the sum over the items, and
    ``TotInvVal = Σ TotItemVal + OthChrg − Discount + RndOffAmt`` (NIC's sample: 12897.70 + 20
    − 10 + 0.30 = 12908)."""
    d = lambda v: Decimal(str(v)) if v is not None else ZERO  # noqa: E731
    out = []
    for item in doc.get("ItemList", ()):
        n = item.get("SlNo")
        qty, price, tot = d(item.get("Qty")), d(item.get("UnitPrice")), d(item.get("TotAmt"))
        if abs(qty * price - tot) > TOLERANCE:
            out.append(f"item {n}: TotAmt {tot} is not Qty × UnitPrice ({qty} × {price})")
        if d(item.get("AssAmt")) != tot - d(item.get("Discount")):
            out.append(f"item {n}: AssAmt is not TotAmt − Discount")
        taxes = sum((d(item.get(k)) for k in ("IgstAmt", "CgstAmt", "SgstAmt", "CesAmt", "CesNonAdvlAmt",
                                              "StateCesAmt", "StateCesNonAdvlAmt", "OthChrg")), ZERO)
        if d(item.get("TotItemVal")) != d(item.get("AssAmt")) + taxes:
            out.append(f"item {n}: TotItemVal is not AssAmt plus taxes and charges")
    items = doc.get("ItemList", ())
    total = lambda *keys: sum((d(i.get(k)) for i in items for k in keys), ZERO)  # noqa: E731
    val = doc.get("ValDtls", {})
    for key, parts in (("AssVal", ("AssAmt",)), ("IgstVal", ("IgstAmt",)), ("CgstVal", ("CgstAmt",)),
                       ("SgstVal", ("SgstAmt",)), ("CesVal", ("CesAmt", "CesNonAdvlAmt")),
                       ("StCesVal", ("StateCesAmt", "StateCesNonAdvlAmt"))):
        if d(val.get(key)) != total(*parts):
            out.append(f"ValDtls.{key} is not the sum of the items' {' + '.join(parts)}")
    expected = total("TotItemVal") + d(val.get("OthChrg")) - d(val.get("Discount")) + d(val.get("RndOffAmt"))
    if d(val.get("TotInvVal")) != expected:
        out.append(f"ValDtls.TotInvVal {d(val.get('TotInvVal'))} is not the items' TotItemVal + OthChrg − Discount "
                   f"+ RndOffAmt ({expected})")
    return out


def validated(doc: dict) -> dict:
    """Plain JSON for ``doc`` after its schema and arithmetic checks (ReturnInvalid otherwise)."""
    from billbook.gst import schema
    plain = portal(doc)
    schema.validate("einvoice", plain)
    if found := arithmetic_problems(doc):
        raise ReturnInvalid("The e-invoice's figures do not add up: " + "; ".join(found[:3]))
    return plain
