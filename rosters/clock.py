"""The one clock: every rule that needs "now" or "today" reads it here.

Stored timestamps are naive UTC; people live on UK time. Reading both from one place means a test
can move time for the whole application with one call (``time-machine``), and no rule can disagree
with another about what day it is in the hour around midnight or a clock change.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> dt.datetime:
    """Now, in UTC, naive (every stored timestamp is UTC by convention)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def now_uk() -> dt.datetime:
    """Now, as a UK wall-clock time (aware, Europe/London)."""
    return dt.datetime.now(LONDON)


def today_uk() -> dt.date:
    """Today's date in the UK, whatever the server's own time zone."""
    return now_uk().date()


def uk_time(moment: dt.datetime) -> dt.datetime:
    """A stored naive-UTC timestamp as a UK wall-clock time."""
    return moment.replace(tzinfo=dt.UTC).astimezone(LONDON)


def uk_date(moment: dt.datetime | None) -> dt.date | None:
    """A stored naive-UTC timestamp as the UK calendar date it fell on."""
    return None if moment is None else uk_time(moment).date()


def local_to_utc(day: dt.date, start: dt.time) -> dt.datetime:
    """UK wall-clock date and time -> naive UTC, so clock changes never move a session."""
    return dt.datetime.combine(day, start, tzinfo=LONDON).astimezone(dt.UTC).replace(tzinfo=None)


def uk_time_exists(day: dt.date, start: dt.time) -> bool:
    """False for the hour skipped when the clocks go forward (e.g. 01:30 on the last Sunday of March)."""
    local = dt.datetime.combine(day, start, tzinfo=LONDON)
    round_trip = local.astimezone(dt.UTC).astimezone(LONDON)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)
