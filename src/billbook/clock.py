"""Current time, in one place so tests can move it (lockouts, financial years)."""

from __future__ import annotations

import datetime as _dt

_offset = _dt.timedelta(0)


def now() -> _dt.datetime:
    """Local wall-clock time without tzinfo, to the second (what a shop's documents show)."""
    return (_dt.datetime.now() + _offset).replace(microsecond=0)


def today() -> _dt.date:
    return now().date()


def advance(delta: _dt.timedelta) -> None:
    """Move the clock forward (tests only)."""
    global _offset
    _offset += delta


def reset() -> None:
    global _offset
    _offset = _dt.timedelta(0)
