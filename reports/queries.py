"""SQL for the programme figures: aggregation happens in the database, results come back as DataFrames."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, or_

from programme.models import Kind, ProgrammeSession, Status
from rosters.extensions import db
from rosters.models import Team, TrainingRecord


@dataclass(frozen=True)
class MetricInputs:
    """Everything :func:`reports.figures.programme_metrics` needs, already aggregated."""

    teams_total: int
    teams_covered: int
    sessions: pd.DataFrame  # kind, status, format, incident_category, sessions, attendees (summed)
    debrief_requests: int
    debrief_waits: pd.DataFrame  # one row per delivered debrief with requested_on: days
    trained: pd.DataFrame  # course, people


def load_metric_inputs(start: dt.date, end: dt.date) -> MetricInputs:
    """Aggregate sessions, teams and training for the inclusive period ``start``..``end``."""
    in_period = ProgrammeSession.date.between(start, end)
    s = ProgrammeSession

    teams_total = db.session.scalar(db.select(func.count()).select_from(Team).where(Team.active.is_(True))) or 0
    teams_covered = db.session.scalar(
        db.select(func.count(func.distinct(s.team_id)))
        .join(Team, Team.id == s.team_id)
        .where(Team.active.is_(True), s.kind == Kind.SUPERVISION.value, s.status == Status.DELIVERED.value, in_period)
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
        grouped, columns=["kind", "status", "format", "incident_category", "sessions", "attendees"]
    )

    debrief_requests = db.session.scalar(
        db.select(func.count()).select_from(s).where(s.kind == Kind.DEBRIEF.value, s.requested_on.between(start, end))
    ) or 0

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
        db.select(t.course, func.count(func.distinct(t.person_id)))
        .where(t.completed_on <= end, or_(t.expires_on.is_(None), t.expires_on >= end))
        .group_by(t.course)
    ).all()
    trained = pd.DataFrame(trained_rows, columns=["course", "people"])

    return MetricInputs(teams_total, teams_covered, sessions, debrief_requests, debrief_waits, trained)
