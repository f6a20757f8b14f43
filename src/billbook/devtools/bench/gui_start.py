"""GUI start-up and counter responsiveness.

    python -m billbook.devtools.bench.gui_start [--runs 7] [--products 100000] [--skip-search]

1. Start-up: wall time from spawning a Python process to its first window being visible,
   for a bare ``ctk.CTk()`` window and for billbook's login window (open + migrate check of
   the SQLite database, shop profile, login form), alternating in the same run; medians and
   the ratio (goal ≤ 2).
2. Search at the counter with ``--products`` products (default 100,000): type queries key by
   key into the billing screen's scan box like a cashier and time each query from its last
   key to its matches on screen, and a barcode scan from Enter to the line in the cart;
   a Tk heartbeat (every 10 ms) records the longest stall of the event loop meanwhile, which
   shows that nothing slow runs on the Tk thread.

Starts its own Xvfb when there is no DISPLAY.
"""

from __future__ import annotations

from billbook.gui.xvfb import ensure_display

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = """
import customtkinter as ctk
root = ctk.CTk()
root.geometry("1366x768+0+0")
while not root.winfo_viewable():
    root.update()
print("VISIBLE", flush=True)
root.after(50, root.destroy)
root.mainloop()
"""

BILLBOOK = """
import sys, time
from billbook.gui.app import App
app = App(url=sys.argv[1], geometry="1366x768+0+0")   # what billbook-gui's main() does
while not (app.face.winfo_viewable() and app.face.focus_get() is not None):
    app.update()
print("VISIBLE", type(app.face).__name__, flush=True)
t0 = time.perf_counter()
app.ctx.wait_idle(60)
print("DATABASE", time.perf_counter() - t0, type(app.face).__name__, flush=True)
app.close()
"""


def time_start(code: str, *args: str) -> float:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - t0
    rest = proc.stdout.read()
    proc.wait(timeout=60)
    if not line.startswith("VISIBLE") or proc.returncode != 0:
        raise RuntimeError(f"the window did not show: {line!r} {proc.stderr.read()[-2000:]}")
    for extra in rest.splitlines():
        if extra.startswith("DATABASE"):
            _, seconds, face = extra.split()
            READY.append(elapsed + float(seconds))
            if face != "LoginForm":
                raise RuntimeError(f"expected the login form, got {face}")
    return elapsed


READY: list[float] = []


def startup(url: str, runs: int) -> tuple[float, float]:
    bare, app = [], []
    time_start(BARE)                 # warm the OS file cache for both
    time_start(BILLBOOK, url)
    for _ in range(runs):
        bare.append(time_start(BARE))
        app.append(time_start(BILLBOOK, url))
    return statistics.median(bare), statistics.median(app)


class Heartbeat:
    def __init__(self, root, period_ms: int = 10):
        self.root, self.period_ms = root, period_ms
        self.last = time.perf_counter()
        self.worst = 0.0
        self._job = None

    def start(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0
        self._job = self.root.after(self.period_ms, self._beat)

    def _beat(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last - self.period_ms / 1000)
        self.last = now
        self._job = self.root.after(self.period_ms, self._beat)

    def stop(self) -> float:
        if self._job:
            self.root.after_cancel(self._job)
        return self.worst


def pump_until(app, cond, timeout: float = 10.0) -> float:
    t0 = time.perf_counter()
    while not cond():
        if time.perf_counter() - t0 > timeout:
            said = app.shell.messages.text if app.shell else ""
            raise TimeoutError(f"the screen did not update in time ({said})")
        app.update()
        time.sleep(0.001)
    return time.perf_counter() - t0


def search(url: str, products: int, work: Path) -> dict:
    import io

    from billbook.devtools.bench.catalog import product_csv
    from billbook.db.bootstrap import open_database
    from billbook.gui.app import App
    from billbook.services.data import csv_io
    from billbook.services.people import users
    db = open_database(url)
    admin = users.login(db, "owner", "owner-pass-123", "BENCH")
    print(f"importing {products:,} products…", flush=True)
    t0 = time.perf_counter()
    text, codes = product_csv(products)
    csv_io.import_products(db, admin, io.StringIO(text))
    print(f"  imported in {time.perf_counter() - t0:.1f} s", flush=True)
    app = App(db, geometry="1366x768+0+0", theme_mode="light")
    app.ctx.open_documents = False
    app.update()
    app.face.user.insert(0, "owner")
    app.face.password.insert(0, "owner-pass-123")
    app.face.submit()
    pump_until(app, lambda: app.shell is not None and app.face is app.shell, 30)
    billing = app.shell.screens["billing"]
    box = billing.search
    beat = Heartbeat(app)
    beat.start()
    query_times, scan_times = [], []
    queries = ("rice", "basmati 5kg", "tata salt", "sunflower oil", "amul butter", "colgate", "soap", "maggi",
               "red label tea", "dettol", "biscuits", "ghee", "masala", "shampoo", "notebook")
    for q in queries:
        box.clear()
        for i, ch in enumerate(q):
            box.entry.insert("end", ch)
            box.entry._entry.event_generate("<KeyRelease>", keysym="a")
            t0 = time.perf_counter()
            app.update()
            if i < len(q) - 1:
                end = t0 + 0.08    # a quick typist: ~12 keys a second
                while time.perf_counter() < end:
                    app.update()
                    time.sleep(0.002)
        pump_until(app, lambda q=q: box.popup_visible and box._text == q)
        query_times.append(time.perf_counter() - t0)
    box.clear()
    for code in codes[:: max(1, len(codes) // 20)][:20]:
        lines = len(billing.cart.lines)
        box.entry.insert(0, code)
        t0 = time.perf_counter()
        box._enter()
        pump_until(app, lambda n=lines: len(billing.cart.lines) > n and billing.preview is not None
                   and len(billing.preview.lines) == len(billing.cart.lines))
        scan_times.append(time.perf_counter() - t0)
    worst = beat.stop()
    app.close()
    db.dispose()
    q = sorted(query_times)
    s = sorted(scan_times)
    return {"query_median_ms": statistics.median(q) * 1000, "query_p95_ms": q[int(0.95 * (len(q) - 1))] * 1000,
            "scan_median_ms": statistics.median(s) * 1000, "scan_p95_ms": s[int(0.95 * (len(s) - 1))] * 1000,
            "worst_stall_ms": worst * 1000, "queries": len(q), "scans": len(s)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--skip-search", action="store_true")
    args = parser.parse_args(argv)
    from billbook.gui.widgets.search_box import DEBOUNCE_MS
    globals()["DEBOUNCE_MS"] = DEBOUNCE_MS
    xvfb = ensure_display()
    work = Path(tempfile.mkdtemp(prefix="billbook-guibench-"))
    os.environ["BILLBOOK_HOME"] = str(work / "home")
    try:
        from billbook.db.bootstrap import open_database
        from billbook.services.people import users
        url = f"sqlite:///{work / 'devtools/bench.sqlite3'}"
        db = open_database(url)
        users.create_first_admin(db, "owner", "owner-pass-123")
        db.dispose()
        bare, app = startup(url, args.runs)
        print(f"start-up to a visible window (median of {args.runs}, same run):")
        print(f"  bare ctk.CTk()          {bare * 1000:8.0f} ms")
        print(f"  billbook login window   {app * 1000:8.0f} ms")
        print(f"  ratio                   {app / bare:8.2f}   (goal ≤ 2)")
        print(f"  (the database is opened and checked in the background; ready for the login after "
              f"{statistics.median(READY) * 1000:.0f} ms)")
        if not args.skip_search:
            r = search(url, args.products, work)
            print(f"billing search with {args.products:,} products (SQLite):")
            print(f"  query, last key → matches shown   median {r['query_median_ms']:6.1f} ms   "
                  f"p95 {r['query_p95_ms']:6.1f} ms   ({r['queries']} queries, incl. the {DEBOUNCE_MS} ms debounce)")
            print(f"  scan, Enter → line priced in cart median {r['scan_median_ms']:6.1f} ms   "
                  f"p95 {r['scan_p95_ms']:6.1f} ms   ({r['scans']} scans)")
            print(f"  longest Tk event-loop stall meanwhile  {r['worst_stall_ms']:6.1f} ms")
        return 0
    finally:
        import shutil
        shutil.rmtree(work, ignore_errors=True)
        if xvfb is not None:
            xvfb.terminate()


if __name__ == "__main__":
    sys.exit(main())
