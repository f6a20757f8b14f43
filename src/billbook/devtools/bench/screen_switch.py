"""How fast does the window switch screens?

    python -m billbook.devtools.bench.screen_switch [--invoices 3000] [--rounds 5] [--size 1366x768]
                                                    [--save after.json] [--before before.json]

A fresh SQLite shop is filled with the demo generator (``--invoices`` invoices over a year),
the real window (``gui.app.App``) logs in as the admin, and every screen the registry knows
is switched to in turn, ``--rounds`` times. For each switch four times are taken from the
moment the switch starts (the sidebar click calls ``Shell.show``):

- **paint**: the old screen is gone and something of the new one is on screen — the
  screen itself when it is built already, else the shell's "Opening …" placeholder
  (``Shell.switch_times["placeholder"]``);
- **shown**: ``Shell.show`` has returned (the screen is built and its ``on_show`` ran);
- **filled**: the screen is usable: the background loads it waits on have called back
  (``AppContext.filling`` is 0) and Tk is idle;
- **complete**: deferred work too (the dashboard's charts) is done and drawn. The next switch
  starts only then, so one screen's background work never slows the next one's figures.

The switching starts 3 s after login (the shell runs the screens' ``prepare`` work, e.g. the
dashboard's matplotlib import, in the background meanwhile). The first round includes
building each screen; the later rounds are medians. The goal (issue 16): paint at once
(under ``PAINT_GOAL_MS``) and filled under ``FILL_GOAL_MS``, first switch and later ones.

``--save`` writes the figures as JSON; ``--before`` reads such a file (e.g. made on the
commit before a change: the script runs against any billbook tree on ``PYTHONPATH``) and
prints it beside this run's. Starts its own Xvfb when there is no DISPLAY. A measurement,
never a test: the figures depend on the machine.
"""

from __future__ import annotations

import _tkinter
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from billbook.gui.xvfb import ensure_display


PAINT_GOAL_MS = 50
FILL_GOAL_MS = 150


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f} ms"


def _summary(results: dict[str, list[tuple[float, ...]]]) -> dict[str, dict[str, list[float]]]:
    """Per screen: the first switch's times and the later switches' medians, in ms."""
    out = {}
    for key, runs in results.items():
        later = runs[1:] or runs
        out[key] = {"first": [round(v * 1000, 1) for v in runs[0]],
                    "later": [round(statistics.median(r[i] for r in later) * 1000, 1) for i in range(len(runs[0]))]}
    return out


def _goal(row: dict[str, list[float]]) -> bool:
    """paint and filled within the goal, at the first switch and the later ones"""
    return all(row[k][0] <= PAINT_GOAL_MS and row[k][2] <= FILL_GOAL_MS for k in ("first", "later"))


def report(titles: dict[str, str], after: dict, before: dict | None, size: str) -> None:
    print(f"\nwindow {size}; ms from the start of each switch "
          f"(goal: paint < {PAINT_GOAL_MS} ms, filled < {FILL_GOAL_MS} ms)")
    print(f"{'screen':<11} {'first switch: paint / shown / filled / complete':>49}   "
          f"{'later (median): paint / shown / filled / complete':>51}")
    for key, title in titles.items():
        row = after[key]
        print(f"{title:<11} " + " ".join(f"{v:7.0f}" for v in row["first"]) + "         "
              + " ".join(f"{v:7.0f}" for v in row["later"]))
    if before is not None:
        print(f"\nfilled (ms), before → after{'':18}goal")
        print(f"{'screen':<11} {'first switch':>20} {'later (median)':>22}")
    else:
        print(f"\n{'screen':<11} goal")
    met = 0
    for key, title in titles.items():
        row = after[key]
        ok = _goal(row)
        met += ok
        verdict = "goal met" if ok else "goal not met"
        if before is not None and key in before:
            b = before[key]
            print(f"{title:<11} {b['first'][2]:7.0f} → {row['first'][2]:6.0f}    "
                  f"{b['later'][2]:7.0f} → {row['later'][2]:6.0f}        {verdict}")
        else:
            print(f"{title:<11} {verdict}")
    print(f"\n{met} of {len(titles)} screens meet the goal")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", default="1366x768")
    parser.add_argument("--save", help="write this run's figures to a JSON file")
    parser.add_argument("--before", help="a JSON file of an earlier run (--save) to print beside this one")
    args = parser.parse_args(argv)
    before = json.loads(Path(args.before).read_text())["screens"] if args.before else None
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
        ctx = app.ctx
        specs = [s for s in registry.load_all() if ctx.can(s.permission)]
        results: dict[str, list[tuple[float, float, float, float]]] = {s.key: [] for s in specs}

        def filling() -> int:           # an older tree has no ``filling``: every job counts
            return ctx.filling if hasattr(type(ctx), "filling") else ctx.pending

        def wait_until(start: float, done) -> float:
            """Handle Tk events one at a time until ``done()``; then paint what is pending."""
            while not done():
                if not app.tk.dooneevent(_tkinter.DONT_WAIT):
                    time.sleep(0.001)
                if time.perf_counter() - start > 60:
                    raise TimeoutError("a screen did not fill in within 60 s")
            app.update_idletasks()
            return time.perf_counter() - start

        for _round in range(args.rounds):
            for spec in specs:
                start = time.perf_counter()
                shell.switch_times = {}
                shell.show(spec.key)
                shown = time.perf_counter() - start
                painted = shell.switch_times.get("placeholder")
                paint = (painted - start) if painted is not None else shown
                filled = wait_until(start, lambda: filling() == 0)
                screen = shell.screens[spec.key]
                complete = wait_until(start, lambda s=screen: ctx.pending == 0 and not getattr(s, "refreshing", False))
                app.update()
                results[spec.key].append((paint, shown, filled, complete))
        app.close()
        db.dispose()
        after = _summary(results)
        if args.save:
            Path(args.save).write_text(json.dumps({"size": args.size, "invoices": args.invoices,
                                                   "rounds": args.rounds, "screens": after}, indent=2))
        report({s.key: s.title for s in specs}, after, before, args.size)
        return 0
    finally:
        if xvfb is not None:
            xvfb.terminate()


if __name__ == "__main__":
    sys.exit(main())
