"""Rules every dated session keeps, whatever its kind: somewhere to meet, a time that exists, a sane length.

Each returns the problem (tagged with the form field it is about) or None, so that an operation can
gather every problem before it refuses.
"""

from __future__ import annotations

import datetime as dt

from rosters.clock import uk_time_exists
from rosters.errors import Problem

SHORTEST_MINUTES, LONGEST_MINUTES = 15, 480


def somewhere(location: str, online_link: str) -> Problem | None:
    """A session needs a place or an online link."""
    return None if (location.strip() or online_link.strip()) else Problem("Give a place or an online link", "location")


def skipped_hour(day: dt.date, start: dt.time) -> Problem | None:
    """A start time that does not exist on ``day``: the hour the clocks go forward."""
    if uk_time_exists(day, start):
        return None
    return Problem(f"{start:%H:%M} does not exist on {day:%-d %B %Y} (the clocks go forward)", "start_time")


def length_allowed(minutes: int | None) -> bool:
    return minutes is not None and SHORTEST_MINUTES <= minutes <= LONGEST_MINUTES
