"""The one date parser (domain/calendar.py) every service, the CLI and the GUI use."""

from __future__ import annotations

import datetime as dt

import pytest

from billbook.domain.calendar import parse_date
from billbook.errors import ValidationError


def test_dates_datetimes_and_iso_text_give_the_day():
    day = dt.date(2026, 11, 24)
    assert parse_date(day) == day
    assert parse_date(dt.datetime(2026, 11, 24, 23, 59, 1)) == day
    assert parse_date("2026-11-24") == day
    assert parse_date("  2026-11-24\n") == day
    assert parse_date("2026-11-24T10:15:00") == day
    assert parse_date("2026-11-24 10:15:00.123456") == day


def test_an_empty_value_gives_the_default_or_asks_for_a_date():
    assert parse_date(None, default=None) is None
    assert parse_date("  ", default=None) is None
    assert parse_date("", default=dt.date(2026, 4, 1)) == dt.date(2026, 4, 1)
    with pytest.raises(ValidationError) as err:
        parse_date("", "from")
    assert err.value.field == "from" and "give a date like 2026-11-24" in str(err.value)


@pytest.mark.parametrize("bad", ["24-11-2026", "2026-02-30", "yesterday", 20261124, "2026-11-24x"])
def test_anything_else_is_refused_naming_the_field(bad):
    with pytest.raises(ValidationError) as err:
        parse_date(bad, "to", default=None)
    assert err.value.field == "to"
    assert str(err.value).endswith(f"{bad!r} is not a date like 2026-11-24")
