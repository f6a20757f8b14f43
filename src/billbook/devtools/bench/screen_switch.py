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

Two sessions are measured, as a person meets them:

- **cold**: the person is busy from login on (the idle clock is kept fresh, as their clicks
  and keys keep it), so the shell builds nothing ahead: each screen's first switch builds it.
  The switching starts 3 s after login (the shell runs the screens' ``prepare`` work, e.g. the
  dashboard's matplotlib import, in the background meanwhile). ``--rounds`` rounds: the first
  is the cold first switch, the later rounds give the medians ("later").
- **warm** (the normal case): log out, log in again and leave the window alone until the shell
  has built every screen ahead (``Shell.unbuilt()`` empty; on an older tree without it, 6 s),
  then one round of first switches.

The goal (issue 16): paint at once (under ``PAINT_GOAL_MS``) and filled under
``FILL_GOAL_MS``, at the first switch and the later ones; it is judged for cold and warm.

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


def _summary(cold: dict[str, list[tuple[float, ...]]], warm: dict[str, tuple[float, ...]]
             ) -> dict[str, dict[str, list[float]]]:
    """Per screen, in ms: the cold first switch, the warm first switch, the later switches' medians."""
    out = {}
    for key, runs in cold.items():
        later = runs[1:] or runs
        out[key] = {"first": [round(v * 1000, 1) for v in runs[0]],
                    "warm": [round(v * 1000, 1) for v in warm[key]],
                    "later": [round(statistics.median(r[i] for r in later) * 1000, 1) for i in range(len(runs[0]))]}
    return out


def _goal(row: dict[str, list[float]], first: str) -> bool:
    """paint and filled within the goal at the ``first`` switch ("first": cold, "warm") and later"""
    return all(row[k][0] <= PAINT_GOAL_MS and row[k][2] <= FILL_GOAL_MS for k in (first, "later") if k in row)


def report(titles: dict[str, str], after: dict, before: dict | None, size: str) -> None:
    print(f"\nwindow {size}; ms from the start of each switch "
          f"(goal: paint < {PAINT_GOAL_MS} ms, filled < {FILL_GOAL_MS} ms)")
    print(f"{'':<11} {'cold first switch':<32}   {'warm first (built ahead)':<32}   {'later (median)':<32}")
    print(f"{'screen':<11} " + "   ".join(["  paint   shown  filled complete"] * 3))
    for key, title in titles.items():
        row = after[key]
        print(f"{title:<11} " + "   ".join(" ".join(f"{v:7.0f}" for v in row[case])
                                          for case in ("first", "warm", "later")))
    print(f"\nfilled (ms){', before → after' if before is not None else ''}")
    print(f"{'screen':<11} {'cold first':>16} {'warm first':>16} {'later (median)':>16}   goal cold / warm")
    met = {"first": 0, "warm": 0}
    for key, title in titles.items():
        row = after[key]
        b = (before or {}).get(key)
        cells = []
        for case in ("first", "warm", "later"):
            now = f"{row[case][2]:6.0f}"
            if b is not None:
                was = b.get(case, b["first"])           # an older file has no warm run: its first switch
                now = f"{was[2]:6.0f} → {row[case][2]:5.0f}"
            cells.append(f"{now:>16}")
        verdicts = []
        for case in ("first", "warm"):
            ok = _goal(row, case)
            met[case] += ok
            verdicts.append("met" if ok else "NOT met")
        print(f"{title:<11} {' '.join(cells)}   {verdicts[0]} / {verdicts[1]}")
    print(f"\ngoal met by {met['first']} of {len(titles)} screens cold (right after login), "
          f"{met['warm']} of {len(titles)} warm (after an idle moment)")


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
        ctx = app.ctx
        busy = True         # the cold session: someone at the window all along, nothing built ahead

        def pump(seconds: float, until=lambda: False) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end and not until():
                if busy:
                    app.last_activity = time.monotonic()
                app.update()
                time.sleep(0.01)

        def log_in():
            form = app.face
            form.user.insert(0, "owner")
            form.password.insert(0, "bench-pass-123")
            form.submit()
            pump(30, until=lambda: app.shell is not None)
            return app.shell

        def filling() -> int:           # an older tree has no ``filling``: every job counts
            return ctx.filling if hasattr(type(ctx), "filling") else ctx.pending

        def wait_until(start: float, done) -> float:
            """Handle Tk events one at a time until ``done()``; then paint what is pending."""
            while not done():
                if busy:
                    app.last_activity = time.monotonic()
                if not app.tk.dooneevent(_tkinter.DONT_WAIT):
                    time.sleep(0.001)
                if time.perf_counter() - start > 60:
                    raise TimeoutError("a screen did not fill in within 60 s")
            app.update_idletasks()
            return time.perf_counter() - start

        def switch(shell, key: str) -> tuple[float, float, float, float]:
            if busy:
                app.last_activity = time.monotonic()        # the click that asks for the switch
            start = time.perf_counter()
            shell.switch_times = {}
            shell.show(key)
            shown = time.perf_counter() - start
            painted = shell.switch_times.get("placeholder")
            paint = (painted - start) if painted is not None else shown
            filled = wait_until(start, lambda: filling() == 0)
            screen = shell.screens[key]
            complete = wait_until(start, lambda: ctx.pending == 0 and not getattr(screen, "refreshing", False))
            app.update()
            return paint, shown, filled, complete

        # cold: switching starts 3 s after login, the person busy all the while
        shell = log_in()
        pump(3)                         # a person's first seconds: the shell prepares screens meanwhile
        ctx.wait_idle(60)
        specs = [s for s in registry.load_all() if ctx.can(s.permission)]
        cold: dict[str, list[tuple[float, float, float, float]]] = {s.key: [] for s in specs}
        for _round in range(args.rounds):
            for spec in specs:
                cold[spec.key].append(switch(shell, spec.key))

        # warm: a new login, then the window left alone until every screen is built ahead
        app.logout()
        pump(1)
        ctx.wait_idle(30)
        busy = False
        shell = log_in()
        t0 = time.monotonic()
        if hasattr(shell, "unbuilt"):
            pump(60, until=lambda: not shell.unbuilt())
        else:
            pump(6)
        print(f"warm session: every screen built ahead {time.monotonic() - t0:.1f} s after login")
        pump(0.5)
        ctx.wait_idle(60)
        warm = {spec.key: switch(shell, spec.key) for spec in specs}
        app.close()
        db.dispose()
        after = _summary(cold, warm)
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
