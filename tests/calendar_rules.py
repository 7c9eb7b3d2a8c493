"""RFC 5546 checks for the invitations the service e-mails, read with two independent iCalendar libraries.

``icalendar`` and ``vobject`` parse each file separately; both must agree on what the scheduling rules
for its method need (RFC 5546 section 3.2.2 for REQUEST, 3.2.5 for CANCEL): one METHOD, exactly one
VEVENT, an ORGANIZER, the ATTENDEE it is for, a UID, a SEQUENCE, a DTSTAMP in UTC, DTSTART for a
REQUEST, and STATUS:CANCELLED on a CANCEL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import vobject
from icalendar import Calendar

from rosters.mail import Message

UTC_OFFSET = dt.timedelta(0)


@dataclass(frozen=True)
class Invite:
    """What both libraries read from one invitation."""

    method: str
    uid: str
    sequence: int
    dtstamp: dt.datetime
    start: dt.datetime | None
    status: str
    organizer: str
    attendees: tuple[str, ...]
    summary: str
    description: str
    text: str  # the file with long lines unfolded, for checks on what it holds or must not hold


def _addresses(value) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value] if value is not None else []
    return tuple(str(v).lower().removeprefix("mailto:") for v in values)


def read_icalendar(content: bytes) -> Invite:
    calendar = Calendar.from_ical(content)
    assert len(calendar.walk("VCALENDAR")) == 1
    events = calendar.walk("VEVENT")
    assert len(events) == 1, f"{len(events)} VEVENTs"
    assert not calendar.walk("VTODO") and not calendar.walk("VJOURNAL")
    [event] = events
    stamp = event.decoded("dtstamp")
    return Invite(
        method=str(calendar.get("method", "")),
        uid=str(event["uid"]),
        sequence=int(event["sequence"]) if "sequence" in event else -1,
        dtstamp=stamp,
        start=event.decoded("dtstart") if "dtstart" in event else None,
        status=str(event.get("status", "")),
        organizer=_addresses(event.get("organizer"))[0] if event.get("organizer") is not None else "",
        attendees=_addresses(event.get("attendee")),
        summary=str(event.get("summary", "")),
        description=str(event.get("description", "")),
        text=content.decode().replace("\r\n ", ""),  # unfolded
    )


def read_vobject(content: bytes) -> Invite:
    calendar = vobject.readOne(content.decode())
    assert calendar.name == "VCALENDAR"
    events = calendar.contents.get("vevent", [])
    assert len(events) == 1, f"{len(events)} VEVENTs"
    [event] = events

    def value(name: str, default: str = "") -> str:
        return event.contents[name][0].value if name in event.contents else default

    return Invite(
        method=calendar.contents["method"][0].value if "method" in calendar.contents else "",
        uid=value("uid"),
        sequence=int(value("sequence", "-1")),
        dtstamp=value("dtstamp"),
        start=value("dtstart", None),
        status=value("status"),
        organizer=_addresses(value("organizer", None))[0] if "organizer" in event.contents else "",
        attendees=_addresses([line.value for line in event.contents.get("attendee", [])]),
        summary=value("summary"),
        description=value("description"),
        text=content.decode().replace("\r\n ", ""),  # unfolded
    )


def check(content: bytes, method: str, attendee: str) -> Invite:
    """Parse with both libraries, check RFC 5546's rules for ``method``, and return what they agree on."""
    seen = [read_icalendar(content), read_vobject(content)]
    for invite in seen:
        assert invite.method == method
        assert invite.uid, "UID is required"
        assert "@" in invite.organizer, "ORGANIZER is required"
        assert invite.sequence >= 0, "SEQUENCE is required"
        assert isinstance(invite.dtstamp, dt.datetime) and invite.dtstamp.utcoffset() == UTC_OFFSET, \
            "DTSTAMP is required, in UTC"
        assert attendee.lower() in invite.attendees, f"{attendee} is not an ATTENDEE"
        if method == "REQUEST":
            assert invite.start is not None and invite.start.utcoffset() == UTC_OFFSET, "DTSTART is required"
            assert invite.summary, "SUMMARY is required"
            assert invite.status in ("", "CONFIRMED", "TENTATIVE")
        else:
            assert invite.status == "CANCELLED"
    first, second = seen
    assert (first.uid, first.sequence, first.dtstamp, first.organizer, first.attendees, first.status) == \
        (second.uid, second.sequence, second.dtstamp, second.organizer, second.attendees, second.status)
    assert "DTSTAMP:" in first.text and any(line.startswith("DTSTAMP:") and line.strip().endswith("Z")
                                            for line in first.text.splitlines())
    return first


def invite_in(message: Message, method: str) -> Invite:
    """The invitation a message carries: named invite.ics, its MIME type naming the same method."""
    assert message.attachment is not None, f"{message.subject!r} carries no invitation"
    name, mime, content = message.attachment
    assert name == "invite.ics"
    assert mime == f"text/calendar; method={method}"
    return check(content, method, message.to)
