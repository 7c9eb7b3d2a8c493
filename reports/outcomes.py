"""Workforce outcomes: sickness and turnover in team-months with and without regular supervision.

The contract's figures (``flask outcomes``, ``GET /api/v1/outcomes``) are aggregated in SQL; the fuller
summary for the Outcomes page and the evaluation report adds counts, breakdowns and intervals
(``reports.outcome_figures``). Definitions are in docs/figures.md.

A team-month is a ``workforce_months`` row. It is *supported* when its team had a delivered supervision
session (by the session's UK ``date``) in that calendar month or either of the two before it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Date, Integer, case, cast, exists, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from programme.evaluation.models import WorkforceMonth
from programme.models import Kind, ProgrammeSession, Status
from reports import outcome_figures as of
from rosters.extensions import db
from rosters.models import Team

PERIOD_BY_QUARTER_AFTER = 18  # months: a longer period is shown by quarter over time


class add_months(FunctionElement):  # noqa: N801  (reads as the SQL function it stands for)
    """``day`` moved by a whole number of calendar months, in SQL, for SQLite and PostgreSQL alike.

    Only ever applied to first days of months, so no month-end clipping question arises.
    """

    type = Date()
    inherit_cache = True
    name = "add_months"


@compiles(add_months, "sqlite")
def _add_months_sqlite(element, compiler, **kw) -> str:
    day, months = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, {compiler.process(months, **kw)} || ' months')"


@compiles(add_months)
def _add_months_default(element, compiler, **kw) -> str:
    day, months = list(element.clauses)
    return f"CAST({compiler.process(day, **kw)} + {compiler.process(cast(months, Integer), **kw)} * INTERVAL '1 month' AS DATE)"


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _delivered_supervision():
    s = ProgrammeSession
    return (s.kind == Kind.SUPERVISION.value) & (s.status == Status.DELIVERED.value)


def _team_months(start: dt.date, end: dt.date, team_ids: list[int] | None):
    """One row per team-month in the period: its sums, whether supported, and its phase.

    ``after_first`` is 1 from the month of the team's first delivered supervision session (ever) on,
    0 before it, NULL for a team that has never had one.
    """
    w = WorkforceMonth
    s = ProgrammeSession
    supported = exists().where(
        s.team_id == w.team_id, _delivered_supervision(),
        s.date >= add_months(w.month, literal(-2)), s.date < add_months(w.month, literal(1)),
    )
    first = (
        db.select(s.team_id.label("team_id"), func.min(s.date).label("first_date"))
        .where(_delivered_supervision()).group_by(s.team_id).subquery("first_sessions")
    )
    after = case(
        (first.c.first_date.is_(None), None),
        (first.c.first_date < add_months(w.month, literal(1)), 1),
        else_=0,
    )
    query = (
        db.select(
            w.team_id.label("team_id"), w.month.label("month"), Team.service.label("service"),
            w.fte.label("fte"), w.sickness_days.label("sickness_days"), w.leavers.label("leavers"),
            case((supported, 1), else_=0).label("supported"), after.label("after_first"),
        )
        .join(Team, Team.id == w.team_id)
        .outerjoin(first, first.c.team_id == w.team_id)
        .where(w.month >= first_of_month(start), w.month <= first_of_month(end))
    )
    if team_ids is not None:
        query = query.where(w.team_id.in_(team_ids))
    return query.subquery("team_months")


def outcomes_for_period(start: dt.date, end: dt.date, team_ids: list[int] | None = None) -> dict[str, Any]:
    """The contract's object for the months of ``start`` to ``end`` (``team_ids``: some teams only)."""
    rows = _team_months(start, end, team_ids)
    sums = db.session.execute(
        db.select(
            rows.c.supported, func.count().label("team_months"), func.sum(rows.c.fte).label("fte"),
            func.sum(rows.c.sickness_days).label("sickness_days"), func.sum(rows.c.leavers).label("leavers"),
        ).group_by(rows.c.supported)
    ).all()
    groups = {int(r.supported): r for r in sums}
    figures: dict[str, Any] = {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "team_months": sum(int(r.team_months) for r in sums),
        "supported_team_months": int(groups[1].team_months) if 1 in groups else 0,
    }
    for flag, name in ((1, "supported"), (0, "unsupported")):
        r = groups.get(flag)
        count = int(r.team_months) if r is not None else 0
        figures[f"days_lost_per_fte_year_{name}"] = of.days_lost_rate(r.sickness_days, r.fte, count) if r else None
    for flag, name in ((1, "supported"), (0, "unsupported")):
        r = groups.get(flag)
        count = int(r.team_months) if r is not None else 0
        figures[f"turnover_pct_year_{name}"] = of.turnover_rate(r.leavers, r.fte, count) if r else None
    return figures


def team_month_frame(start: dt.date, end: dt.date, team_ids: list[int] | None = None) -> pd.DataFrame:
    """Team-months of the period with their flags, summed by team, month, service, support and phase."""
    rows = _team_months(start, end, team_ids)
    keys = (rows.c.team_id, rows.c.month, rows.c.service, rows.c.supported, rows.c.after_first)
    result = db.session.execute(
        db.select(
            *keys, func.count().label("team_months"), func.sum(rows.c.fte), func.sum(rows.c.sickness_days),
            func.sum(rows.c.leavers),
        ).group_by(*keys)
    ).all()
    frame = pd.DataFrame([tuple(r) for r in result], columns=[
        "team_id", "month", "service", "supported", "after_first", "team_months", "fte", "sickness_days", "leavers",
    ])
    frame["month"] = [m.strftime("%Y-%m") if hasattr(m, "strftime") else str(m)[:7] for m in frame["month"]]
    frame["service"] = frame["service"].fillna("").astype(str)
    frame["supported"] = frame["supported"].astype(int)
    frame["after_first"] = frame["after_first"].astype("object")
    for column in ("fte", "sickness_days"):
        frame[column] = frame[column].astype(float)
    frame["leavers"] = frame["leavers"].astype(int)
    return frame


def months_between(start: dt.date, end: dt.date) -> list[str]:
    return [str(p) for p in pd.period_range(start=first_of_month(start), end=first_of_month(end), freq="M")]


def outcomes_summary(start: dt.date, end: dt.date, team_ids: list[int] | None = None) -> dict[str, Any]:
    """The contract's figures for the period, plus counts, breakdowns and intervals, for pages and reports.

    Returns a dict with every key of :func:`outcomes_for_period` and:

    - ``groups``: ``{"supported" | "unsupported" | "before_first_session" | "after_first_session": Stats}``;
      before/after pool the team-months of teams that have had a delivered supervision session (ever)
      before, and from, the month of their first one; teams never supervised are in neither.
    - ``by_period``: a list of ``{"period": "2025-04" | "2025 Q2", "group": "supported" | "unsupported",
      **Stats}``, every period of the range in order (by month up to 18 months, else by quarter).
    - ``by_service``: a list of ``{"service": str, "group": ..., **Stats}`` by team service, sorted.
    - ``interval_method``: the words for how intervals were made.

    ``Stats`` is ``{"team_months": int, "teams": int, "fte_months": float, "sickness_days": float,
    "leavers": int, "days_lost_per_fte_year": float | None, "days_lost_interval": [low, high] | None,
    "turnover_pct_year": float | None, "turnover_interval": [low, high] | None}``: rates as the contract
    defines them (one decimal, None over no team-months), intervals approximate 95% (a bootstrap over
    teams; None with fewer than two teams or no sickness days / leavers at all). Nothing is hidden here:
    callers showing figures to managers apply ``reports.outcome_figures.hide_small``.
    """
    figures = outcomes_for_period(start, end, team_ids)
    rows = team_month_frame(start, end, team_ids)
    months = months_between(start, end)
    by_quarter = len(months) > PERIOD_BY_QUARTER_AFTER
    labels = list(dict.fromkeys(of.period_label(m, by_quarter) for m in months))
    if len(rows):
        rows["period"] = [of.period_label(m, by_quarter) for m in rows["month"]]
    else:
        rows["period"] = pd.Series(dtype="object")
    services = sorted(set(rows["service"])) if len(rows) else []
    return {
        **figures,
        "groups": of.split_stats(rows),
        "by_period": of.breakdown(rows, "period", labels),
        "by_service": of.breakdown(rows, "service", services),
        "interval_method": (
            f"approximate 95% interval: bootstrap over teams ({of.BOOTSTRAP_DRAWS} resamples, fixed seed), "
            "percentiles 2.5 and 97.5"
        ),
    }
