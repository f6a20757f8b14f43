"""Printer addresses: ``tcp://HOST:PORT``, ``usb://VID:PID``, ``serial:///dev/ttyUSB0?baud=9600``
and ``system:QUEUE`` (a printer the operating system knows, by name)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from billbook.errors import ValidationError

DEFAULT_TCP_PORT = 9100
BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
_HEX4 = re.compile(r"(0x)?[0-9a-fA-F]{1,4}")


@dataclass(frozen=True)
class PrinterAddress:
    kind: str                 # tcp | usb | serial | system
    host: str = ""
    port: int = 0
    vendor: int = 0
    product: int = 0
    device: str = ""
    baud: int = 9600
    queue: str = ""

    def __str__(self) -> str:
        if self.kind == "tcp":
            return f"tcp://{self.host}:{self.port}"
        if self.kind == "usb":
            return f"usb://{self.vendor:04x}:{self.product:04x}"
        if self.kind == "serial":
            return f"serial://{self.device}?baud={self.baud}"
        return f"system:{self.queue}"


def system_queue(name: str) -> PrinterAddress:
    name = (name or "").strip()
    if not name or len(name) > 127 or any(c in name for c in "\x00\r\n\t/#") or name.startswith("-"):
        raise ValidationError("system", f"{name!r} is not a printer name")
    return PrinterAddress("system", queue=name)


def parse_address(text: str) -> PrinterAddress:
    """Parse a printer URI; :class:`ValidationError` says what a good one looks like."""
    raw = (text or "").strip()
    if raw.lower().startswith("system:"):
        return system_queue(raw.split(":", 1)[1].lstrip("/"))
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme == "tcp":
        host = parts.hostname or ""
        try:
            port = parts.port or DEFAULT_TCP_PORT
        except ValueError:
            port = -1
        if not host or not 0 < port < 65536 or parts.path not in ("", "/"):
            raise ValidationError("uri", f"{raw!r}: write tcp://HOST:PORT, e.g. tcp://192.168.1.50:9100")
        return PrinterAddress("tcp", host=host, port=port)
    if scheme == "usb":
        vid, sep, pid = parts.netloc.partition(":")
        if not sep or not _HEX4.fullmatch(vid) or not _HEX4.fullmatch(pid):
            raise ValidationError("uri", f"{raw!r}: write usb://VID:PID in hex, e.g. usb://04b8:0202")
        return PrinterAddress("usb", vendor=int(vid, 16), product=int(pid, 16))
    if scheme == "serial":
        device = parts.netloc + parts.path
        baud_text = parse_qs(parts.query).get("baud", ["9600"])[0]
        if not device or not baud_text.isdigit() or int(baud_text) not in BAUDS:
            raise ValidationError("uri", f"{raw!r}: write serial:///dev/ttyUSB0?baud=9600 (or serial://COM3?baud=9600);"
                                  f" baud one of {', '.join(map(str, BAUDS))}")
        return PrinterAddress("serial", device=device, baud=int(baud_text))
    raise ValidationError("uri", f"{raw!r}: a printer is tcp://HOST:PORT, usb://VID:PID, "
                          "serial:///dev/ttyUSB0?baud=9600 or a system printer by name")
