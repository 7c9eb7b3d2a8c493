"""iCalendar files: one per session, and a personal feed of a person's booked sessions."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from icalendar import Calendar, Event

from programme.models import Booking, BookingStatus, ProgrammeSession, Status
from rosters.clock import utcnow


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Staff wellbeing support//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(session: ProgrammeSession) -> Event:
    event = Event()
    host = current_app.config["BASE_URL"].split("//")[-1]
    event.add("uid", f"session-{session.id}@{host}")
    event.add("dtstamp", utcnow().replace(tzinfo=dt.UTC))
    # UTC instants: every calendar shows them at the right UK time across clock changes.
    event.add("dtstart", session.starts_at.replace(tzinfo=dt.UTC))
    event.add("dtend", (session.starts_at + dt.timedelta(minutes=session.duration_minutes)).replace(tzinfo=dt.UTC))
    event.add("summary", f"Reflexive supervision – {session.team.name}")
    details = ["Reflexive peer-group supervision: a contained, safe space to reflect on your practice."]
    if session.facilitator is not None:
        details.append(f"Facilitator: {session.facilitator.name}")
    if session.online_link:
        details.append(f"Join online: {session.online_link}")
        event.add("url", session.online_link)
    event.add("description", "\n".join(details))
    if session.location:
        event.add("location", session.location)
    event.add("status", "CANCELLED" if session.status == Status.CANCELLED.value else "CONFIRMED")
    # Minutes since 2020: grows with each change to the session, and stays a small integer.
    changed = session.updated_at or session.created_at or dt.datetime(2020, 1, 1)
    event.add("sequence", max(int((changed - dt.datetime(2020, 1, 1)).total_seconds() // 60), 0))
    return event


def session_ics(session: ProgrammeSession) -> bytes:
    calendar = _calendar("Reflexive supervision")
    calendar.add("method", "PUBLISH")
    calendar.add_component(_event(session))
    return calendar.to_ical()


def feed_ics(bookings: list[Booking]) -> bytes:
    """Booked sessions (and cancelled ones, so calendars remove them) for a subscribed feed."""
    calendar = _calendar("My wellbeing support sessions")
    seen: set[int] = set()
    for booking in bookings:
        session = booking.session
        held_place = booking.status == BookingStatus.BOOKED.value or booking.booked_at is not None
        shown = booking.status == BookingStatus.BOOKED.value or (session.status == Status.CANCELLED.value and held_place)
        if shown and session.id not in seen:  # one event per session, however many bookings
            seen.add(session.id)
            calendar.add_component(_event(session))
    return calendar.to_ical()
