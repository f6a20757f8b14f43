import datetime as dt

import pytest
from sqlalchemy import select

from billbook import clock
from billbook.db.models import AuditEntry, LoginSession, User
from billbook.domain.permissions import Role
from billbook.services.people import users
from billbook.errors import (
    AccountLocked, AuthenticationError, Conflict, PermissionDenied, ValidationError,
)
from tests.builders import DEFAULT_PASSWORD, row_counts

PW = "s3cret-pass"


def _audit_actions(db):
    return db.run(lambda s: [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))])


def test_first_admin_then_login_opens_a_session(db):
    users.create_first_admin(db, "owner", PW)
    actor = users.login(db, "owner", PW, "T1")
    assert actor.role == Role.ADMIN and actor.terminal == "T1"
    sessions = db.run(lambda s: s.scalars(select(LoginSession)).all())
    assert len(sessions) == 1 and sessions[0].ended_at is None
    users.logout(db, actor)
    assert db.run(lambda s: s.scalars(select(LoginSession)).one().ended_at) is not None
    assert "login.ok" in _audit_actions(db) and "logout" in _audit_actions(db)


def test_second_first_admin_is_refused(db):
    users.create_first_admin(db, "owner", PW)
    with pytest.raises(Conflict):
        users.create_first_admin(db, "other", PW)


def test_wrong_password_refused_with_generic_message(db):
    users.create_first_admin(db, "owner", PW)
    with pytest.raises(AuthenticationError) as wrong_pw:
        users.login(db, "owner", "not-the-password", "T1")
    with pytest.raises(AuthenticationError) as no_user:
        users.login(db, "nobody", "whatever1", "T1")
    assert str(wrong_pw.value) == str(no_user.value) == users.WRONG_LOGIN
    assert _audit_actions(db).count("login.failed") == 2


def test_lockout_after_five_failures_and_release_after_fifteen_minutes(db):
    users.create_first_admin(db, "owner", PW)
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            users.login(db, "owner", "bad-password", "T1")
    # even the right password is refused while locked
    with pytest.raises(AccountLocked):
        users.login(db, "owner", PW, "T1")
    clock.advance(dt.timedelta(minutes=14))
    with pytest.raises(AccountLocked):
        users.login(db, "owner", PW, "T1")
    clock.advance(dt.timedelta(minutes=1, seconds=1))
    assert users.login(db, "owner", PW, "T1").username == "owner"
    actions = _audit_actions(db)
    assert "login.locked" in actions and "login.refused_locked" in actions


def test_lockout_policy_is_configurable(db):
    from billbook.services import settings
    users.create_first_admin(db, "owner", PW)
    db.run(lambda s: (settings.put(s, "login.max_attempts", "2"), settings.put(s, "login.lockout_minutes", "1")))
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            users.login(db, "owner", "bad-password", "T1")
    with pytest.raises(AccountLocked):
        users.login(db, "owner", PW, "T1")
    clock.advance(dt.timedelta(minutes=1, seconds=1))
    users.login(db, "owner", PW, "T1")


def test_inactive_user_cannot_log_in(db, admin):
    users.add_user(db, admin, "ravi", PW, "cashier")
    users.deactivate(db, admin, "ravi")
    with pytest.raises(AuthenticationError):
        users.login(db, "ravi", PW, "T1")


@pytest.mark.parametrize("password", ["short", "owner", "OWNER", ""])
def test_password_policy(db, password):
    with pytest.raises(ValidationError):
        users.create_first_admin(db, "owner", password)
    assert row_counts(db)["users"] == 0


def test_admin_manages_users(db, admin):
    users.add_user(db, admin, "ravi", PW, "cashier")
    with pytest.raises(Conflict):
        users.add_user(db, admin, "ravi", PW, "cashier")
    assert users.set_role(db, admin, "ravi", "admin").role == "admin"
    users.reset_password(db, admin, "ravi", "brand-new-pass")
    assert users.login(db, "ravi", "brand-new-pass", "T2").role == Role.ADMIN
    assert [u.username for u in users.list_users(db, admin)] == ["owner", "ravi"]


def test_change_own_password_needs_the_old_one(db, cashier):
    with pytest.raises(ValidationError):
        users.change_own_password(db, cashier, "wrong-old-one", "another-pass")
    users.change_own_password(db, cashier, DEFAULT_PASSWORD, "another-pass")
    users.login(db, "asha", "another-pass", "T1")


def test_last_admin_cannot_be_demoted_or_deactivated(db, admin):
    with pytest.raises(PermissionDenied):
        users.set_role(db, admin, "owner", "cashier")
    with pytest.raises(PermissionDenied):
        users.deactivate(db, admin, "owner")
    users.add_user(db, admin, "second", PW, "admin")
    users.set_role(db, admin, "owner", "cashier")
    with pytest.raises(PermissionDenied):
        users.deactivate(db, admin, "second")


def test_no_plaintext_or_reversible_password_in_the_database(db):
    users.create_first_admin(db, "owner", PW)
    actor = users.login(db, "owner", PW, "T1")
    users.add_user(db, actor, "ravi", "ravi-password-1", "cashier")
    with pytest.raises(AuthenticationError):
        users.login(db, "ravi", "typo-password-1", "T1")
    hashes = db.run(lambda s: s.scalars(select(User.password_hash)).all())
    assert all(h.startswith("$argon2id$") for h in hashes)
    # scan every text column of every table for the passwords
    from billbook.db.models import Base
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                for value in row:
                    if isinstance(value, (str, bytes)):
                        blob = value if isinstance(value, str) else value.decode("latin-1")
                        for secret in (PW, "ravi-password-1", "typo-password-1"):
                            assert secret not in blob, f"password found in {table.name}"


def test_user_changes_are_audited(db, admin):
    users.add_user(db, admin, "ravi", PW, "cashier")
    users.set_role(db, admin, "ravi", "admin")
    users.deactivate(db, admin, "ravi")
    actions = _audit_actions(db)
    assert {"user.add", "user.set_role", "user.deactivate"} <= set(actions)


def test_bad_usernames_are_refused(db, admin):
    for bad in ["", "a", "x" * 40, "robert'); DROP TABLE users;--", "name with space"]:
        with pytest.raises(ValidationError):
            users.add_user(db, admin, bad, PW, "cashier")
    with pytest.raises(ValidationError):
        users.add_user(db, admin, "valid", PW, "superuser")
