"""E-mail when the person who asked withdraws a request or asks to change it.

Subjects hold no names and nothing about the incident; the leads' links go to the request page, which
only leads and the chair can open. A session called off by a withdrawal is taken out of every calendar
it was sent to (``METHOD:CANCEL`` with the same ``UID``).
"""

from __future__ import annotations

from programme.debriefs.models import DebriefRequest
from programme.debriefs.notices import SUPPORT_NOW, active_leads, cancellations
from programme.models import ProgrammeSession
from rosters.mail import Message
from rosters.web import absolute_url


def _called_off(item: DebriefRequest, session: ProgrammeSession) -> list[Message]:
    """Everyone invited (on the roster or a partner colleague) and the chair: the event is cancelled."""
    return cancellations(
        item, session, session.facilitator or item.facilitator,
        f"Debrief session on {session.starts_local:%-d %B} is called off",
        f"The critical-incident debrief on {session.when} is called off, and is taken out of your calendar.\n\n"
        f"{SUPPORT_NOW}",
        f"The critical-incident debrief you were to chair on {session.when} is called off: the person who asked "
        "has withdrawn the request. It is taken out of your calendar.",
    )


def request_withdrawn(item: DebriefRequest, session: ProgrammeSession | None) -> list[Message]:
    """Tell the leads (and, through ``session``, everyone the session was sent to) that a request was withdrawn."""
    link = absolute_url("debriefs.show_request", request_id=item.id)
    called_off = (f"\n\nThe session on {session.when} is called off; everyone invited and the chair have been "
                  "sent a cancellation." if session is not None else "")
    messages = [Message(
        lead.email, "A debrief request has been withdrawn",
        f"The person who asked for a critical-incident debrief ({item.reference}) has withdrawn the request."
        f"{called_off}\n\nSee it at {link}",
    ) for lead in active_leads()]
    if session is not None:
        messages += _called_off(item, session)
    return messages


def change_asked(item: DebriefRequest) -> list[Message]:
    """Tell the leads, and the chair if there is one, that the person who asked would like a change."""
    link = absolute_url("debriefs.show_request", request_id=item.id)
    body = (f"The person who asked for a critical-incident debrief ({item.reference}) would like something "
            f"changed (a time, a place or access).\n\nSee what they asked for at {link}")
    to = [lead.email for lead in active_leads()]
    if item.facilitator is not None and item.facilitator.email not in to:
        to.append(item.facilitator.email)
    return [Message(address, "A change to a debrief has been asked for", body) for address in to]
