"""SQL for the programme figures: aggregation happens in the database, results come back as DataFrames."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func

from programme.models import DebriefRequest, Kind, ProgrammeSession, Status, debrief_affected_teams
from rosters.extensions import db
from rosters.models import Agency, Person, Team, TrainingRecord


def _tuples(rows) -> list[tuple]:
    """Plain tuples for pandas: it probes Row objects attribute by attribute, which is slow."""
    return [tuple(row) for row in rows]


@dataclass(frozen=True)
class MetricInputs:
    """Everything :func:`reports.figures.programme_metrics` needs, already aggregated."""

    teams_total: int
    teams_covered: int
    sessions: pd.DataFrame  # kind, status, format, incident_category, sessions, attendees (summed)
    debrief_requests: int
    debrief_waits: pd.DataFrame  # one row per delivered debrief with requested_on: days
    trained: pd.DataFrame  # course, people


def load_metric_inputs(start: dt.date, end: dt.date, team_ids: list[int] | None = None) -> MetricInputs:
    """Aggregate sessions, teams and training for the inclusive period ``start``..``end``.

    ``team_ids`` narrows teams and sessions to some teams (dashboard filters); None means all.
    Training counts stay programme-wide: facilitators serve every team.
    """
    s = ProgrammeSession
    in_period = s.date.between(start, end)
    if team_ids is not None:
        in_period = in_period & s.team_id.in_(team_ids)
    team_filter = Team.active.is_(True) if team_ids is None else Team.active.is_(True) & Team.id.in_(team_ids)

    teams_total = db.session.scalar(db.select(func.count()).select_from(Team).where(team_filter)) or 0
    teams_covered = db.session.scalar(
        db.select(func.count(func.distinct(s.team_id)))
        .join(Team, Team.id == s.team_id)
        .where(team_filter, s.kind == Kind.SUPERVISION.value, s.status == Status.DELIVERED.value, in_period)
    ) or 0

    grouped = db.session.execute(
        db.select(
            s.kind, s.status, s.format, s.incident_category,
            func.count().label("sessions"), func.coalesce(func.sum(s.attendees), 0).label("attendees"),
        )
        .where(in_period)
        .group_by(s.kind, s.status, s.format, s.incident_category)
    ).all()
    sessions = pd.DataFrame(
        _tuples(grouped), columns=["kind", "status", "format", "incident_category", "sessions", "attendees"]
    )

    requested = s.requested_on.between(start, end)
    if team_ids is not None:
        requested = requested & s.team_id.in_(team_ids)
    debrief_requests = db.session.scalar(
        db.select(func.count()).select_from(s).where(s.kind == Kind.DEBRIEF.value, requested)
    ) or 0
    # Requests made in the service that have no session yet (waiting, accepted or declined) are requests
    # too; once a session exists it carries the request date and is counted above.
    r = DebriefRequest
    waiting = r.requested_on.between(start, end) & r.session_id.is_(None)
    if team_ids is not None:
        waiting = waiting & r.id.in_(
            db.select(debrief_affected_teams.c.request_id).where(debrief_affected_teams.c.team_id.in_(team_ids))
        )
    debrief_requests += db.session.scalar(db.select(func.count()).select_from(r).where(waiting)) or 0

    waits = db.session.execute(
        db.select(s.date, s.requested_on).where(
            s.kind == Kind.DEBRIEF.value, s.status == Status.DELIVERED.value, in_period, s.requested_on.is_not(None)
        )
    ).all()
    debrief_waits = pd.DataFrame(
        {"days": [(day - requested).days for day, requested in waits]}, dtype="int64"
    )

    t = TrainingRecord
    trained_rows = db.session.execute(
        db.select(t.course, func.count(func.distinct(t.person_id))).where(t.valid_on(end)).group_by(t.course)
    ).all()
    trained = pd.DataFrame(_tuples(trained_rows), columns=["course", "people"])

    return MetricInputs(teams_total, teams_covered, sessions, debrief_requests, debrief_waits, trained)


# ---------------------------------------------------------------------------------------------
# Dashboard series


def month_of(column):
    """``YYYY-MM`` of a date column, in the database's own dialect."""
    if db.engine.dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


def _sessions_where(start: dt.date, end: dt.date, team_ids: list[int] | None):
    condition = ProgrammeSession.date.between(start, end)
    if team_ids is not None:
        condition = condition & ProgrammeSession.team_id.in_(team_ids)
    return condition


def teams_frame(team_ids: list[int] | None = None) -> pd.DataFrame:
    """Active teams with service and agency: team_id, team, service, agency."""
    query = (
        db.select(Team.id, Team.name, Team.service, Agency.name)
        .join(Agency, Agency.id == Team.agency_id)
        .where(Team.active.is_(True))
        .order_by(Team.name)
    )
    if team_ids is not None:
        query = query.where(Team.id.in_(team_ids))
    return pd.DataFrame(_tuples(db.session.execute(query).all()), columns=["team_id", "team", "service", "agency"])


def supervision_by_month(start: dt.date, end: dt.date, team_ids: list[int] | None = None) -> pd.DataFrame:
    """Delivered supervision per month: month, sessions, attendances."""
    s = ProgrammeSession
    month = month_of(s.date).label("month")
    rows = db.session.execute(
        db.select(month, func.count(), func.coalesce(func.sum(s.attendees), 0))
        .where(_sessions_where(start, end, team_ids), s.kind == Kind.SUPERVISION.value,
               s.status == Status.DELIVERED.value)
        .group_by(month)
        .order_by(month)
    ).all()
    frame = pd.DataFrame(_tuples(rows), columns=["month", "sessions", "attendances"])
    return frame.astype({"sessions": "int64", "attendances": "int64"})


def team_month_sessions(start: dt.date, end: dt.date, team_ids: list[int] | None = None) -> pd.DataFrame:
    """Delivered supervision per active team per month: team_id, month, sessions."""
    s = ProgrammeSession
    month = month_of(s.date).label("month")
    rows = db.session.execute(
        db.select(s.team_id, month, func.count())
        .join(Team, Team.id == s.team_id)
        .where(_sessions_where(start, end, team_ids), Team.active.is_(True), s.kind == Kind.SUPERVISION.value,
               s.status == Status.DELIVERED.value)
        .group_by(s.team_id, month)
    ).all()
    return pd.DataFrame(_tuples(rows), columns=["team_id", "month", "sessions"])


def last_supervision(end: dt.date, team_ids: list[int] | None = None) -> pd.DataFrame:
    """Each active team's most recent delivered supervision on or before ``end``: team_id, last_date."""
    s = ProgrammeSession
    query = (
        db.select(s.team_id, func.max(s.date))
        .join(Team, Team.id == s.team_id)
        .where(Team.active.is_(True), s.kind == Kind.SUPERVISION.value, s.status == Status.DELIVERED.value,
               s.date <= end)
        .group_by(s.team_id)
    )
    if team_ids is not None:
        query = query.where(s.team_id.in_(team_ids))
    return pd.DataFrame(_tuples(db.session.execute(query).all()), columns=["team_id", "last_date"])


def sessions_by_facilitator(start: dt.date, end: dt.date, team_ids: list[int] | None = None) -> pd.DataFrame:
    """Sessions delivered or planned per facilitator and kind: facilitator, kind, sessions."""
    s = ProgrammeSession
    rows = db.session.execute(
        db.select(Person.name, s.kind, func.count())
        .join(Person, Person.id == s.facilitator_id)
        .where(_sessions_where(start, end, team_ids), s.status != Status.CANCELLED.value)
        .group_by(Person.id, Person.name, s.kind)
    ).all()
    return pd.DataFrame(_tuples(rows), columns=["facilitator", "kind", "sessions"])


def training_expiring(today: dt.date, days: int) -> pd.DataFrame:
    """Training records expiring from ``today`` to ``today + days``: name, course, expires_on."""
    t = TrainingRecord
    rows = db.session.execute(
        db.select(Person.name, t.course, t.expires_on)
        .join(Person, Person.id == t.person_id)
        .where(t.expires_on.between(today, today + dt.timedelta(days=days)))
        .order_by(t.expires_on, Person.name)
    ).all()
    return pd.DataFrame(_tuples(rows), columns=["name", "course", "expires_on"])


def session_table(start: dt.date, end: dt.date, team_ids: list[int] | None = None) -> pd.DataFrame:
    """One row per session with what may identify coarsened later (see ``reports.session_table``):
    no names, e-mails, references, facilitators, teams or request dates."""
    s = ProgrammeSession
    rows = db.session.execute(
        db.select(s.date, s.kind, s.format, Team.service, Agency.name, s.status, s.attendees,
                  s.duration_minutes, s.incident_category)
        .join(Team, Team.id == s.team_id)
        .join(Agency, Agency.id == Team.agency_id)
        .where(_sessions_where(start, end, team_ids))
        .order_by(s.date, s.kind, Team.service)
    ).all()
    return pd.DataFrame(_tuples(rows), columns=["date", "kind", "format", "service", "agency", "status", "attendees",
                                               "duration_minutes", "incident_category"])


@dataclass(frozen=True)
class MonthlyInputs:
    """What ``reports.windows.monthly_counts`` needs: delivered debriefs, request dates, attendances by month."""

    debriefs: list[tuple]  # (date, format, incident_category, requested_on)
    requests: list[dt.date]
    attendances: list[tuple]  # (YYYY-MM, attendances)


def load_monthly_inputs(start: dt.date, end: dt.date, team_ids: list[int] | None = None) -> MonthlyInputs:
    """The counts shared pages show, month by month, for the windows rule (docs/figures.md)."""
    s = ProgrammeSession
    where = _sessions_where(start, end, team_ids)
    debriefs = _tuples(db.session.execute(
        db.select(s.date, s.format, s.incident_category, s.requested_on)
        .where(where, s.kind == Kind.DEBRIEF.value, s.status == Status.DELIVERED.value)
    ))
    requested = s.requested_on.between(start, end) & (s.kind == Kind.DEBRIEF.value)
    if team_ids is not None:
        requested = requested & s.team_id.in_(team_ids)
    requests = list(db.session.scalars(db.select(s.requested_on).where(requested)))
    r = DebriefRequest
    waiting = r.requested_on.between(start, end) & r.session_id.is_(None)
    if team_ids is not None:
        waiting = waiting & r.id.in_(
            db.select(debrief_affected_teams.c.request_id).where(debrief_affected_teams.c.team_id.in_(team_ids))
        )
    requests += list(db.session.scalars(db.select(r.requested_on).where(waiting)))
    month = month_of(s.date)
    attendances = _tuples(db.session.execute(
        db.select(month, func.coalesce(func.sum(s.attendees), 0))
        .where(where, s.kind == Kind.SUPERVISION.value, s.status == Status.DELIVERED.value)
        .group_by(month)
    ))
    return MonthlyInputs(debriefs, requests, attendances)
