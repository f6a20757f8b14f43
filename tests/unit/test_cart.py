"""Cart arithmetic: worked examples checked to the paisa, and hypothesis properties."""

from decimal import Decimal as Dec

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billbook.domain.cart import (
    CartError, CartItem, Discount, PaymentInput, compute_cart, credits_earned, credits_for, parse_discount,
    settle, spread,
)
from billbook.domain.money import round_rupee

RICE = dict(sku="RICE5", name="Rice 5 kg", unit_price=Dec("350.00"), gst_rate=Dec("5"))
SOAP = dict(sku="SOAP", name="Soap", unit_price=Dec("45.00"), gst_rate=Dec("18"))


def item(base, qty, **kw):
    return CartItem(**{**base, **kw}, qty=Dec(qty))


# ---------------------------------------------------------------- worked examples (figures worked by hand)

def test_cli_md_example():
    t = compute_cart([item(RICE, "2"), item(SOAP, "1")])
    # 700 × 2.5 % = 17.50 each side; 45 × 9 % = 4.05 each side; 788.10 → 788
    assert [(ln.taxable, ln.cgst, ln.sgst, ln.total) for ln in t.lines] == [
        (Dec("700.00"), Dec("17.50"), Dec("17.50"), Dec("735.00")),
        (Dec("45.00"), Dec("4.05"), Dec("4.05"), Dec("53.10"))]
    assert (t.taxable_total, t.cgst, t.sgst, t.igst) == (Dec("745.00"), Dec("21.55"), Dec("21.55"), Dec("0"))
    assert (t.round_off, t.grand_total, t.doc_type) == (Dec("-0.10"), Dec("788.00"), "tax_invoice")


def test_inclusive_price_is_what_the_customer_pays():
    # the tax is carved out of the printed 100 (issue 17): 100 × 9 / 118 = 7.6271… → 7.63 each side,
    # taxable 100 − 15.26 = 84.74, and the line is exactly 100.00 with nothing left for round-off
    for round_off in (True, False):
        t = compute_cart([item(SOAP, "1", unit_price=Dec("100"), tax_inclusive=True)], round_off=round_off)
        line = t.lines[0]
        assert (line.taxable, line.cgst, line.sgst, line.total) == (Dec("84.74"), Dec("7.63"), Dec("7.63"),
                                                                      Dec("100.00"))
        assert (t.round_off, t.grand_total) == (Dec("0.00"), Dec("100.00"))


def test_inter_state_charges_igst():
    t = compute_cart([item(RICE, "2")], inter_state=True)
    assert (t.cgst, t.sgst, t.igst, t.grand_total) == (0, 0, Dec("35.00"), Dec("735.00"))


def test_line_percent_discount():
    # 3 × 45 = 135; 10 % = 13.50; taxable 121.50; 9 % = 10.935 → 10.94 each side; 143.38 → 143
    t = compute_cart([item(SOAP, "3", discount=Discount(Dec("10"), True))])
    line = t.lines[0]
    assert (line.gross, line.discount, line.taxable, line.cgst, line.total) == (
        Dec("135.00"), Dec("13.50"), Dec("121.50"), Dec("10.94"), Dec("143.38"))
    assert (t.round_off, t.grand_total) == (Dec("-0.38"), Dec("143.00"))


def test_bill_discount_amount_spread_with_remainder_to_largest_fraction():
    # ₹10 over 700 and 45: 9.3959… and 0.6040… → floors 9.39 + 0.60, the leftover paisa to the first (.0059 > .0040)
    t = compute_cart([item(RICE, "2"), item(SOAP, "1")], bill_discount=Discount(Dec("10")))
    assert [ln.bill_discount for ln in t.lines] == [Dec("9.40"), Dec("0.60")]
    # 690.60 × 2.5 % = 17.265 → 17.27; 44.40 × 9 % = 3.996 → 4.00
    assert [(ln.taxable, ln.cgst, ln.total) for ln in t.lines] == [
        (Dec("690.60"), Dec("17.27"), Dec("725.14")), (Dec("44.40"), Dec("4.00"), Dec("52.40"))]
    assert (t.discount_total, t.round_off, t.grand_total) == (Dec("10.00"), Dec("0.46"), Dec("778.00"))


def test_bill_discount_percent():
    # 5 % of 745 = 37.25 → 35.00 + 2.25; 665 × 2.5 % = 16.625 → 16.63; 42.75 × 9 % = 3.8475 → 3.85
    t = compute_cart([item(RICE, "2"), item(SOAP, "1")], bill_discount=Discount(Dec("5"), True))
    assert [(ln.taxable, ln.cgst, ln.total) for ln in t.lines] == [
        (Dec("665.00"), Dec("16.63"), Dec("698.26")), (Dec("42.75"), Dec("3.85"), Dec("50.45"))]
    assert (t.round_off, t.grand_total) == (Dec("0.29"), Dec("749.00"))


def test_fractional_quantity():
    # 1.5 kg × 40.99 = 61.485 → 61.49; × 2.5 % = 1.53725 → 1.54 each side; 64.57 → 65
    t = compute_cart([item(RICE, "1.5", unit_price=Dec("40.99"), unit="kg")])
    assert (t.lines[0].gross, t.cgst, t.grand_total, t.round_off) == (Dec("61.49"), Dec("1.54"), Dec("65.00"),
                                                                      Dec("0.43"))


def test_quarter_percent_rate():
    t = compute_cart([item(RICE, "1", unit_price=Dec("1000"), gst_rate=Dec("0.25"))])
    assert (t.cgst, t.sgst, t.grand_total) == (Dec("1.25"), Dec("1.25"), Dec("1003.00"))


def test_bill_of_supply_charges_no_gst():
    t = compute_cart([item(RICE, "2"), item(SOAP, "1", unit_price=Dec("118"), tax_inclusive=True)],
                     charges_gst=False)
    assert t.doc_type == "bill_of_supply" and t.tax_total == 0
    assert [ln.gst_rate for ln in t.lines] == [0, 0]
    assert (t.taxable_total, t.grand_total) == (Dec("818.00"), Dec("818.00"))


def test_round_off_switched_off_keeps_paise():
    t = compute_cart([item(RICE, "2"), item(SOAP, "1")], round_off=False)
    assert (t.round_off, t.grand_total) == (0, Dec("788.10"))


@pytest.mark.parametrize("bad", [
    dict(qty=Dec("0")), dict(qty=Dec("-1")), dict(discount=Discount(Dec("800"))),
])
def test_impossible_lines_are_refused(bad):
    with pytest.raises(CartError):
        compute_cart([CartItem(**{**RICE, "qty": Dec("2"), **bad})])


def test_bill_discount_beyond_bill_refused():
    with pytest.raises(CartError, match="more than the bill"):
        compute_cart([item(SOAP, "1")], bill_discount=Discount(Dec("46")))


def test_empty_cart_refused():
    with pytest.raises(CartError, match="empty"):
        compute_cart([])


@pytest.mark.parametrize("text,expected", [
    ("10", Discount(Dec("10.00"))), ("5%", Discount(Dec("5"), True)), (" 12.5 % ", Discount(Dec("12.5"), True)),
    ("", None), (None, None),
])
def test_parse_discount(text, expected):
    assert parse_discount(text) == expected


@pytest.mark.parametrize("text", ["-5", "101%", "abc", "5.555", "1e20", "-1%"])
def test_parse_discount_refuses_junk(text):
    with pytest.raises(CartError):
        parse_discount(text)


# ---------------------------------------------------------------- payments

def test_cash_tendered_above_gives_change():
    s = settle(Dec("788.00"), [PaymentInput("cash", Dec("800.00"))])
    assert s.payments == (PaymentInput("cash", Dec("788.00"), Dec("800.00")),) and s.change == Dec("12.00")


def test_split_payment_with_rest():
    s = settle(Dec("788.00"), [PaymentInput("credits", Dec("50")), PaymentInput("upi", None, reference="UTR1")])
    assert [p.amount for p in s.payments] == [Dec("50"), Dec("738.00")]
    assert (s.money_paid, s.credits_amount, s.paid_total, s.due) == (Dec("738.00"), Dec("50"), Dec("788.00"), 0)


def test_account_is_due_not_paid():
    s = settle(Dec("500"), [PaymentInput("cash", Dec("200")), PaymentInput("account", Dec("300"))])
    assert (s.paid_total, s.due, s.money_paid) == (Dec("200"), Dec("300"), Dec("200"))


@pytest.mark.parametrize("pays", [
    [PaymentInput("cash", Dec("700"))],                                  # short
    [PaymentInput("upi", Dec("800"))],                                   # over, not cash
    [PaymentInput("cheque", Dec("788"))],                                # unknown mode
    [PaymentInput("cash", Dec("-788"))],
    [PaymentInput("cash", None), PaymentInput("upi", None)],             # two "rest"
    [PaymentInput("cash", Dec("10")), PaymentInput("cash", Dec("778"))],  # cash twice
    [PaymentInput("upi", Dec("788"), tendered=Dec("800"))],              # change only from cash
    [],
])
def test_payments_that_do_not_add_up_are_refused(pays):
    with pytest.raises(CartError):
        settle(Dec("788.00"), pays)


def test_loyalty_arithmetic():
    assert credits_earned(Dec("788.00"), Dec("100")) == Dec("7")
    assert credits_earned(Dec("788.00"), Dec("0")) == 0
    assert credits_for(Dec("10"), Dec("0.5")) == Dec("20")
    assert credits_for(Dec("10"), Dec("3")) == Dec("3.34")   # rounded up: never pay less than owed
    with pytest.raises(CartError):
        credits_for(Dec("10"), Dec("0"))


# ---------------------------------------------------------------- properties

money = st.decimals(min_value=Dec("0.00"), max_value=Dec("20000.00"), places=2)
qtys = st.one_of(st.integers(1, 50).map(Dec), st.decimals(min_value=Dec("0.001"), max_value=Dec("100"), places=3))
rates = st.sampled_from([Dec(r) for r in ("0", "0.25", "3", "5", "12", "18", "28")])


@st.composite
def cart_items(draw):
    price, qty = draw(money), draw(qtys)
    gross = (price * qty).quantize(Dec("0.01"))
    disc = draw(st.one_of(
        st.none(),
        st.decimals(min_value=Dec("0"), max_value=Dec("100"), places=2).map(lambda v: Discount(v, True)),
        st.decimals(min_value=Dec("0"), max_value=gross, places=2).map(Discount),
    ))
    return CartItem(sku="X", name="x", unit_price=price, gst_rate=draw(rates), qty=qty,
                    tax_inclusive=draw(st.booleans()), discount=disc)


@st.composite
def carts(draw):
    items = draw(st.lists(cart_items(), min_size=1, max_size=8))
    after = sum(((i.unit_price * i.qty).quantize(Dec("0.01")) - (i.discount.amount_of(
        (i.unit_price * i.qty).quantize(Dec("0.01"))) if i.discount else 0) for i in items), Dec(0))
    bill = draw(st.one_of(
        st.none(),
        st.decimals(min_value=Dec("0"), max_value=Dec("100"), places=2).map(lambda v: Discount(v, True)),
        st.decimals(min_value=Dec("0"), max_value=max(after, Dec(0)), places=2).map(Discount),
    ))
    return dict(items=items, bill_discount=bill, inter_state=draw(st.booleans()),
                charges_gst=draw(st.booleans()), round_off=draw(st.booleans()))


@settings(max_examples=300, deadline=None)
@given(carts())
def test_cart_invariants(cart):
    t = compute_cart(**cart)
    lines = t.lines
    total = lambda attr: sum((getattr(ln, attr) for ln in lines), Dec(0))  # noqa: E731
    # totals are the sum of the lines
    assert (t.gross_total, t.taxable_total, t.cgst, t.sgst, t.igst) == (
        total("gross"), total("taxable"), total("cgst"), total("sgst"), total("igst"))
    assert t.discount_total == total("line_discount") + total("bill_discount")
    # taxable + tax + round-off = grand total
    assert t.taxable_total + t.cgst + t.sgst + t.igst + t.round_off == t.grand_total
    # CGST equals SGST, per line; IGST only inter-state; no GST on a bill of supply
    for ln in lines:
        assert ln.cgst == ln.sgst
        assert (ln.igst == 0) if not cart["inter_state"] else (ln.cgst == 0)
        assert ln.tax == 0 or cart["charges_gst"]
        # discounts never make a line negative
        assert ln.taxable >= 0 and ln.total >= 0 and ln.discount <= ln.gross and ln.payable >= 0
        assert ln.total == ln.taxable + ln.tax
    # the whole bill discount is given, no more, no less
    if cart["bill_discount"]:
        after = total("gross") - total("line_discount")
        assert total("bill_discount") == cart["bill_discount"].amount_of(after)
    # what the customer owes: inclusive lines their discounted price, exclusive lines price + tax
    owed = sum(((ln.gross - ln.discount) if ln.tax_inclusive else ln.total for ln in lines), Dec(0))
    assert t.grand_total == (round_rupee(owed) if cart["round_off"] else owed)
    assert abs(t.round_off) <= Dec("0.50") + Dec("0.02") * len(lines)
    for v in (t.grand_total, t.round_off, t.cgst, t.taxable_total):
        assert v == v.quantize(Dec("0.01"))


@settings(max_examples=200, deadline=None)
@given(st.lists(money, min_size=1, max_size=10), st.data())
def test_spread_shares_add_up_and_stay_within_weights(weights, data):
    whole = sum(weights, Dec(0))
    total = data.draw(st.decimals(min_value=Dec("0"), max_value=whole, places=2))
    shares = spread(total, weights)
    assert sum(shares, Dec(0)) == total
    assert all(Dec(0) <= s <= w for s, w in zip(shares, weights))
    assert spread(total, weights) == shares


@settings(max_examples=200, deadline=None)
@given(money.filter(lambda v: v > 0), st.lists(st.sampled_from(["upi", "card", "credits", "account"]), max_size=3),
       st.decimals(min_value=Dec("0"), max_value=Dec("2000"), places=2))
def test_settled_payments_always_sum_to_the_bill(grand, others, extra_cash):
    n = len(others) + 1
    part = (grand / n).quantize(Dec("0.01"))
    pays = [PaymentInput(m, part) for m in others if part > 0]
    pays.append(PaymentInput("cash", None, tendered=grand + extra_cash))
    s = settle(grand, pays)
    assert sum((p.amount for p in s.payments), Dec(0)) == grand
    assert s.paid_total + s.due == grand
    cash = next((p for p in s.payments if p.mode == "cash"), None)
    if cash is None:    # the other payments covered the bill exactly
        assert s.change == 0 and sum((p.amount for p in pays if p.amount), Dec(0)) == grand
    else:
        assert cash.tendered == grand + extra_cash and s.change == cash.tendered - cash.amount >= 0
