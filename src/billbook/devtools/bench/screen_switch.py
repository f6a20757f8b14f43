"""How fast does the window switch screens?

    python -m billbook.devtools.bench.screen_switch [--invoices 3000] [--rounds 5] [--size 1366x768]

A fresh SQLite shop is filled with the demo generator (``--invoices`` invoices over a year),
the real window (``gui.app.App``) logs in as the admin, and every screen the registry knows
is switched to in turn, ``--rounds`` times. For each switch three times are taken from the
moment the switch starts (the sidebar click calls ``Shell.show``):

- **first paint**: the old screen is gone and something of the new one is on screen — the
  screen itself when it is built already, else the shell's "Opening …" placeholder
  (``Shell.switch_times["placeholder"]``);
- **shown**: ``Shell.show`` has returned (the screen is built and its ``on_show`` ran);
- **filled**: the background loads the screen started have called back and Tk is idle.

The switching starts 3 s after login (the shell runs the screens' ``prepare`` work, e.g. the
dashboard's matplotlib import, in the background meanwhile). The first round includes
building each screen; the later rounds are medians. The goal
(issue 16): first paint at once, filled under 150 ms where the data allows. Starts its own
Xvfb when there is no DISPLAY.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

from billbook.gui.xvfb import ensure_display


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", default="1366x768")
    args = parser.parse_args(argv)
    xvfb = ensure_display()
    folder = tempfile.mkdtemp(prefix="bb-switch-")
    os.environ["BILLBOOK_HOME"] = folder
    os.environ.setdefault("BILLBOOK_TERMINAL", "COUNTER-1")
    try:
        from billbook.db.bootstrap import open_database
        from billbook.devtools import demo
        from billbook.gui import registry
        from billbook.gui.app import App
        from billbook.services.people import users

        db = open_database(f"sqlite:///{folder}/switch.sqlite3")
        users.create_first_admin(db, "owner", "bench-pass-123")
        admin = users.login(db, "owner", "bench-pass-123", "COUNTER-1")
        t0 = time.perf_counter()
        demo.generate(db, admin, products=300, customers=800, invoices=args.invoices, days=365)
        print(f"demo shop: {args.invoices:,} invoices in {time.perf_counter() - t0:.1f} s")

        app = App(db, geometry=f"{args.size}+0+0", theme_mode="light")
        app.ctx.open_documents = False
        app.update()
        form = app.face
        form.user.insert(0, "owner")
        form.password.insert(0, "bench-pass-123")
        form.submit()
        deadline = time.monotonic() + 30
        while app.shell is None and time.monotonic() < deadline:
            app.update()
            time.sleep(0.005)
        shell = app.shell
        end = time.monotonic() + 3          # a person's first seconds: the shell prepares screens meanwhile
        while time.monotonic() < end:
            app.update()
            time.sleep(0.01)
        app.ctx.wait_idle(60)
        specs = [s for s in registry.load_all() if app.ctx.can(s.permission)]
        results: dict[str, list[tuple[float, float, float]]] = {s.key: [] for s in specs}

        def settle_after(start: float) -> float:
            while True:
                app.update()
                if app.ctx.pending == 0 if hasattr(app.ctx, "pending") else True:
                    app.update()
                    return time.perf_counter() - start
                if time.perf_counter() - start > 60:
                    raise TimeoutError("a screen did not fill in within 60 s")
                time.sleep(0.001)

        for _round in range(args.rounds):
            for spec in specs:
                start = time.perf_counter()
                shell.switch_times = {}
                shell.show(spec.key)
                shown = time.perf_counter() - start
                painted = shell.switch_times.get("placeholder")
                first_paint = (painted - start) if painted is not None else shown
                filled = settle_after(start)
                results[spec.key].append((first_paint, shown, filled))
        app.close()
        db.dispose()
        print(f"\nwindow {args.size}; times from the start of each switch")
        print(f"{'screen':<12} {'first switch: paint / shown / filled':>42}   "
              f"{'later (median): paint / shown / filled':>42}")
        for spec in specs:
            first = results[spec.key][0]
            later = results[spec.key][1:] or results[spec.key]
            med = [statistics.median(r[i] for r in later) for i in range(3)]
            print(f"{spec.title:<12} {_ms(first[0])} {_ms(first[1])} {_ms(first[2])}      "
                  f"{_ms(med[0])} {_ms(med[1])} {_ms(med[2])}")
        return 0
    finally:
        if xvfb is not None:
            xvfb.terminate()


if __name__ == "__main__":
    sys.exit(main())
