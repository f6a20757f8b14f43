"""A separate OS process that rings up sales, for the concurrency and crash tests.

    python -m tests.faults.checkout_worker MODE URL USER_ID WORKER_NO DIR [N]

MODE ``race``: N sales of the scarce products (A, B); ``same``: one sale with the shared id
``twin``; ``crash``: one sale that stops inside its transaction at the stage named by N, writes
``DIR/at-stage`` and sleeps until killed. Workers start together: each writes ``DIR/ready-NO``
and waits for ``DIR/go``. Results go to ``DIR/result-NO.json``.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

from billbook.db.uow import Database
from billbook.domain.permissions import Role
from billbook.services.selling import checkout as sales
from billbook.services.base import Actor
from billbook.errors import OutOfStock
from billbook.services.selling.checkout import SaleRequest


def main() -> None:
    mode, url, user_id, no, folder = sys.argv[1:6]
    extra = sys.argv[6] if len(sys.argv) > 6 else ""
    folder = Path(folder)
    db = Database(url, pool_size=1)
    db.run(lambda s: s.connection().exec_driver_sql("SELECT 1"), readonly=True)   # connected and warm
    actor = Actor(int(user_id), "asha", Role.CASHIER, f"T{no}")
    (folder / f"ready-{no}").write_text("")
    deadline = time.monotonic() + 60
    while not (folder / "go").exists():
        if time.monotonic() > deadline:
            raise SystemExit("never told to go")
        time.sleep(0.005)

    result: dict = {"ok": [], "refused": 0, "errors": []}
    if mode == "race":
        rnd = random.Random(int(no))
        for k in range(int(extra)):
            items = [("A", str(rnd.randint(1, 3))), ("B", "1")]
            try:
                inv = sales.checkout(db, actor, SaleRequest(f"w{no}-{k}", items, [("cash", None)]))
                result["ok"].append(inv.number)
            except OutOfStock:
                result["refused"] += 1
            except Exception as exc:  # noqa: BLE001 - reported to the parent test
                result["errors"].append(f"{type(exc).__name__}: {exc}")
    elif mode == "same":
        try:
            inv = sales.checkout(db, actor, SaleRequest("twin", [("A", "1"), ("B", "1")], [("upi", None)]))
            result["ok"].append(inv.number)
        except Exception as exc:  # noqa: BLE001
            result["errors"].append(f"{type(exc).__name__}: {exc}")
    elif mode == "crash":
        def hook(stage: str) -> None:
            if stage == extra:
                (folder / "at-stage").write_text(stage)
                time.sleep(120)      # the parent SIGKILLs us here, inside the open transaction
        sales._fault_hook = hook
        sales.checkout(db, actor, SaleRequest("doomed", [("A", "2"), ("B", "1")], [("cash", None)],
                                              customer_phone="9876543210", customer_name="Ravi"))
        result["errors"].append("the sale finished although it should have been killed")
    (folder / f"result-{no}.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main()
