"""A person's own debriefs: the requests they asked for or are invited to, withdrawing one, asking to change one.

Only the person who asked may withdraw a request or ask to change it, and only while it is still open
(waiting, accepted or arranged). A withdrawn request keeps its session, cancelled, so the figures count
the request once, by its session, and the cancelled session as a cancelled session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy.orm import joinedload

from programme.calendars import event_changed
from programme.debriefs.models import DebriefInvitation, DebriefRequest, RequestStatus
from programme.debriefs.triage import deadlines
from programme.errors import Conflict, NotAllowed, ProgrammeError
from programme.models import ProgrammeSession, Status
from rosters import audit
from rosters.clock import utcnow
from rosters.errors import Problem
from rosters.extensions import db
from rosters.models import Person, Role

# While a request is in one of these, the person who asked may withdraw it or ask to change it.
OPEN_STATUSES = (RequestStatus.REQUESTED.value, RequestStatus.ACCEPTED.value, RequestStatus.SCHEDULED.value)
MESSAGE_MAX = 1000
WITHDRAWN_SESSION_REASON = "Withdrawn by the person who asked"

# Built once: the page is opened often. Each request once, whether asked for, invited to, or both.
_MINE = (
    db.select(DebriefRequest)
    .where(db.or_(
        DebriefRequest.requested_by_id == bindparam("person_id"),
        DebriefRequest.id.in_(
            db.select(DebriefInvitation.request_id).where(DebriefInvitation.person_id == bindparam("person_id"))
        ),
    ))
    .options(joinedload(DebriefRequest.session))
    .order_by(DebriefRequest.requested_at.desc(), DebriefRequest.id.desc())
)


def requests_of(person: Person) -> list[DebriefRequest]:
    """The requests a person asked for or is invited to, newest first, each once, with its session."""
    return list(db.session.scalars(_MINE, {"person_id": person.id}).unique())


def is_concerned(person: Person, item: DebriefRequest) -> bool:
    """Whether the request is the person's own: they asked for it or hold an invitation to it."""
    return item.requested_by_id == person.id or any(i.person_id == person.id for i in item.invitations)


def asked_by(person: Person, item: DebriefRequest) -> bool:
    return item.requested_by_id is not None and item.requested_by_id == person.id


def may_change(person: Person, item: DebriefRequest) -> bool:
    """Whether the withdraw and change forms are offered: the person who asked, while it is open and its
    session (if any) has not started."""
    session = item.session
    started = session is not None and session.status == Status.SCHEDULED.value and session.has_started()
    return asked_by(person, item) and item.status in OPEN_STATUSES and not started


@dataclass(frozen=True)
class Timing:
    """When an offer and a session are due, as the person is told: the agreed date when one was agreed."""

    offer_due: dt.date
    session_due: dt.date
    agreed: bool
    agreed_reason: str


def timing(item: DebriefRequest) -> Timing:
    """The standard dates from the request's clocks, with the session's later target when one was agreed."""
    due = deadlines(item)
    agreed = item.agreed_session_due
    return Timing(due.offer_due, agreed or due.session_due, agreed is not None, item.agreed_due_reason if agreed else "")


def calendar_session(item: DebriefRequest) -> ProgrammeSession | None:
    """The arranged session while it still stands (a calendar file is offered for it), else None."""
    session = item.session
    if item.status != RequestStatus.SCHEDULED.value or session is None or session.status != Status.SCHEDULED.value:
        return None
    return session


def _own_open_request(item: DebriefRequest, person: Person) -> None:
    if not asked_by(person, item):
        raise NotAllowed("Only the person who asked for this debrief can withdraw it or ask to change it")
    if item.status not in OPEN_STATUSES:
        raise Conflict(f"This request can no longer be changed: it is {item.status_enum.label.lower()}")


def _message_problem(text: str, field: str, what: str) -> Problem | None:
    if len(text) > MESSAGE_MAX:
        return Problem(f"{what} must be {MESSAGE_MAX} characters or fewer", field)
    return None


def withdraw_request(item: DebriefRequest, person: Person, reason: str = "") -> ProgrammeSession | None:
    """The person who asked no longer wants the debrief; an arranged session is called off.

    Returns the session called off (everyone invited and the chair are sent its cancellation), or None.
    The request keeps the session, so it is still counted once, by its session.
    """
    _own_open_request(item, person)
    reason = (reason or "").strip()
    problem = _message_problem(reason, "reason", "The reason")
    if problem is not None:
        raise ProgrammeError(problem)
    session = item.session
    called_off = None
    if session is not None and session.status == Status.SCHEDULED.value:
        if session.has_started():
            raise Conflict("The session has already started. Speak to the chair or a programme lead.")
        session.status = Status.CANCELLED.value
        session.cancelled_reason = WITHDRAWN_SESSION_REASON
        event_changed(session)  # calendars take the cancellation over the invitation
        called_off = session
    item.status = RequestStatus.WITHDRAWN.value
    item.withdrawn_at = utcnow()
    item.withdraw_reason = reason
    db.session.flush()
    audit.record("debrief_withdrawn", item, person=person,
                 detail="session called off" if called_off is not None else "")
    return called_off


def ask_change(item: DebriefRequest, person: Person, message: str) -> DebriefRequest:
    """The person who asked would like something practical changed (a time, a place, access)."""
    _own_open_request(item, person)
    message = (message or "").strip()
    if not message:
        raise ProgrammeError(Problem("Say what you would like changed", "message"))
    problem = _message_problem(message, "message", "What you would like changed")
    if problem is not None:
        raise ProgrammeError(problem)
    item.change_asked = message
    item.change_asked_at = utcnow()
    db.session.flush()
    audit.record("debrief_change_asked", item, person=person)
    return item


def clear_change(item: DebriefRequest, lead: Person) -> DebriefRequest:
    """A lead has dealt with the change asked for."""
    if lead.role != Role.LEAD.value:
        raise NotAllowed("Only a programme lead can mark a change as dealt with")
    if not item.change_asked and item.change_asked_at is None:
        raise Conflict("No change is waiting for this request")
    item.change_asked = ""
    item.change_asked_at = None
    db.session.flush()
    audit.record("debrief_change_dealt_with", item, person=lead)
    return item
