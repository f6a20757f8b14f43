"""A fast command line: commands load lazily, --json builds no table, lists page alike.

shared/CLI.md "Lists": every ``list`` command's JSON is ``{"items": [...], "total": N,
"next_offset": M or null}``, paged with ``--limit``/``--offset``, its help stating the real
maximum.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import click
import pytest

from billbook.cli.app import COMMANDS, LazyGroup, app, load_all_commands
from billbook.db.bootstrap import open_database
from billbook.services.base import MAX_PAGE
from billbook.services.goods import catalog
from billbook.services.people import users
from tests.builders import run_cli

PW = "lazy-cli-pass-1"

#: shown by `billbook --help` and every other command's start: none of these may be imported
HEAVY = ("sqlalchemy", "alembic", "rich", "reportlab", "matplotlib", "num2words", "PIL", "customtkinter")

load_all_commands()


def _modules_after(argv: list[str], env: dict | None = None) -> tuple[int, list[str], str]:
    """Run ``main(argv)`` in a fresh interpreter; its exit status, imported modules and stdout."""
    code = ("import json, sys\nfrom billbook.cli import main\ncode = main(sys.argv[1:])\n"
            "print('\\nMODULES=' + json.dumps(sorted(sys.modules)))\nsys.exit(code)")
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})
    out, _, mods = proc.stdout.rpartition("\nMODULES=")
    assert mods, proc.stderr
    return proc.returncode, json.loads(mods), out


def test_the_command_table_lists_every_command_with_its_own_help():
    assert sorted(app.commands) == sorted(COMMANDS)
    for name, (modules, help_text) in COMMANDS.items():
        cmd = app.commands[name]
        assert cmd.get_short_help_str(10 ** 6) == help_text, name
        subcommands = cmd.commands.values() if isinstance(cmd, click.Group) else [cmd]
        for sub in subcommands:     # each module that defines part of the command is listed
            assert sub.callback.__module__.rpartition(".")[2] in modules, (name, sub.name)


def test_help_imports_no_command_module_and_no_database_library():
    code, modules, out = _modules_after(["--help"])
    assert code == 0 and "product" in out and "Product catalog." in out
    assert [m for m in modules if m.startswith("billbook.cli.")] == ["billbook.cli.app"]
    assert not [m for m in modules if m.split(".")[0] in HEAVY]


@pytest.fixture
def sqlite_shop(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    assert run_cli(capsys, "--db", url, "init", "--admin", "owner", "--state-code", "27")[0] == 0
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    db = open_database(url)
    actor = users.login(db, "owner", PW, "test")
    for i in range(3):
        catalog.add_product(db, actor, sku=f"P{i}", name=f"Pen {i}", price="10", gst_rate="18", stock="5")
    db.dispose()
    for step in [("sale", "--item", "P1=1"), ("held", "park", "one", "--item", "P1=1"), ("category", "add", "Pens"),
                 ("supplier", "add", "Metro"), ("po", "create", "--supplier", "Metro", "--item", "P2=5@8"),
                 ("customer", "add", "--phone", "9876543210", "--name", "Ravi")]:
        code, out, err = run_cli(capsys, "--db", url, *step)
        assert code == 0, (step, err)
    return url


def test_a_json_product_list_imports_only_what_it_needs(sqlite_shop):
    code, modules, out = _modules_after(["--db", sqlite_shop, "--json", "product", "list", "--limit", "2"])
    assert code == 0
    assert json.loads(out) == {**json.loads(out), "total": 3, "next_offset": 2} and len(json.loads(out)["items"]) == 2
    assert [m for m in modules if m.startswith("billbook.cli.")] == ["billbook.cli.app", "billbook.cli.groups",
                                                                     "billbook.cli.products"]
    assert not [m for m in modules if m.split(".")[0] in ("alembic", "rich", "reportlab", "matplotlib",
                                                          "num2words", "customtkinter", "PIL", "mysql")]
    # nor the services of other commands, nor the layers a catalog read never touches
    assert not [m for m in modules if m.startswith(NOT_FOR_A_PRODUCT_LIST)]


#: libraries no --json read needs (documents, charts, migrations, tables, the GUI, printers' images)
NOT_FOR_JSON = ("alembic", "rich", "reportlab", "matplotlib", "num2words", "customtkinter", "PIL")


def test_other_json_reads_load_only_their_own_command_modules_and_no_heavy_library(sqlite_shop):
    for argv in (["category", "list"], ["customer", "list"], ["supplier", "list"], ["po", "list"], ["stock", "low"],
                 ["user", "list"], ["invoice", "list"], ["held", "list"], ["report", "day"]):
        code, modules, out = _modules_after(["--db", sqlite_shop, "--json", *argv])
        assert code == 0, argv
        json.loads(out)
        own = {f"billbook.cli.{m}" for m in COMMANDS[argv[0]][0]} | {"billbook.cli.app", "billbook.cli.groups"}
        assert {m for m in modules if m.startswith("billbook.cli.")} <= own, argv
        assert not [m for m in modules if m.split(".")[0] in NOT_FOR_JSON], argv


#: what `product list` has no use for (each costs start-up time)
NOT_FOR_A_PRODUCT_LIST = (
    "billbook.services.people.customers", "billbook.services.goods.suppliers", "billbook.services.goods.purchasing",
    "billbook.services.goods.inventory", "billbook.services.selling", "billbook.services.insight",
    "billbook.services.data.backup", "billbook.services.data.transfer", "billbook.documents", "billbook.gst",
    "billbook.charts", "billbook.devices", "billbook.gui", "billbook.devtools", "billbook.db.migrations")


def test_the_program_loads_a_command_with_the_collector_paused_and_runs_it_with_the_collector_on(sqlite_shop):
    """``billbook`` (``run``) collects no cyclic garbage while the command's modules load (start-up
    speed), then freezes what was loaded and resumes: the command's own work is collected as usual."""
    code = ("import gc, sys\n"
            "from billbook.services.goods import catalog\n"
            "search = catalog.search_products\n"
            "def spy(*args, **kwargs):\n"
            "    print(f'collector on={gc.isenabled()} frozen={gc.get_freeze_count()}', file=sys.stderr)\n"
            "    return search(*args, **kwargs)\n"
            "catalog.search_products = spy\n"
            "from billbook.cli import run\n"
            "run()\n")
    proc = subprocess.run([sys.executable, "-c", code, "--db", sqlite_shop, "--json", "product", "list"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total"] == 3
    seen = re.search(r"collector on=(\w+) frozen=(\d+)", proc.stderr)
    assert seen and seen[1] == "True" and int(seen[2]) > 10_000, proc.stderr
    help_run = subprocess.run([sys.executable, "-c", "from billbook.cli import run\nrun()", "--help"],
                              capture_output=True, text=True, timeout=120)
    assert help_run.returncode == 0 and "product" in help_run.stdout


def test_main_alone_leaves_the_collector_as_it_found_it(sqlite_shop, capsys):
    """Tests (and other callers) run ``main`` in-process: only the program's ``run`` pauses the collector."""
    import gc
    frozen = gc.get_freeze_count()
    assert run_cli(capsys, "--db", sqlite_shop, "--json", "product", "list")[0] == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def _no_table(*args, **kwargs):
    raise AssertionError("a table was built for --json output")


@pytest.mark.parametrize("argv", [
    ["report", "sales", "--by", "day"], ["product", "list"], ["invoice", "list"], ["user", "list"],
    ["stock", "low"], ["category", "list"], ["supplier", "list"], ["po", "list"], ["held", "list"],
    ["customer", "list"], ["report", "day"], ["audit", "search"], ["stock", "show", "P1"],
])
def test_json_output_builds_no_table(sqlite_shop, capsys, monkeypatch, argv):
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("billbook.cli.") and hasattr(module, "table"):
            monkeypatch.setattr(module, "table", _no_table)
    code, out, err = run_cli(capsys, "--db", sqlite_shop, "--json", *argv)
    assert code == 0, err
    json.loads(out)
    with pytest.raises(AssertionError, match="a table was built"):   # the same command for people does
        run_cli(capsys, "--db", sqlite_shop, *argv)


LISTS = [["product", "list"], ["invoice", "list"], ["user", "list"], ["category", "list"], ["supplier", "list"],
         ["po", "list"], ["held", "list"], ["customer", "list"], ["printer", "list"]]


def test_every_list_command_pages_and_states_its_maximum():
    def walk(group, path=()):
        for name, cmd in group.commands.items():
            if isinstance(cmd, click.Group):
                yield from walk(cmd, path + (name,))
            elif name == "list":
                yield list(path + (name,)), cmd
    found = dict((" ".join(p), c) for p, c in walk(app))
    assert sorted(found) == sorted(" ".join(p) for p in LISTS)
    for name, cmd in found.items():
        params = {p.name: p for p in cmd.params}
        assert params["limit"].type.max == MAX_PAGE and params["offset"].type.min == 0, name
        assert f"up to {MAX_PAGE:,}" in params["limit"].help, name


@pytest.fixture
def two_of_each(db_url, monkeypatch, capsys):
    """A shop with two of everything a list command lists."""
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    monkeypatch.setenv("BILLBOOK_NEW_PASSWORD", "second-user-pw-1")
    cli = lambda *a: run_cli(capsys, "--db", db_url, *a)  # noqa: E731
    assert cli("init", "--admin", "owner", "--state-code", "27")[0] == 0
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    steps = [("user", "add", "asha", "--role", "cashier"),
             ("category", "add", "Pens"), ("category", "add", "Books"),
             ("product", "add", "--sku", "P1", "--name", "Pen", "--price", "10", "--gst-rate", "18", "--stock", "9"),
             ("product", "add", "--sku", "P2", "--name", "Pencil", "--price", "5", "--gst-rate", "18", "--stock", "9"),
             ("supplier", "add", "Metro"), ("supplier", "add", "Acme"),
             ("po", "create", "--supplier", "Metro", "--item", "P1=5@8"),
             ("po", "create", "--supplier", "Acme", "--item", "P2=5@4"),
             ("customer", "add", "--phone", "9876543210", "--name", "Ravi"),
             ("customer", "add", "--phone", "9876543211", "--name", "Ravina"),
             ("held", "park", "one", "--item", "P1=1"), ("held", "park", "two", "--item", "P2=1"),
             ("sale", "--item", "P1=1"), ("sale", "--item", "P2=1"),
             ("printer", "set", "receipt", "--uri", "tcp://127.0.0.1:9100"), ("printer", "set", "a4", "--system", "A4")]
    for step in steps:
        code, out, err = cli(*step)
        assert code == 0, (step, err)
    return cli


def test_every_list_says_its_total_and_where_the_next_page_starts(two_of_each):
    for argv in LISTS:
        code, out, err = two_of_each("--json", *argv, "--limit", "1")
        assert code == 0, (argv, err)
        first = json.loads(out)
        assert len(first["items"]) == 1 and first["total"] == 2 and first["next_offset"] == 1, argv
        code, out, err = two_of_each("--json", *argv, "--limit", "1", "--offset", "1")
        second = json.loads(out)
        assert len(second["items"]) == 1 and second["total"] == 2 and second["next_offset"] is None, argv
        assert second["items"] != first["items"], argv
        code, out, err = two_of_each("--json", *argv, "--offset", "5")
        assert json.loads(out) == {"items": [], "total": 2, "next_offset": None}, argv
        code, out, err = two_of_each("--json", *argv, "--limit", str(MAX_PAGE + 1))
        assert code == 2 and "1000" in err, argv


def test_lazy_group_falls_back_to_loading_every_module_for_an_unlisted_command(monkeypatch):
    group = LazyGroup(name="t", lazy={})
    loaded = []
    monkeypatch.setattr(sys.modules["billbook.cli.app"], "load_all_commands", lambda: loaded.append(True))
    assert group.get_command(click.Context(group), "nothing-like-it") is None and loaded == [True]
