"""iCalendar for programme sessions: invitations (``METHOD:REQUEST``), cancellations (``METHOD:CANCEL``)
and published events, following RFC 5545 and the scheduling rules of RFC 5546.

One ``UID`` per session for ever (``session-<id>@<host>``). ``SEQUENCE`` is ``ProgrammeSession.sequence``,
which ``event_changed`` raises only when the session's time, length, place, link or status changes: a
booking never moves it. An invitation's ``DTSTAMP`` is the moment it is made, so of two messages with
the same ``SEQUENCE`` (a place given up, then booked again) calendars keep the later one. Each
supervision and debrief feature says what its events are called and hold (``EventText``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from icalendar import Calendar, Event, vCalAddress

from programme.models import ProgrammeSession
from rosters.clock import utcnow
from rosters.models import Person

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"
ATTACHMENT_NAME = "invite.ics"

Recipient = Person | str  # someone on the roster, or a partner colleague's e-mail address


@dataclass(frozen=True)
class EventText:
    """What an event says: its title and description, and whether calendars should keep it private."""

    summary: str
    description: str
    private: bool = False


def event_changed(session: ProgrammeSession) -> None:
    """The session's time, length, place, link or status changed: calendars must take the new version."""
    session.sequence = (session.sequence or 0) + 1


def session_uid(session: ProgrammeSession) -> str:
    host = current_app.config["BASE_URL"].split("//")[-1].split("/")[0]
    return f"session-{session.id}@{host}"


def new_calendar(method: str | None = None, name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Staff wellbeing support//EN")
    calendar.add("version", "2.0")
    if method is not None:
        calendar.add("method", method)
    if name is not None:
        calendar.add("x-wr-calname", name)
    return calendar


def _utc(moment: dt.datetime) -> dt.datetime:
    """A stored naive UTC instant as an aware one: written with a ``Z``, right in every time zone."""
    return moment.replace(tzinfo=dt.UTC)


def organizer() -> vCalAddress:
    """The programme's own address (``MAIL_FROM``), named as the service."""
    config = current_app.config
    address = vCalAddress(f"mailto:{config['MAIL_FROM']}")
    address.params["CN"] = config.get("SERVICE_NAME") or config.get("ORGANISATION_NAME") or "Wellbeing support"
    return address


def attendee(recipient: Recipient, method: str, role: str = "REQ-PARTICIPANT") -> vCalAddress:
    """The person the message is for. They chose to come (or were invited by the programme): no reply is asked."""
    email = recipient.email if isinstance(recipient, Person) else recipient
    address = vCalAddress(f"mailto:{email}")
    if isinstance(recipient, Person):
        address.params["CN"] = recipient.name
    address.params["ROLE"] = role
    address.params["RSVP"] = "FALSE"
    if method == REQUEST:
        address.params["PARTSTAT"] = "ACCEPTED"
    return address


def event(session: ProgrammeSession, text: EventText, *, stamp: dt.datetime, cancelled: bool) -> Event:
    """The session as a VEVENT with the programme as its organiser; attendees are added by the caller."""
    item = Event()
    item.add("uid", session_uid(session))
    item.add("dtstamp", _utc(stamp))
    item.add("sequence", session.sequence or 0)
    item.add("dtstart", _utc(session.starts_at))
    item.add("dtend", _utc(session.starts_at + dt.timedelta(minutes=session.duration_minutes)))
    item.add("summary", text.summary)
    item.add("description", text.description)
    if session.location:
        item.add("location", session.location)
    if session.online_link.startswith(("https://", "http://")):
        item.add("url", session.online_link)
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if text.private:
        item.add("class", "PRIVATE")
    item.add("organizer", organizer())
    return item


def invitation(session: ProgrammeSession, recipient: Recipient, method: str, text: EventText,
               role: str = "REQ-PARTICIPANT") -> bytes:
    """A REQUEST (the place is theirs, at this time and place) or CANCEL (it is off) for one person."""
    if method not in (REQUEST, CANCEL):
        raise ValueError(f"An invitation is a {REQUEST} or a {CANCEL}, not {method}")
    calendar = new_calendar(method)
    item = event(session, text, stamp=utcnow(), cancelled=method == CANCEL)
    item.add("attendee", attendee(recipient, method, role))
    calendar.add_component(item)
    return calendar.to_ical()


def attachment(content: bytes, method: str) -> tuple[str, str, bytes]:
    """An invitation as a ``Message`` attachment; the MIME type carries the method, as RFC 6047 asks."""
    return (ATTACHMENT_NAME, f"text/calendar; method={method}", content)
