from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from billbook.domain.money import (
    D, MoneyError, amount_in_words, format_money, money_str, parse_amount, parse_qty, qty_str, round_money,
    round_rupee,
)

amounts = st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=4,
                      allow_nan=False, allow_infinity=False)
paise = st.integers(min_value=0, max_value=999_999_999_99).map(lambda p: Decimal(p) / 100)


def test_float_is_refused():
    with pytest.raises(TypeError):
        D(0.1)


@pytest.mark.parametrize("raw, expected", [("2.345", "2.35"), ("2.344", "2.34"), ("-2.345", "-2.35"),
                                            ("0.005", "0.01"), ("0.004", "0.00"), ("10", "10.00")])
def test_rounds_half_up_to_the_paisa(raw, expected):
    assert money_str(D(raw)) == expected


@given(amounts)
def test_rounding_is_idempotent_and_within_half_a_paisa(x):
    r = round_money(x)
    assert round_money(r) == r
    assert abs(r - x) <= Decimal("0.005")
    assert r.as_tuple().exponent == -2


@given(amounts)
def test_rupee_rounding_within_half_a_rupee(x):
    r = round_rupee(x)
    assert r == r.to_integral()
    assert abs(r - x) <= Decimal("0.5")


@given(paise)
def test_indian_format_round_trips(x):
    text = format_money(x)
    assert text.startswith("₹")
    assert D(text) == x
    whole = text[1:].split(".")[0]
    groups = whole.split(",")
    # Indian grouping: last group of 3, the others of 2
    assert len(groups[-1]) <= 3
    assert all(len(g) == 2 for g in groups[1:-1])
    if len(groups) > 1:
        assert len(groups[-1]) == 3 and 1 <= len(groups[0]) <= 2


def test_lakh_formatting_and_other_locales():
    assert format_money(D("123456.5")) == "₹1,23,456.50"
    assert format_money(D("123456.5"), "USD", "en_US") == "$123,456.50"


def test_amount_in_words_indian_style():
    assert amount_in_words(D("123456.50")) == (
        "Rupees One Lakh Twenty-Three Thousand Four Hundred and Fifty-Six and Fifty Paise Only")
    assert amount_in_words(D("1.01")) == "Rupee One and One Paisa Only"
    assert amount_in_words(D("10000000")) == "Rupees One Crore Only"


@given(st.integers(min_value=0, max_value=99_999_999))
def test_amount_in_words_always_ends_only(n):
    words = amount_in_words(Decimal(n))
    assert words.startswith("Rupee") and words.endswith(" Only")


@pytest.mark.parametrize("bad", ["abc", "", "1e400", "NaN", "inf", "10.005", "-5", "99999999999"])
def test_parse_amount_refuses_junk(bad):
    with pytest.raises(MoneyError):
        parse_amount(bad)


def test_parse_qty_allows_three_decimals_only():
    assert parse_qty("2.5") == Decimal("2.500")
    assert qty_str(parse_qty("2.500")) == "2.5"
    with pytest.raises(MoneyError):
        parse_qty("0")
    with pytest.raises(MoneyError):
        parse_qty("1.0001")


@pytest.mark.parametrize("text, expected", [("3", Decimal("3.000")), ("007", Decimal("7.000")),
                                            (" 3 ", Decimal("3.000")), ("1,000", Decimal("1000.000"))])
def test_plain_and_decorated_whole_quantities_parse_alike(text, expected):
    assert parse_qty(text) == expected and str(parse_qty(text)) == str(expected)


@pytest.mark.parametrize("text", ["²", "3²", "", "0"])
def test_digit_like_or_empty_quantities_are_clear_errors(text):
    with pytest.raises(MoneyError):
        parse_qty(text)
