"""Supervision in calendars: one person's invitation or cancellation, one session's file, and a personal feed.

Invitations (``METHOD:REQUEST`` and ``METHOD:CANCEL``) go by e-mail to someone holding a place; the
download and the feed publish the same event (same ``UID`` and ``SEQUENCE``) without scheduling it.
"""

from __future__ import annotations

from icalendar import Calendar

from programme import calendars
from programme.calendars import EventText, Recipient
from programme.models import Booking, BookingStatus, ProgrammeSession, Status


def _text(session: ProgrammeSession) -> EventText:
    details = ["Reflexive peer-group supervision: a contained, safe space to reflect on your practice."]
    if session.facilitator is not None:
        details.append(f"Facilitator: {session.facilitator.name}")
    if session.online_link:
        details.append(f"Join online: {session.online_link}")
    return EventText(f"Reflexive supervision – {session.team.name}", "\n".join(details))


def invitation(session: ProgrammeSession, person_or_email: Recipient, method: str) -> bytes:
    """The session as a REQUEST (a place that is theirs) or a CANCEL (no longer theirs, or called off)."""
    return calendars.invitation(session, person_or_email, method, _text(session))


def _published(session: ProgrammeSession):
    # Without a method, DTSTAMP is when the event last changed (RFC 5545), not when it was downloaded.
    return calendars.event(session, _text(session), stamp=session.updated_at or session.created_at,
                           cancelled=session.status == Status.CANCELLED.value)


def session_ics(session: ProgrammeSession) -> bytes:
    calendar = calendars.new_calendar(calendars.PUBLISH, "Reflexive supervision")
    calendar.add_component(_published(session))
    return calendar.to_ical()


def feed_ics(bookings: list[Booking]) -> bytes:
    """Sessions the person has a place on, for a subscribed feed; calendars drop what is no longer in it."""
    calendar: Calendar = calendars.new_calendar(name="My wellbeing support sessions")
    seen: set[int] = set()
    for booking in bookings:
        session = booking.session
        held = booking.status == BookingStatus.BOOKED.value and session.status != Status.CANCELLED.value
        if held and session.id not in seen:  # one event per session, however many bookings
            seen.add(session.id)
            calendar.add_component(_published(session))
    return calendar.to_ical()
