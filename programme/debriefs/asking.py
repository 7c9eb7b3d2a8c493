"""Asking for a critical-incident debrief, and who may see a request.

A practitioner asks with their manager (a manager may ask alone); the request holds the date and kind
of incident, who is affected and practical arrangements, never details of a child. Each problem names
the field of the request form it is about.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy.orm import contains_eager

from programme.debriefs.models import DebriefInvitation, DebriefRequest, PreferredFormat, RequestStatus
from programme.errors import ProgrammeError
from programme.models import CATEGORY_VALUES, MAX_ATTENDEES
from rosters import audit
from rosters.clock import today_uk
from rosters.errors import Problem, refuse_if
from rosters.extensions import db
from rosters.models import Person, Role, Team

EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
MAX_INCIDENT_AGE_DAYS = 366


@dataclass
class DebriefAsk:
    """What a practitioner or manager gives when asking for a debrief."""

    incident_date: dt.date | None
    incident_category: str
    preferred_format: str
    manager: Person | None = None
    affected_teams: list[Team] | None = None
    involved: list[Person] | None = None
    invite_people: list[Person] | None = None
    invite_emails: list[tuple[str, str]] | None = None  # (e-mail, agency) for partner-agency colleagues
    arrangements: str = ""
    # Whether the named manager may be told of the request and see where it stands (the practitioner's
    # choice). None: not answered, which the form refuses when a manager is named; the API defaults to False.
    tell_manager: bool | None = False


def _ask_problems(person: Person, ask: DebriefAsk, today: dt.date) -> tuple[list[Problem], list[tuple[str, str]]]:
    """Everything wrong with an ask, and the partner addresses cleaned."""
    problems = []
    if ask.incident_date is None:
        problems.append(Problem("Enter the date of the incident", "incident_date"))
    elif ask.incident_date > today:
        problems.append(Problem("The incident date must be today or in the past", "incident_date"))
    elif (today - ask.incident_date).days > MAX_INCIDENT_AGE_DAYS:
        problems.append(Problem("The incident must be within the last year; speak to the programme lead about older "
                                "incidents", "incident_date"))
    if ask.incident_category not in CATEGORY_VALUES:
        problems.append(Problem("Choose the kind of incident", "incident_category"))
    if ask.preferred_format not in tuple(f.value for f in PreferredFormat):
        problems.append(Problem("Choose individual, group or either", "preferred_format"))
    asking_as_manager = person.role in (Role.MANAGER.value, Role.LEAD.value)
    if ask.manager is None and not asking_as_manager:
        problems.append(Problem("Name your manager: a practitioner asks for a debrief with their manager", "manager"))
    if ask.manager is not None:
        if ask.manager.id == person.id:
            problems.append(Problem("Name your manager, not yourself", "manager"))
        elif ask.manager.role not in (Role.MANAGER.value, Role.LEAD.value):
            problems.append(Problem(f"{ask.manager.name} is not a manager on the roster", "manager"))
        if ask.tell_manager is None:
            problems.append(Problem("Say whether we can tell your manager that you have asked", "tell_manager"))
    if len(ask.arrangements) > 1000:
        problems.append(Problem("Arrangements must be 1000 characters or fewer", "arrangements"))
    emails = []
    for email, agency in ask.invite_emails or []:
        email = email.strip().lower()
        if len(email) > 320 or not EMAIL_RE.match(email):  # 320: the longest address, and the column's limit
            problems.append(Problem(f"{email[:60]!r} is not an e-mail address", "partner_emails"))
        elif len(agency.strip()) > 200:
            problems.append(Problem(f"The agency for {email} must be 200 characters or fewer", "partner_emails"))
        else:
            emails.append((email, agency.strip()))
    if len(ask.invite_people or []) + len(emails) > MAX_ATTENDEES:
        problems.append(Problem(f"Invite at most {MAX_ATTENDEES} people; a larger group needs more than one session",
                                "invite_people"))
    return problems, emails


def request_debrief(person: Person, ask: DebriefAsk, *, via: str = "") -> DebriefRequest:
    """Record a request; a practitioner names their manager, a manager may ask directly.

    ``via`` says how it came, for the audit trail (the pages leave it empty, the API says so).
    """
    today = today_uk()
    problems, emails = _ask_problems(person, ask, today)
    refuse_if(problems, ProgrammeError)
    teams = list(ask.affected_teams or [])
    if not teams and person.team is not None:
        teams = [person.team]
    request = DebriefRequest(
        requested_by=person,
        manager=ask.manager,
        requested_on=today,
        incident_date=ask.incident_date,
        incident_category=ask.incident_category,
        preferred_format=ask.preferred_format,
        arrangements=ask.arrangements.strip(),
        status=RequestStatus.REQUESTED.value,
        manager_told=ask.manager is not None and bool(ask.tell_manager),
    )
    request.affected_teams = teams
    request.involved = list({p.id: p for p in (ask.involved or [])}.values())
    db.session.add(request)
    invited = {person.id}
    request.invitations.append(DebriefInvitation(person=person))
    for other in ask.invite_people or []:
        if other.id not in invited:
            invited.add(other.id)
            request.invitations.append(DebriefInvitation(person=other))
    seen_emails = {p.email for p in [person, *(ask.invite_people or [])]}
    for email, agency in emails:
        if email not in seen_emails:
            seen_emails.add(email)
            request.invitations.append(DebriefInvitation(email=email, agency=agency))
    db.session.flush()
    audit.record("debrief_requested", request, person=person, detail=via)
    return request


def can_view(person: Person, request: DebriefRequest) -> bool:
    """Only programme leads and the assigned facilitator see a debrief request."""
    return person.role == Role.LEAD.value or (request.facilitator_id is not None and request.facilitator_id == person.id)


# Built once: a participant's page runs it on every visit.
_INVITATIONS_FOR = (
    db.select(DebriefInvitation)
    .join(DebriefRequest, DebriefRequest.id == DebriefInvitation.request_id)
    .where(DebriefInvitation.person_id == bindparam("person_id"))
    .options(contains_eager(DebriefInvitation.request).joinedload(DebriefRequest.session))
    .order_by(DebriefRequest.requested_at.desc())
)


def invitations_for(person: Person) -> list[DebriefInvitation]:
    """A participant's own invitations (their session's when and where, nothing else), with each request
    and its session read in the same query."""
    return list(db.session.scalars(_INVITATIONS_FOR, {"person_id": person.id}))
