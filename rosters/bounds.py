"""Sane bounds for every number and date that arrives from a person, an address, a form, a file or the API.

Checked at the edge, before a value reaches the database or date arithmetic: a year-1 date or an id
larger than the database's integer is refused with a message, never met as an overflow deep inside.
The range of dates is documented in docs/design.md and docs/imports.md.
"""

from __future__ import annotations

import datetime as dt
import re

# Dates that are stored: sessions, incidents, training, series.
FIRST_DATE = dt.date(2000, 1, 1)
LAST_DATE = dt.date(2099, 12, 31)
DATE_RANGE = f"{FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}"
DATE_RANGE_WORDS = f"{FIRST_DATE:%-d %B %Y} and {LAST_DATE:%-d %B %Y}"
# Dates that only choose a period to look at (figures, slots, dashboard filters): wider, so that a
# script asking for "everything" with 1990-01-01 or 2100-12-31 keeps working.
PERIOD_FIRST = dt.date(1900, 1, 1)
PERIOD_LAST = dt.date(2199, 12, 31)
PERIOD_RANGE = f"{PERIOD_FIRST.isoformat()} to {PERIOD_LAST.isoformat()}"
PERIOD_RANGE_WORDS = f"{PERIOD_FIRST:%-d %B %Y} and {PERIOD_LAST:%-d %B %Y}"
MAX_ID = 2**31 - 1  # the largest id the database's integer column holds, on SQLite and PostgreSQL alike
# The most practitioners one record of attendance may count (a session's or a debrief's ``attendees``): a
# large multi-agency group, and still far below the database's integer. Documented in docs/imports.md.
MAX_ATTENDANCE = 10_000

ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
ID_TEXT = re.compile(r"^[0-9]{1,10}$")


def date_in_range(day: dt.date) -> bool:
    """True for a date the service accepts (2000-01-01 to 2099-12-31)."""
    return FIRST_DATE <= day <= LAST_DATE


def period_in_range(day: dt.date) -> bool:
    """True for a date that may bound a period to look at (1900-01-01 to 2199-12-31)."""
    return PERIOD_FIRST <= day <= PERIOD_LAST


def read_iso_date(text: str) -> dt.date | None:
    """A strict ``YYYY-MM-DD`` date in ASCII digits (no range checked); None when it is not one."""
    value = text.strip()
    if not ISO_DATE.match(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def parse_iso_date(text: str, name: str, *, period: bool = False) -> dt.date:
    """A strict ``YYYY-MM-DD`` date within range; ValueError with a message naming ``name`` otherwise.

    ``period``: the date only bounds a period to look at, so the wider period range applies.
    """
    value = text.strip()
    day = read_iso_date(value)
    if day is None:
        raise ValueError(f"{name} {text!r} is not a date (YYYY-MM-DD)")
    if period and not period_in_range(day):
        raise ValueError(f"{name} {value} is outside the dates this service can look at ({PERIOD_RANGE})")
    if not period and not date_in_range(day):
        raise ValueError(f"{name} {value} is outside the dates this service accepts ({DATE_RANGE})")
    return day


def parse_id(text: str) -> int | None:
    """A record id written in ASCII digits that fits the database's integer; None for anything else."""
    value = text.strip()
    if not ID_TEXT.match(value):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def coerce_id(value: object) -> int:
    """WTForms ``coerce`` for ids chosen in a form: refuses (ValueError) anything that cannot be a record."""
    if isinstance(value, int) and not isinstance(value, bool):
        number: int | None = value if 1 <= value <= MAX_ID else None
    else:
        number = parse_id(str(value))
    if number is None:
        raise ValueError(f"{str(value)[:20]!r} is not a record id")
    return number


def coerce_optional_id(value: object) -> int | None:
    """``coerce_id`` for a select whose empty placeholder option means "none chosen"."""
    if value is None or value == "":
        return None
    return coerce_id(value)


def parse_page(text: str | None) -> int | None:
    """A page number from the address: 1 when absent, None when it is not a sane whole number."""
    if text is None or text.strip() == "":
        return 1
    return parse_id(text)
