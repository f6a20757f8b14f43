"""Sending bytes to a printer: network (raw TCP, usually port 9100), USB, serial, or a raw
system queue. Every failure becomes a :class:`PrinterError` whose message says what to check.

A network receipt printer is asked for its paper sensor first (ESC/POS real-time status,
``DLE EOT 4``); a printer that says its paper has run out is not sent the job, so the job
stays to be retried. A printer that does not answer the question is sent the job anyway
(many cheap printers never answer).
"""

from __future__ import annotations

import socket
import time

from billbook.devices import PrinterError
from billbook.devices.address import PrinterAddress

#: seconds to connect to a network printer (a printer on the same LAN answers in milliseconds)
CONNECT_TIMEOUT = 3.0
#: seconds to wait for the paper-sensor answer before sending anyway
STATUS_WAIT = 0.25
#: seconds a whole job may take to be written
SEND_TIMEOUT = 15.0

STATUS_PAPER = b"\x10\x04\x04"


def paper_problem(status: int) -> str | None:
    """Read a ``DLE EOT 4`` answer: 'out' (bits 5-6), 'low' (bits 2-3) or None."""
    if status & 0x93 != 0x12:          # not a status byte (its fixed bits are 0xx1xx10)
        return None
    if status & 0x60:
        return "out"
    if status & 0x0C:
        return "low"
    return None


def _offline(addr: PrinterAddress, why: str) -> PrinterError:
    return PrinterError(f"The receipt printer at {addr.host}:{addr.port} is offline ({why}). "
                        "Check that it is switched on and on the network, then retry.", reason="offline")


def send_tcp(addr: PrinterAddress, data: bytes, *, check_status: bool = True,
             connect_timeout: float = CONNECT_TIMEOUT) -> str | None:
    """Write ``data`` to a network printer. Returns 'low' when the printer says paper is low."""
    try:
        sock = socket.create_connection((addr.host, addr.port), timeout=connect_timeout)
    except socket.timeout:
        raise _offline(addr, "no answer") from None
    except ConnectionRefusedError:
        raise _offline(addr, "connection refused") from None
    except OSError as exc:
        raise _offline(addr, exc.strerror or str(exc)) from None
    paper = None
    with sock:
        try:
            if check_status:
                sock.sendall(STATUS_PAPER)
                sock.settimeout(STATUS_WAIT)
                try:
                    answer = sock.recv(16)
                except (socket.timeout, BlockingIOError):
                    answer = b""
                if answer:
                    paper = paper_problem(answer[-1])
                    if paper == "out":
                        raise PrinterError(f"The receipt printer at {addr.host}:{addr.port} is out of paper. "
                                           "Load a new roll, then retry.", reason="paper_out")
            sock.settimeout(SEND_TIMEOUT)
            sock.sendall(data)
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        except PrinterError:
            raise
        except OSError as exc:
            raise _offline(addr, exc.strerror or str(exc)) from None
    return paper


def _escpos_device(addr: PrinterAddress):
    try:
        if addr.kind == "usb":
            from escpos.printer import Usb
            if not Usb.is_usable():
                raise PrinterError("USB printing needs pyusb and libusb (pip install pyusb; "
                                   "on Linux apt install libusb-1.0-0).", reason="missing_tool")
            return Usb(addr.vendor, addr.product, timeout=int(SEND_TIMEOUT * 1000))
        from escpos.printer import Serial
        if not Serial.is_usable():
            raise PrinterError("Serial printing needs pyserial (pip install pyserial).", reason="missing_tool")
        return Serial(devfile=addr.device, baudrate=addr.baud, timeout=SEND_TIMEOUT)
    except PrinterError:
        raise
    except Exception as exc:  # noqa: BLE001 - driver libraries raise many kinds
        raise PrinterError(f"The printer {addr} cannot be opened: {exc}", reason="offline") from None


def send_escpos_device(addr: PrinterAddress, data: bytes) -> None:
    """Write ``data`` to a USB or serial printer through python-escpos."""
    dev = _escpos_device(addr)
    try:
        dev._raw(data)
    except PrinterError:
        raise
    except Exception as exc:  # noqa: BLE001
        where = "USB" if addr.kind == "usb" else addr.device
        raise PrinterError(f"The receipt printer on {where} is offline or unplugged ({exc}). "
                           "Check its cable and power, then retry.", reason="offline") from None
    finally:
        try:
            dev.close()
        except Exception:  # noqa: BLE001
            pass


def send(addr: PrinterAddress, data: bytes, *, title: str = "billbook") -> str | None:
    """Write raw printer bytes to ``addr`` (any kind); returns a paper warning ('low') or None."""
    if addr.kind == "tcp":
        return send_tcp(addr, data)
    if addr.kind in ("usb", "serial"):
        send_escpos_device(addr, data)
        return None
    if addr.kind == "system":
        from billbook.devices.system import print_raw
        print_raw(addr.queue, data, title=title)
        return None
    raise PrinterError(f"Unknown printer kind {addr.kind!r}.")


def probe(addr: PrinterAddress, *, timeout: float = 1.0) -> float:
    """Seconds a network printer takes to accept a connection (for a status light)."""
    start = time.perf_counter()
    try:
        socket.create_connection((addr.host, addr.port), timeout=timeout).close()
    except OSError as exc:
        raise _offline(addr, exc.strerror or "no answer") from None
    return time.perf_counter() - start
