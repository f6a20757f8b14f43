"""Desktop entry point: open (and migrate) the database, then show the login window."""

from __future__ import annotations

import sys

import customtkinter as ctk

from billbook.services import shop as shop_service
from billbook.services import users as user_service
from billbook.services.errors import BillbookError


class LoginWindow(ctk.CTk):
    """Placeholder login window (the full shell comes with the counter GUI)."""

    def __init__(self, db):
        super().__init__()
        self.db = db
        info = shop_service.get_shop(db)
        self.title(f"billbook — {info.name}")
        self.geometry("420x320")
        frame = ctk.CTkFrame(self)
        frame.pack(expand=True, fill="both", padx=24, pady=24)
        ctk.CTkLabel(frame, text=info.name, font=ctk.CTkFont(size=20, weight="bold")).pack(pady=(16, 8))
        self.user = ctk.CTkEntry(frame, placeholder_text="User name", width=240)
        self.user.pack(pady=6)
        self.password = ctk.CTkEntry(frame, placeholder_text="Password", show="•", width=240)
        self.password.pack(pady=6)
        self.message = ctk.CTkLabel(frame, text="", text_color="#c0392b")
        self.message.pack(pady=4)
        ctk.CTkButton(frame, text="Log in", command=self._login, width=240).pack(pady=6)
        self.password.bind("<Return>", lambda _e: self._login())
        self.user.focus_set()

    def _login(self) -> None:
        from billbook.config import terminal_name
        try:
            actor = user_service.login(self.db, self.user.get(), self.password.get(), terminal_name())
        except BillbookError as exc:
            self.message.configure(text=str(exc))
            return
        self.message.configure(text=f"Welcome, {actor.username}", text_color="#27ae60")


def main(argv: list[str] | None = None) -> None:
    from billbook.db.bootstrap import open_database
    try:
        db = open_database(None)
    except BillbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    LoginWindow(db).mainloop()


if __name__ == "__main__":
    main()
