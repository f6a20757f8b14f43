"""The app shell: sidebar of the screens the role may use, message bar, status bar, idle lock.

Screens come from ``gui/screens`` through the registry (see ``gui/registry.py``); the
shell builds each on first show, or ahead while the user is idle (see below). Keys:

- each screen's ``shortcut`` (e.g. ``<F1>`` Billing) switches to it; a role without the
  screen's permission is refused with a message, even by shortcut;
- a screen binds its own keys with ``ctx.bind_key(self, "<F8>", handler)``; they fire only
  while that screen is shown and win over screen shortcuts;
- ``Ctrl+L`` locks, ``Ctrl+Shift+Q`` logs out.

Every role can change their own password from the sidebar ("Change password"). While the
shell runs, automatic backups are looked after in the background: shortly after login and
then every 15 minutes ``services.backup.auto_backup_if_due`` runs (it backs up only when the
newest automatic backup is older than the shop's interval); a backup made shows quietly in
the status bar, a failed one as an error in the message bar.
"""

from __future__ import annotations

import logging
import time
import tkinter as tk
from collections.abc import Callable

import customtkinter as ctk

from billbook.domain.permissions import Permission
from billbook.gui import registry, theme
from billbook.gui.context import AppContext, plain_error
from billbook.gui.widgets.fit import ElidedLabel
from billbook.gui.widgets.message_bar import MessageBar
from billbook.services.people import shop as shop_service

log = logging.getLogger("billbook.gui")

HEALTH_EVERY_MS = 30_000
IDLE_CHECK_MS = 5_000
#: the first automatic-backup check after login, then one every 15 minutes
BACKUP_FIRST_MS = 60_000
BACKUP_EVERY_MS = 15 * 60_000
#: after login, screens' slow preparations (imports) run in the background
PREPARE_AFTER_MS = 1_500
#: a screen is built ahead only after this long without a key press, click or mouse move
PREBUILD_IDLE_MS = 1_500
#: how often the shell looks whether it may build the next screen ahead
PREBUILD_CHECK_MS = 250
#: the names under which screens keep an open dialog or panel (a frame placed over them)
DIALOG_ATTRIBUTES = ("overlay", "approval", "labels_panel")


def pretty_key(sequence: str | None) -> str:
    if not sequence:
        return ""
    key = sequence.strip("<>").replace("Control-", "Ctrl+").replace("Alt-", "Alt+").replace("Shift-", "Shift+")
    return key.replace("Key-", "")


class ScreenError(ctk.CTkFrame):
    """Shown in place of a screen whose code failed to build: the app keeps working."""

    def __init__(self, master, title: str, error: BaseException):
        super().__init__(master, fg_color="transparent")
        ctk.CTkLabel(self, text=f"{title} could not be opened", font=theme.font(18, "bold")).pack(pady=(80, 8))
        ctk.CTkLabel(self, text=plain_error(error), text_color=theme.ERROR, wraplength=700,
                     font=theme.font(13)).pack()


class Shell(ctk.CTkFrame):
    def __init__(self, app, ctx: AppContext):
        super().__init__(app, fg_color="transparent")
        self.app = app
        self.ctx = ctx
        ctx.shell = self
        ctx.bind_key = self.bind_key
        self.specs = registry.load_all()
        self.allowed = [s for s in self.specs if ctx.can(s.permission)]
        self.screens: dict[str, ctk.CTkFrame] = {}
        self.current: str | None = None
        self._keys: dict[str, dict[object, Callable]] = {}
        self._bound: list[str] = []
        #: the pending after() id of each of the session's timers, by the timer's job (``_schedule``)
        self._after: dict[str, str] = {}
        self.app.last_activity = time.monotonic()
        self.idle_seconds: float | None = None   # tests may set; default from shop.idle_lock_minutes
        self.running = False
        self.password_dialog = None
        self._backup_running = False
        self._placeholder: ctk.CTkLabel | None = None
        #: when the last switch painted its placeholder (perf_counter), for the switch benchmark
        self.switch_times: dict[str, float] = {}
        self._build()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.grid_columnconfigure(1, weight=1)
        self.grid_rowconfigure(0, weight=1)
        side = ctk.CTkFrame(self, width=210, corner_radius=0, fg_color=theme.SIDEBAR)
        side.grid(row=0, column=0, rowspan=3, sticky="nsw")
        side.grid_propagate(False)
        side.pack_propagate(False)
        self.sidebar = side
        ctk.CTkLabel(side, text="billbook", font=theme.font(22, "bold"), text_color=theme.ACCENT,
                     anchor="w").pack(fill="x", padx=18, pady=(14, 0))
        self.shop_label = ctk.CTkLabel(side, text=self.ctx.shop.name, font=theme.font(12), anchor="w",
                                       text_color=theme.MUTED, wraplength=175, justify="left")
        self.shop_label.pack(fill="x", padx=18, pady=(0, 10))
        self.nav: dict[str, ctk.CTkButton] = {}
        for spec in self.allowed:
            label = spec.title + (f"   {pretty_key(spec.shortcut)}" if spec.shortcut else "")
            btn = ctk.CTkButton(side, text=label, anchor="w", height=34, corner_radius=8, font=theme.font(14),
                                fg_color="transparent", text_color=("gray10", "gray90"),
                                hover_color=("gray80", "gray22"), command=lambda k=spec.key: self.show(k))
            btn.pack(fill="x", padx=10, pady=1)
            self.nav[spec.key] = btn
        bottom = ctk.CTkFrame(side, fg_color="transparent")
        bottom.pack(side="bottom", fill="x", padx=10, pady=(4, 10))
        ctk.CTkLabel(bottom, text="Theme", font=theme.font(11), text_color=theme.MUTED, anchor="w",
                     height=18).pack(fill="x", padx=4)
        self.theme_switch = ctk.CTkSegmentedButton(bottom, values=["Light", "Dark", "System"],
                                                   command=lambda v: self.app.set_theme_mode(v.lower()),
                                                   font=theme.font(12))
        self.theme_switch.set(self.app.theme_mode.capitalize())
        self.theme_switch.pack(fill="x", pady=(2, 10))
        self.password_btn = ctk.CTkButton(bottom, text="Change password", height=32, fg_color="transparent",
                                          border_width=1, text_color=("gray10", "gray90"),
                                          command=self.change_password)
        self.password_btn.pack(fill="x", pady=2)
        pair = ctk.CTkFrame(bottom, fg_color="transparent")      # side by side: the sidebar fits 600 px
        pair.pack(fill="x", pady=2)
        pair.grid_columnconfigure((0, 1), weight=1, uniform="pair")
        ctk.CTkButton(pair, text="Lock  Ctrl+L", height=32, width=60, fg_color="transparent", border_width=1,
                      text_color=("gray10", "gray90"), command=self.app.lock).grid(row=0, column=0, sticky="ew",
                                                                                  padx=(0, 3))
        ctk.CTkButton(pair, text="Log out", height=32, width=60, fg_color="transparent", border_width=1,
                      text_color=("gray10", "gray90"), command=self.app.request_logout).grid(row=0, column=1, sticky="ew",
                                                                                    padx=(3, 0))

        self.content = ctk.CTkFrame(self, fg_color="transparent")
        self.content.grid(row=0, column=1, sticky="nsew", padx=12, pady=(10, 0))
        self.content.grid_rowconfigure(0, weight=1)
        self.content.grid_columnconfigure(0, weight=1)
        self.messages = MessageBar(self)
        self.messages.grid(row=1, column=1, sticky="ew", padx=12)
        self.ctx.on_message(self.messages.show)

        status = ctk.CTkFrame(self, height=30, corner_radius=0, fg_color=theme.STATUS)
        status.grid(row=2, column=1, sticky="ew")
        actor = self.ctx.actor
        self.user_label = ctk.CTkLabel(status, text=f"User: {actor.username} ({actor.role.value})",
                                       font=theme.font(12), anchor="w", height=26)
        self.user_label.pack(side="left", padx=(12, 16))
        ctk.CTkLabel(status, text=f"Terminal: {self.ctx.terminal}", font=theme.font(12), anchor="w",
                     height=26).pack(side="left", padx=(0, 16))
        self.db_label = ElidedLabel(status, text=f"Database: {self.ctx.db.display_name}",
                                    font=theme.font(12), anchor="w", height=26, width=60)
        self.db_label.pack(side="left", padx=(0, 16), fill="x", expand=True)
        self.health_label = ctk.CTkLabel(status, text="● connected", text_color=theme.OK, font=theme.font(12),
                                         height=26)
        self.health_label.pack(side="left")
        self.backup_label = ctk.CTkLabel(status, text="", font=theme.font(12), text_color=theme.MUTED, height=26)
        self.backup_label.pack(side="left", padx=(16, 0))
        self.busy_bar = ctk.CTkProgressBar(status, width=120, height=8, mode="indeterminate")
        self.busy_label = ctk.CTkLabel(status, text="", font=theme.font(12), text_color=theme.MUTED, height=26)
        self.busy_label.pack(side="right", padx=12)
        self.ctx.on_busy(self._busy)
        self.ctx.on_health(self._health)

    # ------------------------------------------------------------------ life cycle
    def start(self) -> None:
        self.running = True
        self._bind_global()
        first = next((s.key for s in self.allowed if s.key == "billing"), None) or \
            (self.allowed[0].key if self.allowed else None)
        if first:
            self.show(first)
        else:
            self.ctx.notify("Your account has no screens to use; ask an admin.", "warn")
        self._schedule(IDLE_CHECK_MS, self._idle_tick)
        self._schedule(HEALTH_EVERY_MS, self._health_tick)
        self._schedule(BACKUP_FIRST_MS, self._backup_tick)
        self._schedule(PREPARE_AFTER_MS, self._prepare_screens)
        self._schedule(PREBUILD_IDLE_MS, self._prebuild_tick)

    def _schedule(self, ms: int, job: Callable[[], None]) -> None:
        """Run ``job`` in ``ms`` (a tick reschedules itself this way); ``stop`` cancels it."""
        self._after[job.__name__] = self.after(ms, job)

    def _prepare_screens(self) -> None:
        """Run the screens' ``prepare`` work (slow imports) in the background: quick first shows."""
        if not self.running:
            return
        for spec in self.allowed:
            if spec.prepare is not None and spec.key not in self.screens:
                self.ctx.run_in_background(spec.prepare, on_error=lambda exc: log.warning("preparing a screen: %s", exc))

    # ------------------------------------------------------------------ building screens ahead
    def unbuilt(self) -> list[str]:
        """The role's screens not built yet, in sidebar order."""
        return [s.key for s in self.allowed if s.key not in self.screens]

    def may_prebuild(self) -> bool:
        """True when building a screen now would hold up nobody: the user is idle, no dialog,
        approval or sale is open, the shell is in front and no background work is running."""
        if not self.running or self.app.face is not self or self.ctx.pending:
            return False
        if (time.monotonic() - self.app.last_activity) * 1000 < PREBUILD_IDLE_MS:
            return False
        if self.password_dialog is not None or self.grab_current() is not None:
            return False
        question = getattr(self.app, "question", None)
        if question is not None and question.winfo_exists():
            return False
        screen = self.screens.get(self.current) if self.current else None
        for name in DIALOG_ATTRIBUTES:
            dialog = getattr(screen, name, None)
            if dialog is not None and dialog.winfo_exists() and dialog.winfo_ismapped():
                return False
        return self.app.open_cart() is None

    def _prebuild_tick(self) -> None:
        """Build one screen ahead when the moment is right; come back for the next."""
        if not self.running:
            return
        todo = self.unbuilt()
        if not todo:
            return                                  # all built: nothing more to schedule
        if self.may_prebuild():
            self._make_screen(todo[0])
        self._schedule(PREBUILD_CHECK_MS, self._prebuild_tick)

    def resume(self) -> None:
        """After unlocking: same screen, fresh idle timer."""
        self.app.last_activity = time.monotonic()
        if self.current:
            self.show(self.current)

    def stop(self) -> None:
        self.running = False
        for seq in self._bound:
            try:
                self.app.unbind(seq)
            except tk.TclError:
                pass
        self._bound.clear()
        for aid in self._after.values():
            try:
                self.after_cancel(aid)
            except (tk.TclError, ValueError):
                pass
        self._after.clear()
        if self.password_dialog is not None:
            self.password_dialog.close()
        current = self.screens.get(self.current) if self.current else None
        hide = getattr(current, "on_hide", None)
        if hide:                            # e.g. the dashboard's refresh timers stop with the session
            try:
                hide()
            except Exception:  # noqa: BLE001
                log.exception("screen hide hook failed")
        for screen in self.screens.values():
            hook = getattr(screen, "on_close", None)
            if hook:
                try:
                    hook()
                except Exception:  # noqa: BLE001
                    log.exception("screen close hook failed")

    # ------------------------------------------------------------------ keys
    def _bind_global(self) -> None:
        for spec in self.specs:
            if spec.shortcut:
                self.bind_key(None, spec.shortcut, lambda s=spec: self.show(s.key))
        self.bind_key(None, "<Control-l>", lambda: self.app.lock())
        self.bind_key(None, "<Control-Q>", lambda: self.app.request_logout())     # Ctrl+Shift+Q

    def bind_key(self, owner, sequence: str, handler: Callable[[], object]) -> None:
        """Bind ``sequence`` for ``owner`` (a screen frame, or None for the whole shell)."""
        table = self._keys.setdefault(sequence, {})
        table[owner] = handler
        if sequence not in self._bound:
            self.app.bind(sequence, lambda _e, s=sequence: self._dispatch(s))
            self._bound.append(sequence)

    def _dispatch(self, sequence: str) -> str:
        if self.app.face is not self:
            return "break"
        table = self._keys.get(sequence, {})
        screen = self.screens.get(self.current) if self.current else None
        handler = table.get(screen) if screen is not None else None
        if handler is None:
            handler = table.get(None)
        if handler is not None:
            try:
                handler()
            except Exception as exc:  # noqa: BLE001 - show it, keep going
                log.exception("key handler failed")
                self.ctx.notify(plain_error(exc), "error")
        return "break"

    # ------------------------------------------------------------------ screens
    def show(self, key: str) -> bool:
        spec = registry.SCREENS.get(key)
        if spec is None:
            return False
        if not self.ctx.can(spec.permission):
            self.ctx.notify(f"{spec.title} is not available to {self.ctx.actor.role.value} accounts.", "error")
            return False
        screen = self.screens.get(key)
        if screen is None:
            self._show_placeholder(spec.title)
            screen = self._make_screen(key)
        if self.current and self.current != key and self.current in self.screens:
            old = self.screens[self.current]
            old.grid_remove()
            hook = getattr(old, "on_hide", None)
            if hook:
                hook()
        if self._placeholder is not None:
            self._placeholder.grid_remove()
        screen.grid(row=0, column=0, sticky="nsew")
        self.current = key
        for k, btn in self.nav.items():
            btn.configure(fg_color=theme.ACCENT if k == key else "transparent",
                          text_color=("white", "white") if k == key else ("gray10", "gray90"))
        hook = getattr(screen, "on_show", None)
        if hook:
            try:
                hook()
            except Exception as exc:  # noqa: BLE001
                log.exception("on_show failed")
                self.ctx.notify(plain_error(exc), "error")
        return True

    def _make_screen(self, key: str) -> ctk.CTkFrame:
        """Build screen ``key`` (not shown: ``show`` grids it); a failing one becomes a ScreenError."""
        spec = registry.SCREENS[key]
        try:
            screen = spec.factory(self.content, self.ctx)
        except Exception as exc:  # noqa: BLE001 - one broken screen must not take the app down
            log.exception("screen %s failed to build", key)
            screen = ScreenError(self.content, spec.title, exc)
        self.screens[key] = screen
        return screen

    def _show_placeholder(self, title: str) -> None:
        """Before a screen's first build: the old screen goes and "Opening …" shows at once (issue 16)."""
        if self.current and self.current in self.screens:
            old = self.screens[self.current]
            old.grid_remove()
            hook = getattr(old, "on_hide", None)
            if hook:
                hook()
            self.current = None
        if self._placeholder is None:
            self._placeholder = ctk.CTkLabel(self.content, text="", font=theme.font(16), text_color=theme.MUTED)
        self._placeholder.configure(text=f"Opening {title}…")
        self._placeholder.grid(row=0, column=0, sticky="nsew")
        self.update_idletasks()          # paint it now: the build below holds the Tk thread
        self.switch_times["placeholder"] = time.perf_counter()

    def screen(self, key: str):
        """The built screen object (building it if needed); None when not permitted."""
        if key not in self.screens and not self.show(key):
            return None
        return self.screens.get(key)

    # ------------------------------------------------------------------ status
    def _busy(self, text: str | None) -> None:
        if not self.winfo_exists():
            return
        if text:
            self.busy_label.configure(text=text)
            if not self.busy_bar.winfo_manager():
                self.busy_bar.pack(side="right", padx=(0, 4), before=self.busy_label)
                self.busy_bar.start()
        else:
            self.busy_label.configure(text="")
            if self.busy_bar.winfo_manager():
                self.busy_bar.stop()
                self.busy_bar.pack_forget()

    def _health(self, ok: bool, detail: str) -> None:
        if not self.winfo_exists():
            return
        if ok:
            self.health_label.configure(text="● connected", text_color=theme.OK)
        else:
            self.health_label.configure(text="● connection lost — retrying", text_color=theme.ERROR)

    def _health_tick(self) -> None:
        if not self.running:
            return
        db = self.ctx.db

        def ok(info) -> None:
            self.ctx.shop = info
            self.shop_label.configure(text=info.name)
            self.app.set_title()

        self.ctx.run_in_background(lambda: shop_service.get_shop(db), on_done=ok,
                                   on_error=lambda exc: self.ctx._set_health(False, str(exc)))
        self._schedule(HEALTH_EVERY_MS, self._health_tick)

    # ------------------------------------------------------------------ own password
    def change_password(self):
        """Open (or bring back) the change-my-password window; returns it."""
        from billbook.gui.widgets.password_dialog import ChangePasswordDialog
        dialog = self.password_dialog
        if dialog is not None and dialog.winfo_exists():
            dialog.lift()
            return dialog

        def closed() -> None:
            self.password_dialog = None
        self.password_dialog = ChangePasswordDialog(self, self.ctx, on_close=closed)
        return self.password_dialog

    # ------------------------------------------------------------------ automatic backups
    def _backup_tick(self) -> None:
        if not self.running:
            return
        self.run_backup()
        self._schedule(BACKUP_EVERY_MS, self._backup_tick)

    def run_backup(self) -> None:
        """Back up in the background if one is due (never two at once)."""
        if self._backup_running or self.ctx.db is None:
            return
        self._backup_running = True
        db, actor = self.ctx.db, self.ctx.actor

        def work():
            from billbook.services.data import backup
            return backup.auto_backup_if_due(db, actor, reason="schedule", force=False)

        def done(path) -> None:
            self._backup_running = False
            if path is not None and self.winfo_exists():
                self.backup_label.configure(text=f"Backed up {time.strftime('%H:%M')}", text_color=theme.MUTED)
                log.info("automatic backup written to %s", path)

        def failed(exc: BaseException) -> None:
            self._backup_running = False
            log.error("automatic backup failed", exc_info=exc)
            if self.winfo_exists():
                self.backup_label.configure(text="Backup failed", text_color=theme.ERROR)
            self.ctx.notify(f"The automatic backup failed: {plain_error(exc)}", "error")

        self.ctx.run_in_background(work, on_done=done, on_error=failed)

    # ------------------------------------------------------------------ idle lock
    def idle_limit(self) -> float | None:
        if self.idle_seconds is not None:
            return self.idle_seconds
        minutes = self.ctx.shop.idle_lock_minutes
        return minutes * 60 if minutes else None

    def check_idle(self) -> bool:
        """Lock when idle past the shop's limit; returns True when it locked."""
        limit = self.idle_limit()
        if limit and self.app.face is self and time.monotonic() - self.app.last_activity >= limit:
            self.app.lock()
            return True
        return False

    def _idle_tick(self) -> None:
        if not self.running:
            return
        self.check_idle()
        self._schedule(IDLE_CHECK_MS, self._idle_tick)


__all__ = ["Shell", "Permission"]
