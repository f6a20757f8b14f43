"""Settings (admin): shop profile and logo, billing rules, users, own password, the
database connection and backups.

Every change goes through a service (``services/people/shop.update_shop``, ``services/people/users``),
which checks the permission again and audits it; this screen only collects input and
shows each ``ValidationError`` next to the field it names.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import customtkinter as ctk

from billbook import files
from billbook.domain.gst import STATES
from billbook.domain.permissions import Permission, Role
from billbook.gui.forms import (
    MUTED, Column, Dialogs, Form, StatusLine, Table, error_text, header, run_bg, section,
)
from billbook.gui.registry import screen
from billbook.gui.widgets.lazy_tabs import LazyTabview
from billbook.services.people import shop as shop_service
from billbook.services.people import users as user_service
from billbook.errors import BillbookError, ValidationError

PRINT_FORMATS = {"A4 tax invoice": "a4", "80 mm receipt": "receipt", "Receipt and A4": "both", "Ask each time": "ask",
                 "Don't print": "none"}
SCHEMES = {"Regular": "regular", "Composition": "composition", "Unregistered": "unregistered"}
STATE_CHOICES = [f"{code} — {name}" for code, name in sorted(STATES.items())]


def state_choice(code: str) -> str:
    return f"{code} — {STATES[code]}" if code in STATES else code


def _key_of(mapping: dict[str, str], value: str) -> str:
    return next((k for k, v in mapping.items() if v == value), next(iter(mapping)))


@dataclass(frozen=True)
class ConnectionReport:
    ok: bool
    message: str


def probe_database(url: str) -> ConnectionReport:
    """Try a database URL: can we connect, and is its schema billbook's current one?

    Runs in a worker thread (a MySQL server that does not answer takes seconds).
    """
    from billbook.db.engine import safe_url
    from billbook.db.migrate import current_revision, head_revision
    from billbook.db.uow import Database
    url = (url or "").strip()
    if not url:
        return ConnectionReport(False, "Enter an SQLite file path or a MySQL URL.")
    if "://" not in url:
        url = f"sqlite:///{Path(url).expanduser()}"
    try:
        db = Database(url, pool_size=1)
    except Exception as exc:  # noqa: BLE001 - a malformed URL is the user's typo
        return ConnectionReport(False, f"Not a database URL: {exc}")
    try:
        revision = current_revision(db)
    except Exception as exc:  # noqa: BLE001 - show why it failed, without the password
        text = str(getattr(exc, "orig", exc)).splitlines()[0][:160]
        return ConnectionReport(False, f"Cannot connect to {safe_url(url)}: {text}")
    finally:
        db.dispose()
    if revision is None:
        return ConnectionReport(True, f"Connected to {safe_url(url)}: empty database (billbook will set it up).")
    if revision != head_revision():
        return ConnectionReport(True, f"Connected to {safe_url(url)}: older billbook schema "
                                      f"({revision}); it will be upgraded on start.")
    return ConnectionReport(True, f"Connected to {safe_url(url)}: billbook database, up to date.")


@screen(key="settings", title="Settings", permission=Permission.MANAGE_SHOP, order=90, shortcut="<Control-Key-9>")
class SettingsScreen(ctk.CTkFrame):
    """Admin settings in tabs.

    Each tab is built on its first visit (``show_tab``, or a click on its name): opening
    Settings builds only the tab in sight, so the switch is quick (issue 16). The shop
    profile read on each show fills whichever of its two tabs (Shop, Billing) exist, and a
    tab built later is filled from it at once.
    """

    TABS = ("Shop", "Billing", "Printers", "Users", "My password", "Database", "Backup")

    def __init__(self, master, ctx):
        super().__init__(master, fg_color="transparent")
        self.ctx = ctx
        self.allowed = ctx.actor.can(Permission.MANAGE_SHOP)
        header(self, "Settings", "shop, billing rules, users, database").pack(fill="x", padx=20, pady=(16, 8))
        if not self.allowed:
            self.refusal = ctk.CTkLabel(self, text="Settings are for admins. Ask the shop owner to change them.",
                                        text_color=MUTED)
            self.refusal.pack(padx=20, pady=40)
            return
        self._pending_logo: bytes | None = None
        #: the last (ShopInfo, logo bytes) read for the Shop and Billing tabs; None until read
        self._shop_data = None
        builders = {"Shop": self._build_shop, "Billing": self._build_billing, "Printers": self._build_printers,
                    "Users": self._build_users, "My password": self._build_password,
                    "Database": self._build_database, "Backup": self._build_backup}
        self.tabs = LazyTabview(self, {name: builders[name] for name in self.TABS}, on_built=self._tab_built,
                                anchor="nw")
        self.tabs.pack(fill="both", expand=True, padx=16, pady=(0, 16))
        self.built = self.tabs.built
        self.tabs.build_current()

    def show_tab(self, name: str) -> None:
        """Bring tab ``name`` to the front, building it on its first visit."""
        self.tabs.show_tab(name)

    def _tab_built(self, name: str) -> None:
        """Fill a tab built just now with what the screen has read."""
        if name == "Shop" and self._shop_data is not None:
            self._fill_shop_form(*self._shop_data)
        elif name == "Billing" and self._shop_data is not None:
            self._fill_billing_form(self._shop_data[0])
        elif name == "Users":
            self.reload_users()
        elif name == "Printers":
            self.printers_panel.load()

    def on_show(self) -> None:
        if self.allowed:
            self.load()

    def _build_printers(self, tab) -> None:
        from billbook.gui.screens.settings_printers import PrintersPanel
        body = ctk.CTkScrollableFrame(tab, fg_color="transparent")      # scrolls on a 600-px window
        body.pack(fill="both", expand=True)
        self.printers_panel = PrintersPanel(body, self.ctx)
        self.printers_panel.pack(fill="both", expand=True)

    def load(self) -> None:
        """Read what the built tabs show (each show of the screen)."""
        run_bg(self.ctx, lambda: (shop_service.get_shop(self.ctx.db), shop_service.get_logo(self.ctx.db)),
               self._fill_shop, self._shop_failed)
        if "Users" in self.built:
            self.reload_users()
        if "Printers" in self.built:
            self.printers_panel.load()

    def _shop_failed(self, exc: BaseException) -> None:
        form = self.shop_form if "Shop" in self.built else self.billing_form if "Billing" in self.built else None
        if form is not None:
            form.status.error(error_text(exc))

    # ------------------------------------------------------------ shop profile

    def _build_shop(self, tab) -> None:
        # the save button stays in sight; the fields scroll when the window is low
        self.save_shop_btn = ctk.CTkButton(tab, text="Save shop profile", command=self.save_shop)
        self.save_shop_btn.pack(side="bottom", anchor="w", padx=8, pady=(6, 2))
        body = ctk.CTkScrollableFrame(tab, fg_color="transparent")
        body.pack(fill="both", expand=True, padx=8, pady=4)
        f = self.shop_form = Form(body, columns=2)
        f.grid(row=0, column=0, sticky="nw")
        f.add("name", "Shop name", width=240)
        f.add("phone", "Phone", width=200)
        f.add("email", "Email", width=240)
        f.add("gstin", "GSTIN", width=200, placeholder="27AAPFU0939F1ZV")
        f.add("state_code", "State (place of supply)", kind="option", values=STATE_CHOICES, width=240)
        f.add("gst_scheme", "GST scheme", kind="option", values=list(SCHEMES), width=200)
        f.add("upi_vpa", "UPI id (for the QR)", width=240, placeholder="shopname@bank")
        f.add("address", "Address", kind="text", width=440, span=2)
        f.add("footer_text", "Invoice footer", kind="text", width=440, span=2)
        f.submit_with(self.save_shop)
        logo = ctk.CTkFrame(body, fg_color="transparent")
        logo.grid(row=1, column=0, sticky="nw", pady=(8, 0))
        section(logo, "Logo").pack(anchor="w")
        self.logo_preview = ctk.CTkLabel(logo, text="no logo", width=160, height=100, fg_color=("gray90", "gray20"),
                                         corner_radius=6)
        self.logo_preview.pack(anchor="w", pady=6)
        ctk.CTkButton(logo, text="Choose logo…", width=160, command=self.choose_logo).pack(anchor="w")
        ctk.CTkButton(logo, text="Remove logo", width=160, fg_color="transparent", border_width=1,
                      text_color=("gray10", "gray90"), command=self.remove_logo).pack(anchor="w", pady=6)

    def _fill_shop(self, result) -> None:
        """Fill the Shop and Billing tabs that are built from (ShopInfo, logo bytes)."""
        self._shop_data = result
        info, logo = result
        self.shop_info = info
        if "Shop" in self.built:
            self._fill_shop_form(info, logo)
        if "Billing" in self.built:
            self._fill_billing_form(info)

    def _fill_shop_form(self, info, logo: bytes | None) -> None:
        self.shop_form.set_values({
            "name": info.name, "phone": info.phone, "email": info.email, "gstin": info.gstin,
            "state_code": state_choice(info.state_code), "gst_scheme": _key_of(SCHEMES, info.gst_scheme),
            "upi_vpa": info.upi_vpa, "address": info.address, "footer_text": info.footer_text,
        })
        self._show_logo(self._pending_logo if self._pending_logo is not None else logo)

    def _fill_billing_form(self, info) -> None:
        self.billing_form.set_values({
            "allowed_gst_rates": ", ".join(format(r, "f") for r in info.allowed_gst_rates),
            "invoice_prefix": info.invoice_prefix, "round_off": info.round_off,
            "allow_negative_stock": info.allow_negative_stock, "cashier_can_return": info.cashier_can_return,
            "loyalty_rupees_per_credit": format(info.loyalty_rupees_per_credit, "f"),
            "credit_value": format(info.credit_value, "f"),
            "print_format": _key_of(PRINT_FORMATS, info.print_format),
            "idle_lock_minutes": str(info.idle_lock_minutes),
            "discount_limit": format(info.discount_limit, "f") if info.discount_limit is not None else "",
        })

    def _show_logo(self, data: bytes | None) -> None:
        if not data:
            self.logo_preview.configure(image=None, text="no logo")
            self._logo_image = None
            return
        from PIL import Image
        try:
            img = Image.open(io.BytesIO(data))
            img.thumbnail((160, 100))
            self._logo_image = ctk.CTkImage(light_image=img.copy(), dark_image=img.copy(), size=img.size)
            self.logo_preview.configure(image=self._logo_image, text="")
        except Exception:  # noqa: BLE001 - the service validates on save
            self.logo_preview.configure(image=None, text="(unreadable image)")

    def choose_logo(self) -> None:
        path = Dialogs.open_path(self, title="Shop logo", types=[("Images", "*.png *.jpg *.jpeg"), ("All", "*")])
        if path:
            self.set_logo_file(path)

    def set_logo_file(self, path: str) -> None:
        try:
            data = files.read_bytes(path, limit=files.MAX_LOGO_BYTES, what="logo (PNG or JPEG)")
        except BillbookError as exc:
            self.shop_form.status.error(str(exc))
            return
        self._pending_logo = data
        self._show_logo(data)
        self.shop_form.status.info("Logo chosen; Save to keep it.")

    def remove_logo(self) -> None:
        self._pending_logo = b""
        self._show_logo(None)
        self.shop_form.status.info("Logo removed; Save to keep this.")

    def save_shop(self) -> None:
        v = self.shop_form.values()
        changes = dict(v, state_code=v["state_code"].split(" ")[0], gst_scheme=SCHEMES.get(v["gst_scheme"], "regular"))
        if self._pending_logo is not None:
            changes["logo"] = self._pending_logo
        self.shop_form.clear_errors()
        self.shop_form.status.info("Saving…")
        self.shop_form.aliases = {"logo": "name"}

        def done(info):
            logo = self._pending_logo if self._pending_logo is not None else (self._shop_data or (None, None))[1]
            self._pending_logo = None
            self.shop_info = info
            self._shop_data = (info, logo or None)
            if hasattr(self.ctx, "shop"):
                try:
                    self.ctx.shop = info
                except AttributeError:
                    pass
            self.shop_form.status.ok("Shop profile saved.")
        run_bg(self.ctx, lambda: shop_service.update_shop(self.ctx.db, self.ctx.actor, **changes), done,
               self.shop_form.show_error)

    # ------------------------------------------------------------ billing rules

    def _build_billing(self, tab) -> None:
        ctk.CTkButton(tab, text="Save billing rules", command=self.save_billing).pack(side="bottom", anchor="w",
                                                                                       padx=8, pady=(6, 2))
        body = ctk.CTkScrollableFrame(tab, fg_color="transparent")
        body.pack(fill="both", expand=True)
        f = self.billing_form = Form(body, columns=2)
        f.pack(fill="x", padx=8, pady=4, anchor="nw")
        f.add("allowed_gst_rates", "Allowed GST rates (%)", width=260, hint="comma separated, e.g. 0, 5, 12, 18, 28")
        f.add("invoice_prefix", "Invoice prefix", width=120, hint="1–5 letters or digits")
        f.add("print_format", "After a sale, print", kind="option", values=list(PRINT_FORMATS), width=200)
        f.add("round_off", "Round the bill to the rupee", kind="switch", hint="Round off")
        f.add("allow_negative_stock", "Allow selling below zero stock", kind="switch", hint="Negative stock")
        f.add("cashier_can_return", "Cashiers may take returns", kind="switch", hint="Cashier returns")
        f.add("loyalty_rupees_per_credit", "Loyalty: ₹ spent per credit", width=120, hint="0 switches loyalty off")
        f.add("credit_value", "Value of one credit (₹)", width=120)
        f.add("idle_lock_minutes", "Lock the screen after idle minutes", width=120, hint="0 = never")
        f.add("discount_limit", "Cashier discounts above (% of bill) need an admin", width=120,
              hint="empty = no limit")
        f.submit_with(self.save_billing)

    def save_billing(self) -> None:
        v = self.billing_form.values()
        changes = dict(v, print_format=PRINT_FORMATS.get(v["print_format"], "a4"))
        changes["discount_limit"] = (v.get("discount_limit") or "").strip() or "none"
        self.billing_form.clear_errors()

        def done(info):
            self.shop_info = info
            self._shop_data = (info, (self._shop_data or (None, None))[1])
            self.billing_form.set_values({"allowed_gst_rates": ", ".join(format(r, "f") for r in info.allowed_gst_rates),
                                          "invoice_prefix": info.invoice_prefix})
            self.billing_form.status.ok("Billing rules saved.")
        run_bg(self.ctx, lambda: shop_service.update_shop(self.ctx.db, self.ctx.actor, **changes), done,
               self.billing_form.show_error)

    # ------------------------------------------------------------ users

    def _build_users(self, tab) -> None:
        tab.grid_columnconfigure(0, weight=1)
        tab.grid_rowconfigure(1, weight=1)
        section(tab, "Users").grid(row=0, column=0, sticky="w", padx=8)
        self.users_table = Table(tab, [Column("username", "User", 140), Column("full_name", "Name", 200, stretch=True),
                                       Column("role", "Role", 90), Column("active", "Active", 70),
                                       Column("locked", "Locked until", 150)], height=10,
                                 on_select=lambda _iid: self._user_selected())
        self.users_table.grid(row=1, column=0, sticky="nsew", padx=8, pady=4)
        actions = ctk.CTkFrame(tab, fg_color="transparent")
        actions.grid(row=2, column=0, sticky="we", padx=8)
        self.role_menu = ctk.CTkOptionMenu(actions, values=[r.value for r in Role], width=110)
        self.role_menu.pack(side="left")
        ctk.CTkButton(actions, text="Set role", width=90, command=self.set_role).pack(side="left", padx=6)
        self.active_btn = ctk.CTkButton(actions, text="Deactivate", width=110, command=self.toggle_active)
        self.active_btn.pack(side="left", padx=6)
        reset = ctk.CTkFrame(tab, fg_color="transparent")        # a row of its own: fits a narrow window
        reset.grid(row=3, column=0, sticky="we", padx=8, pady=(4, 0))
        self.reset_entry = ctk.CTkEntry(reset, placeholder_text="new password", show="•", width=160)
        self.reset_entry.pack(side="left", padx=(0, 6))
        ctk.CTkButton(reset, text="Reset password", width=130, command=self.reset_password).pack(side="left")
        self.users_status = StatusLine(tab)
        self.users_status.grid(row=4, column=0, sticky="we", padx=8)

        panel = ctk.CTkFrame(tab)
        panel.grid(row=0, column=1, rowspan=5, sticky="nsew", padx=(8, 4), pady=4)
        section(panel, "Add a user").pack(anchor="w", padx=12, pady=(10, 4))
        ctk.CTkButton(panel, text="Add user", command=self.add_user).pack(side="bottom", anchor="w", padx=12,
                                                                          pady=(4, 12))
        add = ctk.CTkScrollableFrame(panel, fg_color="transparent", width=220)
        add.pack(fill="both", expand=True, padx=(0, 4))
        f = self.add_user_form = Form(add, columns=1, aliases={"new_password": "password"})
        f.pack(fill="x", padx=12)
        f.add("username", "User name", width=200)
        f.add("full_name", "Full name", width=200)
        f.add("role", "Role", kind="option", values=[r.value for r in Role], width=200)
        f["role"].set("cashier")
        f.add("password", "Password", kind="password", width=200, hint="at least 8 characters")
        f.submit_with(self.add_user)
        add.configure(width=f.natural_width() + 16)

    def reload_users(self) -> None:
        def done(users):
            self.users_table.set_rows([
                (u.username, (u.username, u.full_name, u.role, "yes" if u.active else "no",
                              u.locked_until.strftime("%d-%m-%Y %H:%M") if u.locked_until else ""), u)
                for u in users], tags={u.username: ("muted",) for u in users if not u.active})
        run_bg(self.ctx, lambda: user_service.list_users(self.ctx.db, self.ctx.actor), done,
               lambda e: self.users_status.error(error_text(e)))

    def _user_selected(self) -> None:
        user = self.users_table.selected_obj()
        if user is not None:
            self.role_menu.set(user.role)
            self.active_btn.configure(text="Deactivate" if user.active else "Reactivate")

    def _user_action(self, fn, message: str, then=None) -> None:
        """Run ``fn(selected user)`` in the background; on success show ``message`` and call
        ``then()`` (on the Tk thread)."""
        user = self.users_table.selected_obj()
        if user is None:
            self.users_status.error("Select a user in the list first.")
            return

        def done(_r):
            self.users_status.ok(message.format(user=user.username))
            if then is not None:
                then()
            self.reload_users()
        run_bg(self.ctx, lambda: fn(user), done, lambda e: self.users_status.error(error_text(e)))

    def set_role(self) -> None:
        role = self.role_menu.get()
        self._user_action(lambda u: user_service.set_role(self.ctx.db, self.ctx.actor, u.username, role),
                          "{user} is now " + role + ".")

    def toggle_active(self) -> None:
        user = self.users_table.selected_obj()
        if user is not None and user.active:
            self._user_action(lambda u: user_service.deactivate(self.ctx.db, self.ctx.actor, u.username),
                              "{user} can no longer log in.")
        else:
            self._user_action(lambda u: user_service.reactivate(self.ctx.db, self.ctx.actor, u.username),
                              "{user} can log in again.")

    def reset_password(self) -> None:
        password = self.reset_entry.get()
        self._user_action(lambda u: user_service.reset_password(self.ctx.db, self.ctx.actor, u.username, password),
                          "Password of {user} reset.", then=lambda: self.reset_entry.delete(0, "end"))

    def add_user(self) -> None:
        v = self.add_user_form.values()
        self.add_user_form.clear_errors()

        def done(info):
            self.add_user_form.clear()
            self.add_user_form["role"].set("cashier")
            self.add_user_form.status.ok(f"User {info.username} added as {info.role}.")
            self.reload_users()
        run_bg(self.ctx, lambda: user_service.add_user(self.ctx.db, self.ctx.actor, v["username"], v["password"],
                                                       v["role"], v["full_name"]),
               done, self.add_user_form.show_error)

    # ------------------------------------------------------------ own password

    def _build_password(self, tab) -> None:
        f = self.password_form = Form(tab, columns=1)
        f.pack(anchor="nw", padx=8, pady=4)
        f.add("old_password", "Current password", kind="password", width=260)
        f.add("new_password", "New password", kind="password", width=260, hint="at least 8 characters")
        f.add("repeat", "New password again", kind="password", width=260)
        f.submit_with(self.change_password)
        ctk.CTkButton(tab, text="Change my password", command=self.change_password).pack(anchor="w", padx=8, pady=8)

    def change_password(self) -> None:
        v = self.password_form.values()
        if v["new_password"] != v["repeat"]:
            self.password_form.show_error(ValidationError("repeat", "the two new passwords differ"))
            return
        self.password_form.clear_errors()

        def done(_r):
            self.password_form.clear()
            self.password_form.status.ok("Your password was changed.")
        run_bg(self.ctx, lambda: user_service.change_own_password(self.ctx.db, self.ctx.actor, v["old_password"],
                                                                  v["new_password"]),
               done, self.password_form.show_error)

    # ------------------------------------------------------------ database

    def _build_database(self, tab) -> None:
        db = self.ctx.db
        ctk.CTkLabel(tab, text=f"This terminal uses: {db.display_name}", anchor="w").pack(anchor="w", padx=8, pady=(4, 8))
        self.db_kind = ctk.CTkSegmentedButton(tab, values=["SQLite file", "MySQL server"], command=self._db_kind_changed)
        self.db_kind.pack(anchor="w", padx=8)
        self.db_kind.set("SQLite file" if db.is_sqlite else "MySQL server")
        f = self.db_form = Form(tab, columns=1)
        f.pack(anchor="nw", padx=8, pady=8)
        f.add("url", "Database", width=560,
              hint="SQLite: a file path.  MySQL: mysql+mysqlconnector://user:password@host:3306/billbook")
        f["url"].set(str(db.engine.url.database) if db.is_sqlite else db.safe_url)
        row = ctk.CTkFrame(tab, fg_color="transparent")
        row.pack(anchor="w", padx=8)
        self.test_btn = ctk.CTkButton(row, text="Test connection", command=self.test_connection)
        self.test_btn.pack(side="left")
        ctk.CTkButton(row, text="Use on next start", command=self.save_connection).pack(side="left", padx=8)
        ctk.CTkLabel(tab, text="The choice is saved in this computer's billbook config file (readable only by you); "
                               "restart billbook to switch.", text_color=MUTED, anchor="w",
                     wraplength=700, justify="left").pack(anchor="w", padx=8, pady=8)

    def _db_kind_changed(self, kind: str) -> None:
        if kind == "MySQL server" and "://" not in self.db_form["url"].get():
            self.db_form["url"].set("mysql+mysqlconnector://billbook:@127.0.0.1:3306/billbook")
        elif kind == "SQLite file" and "://" in self.db_form["url"].get():
            from billbook.config import default_sqlite_url
            self.db_form["url"].set(default_sqlite_url().removeprefix("sqlite:///"))

    def _url(self) -> str:
        url = self.db_form["url"].get().strip()
        if url and "://" not in url:
            url = f"sqlite:///{Path(url).expanduser()}"
        return url

    def test_connection(self) -> None:
        url = self._url()
        self.db_form.status.info("Testing…")
        self.test_btn.configure(state="disabled")

        def done(report: ConnectionReport):
            self.test_btn.configure(state="normal")
            (self.db_form.status.ok if report.ok else self.db_form.status.error)(report.message)
        run_bg(self.ctx, lambda: probe_database(url), done,
               lambda e: (self.test_btn.configure(state="normal"), self.db_form.status.error(error_text(e))))

    def save_connection(self) -> None:
        url = self._url()
        if not url:
            self.db_form.show_error(ValidationError("url", "enter a file path or a MySQL URL"))
            return
        if "***" in url:
            self.db_form.show_error(ValidationError("url", "type the password instead of ***"))
            return

        def done(report: ConnectionReport):
            if not report.ok:
                self.db_form.status.error(report.message + " Not saved.")
                return
            from billbook.config import write_config
            write_config({"database_url": url})
            self.db_form.status.ok(report.message + " Saved; restart billbook to use it.")
        run_bg(self.ctx, lambda: probe_database(url), done, lambda e: self.db_form.status.error(error_text(e)))

    # ------------------------------------------------------------ backup

    def _build_backup(self, tab) -> None:
        self.backup_status = StatusLine(tab, wraplength=800)
        try:
            from billbook.services.data import backup# noqa: F401
        except ImportError:
            ctk.CTkLabel(tab, text="Backup and restore are not available in this build yet.", text_color=MUTED,
                         anchor="w").pack(anchor="w", padx=8, pady=8)
            self.backup_status.pack(anchor="w", padx=8)
            self.backup_service = None
            return
        self.backup_service = backup
        ctk.CTkLabel(tab, text="A backup is one file with every table and a checksum. Restore checks the file and "
                               "never leaves a half-restored database.", anchor="w", wraplength=800,
                     justify="left").pack(anchor="w", padx=8, pady=(4, 8))
        row = ctk.CTkFrame(tab, fg_color="transparent")
        row.pack(anchor="w", padx=8)
        self.backup_btn = ctk.CTkButton(row, text="Back up now", command=self.backup_now)
        self.backup_btn.pack(side="left")
        self.restore_btn = ctk.CTkButton(row, text="Restore from file…", command=self.restore,
                                         state="normal" if self.ctx.actor.can(Permission.RESTORE) else "disabled")
        self.restore_btn.pack(side="left", padx=8)
        self.backup_status.pack(anchor="w", padx=8, pady=8)

    def backup_now(self) -> None:
        fn = getattr(self.backup_service, "backup_now", None) or getattr(self.backup_service, "backup", None)
        if fn is None:
            self.backup_status.error("This build has no backup function.")
            return
        self.backup_status.info("Backing up…")
        self.backup_btn.configure(state="disabled")

        def done(result):
            self.backup_btn.configure(state="normal")
            where = getattr(result, "path", result)
            self.backup_status.ok(f"Backup written: {where}")

        def failed(exc):
            self.backup_btn.configure(state="normal")
            self.backup_status.error(error_text(exc))
        run_bg(self.ctx, lambda: fn(self.ctx.db, self.ctx.actor), done, failed)

    def restore(self) -> None:
        fn = getattr(self.backup_service, "restore", None)
        if fn is None:
            self.backup_status.error("This build has no restore function.")
            return
        path = Dialogs.open_path(self, title="Restore a backup", types=[("billbook backup", "*.zip"), ("All", "*")])
        if not path or not Dialogs.confirm(self, "Restore", "Replace this shop's data with the backup? "
                                                              "billbook restarts afterwards."):
            return
        self.backup_status.info("Restoring…")
        run_bg(self.ctx, lambda: fn(self.ctx.db, self.ctx.actor, path),
               lambda r: self.backup_status.ok(f"Restored from {path}. Restart billbook now."),
               lambda e: self.backup_status.error(error_text(e)))
