"""Calendar facts the programme plans around: bank holidays in England and Wales, and working days."""

from __future__ import annotations

import datetime as dt

import holidays


def bank_holidays(first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """Bank holidays in England and Wales between two dates, with their names."""
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(first.year, last.year + 1))
    return {day: name for day, name in calendar.items() if first <= day <= last}


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
