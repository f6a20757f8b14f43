"""Helpers for the data-safety tests: comparing whole databases, rewriting backup files."""

from __future__ import annotations

import hashlib
import json
import zipfile
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from billbook.db.models import Base, Product, StockMovement
from billbook.db.uow import Database
from tests.builders import snapshot

_AUDIT_COLS = list(Base.metadata.tables["audit_log"].c.keys())


def data_without(db: Database, *actions: str) -> dict[str, list[tuple]]:
    """``snapshot(db)`` minus the audit rows of ``actions`` (rows a restore or backup adds itself)."""
    snap = snapshot(db)
    i = _AUDIT_COLS.index("action")
    snap["audit_log"] = [r for r in snap["audit_log"] if r[i] not in actions]
    return snap


def assert_same_data(expected: dict, actual: dict) -> None:
    """Table-by-table comparison with a readable first difference."""
    assert set(expected) == set(actual)
    for name in expected:
        assert actual[name] == expected[name], f"table {name} differs"


def rewrite_zip(src: Path, dst: Path, change) -> None:
    """Copy a backup zip, passing each member (name, bytes) through ``change`` (returns bytes or None to drop)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)


def reseal(manifest: dict) -> tuple[bytes, bytes]:
    """A manifest and its matching checksum file (to forge a self-consistent manifest)."""
    mbytes = json.dumps(manifest, indent=1, sort_keys=True).encode()
    return mbytes, f"{hashlib.sha256(mbytes).hexdigest()}  manifest.json\n".encode()


def stock_matches_ledger(db: Database) -> bool:
    with db.engine.connect() as conn:
        ledger = dict(conn.execute(select(StockMovement.product_id, func.coalesce(func.sum(StockMovement.qty_delta), 0))
                                   .group_by(StockMovement.product_id)).all())
        for pid, qty in conn.execute(select(Product.id, Product.stock_qty)):
            if Decimal(qty) != Decimal(ledger.get(pid, 0)):
                return False
    return True
