"""Weighing-scale barcodes: encode → scan → the sale line has the right product and quantity;
a wrong check digit is refused. Property tests over PLUs, weights, prices and layouts."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from billbook.domain.barcode import ScaleCodeError, ScaleLayout, gtin_check_digit, in_store_ean13, is_ean13
from billbook.errors import NotFound, ValidationError
from billbook.services.goods import catalog
from billbook.services.selling import checkout as sales
from billbook.services.selling import scanning
from billbook.services.selling.checkout import PaymentRequest, SaleRequest
from tests.builders import run_cli

layouts = st.builds(ScaleLayout, st.lists(st.sampled_from([str(p) for p in range(20, 30)]), min_size=1, max_size=3,
                                          unique=True), st.sampled_from([4, 5, 6]), st.sampled_from(["weight", "price"]))


@given(layouts, st.data())
def test_encode_then_decode_gives_back_plu_and_value(layout, data):
    plu = data.draw(st.integers(0, 10**layout.plu_digits - 1))
    value = data.draw(st.integers(0, 10**layout.value_digits - 1))
    prefix = data.draw(st.sampled_from(layout.prefixes))
    code = layout.encode(plu, value, prefix)
    assert len(code) == 13 and code.startswith(prefix) and is_ean13(code)
    assert layout.matches(code)
    assert layout.decode(code) == (plu, value)


@given(layouts, st.data())
def test_every_wrong_check_digit_is_refused(layout, data):
    code = layout.encode(data.draw(st.integers(0, 10**layout.plu_digits - 1)),
                         data.draw(st.integers(0, 10**layout.value_digits - 1)))
    wrong = data.draw(st.integers(0, 9).filter(lambda d: d != int(code[-1])))
    with pytest.raises(ScaleCodeError, match="check digit"):
        layout.decode(code[:12] + str(wrong))


def test_layouts_refuse_what_no_scale_prints():
    for bad in (dict(prefixes=["19"]), dict(prefixes=["30"]), dict(prefixes=[]), dict(plu_digits=3),
                dict(kind="volume")):
        with pytest.raises(ValueError):
            ScaleLayout(**{"prefixes": ["21"], **bad})
    assert not ScaleLayout(["21"]).matches("2012345678901")
    assert in_store_ean13("20", 42) == "200000000042" + str(gtin_check_digit("200000000042"))


# ---------------------------------------------------------------- through the services

PRODUCTS = [("00101", "Tomato", "40", "kg", False, "0"), ("102", "Cashew", "900", "kg", True, "5"),
            ("2345", "Paneer", "420", "kg", False, "5"), ("55", "Saffron", "3", "g", True, "5")]


@pytest.fixture
def scale_shop(db, admin):
    for sku, name, price, unit, incl, rate in PRODUCTS:
        catalog.add_product(db, admin, sku=sku, name=name, price=price, gst_rate=rate, unit=unit, stock="100000",
                            tax_inclusive=incl)
    catalog.add_product(db, admin, sku="SOAP", name="Soap", price="45", gst_rate="18", stock="50",
                        barcode="8901234567891" if is_ean13("8901234567891") else in_store_ean13("20", 7))
    return db


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_weight_codes_scan_to_the_right_product_and_weight(scale_shop, admin, cashier, data):
    plu_digits = data.draw(st.sampled_from([4, 5, 6]))
    prefix = data.draw(st.sampled_from(["21", "23", "28"]))
    scanning.set_scale_layout(scale_shop, admin, prefix, plu_digits, "weight")
    layout = ScaleLayout([prefix], plu_digits, "weight")
    sku, name, price, unit, incl, rate = data.draw(st.sampled_from(PRODUCTS))
    grams = data.draw(st.integers(1, 10**layout.value_digits - 1))
    code = layout.encode(int(sku), grams)
    hit = scanning.resolve_scan(scale_shop, cashier, code)
    expected = Decimal(grams) if unit == "g" else Decimal(grams) / 1000
    assert (hit.sku, hit.qty, hit.scale, hit.plu, hit.weight_grams) == (sku, expected, True, int(sku), grams)
    # a wrong check digit is refused, never read as some other weight
    wrong = code[:12] + str((int(code[12]) + data.draw(st.integers(1, 9))) % 10)
    with pytest.raises(ValidationError, match="check digit"):
        scanning.resolve_scan(scale_shop, cashier, wrong)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_price_codes_scan_to_the_quantity_the_price_buys(scale_shop, admin, cashier, data):
    scanning.set_scale_layout(scale_shop, admin, "22", 5, "price")
    layout = ScaleLayout(["22"], 5, "price")
    sku, name, price, unit, incl, rate = data.draw(st.sampled_from(PRODUCTS[:3]))
    paise = data.draw(st.integers(1000, 99999))
    hit = scanning.resolve_scan(scale_shop, cashier, layout.encode(int(sku), paise))
    gross = Decimal(price) if incl else Decimal(price) * (1 + Decimal(rate) / 100)
    assert hit.sku == sku and hit.price == Decimal(paise) / 100
    assert hit.qty == (Decimal(paise) / 100 / gross).quantize(Decimal("0.001"), ROUND_HALF_UP)
    # what the customer pays for that quantity is the printed price, to within half a gram's worth
    assert abs(hit.qty * gross - hit.price) <= gross * Decimal("0.0005") + Decimal("0.005")


def test_a_scanned_sale_has_the_scale_weight_on_its_line(scale_shop, admin, cashier):
    scanning.set_scale_layout(scale_shop, admin, "21,22", 5, "weight")
    code = ScaleLayout(["21"], 5, "weight").encode(2345, 1250)
    items = scanning.scan_items(scale_shop, cashier, [code, "SOAP", "SOAP"])
    inv = sales.checkout(scale_shop, cashier, SaleRequest("scan-1", items, [PaymentRequest("cash")]))
    by_sku = {ln.sku: ln for ln in inv.lines}
    assert by_sku["2345"].qty == Decimal("1.250") and by_sku["SOAP"].qty == 2
    with pytest.raises(NotFound):
        scanning.resolve_scan(scale_shop, cashier, ScaleLayout(["21"], 5, "weight").encode(99999, 100))
    with pytest.raises(NotFound):
        scanning.resolve_scan(scale_shop, cashier, "4006381333931")


def test_without_a_scale_layout_codes_are_plain_barcodes(scale_shop, cashier):
    code = ScaleLayout(["21"], 5, "weight").encode(101, 500)
    with pytest.raises(NotFound):
        scanning.resolve_scan(scale_shop, cashier, code)
    assert scanning.resolve_scan(scale_shop, cashier, "SOAP").qty == 1


def test_cli_sale_scan(scale_shop, admin, cashier, capsys, monkeypatch, db_url):
    import json
    scanning.set_scale_layout(scale_shop, admin, "21", 5, "weight")
    monkeypatch.setenv("BILLBOOK_PASSWORD", "correct horse 42")
    code = ScaleLayout(["21"], 5, "weight").encode(101, 750)
    status, out, err = run_cli(capsys, "--db", db_url, "--json", "--user", "asha", "sale", "--scan", code,
                               "--item", "SOAP=1")
    assert status == 0, err
    lines = {ln["sku"]: ln for ln in json.loads(out)["lines"]}
    assert Decimal(lines["00101"]["qty"]) == Decimal("0.750") and Decimal(lines["SOAP"]["qty"]) == 1
    bad = code[:12] + str((int(code[12]) + 1) % 10)
    status, out, err = run_cli(capsys, "--db", db_url, "--user", "asha", "sale", "--scan", bad)
    assert status == 1 and "check digit" in err
