"""SQL for the programme figures: aggregation happens in the database, results come back as DataFrames."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Integer, and_, case, cast, exists, func, select
from sqlalchemy.orm import aliased

from programme.debriefs.models import DebriefRequest, debrief_affected_teams
from programme.models import Kind, ProgrammeSession, Status
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
    debrief_waits: pd.DataFrame  # delivered debriefs with requested_on, counted by wait: days, debriefs
    trained: pd.DataFrame  # course, people


def load_metric_inputs(start: dt.date, end: dt.date, team_ids: list[int] | None = None, *,
                       team_counts: tuple[int, int] | None = None,
                       supervision_delivered: tuple[int, int] | None = None) -> MetricInputs:
    """Aggregate sessions, teams and training for the inclusive period ``start``..``end``.

    ``team_ids`` narrows teams and sessions to some teams (dashboard filters); None means all.
    Training counts stay programme-wide: facilitators serve every team. ``team_counts`` (active teams,
    teams covered), when the caller has already counted them the same way (``coverage_by_group``), saves
    counting them again. So does ``supervision_delivered`` (delivered supervision sessions and their
    attendances, summed from ``supervision_by_service_month`` over the same period and teams): the
    sessions are then grouped without them, which reads only the debriefs and the sessions not delivered
    (most of a programme's sessions are delivered supervision, and the dashboard has just counted them).
    """
    s = ProgrammeSession
    in_period = s.date.between(start, end)
    if team_ids is not None:
        in_period = in_period & s.team_id.in_(team_ids)
    team_filter = Team.active.is_(True) if team_ids is None else Team.active.is_(True) & Team.id.in_(team_ids)

    if team_counts is not None:
        teams_total, teams_covered = team_counts
    else:
        teams_total = db.session.scalar(db.select(func.count()).select_from(Team).where(team_filter)) or 0
        # One probe per team on its (team_id, date) index rather than every session of the period: the same
        # count (active teams with a delivered supervision session in the period), whatever their number.
        teams_covered = db.session.scalar(
            db.select(func.count()).select_from(Team).where(team_filter, _covered(start, end))
        ) or 0

    which = in_period
    if supervision_delivered is not None:
        # Every session but delivered supervision, put so that the (kind, status, date) index finds them:
        # a session's kind and status can only be the listed values (check constraints in the schema).
        not_delivered = [value.value for value in Status if value is not Status.DELIVERED]
        which = which & ((s.kind == Kind.DEBRIEF.value)
                         | ((s.kind == Kind.SUPERVISION.value) & s.status.in_(not_delivered)))
    grouped = _tuples(db.session.execute(
        db.select(
            s.kind, s.status, s.format, s.incident_category,
            func.count().label("sessions"), func.coalesce(func.sum(s.attendees), 0).label("attendees"),
        )
        .where(which)
        .group_by(s.kind, s.status, s.format, s.incident_category)
    ))
    if supervision_delivered is not None and supervision_delivered[0]:
        # Supervision is always a group session with no incident category (check constraints again).
        grouped.append((Kind.SUPERVISION.value, Status.DELIVERED.value, "group", None, *supervision_delivered))
    sessions = pd.DataFrame(grouped, columns=["kind", "status", "format", "incident_category", "sessions", "attendees"])

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

    days = wait_days(s).label("days")
    waits = db.session.execute(
        db.select(days, func.count()).where(
            s.kind == Kind.DEBRIEF.value, s.status == Status.DELIVERED.value, in_period, s.requested_on.is_not(None)
        ).group_by(days)
    ).all()
    debrief_waits = pd.DataFrame(_tuples(waits), columns=["days", "debriefs"]).astype("int64")

    t = TrainingRecord
    trained_rows = db.session.execute(
        db.select(t.course, func.count(func.distinct(t.person_id))).where(t.valid_on(end)).group_by(t.course)
    ).all()
    trained = pd.DataFrame(_tuples(trained_rows), columns=["course", "people"])

    return MetricInputs(teams_total, teams_covered, sessions, debrief_requests, debrief_waits, trained)


# ---------------------------------------------------------------------------------------------
# Dashboard series


def wait_days(s):
    """Whole days from a debrief's request to its session, in the database's own dialect."""
    if db.engine.dialect.name == "sqlite":
        return cast(func.julianday(s.date) - func.julianday(s.requested_on), Integer)
    return s.date - s.requested_on  # PostgreSQL: date minus date is a whole number of days


def _delivered_supervision(s, team):
    return and_(s.team_id == team.id, s.kind == Kind.SUPERVISION.value, s.status == Status.DELIVERED.value)


def _covered(start: dt.date, end: dt.date):
    """The team (``Team``) had a delivered supervision session from ``start`` to ``end``."""
    s = aliased(ProgrammeSession)
    return exists().where(_delivered_supervision(s, Team), s.date.between(start, end)).correlate(Team)


def month_of(column):
    """``YYYY-MM`` of a date column, in the database's own dialect."""
    if db.engine.dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


def month_number(column):
    """``year * 12 + month - 1`` of a date column: a whole number, far cheaper to group by than text."""
    if db.engine.dialect.name == "sqlite":
        return cast(func.strftime("%Y", column), Integer) * 12 + cast(func.strftime("%m", column), Integer) - 1
    return cast(func.date_part("year", column) * 12 + func.date_part("month", column) - 1, Integer)


def month_key(number: int) -> str:
    """``YYYY-MM`` of a :func:`month_number`."""
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


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


def team_month_sessions(start: dt.date, end: dt.date, team_ids: list[int] | None = None) -> pd.DataFrame:
    """Delivered supervision per active team per month: team_id, month, sessions."""
    s = ProgrammeSession
    month = month_number(s.date).label("month")
    rows = db.session.execute(
        db.select(s.team_id, month, func.count())
        .join(Team, Team.id == s.team_id)
        .where(_sessions_where(start, end, team_ids), Team.active.is_(True), s.kind == Kind.SUPERVISION.value,
               s.status == Status.DELIVERED.value)
        .group_by(s.team_id, month)
    ).all()
    frame = pd.DataFrame(_tuples(rows), columns=["team_id", "month", "sessions"])
    keys = {number: month_key(int(number)) for number in frame["month"].unique()}  # a few dozen months
    frame["month"] = frame["month"].map(keys)
    return frame


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


# ---------------------------------------------------------------------------------------------
# A national programme: figures by service and agency, and teams one page at a time. Each is one
# statement whatever the number of teams; only what a page shows comes back.

GAP_DAYS = 42  # no delivered supervision for more than six weeks before the period's end


def _team_status(start: dt.date, end: dt.date, team_ids: list[int] | None, *, covered: bool = True):
    """Active teams, whether they had delivered supervision in the period (a probe of each team's own index
    entries) and whether they have gone over six weeks without by ``end``: no delivered supervision from
    ``end - 42 days`` to ``end``, the same as a last session more than 42 days before ``end``, or none
    (the six weeks' sessions are read once, however many teams)."""
    s = aliased(ProgrammeSession)
    recent = select(s.team_id).where(
        s.kind == Kind.SUPERVISION.value, s.status == Status.DELIVERED.value,
        s.date.between(end - dt.timedelta(days=GAP_DAYS), end),
    )
    columns = [Team.id.label("team_id"), Team.name.label("team"), Team.service.label("service"),
               Team.agency_id.label("agency_id"), case((Team.id.in_(recent), 0), else_=1).label("gap")]
    if covered:
        columns.append(case((_covered(start, end), 1), else_=0).label("covered"))
    query = select(*columns).where(Team.active.is_(True))
    if team_ids is not None:
        query = query.where(Team.id.in_(team_ids))
    status = query.subquery()
    return status, status.c.gap == 1


def _last_supervision(team_id, end: dt.date):
    """The team's last delivered supervision by ``end`` (read for the teams a page shows only)."""
    s = aliased(ProgrammeSession)
    return (
        select(func.max(s.date))
        .where(s.team_id == team_id, s.kind == Kind.SUPERVISION.value, s.status == Status.DELIVERED.value, s.date <= end)
        .scalar_subquery()
    )


def coverage_by_group(start: dt.date, end: dt.date, team_ids: list[int] | None = None) -> pd.DataFrame:
    """Active teams by service and agency: service, agency_id, agency, teams, covered, gaps."""
    status, gap = _team_status(start, end, team_ids)
    rows = db.session.execute(
        select(status.c.service, status.c.agency_id, Agency.name, func.count(), func.sum(status.c.covered),
               func.sum(case((gap, 1), else_=0)))
        .join(Agency, Agency.id == status.c.agency_id)
        .group_by(status.c.service, status.c.agency_id, Agency.name)
        .order_by(status.c.service, Agency.name)
    ).all()
    frame = pd.DataFrame(_tuples(rows), columns=["service", "agency_id", "agency", "teams", "covered", "gaps"])
    return frame.astype({"teams": "int64", "covered": "int64", "gaps": "int64"})


def teams_page(start: dt.date, end: dt.date, team_ids: list[int] | None, *, gaps_only: bool, page: int,
               per_page: int) -> tuple[pd.DataFrame, int]:
    """One page of active teams (those over six weeks without supervision first, longest first; or all by
    name) with service, agency, last session and sessions in the period; and how many teams in all."""
    status, gap = _team_status(start, end, team_ids, covered=False)
    s = aliased(ProgrammeSession)
    in_period = (
        select(func.count()).where(s.team_id == status.c.team_id, s.kind == Kind.SUPERVISION.value,
                                   s.status == Status.DELIVERED.value, s.date.between(start, end))
        .correlate(status).scalar_subquery()
    )
    last = _last_supervision(status.c.team_id, end).label("last_session")
    query = (
        select(status.c.team_id, status.c.team, status.c.service, Agency.name, last, in_period, gap,
               func.count().over())
        .join(Agency, Agency.id == status.c.agency_id)
    )
    if gaps_only:  # longest without first: the teams never supervised, then by their last session
        query = query.where(gap).order_by(last.asc().nulls_first(), status.c.team)
    else:
        query = query.order_by(status.c.team)
    rows = _tuples(db.session.execute(query.limit(per_page).offset((page - 1) * per_page)))
    frame = pd.DataFrame([row[:-1] for row in rows], columns=["team_id", "team", "service", "agency", "last_session",
                                                              "sessions_in_period", "gap"])
    return frame, (rows[0][-1] if rows else 0)


def supervision_by_service_month(start: dt.date, end: dt.date, team_ids: list[int] | None = None) -> pd.DataFrame:
    """Delivered supervision by service, team standing and month: service, active, month, sessions,
    attendances. Teams that closed keep their sessions in the monthly totals, as in ``flask metrics``.
    (One pass over the period's sessions into a few hundred groups: counting distinct teams a month
    instead costs a group per team and month, several times as much on a large programme. The sessions are
    grouped by day first and the days by month: working out the month of every session cost more than the
    grouping itself, and there are far fewer days than sessions.)"""
    s = ProgrammeSession
    by_day = (
        select(Team.service.label("service"), Team.active.label("active"), s.date.label("day"),
               func.count().label("sessions"), func.coalesce(func.sum(s.attendees), 0).label("attendances"))
        .join(Team, Team.id == s.team_id)
        .where(_sessions_where(start, end, team_ids), s.kind == Kind.SUPERVISION.value,
               s.status == Status.DELIVERED.value)
        .group_by(Team.service, Team.active, s.date)
        .subquery()
    )
    month = month_number(by_day.c.day).label("month")
    rows = db.session.execute(
        select(by_day.c.service, by_day.c.active, month, func.sum(by_day.c.sessions), func.sum(by_day.c.attendances))
        .group_by(by_day.c.service, by_day.c.active, month)
    ).all()
    frame = pd.DataFrame([(service, active, month_key(int(month)), *counts) for service, active, month, *counts in rows],
                         columns=["service", "active", "month", "sessions", "attendances"])
    return frame.astype({"active": "bool", "sessions": "int64", "attendances": "int64"})


def facilitator_load(start: dt.date, end: dt.date, team_ids: list[int] | None = None,
                     limit: int = 20) -> tuple[pd.DataFrame, int]:
    """The busiest facilitators (sessions delivered or planned): facilitator, supervision, debrief, total;
    and how many facilitators had any. Names are looked up for the busiest only."""
    s = ProgrammeSession
    total = func.count()
    busiest = (
        select(s.facilitator_id, func.sum(case((s.kind == Kind.SUPERVISION.value, 1), else_=0)).label("supervision"),
               func.sum(case((s.kind == Kind.DEBRIEF.value, 1), else_=0)).label("debrief"), total.label("total"),
               func.count().over().label("facilitators"))
        .where(_sessions_where(start, end, team_ids), s.status != Status.CANCELLED.value, s.facilitator_id.is_not(None))
        .group_by(s.facilitator_id)
        .order_by(total.desc(), s.facilitator_id)
        .limit(limit)
        .subquery()
    )
    rows = _tuples(db.session.execute(
        select(Person.name, busiest.c.supervision, busiest.c.debrief, busiest.c.total, busiest.c.facilitators)
        .join(Person, Person.id == busiest.c.facilitator_id)
        .order_by(busiest.c.total.desc(), Person.name)
    ))
    frame = pd.DataFrame([row[:-1] for row in rows], columns=["facilitator", "supervision", "debrief", "total"])
    return frame.astype({"supervision": "int64", "debrief": "int64", "total": "int64"}), (rows[0][-1] if rows else 0)


def training_expiring_soonest(today: dt.date, days: int, limit: int = 20) -> tuple[pd.DataFrame, int]:
    """The first ``limit`` training records expiring from ``today`` to ``today + days`` (name, course,
    expires_on), and how many expire in all."""
    t = TrainingRecord
    rows = _tuples(db.session.execute(
        select(Person.name, t.course, t.expires_on, func.count().over())
        .join(Person, Person.id == t.person_id)
        .where(t.expires_on.between(today, today + dt.timedelta(days=days)))
        .order_by(t.expires_on, Person.name)
        .limit(limit)
    ))
    return pd.DataFrame([row[:-1] for row in rows], columns=["name", "course", "expires_on"]), (rows[0][-1] if rows else 0)


def service_choices() -> list[str]:
    return list(db.session.scalars(
        select(Team.service).where(Team.active.is_(True), Team.service != "").distinct().order_by(Team.service)
    ))


def team_choices(service: str, agency_id: int | None, limit: int) -> list[tuple[int, str]] | None:
    """Active teams of a service or agency, by name, for a filter's list; None when there are more than
    ``limit`` (a list no one can read: teams are then chosen from the dashboard's own lists)."""
    query = select(Team.id, Team.name).where(Team.active.is_(True)).order_by(Team.name).limit(limit + 1)
    if service:
        query = query.where(Team.service == service)
    if agency_id:
        query = query.where(Team.agency_id == agency_id)
    rows = _tuples(db.session.execute(query))
    return rows if len(rows) <= limit else None
