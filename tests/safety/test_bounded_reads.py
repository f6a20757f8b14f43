"""Bounded reads (issue 20, point 2): every file billbook reads has a limit that fits its kind.

The hostile files run through the real command line in a subprocess whose address space is
capped at 2 GB (``resource.setrlimit``): a backup whose one entry unpacks to 2 GB, a backup
with a 48 MB row, ``shop set --logo /dev/zero``. Each must be refused with one plain line
within seconds — no MemoryError, no traceback.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image

import billbook
from billbook import files
from billbook.errors import FileRefused, ValidationError
from billbook.services.data import backup as bk
from billbook.services.data import csv_io
from billbook.services.people import shop as shop_service
from tests.builders import run_cli
from tests.safety.helpers import rewrite_zip
from tests.safety.shopdata import fill_shop

PW = "s3cret-pass"
CAP = 2 * 1024 ** 3
SRC = str(Path(billbook.__file__).resolve().parents[1])


def run_capped(args: list[str], env: dict | None = None, timeout: float = 120) -> tuple[int, str, float]:
    """``billbook ARGS`` in a subprocess limited to 2 GB of address space: (status, stderr, seconds)."""
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (%d, %d)); "
            "from billbook.cli import main; sys.exit(main(sys.argv[1:]))" % (CAP, CAP))
    full_env = {**os.environ, "PYTHONPATH": SRC, **(env or {})}
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=full_env,
                          timeout=timeout)
    return done.returncode, done.stderr, time.monotonic() - start


def _assert_refused_plainly(code: int, err: str, words: str) -> None:
    assert code == 1, err
    assert words in err and "Traceback" not in err and "MemoryError" not in err, err
    assert len(err.strip().splitlines()) == 1, err


@pytest.fixture(scope="module")
def two_gb_entry(tmp_path_factory) -> Path:
    """A backup-looking zip (~9 MB) whose one entry is a single 2 GB line."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    chunk = b"A" * (64 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("data/products.jsonl", "w", force_zip64=True) as fh:
            fh.write(b'["')
            for _ in range(32):
                fh.write(chunk)
        zf.writestr("manifest.json", b"{}")
        zf.writestr("manifest.sha256", b"0  manifest.json\n")
    return path


def test_a_backup_that_unpacks_to_2gb_is_refused_in_seconds_under_a_2gb_cap(two_gb_entry, tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    code, err, took = run_capped(["--db", url, "restore", str(two_gb_entry), "--yes"],
                                 {"BILLBOOK_HOME": str(tmp_path / "home")})
    _assert_refused_plainly(code, err, "would unpack to")
    assert took < 30, took


def test_a_backup_with_a_48mb_row_is_refused_as_it_streams_under_a_2gb_cap(db, tmp_path):
    fill_shop(db)
    good = bk.create_backup(db, tmp_path / "good.zip").path
    huge = b'["' + b"x" * (48 << 20) + b'"]\n'
    bad = tmp_path / "bigrow.zip"
    rewrite_zip(good, bad, lambda n, d: huge + d if n == "data/products.jsonl" else d)
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    code, err, took = run_capped(["--db", url, "restore", str(bad), "--yes"],
                                 {"BILLBOOK_HOME": str(tmp_path / "home")})
    _assert_refused_plainly(code, err, "has a row longer than 32 MB")
    assert took < 30, took
    with pytest.raises(bk.DamagedBackup, match="row longer than"):      # in-process too, on both databases
        bk.verify_backup(bad)


def test_a_nested_row_is_refused_without_a_traceback(db, tmp_path):
    fill_shop(db)
    good = bk.create_backup(db, tmp_path / "good.zip").path
    bad = tmp_path / "nested.zip"
    rewrite_zip(good, bad, lambda n, d: b"[" * 200000 + b"\n" + d if n == "data/products.jsonl" else d)
    with pytest.raises(bk.DamagedBackup, match="nested too deep"):
        bk.verify_backup(bad)


def test_shop_logo_from_dev_zero_is_refused_in_seconds_under_a_2gb_cap(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    assert run_cli(capsys, "--db", url, "init", "--admin", "owner")[0] == 0
    env = {"BILLBOOK_HOME": os.environ["BILLBOOK_HOME"], "BILLBOOK_USER": "owner", "BILLBOOK_PASSWORD": PW}
    code, err, took = run_capped(["--db", url, "shop", "set", "--logo", "/dev/zero"], env)
    _assert_refused_plainly(code, err, "not a regular file")
    assert took < 30, took
    sparse = tmp_path / "huge.png"
    with open(sparse, "wb") as fh:
        fh.truncate(5 * 1024 ** 3)                      # 5 GB, sparse: nothing to read, too large
    code, err, took = run_capped(["--db", url, "shop", "set", "--logo", str(sparse)], env)
    _assert_refused_plainly(code, err, "too large for a logo")
    assert took < 30, took


def test_a_logo_must_be_a_real_image_of_sensible_size(db, admin):
    with pytest.raises(ValidationError, match="not a readable PNG or JPEG"):
        shop_service.update_shop(db, admin, logo=b"\x89PNG\r\n\x1a\n" + b"junk" * 100)
    buf = io.BytesIO()
    Image.new("1", (20000, 200)).save(buf, "PNG")               # a small file, a wide bitmap
    with pytest.raises(ValidationError, match="20000×200 pixels"):
        shop_service.update_shop(db, admin, logo=buf.getvalue())
    ok = io.BytesIO()
    Image.new("RGB", (300, 100), "navy").save(ok, "PNG")
    assert shop_service.update_shop(db, admin, logo=ok.getvalue())


def test_csv_imports_are_bounded_and_streamed(db, admin, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(ValidationError, match="not a regular file"):
        csv_io.import_products(db, admin, fifo)                 # returns at once: a pipe is never opened to read
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:
        fh.truncate(files.MAX_CSV_BYTES + 1)
    with pytest.raises(ValidationError, match="too large for a CSV file"):
        csv_io.import_products(db, admin, big)
    wide = tmp_path / "wide.csv"
    wide.write_text("sku,name,price,gst_rate\nA," + "n" * 300_000 + ",1,5\n")
    with pytest.raises(ValidationError, match="line 2: field larger than field limit"):
        csv_io.import_products(db, admin, wide)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("sku,name,price,gst_rate\nA,Caf\xe9,1,5\n".encode("latin-1"))
    with pytest.raises(ValidationError, match="not UTF-8"):
        csv_io.import_products(db, admin, latin)


def test_reads_refuse_what_is_not_a_regular_file_or_too_large(tmp_path):
    with pytest.raises(FileRefused, match="not a regular file"):
        files.read_bytes("/dev/zero", limit=10, what="logo")
    with pytest.raises(FileRefused, match="is a folder"):
        files.read_bytes(tmp_path, limit=10, what="logo")
    with pytest.raises(FileRefused, match="No logo at"):
        files.read_bytes(tmp_path / "none.png", limit=10, what="logo")
    small = tmp_path / "s.bin"
    small.write_bytes(b"x" * 11)
    with pytest.raises(FileRefused, match="too large"):
        files.read_bytes(small, limit=10, what="logo")
    assert files.read_bytes(small, limit=11) == b"x" * 11
