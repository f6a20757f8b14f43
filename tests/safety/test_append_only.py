"""Issued invoices, credit notes and the audit log are append-only through the services."""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

import billbook.services
from billbook import clock
from billbook.db.append_only import MUTABLE, PROTECTED_TABLES, AppendOnlyViolation
from billbook.db.models import AuditEntry, CreditNote, CreditNoteLine, Invoice, InvoiceLine
from tests.builders import snapshot
from tests.safety.shopdata import fill_shop

SERVICES = Path(billbook.services.__file__).parent
PROTECTED_MODELS = {m.__name__ for m in MUTABLE}


def _first(s, model):
    return s.scalars(select(model).order_by(model.id)).first()


@pytest.mark.parametrize("model,column,value", [
    (Invoice, "grand_total", Decimal("1.00")), (Invoice, "number", "INV/26-27/999999"),
    (Invoice, "issued_at", dt.datetime(2020, 1, 1)), (InvoiceLine, "qty", Decimal("99")),
    (CreditNote, "total", Decimal("0")), (CreditNoteLine, "taxable", Decimal("0")),
    (AuditEntry, "username", "someone-else"), (AuditEntry, "details", ""),
])
def test_changing_an_issued_record_is_refused(db, model, column, value):
    fill_shop(db)
    before = snapshot(db)
    with pytest.raises(AppendOnlyViolation):
        db.run(lambda s: setattr(_first(s, model), column, value))
    assert snapshot(db) == before


@pytest.mark.parametrize("model", [Invoice, InvoiceLine, CreditNote, CreditNoteLine, AuditEntry])
def test_deleting_an_issued_record_is_refused(db, model):
    fill_shop(db)
    before = snapshot(db)
    with pytest.raises(AppendOnlyViolation):
        db.run(lambda s: s.delete(_first(s, model)))
    assert snapshot(db) == before


@pytest.mark.parametrize("stmt", [
    lambda: update(Invoice).values(grand_total=0), lambda: delete(InvoiceLine),
    lambda: update(AuditEntry).values(action="x"), lambda: delete(AuditEntry).where(AuditEntry.id > 0),
    lambda: delete(CreditNote), lambda: update(CreditNoteLine.__table__).values(total=0),
])
def test_bulk_statements_on_append_only_tables_are_refused(db, stmt):
    fill_shop(db)
    before = snapshot(db)
    with pytest.raises(AppendOnlyViolation):
        db.run(lambda s: s.execute(stmt()))
    assert snapshot(db) == before


def test_bookkeeping_columns_may_change(db):
    fill_shop(db)
    db.run(lambda s: setattr(_first(s, Invoice), "print_count", 3))
    db.run(lambda s: s.execute(update(Invoice).where(Invoice.id > 0).values(status="returned")))
    got = db.run(lambda s: (lambda inv: (inv.print_count, inv.status))(_first(s, Invoice)), readonly=True)
    assert got == (3, "returned")


def test_a_row_may_be_completed_in_the_transaction_that_creates_it(db):
    fill_shop(db)

    def work(s):
        entry = AuditEntry(at=clock.now(), username="x", action="draft")
        s.add(entry)
        s.flush()                       # got its id...
        entry.details = '{"filled": "later"}'   # ...and is completed before commit
    db.run(work)
    assert db.run(lambda s: s.scalars(select(AuditEntry.details).where(AuditEntry.action == "draft")).one(),
                  readonly=True) == '{"filled": "later"}'
    with pytest.raises(AppendOnlyViolation):    # but not in a later transaction
        db.run(lambda s: setattr(s.scalars(select(AuditEntry).where(AuditEntry.action == "draft")).one(),
                                 "details", "changed"))


def _writes_to_protected(tree: ast.AST) -> list[str]:
    """Calls like delete(Invoice), update(AuditEntry), X.__table__.delete() in a module."""
    found = []
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def only_bookkeeping(call: ast.Call, model: str) -> bool:
        """update(Invoice)...values(status=...) touching only columns allowed to change."""
        keys, node = set(), call
        while isinstance(parents.get(node), (ast.Attribute, ast.Call)):
            node = parents[node]
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "values":
                keys |= {k.arg for k in node.keywords}
        allowed = {m.__name__: cols for m, cols in MUTABLE.items()}.get(model, frozenset())
        return bool(keys) and keys <= allowed

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in ("delete", "update") and node.args:
            target = ast.unparse(node.args[0])
            model = target.split(".")[0]
            if name == "update" and only_bookkeeping(node, model):
                continue
            if model in PROTECTED_MODELS or any(t in target for t in PROTECTED_TABLES):
                found.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
        if name in ("delete", "update") and isinstance(func, ast.Attribute):
            owner = ast.unparse(func.value)
            if owner.split(".")[0] in PROTECTED_MODELS and owner.endswith("__table__"):
                found.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
        if isinstance(func, ast.Attribute) and func.attr in ("execute", "exec_driver_sql", "text") or name == "text":
            for arg in node.args[:1]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    sql = arg.value.lower()
                    if any(f"update {t}" in sql or f"delete from {t}" in sql for t in PROTECTED_TABLES):
                        found.append(f"line {node.lineno}: raw SQL on an append-only table")
    return found


def test_no_service_updates_or_deletes_invoices_credit_notes_or_audit_rows():
    offenders = {}
    for path in sorted(SERVICES.rglob("*.py")):
        hits = _writes_to_protected(ast.parse(path.read_text(encoding="utf-8")))
        if hits:
            offenders[path.name] = hits
    assert offenders == {}


def test_the_scanner_would_catch_such_a_write():
    sample = "session.execute(delete(AuditEntry).where(AuditEntry.id == 1))\nInvoice.__table__.update()\n" \
             "s.execute(text('DELETE FROM invoices'))\n" \
             "s.execute(update(Invoice).where(Invoice.id == 1).values(status='x', grand_total=0))\n" \
             "s.execute(update(Invoice).where(Invoice.id == 1).values(status='void'))\n"
    assert len(_writes_to_protected(ast.parse(sample))) == 4
