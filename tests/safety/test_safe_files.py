"""Output files (issue 20, point 1): no replacing without --force, never a link or a device,
no folders made outside the data folder, atomic, private files 0600; a full disk says so."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import uuid
from pathlib import Path

import pytest

from billbook import config, files
from billbook.errors import FileRefused, StorageError
from billbook.services.data import backup as bk
from tests.builders import run_cli

PW = "s3cret-pass"


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# ------------------------------------------------------------------ the helper itself

def test_an_existing_file_is_replaced_only_when_forced(tmp_path):
    target = tmp_path / "x.txt"
    target.write_text("keep me")
    with pytest.raises(FileRefused, match="already exists; use --force"):
        files.write_file(target, b"new")
    assert target.read_text() == "keep me"
    files.write_file(target, b"new", force=True)
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]      # no temporary file left


def test_a_symlink_is_never_written_through_or_replaced_even_forced(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "link.txt"
    link.symlink_to(victim)
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "nowhere.txt")
    for force in (False, True):
        for target in (link, dangling):
            with pytest.raises(FileRefused, match="symbolic link"):
                files.write_file(target, b"evil", force=force)
    assert victim.read_text() == "precious" and link.is_symlink() and os.readlink(link) == str(victim)
    assert not (tmp_path / "nowhere.txt").exists()


def test_devices_pipes_and_folders_are_refused(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    for target, words in ((fifo, "not a regular file"), (Path("/dev/null"), "not a regular file"),
                          (folder, "is a folder")):
        for force in (False, True):
            with pytest.raises(FileRefused, match=words):
                files.write_file(target, b"x", force=force)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and folder.is_dir() and not any(folder.iterdir())


def test_folders_are_created_only_inside_the_data_folder(tmp_path):
    outside = tmp_path / "not" / "there" / "x.pdf"
    with pytest.raises(FileRefused, match="does not exist; create it first"):
        files.write_file(outside, b"x", create_within=config.data_dir())
    assert not (tmp_path / "not").exists()
    inside = config.data_dir() / "new" / "deeper" / "x.pdf"
    files.write_file(inside, b"x", create_within=config.data_dir())
    assert inside.read_bytes() == b"x"


def test_private_files_are_0600_also_when_they_replace_a_wider_one(tmp_path):
    wide = tmp_path / "b.zip"
    wide.write_bytes(b"old")
    os.chmod(wide, 0o644)
    files.write_file(wide, b"secret", force=True, private=True)
    assert _mode(wide) == 0o600 and wide.read_bytes() == b"secret"
    plain = tmp_path / "chart.png"
    old = os.umask(0o022)
    try:
        files.write_file(plain, b"png")
    finally:
        os.umask(old)
    assert _mode(plain) == 0o644


def test_a_failure_while_writing_leaves_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "x.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), files.open_output(target, force=True, text=True) as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]


def test_config_file_is_0600_and_not_written_through_a_link(tmp_path):
    path = config.write_config({"terminal": "T9"})
    assert _mode(path) == 0o600 and config.read_config()["terminal"] == "T9"
    path.unlink()
    target = tmp_path / "elsewhere.toml"
    target.write_text("")
    path.symlink_to(target)
    with pytest.raises(FileRefused, match="symbolic link"):
        config.write_config({"terminal": "T1"})
    assert target.read_text() == ""


# ------------------------------------------------------------------ every writer, through the CLI

@pytest.fixture
def cli(db_url, monkeypatch, capsys):
    monkeypatch.setenv("BILLBOOK_PASSWORD", PW)
    assert run_cli(capsys, "--db", db_url, "init", "--admin", "owner")[0] == 0
    monkeypatch.setenv("BILLBOOK_USER", "owner")
    run = lambda *a: run_cli(capsys, "--db", db_url, *a)  # noqa: E731
    assert run("product", "add", "--sku", "RICE", "--name", "Rice", "--price", "350", "--gst-rate", "5",
               "--stock", "10")[0] == 0
    assert run("customer", "add", "--phone", "9876543210", "--name", "Ravi")[0] == 0
    code, out, err = run("--json", "sale", "--item", "RICE=1")
    assert code == 0, err
    run.invoice = json.loads(out)["number"]
    return run


def _writers(cli, target: Path) -> dict[str, list[str]]:
    t = str(target)
    return {
        "backup": ["backup", t],
        "invoice pdf": ["invoice", "pdf", cli.invoice, "-o", t],
        "product export": ["product", "export", t],
        "customer export": ["customer", "export", t],
        "stock export": ["stock", "export", t],
        "report gst --csv": ["report", "gst", "--from", "2020-01-01", "--to", "2035-12-31", "--csv", t],
        "report day --pdf": ["report", "day", "--pdf", t],
        "report chart": ["report", "chart", "sales", "--out", t],
        "customer statement": ["customer", "statement", "9876543210", "-o", t],
        "gst gstr1": ["gst", "gstr1", "--period", "2026-11", "-o", t],
        "gst gstr3b": ["gst", "gstr3b", "--period", "2026-11", "-o", t],
        "invoice einvoice": ["invoice", "einvoice", cli.invoice, "-o", t],
    }


#: writers whose forced run needs a GST-registered shop (tests/gst): here only their refusals are checked
REFUSALS_ONLY = {"gst gstr1", "gst gstr3b", "invoice einvoice"}


def test_every_writer_leaves_an_existing_file_a_link_and_a_device_alone(cli, tmp_path):
    existing = tmp_path / "existing.out"
    victim = tmp_path / "victim.txt"
    link = tmp_path / "link.out"
    link.symlink_to(victim)
    fifo = tmp_path / "fifo.out"
    os.mkfifo(fifo)
    for name in _writers(cli, existing):
        existing.write_text("keep")
        victim.write_text("precious")
        for target, words in ((existing, "already exists; use --force"), (link, "symbolic link"),
                              (fifo, "not a regular file")):
            argv = _writers(cli, target)[name]
            code, out, err = cli(*argv)
            assert code == 1 and words in err and "Traceback" not in err, (name, target, err)
            code, out, err = cli(*argv, "--force")
            if name in REFUSALS_ONLY:
                assert target is existing or (code == 1 and words in err), (name, target, err)
            elif target is existing:
                assert code == 0, (name, err)
                assert existing.read_bytes() != b"keep", name
            else:
                assert code == 1 and words in err, (name, target, err)
        assert victim.read_text() == "precious" and link.is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert leftovers == []


def test_a_refused_invoice_pdf_does_not_count_as_a_print(cli, tmp_path):
    existing = tmp_path / "inv.pdf"
    existing.write_text("keep")
    assert cli("invoice", "pdf", cli.invoice, "-o", str(existing))[0] == 1
    code, out, err = cli("--json", "invoice", "pdf", cli.invoice, "-o", str(tmp_path / "first.pdf"))
    assert code == 0 and json.loads(out)["duplicate"] is False


def test_missing_folders_are_not_created_outside_the_data_folder(cli, tmp_path):
    for name, argv in _writers(cli, tmp_path / "no" / "such" / "x.out").items():
        if name in REFUSALS_ONLY:       # refused here for the shop's missing GSTIN first
            continue
        code, out, err = cli(*argv)
        assert code == 1 and "does not exist" in err, (name, err)
    assert not (tmp_path / "no").exists()


def test_backups_and_customer_exports_are_owner_only(cli, tmp_path):
    wide = tmp_path / "b.zip"
    wide.write_bytes(b"")
    os.chmod(wide, 0o644)
    assert cli("backup", str(wide), "--force")[0] == 0
    assert _mode(wide) == 0o600
    bk.verify_backup(wide)
    code, out, err = cli("--json", "backup")
    assert code == 0 and _mode(Path(json.loads(out)["path"])) == 0o600
    for argv in (["customer", "export"], ["report", "gst", "--from", "2020-01-01", "--to", "2035-12-31", "--csv"]):
        path = tmp_path / f"{uuid.uuid4().hex}.csv"
        assert cli(*argv, str(path))[0] == 0
        assert _mode(path) == 0o600, argv


def test_invoice_export_refuses_before_writing_any_file(cli, tmp_path):
    folder = tmp_path / "pdfs"
    assert cli("invoice", "export", "--from", "2020-01-01", "--to", "2035-12-31", str(folder))[0] == 0
    (written,) = list(folder.iterdir())
    written.write_text("keep")
    code, out, err = cli("invoice", "export", "--from", "2020-01-01", "--to", "2035-12-31", str(folder))
    assert code == 1 and "already exists" in err and written.read_text() == "keep"
    assert cli("invoice", "export", "--from", "2020-01-01", "--to", "2035-12-31", str(folder), "--force")[0] == 0
    assert written.read_bytes().startswith(b"%PDF")
    code, out, err = cli("invoice", "export", "--from", "2020-01-01", "--to", "2035-12-31",
                         str(tmp_path / "a" / "b"))
    assert code == 1 and "does not exist" in err and not (tmp_path / "a").exists()


# ------------------------------------------------------------------ a full disk says so

@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MB tmpfs (root only). Outside CI, skipped with the reason when mounting is not permitted."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True,
                          text=True) if shutil.which("mount") else None
    if done is None or done.returncode != 0:
        reason = f"cannot mount a tmpfs here: {done.stderr.strip() if done else 'no mount command'}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_names_the_disk_and_leaves_nothing(tiny_disk):
    target = tiny_disk / "big.bin"
    with pytest.raises(StorageError, match="is full"):
        files.write_file(target, os.urandom(2 * 1024 * 1024))
    assert list(tiny_disk.iterdir()) == []


def test_a_backup_onto_a_full_disk_says_the_disk_is_full(cli, tiny_disk, tmp_path):
    (tiny_disk / "filler").write_bytes(b"\0" * (1024 * 1024 - 8192))
    code, out, err = cli("backup", str(tiny_disk / "b.zip"))
    assert code == 1 and "is full" in err and "Cannot reach" not in err, err
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler"]


def test_a_read_only_folder_says_so(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o500)
    try:
        if os.geteuid() == 0:          # root writes anyway; a read-only bind is what root cannot
            err = OSError(30, "Read-only file system")
            monkeypatch.setattr(files.tempfile, "mkstemp", lambda **kw: (_ for _ in ()).throw(err))
        with pytest.raises(StorageError, match="read-only|permission denied"):
            files.write_file(folder / "x.csv", b"x")
    finally:
        os.chmod(folder, 0o700)
