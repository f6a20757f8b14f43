"""Password hashing (argon2id via argon2-cffi) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from billbook.errors import ValidationError

#: argon2id with RFC 9106's second recommended option (64 MiB, 3 passes; argon2-cffi's
#: default) in 2 lanes instead of 4. The lanes split the same work: an attacker still pays
#: 64 MiB and 3 passes per guess, but a 2-core counter PC checks a password in ~78 ms instead
#: of ~104 ms (4 lanes on 2 cores wait for each other). Hashes made with 4 lanes still verify
#: and are rehashed at the next login (``needs_rehash``).
_hasher = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=2)

MIN_LENGTH = 8
MAX_LENGTH = 256

#: a valid hash of a random password (thrown away), verified against when the user does not
#: exist so the time taken doesn't tell an attacker whether a user name is real. Written out
#: rather than hashed at import, which cost every command-line start 0.2 s; made with the
#: hasher's parameters (tests/unit/test_passwords.py checks they still are the hasher's, so
#: the dummy check costs what a real one does).
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=2$4ROv2VI3Ec9rPzYqLZmbBg$RbxcQR5FjMACegPCfdqN1+O7IuF0g50myUTppVwyvc8"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def check_policy(password: str, username: str, field: str = "password") -> None:
    """At least 8 characters, not the user name (in any case), not absurdly long."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise ValidationError(field, f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValidationError(field, f"must be at most {MAX_LENGTH} characters")
    if password.strip().lower() == (username or "").strip().lower():
        raise ValidationError(field, "must not be the user name")
    if "\x00" in password:
        raise ValidationError(field, "contains a NUL character")
