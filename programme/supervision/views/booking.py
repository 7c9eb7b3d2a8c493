"""Pages team members use to book reflexive peer-group supervision on their own team's sessions.

Team members, managers, facilitators and leads all belong to teams: the page shows the signed-in
person's own team's sessions, their places and queue entries, and books or gives up a place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for
from flask_login import login_required
from sqlalchemy.orm import selectinload

from programme.models import Booking, BookingStatus, ProgrammeSession, Status
from programme.supervision.blueprint import bp
from programme.supervision.notices import booking_made, place_cancelled, promoted_place
from programme.supervision.places import (
    ALREADY_BOOKED,
    book_place,
    cancel_booking,
    is_bookable,
    live_booking,
    may_book,
    places_left,
    upcoming_slots,
    waiting_on,
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


def _slot(session: ProgrammeSession, person: Person) -> Slot:
    mine = live_booking(session, person)
    return Slot(
        session=session,
        places_left=places_left(session),
        waiting=waiting_on(session),
        mine=mine,
        position=waitlist_position(mine) if mine is not None else None,
        bookable=is_bookable(session),
    )


def _my_bookings(person: Person) -> list[tuple[Booking, int | None]]:
    """The person's places and queue entries on sessions still to come, soonest first."""
    bookings = db.session.scalars(
        db.select(Booking)
        .join(Booking.session)
        .where(
            Booking.person_id == person.id,
            Booking.is_live,
            ProgrammeSession.status == Status.SCHEDULED.value,
            ProgrammeSession.starts_at > utcnow(),
        )
        .options(selectinload(Booking.session).selectinload(ProgrammeSession.team))
        .order_by(ProgrammeSession.starts_at, Booking.id)
    ).all()
    return [(booking, waitlist_position(booking)) for booking in bookings]


@bp.get("/supervision")
@login_required
def slots():
    person = me()
    today = today_uk()
    last = today + dt.timedelta(weeks=WEEKS_AHEAD)
    sessions = upcoming_slots([person.team_id], today, last) if person.team_id is not None else []
    return render_template(
        "programme/supervision/slots.html",
        slots=[_slot(session, person) for session in sessions],
        my_bookings=_my_bookings(person),
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
