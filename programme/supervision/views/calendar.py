"""Supervision in people's calendars: one session's file, and a personal feed of the sessions they have a place on.

The personal feed is reached without signing in (calendar apps cannot sign in), so its address carries
a random secret of which only the digest is stored.
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import login_required
from sqlalchemy.orm import selectinload

from programme.models import Booking, BookingStatus, ProgrammeSession, Status
from programme.supervision.blueprint import bp
from programme.supervision.calendar import feed_ics, session_ics
from programme.supervision.places import visible_team_ids
from programme.supervision.views.sessions import supervision_session
from rosters import audit
from rosters.auth import me
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import Person, hash_secret
from rosters.web import absolute_url

FEED_HISTORY_DAYS = 366  # past sessions stay in a subscribed calendar for about a year


@bp.get("/supervision/<int:session_id>.ics", endpoint="session_ics")
@login_required
def session_ics_file(session_id: int):
    person = me()
    session = supervision_session(session_id)
    teams = visible_team_ids(person)
    mine = [b for b in session.bookings if b.person_id == person.id]
    if teams is not None and session.team_id not in teams and not mine:
        abort(403)
    if any(b.status == BookingStatus.WAITLISTED.value for b in mine):
        # A queue entry holds no place: the session goes in their calendar when a place is theirs.
        abort(409, "You are on the waitlist for this session. When a place is yours we will e-mail you "
                   "an invitation for your calendar.")
    return Response(
        session_ics(session),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="supervision-{session.date.isoformat()}.ics"'},
    )


@bp.get("/calendar")
@login_required
def calendar():
    return render_template("programme/supervision/calendar.html", has_feed=me().calendar_token_hash is not None,
                           new_url=None)


@bp.post("/calendar/feed")
@login_required
def create_feed():
    """Make a new feed address; any old one stops working. The address is shown this once."""
    person = me()
    had_feed = person.calendar_token_hash is not None
    secret = secrets.token_urlsafe(32)
    person.calendar_token_hash = hash_secret(secret)
    audit.record("calendar_feed_reset" if had_feed else "calendar_feed_created", person)
    db.session.commit()
    # Rendered rather than redirected: the secret is never kept anywhere to show it again.
    return render_template("programme/supervision/calendar.html", has_feed=True, reset=had_feed,
                           new_url=absolute_url("supervision.feed", secret=secret))


@bp.post("/calendar/feed/turn-off")
@login_required
def revoke_feed():
    person = me()
    person.calendar_token_hash = None
    audit.record("calendar_feed_turned_off", person)
    db.session.commit()
    flash("Your calendar feed is turned off. Calendars subscribed to it will stop getting your sessions.", "success")
    return redirect(url_for("supervision.calendar"))


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
        .where(Booking.person_id == person.id, Booking.status == BookingStatus.BOOKED.value,
               ProgrammeSession.status != Status.CANCELLED.value, ProgrammeSession.date >= since)
        .options(selectinload(Booking.session).selectinload(ProgrammeSession.team),
                 selectinload(Booking.session).selectinload(ProgrammeSession.facilitator))
        .order_by(ProgrammeSession.starts_at, Booking.id)
    ).all()
    # Places they hold on sessions that are on: a place given up, a queue entry or a cancelled session is
    # left out, and a subscribed calendar removes it.
    response = Response(feed_ics(list(bookings)), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="supervision.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response
