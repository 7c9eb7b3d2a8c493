"""Moments the tests set the application's clock to (with time-machine), written as UK wall-clock times.

A module whose dates mean something (a bank holiday, a clock change, a weekday) freezes the clock with
``pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)`` and moves it with the
``time_machine`` fixture; every other test builds its dates from ``today_uk()``. Either way the suite
gives the same answer on any day it is run.
"""

from __future__ import annotations

import datetime as dt

from rosters.clock import LONDON

A_MONDAY = dt.date(2026, 11, 23)  # an ordinary working Monday, well before the dates the tests plan for


def uk(day: dt.date, at: dt.time = dt.time(9, 0)) -> dt.datetime:
    """That UK wall-clock time on that day, as an aware datetime (09:00 unless told otherwise)."""
    return dt.datetime.combine(day, at, tzinfo=LONDON)
