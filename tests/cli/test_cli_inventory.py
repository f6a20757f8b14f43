"""CLI contract for the back office: flags from CLI.md, --json, exit 1 with a plain line."""

import json

import pytest

from tests.builders import run_cli

PW = "s3cret-pass"


run = run_cli


@pytest.fixture
def cli(db_url, monkeypatch, capsys):
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    assert run(capsys, "--db", db_url, "init", "--admin", "owner")[0] == 0
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    return lambda *a: run(capsys, "--db", db_url, *a)


def test_product_stock_po_round(cli, tmp_path):
    code, out, err = cli("--json", "product", "add", "--sku", "RICE5", "--name", "Rice 5 kg", "--price", "350",
                         "--gst-rate", "5", "--stock", "10", "--reorder-level", "20", "--barcode", "4006381333931")
    assert code == 0, err
    assert json.loads(out)["stock"] == "10"
    code, out, err = cli("--json", "product", "list", "--search", "KG rice")
    assert [p["sku"] for p in json.loads(out)["items"]] == ["RICE5"]
    assert json.loads(cli("--json", "product", "show", "4006381333931")[1])["sku"] == "RICE5"
    code, out, err = cli("stock", "adjust", "RICE5", "-3", "--reason", "damage")
    assert code == 0, err
    assert cli("supplier", "add", "Metro")[0] == 0
    code, out, err = cli("--json", "po", "create", "--supplier", "Metro", "--item", "RICE5=5@300", "--order")
    number = json.loads(out)["number"]
    code, out, err = cli("--json", "po", "receive", number, "--item", "RICE5=2")
    assert json.loads(out)["status"] == "partially_received"
    code, out, err = cli("po", "cancel", number)
    assert code == 1 and err.startswith("error:") and len(err.strip().splitlines()) == 1
    code, out, err = cli("--json", "stock", "low")
    assert [(r["sku"], r["on_order"], r["suggested_qty"]) for r in json.loads(out)] == [("RICE5", "3", "28")]
    code, out, err = cli("--json", "stock", "verify")
    assert code == 0 and json.loads(out)["ok"] is True
    path = tmp_path / "p.csv"
    assert cli("product", "export", str(path))[0] == 0
    assert path.read_text().splitlines()[1].startswith("RICE5,Rice 5 kg,350.00,5,,4006381333931,pcs,9,20,no,,300.00")


def test_import_with_bad_rows_exits_1_and_lists_lines(cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("sku,name,price,gst_rate\nA,Good,1,5\nB,Bad,-1,5\nC,Worse,1,9\n")
    code, out, err = cli("product", "import", str(path), "--dry-run")
    assert code == 1 and "line 3: price" in err and "line 4: gst_rate" in err and "Traceback" not in err
    code, out, err = cli("--json", "product", "import", str(path))
    assert code == 1 and [e["line"] for e in json.loads(out)["errors"]] == [3, 4]
    assert json.loads(cli("--json", "product", "list")[1])["items"] == []


def test_customer_commands(cli):
    assert cli("customer", "add", "--phone", "9876543210", "--name", "Ravi")[0] == 0
    code, out, err = cli("customer", "credits-adjust", "9876543210", "-5", "--reason", "oops")
    assert code == 1 and "cannot take" in err
    code, out, err = cli("--json", "customer", "credits-adjust", "9876543210", "20", "--reason", "gift")
    assert json.loads(out)["credits"] == "20.00"
    code, out, err = cli("--json", "customer", "show", "9876543210")
    assert json.loads(out)["credits"] == "20.00" and json.loads(out)["visits"] == 0
