"""Windows for figures shown beyond leads: whole months, whole quarters where a number is small.

A manager (or whoever reads a shared export) could otherwise ask for two periods that differ by a day
and subtract one from the other. So (docs/figures.md, "Managers' figures"):

1. A window is rounded out to whole calendar months.
2. Each calendar quarter it touches is *quiet* when, in every one of its months, every count is 0 or at
   least the threshold; otherwise it is *small*, and the window is rounded out to the whole quarter.
   The units of time are then fixed by the data alone, never by the window asked for: the months of
   quiet quarters, and small quarters whole. Every window shown is a union of units.
3. In each unit the counts are hidden as on any shared page (1 to threshold - 1, and enough others that
   none can be worked out); a count is shown for a window only if it is shown in every unit of it.

So a shown count is a sum of unit counts that are each 0 or at least the threshold, and the difference
of any two windows' shown counts is such a sum too: it is never a hidden number. Pure: no Flask, no SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from reports.figures import WAIT_BUCKETS, suppress_groups, suppressed_label

Cell = tuple[str, ...]  # ("total",), ("format", "group"), ("category", label), ("wait", label), ("month", "2025-04")
GROUPS = ("format", "category", "wait")


@dataclass(frozen=True)
class Window:
    """The window shown, and the counts hidden in it."""

    start: dt.date
    end: dt.date
    hidden: frozenset[Cell]
    rounded: bool  # the window shown is not the one asked for


def month_key(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def month_bounds(key: str) -> tuple[dt.date, dt.date]:
    period = pd.Period(key, freq="M")
    return period.start_time.date(), period.end_time.date()


def wait_label(days: int) -> str:
    for low, high, label in WAIT_BUCKETS:
        if days >= low and (high is None or days <= high):
            return label
    return WAIT_BUCKETS[0][2]  # a session before its request: not stored (a check constraint), but never lost


def monthly_counts(
    debriefs: Iterable[tuple[dt.date, str, str | None, dt.date | None]],
    requests: Iterable[dt.date],
    attendances: Iterable[tuple[str, int]],
    category_labels: Mapping[str, str],
) -> dict[str, Counter]:
    """Every count the shared pages show, month by month.

    ``debriefs``: (date, format, incident_category, requested_on) of each delivered debrief;
    ``requests``: the request date of each debrief request; ``attendances``: (month, attendances) of
    delivered supervision.
    """
    months: dict[str, Counter] = {}
    for day, form, category, requested_on in debriefs:
        cells = months.setdefault(month_key(day), Counter())
        cells[("total",)] += 1
        cells[("format", form)] += 1
        if category:
            cells[("category", category_labels.get(category, category))] += 1
        if requested_on is not None:
            cells[("wait", wait_label((day - requested_on).days))] += 1
    for day in requests:
        months.setdefault(month_key(day), Counter())[("requests",)] += 1
    for key, people in attendances:
        cells = months.setdefault(key, Counter())
        cells[("attendances",)] += int(people)
        cells[("month", key)] += int(people)
    return months


def hidden_in(cells: Counter, threshold: int) -> set[Cell]:
    """What a shared page hides of one unit's counts (``reports.figures.suppress_groups`` rules)."""
    label = suppressed_label(threshold)
    hidden: set[Cell] = set()
    groups = {g: {key[1]: n for key, n in cells.items() if key[0] == g} for g in GROUPS}
    total, shown = suppress_groups(cells[("total",)], groups, threshold)
    if total == label:
        hidden.add(("total",))
    hidden |= {(g, k) for g, values in shown.items() for k, v in values.items() if v == label}
    if 0 < cells[("requests",)] < threshold:
        hidden.add(("requests",))
    months = {key[1]: n for key, n in cells.items() if key[0] == "month"}
    total, shown = suppress_groups(cells[("attendances",)], {"month": months}, threshold)
    if total == label:
        hidden.add(("attendances",))
    hidden |= {("month", k) for k, v in shown["month"].items() if v == label}
    return hidden


def is_small(cells: Counter, threshold: int) -> bool:
    return any(0 < n < threshold for n in cells.values())


def quarter_months(key: str) -> list[str]:
    quarter = pd.Period(key, freq="M").asfreq("Q")
    first = quarter.asfreq("M", how="start")
    return [str(first + i) for i in range(3)]


def shared_window(start: dt.date, end: dt.date, monthly: Mapping[str, Counter], threshold: int) -> Window:
    """The window shown for ``start``..``end``, and what is hidden in it (the rule above)."""
    months = [str(p) for p in pd.period_range(start=start, end=end, freq="M")]
    empty: Counter = Counter()
    units: list[list[str]] = []
    seen: set[str] = set()
    for key in months:
        if key in seen:
            continue
        quarter = quarter_months(key)
        if any(is_small(monthly.get(m, empty), threshold) for m in quarter):
            units.append(quarter)
            seen.update(quarter)
        else:
            units.append([key])
            seen.add(key)
    hidden: set[Cell] = set()
    for unit in units:
        total: Counter = Counter()
        for key in unit:
            total.update(monthly.get(key, empty))
        hidden |= hidden_in(total, threshold)
    first, last = units[0][0], units[-1][-1]
    window_start, window_end = month_bounds(first)[0], month_bounds(last)[1]
    return Window(window_start, window_end, frozenset(hidden), (window_start, window_end) != (start, end))


def shown_value(cell: Cell, window: Window, monthly: Mapping[str, Counter], threshold: int) -> int | str:
    """A count for the window as shown: the sum of its months, or the hidden label."""
    if cell in window.hidden:
        return suppressed_label(threshold)
    months = [str(p) for p in pd.period_range(start=window.start, end=window.end, freq="M")]
    return sum(monthly.get(key, Counter())[cell] for key in months)
