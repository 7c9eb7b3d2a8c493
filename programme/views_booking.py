"""Pages team members use to book reflexive peer-group supervision, and their calendars.

Team members, managers, facilitators and leads all belong to teams: this page shows the signed-in
person's own team's sessions. The personal calendar feed is reached without signing in (calendar apps
cannot sign in), so its address carries a random secret of which only the digest is stored.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from programme import mail, notices
from programme.api import visible_team_ids
from programme.calendar import feed_ics, session_ics
from programme.models import Booking, BookingStatus, Kind, ProgrammeSession, Status
from programme.services import (
    Conflict,
    NotAllowed,
    book_place,
    cancel_booking,
    effective_capacity,
    is_bookable,
    may_book,
    upcoming_slots,
    waitlist_position,
)
from rosters import audit
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from rosters.models import Person, hash_secret

bp = Blueprint("booking", __name__)

WEEKS_AHEAD = 12
FEED_HISTORY_DAYS = 366  # past sessions stay in a subscribed calendar for about a year
LIVE = (BookingStatus.BOOKED.value, BookingStatus.WAITLISTED.value)


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


def _me() -> Person:
    """The signed-in person as a model instance (services add it to bookings)."""
    return current_user._get_current_object()


def when(session: ProgrammeSession) -> str:
    """E.g. "Tuesday 1 December 2026, 10:00 to 11:30" in UK time."""
    return f"{session.starts_local:%A %-d %B %Y, %H:%M} to {session.ends_local:%H:%M}"


def _slot(session: ProgrammeSession, person: Person) -> Slot:
    mine = next((b for b in session.bookings if b.person_id == person.id and b.status in LIVE), None)
    return Slot(
        session=session,
        places_left=max(effective_capacity(session) - session.booked_count, 0),
        waiting=sum(1 for b in session.bookings if b.status == BookingStatus.WAITLISTED.value),
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
            Booking.status.in_(LIVE),
            ProgrammeSession.status == Status.SCHEDULED.value,
            ProgrammeSession.starts_at > utcnow(),
        )
        .options(selectinload(Booking.session).selectinload(ProgrammeSession.team))
        .order_by(ProgrammeSession.starts_at, Booking.id)
    ).all()
    return [(booking, waitlist_position(booking)) for booking in bookings]


def _supervision_or_404(session_id: int) -> ProgrammeSession:
    session = db.session.get(ProgrammeSession, session_id)
    # Debriefs are confidential: they are never reachable from these pages.
    if session is None or session.kind != Kind.SUPERVISION.value:
        abort(404)
    return session


@bp.get("/supervision")
@login_required
def slots():
    person = _me()
    today = today_uk()
    last = today + dt.timedelta(weeks=WEEKS_AHEAD)
    sessions = upcoming_slots([person.team_id], today, last) if person.team_id is not None else []
    return render_template(
        "programme/slots.html",
        slots=[_slot(session, person) for session in sessions],
        my_bookings=_my_bookings(person),
        last=last,
        when=when,
        weeks=WEEKS_AHEAD,
    )


@bp.post("/supervision/<int:session_id>/book")
@login_required
def book(session_id: int):
    person = _me()
    session = _supervision_or_404(session_id)
    if not may_book(person, session):
        abort(403)
    try:
        booking = book_place(session_id, person)
        db.session.commit()
    except NotAllowed:
        db.session.rollback()
        abort(403)
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("booking.slots"))
    except IntegrityError:  # two clicks at once: the database's unique index refused the second
        db.session.rollback()
        flash("You already have a place or a waitlist place on this session", "error")
        return redirect(url_for("booking.slots"))
    except OperationalError:
        db.session.rollback()
        flash("The service is busy. Nothing was booked; try again.", "error")
        return redirect(url_for("booking.slots"))
    mail.send([notices.booking_made(booking)])
    if booking.status == BookingStatus.BOOKED.value:
        flash(f"You have a place on {when(booking.session)}.", "success")
    else:
        flash(
            f"The session on {when(booking.session)} is full. You are number {waitlist_position(booking)} "
            "on the waitlist. If a place comes free it is yours, and we will e-mail you.",
            "success",
        )
    return redirect(url_for("booking.slots"))


@bp.post("/supervision/bookings/<int:booking_id>/cancel")
@login_required
def cancel(booking_id: int):
    person = _me()
    booking = db.session.get(Booking, booking_id)
    # Someone else's booking is reported as unknown: ids reveal nothing about other people.
    if booking is None or booking.person_id != person.id:
        abort(404)
    was_waiting = booking.status == BookingStatus.WAITLISTED.value
    try:
        promoted = cancel_booking(booking_id, person)
        db.session.commit()
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("booking.slots"))
    except OperationalError:
        db.session.rollback()
        flash("The service is busy. Nothing was cancelled; try again.", "error")
        return redirect(url_for("booking.slots"))
    if promoted is not None:
        mail.send([notices.promoted(promoted)])
    if was_waiting:
        flash(f"You have left the waitlist for {when(booking.session)}.", "success")
    else:
        flash(f"You have cancelled your place on {when(booking.session)}.", "success")
    return redirect(url_for("booking.slots"))


@bp.get("/supervision/<int:session_id>.ics", endpoint="session_ics")
@login_required
def session_ics_file(session_id: int):
    person = _me()
    session = _supervision_or_404(session_id)
    teams = visible_team_ids(person)
    mine = any(b.person_id == person.id for b in session.bookings)
    if teams is not None and session.team_id not in teams and not mine:
        abort(403)
    return Response(
        session_ics(session),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="supervision-{session.date.isoformat()}.ics"'},
    )


def feed_url(secret: str) -> str:
    """The address calendar apps subscribe to, on the public address of the service."""
    path = url_for("booking.feed", secret=secret)[len(request.script_root):]
    return current_app.config["BASE_URL"] + path


@bp.get("/calendar")
@login_required
def calendar():
    return render_template("programme/calendar.html", has_feed=_me().calendar_token_hash is not None, new_url=None)


@bp.post("/calendar/feed")
@login_required
def create_feed():
    """Make a new feed address; any old one stops working. The address is shown this once."""
    person = _me()
    had_feed = person.calendar_token_hash is not None
    secret = secrets.token_urlsafe(32)
    person.calendar_token_hash = hash_secret(secret)
    audit.record("calendar_feed_reset" if had_feed else "calendar_feed_created", person)
    db.session.commit()
    # Rendered rather than redirected: the secret is never kept anywhere to show it again.
    return render_template("programme/calendar.html", has_feed=True, new_url=feed_url(secret), reset=had_feed)


@bp.post("/calendar/feed/turn-off")
@login_required
def revoke_feed():
    person = _me()
    person.calendar_token_hash = None
    audit.record("calendar_feed_turned_off", person)
    db.session.commit()
    flash("Your calendar feed is turned off. Calendars subscribed to it will stop getting your sessions.", "success")
    return redirect(url_for("booking.calendar"))


@bp.get("/calendar/feed/<secret>.ics")
def feed(secret: str):
    """A person's booked sessions, for calendar apps; no sign-in, the secret in the address is the key."""
    person = db.session.scalar(db.select(Person).where(Person.calendar_token_hash == hash_secret(secret)))
    if person is None or not person.enabled:
        abort(404)
    since = today_uk() - dt.timedelta(days=FEED_HISTORY_DAYS)
    bookings = db.session.scalars(
        db.select(Booking)
        .join(Booking.session)
        .where(Booking.person_id == person.id, ProgrammeSession.date >= since)
        .options(selectinload(Booking.session).selectinload(ProgrammeSession.team),
                 selectinload(Booking.session).selectinload(ProgrammeSession.facilitator))
        .order_by(ProgrammeSession.starts_at, Booking.id)
    ).all()
    # One event per session: a live place wins; otherwise a place they held on a session later cancelled,
    # so calendars remove it. Queue entries never held a place and never show.
    chosen: dict[int, Booking] = {}
    for booking in bookings:
        if booking.status == BookingStatus.BOOKED.value:
            chosen[booking.session_id] = booking
        elif booking.booked_at is not None and booking.session_id not in chosen:
            chosen[booking.session_id] = booking
    body = feed_ics(list(chosen.values()))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="supervision.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response
