"""Does the dashboard keep the window alive? A 50 ms Tk heartbeat while it opens and refreshes.

    python -m billbook.devtools.bench.dashboard --db sqlite:////path/demo.sqlite3 [--period "Last 12 months"] [--refreshes 3]

A callback is scheduled with ``after(50)`` again and again on the Tk thread; the longest gap
between two beats is how long the window could not answer (a frozen window shows as a gap
of seconds). Measured: idle for a second (baseline), opening the dashboard (first fetch +
drawing every chart), then refreshes, both by the Refresh button path and by the
"this terminal sold" hook. Starts its own Xvfb when there is no DISPLAY.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from billbook.gui.xvfb import ensure_display


class Heartbeat:
    def __init__(self, root, period_ms: int = 50):
        self.root = root
        self.period_ms = period_ms
        self.beats: list[float] = []
        self._job = None

    def start(self) -> None:
        self.beats = [time.perf_counter()]
        self._job = self.root.after(self.period_ms, self._beat)

    def _beat(self) -> None:
        self.beats.append(time.perf_counter())
        self._job = self.root.after(self.period_ms, self._beat)

    def stop(self) -> dict:
        if self._job is not None:
            self.root.after_cancel(self._job)
            self._job = None
        self.beats.append(time.perf_counter())
        gaps = [(b - a) * 1000 for a, b in zip(self.beats, self.beats[1:])]
        worst = max(range(len(gaps)), key=gaps.__getitem__)
        return {"beats": len(self.beats), "max_gap_ms": round(max(gaps), 1),
                "max_gap_at_s": round(self.beats[worst] - self.beats[0], 3),
                "p95_gap_ms": round(sorted(gaps)[int(len(gaps) * 0.95) - 1 if len(gaps) > 1 else 0], 1),
                "median_gap_ms": round(statistics.median(gaps), 1)}


def run_until(root, predicate, timeout: float) -> float:
    start = time.perf_counter()
    while not predicate():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the dashboard did not finish in time")
        root.update()
        time.sleep(0.002)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL with demo data")
    parser.add_argument("--period", default="Last 12 months")
    parser.add_argument("--refreshes", type=int, default=3)
    parser.add_argument("--theme", default="light")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    xvfb = ensure_display()
    try:
        import customtkinter as ctk

        from billbook.db.bootstrap import open_database
        from billbook.domain.permissions import Role
        from billbook.gui.forms import make_context
        from billbook.gui.screens.dashboard import DashboardScreen
        from billbook.services.people import users
        from billbook.services.base import Actor

        db = open_database(args.db)
        probe = Actor(0, "devtools/bench", Role.ADMIN, "devtools/bench")
        admin = next(u for u in users.list_users(db, probe) if u.role == "admin" and u.active)
        actor = Actor(admin.id, admin.username, Role.ADMIN, "devtools/bench")
        ctk.set_appearance_mode(args.theme)
        root = ctk.CTk()
        root.geometry("1366x768+0+0")
        root.update()
        ctx = make_context(root, db, actor)
        results: dict = {"database": db.display_name, "period": args.period}

        beat = Heartbeat(root)
        beat.start()
        run_until(root, lambda: False if time.perf_counter() - beat.beats[0] < 1.0 else True, 5)
        results["idle"] = beat.stop()

        t0 = time.perf_counter()
        screen = DashboardScreen(root, ctx)
        screen.pack(fill="both", expand=True)
        screen.period.set(args.period)
        root.update()
        results["build_seconds"] = round(time.perf_counter() - t0, 3)   # widgets only, before any data
        beat.start()
        t0 = time.perf_counter()
        screen.on_show()
        run_until(root, lambda: screen.refresh_count >= 1, 600)
        results["open"] = dict(beat.stop(), seconds=round(time.perf_counter() - t0, 3),
                               fetch_seconds=round(screen.snapshot.fetch_seconds, 3),
                               figure_seconds=round(screen.snapshot.figure_seconds, 3),
                               charts=len(screen.cards))

        results["refreshes"] = []
        for i in range(args.refreshes):
            beat.start()
            t0 = time.perf_counter()
            target = screen.refresh_count + 1
            if i % 2:
                ctx.notify_sales_changed()      # the "this terminal sold" path (debounced)
                how = "sale hook"
            else:
                screen.refresh()
                how = "refresh"
            run_until(root, lambda: screen.refresh_count >= target, 600)
            results["refreshes"].append(dict(beat.stop(), how=how, seconds=round(time.perf_counter() - t0, 3),
                                             fetch_seconds=round(screen.snapshot.fetch_seconds, 3),
                                             figure_seconds=round(screen.snapshot.figure_seconds, 3)))
        screen.on_hide()
        ctx.shutdown()
        root.destroy()
        db.dispose()
    finally:
        if xvfb is not None:
            xvfb.terminate()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"dashboard on {results['database']}, period {results['period']!r}")
        print(f"  idle       max gap {results['idle']['max_gap_ms']:7.1f} ms (heartbeat every 50 ms)")
        print(f"  build      {results['build_seconds']:.2f} s to create the screen's widgets (Tk thread, no data)")
        o = results["open"]
        print(f"  open       max gap {o['max_gap_ms']:7.1f} ms (at {o['max_gap_at_s']:.2f} s)  p95 {o['p95_gap_ms']:6.1f} ms  "
              f"ready in {o['seconds']:.2f} s (data {o['fetch_seconds']:.2f} s, figures {o['figure_seconds']:.2f} s, "
              f"{o['charts']} charts)")
        for r in results["refreshes"]:
            print(f"  {r['how']:<10} max gap {r['max_gap_ms']:7.1f} ms (at {r['max_gap_at_s']:.2f} s)  p95 {r['p95_gap_ms']:6.1f} ms  "
                  f"done in {r['seconds']:.2f} s (data {r['fetch_seconds']:.2f} s, figures {r['figure_seconds']:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
