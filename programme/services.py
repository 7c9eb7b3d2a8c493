"""Supervision series, bookable slots, bookings and the waitlist.

Every change to a session's places happens under that session's lock (``lock_session``): a row lock
on PostgreSQL, the database write lock (``BEGIN IMMEDIATE``) on SQLite. The counter ``booked_count``
is also moved by a conditional UPDATE and bounded by a CHECK constraint, so an over-filled session is
refused by the database even if the code above it were wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import holidays
from dateutil import rrule
from flask import current_app
from sqlalchemy import func, update

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
    local_to_utc,
    uk_time_exists,
)
from rosters import audit
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from rosters.models import Course, Person, Role, Team, TrainingRecord

MAX_SERIES_DAYS = 550  # about 18 months of sessions generated ahead at most


class ProgrammeError(ValueError):
    """A request that cannot be carried out; the message is for the person who asked."""


class NotAllowed(ProgrammeError):
    """The person may not do this (HTTP 403)."""


class Conflict(ProgrammeError):
    """The request clashes with the current state, e.g. already booked (HTTP 409)."""


# ---------------------------------------------------------------------------------------------
# Dates


def bank_holidays(first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """Bank holidays in England and Wales between two dates, with their names."""
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(first.year, last.year + 1))
    return {day: name for day, name in calendar.items() if first <= day <= last}


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


def effective_capacity(session: ProgrammeSession) -> int:
    """Places on a session: its own capacity, or the programme default when it has none."""
    return session.capacity if session.capacity is not None else current_app.config["DEFAULT_SESSION_CAPACITY"]


# ---------------------------------------------------------------------------------------------
# Facilitators


def training_valid_on(person: Person, course: Course, day: dt.date) -> bool:
    """True if the person holds training for ``course`` completed by ``day`` and not expired before it."""
    return any(
        record.course == course.value
        and record.completed_on <= day
        and (record.expires_on is None or record.expires_on >= day)
        for record in person.training
    )


def training_valid_throughout(person: Person, course: Course, first: dt.date, last: dt.date) -> bool:
    """True if the person holds valid training for ``course`` on every day from ``first`` to ``last``.

    A renewal completed before the old record expires carries cover on, so records are chained.
    """
    records = sorted((r for r in person.training if r.course == course.value), key=lambda r: r.completed_on)
    covered_to = first - dt.timedelta(days=1)  # every day up to this one is covered
    for record in records:
        if record.completed_on > covered_to + dt.timedelta(days=1):
            return False  # a day with no valid training: every later record starts later still
        if record.expires_on is None:
            return True
        covered_to = max(covered_to, record.expires_on)
        if covered_to >= last:
            return True
    return False


def team_managers(team: Team) -> list[Person]:
    return [person for person in team.people if person.role == Role.MANAGER.value]


def facilitator_load(person_ids: list[int], first: dt.date, last: dt.date) -> dict[int, int]:
    """Supervision sessions each person facilitates (scheduled or delivered) between two dates."""
    rows = db.session.execute(
        db.select(ProgrammeSession.facilitator_id, func.count())
        .where(
            ProgrammeSession.facilitator_id.in_(person_ids),
            ProgrammeSession.kind == Kind.SUPERVISION.value,
            ProgrammeSession.status != Status.CANCELLED.value,
            ProgrammeSession.date.between(first, last),
        )
        .group_by(ProgrammeSession.facilitator_id)
    ).all()
    loads = dict.fromkeys(person_ids, 0)
    loads.update({person_id: number for person_id, number in rows})
    return loads


@dataclass(frozen=True)
class FacilitatorOption:
    person: Person
    load: int


def suggest_facilitators(team: Team, first: dt.date, last: dt.date) -> list[FacilitatorOption]:
    """People who may facilitate this team's supervision over the dates, least loaded first.

    They need peer_supervision training valid on every date from first to last (someone whose training
    lapses part-way would be refused by ``plan_series``, so suggesting them helps no one), and are never
    the team's own manager.
    """
    excluded = {person.id for person in team_managers(team)}
    trained = db.session.scalars(
        db.select(Person)
        .join(TrainingRecord, TrainingRecord.person_id == Person.id)
        .where(TrainingRecord.course == Course.PEER_SUPERVISION.value, Person.enabled.is_(True))
        .distinct()
    ).all()
    eligible = [
        p for p in trained
        if p.id not in excluded and training_valid_throughout(p, Course.PEER_SUPERVISION, first, last)
    ]
    loads = facilitator_load([p.id for p in eligible], first, last)
    options = [FacilitatorOption(person, loads[person.id]) for person in eligible]
    return sorted(options, key=lambda option: (option.load, option.person.name.lower()))


def facilitator_problems(
    person: Person, team: Team, day: dt.date, start: dt.time, duration: int, *, ignore_session_id: int | None = None
) -> list[str]:
    """Why ``person`` cannot facilitate this team's session on ``day`` (empty when they can)."""
    problems = []
    if person.id in {manager.id for manager in team_managers(team)}:
        problems.append(f"{person.name} manages {team.name}; choose a facilitator from outside the team's management")
    if not training_valid_on(person, Course.PEER_SUPERVISION, day):
        problems.append(f"{person.name} has no valid reflexive peer-group supervision training on {day:%-d %B %Y}")
    starts = local_to_utc(day, start)
    ends = starts + dt.timedelta(minutes=duration)
    clashes = db.session.scalars(
        db.select(ProgrammeSession).where(
            ProgrammeSession.facilitator_id == person.id,
            ProgrammeSession.status != Status.CANCELLED.value,
            ProgrammeSession.date == day,
            ProgrammeSession.id != (ignore_session_id or 0),
        )
    ).all()
    for other in clashes:
        other_ends = other.starts_at + dt.timedelta(minutes=other.duration_minutes)
        if other.starts_at < ends and starts < other_ends:
            problems.append(
                f"{person.name} already facilitates {other.team.name} from {other.starts_local:%H:%M} on {day:%-d %B %Y}"
            )
    return problems


# ---------------------------------------------------------------------------------------------
# Series


@dataclass
class SeriesPlan:
    """What a series would create: the dates it meets, those it skips, and anything stopping it."""

    dates: list[dt.date] = field(default_factory=list)
    skipped: dict[dt.date, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


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
    today = today_uk()
    plan = SeriesPlan()
    if request.last_date < request.first_date:
        plan.problems.append("The last date must be on or after the first date")
        return plan
    if request.first_date < today:
        plan.problems.append("The first date must be today or later")
    if (request.last_date - request.first_date).days > MAX_SERIES_DAYS:
        plan.problems.append("A series can run for up to 18 months; add another series after that")
        return plan
    if not request.team.active:
        plan.problems.append(f"{request.team.name} is not an active team")
    if not (request.location.strip() or request.online_link.strip()):
        plan.problems.append("Give a place or an online link")
    closed = bank_holidays(request.first_date, request.last_date)
    for day in recurrence_dates(
        request.pattern, request.weekday, request.first_date, request.last_date,
        request.interval_weeks, request.week_of_month,
    ):
        if day in closed:
            plan.skipped[day] = closed[day]
            continue
        if not uk_time_exists(day, request.start_time):
            plan.problems.append(f"{request.start_time:%H:%M} does not exist on {day:%-d %B %Y} (the clocks go forward)")
            continue
        plan.dates.append(day)
        for problem in facilitator_problems(
            request.facilitator, request.team, day, request.start_time, request.duration_minutes
        ):
            plan.problems.append(problem)
    if not plan.dates and not plan.problems:
        plan.problems.append("The pattern gives no dates between the first and last date")
    return plan


def create_series(request: SeriesRequest) -> SupervisionSeries:
    """Create a series and its dated sessions; refuse with every problem if any occurrence has one."""
    plan = plan_series(request)
    if plan.problems:
        raise ProgrammeError("\n".join(dict.fromkeys(plan.problems)))
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
    _require_scheduled(session)
    if session.starts_at <= utcnow():
        raise Conflict("This session has already started; take the register instead")
    problems = []
    if day < today_uk():
        problems.append("The new date must be today or later")
    closed = bank_holidays(day, day)
    if day in closed:
        problems.append(f"{day:%-d %B %Y} is a bank holiday ({closed[day]})")
    if not uk_time_exists(day, start):
        problems.append(f"{start:%H:%M} does not exist on {day:%-d %B %Y} (the clocks go forward)")
    if not (location.strip() or online_link.strip()):
        problems.append("Give a place or an online link")
    if session.facilitator is not None:
        problems += facilitator_problems(
            session.facilitator, session.team, day, start, duration_minutes, ignore_session_id=session.id
        )
    if problems:
        raise ProgrammeError("\n".join(problems))
    before = (session.starts_local, session.duration_minutes, session.location, session.online_link)
    old_capacity = effective_capacity(session)
    session.date = day
    session.starts_at = local_to_utc(day, start)
    session.duration_minutes = duration_minutes
    session.location = location.strip()
    session.online_link = online_link.strip()
    change = Change(session, _describe_change(before, session))
    if session.starts_local != before[0]:
        # A reminder sent for the old time says nothing about the new one: remind again before it.
        for booking in session.bookings:
            booking.reminder_sent_at = None
    change.promoted = _set_capacity(session, capacity)
    if capacity != old_capacity:
        change.what.append(f"there are now {capacity} places")
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
    if not (location.strip() or online_link.strip()):
        raise ProgrammeError("Give a place or an online link")
    now = utcnow()
    # Sessions still to start: one earlier today has happened and its people are not told of changes.
    future = [s for s in series.sessions
              if s.status == Status.SCHEDULED.value and s.date >= from_date and s.starts_at > now]
    problems = []
    for session in future:
        if not uk_time_exists(session.date, start):
            problems.append(f"{start:%H:%M} does not exist on {session.date:%-d %B %Y} (the clocks go forward)")
        problems += facilitator_problems(
            series.facilitator, series.team, session.date, start, duration_minutes, ignore_session_id=session.id
        )
        if capacity < session.booked_count:
            problems.append(
                f"{session.date:%-d %B %Y} already has {session.booked_count} places booked; capacity cannot be lower"
            )
    if problems:
        raise ProgrammeError("\n".join(dict.fromkeys(problems)))
    changes = []
    for session in future:
        change = edit_occurrence(
            session, day=session.date, start=start, duration_minutes=duration_minutes, capacity=capacity,
            location=location, online_link=online_link,
        )
        changes.append(change)
    series.start_time = start
    series.duration_minutes = duration_minutes
    series.capacity = capacity
    series.location = location.strip()
    series.online_link = online_link.strip()
    db.session.flush()
    audit.record("series_changed", series, detail=f"{len(changes)} future sessions")
    return changes


def _describe_change(before: tuple, session: ProgrammeSession) -> list[str]:
    starts, duration, location, link = before
    what = []
    if starts != session.starts_local or duration != session.duration_minutes:
        what.append(f"it is now {session.starts_local:%A %-d %B %Y, %H:%M} to {session.ends_local:%H:%M}")
    if location != session.location:
        what.append(f"the place is now {session.location or 'online only'}")
    if link != session.online_link:
        what.append("the online link has changed")
    return what


def cancel_session(session: ProgrammeSession, reason: str) -> list[Booking]:
    """Cancel one dated session; returns the bookings (places and queue) to tell."""
    session = lock_session(session.id)
    _require_scheduled(session)
    if not reason.strip():
        raise ProgrammeError("Say why the session is cancelled")
    affected = [b for b in session.bookings if b.status in (BookingStatus.BOOKED, BookingStatus.WAITLISTED)]
    now = utcnow()
    for booking in affected:
        booking.status = BookingStatus.CANCELLED.value
        booking.cancelled_at = now
    session.booked_count = 0
    session.status = Status.CANCELLED.value
    session.cancelled_reason = reason.strip()
    db.session.flush()
    audit.record("session_cancelled", session, detail=f"{len(affected)} people told")
    return affected


def _require_scheduled(session: ProgrammeSession) -> None:
    if session.status != Status.SCHEDULED.value:
        raise Conflict(f"This session is {session.status}; only a scheduled session can be changed")


# ---------------------------------------------------------------------------------------------
# Places


def lock_session(session_id: int) -> ProgrammeSession:
    """Load a session holding the lock that serialises every change to its places."""
    if db.engine.dialect.name == "sqlite":
        connection = db.session.connection()
        # pysqlite opens transactions lazily on the first write; take the write lock up front instead,
        # so two workers never both read "1 place left".
        if not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        session = db.session.get(ProgrammeSession, session_id, populate_existing=True)
    else:
        session = db.session.get(ProgrammeSession, session_id, with_for_update=True, populate_existing=True)
    if session is None:
        raise LookupError(session_id)
    return session


def is_bookable(session: ProgrammeSession) -> bool:
    """A scheduled supervision session that has not started yet."""
    return (
        session.kind == Kind.SUPERVISION.value and session.status == Status.SCHEDULED.value
        and session.starts_at > utcnow()
    )


def may_book(person: Person, session: ProgrammeSession) -> bool:
    """Team members (and their manager) book their own team's supervision; leads may book any."""
    return person.role == Role.LEAD.value or (person.team_id is not None and person.team_id == session.team_id)


def live_booking(session_id: int, person_id: int) -> Booking | None:
    return db.session.scalar(
        db.select(Booking).where(
            Booking.session_id == session_id,
            Booking.person_id == person_id,
            Booking.status.in_([BookingStatus.BOOKED.value, BookingStatus.WAITLISTED.value]),
        )
    )


def book_place(session_id: int, person: Person) -> Booking:
    """Give the person a place, or the next place in the queue when the session is full."""
    session = lock_session(session_id)
    if not may_book(person, session):
        raise NotAllowed("You can only book your own team's supervision")
    if not is_bookable(session):
        raise Conflict("This session cannot be booked: it has started, finished or been cancelled")
    if live_booking(session.id, person.id) is not None:
        raise Conflict("You already have a place or a waitlist place on this session")
    now = utcnow()
    if _take_place(session):
        booking = Booking(session=session, person=person, created_at=now, status=BookingStatus.BOOKED.value, booked_at=now)
    else:
        booking = Booking(session=session, person=person, created_at=now, status=BookingStatus.WAITLISTED.value)
    db.session.add(booking)
    db.session.flush()
    audit.record("place_booked" if booking.status == BookingStatus.BOOKED.value else "waitlist_joined", booking,
                 person=person)
    return booking


def _take_place(session: ProgrammeSession) -> bool:
    """Move the counter up by one if a place is free; the WHERE clause makes it atomic."""
    result = db.session.execute(
        update(ProgrammeSession)
        .where(ProgrammeSession.id == session.id, ProgrammeSession.booked_count < effective_capacity(session))
        .values(booked_count=ProgrammeSession.booked_count + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(session, ["booked_count"])
    return result.rowcount == 1


def waitlist_position(booking: Booking) -> int | None:
    """1 for the first person waiting, and so on; None for a booking that is not waiting."""
    if booking.status != BookingStatus.WAITLISTED.value:
        return None
    ahead = db.session.scalar(
        db.select(func.count()).select_from(Booking).where(
            Booking.session_id == booking.session_id,
            Booking.status == BookingStatus.WAITLISTED.value,
            Booking.id < booking.id,
        )
    )
    return (ahead or 0) + 1


def cancel_booking(booking_id: int, person: Person) -> Booking | None:
    """Give up a place or a queue entry; the first person waiting gets a freed place. Returns them."""
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise LookupError(booking_id)
    if booking.person_id != person.id and person.role != Role.LEAD.value:
        raise NotAllowed("You can only cancel your own booking")
    session = lock_session(booking.session_id)
    db.session.refresh(booking)
    if booking.status == BookingStatus.CANCELLED.value:
        raise Conflict("This booking is already cancelled")
    if session.status != Status.SCHEDULED.value or session.starts_at <= utcnow():
        raise Conflict("This session has started, finished or been cancelled")
    was_booked = booking.status == BookingStatus.BOOKED.value
    booking.status = BookingStatus.CANCELLED.value
    booking.cancelled_at = utcnow()
    promoted = None
    if was_booked:
        db.session.execute(
            update(ProgrammeSession)
            .where(ProgrammeSession.id == session.id)
            .values(booked_count=ProgrammeSession.booked_count - 1)
            .execution_options(synchronize_session=False)
        )
        db.session.flush()
        db.session.refresh(session, ["booked_count"])
        promoted_list = _promote(session)
        promoted = promoted_list[0] if promoted_list else None
    db.session.flush()
    audit.record("booking_cancelled", booking, person=person,
                 detail=f"booking {promoted.id} promoted from the waitlist" if promoted else "")
    return promoted


def _promote(session: ProgrammeSession) -> list[Booking]:
    """Fill free places from the front of the queue, under the session lock."""
    promoted = []
    queue = db.session.scalars(
        db.select(Booking)
        .where(Booking.session_id == session.id, Booking.status == BookingStatus.WAITLISTED.value)
        .order_by(Booking.id)
    ).all()
    for booking in queue:
        if not _take_place(session):
            break
        booking.status = BookingStatus.BOOKED.value
        booking.booked_at = utcnow()
        promoted.append(booking)
    db.session.flush()
    return promoted


def _set_capacity(session: ProgrammeSession, capacity: int) -> list[Booking]:
    """Change a locked session's places; never below those booked. Returns people promoted."""
    if not 1 <= capacity <= MAX_PLACES:
        raise ProgrammeError(f"Capacity must be between 1 and {MAX_PLACES}")
    if capacity < session.booked_count:
        raise ProgrammeError(
            f"{session.booked_count} places are already booked; capacity cannot be lower than that"
        )
    session.capacity = capacity
    db.session.flush()
    return _promote(session)


def change_capacity(session_id: int, capacity: int) -> list[Booking]:
    """Change the number of places on a session; raising it promotes people waiting."""
    session = lock_session(session_id)
    _require_scheduled(session)
    promoted = _set_capacity(session, capacity)
    audit.record("capacity_changed", session, detail=f"{capacity} places, {len(promoted)} promoted")
    return promoted


# ---------------------------------------------------------------------------------------------
# After the session


def record_register(
    session_id: int, attendance: dict[int, bool], *, outcome: str, others: int = 0, reason: str = ""
) -> ProgrammeSession:
    """Record who came and whether the session was delivered or cancelled (feeds the figures)."""
    session = lock_session(session_id)
    if session.kind != Kind.SUPERVISION.value:
        raise ProgrammeError("Only supervision sessions have a register")
    if session.status == Status.CANCELLED.value and session.cancelled_reason and not any(
        b.attendance for b in session.bookings
    ) and all(b.status == "cancelled" for b in session.bookings):
        # Cancelled in advance: everyone booked was told it was off, so it cannot become delivered.
        raise Conflict("This session was cancelled in advance and everyone booked was told")
    if session.starts_at > utcnow():
        raise Conflict("The register can be taken once the session has started")
    if outcome not in (Status.DELIVERED.value, Status.CANCELLED.value):
        raise ProgrammeError("Say whether the session was delivered or cancelled")
    if others < 0:
        raise ProgrammeError("Others attending must be 0 or more")
    booked = [b for b in session.bookings if b.status == BookingStatus.BOOKED.value]
    if outcome == Status.DELIVERED.value and session.facilitator_id is None:
        # Only a session cancelled without one (e.g. imported so) lacks a facilitator; the database would
        # refuse a delivered session without one, so say so rather than fail.
        raise ProgrammeError("This session has no facilitator; a delivered session needs one")
    if outcome == Status.DELIVERED.value:
        missing = [(b.person.name if b.person else "a removed person") for b in booked if b.id not in attendance]
        if missing:
            raise ProgrammeError("Mark everyone booked as attended or did not attend: " + ", ".join(missing))
        for booking in booked:
            booking.attendance = "attended" if attendance[booking.id] else "did_not_attend"
        session.attendees = sum(1 for b in booked if attendance[b.id]) + others
        session.status = Status.DELIVERED.value
        session.cancelled_reason = ""
    else:
        if not reason.strip():
            raise ProgrammeError("Say why the session did not go ahead")
        session.status = Status.CANCELLED.value
        session.attendees = None
        session.cancelled_reason = reason.strip()
    db.session.flush()
    audit.record("register_taken", session, detail=outcome)
    return session


def upcoming_slots(team_ids: list[int] | None, first: dt.date, last: dt.date) -> list[ProgrammeSession]:
    """Bookable supervision sessions between two UK dates, for some teams (None: every team)."""
    query = (
        db.select(ProgrammeSession)
        .where(
            ProgrammeSession.kind == Kind.SUPERVISION.value,
            ProgrammeSession.status == Status.SCHEDULED.value,
            ProgrammeSession.date.between(first, last),
            ProgrammeSession.starts_at > utcnow(),
        )
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
    )
    if team_ids is not None:
        query = query.where(ProgrammeSession.team_id.in_(team_ids))
    return list(db.session.scalars(query))
