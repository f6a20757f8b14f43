"""Password hashing (argon2id via argon2-cffi) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from billbook.errors import ValidationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

MIN_LENGTH = 8
MAX_LENGTH = 256

#: a valid hash of a random password (thrown away), verified against when the user does not
#: exist so the time taken doesn't tell an attacker whether a user name is real. Written out
#: rather than hashed at import, which cost every command-line start 0.2 s; made with the
#: hasher's parameters (tests/unit/test_passwords.py checks they still are the hasher's, so
#: the dummy check costs what a real one does).
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$0lETF2saERruJO0t1dkFvA$DVOo697K4SGRkj3i4AvNUG9ROKS6TqBxe9vUenMApTI"


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
