"""Dates as a shop writes them: the one parser for every date a user, a form or a file gives.

(The financial year, 1 April – 31 March, lives with the document numbers in
:mod:`billbook.domain.numbering`.)
"""

from __future__ import annotations

import datetime as dt

from billbook.errors import ValidationError

EXAMPLE = "2026-11-24"

_REQUIRED = object()


def parse_date(value, field: str = "date", *, default=_REQUIRED) -> dt.date | None:
    """The day ``value`` names: a ``date``; a ``datetime`` (its day); or ISO text — a date
    (``2026-11-24``) or a timestamp (``2026-11-24T10:15:00``, its day), spaces around ignored.

    An empty value (None or blank text) gives ``default`` when one is given (e.g. None, or
    today for a day report), else a ValidationError asking for a date. Anything else that is
    not a date is a ValidationError naming ``field``.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = value.strip() if isinstance(value, str) else value
    if text is None or text == "":
        if default is _REQUIRED:
            raise ValidationError(field, f"give a date like {EXAMPLE}")
        return default
    if isinstance(text, str):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            try:
                return dt.datetime.fromisoformat(text).date()
            except ValueError:
                pass
    raise ValidationError(field, f"{value!r} is not a date like {EXAMPLE}")
