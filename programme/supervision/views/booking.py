"""Pages team members use to book reflexive peer-group supervision on their own team's sessions.

Team members, managers, facilitators and leads all belong to teams: the page shows the signed-in
person's own team's sessions, their places and queue entries, and books or gives up a place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for
from flask_login import login_required
from sqlalchemy import bindparam
from sqlalchemy.orm import contains_eager

from programme.models import Booking, BookingStatus, ProgrammeSession, Status
from programme.supervision.blueprint import bp
from programme.supervision.notices import booking_made, place_cancelled, promoted_place
from programme.supervision.places import (
    ALREADY_BOOKED,
    QUEUE_POSITION,
    book_place,
    cancel_booking,
    is_bookable,
    may_book,
    places_left,
    team_slots,
    waitlist_position,
)
from programme.supervision.views.sessions import supervision_session
from rosters.actions import perform
from rosters.auth import me
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from rosters.models import Person

WEEKS_AHEAD = 12


@dataclass
class Slot:
    """One session as the slots page shows it to one person."""

    session: ProgrammeSession
    places_left: int
    waiting: int
    mine: Booking | None
    position: int | None
    bookable: bool

    @property
    def full(self) -> bool:
        return self.places_left == 0


# Built once (see places.QUEUE_POSITION): the person's places and queue entries on sessions still to come,
# soonest first, each session and its team read in the same query.
_MY_BOOKINGS = (
    db.select(Booking, QUEUE_POSITION)
    .join(Booking.session)
    .where(
        Booking.person_id == bindparam("person_id"),
        Booking.is_live,
        ProgrammeSession.status == Status.SCHEDULED.value,
        ProgrammeSession.starts_at > bindparam("now"),
    )
    .options(contains_eager(Booking.session).joinedload(ProgrammeSession.team))
    .order_by(ProgrammeSession.starts_at, Booking.id)
)


def _my_bookings(person: Person, now: dt.datetime) -> list[tuple[Booking, int | None]]:
    """The person's places and queue entries on sessions still to come, each with its place in the queue
    (None for a place): one query however many there are."""
    rows = db.session.execute(_MY_BOOKINGS, {"person_id": person.id, "now": now})
    return [(booking, position if booking.status == BookingStatus.WAITLISTED.value else None)
            for booking, position in rows]


def _slots(person: Person, first: dt.date, last: dt.date, now: dt.datetime,
           mine: dict[int, tuple[Booking, int | None]]) -> list[Slot]:
    """The person's own team's sessions in the window; their own booking on each comes from ``mine``."""
    if person.team_id is None:
        return []
    slots = []
    for session, waiting in team_slots(person.team_id, first, last, now):
        booking, position = mine.get(session.id, (None, None))
        slots.append(Slot(session=session, places_left=places_left(session), waiting=waiting, mine=booking,
                          position=position, bookable=is_bookable(session)))
    return slots


@bp.get("/supervision")
@login_required
def slots():
    person = me()
    now = utcnow()
    today = today_uk()
    last = today + dt.timedelta(weeks=WEEKS_AHEAD)
    my_bookings = _my_bookings(person, now)
    # Every slot is a scheduled session still to come, so the person's booking on it is one of these.
    mine = {booking.session_id: (booking, position) for booking, position in my_bookings}
    return render_template(
        "programme/supervision/slots.html",
        slots=_slots(person, today, last, now, mine),
        my_bookings=my_bookings,
        last=last,
        weeks=WEEKS_AHEAD,
    )


@bp.post("/supervision/<int:session_id>/book")
@login_required
def book(session_id: int):
    person = me()
    session = supervision_session(session_id)
    if not may_book(person, session):
        abort(403)
    outcome = perform(lambda: book_place(session_id, person), tell=lambda booking: [booking_made(booking)],
                      clash=ALREADY_BOOKED)  # two clicks at once: the database's unique index refused the second
    if not outcome.done:
        flash(outcome.texts[0], "error")
    elif outcome.result.status == BookingStatus.BOOKED.value:
        flash(f"You have a place on {outcome.result.session.when}.", "success")
    else:
        flash(
            f"The session on {outcome.result.session.when} is full. You are number "
            f"{waitlist_position(outcome.result)} on the waitlist. If a place comes free it is yours, and we will "
            "e-mail you.",
            "success",
        )
    return redirect(url_for("supervision.slots"))


@bp.post("/supervision/bookings/<int:booking_id>/cancel")
@login_required
def cancel(booking_id: int):
    person = me()
    booking = db.session.get(Booking, booking_id)
    # Someone else's booking is reported as unknown: ids reveal nothing about other people.
    if booking is None or booking.person_id != person.id:
        abort(404)
    was_waiting = booking.status == BookingStatus.WAITLISTED.value
    when = booking.session.when
    outcome = perform(lambda: cancel_booking(booking_id, person),
                      tell=lambda promoted: [*place_cancelled(booking),
                                             *([promoted_place(promoted)] if promoted is not None else [])])
    if not outcome.done:
        flash(outcome.texts[0], "error")
    elif was_waiting:
        flash(f"You have left the waitlist for {when}.", "success")
    else:
        flash(f"You have cancelled your place on {when}.", "success")
    return redirect(url_for("supervision.slots"))
