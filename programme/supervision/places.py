"""Places on supervision sessions: booking, the waitlist, cancelling and promotion, never over-filled.

Every change to a session's places happens under that session's lock (``lock_session``): a row lock
on PostgreSQL, the database write lock (``BEGIN IMMEDIATE``) on SQLite. The counter ``booked_count``
is also moved by a conditional UPDATE and bounded by a CHECK constraint, so an over-filled session is
refused by the database even if the code above it were wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, func, update
from sqlalchemy.orm import aliased, joinedload

from programme.errors import Conflict, Missing, NotAllowed, ProgrammeError
from programme.models import Booking, BookingStatus, Kind, ProgrammeSession, Status
from rosters import audit
from rosters.clock import utcnow
from rosters.errors import Problem
from rosters.extensions import db
from rosters.models import Person, Role


def effective_capacity(session: ProgrammeSession) -> int:
    """Places on a session: its own capacity, or the programme default when it has none."""
    return session.capacity if session.capacity is not None else current_app.config["DEFAULT_SESSION_CAPACITY"]


def places_left(session: ProgrammeSession) -> int:
    return max(effective_capacity(session) - session.booked_count, 0)


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
        raise Missing(f"No session {session_id}")
    return session


def is_bookable(session: ProgrammeSession) -> bool:
    """A scheduled supervision session that has not started yet."""
    return (
        session.kind == Kind.SUPERVISION.value and session.status == Status.SCHEDULED.value
        and not session.has_started()
    )


def may_book(person: Person, session: ProgrammeSession) -> bool:
    """Team members (and their manager) book their own team's supervision; leads may book any."""
    return person.role == Role.LEAD.value or (person.team_id is not None and person.team_id == session.team_id)


def live_booking(session: ProgrammeSession, person: Person) -> Booking | None:
    """The person's place or queue entry on a session, from the bookings already loaded."""
    return next((b for b in session.bookings if b.person_id == person.id and b.is_live), None)


ALREADY_BOOKED = "You already have a place or a waitlist place on this session"


def book_place(session_id: int, person: Person) -> Booking:
    """Give the person a place, or the next place in the queue when the session is full."""
    session = lock_session(session_id)
    if not may_book(person, session):
        raise NotAllowed("You can only book your own team's supervision")
    if not is_bookable(session):
        raise Conflict("This session cannot be booked: it has started, finished or been cancelled")
    held = db.session.scalar(
        db.select(Booking.id).where(Booking.session_id == session.id, Booking.person_id == person.id, Booking.is_live)
    )
    if held is not None:
        raise Conflict(ALREADY_BOOKED)
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


def waiting_on(session: ProgrammeSession) -> int:
    """How many people wait for a place on a session, from its bookings already loaded."""
    return sum(1 for booking in session.bookings if booking.status == BookingStatus.WAITLISTED.value)


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


def waiting_counts(session_ids: list[int]) -> dict[int, int]:
    """How many people wait for a place on each of these sessions (sessions with none are left out)."""
    rows = db.session.execute(
        db.select(Booking.session_id, func.count())
        .where(Booking.session_id.in_(session_ids), Booking.status == BookingStatus.WAITLISTED.value)
        .group_by(Booking.session_id)
    ).all()
    return dict(rows)  # type: ignore[arg-type]


def cancel_booking(booking_id: int, person: Person) -> Booking | None:
    """Give up one's own place or queue entry; the first person waiting gets a freed place. Returns them.

    Someone else's booking is removed only by a lead, with a reason (:func:`remove_place`)."""
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise Missing(f"No booking {booking_id}")
    if booking.person_id != person.id:
        raise NotAllowed("You can only cancel your own booking")
    promoted = _release(booking)
    audit.record("booking_cancelled", booking, person=person,
                 detail=f"booking {promoted.id} promoted from the waitlist" if promoted else "")
    return promoted


REMOVAL_REASON_MAX = 500


@dataclass(frozen=True)
class Removal:
    """A place a lead removed: the booking (its person is told why) and the booking promoted, if any."""

    booking: Booking
    promoted: Booking | None
    reason: str


def remove_place(booking_id: int, lead: Person, reason: str) -> Removal:
    """A lead removes someone's place or queue entry, saying why; the first person waiting gets a freed
    place."""
    if lead.role != Role.LEAD.value:
        raise NotAllowed("Only a programme lead can remove someone's place")
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise Missing(f"No booking {booking_id}")
    reason = reason.strip()
    if not reason:
        raise ProgrammeError(Problem("Say why the place is removed", "reason"))
    if len(reason) > REMOVAL_REASON_MAX:
        raise ProgrammeError(Problem(f"The reason must be {REMOVAL_REASON_MAX} characters or fewer", "reason"))
    promoted = _release(booking)
    audit.record("booking_removed", booking, person=lead,
                 detail=f"reason: {reason}" + (f"; booking {promoted.id} promoted from the waitlist" if promoted else ""))
    return Removal(booking, promoted, reason)


def _release(booking: Booking) -> Booking | None:
    """Cancel a live booking under its session's lock, free its place and promote the first waiting."""
    session = lock_session(booking.session_id)
    db.session.refresh(booking)
    if booking.status == BookingStatus.CANCELLED.value:
        raise Conflict("This booking is already cancelled")
    if session.status != Status.SCHEDULED.value or session.has_started():
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
        promoted_list = promote_waiting(session)
        promoted = promoted_list[0] if promoted_list else None
    db.session.flush()
    return promoted


def promote_waiting(session: ProgrammeSession) -> list[Booking]:
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


# The queries of the pages a team member opens every day are built once, with their values as parameters:
# building a query with loader options and subqueries costs more than running it.
_AHEAD = aliased(Booking, name="ahead")
# A booking's place in its session's queue (1 for the first waiting), to select beside it: what
# waitlist_position says, for many bookings in one query. Only meaningful for a waiting booking.
QUEUE_POSITION = (
    db.select(func.count())
    .select_from(_AHEAD)
    .where(_AHEAD.session_id == Booking.session_id, _AHEAD.status == BookingStatus.WAITLISTED.value,
           _AHEAD.id <= Booking.id)
    .correlate(Booking)
    .scalar_subquery()
)

_WAITING = (
    db.select(func.count())
    .where(Booking.session_id == ProgrammeSession.id, Booking.status == BookingStatus.WAITLISTED.value)
    .correlate(ProgrammeSession)
    .scalar_subquery()
)
_TEAM_SLOTS = (
    db.select(ProgrammeSession, _WAITING)
    .where(
        ProgrammeSession.team_id == bindparam("team_id"),
        ProgrammeSession.kind == Kind.SUPERVISION.value,
        ProgrammeSession.status == Status.SCHEDULED.value,
        ProgrammeSession.date.between(bindparam("first"), bindparam("last")),
        ProgrammeSession.starts_at > bindparam("now"),
    )
    .options(joinedload(ProgrammeSession.facilitator))
    .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
)


def team_slots(team_id: int, first: dt.date, last: dt.date, now: dt.datetime) -> list[tuple[ProgrammeSession, int]]:
    """A team's bookable sessions between two UK dates (as :func:`upcoming_slots`), each with how many wait
    for a place, and its facilitator read in the same query."""
    rows = db.session.execute(_TEAM_SLOTS, {"team_id": team_id, "first": first, "last": last, "now": now})
    return [(session, waiting) for session, waiting in rows]


def visible_team_ids(person: Person) -> list[int] | None:
    """Teams whose slots a person sees: leads and facilitators every team, others their own (None: all)."""
    if person.role in (Role.LEAD.value, Role.FACILITATOR.value):
        return None
    return [person.team_id] if person.team_id is not None else []
