"""Where document PDFs go, and handing them to the system viewer or printer.

Files live under the data dir (``billbook.config.data_dir()``, or ``BILLBOOK_HOME``):
``invoices/YYYY/MM/<number>.pdf`` with the number's ``/`` made safe
(``INV/26-27/000123`` → ``INV_26-27_000123.pdf``); credit notes and purchase orders
likewise under ``credit_notes/`` and ``purchase_orders/``. Never a fixed ``C:/`` path.

Opening uses the platform's own way: ``os.startfile`` on Windows, ``open`` on macOS,
``xdg-open`` elsewhere. Printing uses ``lp`` or ``lpr`` (CUPS) or Windows' "print" verb;
where no printer is set up the error says so plainly.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from billbook import files as safe_files
from billbook.config import data_dir
from billbook.errors import BillbookError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class DocumentError(BillbookError):
    """A PDF could not be opened or printed (no viewer, no printer...)."""


def safe_name(number: str) -> str:
    """A document number as a file name: ``/`` and anything else odd become ``_``."""
    name = _UNSAFE.sub("_", number.strip()).strip("._")
    return name or "document"


def _dated(kind: str, number: str, when: dt.date | dt.datetime, suffix: str = "") -> Path:
    folder = data_dir() / kind / f"{when.year:04d}" / f"{when.month:02d}"
    return folder / f"{safe_name(number)}{suffix}.pdf"


def invoice_path(number: str, issued: dt.date | dt.datetime, *, receipt: bool = False) -> Path:
    return _dated("invoices", number, issued, "-receipt" if receipt else "")


def credit_note_path(number: str, issued: dt.date | dt.datetime) -> Path:
    return _dated("credit_notes", number, issued)


def purchase_order_path(number: str, created: dt.date | dt.datetime) -> Path:
    return _dated("purchase_orders", number, created)


def write_atomically(path: Path, data: bytes, *, force: bool = False) -> Path:
    """Write ``data`` to ``path`` through the one safe writer (:func:`billbook.files.write_file`).

    A reader never sees half a PDF; an existing file is replaced only with ``force`` (billbook's
    own default paths pass it), never a link or a device; folders are created only inside the
    data folder.
    """
    return safe_files.write_file(path, data, force=force, create_within=data_dir())


def check_output(path: str | Path, *, force: bool = False) -> Path:
    """Refuse now (FileRefused) what :func:`write_atomically` would refuse; nothing is written."""
    return safe_files.check_target(path, force=force, create_within=data_dir())


def prepare_folder(path: str | Path) -> Path:
    """A folder to write documents into: created if missing when its parent exists (or it is
    inside the data folder); a link, file or device in its place is refused."""
    return safe_files.ensure_folder(path, create_within=data_dir())


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


def open_file(path: Path) -> None:
    """Show ``path`` in the system's PDF viewer (returns at once)."""
    path = Path(path)
    if not path.exists():
        raise DocumentError(f"{path} does not exist")
    if sys.platform.startswith("win"):
        os.startfile(os.fspath(path))  # type: ignore[attr-defined]  # noqa: S606
        return
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    if shutil.which(opener) is None:
        raise DocumentError(f"cannot open {path}: `{opener}` is not installed"
                            + (" (install xdg-utils)" if opener == "xdg-open" else ""))
    subprocess.Popen([opener, os.fspath(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)


def print_file(path: Path, printer: str | None = None) -> str:
    """Send ``path`` to the default (or named) printer; returns what the print system said.

    Raises DocumentError with a plain message when there is no print system or no printer.
    """
    path = Path(path)
    if not path.exists():
        raise DocumentError(f"{path} does not exist")
    if sys.platform.startswith("win"):
        try:
            os.startfile(os.fspath(path), "print")  # type: ignore[attr-defined]  # noqa: S606
        except OSError as exc:
            raise DocumentError(f"Windows could not print {path.name}: {exc.strerror or exc}. "
                                "Is a default printer set up, and a PDF viewer installed?") from None
        return f"sent {path.name} to the default printer"
    if shutil.which("lp"):
        cmd = ["lp"] + (["-d", printer] if printer else []) + [os.fspath(path)]
    elif shutil.which("lpr"):
        cmd = ["lpr"] + (["-P", printer] if printer else []) + [os.fspath(path)]
    else:
        raise DocumentError("No print system found (lp or lpr). Install CUPS and add a printer, "
                            f"or open {path} and print it from the viewer.")
    try:
        done = _run(cmd)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DocumentError(f"printing failed: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout or "").strip()
        raise DocumentError("No printer is set up (or it refused the job)"
                            + (f": {detail}" if detail else "")
                            + ". Add a printer in the system settings, or open the PDF and print it from the viewer.")
    return (done.stdout or "").strip() or f"sent {path.name} to the printer"
