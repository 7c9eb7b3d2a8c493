"""A team's supervision series: planning every occurrence, creating it, changing and cancelling sessions.

Each problem names the input it is about (``first_date``, ``facilitator``, ``location``...), as the
series and session forms call them, so pages show it beside that field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dateutil import rrule

from programme.calendars import event_changed
from programme.dates import bank_holidays
from programme.errors import Conflict, ProgrammeError
from programme.models import (
    MAX_PLACES,
    Booking,
    BookingStatus,
    Kind,
    Pattern,
    ProgrammeSession,
    SkippedDate,
    Status,
    SupervisionSeries,
)
from programme.rules import skipped_hour, somewhere
from programme.supervision.facilitators import facilitator_problems
from programme.supervision.places import effective_capacity, lock_session, promote_waiting
from rosters import audit
from rosters.clock import local_to_utc, today_uk, utcnow
from rosters.errors import Problem, refuse_if
from rosters.extensions import db
from rosters.models import Person, Team

MAX_SERIES_DAYS = 550  # about 18 months of sessions generated ahead at most


def recurrence_dates(
    pattern: str,
    weekday: int,
    first: dt.date,
    last: dt.date,
    interval_weeks: int | None = None,
    week_of_month: int | None = None,
) -> list[dt.date]:
    """Every date the pattern falls on from ``first`` to ``last`` inclusive."""
    day = rrule.weekday(weekday)
    if pattern == Pattern.EVERY_N_WEEKS:
        rule = rrule.rrule(rrule.WEEKLY, interval=interval_weeks or 1, byweekday=day, dtstart=first, until=last)
    else:
        rule = rrule.rrule(rrule.MONTHLY, byweekday=day(week_of_month), dtstart=first, until=last)
    return [moment.date() for moment in rule]


@dataclass
class SeriesPlan:
    """What a series would create: the dates it meets, those it skips, and anything stopping it."""

    dates: list[dt.date] = field(default_factory=list)
    skipped: dict[dt.date, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        """Each problem once, in the order found."""
        return list(dict.fromkeys(problem.text for problem in self.problems))


@dataclass
class SeriesRequest:
    team: Team
    facilitator: Person
    pattern: str
    weekday: int
    first_date: dt.date
    last_date: dt.date
    start_time: dt.time
    duration_minutes: int
    capacity: int
    interval_weeks: int | None = None
    week_of_month: int | None = None
    location: str = ""
    online_link: str = ""


def plan_series(request: SeriesRequest) -> SeriesPlan:
    """Work out every occurrence and check each one, not just the first."""
    plan = SeriesPlan()
    if request.last_date < request.first_date:
        plan.problems.append(Problem("The last date must be on or after the first date", "last_date"))
        return plan
    if request.first_date < today_uk():
        plan.problems.append(Problem("The first date must be today or later", "first_date"))
    if (request.last_date - request.first_date).days > MAX_SERIES_DAYS:
        plan.problems.append(Problem("A series can run for up to 18 months; add another series after that", "last_date"))
        return plan
    if not request.team.active:
        plan.problems.append(Problem(f"{request.team.name} is not an active team", "team"))
    plan.problems += filter(None, [somewhere(request.location, request.online_link)])
    closed = bank_holidays(request.first_date, request.last_date)
    for day in recurrence_dates(
        request.pattern, request.weekday, request.first_date, request.last_date,
        request.interval_weeks, request.week_of_month,
    ):
        if day in closed:
            plan.skipped[day] = closed[day]
            continue
        if problem := skipped_hour(day, request.start_time):
            plan.problems.append(problem)
            continue
        plan.dates.append(day)
        plan.problems += facilitator_problems(
            request.facilitator, request.team, day, request.start_time, request.duration_minutes
        )
    if not plan.dates and not plan.problems:
        plan.problems.append(Problem("The pattern gives no dates between the first and last date", "pattern"))
    return plan


def create_series(request: SeriesRequest) -> SupervisionSeries:
    """Create a series and its dated sessions; refuse with every problem if any occurrence has one."""
    plan = plan_series(request)
    refuse_if(list(dict.fromkeys(plan.problems)), ProgrammeError)
    series = SupervisionSeries(
        team=request.team,
        facilitator=request.facilitator,
        pattern=request.pattern,
        interval_weeks=request.interval_weeks if request.pattern == Pattern.EVERY_N_WEEKS else None,
        week_of_month=request.week_of_month if request.pattern == Pattern.NTH_WEEKDAY_MONTHLY else None,
        weekday=request.weekday,
        first_date=request.first_date,
        last_date=request.last_date,
        start_time=request.start_time,
        duration_minutes=request.duration_minutes,
        capacity=request.capacity,
        location=request.location.strip(),
        online_link=request.online_link.strip(),
    )
    db.session.add(series)
    for day in plan.dates:
        db.session.add(
            ProgrammeSession(
                series=series,
                kind=Kind.SUPERVISION.value,
                format="group",
                team=request.team,
                date=day,
                starts_at=local_to_utc(day, request.start_time),
                duration_minutes=request.duration_minutes,
                facilitator=request.facilitator,
                status=Status.SCHEDULED.value,
                capacity=request.capacity,
                location=series.location,
                online_link=series.online_link,
            )
        )
    for day, reason in plan.skipped.items():
        series.skipped.append(SkippedDate(date=day, reason=reason))
    db.session.flush()
    audit.record("series_created", series, detail=f"{len(plan.dates)} sessions, {len(plan.skipped)} skipped")
    return series


@dataclass
class Change:
    """What changed on a session, for telling the people booked on it."""

    session: ProgrammeSession
    what: list[str]
    promoted: list[Booking] = field(default_factory=list)
    retimed: bool = False  # its day, time or length changed (``what`` says the new time)
    event_changed: bool = False  # time, length, place or link: calendars get a new SEQUENCE


def is_changeable(session: ProgrammeSession) -> bool:
    """Scheduled and not yet started: its time, place and places may still change."""
    return session.status == Status.SCHEDULED.value and not session.has_started()


def require_scheduled(session: ProgrammeSession) -> None:
    if session.status != Status.SCHEDULED.value:
        raise Conflict(f"This session is {session.status}; only a scheduled session can be changed")


def edit_occurrence(
    session: ProgrammeSession,
    *,
    day: dt.date,
    start: dt.time,
    duration_minutes: int,
    capacity: int,
    location: str,
    online_link: str,
) -> Change:
    """Change one dated session; the series' facilitator stays on it."""
    session = lock_session(session.id)
    require_scheduled(session)
    if session.has_started():
        raise Conflict("This session has already started; take the register instead")
    problems = []
    if day < today_uk():
        problems.append(Problem("The new date must be today or later", "day"))
    closed = bank_holidays(day, day)
    if day in closed:
        problems.append(Problem(f"{day:%-d %B %Y} is a bank holiday ({closed[day]})", "day"))
    problems += filter(None, [skipped_hour(day, start), somewhere(location, online_link)])
    if session.facilitator is not None:
        problems += facilitator_problems(
            session.facilitator, session.team, day, start, duration_minutes, ignore_session_id=session.id
        )
    refuse_if(problems, ProgrammeError)
    before = (session.starts_local, session.duration_minutes, session.location, session.online_link)
    old_capacity = effective_capacity(session)
    session.date = day
    session.starts_at = local_to_utc(day, start)
    session.duration_minutes = duration_minutes
    session.location = location.strip()
    session.online_link = online_link.strip()
    check_capacity(session, capacity)
    session.capacity = capacity
    change = told_of_change(session, before, old_capacity)
    if change.event_changed:
        event_changed(session)
    db.session.flush()
    audit.record("session_changed", session, detail="; ".join(change.what))
    return change


def edit_future(
    series: SupervisionSeries,
    *,
    start: dt.time,
    duration_minutes: int,
    capacity: int,
    location: str,
    online_link: str,
    from_date: dt.date | None = None,
) -> list[Change]:
    """Change every scheduled session of a series from ``from_date`` (default today) on."""
    from_date = from_date or today_uk()
    refuse_if(list(filter(None, [somewhere(location, online_link)])), ProgrammeError)
    # Sessions still to start: one earlier today has happened and its people are not told of changes.
    future = [s for s in series.sessions if is_changeable(s) and s.date >= from_date]
    problems: list[Problem] = []
    for session in future:
        problems += filter(None, [skipped_hour(session.date, start)])
        problems += facilitator_problems(
            series.facilitator, series.team, session.date, start, duration_minutes, ignore_session_id=session.id
        )
        if capacity < session.booked_count:
            problems.append(Problem(
                f"{session.date:%-d %B %Y} already has {session.booked_count} places booked; capacity cannot be lower",
                "capacity"))
    refuse_if(list(dict.fromkeys(problems)), ProgrammeError)
    changes = [
        edit_occurrence(session, day=session.date, start=start, duration_minutes=duration_minutes, capacity=capacity,
                        location=location, online_link=online_link)
        for session in future
    ]
    series.start_time = start
    series.duration_minutes = duration_minutes
    series.capacity = capacity
    series.location = location.strip()
    series.online_link = online_link.strip()
    db.session.flush()
    audit.record("series_changed", series, detail=f"{len(changes)} future sessions")
    return changes


def describe_change(before: tuple, session: ProgrammeSession) -> list[str]:
    """What changed since ``before`` (its UK start, length, place and link), in words for the people booked."""
    starts, duration, location, link = before
    what = []
    if starts != session.starts_local or duration != session.duration_minutes:
        what.append(f"it is now {session.when}")
    if location != session.location:
        what.append(f"the place is now {session.location or 'online only'}")
    if link != session.online_link:
        what.append("the online link has changed")
    return what


def told_of_change(session: ProgrammeSession, before: tuple, places_before: int) -> Change:
    """What the people on a locked session are told once its new values are set: what changed since
    ``before`` (its UK start, length, place and link) and ``places_before``. Reminders sent for an old time
    go again before the new one, and any free places go to the people waiting, in turn. The caller marks
    the calendar event changed (``change.event_changed``)."""
    change = Change(session, describe_change(before, session))
    change.retimed = session.starts_local != before[0] or session.duration_minutes != before[1]
    change.event_changed = bool(change.what)  # the capacity, added below, is not part of the event
    if session.starts_local != before[0]:
        # A reminder sent for the old time says nothing about the new one: remind again before it.
        for booking in session.bookings:
            booking.reminder_sent_at = None
    db.session.flush()
    change.promoted = promote_waiting(session)
    places = effective_capacity(session)
    if places != places_before:
        change.what.append(f"there are now {places} places")
    return change


def check_capacity(session: ProgrammeSession, capacity: int) -> None:
    """Refuse places outside 1 to MAX_PLACES, or fewer than those already booked."""
    if not 1 <= capacity <= MAX_PLACES:
        raise ProgrammeError(Problem(f"Capacity must be between 1 and {MAX_PLACES}", "capacity"))
    if capacity < session.booked_count:
        raise ProgrammeError(Problem(
            f"{session.booked_count} places are already booked; capacity cannot be lower than that", "capacity"))


def set_capacity(session: ProgrammeSession, capacity: int) -> list[Booking]:
    """Change a locked session's places; never below those booked. Returns people promoted."""
    check_capacity(session, capacity)
    session.capacity = capacity
    db.session.flush()
    return promote_waiting(session)


def change_capacity(session_id: int, capacity: int) -> list[Booking]:
    """Change the number of places on a session; raising it promotes people waiting."""
    session = lock_session(session_id)
    require_scheduled(session)
    promoted = set_capacity(session, capacity)
    audit.record("capacity_changed", session, detail=f"{capacity} places, {len(promoted)} promoted")
    return promoted


def cancel_session(session: ProgrammeSession, reason: str) -> list[Booking]:
    """Cancel one dated session; returns the bookings (places and queue) to tell."""
    session = lock_session(session.id)
    require_scheduled(session)
    if not reason.strip():
        raise ProgrammeError(Problem("Say why the session is cancelled", "reason"))
    affected = [b for b in session.bookings if b.is_live]
    now = utcnow()
    for booking in affected:
        booking.status = BookingStatus.CANCELLED.value
        booking.cancelled_at = now
    session.booked_count = 0
    session.status = Status.CANCELLED.value
    event_changed(session)
    session.cancelled_reason = reason.strip()
    db.session.flush()
    audit.record("session_cancelled", session, detail=f"{len(affected)} people told")
    return affected
