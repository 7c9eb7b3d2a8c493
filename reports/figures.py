"""Programme figures as the public contract defines them: pure functions of aggregated inputs, no Flask."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from programme.models import CATEGORY_VALUES


def _count(sessions: pd.DataFrame, **match: str) -> int:
    mask = pd.Series(True, index=sessions.index)
    for column, value in match.items():
        mask &= sessions[column] == value
    return int(sessions.loc[mask, "sessions"].sum())


def programme_metrics(
    start: dt.date,
    end: dt.date,
    *,
    teams_total: int,
    teams_covered: int,
    sessions: pd.DataFrame,
    debrief_requests: int,
    debrief_waits: pd.DataFrame,
    trained: pd.DataFrame,
) -> dict[str, Any]:
    """The ``flask metrics`` object for one inclusive period (see docs/figures.md)."""
    supervision = sessions[(sessions["kind"] == "supervision") & (sessions["status"] == "delivered")]
    debriefs = sessions[(sessions["kind"] == "debrief") & (sessions["status"] == "delivered")]
    by_category = debriefs.groupby("incident_category", dropna=True)["sessions"].sum()
    trained_by_course = dict(zip(trained["course"], trained["people"], strict=True))
    median = debrief_waits["days"].median() if len(debrief_waits) else None

    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "teams_total": int(teams_total),
        "teams_covered": int(teams_covered),
        "team_coverage_pct": _percent(teams_covered, teams_total),
        "supervision_sessions_delivered": int(supervision["sessions"].sum()),
        "supervision_attendances": int(supervision["attendees"].sum()),
        "debriefs_delivered": int(debriefs["sessions"].sum()),
        "debriefs_individual": _count(debriefs, format="individual"),
        "debriefs_group": _count(debriefs, format="group"),
        "debrief_requests": int(debrief_requests),
        "median_days_request_to_debrief": None if median is None else _number(median),
        "debriefs_by_category": {c: int(by_category.get(c, 0)) for c in CATEGORY_VALUES},
        "facilitators_trained_supervision": int(trained_by_course.get("peer_supervision", 0)),
        "facilitators_trained_debrief": int(trained_by_course.get("critical_incident_debrief", 0)),
        "managers_trained_supervision_skills": int(trained_by_course.get("supervision_skills", 0)),
        "sessions_cancelled": _count(sessions, status="cancelled"),
    }


def _percent(part: int, whole: int) -> float:
    """``100 * part / whole`` to 1 decimal, halves rounded up; 0.0 when ``whole`` is 0.

    Exact decimal arithmetic, not ``round()``: that rounds halves to even (1 of 16 teams,
    6.25%, would show as 6.2), whereas a spreadsheet and a reader expect 6.3.
    """
    if not whole:
        return 0.0
    exact = Decimal(100 * int(part)) / Decimal(int(whole))
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _number(value: float) -> int | float:
    """A whole median as an int (4, not 4.0); a half-day median stays a float."""
    value = float(value)
    return int(value) if value.is_integer() else value
