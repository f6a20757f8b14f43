"""Users, roles and login.

Login counts failures per user; after ``login.max_attempts`` (5) failures the account is
locked for ``login.lockout_minutes`` (15). The message for a wrong user name, a wrong
password and an inactive account is the same, so nobody can probe for user names.
The last active admin can never be demoted or deactivated.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billbook import clock
from billbook.config import host_name
from billbook.db.models import AuditEntry, LoginSession, User
from billbook.db.uow import Database
from billbook.domain.permissions import Permission, Role
from billbook.services import settings
from billbook.services.base import Actor, audit, requires
from billbook.services.people import shop as shop_service
from billbook.errors import (
    AccountLocked, AuthenticationError, Conflict, NotFound, PermissionDenied, ValidationError,
)
from billbook.services.people.passwords import (
    DUMMY_HASH, check_policy, hash_password, needs_rehash, verify_password,
)

WRONG_LOGIN = "Wrong user name or password."
_USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,31}$")


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    full_name: str
    role: str
    active: bool
    locked_until: dt.datetime | None
    created_at: dt.datetime

    def to_json(self) -> dict:
        return {"id": self.id, "username": self.username, "full_name": self.full_name,
                "role": self.role, "active": self.active,
                "locked_until": self.locked_until.isoformat() if self.locked_until else None,
                "created_at": self.created_at.isoformat()}


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.username, user.full_name, user.role, user.active, user.locked_until,
                    user.created_at)


def _check_username(username: str) -> str:
    name = (username or "").strip()
    if not _USERNAME_RE.match(name):
        raise ValidationError("username", "2–32 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return name


def _check_role(role: str) -> Role:
    try:
        return Role(str(role).lower())
    except ValueError:
        raise ValidationError("role", f"must be one of {', '.join(r.value for r in Role)}") from None


def _get_user(session: Session, username: str, *, lock: bool = False) -> User:
    stmt = select(User).where(User.username == username)
    if lock:
        stmt = stmt.with_for_update()
    user = session.scalars(stmt).one_or_none()
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    return user


def _active_admins(session: Session) -> int:
    # lock the admin rows so two terminals can't each demote "the other" last admin
    rows = session.scalars(select(User.id).where(User.role == Role.ADMIN.value, User.active.is_(True))
                           .with_for_update()).all()
    return len(rows)


def has_users(db: Database) -> bool:
    return db.run(lambda s: s.scalar(select(func.count()).select_from(User)) > 0, readonly=True)


def create_first_admin(db: Database, username: str, password: str, full_name: str = "") -> UserInfo:
    """Create the first admin of a new shop; refused once any user exists."""
    name = _check_username(username)
    check_policy(password, name)
    pw_hash = hash_password(password)

    def work(s: Session) -> UserInfo:
        # Lock the table's rows (none yet) so two simultaneous first-runs can't both win.
        if s.scalars(select(User.id).with_for_update()).first() is not None:
            raise Conflict("username", "This shop already has users; an admin can add more from Settings.")
        user = User(username=name, full_name=full_name.strip()[:120], password_hash=pw_hash,
                    role=Role.ADMIN.value, active=True, failed_attempts=0, created_at=clock.now(),
                    password_changed_at=clock.now())
        s.add(user)
        s.flush()
        audit(s, None, "user.create_first_admin", "user", user.id, username=name, role="admin")
        return _info(user)

    return db.run(work)


def _check_credentials(s: Session, name: str, password: str, terminal: str, *,
                       actor: Actor | None = None) -> tuple[User | None, str | None]:
    """(user, None) when ``password`` is right for an active ``name``; else (None, error).

    Every failure counts towards the lock-out (``login.max_attempts``), whether it came from
    the login form or from a supervisor approval at the counter.
    """
    now = clock.now()
    user = s.scalars(select(User).where(User.username == name).with_for_update()).one_or_none()
    if user is None:
        verify_password(DUMMY_HASH, password)  # same cost as a real check
        audit(s, actor, "login.failed", "user", "", username=name[:64], terminal=terminal, reason="unknown user")
        return None, WRONG_LOGIN
    if user.locked_until and user.locked_until > now:
        audit(s, actor, "login.refused_locked", "user", user.id, username=user.username, terminal=terminal)
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return None, f"locked:{minutes}"
    if not verify_password(user.password_hash, password) or not user.active:
        max_attempts = settings.get_int(s, "login.max_attempts", 5)
        lock_minutes = settings.get_int(s, "login.lockout_minutes", 15)
        if user.locked_until and user.locked_until <= now:
            user.failed_attempts = 0          # the lock period is over: start counting again
            user.locked_until = None
        user.failed_attempts += 1
        audit(s, actor, "login.failed", "user", user.id, username=user.username, terminal=terminal,
              attempts=user.failed_attempts)
        if user.failed_attempts >= max_attempts:
            user.locked_until = now + dt.timedelta(minutes=lock_minutes)
            audit(s, actor, "login.locked", "user", user.id, username=user.username, terminal=terminal,
                  until=user.locked_until)
        return None, WRONG_LOGIN
    user.failed_attempts = 0
    user.locked_until = None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user, None


def _raise_login_error(error: str | None) -> None:
    if error and error.startswith("locked:"):
        raise AccountLocked(f"Too many failed attempts. Try again in {error[7:]} minute(s) "
                            "or ask an admin.")
    raise AuthenticationError(error or WRONG_LOGIN)


def create_shop_and_first_admin(db: Database, username: str, password: str, full_name: str = "",
                                **shop_changes) -> UserInfo:
    """The first-run wizard in one transaction: the first admin and the shop profile, or
    neither (a bad shop field leaves no admin behind). Every field is checked before writing."""
    name = _check_username(username)
    check_policy(password, name)
    clean = shop_service.check_shop_changes(shop_changes)
    pw_hash = hash_password(password)

    def work(s: Session) -> UserInfo:
        if s.scalars(select(User.id).with_for_update()).first() is not None:
            raise Conflict("username", "This shop already has users; an admin can add more from Settings.")
        user = User(username=name, full_name=(full_name or "").strip()[:120], password_hash=pw_hash,
                    role=Role.ADMIN.value, active=True, failed_attempts=0, created_at=clock.now(),
                    password_changed_at=clock.now())
        s.add(user)
        s.flush()
        audit(s, None, "user.create_first_admin", "user", user.id, username=name, role="admin")
        actor = Actor(user.id, user.username, Role.ADMIN, "", None)
        shop_service.apply_shop_changes(s, actor, clean)
        return _info(user)

    return db.run(work)


def login(db: Database, username: str, password: str, terminal: str) -> Actor:
    """Check the password and open a login session; raises AuthenticationError/AccountLocked."""
    name = (username or "").strip()
    if not isinstance(password, str):
        password = ""

    def work(s: Session) -> tuple[Actor | None, str | None]:
        user, error = _check_credentials(s, name, password, terminal)
        if user is None:
            return None, error
        ls = LoginSession(user_id=user.id, terminal=terminal[:64], host=host_name(), started_at=clock.now())
        s.add(ls)
        s.flush()
        actor = Actor(user.id, user.username, Role(user.role), terminal[:64], ls.id)
        audit(s, actor, "login.ok", "login_session", ls.id)
        return actor, None

    actor, error = db.run(work)
    if actor is None:
        _raise_login_error(error)
    return actor


#: what a supervisor can approve at the counter
APPROVALS = {
    "return": "a return by a cashier",
    "discount": "a discount above the shop's limit",
    "price_override": "a price override",
}


@dataclass(frozen=True)
class Approval:
    """An admin's yes, given at the counter for one action of ``actor`` (audited with both names)."""
    action: str
    approver: str
    approver_id: int
    requested_by: str
    #: names this approval in its audit row (so a service can check it was really given)
    token: str = ""


@requires(Permission.SELL)
def approve(db: Database, actor: Actor, approver: str, password: str, action: str, **details) -> Approval:
    """An active admin's user name and password approve ``action`` for ``actor`` (a cashier).

    A wrong password counts as a failed login of the approver (and can lock the account);
    a right one by a non-admin is refused. The audit row names both users, with ``details``.
    """
    if action not in APPROVALS:
        raise ValidationError("action", f"must be one of {', '.join(APPROVALS)}")
    name = (approver or "").strip()
    if not isinstance(password, str):
        password = ""

    def work(s: Session) -> tuple[Approval | None, str | None]:
        user, error = _check_credentials(s, name, password, actor.terminal, actor=actor)
        if user is None:
            audit(s, actor, "approval.refused", "user", "", approves=action, approver=name[:64],
                  reason="wrong user name or password" if error == WRONG_LOGIN else "locked")
            return None, error
        if user.role != Role.ADMIN.value:
            audit(s, actor, "approval.refused", "user", user.id, approves=action, approver=user.username,
                  reason="not an admin")
            return None, "not-admin"
        token = uuid.uuid4().hex
        audit(s, actor, "approval.granted", "user", user.id, approves=action, approver=user.username,
              requested_by=actor.username, token=token, **{k: str(v) for k, v in details.items()})
        return Approval(action, user.username, user.id, actor.username, token), None

    approval, error = db.run(work)
    if approval is None:
        if error == "not-admin":
            raise PermissionDenied(f"{name} is not an admin: only an admin can approve {APPROVALS[action]}.")
        _raise_login_error(error)
    return approval


#: how long an approval stays good for the action it was given for
APPROVAL_MINUTES = 15


def check_approval(s: Session, actor: Actor, approval: Approval | None, action: str, *,
                   lock: bool = False) -> Approval | None:
    """The approval when it was really given (its audit row exists) to ``actor`` for ``action``
    in the last :data:`APPROVAL_MINUTES` minutes; else None. For services, in their transaction.
    ``lock``: row-lock the grant's audit row until the transaction ends (MySQL; SQLite's write
    lock already serialises), so two bills racing to use one approval take turns."""
    if approval is None or approval.action != action or approval.requested_by != actor.username \
            or not approval.token:
        return None
    since = clock.now() - dt.timedelta(minutes=APPROVAL_MINUTES)
    query = select(AuditEntry.details).where(
        AuditEntry.action == "approval.granted", AuditEntry.username == actor.username, AuditEntry.at >= since,
        AuditEntry.entity_id == str(approval.approver_id), AuditEntry.details.contains(approval.token))
    granted = s.scalars(query.with_for_update() if lock else query).all()
    # the row must have been written for this very action: a token given for a return is
    # no approval of a price (the caller's Approval.action is only what the client says)
    for details in granted:
        try:
            given = json.loads(details or "{}")
        except ValueError:
            continue
        if given.get("token") == approval.token and given.get("approves") == action:
            return approval
    return None


def logout(db: Database, actor: Actor) -> None:
    def work(s: Session) -> None:
        if actor.session_id:
            ls = s.get(LoginSession, actor.session_id)
            if ls is not None and ls.ended_at is None:
                ls.ended_at = clock.now()
        audit(s, actor, "logout", "login_session", actor.session_id or "")
    db.run(work)


@requires(Permission.CHANGE_OWN_PASSWORD)
def change_own_password(db: Database, actor: Actor, old_password: str, new_password: str) -> None:
    def work(s: Session) -> None:
        user = _get_user(s, actor.username, lock=True)
        if not verify_password(user.password_hash, old_password or ""):
            audit(s, actor, "user.password_change_refused", "user", user.id)
            raise_later.append(ValidationError("old_password", "the current password is wrong"))
            return
        check_policy(new_password, user.username, "new_password")
        user.password_hash = hash_password(new_password)
        user.password_changed_at = clock.now()
        audit(s, actor, "user.password_changed", "user", user.id)

    raise_later: list[Exception] = []
    db.run(work)
    if raise_later:
        raise raise_later[0]


@requires(Permission.MANAGE_USERS)
def add_user(db: Database, actor: Actor, username: str, password: str, role: str,
             full_name: str = "") -> UserInfo:
    name = _check_username(username)
    the_role = _check_role(role)
    check_policy(password, name)
    pw_hash = hash_password(password)

    def work(s: Session) -> UserInfo:
        if s.scalars(select(User.id).where(User.username == name)).first() is not None:
            raise Conflict("username", f"A user named {name!r} already exists.")
        user = User(username=name, full_name=(full_name or "").strip()[:120], password_hash=pw_hash,
                    role=the_role.value, active=True, failed_attempts=0, created_at=clock.now(),
                    password_changed_at=clock.now())
        s.add(user)
        s.flush()
        audit(s, actor, "user.add", "user", user.id, username=name, role=the_role.value)
        return _info(user)

    return db.run(work)


@requires(Permission.MANAGE_USERS)
def list_users(db: Database, actor: Actor) -> list[UserInfo]:
    return db.run(lambda s: [_info(u) for u in s.scalars(select(User).order_by(User.username))], readonly=True)


@requires(Permission.MANAGE_USERS)
def set_role(db: Database, actor: Actor, username: str, role: str) -> UserInfo:
    the_role = _check_role(role)

    def work(s: Session) -> UserInfo:
        user = _get_user(s, (username or "").strip(), lock=True)
        if user.role == the_role.value:
            return _info(user)
        if user.role == Role.ADMIN.value and user.active and _active_admins(s) <= 1:
            raise PermissionDenied("The last active admin cannot be demoted; make another admin first.")
        old = user.role
        user.role = the_role.value
        audit(s, actor, "user.set_role", "user", user.id, username=user.username, old=old, new=the_role.value)
        return _info(user)

    return db.run(work)


@requires(Permission.MANAGE_USERS)
def deactivate(db: Database, actor: Actor, username: str) -> UserInfo:
    def work(s: Session) -> UserInfo:
        user = _get_user(s, (username or "").strip(), lock=True)
        if not user.active:
            return _info(user)
        if user.role == Role.ADMIN.value and _active_admins(s) <= 1:
            raise PermissionDenied("The last active admin cannot be deactivated.")
        user.active = False
        audit(s, actor, "user.deactivate", "user", user.id, username=user.username)
        return _info(user)

    return db.run(work)


@requires(Permission.MANAGE_USERS)
def reactivate(db: Database, actor: Actor, username: str) -> UserInfo:
    def work(s: Session) -> UserInfo:
        user = _get_user(s, (username or "").strip(), lock=True)
        user.active = True
        user.failed_attempts = 0
        user.locked_until = None
        audit(s, actor, "user.reactivate", "user", user.id, username=user.username)
        return _info(user)

    return db.run(work)


@requires(Permission.MANAGE_USERS)
def reset_password(db: Database, actor: Actor, username: str, new_password: str) -> None:
    """Admin sets a new password for a user (also clears a lockout)."""
    name = (username or "").strip()
    check_policy(new_password, name, "new_password")
    pw_hash = hash_password(new_password)

    def work(s: Session) -> None:
        user = _get_user(s, name, lock=True)
        user.password_hash = pw_hash
        user.password_changed_at = clock.now()
        user.failed_attempts = 0
        user.locked_until = None
        audit(s, actor, "user.reset_password", "user", user.id, username=user.username)

    db.run(work)
