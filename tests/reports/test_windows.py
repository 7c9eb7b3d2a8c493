"""Managers' windows (reports/windows.py): whole months, whole quarters where a count is small, and no
pair of views whose difference gives a hidden count away."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.windows import Cell, monthly_counts, shared_window, shown_value

T = 5
MONTHS = [f"{year}-{month:02d}" for year in (2025, 2026) for month in range(1, 13)]
FIRST, LAST = dt.date(2025, 1, 1), dt.date(2026, 12, 31)
CELLS: list[Cell] = [("total",), ("format", "individual"), ("format", "group"), ("category", "Abuse"),
                     ("category", "Serious violence"), ("wait", "0 to 3 days"), ("wait", "4 to 7 days"),
                     ("requests",), ("attendances",)] + [("month", m) for m in MONTHS]


def counts(debriefs: dict[str, list[tuple[str, str, int]]], attendances: dict[str, int]) -> dict[str, Counter]:
    """Monthly counts from made-up debriefs (format, category, wait in days) and attendances."""
    rows, requests = [], []
    for month, items in debriefs.items():
        for index, (form, category, wait) in enumerate(items):
            day = dt.date.fromisoformat(f"{month}-{1 + index % 28:02d}")
            rows.append((day, form, category, day - dt.timedelta(days=wait)))
            requests.append(day)
    return monthly_counts(rows, requests, attendances.items(), {"abuse": "Abuse", "serious_violence": "Serious violence"})


debrief = st.tuples(st.sampled_from(["individual", "group"]), st.sampled_from(["abuse", "serious_violence"]),
                    st.integers(0, 7))
data = st.tuples(
    st.dictionaries(st.sampled_from(MONTHS), st.lists(debrief, max_size=9), max_size=10),
    st.dictionaries(st.sampled_from(MONTHS), st.integers(0, 12), max_size=10),
)
day = st.dates(FIRST, LAST)


def view(monthly, start, end):
    window = shared_window(start, end, monthly, T)
    return window, {cell: shown_value(cell, window, monthly, T) for cell in CELLS}


@settings(max_examples=300, deadline=None)
@given(data=data, a=st.tuples(day, day), b=st.tuples(day, day))
def test_no_pair_of_windows_differs_by_a_hidden_count(data, a, b):
    """Whatever two periods a manager asks for, a count shown in both never differs by 1 to 4 when one
    period holds the other (which is what subtracting reveals), and each window is whole months."""
    monthly = counts(*data)
    (w1, v1), (w2, v2) = view(monthly, *sorted(a)), view(monthly, *sorted(b))
    for window in (w1, w2):
        assert window.start.day == 1
        assert (window.end + dt.timedelta(days=1)).day == 1
    if w1.start >= w2.start and w1.end <= w2.end or w2.start >= w1.start and w2.end <= w1.end:
        for cell in CELLS:
            if isinstance(v1[cell], int) and isinstance(v2[cell], int):
                assert not 0 < abs(v1[cell] - v2[cell]) < T, (cell, w1, v1[cell], w2, v2[cell])


@settings(max_examples=200, deadline=None)
@given(data=data, a=st.tuples(day, day))
def test_every_shown_count_is_zero_or_at_least_the_threshold_and_the_window_holds_the_request(data, a):
    monthly = counts(*data)
    start, end = sorted(a)
    window, values = view(monthly, start, end)
    assert window.start <= start and window.end >= end
    for cell, value in values.items():
        assert value == "<5" or value == 0 or value >= T, (cell, value)


def test_a_single_day_becomes_its_month_when_nothing_is_small():
    monthly = counts({"2025-11": [("group", "abuse", 2)] * 6}, {"2025-10": 8, "2025-11": 9, "2025-12": 7})
    window, values = view(monthly, dt.date(2025, 11, 30), dt.date(2025, 11, 30))
    assert (window.start, window.end, window.rounded) == (dt.date(2025, 11, 1), dt.date(2025, 11, 30), True)
    assert values[("total",)] == 6


def test_a_small_count_widens_the_window_to_its_quarter_and_stays_hidden():
    """The issue's case: one serious-violence debrief on 30 November. The day, its month and the
    day before all show the quarter, with the count hidden."""
    monthly = counts({"2025-11": [("individual", "serious_violence", 3)], "2025-10": [("group", "abuse", 1)] * 5},
                     {})
    for start, end in ((dt.date(2025, 11, 30), dt.date(2025, 11, 30)), (dt.date(2025, 11, 29), dt.date(2025, 11, 29)),
                       (dt.date(2025, 10, 1), dt.date(2025, 10, 31))):
        window, values = view(monthly, start, end)
        assert (window.start, window.end) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
        assert values[("category", "Serious violence")] == "<5"
        assert values[("total",)] == "<5" or values[("category", "Abuse")] == "<5"


def test_a_later_quiet_month_shows_its_own_counts():
    monthly = counts({"2025-11": [("individual", "serious_violence", 3)], "2026-02": [("group", "abuse", 1)] * 5},
                     {})
    window, values = view(monthly, dt.date(2026, 2, 10), dt.date(2026, 2, 12))
    assert (window.start, window.end) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert values[("category", "Abuse")] == 5 and values[("category", "Serious violence")] == 0
