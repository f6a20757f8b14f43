"""Hardening: parameterised SQL only, credentials never shown, config file owner-only."""

from __future__ import annotations

import ast
import logging
import os
import stat
from pathlib import Path

import pytest

import billbook
from billbook import config
from billbook.cli import main
from billbook.db.engine import safe_url
from billbook.db.uow import Database
from billbook.errors import DatabaseUnavailable
from sqlalchemy.exc import SQLAlchemyError

SRC = Path(billbook.__file__).parent
SECRET = "Zq9-very-secret-pw"

#: (file relative to src/billbook, enclosing function) allowed to build SQL text, each reviewed:
ALLOWED_SQL_BUILDERS = {
    # PRAGMA with a module constant (an int), never input
    ("db/engine.py", "_on_connect"),
    # BEGIN IMMEDIATE / DEFERRED from a context variable set only by the unit of work
    ("db/engine.py", "_on_begin"),
    # DDL whose only variable parts are identifiers checked by quote_ident (letters, digits, _ and $)
    ("services/data/backup/mysql.py", "_ddl"),
    # bulk INSERT: identifiers quoted by the dialect's preparer, every value a bound parameter
    ("services/goods/catalog.py", "fast_insert"),
    # benchmark set-up: CREATE DATABASE with a name the script makes itself
    ("devtools/bench/analytics.py", "main"),
    # benchmark set-up: CREATE/DROP DATABASE of the scratch database the script names itself
    ("devtools/bench/checkout.py", "main"),
    # not SQL: python-escpos's text() prints a line of the receipt
    ("documents/receipt_escpos.py", "receipt_lines"),
    # demo data: table names from a constant tuple
    ("devtools/demo.py", "max_ids"),
    # demo data bulk loader: identifiers from a constant tuple, every value a bound parameter
    ("devtools/demo.py", "flush"),
}
SQL_SINKS = {"text", "exec_driver_sql", "execute", "executemany", "executescript"}


def _built_string(node: ast.AST) -> bool:
    """An f-string, % formatting, + concatenation or .format() call: SQL built from pieces."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
        return True
    return False


def string_built_sql(tree: ast.AST, rel: str) -> list[str]:
    """Every call to a SQL sink whose SQL argument is built from pieces, outside the allow-list."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    assigned: dict[tuple[ast.AST, str], ast.AST] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            scope = node
            while scope in parents and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
                scope = parents[scope]
            assigned[(scope, node.targets[0].id)] = node.value

    def enclosing(node: ast.AST) -> ast.AST:
        while node in parents and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            node = parents[node]
        return node

    # a bare name `text(...)` is SQLAlchemy's only if the module imports it (documents draw text too)
    sa_text = any(isinstance(n, ast.ImportFrom) and (n.module or "").startswith("sqlalchemy")
                  and any(a.name == "text" for a in n.names) for n in ast.walk(tree))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name not in SQL_SINKS or (name == "text" and isinstance(func, ast.Name) and not sa_text):
            continue
        arg = node.args[0]
        scope = enclosing(node)
        if isinstance(arg, ast.Name) and (scope, arg.id) in assigned:
            arg = assigned[(scope, arg.id)]          # sql = f"..."; conn.execute(sql)
        if not _built_string(arg):
            continue
        fname = getattr(scope, "name", "<module>")
        if (rel, fname) in ALLOWED_SQL_BUILDERS:
            continue
        found.append(f"{rel}:{node.lineno} in {fname}(): {ast.unparse(node)[:100]}")
    return found


def test_no_string_built_sql_anywhere_in_src():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        offenders += string_built_sql(ast.parse(path.read_text(encoding="utf-8")), rel)
    assert offenders == [], "SQL built from strings (use bound parameters):\n" + "\n".join(offenders)


@pytest.mark.parametrize("code", [
    'from sqlalchemy import text\nconn.execute(text(f"SELECT * FROM products WHERE sku = \'{sku}\'"))',
    'conn.exec_driver_sql("DELETE FROM users WHERE id = %s" % uid)',
    'from sqlalchemy import select, text\nsession.execute(text("SELECT * FROM t WHERE name = \'" + name + "\'"))',
    'from sqlalchemy import text\nsql = "UPDATE t SET a = {}".format(v)\nconn.execute(text(sql))',
    'def f(x):\n    q = f"SELECT {x}"\n    return cur.execute(q)',
])
def test_the_sql_scanner_catches_string_building(code):
    assert string_built_sql(ast.parse(code), "services/x.py")


def test_the_sql_scanner_accepts_bound_parameters():
    code = 'conn.execute(text("SELECT * FROM products WHERE sku = :sku"), {"sku": sku})\n' \
           'cur.execute("SELECT 1")\nconn.exec_driver_sql("PRAGMA foreign_keys=ON")'
    assert string_built_sql(ast.parse(code), "services/x.py") == []


# ------------------------------------------------------------------ credentials

def test_config_file_is_written_owner_only(tmp_path):
    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('terminal = "old"\n')
    os.chmod(path, 0o644)                        # an existing, too open file
    written = config.write_config({"database_url": f"mysql+mysqlconnector://shop:{SECRET}@10.0.0.5/billbook"})
    assert written == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.read_config()["terminal"] == "old"


def test_urls_are_shown_with_the_password_masked():
    url = f"mysql+mysqlconnector://shop:{SECRET}@10.0.0.5:3306/billbook"
    assert SECRET not in safe_url(url) and "***" in safe_url(url)
    db = Database(url)
    assert SECRET not in db.safe_url and SECRET not in db.display_name
    db.dispose()


@pytest.mark.mysql
def test_a_refused_login_to_mysql_never_shows_or_logs_the_password(capsys, caplog):
    from tests.conftest import MYSQL_SERVER, _server_engine
    _server_engine().dispose()                       # skips (or fails in CI) without a server
    url = MYSQL_SERVER.replace("://root@", f"://nosuchuser:{SECRET}@").rstrip("/") + "/billbook_nope"
    caplog.set_level(logging.DEBUG)
    for name in ("sqlalchemy.engine", "sqlalchemy.pool", "alembic"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    db = Database(url)
    with pytest.raises((DatabaseUnavailable, SQLAlchemyError)) as err:
        db.run(lambda s: s.connection())
    db.dispose()
    assert SECRET not in str(err.value) and SECRET not in repr(err.value)
    code = main(["--db", url, "--user", "owner", "user", "list"])
    out, errtext = capsys.readouterr()
    assert code == 1 and errtext.startswith("error:")
    everything = out + errtext + "\n".join(r.getMessage() for r in caplog.records)
    assert SECRET not in everything


def test_no_password_literals_in_the_repository():
    """No hard-coded database password in the shipped code (the original had one)."""
    import re
    pattern = re.compile(r"mysql(?:\+\w+)?://[^:@/\s'\"]+:([^@/\s'\"]*)@")
    placeholders = {"", "pass", "password", "***", "secret"}
    suspicious = []
    for path in sorted(SRC.rglob("*.py")):
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for pw in pattern.findall(line):
                if pw.lower() not in placeholders and not pw.startswith("{"):
                    suspicious.append(f"{path.relative_to(SRC)}:{no}")
    assert suspicious == []
