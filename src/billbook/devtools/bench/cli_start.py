"""Command-line start-up: how long ``billbook`` takes before it has done anything useful.

    python -m billbook.devtools.bench.cli_start [--runs 5] [--products 200]

Times, as fresh processes and alternating so that both sides see the same machine load:

1. ``billbook --help`` against a bare ``python -c "import click"`` (goal: at most 3×);
2. ``billbook --json product list`` on a small SQLite shop (``--products`` products, made
   once in a temporary folder) against a bare ``python -c "import sqlalchemy, click, argon2"``
   (goal: at most 2×).

Both sides run as an installed package does: from compiled bytecode (pip compiles every
module when it installs). A checkout run with ``PYTHONDONTWRITEBYTECODE`` set would otherwise
compile billbook's own sources on every start (about 50 ms here) while the bare side loads
its libraries' bytecode. The bytecode goes to a cache in the temporary folder
(``PYTHONPYCACHEPREFIX``), written by the warm-up runs; ``--from-source`` measures without it.

Prints the medians, the ratios and whether each goal is met; ``--json`` prints them as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSWORD = "bench-cli-start-1"
BILLBOOK = [sys.executable, "-m", "billbook.cli"]


def _run(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed


def make_shop(folder: Path, products: int, env: dict[str, str]) -> str:
    """A small SQLite shop with an admin and ``products`` products; returns its URL."""
    url = f"sqlite:///{folder / 'shop.db'}"
    _run(BILLBOOK + ["--db", url, "init", "--admin", "bench", "--state-code", "27"], env)
    from billbook.db.bootstrap import open_database
    from billbook.services.goods import catalog
    from billbook.services.people import users

    db = open_database(url)
    actor = users.login(db, "bench", PASSWORD, "bench")
    for i in range(products):
        catalog.add_product(db, actor, sku=f"P{i:05d}", name=f"Bench product {i}", price=f"{10 + i % 90}.50",
                            gst_rate="18", stock="100")
    db.dispose()
    return url


def measure(runs: int, products: int, *, bytecode: bool = True) -> dict:
    env = {**os.environ, "BILLBOOK_PASSWORD": PASSWORD, "BILLBOOK_USER": "bench"}
    with tempfile.TemporaryDirectory(prefix="bb-cli-start-") as tmp:
        url = make_shop(Path(tmp), products, env)
        warm_env = env
        if bytecode:
            env = {**env, "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")}
            warm_env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cases = {
            "help": (BILLBOOK + ["--help"], [sys.executable, "-c", "import click"], 3.0),
            "product_list": (BILLBOOK + ["--db", url, "--json", "product", "list"],
                             [sys.executable, "-c", "import sqlalchemy, click, argon2"], 2.0),
        }
        result = {}
        for name, (cmd, bare, goal) in cases.items():
            _run(cmd, warm_env), _run(bare, warm_env)   # warm the OS file cache (and write the bytecode) for both
            ours, base = [], []
            for _ in range(runs):
                base.append(_run(bare, env))
                ours.append(_run(cmd, env))
            m_ours, m_base = statistics.median(ours), statistics.median(base)
            result[name] = {"billbook_s": round(m_ours, 3), "bare_s": round(m_base, 3),
                            "ratio": round(m_ours / m_base, 2), "goal": goal, "met": m_ours <= goal * m_base}
        return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--products", type=int, default=200)
    ap.add_argument("--from-source", action="store_true",
                    help="no bytecode cache (with PYTHONDONTWRITEBYTECODE set, billbook compiles its sources "
                         "on every start)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    result = measure(args.runs, args.products, bytecode=not args.from_source)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, r in result.items():
            print(f"{name:13} billbook {r['billbook_s'] * 1000:7.0f} ms   bare {r['bare_s'] * 1000:6.0f} ms   "
                  f"ratio {r['ratio']:.2f} (goal ≤ {r['goal']:g}: {'met' if r['met'] else 'NOT met'})")
    return 0 if all(r["met"] for r in result.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
