"""Screenshots of the back-office screens, light and dark, at 1366×768.

Usage (under Xvfb; starts one itself when DISPLAY is unset)::

    .venv/bin/python scripts/backoffice_screenshots.py --db sqlite:////tmp/demo.sqlite3 --user owner --password PW [screens...]

The real app window is opened, the user logs in, and each screen is shown by the shell
(sidebar, status bar and all), left to load its data, then the screen is captured with
ImageMagick's ``import`` into ``docs/screenshots/<key>-<mode>.png``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from billbook.gui.xvfb import ensure_display  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ["products", "inventory", "customers", "reports", "dashboard", "settings"]


def settle(root, ctx, seconds: float = 0.6) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end or ctx.pending:
        root.update()
        time.sleep(0.01)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--user", default="owner")
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--modes", default="light,dark")
    parser.add_argument("screens", nargs="*", default=SCREENS)
    args = parser.parse_args(argv)
    xvfb = ensure_display()
    try:
        from billbook.db.bootstrap import open_database
        from billbook.gui.app import App

        db = open_database(args.db)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for mode in args.modes.split(","):
            app = App(db, geometry="1366x768+0+0", theme_mode=mode)
            app.ctx.open_documents = False
            app.update()
            form = app.face
            form.user.insert(0, args.user)
            form.password.insert(0, args.password)
            form.submit()
            settle(app, app.ctx, 1.0)
            shell = app.shell
            for key in args.screens:
                shell.show(key)
                settle(app, app.ctx, 2.0)
                frame = shell.screens[key]
                if hasattr(frame, "screenshot_ready"):
                    frame.screenshot_ready()
                    settle(app, app.ctx, 1.5)
                path = out / f"{key}-{mode}.png"
                subprocess.run(["import", "-window", "root", "-crop", "1366x768+0+0", str(path)], check=True)
                print(path)
            app.ctx.wait_idle(10)
            app.close()
        db.dispose()
    finally:
        if xvfb is not None:
            xvfb.terminate()
    return 0


if __name__ == "__main__":
    if not shutil.which("import"):
        sys.exit("ImageMagick's import is needed for screenshots")
    sys.exit(main())
