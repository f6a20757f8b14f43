"""GST rules of issue 17 (domain only): tax-inclusive lines, GSTIN/UIN formats with their check
character, HSN/SAC shape, 3-decimal unit prices.

Worked examples from outside the project:

- GSTINs/UINs: the sample registrations india-compliance lists per GST category in
  ``india_compliance/gst_india/utils/gstin_info.py`` (resilient-tech/india-compliance, "SAMPLE
  DATA for GST_CATEGORIES"), and the formats in ``india_compliance/gst_india/constants/__init__.py``
  (taken there from developer.gst.gov.in); GSTIN 27AAPFU0939F1ZV is python-stdnum's
  (``stdnum/in_/gstin.py``) doctest example.
- Tax-inclusive arithmetic: the issue's own cases (₹40 at 28 %, 3 × ₹90), with the formula of
  the issue and CLI.md, figures worked by hand in the comments.
"""

from decimal import Decimal as Dec

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billbook.domain.cart import CartItem, Discount, compute_cart, inclusive_tax
from billbook.domain.gst import (
    GstinKind, gstin_check_char, gstin_kind, gstin_problem, gstin_state, hsn_problem, is_service, uqc_for,
)
from billbook.domain.money import MoneyError, parse_price, price_str


def line(price, qty="1", rate="28", *, inter_state=False, discount=None, inclusive=True):
    item = CartItem(sku="X", name="x", unit_price=Dec(price), gst_rate=Dec(rate), qty=Dec(qty),
                    tax_inclusive=inclusive, discount=discount)
    return compute_cart([item], inter_state=inter_state, round_off=False)


# ---------------------------------------------------------------- tax-inclusive lines

def test_forty_rupee_item_at_28_percent_totals_forty():
    # 40 × 14 / 128 = 4.375 → 4.38 each side; taxable 40 − 8.76 = 31.24; never 40.01
    t = line("40")
    ln = t.lines[0]
    assert (ln.taxable, ln.cgst, ln.sgst, ln.igst, ln.total) == (
        Dec("31.24"), Dec("4.38"), Dec("4.38"), Dec("0"), Dec("40.00"))
    assert t.grand_total == Dec("40.00")
    # inter-state: 40 × 28 / 128 = 8.75 exactly; taxable 31.25
    ln = line("40", inter_state=True).lines[0]
    assert (ln.taxable, ln.igst, ln.total) == (Dec("31.25"), Dec("8.75"), Dec("40.00"))


def test_three_at_ninety_totals_two_hundred_seventy():
    # 270 × 9 / 118 = 20.5932… → 20.59 each side; taxable 270 − 41.18 = 228.82; never 269.99
    t = line("90", qty="3", rate="18")
    ln = t.lines[0]
    assert (ln.taxable, ln.cgst, ln.sgst, ln.total) == (Dec("228.82"), Dec("20.59"), Dec("20.59"), Dec("270.00"))
    t = compute_cart([CartItem(sku="X", name="x", unit_price=Dec("90"), gst_rate=Dec("18"), qty=Dec("3"),
                               tax_inclusive=True)], round_off=True)
    assert (t.round_off, t.grand_total) == (Dec("0.00"), Dec("270.00"))


def test_inclusive_line_with_discount_is_the_discounted_price():
    # 2 × 55 = 110, less ₹10 = 100 at 5 %: 100 × 2.5 / 105 = 2.3809… → 2.38 each; taxable 95.24
    ln = line("55", qty="2", rate="5", discount=Discount(Dec("10"))).lines[0]
    assert (ln.taxable, ln.cgst, ln.total) == (Dec("95.24"), Dec("2.38"), Dec("100.00"))


prices = st.decimals(min_value=Dec("0"), max_value=Dec("99999"), places=3)
qtys = st.decimals(min_value=Dec("0.001"), max_value=Dec("500"), places=3)
rates = st.sampled_from([Dec(r) for r in ("0.25", "3", "5", "12", "18", "28", "40")])


@settings(max_examples=400, deadline=None)
@given(prices, qtys, rates, st.booleans(), st.data())
def test_any_inclusive_line_is_exactly_qty_times_price_less_discount(price, qty, rate, inter_state, data):
    gross = (qty * price).quantize(Dec("0.01"))          # every amount to the paisa
    disc = data.draw(st.decimals(min_value=Dec("0"), max_value=gross, places=2))
    t = line(price, qty, rate, inter_state=inter_state, discount=Discount(disc))
    ln = t.lines[0]
    amount = gross - disc
    assert ln.total == amount == t.grand_total            # the printed price, never a paisa more
    assert ln.cgst == ln.sgst
    assert ln.taxable == amount - ln.cgst - ln.sgst - ln.igst and ln.taxable >= 0
    if inter_state:
        assert ln.cgst == 0 and ln.igst == (amount * rate / (100 + rate)).quantize(Dec("0.01"), "ROUND_HALF_UP")
    else:
        assert ln.igst == 0 and ln.cgst == (amount * rate / 2 / (100 + rate)).quantize(Dec("0.01"), "ROUND_HALF_UP")
    assert (ln.cgst, ln.sgst, ln.igst) == inclusive_tax(amount, rate, inter_state)


# ---------------------------------------------------------------- GSTIN / UIN formats

# india-compliance, gst_india/utils/gstin_info.py: sample registrations per GST category
PUBLIC_SAMPLES = [
    ("36AASFP8573D2ZN", GstinKind.REGULAR, "36"),         # composition
    ("29AABCF8078M2ZW", GstinKind.REGULAR, "29"),         # input service distributor (Flipkart)
    ("27AAJCS5738D1Z6", GstinKind.REGULAR, "27"),         # SEZ developer
    ("06DELI09652G1DA", GstinKind.TDS, "06"),             # tax deductor
    ("09ALDN00287A1DD", GstinKind.TDS, "09"),
    ("27AAFT56212B1DO", GstinKind.TDS, "27"),
    ("19AAACI1681G1DV", GstinKind.TDS, "19"),
    ("0717UNO00157UNO", GstinKind.UIN, "07"),             # United Nations body
    ("0717UNO00211UN2", GstinKind.UIN, "07"),
    ("2117UNO00002UNF", GstinKind.UIN, "21"),
    ("0717UNO00154UNU", GstinKind.UIN, "07"),             # consulate or embassy
    ("29AABCF8078M1C8", GstinKind.TCS, "29"),             # e-commerce operator
    ("27AAECG3736E1C2", GstinKind.TCS, "27"),
    ("29AAFCB7707D1C1", GstinKind.TCS, "29"),
    ("9917SGP29001OST", GstinKind.OIDAR, ""),             # online services from abroad (Google)
    ("27AAPFU0939F1ZV", GstinKind.REGULAR, "27"),         # python-stdnum's example
]


@pytest.mark.parametrize("gstin, kind, state", PUBLIC_SAMPLES)
def test_public_registrations_of_every_kind_are_accepted(gstin, kind, state):
    assert gstin_problem(gstin) is None
    assert gstin_kind(gstin) is kind
    assert gstin_state(gstin) == state


@pytest.mark.parametrize("gstin", [g for g, _, _ in PUBLIC_SAMPLES])
def test_every_other_check_character_is_refused(gstin):
    for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if ch != gstin[-1]:
            assert gstin_problem(gstin[:-1] + ch) == "GSTIN check character does not match (typo?)"


def test_non_resident_and_government_shapes():
    # no public sample at hand: the shape from GSTN's formats, the check character computed
    nri = "2717USA00001NR" + gstin_check_char("2717USA00001NR")
    govt = "07DELH12345G9Z9"                   # its format ends in a digit: one whose check is one
    assert gstin_check_char(govt[:14]) == govt[14]
    assert gstin_kind(nri) is GstinKind.NON_RESIDENT and gstin_problem(nri) is None
    assert gstin_kind(govt) is GstinKind.GOVT_DEPARTMENT and gstin_problem(govt) is None


@pytest.mark.parametrize("bad", [
    "",                                                    # nothing
    "27AAPFU0939F1Z",                                      # 14 characters
    "99AAPFU0939F1ZV",                                     # regular shape, no such state
    "0017UNO00157UNO",                                     # UIN with no such state
    "27AAPFU0939F0ZV",                                     # 13th character 0
    "27AAPFU0939F1CZ" + "X",                               # 16 characters
    "9917SGP29001NRX",                                     # NR shape under the Centre's 99
    "27aapfu0939f1zv",                                     # lower case (normalised before the check)
])
def test_malformed_registrations_are_refused(bad):
    assert gstin_problem(bad) is not None


# ---------------------------------------------------------------- HSN / SAC

@pytest.mark.parametrize("code", ["", "1006", "100630", "10063010", "9954", "998314"])
def test_hsn_of_4_6_or_8_digits(code):
    assert hsn_problem(code) is None


@pytest.mark.parametrize("code, why", [("10063", "4, 6 or 8"), ("1006301", "4, 6 or 8"), ("123", "4, 6 or 8"),
                                       ("100630101", "4, 6 or 8"), ("0000", "all zeros"),
                                       ("00000000", "all zeros"), ("10a6", "4, 6 or 8")])
def test_bad_hsn_is_refused(code, why):
    assert why in hsn_problem(code)


def test_services_are_sac_99_and_carry_uqc_na():
    assert is_service("998314") and is_service("9954") and not is_service("1006") and not is_service("")
    assert uqc_for("pcs", "998314") == "NA"
    assert (uqc_for("kg", "1006"), uqc_for("pcs", ""), uqc_for("furlong", "1006")) == ("KGS", "NOS", "OTH")


# ---------------------------------------------------------------- unit prices to 3 decimals

def test_unit_prices_take_three_decimals_and_amounts_stay_to_the_paisa():
    assert parse_price("12.345") == Dec("12.345") and price_str(Dec("12.345")) == "12.345"
    assert price_str(parse_price("350")) == "350.00" and price_str(Dec("12.340")) == "12.34"
    with pytest.raises(MoneyError, match="3 decimal"):
        parse_price("1.2345")
    with pytest.raises(MoneyError, match="negative"):
        parse_price("-1")
    # 2.5 kg × 41.255 = 103.1375 → 103.14; 5 % on top: 2.5785 → 2.58 each side
    t = compute_cart([CartItem(sku="DAL", name="Dal", unit_price=Dec("41.255"), gst_rate=Dec("5"), qty=Dec("2.5"),
                               unit="kg")], round_off=False)
    assert (t.lines[0].gross, t.cgst, t.grand_total) == (Dec("103.14"), Dec("2.58"), Dec("108.30"))
