"""System printers: CUPS queues through ``lp``/``lpstat`` (Linux, macOS) and Windows printers
(pywin32 when it is installed, else the shell's print verb / PowerShell).

A job "was sent" when the system's spooler accepted it (``lp`` printed a request id); what the
spooler does next (a printer that is off holds the job in its queue) is the spooler's to show.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from billbook.devices import PrinterError

LP_TIMEOUT = 30
_REQUEST_ID = re.compile(r"request id is (\S+)")

WINDOWS = sys.platform.startswith("win")


def _run(args: list[str], *, data: bytes | None = None) -> subprocess.CompletedProcess:
    tool = args[0]
    if shutil.which(tool) is None:
        raise PrinterError(f"'{tool}' is not installed: install CUPS (apt install cups-client) "
                           "to print to system printers.", reason="missing_tool")
    try:
        return subprocess.run(args, input=data, capture_output=True, timeout=LP_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise PrinterError(f"The print system did not answer within {LP_TIMEOUT} s ({tool}).",
                           reason="offline") from None
    except OSError as exc:
        raise PrinterError(f"{tool} could not run: {exc}", reason="error") from None


def _lp_error(queue: str, proc: subprocess.CompletedProcess) -> PrinterError:
    msg = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace").strip()
    low = msg.lower()
    if "does not exist" in low or "unknown destination" in low or "not found" in low:
        return PrinterError(f"There is no printer called {queue!r} on this computer. "
                            "Choose one from the list in Settings → Printers.", reason="not_found")
    if "not accepting" in low:
        return PrinterError(f"The printer {queue!r} is not accepting jobs (its queue is paused): {msg}",
                            reason="offline")
    if "scheduler is not running" in low or "connection refused" in low or "bad file descriptor" in low:
        return PrinterError("The print system (CUPS) is not running: start it (systemctl start cups), "
                            "then retry.", reason="offline")
    return PrinterError(f"Printing to {queue!r} failed: {msg or 'lp exit status ' + str(proc.returncode)}")


def list_printers() -> list[str]:
    """The names of this computer's printers, as the system lists them."""
    if WINDOWS:
        return _windows_printers()
    proc = _run(["lpstat", "-e"])
    if proc.returncode != 0:
        err = (proc.stderr or b"").decode("utf-8", "replace").strip()
        if "no destinations" in err.lower():
            return []
        raise PrinterError(f"Could not list the printers: {err or 'lpstat failed'}", reason="offline")
    return [ln.strip() for ln in proc.stdout.decode("utf-8", "replace").splitlines() if ln.strip()]


def default_printer() -> str | None:
    if WINDOWS:
        try:
            import win32print  # type: ignore[import-not-found]
            return win32print.GetDefaultPrinter()
        except Exception:  # noqa: BLE001
            return None
    if shutil.which("lpstat") is None:
        return None
    proc = _run(["lpstat", "-d"])
    m = re.search(r"destination:\s*(\S+)", proc.stdout.decode("utf-8", "replace"))
    return m.group(1) if m else None


def _check_queue(queue: str) -> str:
    queue = (queue or "").strip()
    if not queue or queue.startswith("-") or any(c in queue for c in "\x00\r\n"):
        raise PrinterError(f"{queue!r} is not a printer name.", reason="not_found")
    return queue


def print_file(queue: str, path: str | Path, *, title: str = "billbook") -> str:
    """Send a PDF (or any file the spooler can print) to ``queue``; returns the spooler's job id."""
    queue = _check_queue(queue)
    path = Path(path)
    if WINDOWS:
        return _windows_print_file(queue, path)
    proc = _run(["lp", "-d", queue, "-t", title[:100], "--", str(path)])
    if proc.returncode != 0:
        raise _lp_error(queue, proc)
    m = _REQUEST_ID.search(proc.stdout.decode("utf-8", "replace"))
    return m.group(1) if m else ""


def print_raw(queue: str, data: bytes, *, title: str = "billbook") -> str:
    """Send printer bytes (ESC/POS, ZPL...) unchanged through a raw system queue."""
    queue = _check_queue(queue)
    if WINDOWS:
        return _windows_print_raw(queue, data, title)
    proc = _run(["lp", "-d", queue, "-o", "raw", "-t", title[:100]], data=data)
    if proc.returncode != 0:
        raise _lp_error(queue, proc)
    m = _REQUEST_ID.search(proc.stdout.decode("utf-8", "replace"))
    return m.group(1) if m else ""


# ---------------------------------------------------------------- Windows

def _windows_printers() -> list[str]:
    try:
        import win32print  # type: ignore[import-not-found]
        flags = win32print.PRINTER_ENUM_LOCAL | win32print.PRINTER_ENUM_CONNECTIONS
        return [p[2] for p in win32print.EnumPrinters(flags)]
    except ImportError:
        proc = _run(["powershell", "-NoProfile", "-Command", "Get-Printer | Select-Object -ExpandProperty Name"])
        return [ln.strip() for ln in proc.stdout.decode("utf-8", "replace").splitlines() if ln.strip()]


def _windows_print_file(queue: str, path: Path) -> str:
    try:
        import win32api  # type: ignore[import-not-found]
        win32api.ShellExecute(0, "printto", str(path), f'"{queue}"', ".", 0)
        return ""
    except ImportError:
        if queue == default_printer() or default_printer() is None:
            os.startfile(str(path), "print")  # type: ignore[attr-defined]  # the default printer
            return ""
        raise PrinterError("Printing to a printer other than Windows' default needs pywin32 "
                           "(pip install pywin32), or make it the default printer.", reason="missing_tool") from None


def _windows_print_raw(queue: str, data: bytes, title: str) -> str:
    try:
        import win32print  # type: ignore[import-not-found]
    except ImportError:
        raise PrinterError("Raw printing on Windows needs pywin32 (pip install pywin32).",
                           reason="missing_tool") from None
    handle = win32print.OpenPrinter(queue)
    try:
        job = win32print.StartDocPrinter(handle, 1, (title, None, "RAW"))
        win32print.StartPagePrinter(handle)
        win32print.WritePrinter(handle, data)
        win32print.EndPagePrinter(handle)
        win32print.EndDocPrinter(handle)
        return str(job)
    except Exception as exc:  # noqa: BLE001
        raise PrinterError(f"Printing to {queue!r} failed: {exc}", reason="offline") from None
    finally:
        win32print.ClosePrinter(handle)
