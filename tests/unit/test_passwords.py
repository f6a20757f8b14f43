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


def test_the_hash_costs_an_attacker_what_rfc_9106_asks_and_old_hashes_still_work():
    """64 MiB and 3 passes per guess (RFC 9106's second recommended option); only the lanes
    went from 4 to 2. A hash made with 4 lanes (every password set before) still verifies, and
    is marked for rehashing at the next login."""
    from argon2 import PasswordHasher
    from argon2.profiles import RFC_9106_LOW_MEMORY

    params = dict(kv.split("=") for kv in passwords.hash_password("a real password 1").split("$")[3].split(","))
    assert int(params["m"]) >= RFC_9106_LOW_MEMORY.memory_cost == 65536
    assert int(params["t"]) >= RFC_9106_LOW_MEMORY.time_cost == 3
    old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash("a real password 1")
    assert passwords.verify_password(old, "a real password 1")
    assert not passwords.verify_password(old, "a real password 2")
    assert passwords.needs_rehash(old)
