"""CLI contract for set-up and users: exit codes, JSON, clean errors."""

import json
import os
import subprocess
import sys

import pytest

from tests.builders import run_cli

PW = "s3cret-pass"


run = run_cli


@pytest.fixture
def initialised(db_url, monkeypatch, capsys):
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    code, out, err = run(capsys, "--db", db_url, "init", "--admin", "owner", "--shop-name", "Test Mart",
                         "--state-code", "27")
    assert code == 0, err
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    return db_url


def test_user_list_json_is_valid(initialised, capsys):
    code, out, err = run(capsys, "--db", initialised, "--json", "user", "list")
    assert code == 0, err
    data = json.loads(out)["items"]
    assert [u["username"] for u in data] == ["owner"] and data[0]["role"] == "admin"


def test_second_first_admin_refused(initialised, capsys):
    code, out, err = run(capsys, "--db", initialised, "init", "--admin", "another")
    assert code == 1 and err.startswith("error:") and "already has users" in err
    assert "Traceback" not in err


def test_wrong_password_exit_1_one_line(initialised, capsys, monkeypatch):
    monkeypatch.setenv("BILLBOOK_PASSWORD", "wrong-password")
    code, out, err = run(capsys, "--db", initialised, "user", "list")
    assert code == 1 and err.strip() == "error: Wrong user name or password." and out == ""


def test_user_add_and_cashier_refused_admin_command(initialised, capsys, monkeypatch):
    monkeypatch.setenv("BILLBOOK_NEW_PASSWORD", "cashier-pass-1")
    code, out, err = run(capsys, "--db", initialised, "--json", "user", "add", "asha", "--role", "cashier")
    assert code == 0, err and json.loads(out)["role"] == "cashier"
    monkeypatch.setenv("BILLBOOK_USER", "asha")
    monkeypatch.setenv("BILLBOOK_PASSWORD", "cashier-pass-1")
    code, out, err = run(capsys, "--db", initialised, "user", "add", "ravi", "--role", "admin")
    assert code == 1 and "not allowed" in err and len(err.strip().splitlines()) == 1


def test_bad_input_exit_1_and_nothing_changed(initialised, capsys):
    code, _, err = run(capsys, "--db", initialised, "shop", "set", "--gstin", "27AAPFU0939F1ZX")
    assert code == 1 and "check character" in err
    code, out, _ = run(capsys, "--db", initialised, "--json", "shop", "show")
    assert json.loads(out)["gstin"] == ""


def test_last_admin_protected_via_cli(initialised, capsys):
    code, _, err = run(capsys, "--db", initialised, "user", "set-role", "owner", "cashier")
    assert code == 1 and "last active admin" in err


def test_usage_error_exit_2(capsys):
    code, _, err = run(capsys, "--no-such-flag")
    assert code == 2


def test_console_script_runs_as_a_process(initialised, tmp_path):
    env = {**os.environ, "BILLBOOK_PASSWORD": PW, "BILLBOOK_USER": "owner"}
    proc = subprocess.run([sys.executable, "-m", "billbook.cli", "--db", initialised, "--json", "user", "list"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["items"][0]["username"] == "owner"
