"""The e-mails about debriefs. Subjects hold no names, and no message says who asked or what happened."""

from __future__ import annotations

from programme.models import DebriefRequest
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


def request_waiting(item: DebriefRequest) -> list[Message]:
    """Tell every lead a request is waiting for triage."""
    leads = db.session.scalars(
        db.select(Person).where(Person.role == Role.LEAD.value, Person.enabled.is_(True))
    ).all()
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
        f"See where it stands at {absolute_url('debriefs.mine')}\n\n{SUPPORT_NOW}",
    )]


def session_arranged(item: DebriefRequest) -> list[Message]:
    """Every invitation address (people on the roster and partner colleagues) and the chair."""
    session = item.session
    body = (
        "You are invited to a critical-incident debrief.\n\n"
        f"When: {session.when}\n{session.where}\n\n{WHAT_IT_IS}\n\n{SUPPORT_NOW}"
    )
    subject = f"Debrief session on {session.starts_local:%-d %B}"
    messages = [Message(invitation.address, subject, body) for invitation in item.invitations if invitation.address]
    if item.facilitator is not None:
        messages.append(Message(
            item.facilitator.email,
            f"You are chairing a debrief on {session.starts_local:%-d %B}",
            f"You are the chair of a critical-incident debrief.\n\nWhen: {session.when}\n{session.where}\n\n"
            f"The details are at {absolute_url('debriefs.show_request', request_id=item.id)}",
        ))
    return messages
