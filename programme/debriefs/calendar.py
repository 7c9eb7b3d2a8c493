"""A debrief in people's calendars: an invitation when it is arranged or changed, a cancellation if called off.

Calendars are seen by colleagues, assistants and phones on desks, so the event says only that there is a
debrief, when and where: no kind of incident, no team, no chair and no other participant.
"""

from __future__ import annotations

from programme import calendars
from programme.calendars import EventText, Recipient
from programme.models import ProgrammeSession

SUMMARY = "Debrief session"
DESCRIPTION = (
    "Reflective support with a trained, independent chair. What you share is at your discretion and no "
    "formal minutes are kept."
)


def _text(session: ProgrammeSession) -> EventText:
    details = [DESCRIPTION]
    if session.online_link:
        details.append(f"Join online: {session.online_link}")
    return EventText(SUMMARY, "\n".join(details), private=True)


def invitation(session: ProgrammeSession, person_or_email: Recipient, method: str, *, chair: bool = False) -> bytes:
    """A REQUEST (invited, at this time and place) or a CANCEL (called off) for one participant or the chair."""
    return calendars.invitation(session, person_or_email, method, _text(session),
                                role="CHAIR" if chair else "REQ-PARTICIPANT")
