"""Calendar facts the programme plans around: bank holidays in England and Wales, and working days."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=256)
def _holidays_of(year: int) -> tuple[tuple[dt.date, str], ...]:
    """A year's bank holidays in England and Wales. Worked out once per year: building the calendar costs
    about a millisecond, and long lists (the lead's requests, five years of figures) ask for it often."""
    return tuple(sorted(holidays.country_holidays("GB", subdiv="ENG", years=year).items()))


def bank_holidays(first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """Bank holidays in England and Wales between two dates, with their names."""
    return {day: name for year in range(first.year, last.year + 1) for day, name in _holidays_of(year)
            if first <= day <= last}


def working_days_after(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (weekends and England and Wales bank holidays skipped)."""
    closed = bank_holidays(start, start + dt.timedelta(days=days * 3 + 14))
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in closed:
            remaining -= 1
    return day
