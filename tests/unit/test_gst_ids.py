import pytest

from billbook.domain.gst import gstin_check_char, gstin_problem
from billbook.domain.validation import normalise_phone


@pytest.mark.parametrize("gstin", ["27AAPFU0939F1ZV", "29AAGCB7383J1Z4"])
def test_real_gstins_pass(gstin):
    assert gstin_problem(gstin) is None


def test_wrong_check_character_is_caught():
    good = "27AAPFU0939F1ZV"
    for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if ch != good[-1]:
            assert gstin_problem(good[:-1] + ch) is not None
    assert gstin_check_char(good[:14]) == "V"


@pytest.mark.parametrize("bad", ["", "27AAPFU0939F1Z", "99AAPFU0939F1ZV", "27aapfu0939f1zv", "' OR 1=1 --"])
def test_malformed_gstin(bad):
    assert gstin_problem(bad) is not None


@pytest.mark.parametrize("raw, phone", [("9876543210", "9876543210"), ("+91 98765 43210", "9876543210"),
                                        ("919876543210", "9876543210"), ("09876543210", "9876543210"),
                                        ("98765-43210", "9876543210")])
def test_phone_normalised(raw, phone):
    assert normalise_phone(raw) == phone


@pytest.mark.parametrize("bad", ["12345", "5876543210", "98765432101", "abcdefghij", "", "+1 9876543210"])
def test_bad_phone(bad):
    assert normalise_phone(bad) is None
