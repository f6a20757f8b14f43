"""Set-up commands: init, db upgrade, user ..., shop ..."""

from __future__ import annotations

from pathlib import Path

import click

from billbook import files
from billbook.cli.app import STATE, app, emit, emit_list, page_of, page_options, read_secret, table
from billbook.db.migrate import current_revision, upgrade
from billbook.domain.permissions import Role
from billbook.errors import PermissionDenied, ValidationError
from billbook.services.base import MAX_PAGE
from billbook.services.people import shop as shop_service
from billbook.services.people import users as user_service


@app.command()
@click.option("--admin", default=None, help="User name of the first admin")
@click.option("--shop-name", default=None)
@click.option("--state-code", default=None, help="Two-digit GST state code, e.g. 27")
@click.option("--gstin", default=None)
def init(admin, shop_name, state_code, gstin) -> None:
    """Create or upgrade the schema; create the first admin (password: BILLBOOK_PASSWORD or prompt)."""
    db = STATE.db()
    result = {"database": db.safe_url, "schema": current_revision(db), "admin": None}
    if admin:
        if user_service.has_users(db):
            raise ValidationError("--admin", "this database already has users; add more with `billbook user add`")
        password = read_secret("BILLBOOK_PASSWORD", f"Password for {admin}: ", confirm=True)
        info = user_service.create_first_admin(db, admin, password)
        result["admin"] = info.username
        actor = user_service.login(db, admin, password, "cli-init")
        changes = {"name": shop_name, "state_code": state_code, "gstin": gstin}
        if any(v is not None for v in changes.values()):
            shop_service.update_shop(db, actor, **changes)
        user_service.logout(db, actor)
    emit(result, f"Database ready: {result['database']} (schema {result['schema']})"
         + (f"; admin {result['admin']} created" if result["admin"] else ""))


@app.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Run migrations to head: an admin's login (--user / BILLBOOK_USER) unless the database has no users yet."""
    db = STATE.db(migrate=False)
    before = current_revision(db)
    if before is not None and user_service.has_users(db):
        actor = STATE.actor()
        if actor.role != Role.ADMIN:
            raise PermissionDenied(f"{actor.username} ({actor.role.value}) may not upgrade the database; "
                                   "an admin may.")
    upgrade(db)
    after = current_revision(db)
    emit({"schema": after, "from": before},
         f"Schema at {after}" + (f" (upgraded from {before})" if before != after else " (already up to date)"))


@app.group("user")
def user_group() -> None:
    """Users and roles (admin)."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["admin", "cashier"]))
@click.option("--full-name", default="")
def user_add(name, role, full_name) -> None:
    """Add a user; password from BILLBOOK_NEW_PASSWORD or prompt."""
    actor = STATE.actor()
    password = read_secret("BILLBOOK_NEW_PASSWORD", f"New password for {name}: ", confirm=True)
    info = user_service.add_user(STATE.db(), actor, name, password, role, full_name)
    emit(info.to_json(), f"Added {info.role} {info.username}")


@user_group.command("list")
@page_options(200, MAX_PAGE)
def user_list(limit, offset) -> None:
    """List users."""
    rows, total = page_of([u.to_json() for u in user_service.list_users(STATE.db(), STATE.actor())], limit, offset)
    emit_list(rows, total=total, offset=offset,
              human=lambda: table(rows, ["username", "role", "active", "locked_until", "created_at"]))


@user_group.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(["admin", "cashier"]))
def user_set_role(name, role) -> None:
    """Make a user admin or cashier."""
    info = user_service.set_role(STATE.db(), STATE.actor(), name, role)
    emit(info.to_json(), f"{info.username} is now {info.role}")


@user_group.command("deactivate")
@click.argument("name")
def user_deactivate(name) -> None:
    """Stop a user from logging in (their history stays)."""
    info = user_service.deactivate(STATE.db(), STATE.actor(), name)
    emit(info.to_json(), f"{info.username} deactivated")


@user_group.command("activate")
@click.argument("name")
def user_activate(name) -> None:
    """Let a deactivated or locked-out user log in again."""
    info = user_service.reactivate(STATE.db(), STATE.actor(), name)
    emit(info.to_json(), f"{info.username} active again")


@user_group.command("passwd")
@click.argument("name")
def user_passwd(name) -> None:
    """Change a password: your own (BILLBOOK_PASSWORD is the old one) or, as admin, anyone's.

    The new password comes from BILLBOOK_NEW_PASSWORD or a prompt.
    """
    actor = STATE.actor()
    new = read_secret("BILLBOOK_NEW_PASSWORD", f"New password for {name}: ", confirm=True)
    if name == actor.username:
        old = read_secret("BILLBOOK_PASSWORD", "Current password: ")
        user_service.change_own_password(STATE.db(), actor, old, new)
    else:
        user_service.reset_password(STATE.db(), actor, name, new)
    emit({"username": name, "changed": True}, f"Password changed for {name}")


@app.group("shop")
def shop_group() -> None:
    """Shop profile."""


@shop_group.command("set")
@click.option("--name")
@click.option("--address")
@click.option("--pincode", help="6-digit PIN code (the e-invoice's Pin)")
@click.option("--locality", help="city or locality, 3-50 characters (the e-invoice's Loc)")
@click.option("--state-code")
@click.option("--gstin")
@click.option("--gst-scheme", type=click.Choice(["regular", "composition", "unregistered"]))
@click.option("--phone")
@click.option("--email")
@click.option("--upi-vpa")
@click.option("--logo", type=click.Path(path_type=Path), help="PNG or JPEG file")
@click.option("--invoice-prefix")
@click.option("--footer", "footer_text")
@click.option("--round-off/--no-round-off", default=None)
@click.option("--allow-negative-stock/--no-negative-stock", default=None)
@click.option("--cashier-can-return/--admin-only-returns", default=None)
@click.option("--gst-rates", "allowed_gst_rates", help="e.g. 0,5,12,18,28")
@click.option("--loyalty-rupees-per-credit")
@click.option("--credit-value")
@click.option("--print-format", type=click.Choice(["a4", "receipt", "ask", "none"]))
@click.option("--idle-lock-minutes", type=int)
@click.option("--discount-limit", help="a cashier's discounts above this % of the bill need an admin's "
                                       "approval at the counter; 'none' for no limit")
def shop_set(logo, **changes) -> None:
    """Change the shop profile (admin)."""
    if logo is not None:
        changes["logo"] = files.read_bytes(logo, limit=files.MAX_LOGO_BYTES, what="logo (PNG or JPEG)")
    info = shop_service.update_shop(STATE.db(), STATE.actor(), **changes)
    emit(info.to_json(), f"Shop profile saved: {info.name}")


@shop_group.command("show")
def shop_show() -> None:
    """Show the shop profile."""
    STATE.actor()
    info = shop_service.get_shop(STATE.db())
    emit(info.to_json(), lambda: "\n".join(f"{k}: {v}" for k, v in info.to_json().items()))
