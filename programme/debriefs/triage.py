"""Triage of a debrief request: the working-day clocks that start when it is asked, accepting, declining."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app

from programme.dates import working_days_after
from programme.debriefs.models import DebriefRequest, RequestStatus
from programme.errors import Conflict, ProgrammeError
from programme.models import Status
from rosters import audit
from rosters.clock import today_uk, utcnow
from rosters.errors import Problem
from rosters.models import Person


@dataclass(frozen=True)
class Deadlines:
    offer_due: dt.date
    session_due: dt.date
    offer_overdue: bool
    session_overdue: bool


def deadlines(request: DebriefRequest) -> Deadlines:
    """When an offer and a session are due (clocks start at the request), and whether they are late today."""
    today = today_uk()
    config = current_app.config
    offer_due = working_days_after(request.requested_on, config["DEBRIEF_OFFER_WORKING_DAYS"])
    session_due = working_days_after(request.requested_on, config["DEBRIEF_SESSION_WORKING_DAYS"])
    open_states = (RequestStatus.REQUESTED.value, RequestStatus.ACCEPTED.value)
    offer_overdue = request.status in open_states and request.offered_at is None and today > offer_due
    held = request.session is not None and request.session.status == Status.DELIVERED.value
    session_overdue = (
        request.status in (*open_states, RequestStatus.SCHEDULED.value)
        and not held
        and (today > session_due or (request.session is not None and request.session.date > session_due))
    )
    return Deadlines(offer_due, session_due, offer_overdue, session_overdue)


def _untriaged(request: DebriefRequest) -> None:
    if request.status != RequestStatus.REQUESTED.value:
        raise Conflict("This request has already been triaged")


def accept_request(request: DebriefRequest, lead: Person) -> None:
    _untriaged(request)
    request.status = RequestStatus.ACCEPTED.value
    request.triaged_by = lead
    request.triaged_at = utcnow()
    audit.record("debrief_accepted", request, person=lead)


def decline_request(request: DebriefRequest, lead: Person, reason: str) -> None:
    _untriaged(request)
    if not reason.strip():
        raise ProgrammeError(Problem("Give a reason for declining; the person who asked will see it", "reason"))
    request.status = RequestStatus.DECLINED.value
    request.decline_reason = reason.strip()[:1000]
    request.triaged_by = lead
    request.triaged_at = utcnow()
    audit.record("debrief_declined", request, person=lead)
