"""The e-mails about debriefs. Subjects hold no names, and no message says who asked or what happened.

Everyone invited (people on the roster and partner colleagues) and the chair get a calendar invitation
(``METHOD:REQUEST``) when a session is arranged, a new one with a higher ``SEQUENCE`` when its time or
place changes, and a ``METHOD:CANCEL`` if it is called off or a new chair takes it over.
"""

from __future__ import annotations

from programme.calendars import CANCEL, REQUEST, Recipient, attachment
from programme.debriefs.calendar import invitation
from programme.debriefs.models import DebriefInvitation, DebriefRequest
from programme.models import ProgrammeSession, Status
from rosters.extensions import db
from rosters.mail import Message
from rosters.models import Person, Role
from rosters.web import absolute_url

WHAT_IT_IS = (
    "A debrief is reflective support focused on your experience of the incident. It is never about "
    "decisions on a child or family. What you share is at your discretion and no formal minutes are kept. "
    "It is not therapy and does not replace it."
)
SUPPORT_NOW = (
    "If you need support now, speak to your manager or contact your employee assistance programme, "
    "occupational health or your GP."
)


def active_leads() -> list[Person]:
    """Every programme lead who can sign in: those told about requests."""
    return list(db.session.scalars(
        db.select(Person).where(Person.role == Role.LEAD.value, Person.enabled.is_(True)).order_by(Person.id)
    ))


def request_waiting(item: DebriefRequest) -> list[Message]:
    """Tell every lead a request is waiting for triage."""
    leads = active_leads()
    body = (
        "A request for a critical-incident debrief is waiting for triage.\n\n"
        f"See it at {absolute_url('debriefs.show_request', request_id=item.id)}"
    )
    return [Message(lead.email, "A debrief request is waiting", body) for lead in leads]


def request_triaged(item: DebriefRequest) -> list[Message]:
    """Tell the person who asked that a lead has looked at their request (where it stands is on the site)."""
    if item.requested_by is None:
        return []
    return [Message(
        item.requested_by.email,
        "Your debrief request has been reviewed",
        "Your request for a critical-incident debrief has been reviewed by a programme lead.\n\n"
        f"See where it stands at {absolute_url('debriefs.my_request', request_id=item.id)}\n\n{SUPPORT_NOW}",
    )]


def _recipient(invited: DebriefInvitation) -> Recipient:
    return invited.person if invited.person is not None else (invited.email or "")


def _event(session: ProgrammeSession, recipient: Recipient, method: str, *, chair: bool = False):
    return attachment(invitation(session, recipient, method, chair=chair), method)


def session_arranged(item: DebriefRequest, *, changed: bool = False, previous_chair: Person | None = None
                     ) -> list[Message]:
    """Every invitation address (people on the roster and partner colleagues) and the chair, each with the
    event; ``changed`` when an arranged session moved; a chair replaced gets the CANCEL."""
    session = item.session
    when = f"{session.starts_local:%-d %B}"
    opening = ("The critical-incident debrief you are invited to has changed." if changed
               else "You are invited to a critical-incident debrief.")
    body = f"{opening}\n\nWhen: {session.when}\n{session.where}\n\n{WHAT_IT_IS}\n\n{SUPPORT_NOW}"
    subject = f"Debrief session changed: now on {when}" if changed else f"Debrief session on {when}"
    messages = [Message(invited.address, subject, body, _event(session, _recipient(invited), REQUEST))
                for invited in item.invitations if invited.address]
    if item.facilitator is not None:
        messages.append(Message(
            item.facilitator.email,
            f"You are chairing a debrief on {when}",
            f"You are the chair of a critical-incident debrief.\n\nWhen: {session.when}\n{session.where}\n\n"
            f"The details are at {absolute_url('debriefs.show_request', request_id=item.id)}",
            _event(session, item.facilitator, REQUEST, chair=True),
        ))
    if previous_chair is not None and previous_chair.id != getattr(item.facilitator, "id", None):
        messages.append(Message(
            previous_chair.email,
            f"You are no longer chairing a debrief on {when}",
            "Another chair has taken over a critical-incident debrief you were to chair. "
            "It is taken out of your calendar.",
            _event(session, previous_chair, CANCEL, chair=True),
        ))
    return messages


def session_called_off(item: DebriefRequest, session: ProgrammeSession, chair: Person | None) -> list[Message]:
    """A session logged as not having gone ahead: its event is cancelled for everyone it was sent to."""
    if session.status != Status.CANCELLED.value:
        return []
    return cancellations(
        item, session, chair, f"Debrief session on {session.starts_local:%-d %B} did not go ahead",
        f"The critical-incident debrief on {session.when} did not go ahead, and is taken out of your calendar. If "
        f"another session is arranged, you will get a new invitation.\n\n{SUPPORT_NOW}",
        f"The critical-incident debrief on {session.when} is recorded as not having gone ahead, and is taken out "
        "of your calendar.",
    )


def cancellations(item: DebriefRequest, session: ProgrammeSession, chair: Person | None, subject: str, body: str,
                  chair_body: str) -> list[Message]:
    """The session's event cancelled (``METHOD:CANCEL``, same ``UID``) for everyone it was sent to: each
    invitation address (on the roster or a partner colleague) with ``body``, and the chair with ``chair_body``."""
    messages = [Message(invited.address, subject, body, _event(session, _recipient(invited), CANCEL))
                for invited in item.invitations if invited.address]
    if chair is not None:
        messages.append(Message(chair.email, subject, chair_body, _event(session, chair, CANCEL, chair=True)))
    return messages
