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
