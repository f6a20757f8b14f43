"""Desktop entry point: open (and migrate) the database, then the first-run wizard or the login.

One window (:class:`App`) swaps three faces: the first-run wizard (no users yet), the login
form (also the lock screen), and the shell with its screens. The role comes from the
account; there is one login form for everybody.

Start-up is quick because the login window shows before the database layer is even
imported: ``App(url=...)`` opens (and migrates) the database in a worker thread while the
cashier types the user name; the form waits for it on submit, and a database without
users swaps the form for the first-run wizard.
"""

from __future__ import annotations

import logging
import sys
import time
import tkinter as tk
from pathlib import Path

import customtkinter as ctk

from typing import TYPE_CHECKING

from billbook import config, files
from billbook.gui import theme
from billbook.gui.context import AppContext, cancel_timers, plain_error
from billbook.errors import BillbookError, ValidationError

if TYPE_CHECKING:
    from billbook.db.uow import Database
    from billbook.services.base import Actor

log = logging.getLogger("billbook.gui")

DEFAULT_GEOMETRY = "1366x768"
MIN_SIZE = (1024, 600)     # the smallest laptop screen billbook fits (issue 16)


def _state_choices() -> list[str]:
    from billbook.domain.gst import STATES
    return [f"{code} — {name}" for code, name in sorted(STATES.items())]


class Field(ctk.CTkFrame):
    """A labelled entry with a line for its own error message."""

    def __init__(self, master, label: str, *, show: str | None = None, placeholder: str = "", width: int = 300):
        super().__init__(master, fg_color="transparent")
        ctk.CTkLabel(self, text=label, anchor="w", font=theme.font(12), height=20).pack(fill="x")
        kw = {"show": show} if show else {}
        self.entry = ctk.CTkEntry(self, width=width, height=34, placeholder_text=placeholder or None,
                                  font=theme.font(13), **kw)
        self.entry.pack(fill="x")
        self.error = ctk.CTkLabel(self, text="", anchor="w", text_color=theme.ERROR, font=theme.font(11),
                                  height=16)
        self.error.pack(fill="x")

    def get(self) -> str:
        return self.entry.get()

    def set(self, text: str) -> None:
        self.entry.delete(0, "end")
        if text:
            self.entry.insert(0, text)

    def set_error(self, text: str) -> None:
        self.error.configure(text=text)
        self.entry.configure(border_color=theme.ERROR if text else ctk.ThemeManager.theme["CTkEntry"]["border_color"])


class FirstRunWizard(ctk.CTkFrame):
    """Create the first admin and the shop profile, then log straight in."""

    def __init__(self, master: App):
        super().__init__(master, fg_color="transparent")
        self.app = master
        self.ctx = master.ctx
        self._logo: bytes | None = None
        card = ctk.CTkFrame(self, corner_radius=14)
        card.place(relx=0.5, rely=0.5, anchor="center")
        ctk.CTkLabel(card, text="Welcome to billbook", font=theme.font(24, "bold")).grid(
            row=0, column=0, columnspan=2, padx=28, pady=(22, 0), sticky="w")
        ctk.CTkLabel(card, text="Set up your shop and its first admin account. You can change all of this "
                     "later in Settings.", font=theme.font(13), text_color=theme.MUTED).grid(
            row=1, column=0, columnspan=2, padx=28, pady=(2, 12), sticky="w")
        left = ctk.CTkFrame(card, fg_color="transparent")
        right = ctk.CTkFrame(card, fg_color="transparent")
        left.grid(row=2, column=0, padx=(28, 14), sticky="n")
        right.grid(row=2, column=1, padx=(14, 28), sticky="n")
        ctk.CTkLabel(left, text="Admin account", font=theme.font(15, "bold"), anchor="w").pack(fill="x", pady=(0, 4))
        self.username = Field(left, "User name", placeholder="e.g. owner")
        self.full_name = Field(left, "Full name (optional)")
        self.password = Field(left, "Password", show="•", placeholder="at least 8 characters")
        self.confirm = Field(left, "Password again", show="•")
        for f in (self.username, self.full_name, self.password, self.confirm):
            f.pack(fill="x")
        ctk.CTkLabel(right, text="Shop", font=theme.font(15, "bold"), anchor="w").pack(fill="x", pady=(0, 4))
        self.shop_name = Field(right, "Shop name", placeholder="as printed on invoices")
        self.shop_name.pack(fill="x")
        ctk.CTkLabel(right, text="State", anchor="w", font=theme.font(12), height=20).pack(fill="x")
        self.state = ctk.CTkOptionMenu(right, values=_state_choices(), width=300, height=32, font=theme.font(13),
                                       dynamic_resizing=False)
        current = self.ctx.shop.state_code or "27"
        self.state.set(next(c for c in _state_choices() if c.startswith(current)))
        self.state.pack(fill="x", pady=(0, 16))
        self.gstin = Field(right, "GSTIN (leave empty if unregistered)", placeholder="27ABCDE1234F1Z5")
        self.upi = Field(right, "UPI id for QR payments (optional)", placeholder="shopname@bank")
        self.prefix = Field(right, "Invoice prefix", placeholder="INV")
        self.prefix.set(self.ctx.shop.invoice_prefix or "INV")
        for f in (self.gstin, self.upi, self.prefix):
            f.pack(fill="x")
        logo_row = ctk.CTkFrame(right, fg_color="transparent")
        logo_row.pack(fill="x", pady=(0, 6))
        ctk.CTkButton(logo_row, text="Choose logo…", width=120, command=self._choose_logo,
                      fg_color="transparent", border_width=1, text_color=("gray10", "gray90")).pack(side="left")
        self.logo_label = ctk.CTkLabel(logo_row, text="No logo (optional)", text_color=theme.MUTED,
                                       font=theme.font(12), anchor="w")
        self.logo_label.pack(side="left", padx=10, fill="x", expand=True)
        self.message = ctk.CTkLabel(card, text="", text_color=theme.ERROR, font=theme.font(13), wraplength=640,
                                    anchor="w", justify="left")
        self.message.grid(row=3, column=0, columnspan=2, padx=28, sticky="we")
        self.submit = ctk.CTkButton(card, text="Create shop and log in", height=40, font=theme.font(15, "bold"),
                                    command=self.save)
        self.submit.grid(row=4, column=0, columnspan=2, padx=28, pady=(6, 24), sticky="we")
        self._fields = {"username": self.username, "password": self.password, "new_password": self.password,
                        "name": self.shop_name, "gstin": self.gstin, "upi_vpa": self.upi,
                        "invoice_prefix": self.prefix, "full_name": self.full_name}
        for f in (self.username, self.full_name, self.password, self.confirm, self.shop_name, self.gstin,
                  self.upi, self.prefix):
            f.entry.bind("<Return>", lambda _e: self.save())
        self.after(50, self.focus_first)

    def focus_first(self) -> None:
        self.username.entry.focus_set()

    def _choose_logo(self) -> None:
        from tkinter import filedialog
        from billbook.gui.forms import documents_folder
        path = filedialog.askopenfilename(parent=self, title="Shop logo", initialdir=documents_folder(),
                                          filetypes=[("Images", "*.png *.jpg *.jpeg"), ("All files", "*")])
        if path:
            self.set_logo(Path(path))

    def set_logo(self, path: Path) -> None:
        try:
            self._logo = files.read_bytes(path, limit=files.MAX_LOGO_BYTES, what="logo (PNG or JPEG)")
        except BillbookError as exc:
            self.message.configure(text=str(exc))
            return
        self.logo_label.configure(text=path.name, text_color=("gray10", "gray90"))

    def _clear_errors(self) -> None:
        for f in set(self._fields.values()) | {self.confirm}:
            f.set_error("")
        self.message.configure(text="")

    def save(self) -> None:
        self._clear_errors()
        bad = []                        # every bad field at once
        if not self.username.get().strip():
            bad.append((self.username, "choose a user name"))
        if len(self.password.get()) < 8:
            bad.append((self.password, "at least 8 characters"))
        if self.password.get() != self.confirm.get():
            bad.append((self.confirm, "the two passwords differ"))
        if not self.shop_name.get().strip():
            bad.append((self.shop_name, "the shop needs a name"))
        if bad:
            for f, text in bad:
                f.set_error(text)
            bad[0][0].entry.focus_set()
            return
        values = dict(username=self.username.get(), password=self.password.get(), full_name=self.full_name.get())
        shop = dict(name=self.shop_name.get(), state_code=self.state.get()[:2], gstin=self.gstin.get(),
                    upi_vpa=self.upi.get(), invoice_prefix=self.prefix.get() or "INV", logo=self._logo)
        db, terminal = self.ctx.db, self.ctx.terminal

        def work():
            from billbook.services.people import shop as shop_service
            from billbook.services.people import users as user_service
            # one transaction: the admin and the shop together, or nothing at all
            user_service.create_shop_and_first_admin(db, values["username"], values["password"],
                                                     values["full_name"], **shop)
            actor = user_service.login(db, values["username"], values["password"], terminal)
            return actor, shop_service.get_shop(db)

        self.submit.configure(state="disabled")
        self.ctx.run_in_background(work, on_done=self._done, on_error=self._failed, busy="Creating your shop…",
                                   app_wide=True)

    def _done(self, result) -> None:
        actor, info = result
        self.ctx.shop = info
        self.app.start_session(actor)

    def _failed(self, exc: BaseException) -> None:
        # nothing was written: every field stays editable, the one at fault is marked
        self.submit.configure(state="normal")
        field = getattr(exc, "field", None)
        if isinstance(exc, ValidationError) and field in self._fields:
            self._fields[field].set_error(exc.message)
            self._fields[field].entry.focus_set()
        else:
            self.message.configure(text=plain_error(exc))


class LoginForm(ctk.CTkFrame):
    """The one login form; with ``locked_user`` it is the lock screen for that user."""

    def __init__(self, master: App, *, locked_user: str | None = None):
        super().__init__(master, fg_color="transparent")
        self.app = master
        self.ctx = master.ctx
        self.locked_user = locked_user
        card = ctk.CTkFrame(self, corner_radius=14, width=420)
        card.place(relx=0.5, rely=0.45, anchor="center")
        self.shop_label = ctk.CTkLabel(card, text=self.ctx.shop.name if self.ctx.shop else "billbook",
                                       font=theme.font(24, "bold"))
        self.shop_label.pack(padx=40, pady=(28, 0))
        sub = (f"Locked — {locked_user}, enter your password to continue" if locked_user
               else "Log in to start billing")
        ctk.CTkLabel(card, text=sub, text_color=theme.MUTED, font=theme.font(13)).pack(padx=40, pady=(2, 16))
        self.user = ctk.CTkEntry(card, placeholder_text="User name", width=320, height=38, font=theme.font(14))
        self.user.pack(padx=40, pady=6)
        self.password = ctk.CTkEntry(card, placeholder_text="Password", show="•", width=320, height=38,
                                     font=theme.font(14))
        self.password.pack(padx=40, pady=6)
        self.message = ctk.CTkLabel(card, text="", text_color=theme.ERROR, font=theme.font(13), wraplength=320,
                                    height=24)
        self.message.pack(padx=40, pady=(4, 0))
        self.button = ctk.CTkButton(card, text="Unlock" if locked_user else "Log in", width=320, height=40,
                                    font=theme.font(15, "bold"), command=self.submit)
        self.button.pack(padx=40, pady=(6, 8))
        if locked_user:
            self.user.insert(0, locked_user)
            self.user.configure(state="disabled")
            ctk.CTkButton(card, text="Log out instead", width=320, fg_color="transparent",
                          text_color=theme.ACCENT, hover_color=theme.PANEL,
                          command=self.app.request_logout).pack(padx=40, pady=(0, 6))
        self.where = ctk.CTkLabel(card, text="", text_color=theme.MUTED, font=theme.font(11), wraplength=340)
        self.where.pack(padx=40, pady=(4, 22))
        self.refresh()
        self.user.bind("<Return>", lambda _e: self.password.focus_set())
        self.password.bind("<Return>", lambda _e: self.submit())
        self.after(30, self._initial_focus)

    def _initial_focus(self) -> None:
        """Focus the first field, unless the person already clicked or typed into this form."""
        try:
            current = self.focus_get()
        except (KeyError, tk.TclError):
            current = None
        if current is not None and str(current).startswith(str(self) + "."):
            return
        self.focus_first()

    def focus_first(self) -> None:
        (self.password if self.locked_user else self.user).focus_set()

    def refresh(self) -> None:
        """Shop name and database, once the database is open."""
        if self.ctx.shop is not None:
            self.shop_label.configure(text=self.ctx.shop.name)
        where = self.ctx.db.display_name if self.ctx.db is not None else "opening the database…"
        self.where.configure(text=f"Terminal {self.ctx.terminal}  ·  {where}")

    def submit(self) -> None:
        if self.ctx.db is None:             # still opening: try again in a moment
            self.message.configure(text="Opening the database…", text_color=theme.MUTED)
            self.after(100, self.submit)
            return
        self.message.configure(text_color=theme.ERROR)
        from billbook.services.people import users as user_service
        username = self.locked_user or self.user.get()
        password = self.password.get()
        if not username.strip() or not password:
            self.message.configure(text="Enter your user name and password.")
            return
        self.button.configure(state="disabled")
        self.message.configure(text="")
        db, terminal = self.ctx.db, self.ctx.terminal
        self.ctx.run_in_background(lambda: user_service.login(db, username, password, terminal),
                                   on_done=self._ok, on_error=self._refused, busy="Checking your password…",
                                   app_wide=True)

    def _ok(self, actor: Actor) -> None:
        if self.locked_user:
            self.app.unlock(actor)
        else:
            self.app.start_session(actor)

    def _refused(self, exc: BaseException) -> None:
        self.button.configure(state="normal")
        self.password.delete(0, "end")
        self.message.configure(text=plain_error(exc))
        self.password.focus_set()


class Ask(ctk.CTkFrame):
    """A small question over the whole window: Enter takes the first choice, Esc the last."""

    def __init__(self, master, title: str, text: str, choices: list[tuple[str, object]]):
        super().__init__(master, corner_radius=12, border_width=2, border_color=theme.WARN)
        self.choices = choices
        ctk.CTkLabel(self, text=title, font=theme.font(16, "bold"), anchor="w").pack(fill="x", padx=18, pady=(14, 2))
        ctk.CTkLabel(self, text=text, font=theme.font(13), anchor="w", justify="left", wraplength=460).pack(
            fill="x", padx=18)
        row = ctk.CTkFrame(self, fg_color="transparent")
        row.pack(fill="x", padx=18, pady=(10, 14))
        for i, (label, _fn) in enumerate(choices):
            ctk.CTkButton(row, text=label, command=lambda i=i: self.choose(i),
                          **({} if i == 0 else {"fg_color": "transparent", "border_width": 1,
                                                 "text_color": ("gray10", "gray90")})).pack(side="left", padx=(0, 8))
        # keys on the frame's own window (CTkFrame.bind would bind its canvas, which never has the focus)
        tk.Misc.bind(self, "<Return>", lambda _e: self.choose(0) or "break")
        tk.Misc.bind(self, "<KP_Enter>", lambda _e: self.choose(0) or "break")
        tk.Misc.bind(self, "<Escape>", lambda _e: self.choose(len(choices) - 1) or "break")
        self.place(relx=0.5, rely=0.4, anchor="center")
        self.lift()
        self.focus_set()

    def choose(self, index: int) -> None:
        fn = self.choices[index][1]
        if self.winfo_exists():
            self.destroy()
        if callable(fn):
            fn()


class App(ctk.CTk):
    """The billbook window."""

    def __init__(self, db: Database | None = None, *, url: str | None = None, geometry: str | None = None,
                 theme_mode: str | None = None):
        cfg = config.read_config()
        self.theme_mode = theme_mode or cfg.get("gui_theme", "system")
        theme.set_theme(self.theme_mode)
        super().__init__()
        self.db = db
        self.ctx = AppContext(self, db, None, terminal=config.terminal_name())
        self.minsize(*MIN_SIZE)
        self.geometry(geometry or cfg.get("gui_geometry") or DEFAULT_GEOMETRY)
        self.face: ctk.CTkFrame | None = None
        self.shell = None
        self.protocol("WM_DELETE_WINDOW", self.request_close)
        self.question: Ask | None = None
        self.last_activity = time.monotonic()
        for seq in ("<KeyPress>", "<Motion>", "<ButtonPress>"):
            self.bind_all(seq, self._activity, add="+")
        if db is not None:
            self._opened(_load(db))
        else:
            self.set_title()
            self.show(LoginForm(self))
            # open the database once the window is on screen, so its imports don't slow the first paint
            self._url, self._open_started = url, False
            self.face.bind("<Map>", lambda _e: self._start_open(), add="+")
            self.after(300, self._start_open)

    def _start_open(self) -> None:
        if self._open_started:
            return
        self._open_started = True
        url = self._url
        self.ctx.run_in_background(lambda: _load(_open(url)), on_done=self._opened, on_error=self._open_failed,
                                   busy="Opening the database…", app_wide=True)

    def _opened(self, loaded) -> None:
        db, info, has_users = loaded
        self.db = self.ctx.db = db
        self.ctx.shop = info
        self.set_title()
        if not has_users:
            self.show(FirstRunWizard(self))
        elif isinstance(self.face, LoginForm):
            self.face.refresh()
        else:
            self.show(LoginForm(self))

    def _open_failed(self, exc: BaseException) -> None:
        log.error("cannot open the database", exc_info=exc)
        if isinstance(self.face, LoginForm):
            self.face.message.configure(text=f"Cannot open the database: {plain_error(exc)}", text_color=theme.ERROR)
            self.face.button.configure(state="disabled")

    def _activity(self, _event=None) -> None:
        self.last_activity = time.monotonic()

    def set_title(self) -> None:
        self.title(f"billbook — {self.ctx.shop.name}" if self.ctx.shop else "billbook")

    def show(self, frame: ctk.CTkFrame) -> None:
        if self.face is not None and self.face is not self.shell:
            cancel_timers(self.face)            # its pending after()s must not outlive it
            self.face.destroy()
        elif self.face is self.shell and self.shell is not None:
            self.shell.pack_forget()
        self.face = frame
        frame.pack(fill="both", expand=True)

    def start_session(self, actor: Actor) -> None:
        from billbook.gui.shell import Shell
        if self.shell is not None:
            self._end_shell()
        self.ctx.actor = actor
        self.set_title()
        self.ctx.begin_session()
        self.shell = Shell(self, self.ctx)
        self.show(self.shell)
        self.shell.start()

    def lock(self) -> None:
        """Hide the shell (its screens and the cart are kept) behind the lock screen."""
        if self.ctx.actor is None or self.face is not self.shell:
            return
        self.show(LoginForm(self, locked_user=self.ctx.actor.username))

    def unlock(self, actor: Actor) -> None:
        self.ctx.actor = actor
        self.show(self.shell)
        self.shell.resume()

    def _end_shell(self) -> None:
        """Tear the session down: the shell's timers and screens, then every callback it left."""
        shell, self.shell = self.shell, None
        if shell is not None:
            shell.stop()
            if self.face is shell:
                self.face = None
        self.ctx.end_session()
        if shell is not None:
            cancel_timers(shell)                # e.g. a search box's debounce, the dashboard's drawing
            shell.destroy()

    def open_cart(self):
        """The billing screen when it holds an open cart, else None."""
        billing = self.shell.screens.get("billing") if self.shell is not None else None
        return billing if billing is not None and getattr(billing, "cart", None) is not None \
            and billing.cart.lines else None

    def ask(self, title: str, text: str, choices: list[tuple[str, object]]) -> Ask:
        if self.question is not None and self.question.winfo_exists():
            self.question.destroy()
        self.question = Ask(self, title, text, choices)
        return self.question

    def request_logout(self) -> None:
        """Log out (Ctrl+Shift+Q, the sidebar, the lock screen); with a cart open, ask first and hold it."""
        billing = self.open_cart()
        if billing is None:
            self.logout()
            return
        lines = len(billing.cart.lines)
        self.ask("Log out with a cart open?",
                 f"The cart ({lines} line{'s' if lines != 1 else ''}) will be held: F5 on the counter resumes it, "
                 "on any terminal.",
                 [("Hold the cart and log out  (Enter)", lambda: billing.hold(then=self.logout)),
                  ("Stay  (Esc)", self._back_to_work)])

    def request_close(self) -> None:
        """The window's close button: with a cart open, ask first (the cart is kept either way)."""
        billing = self.open_cart()
        if billing is None:
            self.close()
            return
        lines = len(billing.cart.lines)
        self.ask("Close billbook with a cart open?",
                 f"The cart ({lines} line{'s' if lines != 1 else ''}) is kept on this terminal and offered back "
                 "at the next start.",
                 [("Keep the cart and close  (Enter)", self.close), ("Stay  (Esc)", self._back_to_work)])

    def _back_to_work(self) -> None:
        if self.face is not None and hasattr(self.face, "focus_first"):
            self.face.focus_first()
        elif self.shell is not None and self.shell.current:
            self.shell.show(self.shell.current)

    def logout(self) -> None:
        actor = self.ctx.actor
        self._end_shell()
        self.ctx.actor = None
        self.save_window()
        if actor is not None:
            from billbook.services.people import users as user_service
            db = self.db
            self.ctx.run_in_background(lambda: user_service.logout(db, actor), app_wide=True)
        self.show(LoginForm(self))

    def save_window(self) -> None:
        try:
            config.write_config({"gui_geometry": self.geometry(), "gui_theme": self.theme_mode})
        except OSError as exc:  # a read-only home must not stop the app
            log.warning("cannot save window settings: %s", exc)

    def set_theme_mode(self, mode: str) -> None:
        """light, dark or system; remembered in the config file."""
        self.theme_mode = mode if mode in theme.THEMES else "system"
        theme.set_theme(self.theme_mode)
        self.save_window()

    def close(self) -> None:
        """Close now: the open cart is saved (offered back at the next start), the session ends."""
        self.save_window()
        actor = self.ctx.actor
        if self.shell is not None:
            self.shell.stop()          # the counter saves its open cart here, on this thread
        self.ctx.end_session()         # nothing of the session calls back into the dying window
        if actor is not None:
            from billbook.services.people import users as user_service
            try:
                user_service.logout(self.db, actor)
            except BillbookError:
                pass
        try:
            self.ctx.wait_idle(2)      # let running work finish so nothing outlives the window
        except TimeoutError:
            log.warning("closing with background work still running")
        self.ctx.shutdown()
        self._cancel_all_timers()
        self.destroy()
        import gc
        gc.collect()   # free Tk objects on the Tk thread, not later in some worker thread


    def _cancel_all_timers(self) -> None:
        """Before the window goes: cancel every after() still pending on it, so none fires into
        the destroyed window ("invalid command name …" on the terminal). customtkinter's
        appearance and scaling trackers run their loops on a window's after(); when theirs is
        cancelled here, they are told to start it again on the next window."""
        cancelled = cancel_timers(self)
        if any(name.endswith("check_dpi_scaling") for name in cancelled):
            ctk.ScalingTracker.update_loop_running = False
        if any(name.endswith("update") for name in cancelled):
            ctk.AppearanceModeTracker.update_loop_running = False
        log.debug("cancelled %d pending timer(s) at close", len(cancelled))


def _open(url: str | None):
    from billbook.db.bootstrap import open_database
    return open_database(url)


def _load(db):
    """(db, shop info, whether it has users): what the window needs from a fresh database."""
    from billbook.services.people import shop as shop_service
    from billbook.services.people import users as user_service
    return db, shop_service.get_shop(db), user_service.has_users(db)


def main(argv: list[str] | None = None) -> None:
    """``billbook-gui [--db URL]``."""
    import argparse
    parser = argparse.ArgumentParser(prog="billbook-gui", description="billbook desktop app")
    parser.add_argument("--db", help="database URL (default: BILLBOOK_DATABASE_URL, config file, or SQLite)")
    parser.add_argument("--theme", choices=theme.THEMES, help="light, dark or system")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        app = App(url=args.db, theme_mode=args.theme)
    except tk.TclError as exc:
        print(f"error: cannot open a window ({exc}). Is a display available?", file=sys.stderr)
        sys.exit(1)
    app.mainloop()


if __name__ == "__main__":
    main()
