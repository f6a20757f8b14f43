"""Fingerprints of client requests: the same id must always mean the same content.

A sale, a return and a dues payment carry a client-made id so that a retry never writes
twice. :func:`fingerprint` turns the request, once checked and normalised (SKUs upper-cased,
quantities and amounts as exact decimals without trailing zeros), into a SHA-256 stored
with the document; the same id sent again with a different fingerprint is a client bug
that would otherwise lose a sale silently, so it is refused.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, str):
        return value.strip()
    if value is None or isinstance(value, (bool, int)):
        return value
    text = getattr(value, "text", None)        # a Discount: its entered text ("10%", "25")
    return str(text if text is not None else value)


def fingerprint(kind: str, content: Any) -> str:
    """SHA-256 (hex) of ``kind`` and the normalised ``content`` (lists keep their order)."""
    body = json.dumps([kind, _plain(content)], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
