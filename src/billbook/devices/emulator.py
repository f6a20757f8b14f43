"""An ESC/POS printer emulator: decode the bytes a receipt printer is sent, draw them as a
picture of the paper, and a network printer on 127.0.0.1 that records every job.

Used by the tests (decode a real print job and compare it with the invoice), the receipt
benchmark and the README's receipt picture. The decoder knows the commands billbook sends and
refuses anything else, so a stray byte in a job is found, not printed as garbage.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

ESC, GS, DLE = 0x1B, 0x1D, 0x10

#: characters a line in font A, by paper width (mm)
COLUMNS_OF = {58: 32, 80: 48}

#: ESC t n → Python codec
CODEPAGE_CODECS = {0: "cp437", 2: "cp850", 19: "cp858", 18: "cp852", 17: "cp866", 16: "cp1252"}


@dataclass
class PrintedLine:
    text: str
    bold: bool = False
    big: bool = False          # double height
    wide: bool = False         # double width
    align: str = "left"


@dataclass
class Decoded:
    lines: list[PrintedLine] = field(default_factory=list)
    cuts: int = 0
    pulses: list[int] = field(default_factory=list)     # drawer pins kicked, in order
    qr: list[str] = field(default_factory=list)         # QR payloads printed natively
    images: list[tuple[int, int]] = field(default_factory=list)  # raster images (width, height) in dots
    codepages: list[int] = field(default_factory=list)
    status_queries: int = 0
    #: where each QR / image / cut came, as an index into ``lines``
    events: list[tuple[str, int]] = field(default_factory=list)

    @property
    def text(self) -> list[str]:
        return [ln.text for ln in self.lines]


class DecodeError(ValueError):
    pass


def decode(data: bytes) -> Decoded:
    """Decode ESC/POS ``data`` into printed lines, cuts, drawer pulses, QR payloads and images."""
    out = Decoded()
    bold = big = wide = False
    align = "left"
    codec = "cp437"
    buf = bytearray()
    line_bold = line_big = line_wide = False
    i, n = 0, len(data)

    def need(k: int) -> bytes:
        if i + k > n:
            raise DecodeError(f"command at byte {i} is cut short")
        return data[i:i + k]

    def end_line() -> None:
        nonlocal buf, line_bold, line_big, line_wide
        out.lines.append(PrintedLine(buf.decode(codec, "replace"), line_bold or bold, line_big or big,
                                     line_wide or wide, align))
        buf = bytearray()
        line_bold = line_big = line_wide = False

    while i < n:
        b = data[i]
        if b == 0x0A:
            end_line()
            i += 1
        elif b == 0x0D:
            i += 1
        elif b == ESC:
            cmd = need(2)[1]
            if cmd == 0x40:                       # ESC @ initialise
                bold = big = wide = False
                align = "left"
                i += 2
            elif cmd == 0x74:                     # ESC t n code page
                nn = need(3)[2]
                out.codepages.append(nn)
                codec = CODEPAGE_CODECS.get(nn, "cp437")
                i += 3
            elif cmd == 0x21:                     # ESC ! n print mode
                nn = need(3)[2]
                bold, big, wide = bool(nn & 0x08), bool(nn & 0x10), bool(nn & 0x20)
                i += 3
            elif cmd in (0x45, 0x47):             # ESC E / ESC G bold / double strike
                bold = bool(need(3)[2] & 1)
                i += 3
            elif cmd == 0x61:                     # ESC a n align
                align = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}.get(need(3)[2], "left")
                i += 3
            elif cmd in (0x2D, 0x4D, 0x33, 0x7B, 0x56, 0x72, 0x20):   # underline, font, spacing, flip...
                i += 3
            elif cmd == 0x32:                     # ESC 2 default spacing
                i += 2
            elif cmd == 0x64:                     # ESC d n feed n lines
                if buf:
                    end_line()
                for _ in range(need(3)[2]):
                    end_line()
                i += 3
            elif cmd == 0x4A:                     # ESC J n feed dots
                i += 3
            elif cmd == 0x70:                     # ESC p m t1 t2 drawer pulse
                m = need(5)[2]
                out.pulses.append(5 if m in (1, 49) else 2)
                out.events.append(("pulse", len(out.lines)))
                i += 5
            else:
                raise DecodeError(f"unknown command ESC 0x{cmd:02x} at byte {i}")
        elif b == GS:
            cmd = need(2)[1]
            if cmd == 0x56:                       # GS V cut
                m = need(3)[2]
                i += 4 if m in (65, 66, 97, 98, 103, 104) else 3
                if buf:
                    end_line()
                out.cuts += 1
                out.events.append(("cut", len(out.lines)))
            elif cmd == 0x21:                     # GS ! n size
                nn = need(3)[2]
                wide, big = bool(nn & 0x70), bool(nn & 0x07)
                i += 3
            elif cmd in (0x42, 0x62, 0x4C, 0x57, 0x66, 0x68, 0x77, 0x48):  # invert, smoothing, margins, barcode opts
                i += 4 if cmd in (0x4C, 0x57) else 3
            elif cmd == 0x28 and need(3)[2] == 0x6B:   # GS ( k: 2D codes
                head = need(5)
                size = head[3] | head[4] << 8
                body = need(5 + size)[5:]
                cn, fn = body[0], body[1]
                if cn == 0x31 and fn == 0x50:     # store QR data: cn fn m data
                    pending = bytes(body[3:]).decode("utf-8")
                    out.qr.append(pending)
                elif cn == 0x31 and fn == 0x51:   # print the stored symbol
                    out.events.append(("qr", len(out.lines)))
                i += 5 + size
            elif cmd == 0x76 and need(3)[2] == 0x30:   # GS v 0 raster image
                head = need(8)
                xb = head[4] | head[5] << 8
                yd = head[6] | head[7] << 8
                need(8 + xb * yd)
                out.images.append((xb * 8, yd))
                out.events.append(("image", len(out.lines)))
                i += 8 + xb * yd
            else:
                raise DecodeError(f"unknown command GS 0x{cmd:02x} at byte {i}")
        elif b == DLE:
            if need(2)[1] == 0x04:                # DLE EOT n real-time status
                out.status_queries += 1
                i += 3
            else:
                raise DecodeError(f"unknown command DLE 0x{data[i + 1]:02x} at byte {i}")
        elif b < 0x20 and b != 0x09:
            raise DecodeError(f"unexpected control byte 0x{b:02x} at byte {i}")
        else:
            if not buf:
                line_bold, line_big, line_wide = bold, big, wide
            buf.append(b)
            i += 1
    if buf:
        end_line()
    return out


# ---------------------------------------------------------------- a picture of the paper

def render_png(decoded: Decoded, path, *, columns: int = 48, qr_size: int = 180) -> None:
    """Draw the decoded receipt as thermal paper (monospace text, QR codes, a cut line)."""
    import qrcode
    from PIL import Image, ImageDraw, ImageFont

    from billbook.documents.fonts import font_dir
    cw, lh = 12, 24
    margin = 24
    width = columns * cw + 2 * margin
    folder = font_dir()
    try:
        regular = ImageFont.truetype(str(folder / "DejaVuSansMono.ttf"), 20)
        boldf = ImageFont.truetype(str(folder / "DejaVuSansMono-Bold.ttf"), 20)
    except (OSError, TypeError):
        regular = boldf = ImageFont.load_default()
    tall = boldf
    qr_at: dict[int, list[str]] = {}
    qrs = iter(decoded.qr)
    for kind, at in decoded.events:
        if kind == "qr":
            qr_at.setdefault(at, []).append(next(qrs, ""))
    height = margin * 2 + sum(lh * (2 if ln.big else 1) for ln in decoded.lines) + \
        sum(len(v) for v in qr_at.values()) * (qr_size + 10) + 30
    img = Image.new("RGB", (width, height), (250, 249, 244))
    draw = ImageDraw.Draw(img)
    y = margin

    def place_qr(at: int) -> None:
        nonlocal y
        for payload in qr_at.get(at, []):
            q = qrcode.make(payload, box_size=4, border=1).get_image().convert("RGB").resize((qr_size, qr_size))
            img.paste(q, ((width - qr_size) // 2, y))
            y += qr_size + 10

    for idx, ln in enumerate(decoded.lines):
        place_qr(idx)
        font = boldf if ln.bold else regular
        text = ln.text
        if ln.big:
            # double height: draw the line twice as tall
            tmp = Image.new("L", (len(text) * cw + 4, lh), 0)
            ImageDraw.Draw(tmp).text((0, 0), text, font=tall if ln.bold else regular, fill=255)
            tmp = tmp.resize((tmp.width, lh * 2))
            x = margin + {"left": 0, "center": (columns * cw - tmp.width) // 2,
                          "right": columns * cw - tmp.width}[ln.align]
            img.paste((20, 20, 20), (x, y), tmp)
            y += lh * 2
            continue
        tw = len(text) * cw
        x = margin + {"left": 0, "center": (columns * cw - tw) // 2, "right": columns * cw - tw}[ln.align]
        draw.text((x, y), text, font=font, fill=(20, 20, 20))
        y += lh
    place_qr(len(decoded.lines))
    if decoded.cuts:
        for x in range(0, width, 16):
            draw.line([(x, height - 14), (x + 8, height - 14)], fill=(120, 120, 120), width=2)
    img.save(path)


# ---------------------------------------------------------------- a network printer for tests

class FakeNetworkPrinter:
    """A raw-TCP receipt printer on 127.0.0.1 that records each job's bytes.

    ``paper`` is what it answers to the paper-sensor query (``DLE EOT 4``): 'ok', 'low',
    'out', or None for a printer that never answers. Use as a context manager.
    """

    ANSWERS = {"ok": 0x12, "low": 0x1E, "out": 0x72}

    def __init__(self, *, paper: str | None = "ok"):
        self.paper = paper
        self.jobs: list[bytes] = []
        self.job_times: list[float] = []        # perf_counter when each job's last byte arrived
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self.port = self._sock.getsockname()[1]
        self._stop = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="fake-printer")

    @property
    def uri(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeNetworkPrinter:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._stop = True
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
        except OSError:
            pass
        self._thread.join(2)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            if self._stop:
                conn.close()
                return
            threading.Thread(target=self._job, args=(conn,), daemon=True).start()

    def _job(self, conn: socket.socket) -> None:
        data = bytearray()
        last = None
        with conn:
            conn.settimeout(10)
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                last = time.perf_counter()
                start = len(data)
                data += chunk
                # answer every paper-sensor query in what just came
                if self.paper in self.ANSWERS and b"\x10\x04\x04" in data[max(0, start - 2):]:
                    try:
                        conn.sendall(bytes([self.ANSWERS[self.paper]]))
                    except OSError:
                        break
        if not data:
            return
        with self._cond:
            self.jobs.append(bytes(data))
            self.job_times.append(last or time.perf_counter())
            self._cond.notify_all()

    def wait_for_jobs(self, count: int = 1, timeout: float = 10.0) -> list[bytes]:
        """Block until ``count`` jobs have arrived (or raise TimeoutError)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.jobs) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.jobs)} of {count} print jobs arrived")
                self._cond.wait(left)
            return list(self.jobs)


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (for an 'unreachable printer')."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
