"""A small window where whoever is logged in (any role) changes their own password.

Opened from the shell's sidebar ("Change password"). The change goes through
``services.users.change_own_password`` in the background; a wrong current password or a new
password the policy refuses is shown at its field, and nothing changes. The window closes
itself when the shell is locked or logged out.
"""

from __future__ import annotations

import customtkinter as ctk

from billbook.gui import theme
from billbook.gui.forms import Form
from billbook.services.people import users as user_service
from billbook.errors import ValidationError

WATCH_MS = 400


class ChangePasswordDialog(ctk.CTkToplevel):
    def __init__(self, master, ctx, *, on_close=None):
        super().__init__(master)
        self.ctx = ctx
        self._on_close = on_close
        self.done = False
        self.title("Change my password")
        self.resizable(False, False)
        try:
            self.transient(master.winfo_toplevel())
        except Exception:  # noqa: BLE001 - not fatal: only keeps it above the main window
            pass
        ctk.CTkLabel(self, text=f"Change the password of {ctx.actor.username}", font=theme.font(15, "bold"),
                     anchor="w").pack(fill="x", padx=18, pady=(14, 6))
        f = self.form = Form(self, columns=1)
        f.pack(anchor="nw", padx=18)
        f.add("old_password", "Current password", kind="password", width=280)
        f.add("new_password", "New password", kind="password", width=280, hint="at least 8 characters")
        f.add("repeat", "New password again", kind="password", width=280)
        buttons = ctk.CTkFrame(self, fg_color="transparent")
        buttons.pack(fill="x", padx=18, pady=(8, 14))
        self.save_btn = ctk.CTkButton(buttons, text="Change password", width=150, command=self.submit)
        self.save_btn.pack(side="left")
        ctk.CTkButton(buttons, text="Cancel", width=90, fg_color="transparent", border_width=1,
                      text_color=("gray10", "gray90"), command=self.close).pack(side="left", padx=(8, 0))
        self.protocol("WM_DELETE_WINDOW", self.close)
        self.bind("<Return>", lambda _e: self.submit())
        self.bind("<Escape>", lambda _e: self.close())
        self.after(50, self._focus)
        self._watch = self.after(WATCH_MS, self._watch_shell)

    def _focus(self) -> None:
        try:
            top = self.master.winfo_toplevel()
            self.update_idletasks()
            x = top.winfo_rootx() + max(0, (top.winfo_width() - self.winfo_reqwidth()) // 2)
            y = top.winfo_rooty() + max(0, (top.winfo_height() - self.winfo_reqheight()) // 3)
            self.geometry(f"+{x}+{y}")
            self.lift()
            self.form["old_password"].focus()
        except Exception:  # noqa: BLE001 - the window may be gone already
            pass

    def _watch_shell(self) -> None:
        """Close when the shell is no longer on screen (locked, logged out)."""
        shell = getattr(self.ctx, "shell", None)
        app = getattr(shell, "app", None)
        if self.ctx.actor is None or (app is not None and getattr(app, "face", shell) is not shell):
            self.close()
            return
        self._watch = self.after(WATCH_MS, self._watch_shell)

    def submit(self) -> None:
        v = self.form.values()
        if not v["old_password"]:
            self.form.show_error(ValidationError("old_password", "type your current password"))
            return
        if v["new_password"] != v["repeat"]:
            self.form.show_error(ValidationError("repeat", "the two new passwords differ"))
            return
        self.form.clear_errors()
        self.save_btn.configure(state="disabled")
        db, actor = self.ctx.db, self.ctx.actor

        def done(_result) -> None:
            self.done = True
            self.ctx.notify("Your password was changed.", "ok")
            self.close()

        def failed(exc) -> None:
            if self.winfo_exists():
                self.save_btn.configure(state="normal")
                self.form.show_error(exc)

        self.ctx.run_in_background(
            lambda: user_service.change_own_password(db, actor, v["old_password"], v["new_password"]),
            on_done=done, on_error=failed, busy="Changing the password…")

    def close(self) -> None:
        try:
            self.after_cancel(self._watch)
        except Exception:  # noqa: BLE001
            pass
        if self._on_close is not None:
            self._on_close()
        try:
            self.destroy()
        except Exception:  # noqa: BLE001 - already gone
            pass


class ApprovalDialog(ctk.CTkFrame):
    """An admin's user name and password, asked in a small card over the counter.

    ``users.approve`` checks them in the background (a wrong password counts towards the
    admin's lock-out; the audit row names both users). ``on_approved(approval)`` runs on a
    yes; ``on_refused()`` when the cashier gives up (Esc / Cancel). A wrong password stays
    here with its message, so the cashier can try again.
    """

    def __init__(self, master, ctx, action: str, reason: str, *, on_approved, on_refused=None, on_close=None,
                 details: dict | None = None):
        super().__init__(master, corner_radius=12, border_width=2, border_color=theme.WARN)
        self.ctx = ctx
        self.action = action
        self._on_approved, self._on_refused, self._on_close = on_approved, on_refused, on_close
        self._details = details or {}
        self._busy = False
        ctk.CTkLabel(self, text="Admin approval needed", font=theme.font(16, "bold"), anchor="w").pack(
            fill="x", padx=16, pady=(12, 0))
        ctk.CTkLabel(self, text=reason, font=theme.font(13), anchor="w", justify="left", wraplength=380).pack(
            fill="x", padx=16, pady=(2, 6))
        f = self.form = Form(self, columns=1)
        f.pack(anchor="nw", padx=16)
        f.add("approver", "Admin user name", width=260)
        f.add("password", "Admin password", kind="password", width=260)
        buttons = ctk.CTkFrame(self, fg_color="transparent")
        buttons.pack(fill="x", padx=16, pady=(6, 14))
        self.ok_btn = ctk.CTkButton(buttons, text="Approve  (Enter)", width=150, command=self.submit)
        self.ok_btn.pack(side="left")
        ctk.CTkButton(buttons, text="Cancel  (Esc)", width=110, fg_color="transparent", border_width=1,
                      text_color=("gray10", "gray90"), command=self.cancel).pack(side="left", padx=(8, 0))
        for key in ("approver", "password"):
            widget = f[key].input
            widget.bind("<Return>", lambda _e: self.submit() or "break")
            widget.bind("<KP_Enter>", lambda _e: self.submit() or "break")
            widget.bind("<Escape>", lambda _e: self.cancel() or "break")
        self.place(relx=0.5, rely=0.4, anchor="center")
        self.lift()
        self.after(20, lambda: f["approver"].focus())

    def submit(self) -> None:
        if self._busy:
            return
        v = self.form.values()
        self.form.clear_errors()
        missing = [ValidationError(k, "needed") for k in ("approver", "password") if not (v[k] or "").strip()]
        if missing:
            self.form.show_errors(missing)
            return
        self._busy = True
        self.ok_btn.configure(state="disabled")
        ctx, action, details = self.ctx, self.action, self._details
        name, password = v["approver"].strip(), v["password"]
        ctx.run_in_background(lambda: user_service.approve(ctx.db, ctx.actor, name, password, action, **details),
                              on_done=self._approved, on_error=self._failed, busy="Checking the approval…")

    def _approved(self, approval) -> None:
        self._close()
        self._on_approved(approval)

    def _failed(self, exc: BaseException) -> None:
        from billbook.gui.context import plain_error
        self._busy = False
        self.ok_btn.configure(state="normal")
        self.form["password"].set("")
        self.form.show_error(ValidationError("password", plain_error(exc)))
        self.form["password"].focus()

    def cancel(self) -> None:
        self._close()
        if self._on_refused is not None:
            self._on_refused()

    def _close(self) -> None:
        if self._on_close is not None:
            self._on_close()
        if self.winfo_exists():
            self.destroy()
