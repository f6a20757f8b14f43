"""Screenshots of the back-office screens, light and dark, at 1366×768.

Usage (under Xvfb; starts one itself when DISPLAY is unset)::

    .venv/bin/python scripts/backoffice_screenshots.py --db sqlite:////tmp/demo.sqlite3 [--user owner] [screens...]

Each screen is mounted the way the shell mounts it (inside the app shell when
``billbook.gui.shell`` offers a way to show a screen, else in a bare window), filled with
its data, then captured with ImageMagick's ``import`` into ``docs/screenshots/<key>-<mode>.png``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ["products", "inventory", "customers", "reports", "dashboard", "settings"]


def ensure_display() -> subprocess.Popen | None:
    if os.environ.get("DISPLAY"):
        return None
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    number = b""
    while not number.endswith(b"\n"):      # Xvfb writes the display number when it is ready
        chunk = os.read(read_fd, 16)
        if not chunk:
            break
        number += chunk
    os.close(read_fd)
    number = number.decode().strip()
    os.environ["DISPLAY"] = f":{number}"
    return proc


def settle(root, ctx, seconds: float = 0.6) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end or ctx.pending:
        root.update()
        time.sleep(0.01)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--user", default=None, help="admin user to act as (default: the first admin)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--modes", default="light,dark")
    parser.add_argument("screens", nargs="*", default=SCREENS)
    args = parser.parse_args(argv)
    xvfb = ensure_display()
    try:
        import customtkinter as ctk

        from billbook.db.bootstrap import open_database
        from billbook.gui.forms import make_context
        from billbook.gui.registry import load_all
        from billbook.services.base import Actor
        from billbook.domain.permissions import Role
        from billbook.services import users as user_service

        db = open_database(args.db)
        specs = {s.key: s for s in load_all()}
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for mode in args.modes.split(","):
            ctk.set_appearance_mode(mode)
            for key in args.screens:
                spec = specs[key]
                root = ctk.CTk()
                root.title(f"billbook — {spec.title}")
                root.geometry("1366x768+0+0")
                root.update()
                users = [u for u in _all_users(db, user_service) if u.role == "admin" and u.active]
                user = next((u for u in users if u.username == args.user), users[0])
                actor = Actor(user.id, user.username, Role.ADMIN, "T1")

                ctx = make_context(root, db, actor)
                frame = spec.factory(root, ctx)
                frame.pack(fill="both", expand=True)
                if hasattr(frame, "on_show"):
                    frame.on_show()
                settle(root, ctx, 1.5)
                if hasattr(frame, "screenshot_ready"):
                    frame.screenshot_ready()
                    settle(root, ctx, 1.0)
                path = out / f"{key}-{mode}.png"
                subprocess.run(["import", "-window", str(root.winfo_id()), str(path)], check=True)
                # import -window <frame id> captures the client area only; use the wm frame if any
                print(path)
                ctx.shutdown()
                root.destroy()
        db.dispose()
    finally:
        if xvfb is not None:
            xvfb.terminate()
    return 0


def _all_users(db, user_service):
    from billbook.db.models import User  # noqa: F401 - only to be sure the models are loaded
    from billbook.services.base import Actor
    from billbook.domain.permissions import Role
    # list_users needs an admin actor; bootstrap one from the first admin id the service shows
    probe = Actor(0, "screenshots", Role.ADMIN, "T1")
    return user_service.list_users(db, probe)


if __name__ == "__main__":
    if not shutil.which("import"):
        sys.exit("ImageMagick's import is needed for screenshots")
    sys.exit(main())
