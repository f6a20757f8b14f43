"""A private virtual X display (Xvfb) for GUI tests, screenshots and benchmarks.

Xvfb is started with ``-displayfd`` so it picks a free display number itself and tells us
when it is ready: no guessing numbers, no race with another Xvfb starting at the same time.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess

SCREEN = "1366x768x24"


def start_xvfb(screen: str = SCREEN, timeout: float = 15.0) -> tuple[subprocess.Popen, str]:
    """Start Xvfb; return the process and its display name (e.g. ``":101"``)."""
    exe = shutil.which("Xvfb")
    if exe is None:
        raise RuntimeError("Xvfb is not installed (Debian: apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([exe, "-displayfd", str(write_fd), "-screen", "0", screen, "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    number = b""
    try:
        while not number.endswith(b"\n"):   # Xvfb writes the display number once it is ready
            ready, _, _ = select.select([read_fd], [], [], timeout)
            chunk = os.read(read_fd, 16) if ready else b""
            if not chunk:
                proc.kill()
                raise RuntimeError("Xvfb did not start")
            number += chunk
    finally:
        os.close(read_fd)
    return proc, f":{number.decode().strip()}"


def ensure_display(screen: str = SCREEN) -> subprocess.Popen | None:
    """Use $DISPLAY when set; else start Xvfb, export DISPLAY and return the process to stop later."""
    if os.environ.get("DISPLAY"):
        return None
    proc, display = start_xvfb(screen)
    os.environ["DISPLAY"] = display
    return proc
