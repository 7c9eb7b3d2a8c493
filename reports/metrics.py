"""Compute the programme figures for a period: the one entry point for the command line and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reports.figures import programme_metrics
from reports.queries import MetricInputs, load_metric_inputs
from rosters.bounds import parse_iso_date


class PeriodError(ValueError):
    """The period asked for is not a valid pair of dates."""


def parse_period(start: str | None, end: str | None) -> tuple[dt.date, dt.date]:
    """Read ``YYYY-MM-DD`` start and end, inclusive; refuse missing, malformed or reversed dates."""
    dates = []
    for name, value in (("start", start), ("end", end)):
        if not value:
            raise PeriodError(f"{name} is required (YYYY-MM-DD)")
        try:
            dates.append(parse_iso_date(value, name, period=True))
        except ValueError as exc:
            raise PeriodError(str(exc)) from None
    if dates[1] < dates[0]:
        raise PeriodError(f"end {dates[1].isoformat()} is before start {dates[0].isoformat()}")
    return dates[0], dates[1]


def metrics_for_period(start: dt.date, end: dt.date, team_ids: list[int] | None = None) -> dict[str, Any]:
    """The contract's figures; ``team_ids`` narrows them to some teams (None: the whole programme)."""
    return metrics_from_inputs(start, end, load_metric_inputs(start, end, team_ids))


def metrics_from_inputs(start: dt.date, end: dt.date, inputs: MetricInputs) -> dict[str, Any]:
    """The contract's figures from inputs already loaded (the dashboard reuses them for its charts)."""
    return programme_metrics(
        start,
        end,
        teams_total=inputs.teams_total,
        teams_covered=inputs.teams_covered,
        sessions=inputs.sessions,
        debrief_requests=inputs.debrief_requests,
        debrief_waits=inputs.debrief_waits,
        trained=inputs.trained,
    )
