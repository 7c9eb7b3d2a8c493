"""Triage of a debrief request: the working-day clocks that start when it is asked, an agreed later target
for the session, accepting, declining.

The standard targets are fixed working days after the request (settings ``DEBRIEF_OFFER_WORKING_DAYS`` and
``DEBRIEF_SESSION_WORKING_DAYS``). Timing is a judgement for each case, so a lead may agree a later target
for the session with the people affected ("after the funeral"): the overdue clock then follows it, and the
standard target stays for the figures.
"""

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
from rosters.errors import Problem, refuse_if
from rosters.models import Person

OPEN_STATES = (RequestStatus.REQUESTED.value, RequestStatus.ACCEPTED.value, RequestStatus.SCHEDULED.value)
TIMING_STATES = OPEN_STATES  # an agreed target can be set while the session is still to come
REASON_LIMIT = 500


@dataclass(frozen=True)
class Deadlines:
    offer_due: dt.date
    session_due: dt.date  # the target the overdue clock follows: the agreed one when set, else the standard
    offer_overdue: bool
    session_overdue: bool
    standard_session_due: dt.date | None = None  # fixed working days after the request
    agreed_session_due: dt.date | None = None  # a later target agreed by a lead, or None
    waiting_offer: bool = False  # no offer made yet, and the request is waiting for one

    @property
    def overdue(self) -> bool:
        return self.offer_overdue or self.session_overdue

    @property
    def next_due(self) -> dt.date:
        """The date that matters next: the offer's while none has been made and it can still be, else the
        session's."""
        return self.offer_due if self.waiting_offer else self.session_due


@dataclass(frozen=True)
class ClockFacts:
    """What the clocks read from a request: enough to work out deadlines from a light row of the list."""

    requested_on: dt.date
    status: str
    offered: bool
    agreed_session_due: dt.date | None
    session_date: dt.date | None
    session_held: bool


def standard_targets(requested_on: dt.date) -> tuple[dt.date, dt.date]:
    """The standard offer and session targets for a request asked on a day."""
    config = current_app.config
    return (working_days_after(requested_on, config["DEBRIEF_OFFER_WORKING_DAYS"]),
            working_days_after(requested_on, config["DEBRIEF_SESSION_WORKING_DAYS"]))


def deadlines_of(facts: ClockFacts, today: dt.date | None = None) -> Deadlines:
    """When an offer and a session are due, and whether they are late ``today`` (UK), from the facts."""
    today = today or today_uk()
    offer_due, standard = standard_targets(facts.requested_on)
    session_due = facts.agreed_session_due or standard
    waiting = facts.status in (RequestStatus.REQUESTED.value, RequestStatus.ACCEPTED.value) and not facts.offered
    offer_overdue = waiting and today > offer_due
    session_overdue = (
        facts.status in OPEN_STATES
        and not facts.session_held
        and (today > session_due or (facts.session_date is not None and facts.session_date > session_due))
    )
    return Deadlines(offer_due, session_due, offer_overdue, session_overdue, standard, facts.agreed_session_due,
                     waiting)


def deadlines(request: DebriefRequest) -> Deadlines:
    """When an offer and a session are due (clocks start at the request), and whether they are late today."""
    session = request.session
    return deadlines_of(ClockFacts(
        request.requested_on, request.status, request.offered_at is not None, request.agreed_session_due,
        session.date if session is not None else None,
        session is not None and session.status == Status.DELIVERED.value,
    ))


def agree_timing(request: DebriefRequest, lead: Person, day: dt.date | None, reason: str) -> None:
    """Record a later target for the session, agreed with the people affected, and why."""
    if request.status not in TIMING_STATES:
        raise Conflict("The timing can only be agreed while the session is still to come")
    reason = (reason or "").strip()
    _offer, standard = standard_targets(request.requested_on)
    problems = []
    if day is None:
        problems.append(Problem("Enter the agreed date for the session", "day"))
    elif day <= standard:
        problems.append(Problem(f"The agreed date must be after the standard target of {standard:%-d %B %Y}", "day"))
    elif day < today_uk():
        problems.append(Problem("The agreed date must be today or later", "day"))
    if not reason:
        problems.append(Problem("Give the reason for the later date, for example after the funeral", "reason"))
    elif len(reason) > REASON_LIMIT:
        problems.append(Problem(f"The reason must be {REASON_LIMIT} characters or fewer", "reason"))
    refuse_if(problems, ProgrammeError)
    request.agreed_session_due = day
    request.agreed_due_reason = reason
    audit.record("debrief_timing_agreed", request, person=lead, detail=f"agreed target {day.isoformat()}")


def clear_timing(request: DebriefRequest, lead: Person) -> None:
    """Go back to the standard target for the session."""
    if request.agreed_session_due is None:
        raise Conflict("There is no agreed date to clear")
    if request.status not in TIMING_STATES:
        raise Conflict("The timing can only be changed while the session is still to come")
    request.agreed_session_due = None
    request.agreed_due_reason = ""
    audit.record("debrief_timing_cleared", request, person=lead)


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
