"""CLI: demo, report sales / gst / day / chart — exit codes, JSON, files, clean errors."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal

import pytest
from PIL import Image

from billbook import clock
from tests.builders import run_cli

PW = "s3cret-pass"


run = run_cli


@pytest.fixture
def shop_url(db_url, monkeypatch, capsys):
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    code, _, err = run(capsys, "--db", db_url, "init", "--admin", "owner", "--shop-name", "Test Mart", "--state-code", "27")
    assert code == 0, err
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    code, out, err = run(capsys, "--db", db_url, "--json", "demo", "--products", "25", "--customers", "40",
                         "--invoices", "300", "--days", "40")
    assert code == 0, err
    data = json.loads(out)
    assert data["invoices"] == 300 and data["to"] == (clock.today() - dt.timedelta(days=1)).isoformat()
    return db_url


def test_report_sales_json_adds_up(shop_url, capsys):
    end = clock.today()
    start = end - dt.timedelta(days=45)
    code, out, err = run(capsys, "--db", shop_url, "--json", "report", "sales", "--from", start.isoformat(),
                         "--to", end.isoformat(), "--by", "week")
    assert code == 0, err
    data = json.loads(out)
    assert data["total"]["invoices"] == sum(b["invoices"] for b in data["buckets"]) == 300
    assert Decimal(data["total"]["gross"]) == sum(Decimal(b["gross"]) for b in data["buckets"])


def test_report_gst_writes_csv(shop_url, capsys, tmp_path):
    end = clock.today()
    target = tmp_path / "gst.csv"
    code, out, err = run(capsys, "--db", shop_url, "--json", "report", "gst", "--from",
                         (end - dt.timedelta(days=60)).isoformat(), "--to", end.isoformat(), "--csv", str(target))
    assert code == 0, err
    data = json.loads(out)
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert sum(Decimal(r[2]) for r in rows if r and r[0] == "by_rate") == sum(Decimal(r["taxable"]) for r in data["by_rate"])
    assert {r[0] for r in rows if r} >= {"by_rate", "hsn"}


def test_report_day_close_twice_is_refused(shop_url, capsys, tmp_path):
    day = (clock.today() - dt.timedelta(days=1)).isoformat()
    code, out, err = run(capsys, "--db", shop_url, "--json", "report", "day", "--date", day, "--opening-float", "500",
                         "--counted-cash", "100", "--close", "--terminal", "T9", "--pdf", str(tmp_path / "z.pdf"))
    assert code == 0, err
    data = json.loads(out)
    assert data["closed"] is True and data["opening_float"] == "500.00"
    assert (tmp_path / "z.pdf").read_bytes().startswith(b"%PDF")
    code, out, err = run(capsys, "--db", shop_url, "report", "day", "--date", day, "--close", "--terminal", "T9")
    assert code == 1 and err.startswith("error:") and "already closed" in err and "Traceback" not in err
    code, out, err = run(capsys, "--db", shop_url, "report", "day", "--date", "31-12-2025")
    assert code == 1 and "not a date" in err


CHARTS = ["sales", "distribution", "credits", "hours", "retention", "products", "categories", "payments", "dues",
          "heatmap", "stock", "customers", "products-qty"]


def test_every_chart_renders_a_png(shop_url, capsys, tmp_path):
    for name, theme in zip(CHARTS, ["light", "dark"] * len(CHARTS)):
        target = tmp_path / f"{name}.png"
        code, out, err = run(capsys, "--db", shop_url, "report", "chart", name, "--out", str(target), "--theme", theme)
        assert code == 0, err
        with Image.open(target) as img:
            assert img.format == "PNG" and img.size[0] >= 600


def test_unknown_chart_is_a_usage_error(shop_url, capsys, tmp_path):
    code, out, err = run(capsys, "--db", shop_url, "report", "chart", "pie", "--out", str(tmp_path / "x.png"))
    assert code == 2
