"""How long does the Products screen take to open with a big catalog?

    python -m billbook.devtools.bench.products_screen [--products 100000] [--db URL] [--runs 5]

Without ``--db`` a fresh SQLite file is filled with ``--products`` generated products (the
catalog benchmark's CSV generator and the real bulk import). Then, each run, a Products
screen is built in a 1366×768 window, shown, and timed until its first page of rows is in
the table and drawn; a search as you type ("rice") is timed the same way. Starts its own
Xvfb when there is no DISPLAY.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

from billbook.devtools.bench.dashboard import run_until
from billbook.gui.xvfb import ensure_display


def _fill(db, actor, n: int) -> None:
    from billbook.devtools.bench.catalog import product_csv
    from billbook.services.data import csv_io
    import io
    text, _codes = product_csv(n)
    csv_io.import_products(db, actor, io.StringIO(text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--db", default=None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    xvfb = ensure_display()
    try:
        import customtkinter as ctk

        from billbook.db.bootstrap import open_database
        from billbook.domain.permissions import Role
        from billbook.gui.forms import make_context
        from billbook.gui.screens.products import ProductsScreen
        from billbook.services.people import users
        from billbook.services.base import Actor

        url = args.db
        if url is None:
            folder = tempfile.mkdtemp(prefix="bb-products-")
            os.environ.setdefault("BILLBOOK_HOME", folder)
            url = f"sqlite:///{folder}/products.sqlite3"
            db = open_database(url)
            admin = users.create_first_admin(db, "owner", "bench-pass-123")
            actor = Actor(admin.id, "owner", Role.ADMIN, "devtools/bench")
            t0 = time.perf_counter()
            _fill(db, actor, args.products)
            print(f"filled {args.products:,} products in {time.perf_counter() - t0:.1f} s")
        else:
            db = open_database(url)
            probe = Actor(0, "devtools/bench", Role.ADMIN, "devtools/bench")
            admin = next(u for u in users.list_users(db, probe) if u.role == "admin" and u.active)
            actor = Actor(admin.id, admin.username, Role.ADMIN, "devtools/bench")
        root = ctk.CTk()
        root.geometry("1366x768+0+0")
        root.update()
        ctx = make_context(root, db, actor)
        opens, searches = [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            screen = ProductsScreen(root, ctx)
            screen.pack(fill="both", expand=True)
            screen.on_show()
            run_until(root, lambda: screen.table.count() > 0 and not screen.table.loading, 30)
            root.update_idletasks()
            opens.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            screen.search.insert(0, "rice")
            screen._search_now()
            run_until(root, lambda: not screen.table.loading, 30)
            root.update_idletasks()
            searches.append(time.perf_counter() - t0)
            screen.destroy()
            root.update()
        ctx.shutdown()
        root.destroy()
        print(f"products screen on {db.display_name}")
        print(f"  open (build + first page shown): median {statistics.median(opens) * 1000:.0f} ms, "
              f"max {max(opens) * 1000:.0f} ms over {args.runs} runs")
        print(f"  search 'rice' (typed → rows shown): median {statistics.median(searches) * 1000:.0f} ms, "
              f"max {max(searches) * 1000:.0f} ms")
        db.dispose()
    finally:
        if xvfb is not None:
            xvfb.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
