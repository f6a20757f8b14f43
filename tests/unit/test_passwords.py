"""The unknown-user dummy hash costs what a real password check costs."""

from __future__ import annotations

from billbook.services.people import passwords


def test_the_dummy_hash_has_the_hashers_current_parameters():
    assert passwords.DUMMY_HASH.startswith("$argon2id$")
    assert not passwords.needs_rehash(passwords.DUMMY_HASH)
    real = passwords.hash_password("a real password 1")
    assert real.split("$")[:4] == passwords.DUMMY_HASH.split("$")[:4]   # variant, version, m/t/p


def test_the_dummy_hash_is_a_valid_hash_that_matches_no_guess():
    for guess in ("", "billbook-no-such-user-\u2603", "password", "admin"):
        assert passwords.verify_password(passwords.DUMMY_HASH, guess) is False
    assert passwords.verify_password("not a hash", "x") is False   # an invalid hash is refused alike
