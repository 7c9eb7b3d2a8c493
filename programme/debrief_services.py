"""Critical-incident debriefs: request, triage, an independent chair, the session log, follow-up, learning.

The session itself is a ``ProgrammeSession`` of kind ``debrief`` (so it counts in the figures); the
request around it holds triage, independence and follow-up. Nothing here records what was said:
there are no minutes by design, only areas of wider learning written without personal details.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func

from programme.models import (
    CATEGORY_VALUES,
    LEARNING_NEXT,
    MAX_ATTENDEES,
    DebriefInvitation,
    DebriefRequest,
    FollowUp,
    Kind,
    LearningPoint,
    LearningStatus,
    PreferredFormat,
    ProgrammeSession,
    RequestStatus,
    Status,
    local_to_utc,
    uk_time_exists,
)
from programme.services import Conflict, NotAllowed, ProgrammeError, bank_holidays, training_valid_on
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from rosters.models import Course, Person, Role, Team, TrainingRecord

EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
DEFAULT_FORUM = "Safeguarding Practice Learning and Improvement Group"
FORUM_MAX = 200  # learning_points.forum is VARCHAR(200)


def working_days_after(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (weekends and England and Wales bank holidays skipped)."""
    closed = bank_holidays(start, start + dt.timedelta(days=days * 3 + 14))
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in closed:
            remaining -= 1
    return day


@dataclass(frozen=True)
class Deadlines:
    offer_due: dt.date
    session_due: dt.date
    offer_overdue: bool
    session_overdue: bool


def deadlines(request: DebriefRequest) -> Deadlines:
    """When an offer and a session are due (clocks start at the request), and whether they are late."""
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


# ---------------------------------------------------------------------------------------------
# Asking


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


def request_debrief(person: Person, ask: DebriefAsk) -> DebriefRequest:
    """Record a request; a practitioner names their manager, a manager may ask directly."""
    today = today_uk()
    problems = []
    if ask.incident_date is None:
        problems.append("Enter the date of the incident")
    elif ask.incident_date > today:
        problems.append("The incident date must be today or in the past")
    elif (today - ask.incident_date).days > 366:
        problems.append("The incident must be within the last year; speak to the programme lead about older incidents")
    if ask.incident_category not in CATEGORY_VALUES:
        problems.append("Choose the kind of incident")
    if ask.preferred_format not in tuple(f.value for f in PreferredFormat):
        problems.append("Choose individual, group or either")
    asking_as_manager = person.role in (Role.MANAGER.value, Role.LEAD.value)
    if ask.manager is None and not asking_as_manager:
        problems.append("Name your manager: a practitioner asks for a debrief with their manager")
    if ask.manager is not None:
        if ask.manager.id == person.id:
            problems.append("Name your manager, not yourself")
        elif ask.manager.role not in (Role.MANAGER.value, Role.LEAD.value):
            problems.append(f"{ask.manager.name} is not a manager on the roster")
    if len(ask.arrangements) > 1000:
        problems.append("Arrangements must be 1000 characters or fewer")
    emails = []
    for email, agency in ask.invite_emails or []:
        email = email.strip().lower()
        if len(email) > 320 or not EMAIL_RE.match(email):  # 320: the longest address, and the column's limit
            problems.append(f"{email[:60]!r} is not an e-mail address")
        elif len(agency.strip()) > 200:
            problems.append(f"The agency for {email} must be 200 characters or fewer")
        else:
            emails.append((email, agency.strip()))
    if len(ask.invite_people or []) + len(emails) > MAX_ATTENDEES:
        problems.append(f"Invite at most {MAX_ATTENDEES} people; a larger group needs more than one session")
    if problems:
        raise ProgrammeError("\n".join(problems))

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
    return request


# ---------------------------------------------------------------------------------------------
# Who may see a debrief


def can_view(person: Person, request: DebriefRequest) -> bool:
    """Only programme leads and the assigned facilitator see a debrief request."""
    return person.role == Role.LEAD.value or (request.facilitator_id is not None and request.facilitator_id == person.id)


def invitations_for(person: Person) -> list[DebriefInvitation]:
    """A participant's own invitations (their session's when and where, nothing else)."""
    return list(
        db.session.scalars(
            db.select(DebriefInvitation)
            .join(DebriefRequest, DebriefRequest.id == DebriefInvitation.request_id)
            .where(DebriefInvitation.person_id == person.id)
            .order_by(DebriefRequest.requested_at.desc())
        )
    )


# ---------------------------------------------------------------------------------------------
# Triage


def accept_request(request: DebriefRequest, lead: Person) -> None:
    if request.status != RequestStatus.REQUESTED.value:
        raise Conflict("This request has already been triaged")
    request.status = RequestStatus.ACCEPTED.value
    request.triaged_by = lead
    request.triaged_at = utcnow()


def decline_request(request: DebriefRequest, lead: Person, reason: str) -> None:
    if request.status != RequestStatus.REQUESTED.value:
        raise Conflict("This request has already been triaged")
    if not reason.strip():
        raise ProgrammeError("Give a reason for declining; the person who asked will see it")
    request.status = RequestStatus.DECLINED.value
    request.decline_reason = reason.strip()[:1000]
    request.triaged_by = lead
    request.triaged_at = utcnow()


# ---------------------------------------------------------------------------------------------
# Choosing an independent chair


@dataclass(frozen=True)
class ChairOption:
    person: Person
    load: int  # debriefs chaired in the session's month
    reasons: tuple[str, ...]  # why they cannot chair; empty when they can

    @property
    def eligible(self) -> bool:
        return not self.reasons


def month_load(person_ids: list[int], day: dt.date, *, ignore_session_id: int | None = None) -> dict[int, int]:
    """Debriefs each person chairs (not cancelled) in the calendar month of ``day``."""
    first = day.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    rows = db.session.execute(
        db.select(ProgrammeSession.facilitator_id, func.count())
        .where(
            ProgrammeSession.facilitator_id.in_(person_ids),
            ProgrammeSession.kind == Kind.DEBRIEF.value,
            ProgrammeSession.status != Status.CANCELLED.value,
            ProgrammeSession.date.between(first, last),
            ProgrammeSession.id != (ignore_session_id or 0),
        )
        .group_by(ProgrammeSession.facilitator_id)
    ).all()
    loads = dict.fromkeys(person_ids, 0)
    loads.update(dict(rows))
    return loads


def independence_problems(person: Person, request: DebriefRequest) -> list[str]:
    """Why a person is not independent of this case (empty when they are)."""
    problems = []
    if person.id == request.requested_by_id:
        problems.append("asked for this debrief")
    if person.team_id is not None and person.team_id in {team.id for team in request.affected_teams}:
        problems.append("works in an affected team")
    if person.id in {p.id for p in request.involved}:
        problems.append("declared as involved in the case")
    if request.manager_id is not None and person.id == request.manager_id:
        problems.append("is the line manager of the person who asked")
    if person.id != request.requested_by_id and any(i.person_id == person.id for i in request.invitations):
        problems.append("is invited to the session")
    return problems


def chair_options(request: DebriefRequest, day: dt.date) -> list[ChairOption]:
    """Everyone trained to debrief, eligible and least loaded first, with reasons for those who cannot."""
    cap = current_app.config["DEBRIEF_MONTHLY_CAP"]
    trained = db.select(TrainingRecord.person_id).where(TrainingRecord.course == Course.CRITICAL_INCIDENT_DEBRIEF.value)
    people = db.session.scalars(db.select(Person).where(Person.enabled.is_(True), Person.id.in_(trained))).all()
    loads = month_load([p.id for p in people], day, ignore_session_id=request.session_id)
    options = []
    for person in people:
        reasons = independence_problems(person, request)
        if not training_valid_on(person, Course.CRITICAL_INCIDENT_DEBRIEF, day):
            reasons.append(f"no valid debrief training on {day:%-d %B %Y}")
        if loads[person.id] >= cap:
            reasons.append(f"already chairs {loads[person.id]} debriefs that month (the limit is {cap})")
        options.append(ChairOption(person, loads[person.id], tuple(reasons)))
    return sorted(options, key=lambda o: (not o.eligible, o.load, o.person.name.lower()))


# ---------------------------------------------------------------------------------------------
# Arranging the session


@dataclass
class Arrangement:
    facilitator: Person
    day: dt.date
    start: dt.time
    duration_minutes: int
    format: str
    location: str = ""
    online_link: str = ""


def arrange_session(request: DebriefRequest, plan: Arrangement) -> ProgrammeSession:
    """Offer a dated session with an independent, trained chair under the monthly cap."""
    if request.status not in (RequestStatus.ACCEPTED.value, RequestStatus.SCHEDULED.value):
        raise Conflict("Accept the request before arranging a session")
    problems = []
    if plan.day < today_uk():
        problems.append("The session date must be today or later")
    if plan.day < request.incident_date:
        problems.append("The session cannot be before the incident")
    if plan.format not in ("individual", "group"):
        problems.append("Choose individual or group")
    if not 15 <= plan.duration_minutes <= 480:
        problems.append("The length must be between 15 and 480 minutes")
    if not uk_time_exists(plan.day, plan.start):
        problems.append(f"{plan.start:%H:%M} does not exist on {plan.day:%-d %B %Y} (the clocks go forward)")
    if not (plan.location.strip() or plan.online_link.strip()):
        problems.append("Give a place or an online link")
    option = next((o for o in chair_options(request, plan.day) if o.person.id == plan.facilitator.id), None)
    if option is None:
        problems.append(f"{plan.facilitator.name} has no critical-incident debrief training")
    elif not option.eligible:
        problems.append(f"{plan.facilitator.name} cannot chair this debrief: " + "; ".join(option.reasons))
    if problems:
        raise ProgrammeError("\n".join(problems))
    team = request.affected_teams[0] if request.affected_teams else request.requested_by.team
    if team is None:
        raise ProgrammeError("Add an affected team to the request first")
    session = request.session
    if session is None:
        session = ProgrammeSession(kind=Kind.DEBRIEF.value, status=Status.SCHEDULED.value)
        db.session.add(session)
        request.session = session
    elif session.status != Status.SCHEDULED.value:
        raise Conflict("The session has already taken place or been cancelled")
    session.format = plan.format
    session.team = team
    session.date = plan.day
    session.starts_at = local_to_utc(plan.day, plan.start)
    session.duration_minutes = plan.duration_minutes
    session.facilitator = plan.facilitator
    session.requested_on = request.requested_on
    session.incident_category = request.incident_category
    session.location = plan.location.strip()
    session.online_link = plan.online_link.strip()
    request.facilitator = plan.facilitator
    request.offered_at = request.offered_at or utcnow()
    request.status = RequestStatus.SCHEDULED.value
    now = utcnow()
    for invitation in request.invitations:
        invitation.invited_at = now
    db.session.flush()
    return session


# ---------------------------------------------------------------------------------------------
# After the session: the log (no minutes), follow-up and learning


@dataclass
class SessionLog:
    delivered: bool
    attendees: int | None = None
    duration_minutes: int | None = None
    closed_safe_uplifting: bool = False
    signposted_eap: bool = False
    signposted_occupational_health: bool = False
    signposted_gp: bool = False
    learning: list[str] | None = None
    forum: str = DEFAULT_FORUM
    not_delivered_reason: str = ""


def log_session(request: DebriefRequest, person: Person, log: SessionLog) -> None:
    """The chair records what was delivered; no record of what anyone said."""
    if not can_view(person, request) or (person.role != Role.LEAD.value and request.facilitator_id != person.id):
        raise NotAllowed("Only the chair or a programme lead can log this session")
    session = request.session
    if session is None or session.status != Status.SCHEDULED.value:
        raise Conflict("There is no arranged session waiting to be logged")
    if session.starts_at > utcnow():
        raise Conflict("The session can be logged once it has started")
    problems = []
    if log.delivered:
        if log.attendees is None or log.attendees < 1:
            problems.append("Enter how many practitioners attended (1 or more)")
        if log.duration_minutes is None or not 15 <= log.duration_minutes <= 480:
            problems.append("Enter the length of the session in minutes (15 to 480)")
    elif not log.not_delivered_reason.strip():
        problems.append("Say why the session did not go ahead")
    points = [text.strip() for text in (log.learning or []) if text.strip()]
    for text in points:
        if len(text) > 2000:
            problems.append("Each learning point must be 2000 characters or fewer")
    if points and len(log.forum.strip()) > FORUM_MAX:
        problems.append(f"The forum must be {FORUM_MAX} characters or fewer")
    if problems:
        raise ProgrammeError("\n".join(problems))
    if log.delivered:
        session.status = Status.DELIVERED.value
        session.attendees = log.attendees
        session.duration_minutes = log.duration_minutes
        request.status = RequestStatus.DELIVERED.value
        request.closed_safe_uplifting = log.closed_safe_uplifting
        request.signposted_eap = log.signposted_eap
        request.signposted_occupational_health = log.signposted_occupational_health
        request.signposted_gp = log.signposted_gp
        request.follow_up_due_on = session.date + dt.timedelta(days=current_app.config["FOLLOW_UP_DAYS"])
        request.follow_up = FollowUp.PENDING.value
    else:
        session.status = Status.CANCELLED.value
        session.cancelled_reason = log.not_delivered_reason.strip()[:500]
        # The request lives on in the next session; this row no longer counts as a request of its own.
        session.requested_on = None
        request.status = RequestStatus.ACCEPTED.value  # still owed a session
        request.session = None
        request.facilitator = None  # a new chair is chosen; the old one no longer sees the request
    for text in points:
        db.session.add(LearningPoint(request=request, text=text, forum=log.forum.strip() or DEFAULT_FORUM,
                                     created_by=person))
    db.session.flush()


def record_follow_up(request: DebriefRequest, outcome: str) -> None:
    """The check-in about a month later (active monitoring): done or declined; closes the request."""
    if request.status != RequestStatus.DELIVERED.value:
        raise Conflict("A follow-up is recorded after the session has been delivered")
    if outcome not in (FollowUp.DONE.value, FollowUp.DECLINED.value):
        raise ProgrammeError("Choose done or declined")
    request.follow_up = outcome
    request.follow_up_recorded_at = utcnow()
    request.status = RequestStatus.CLOSED.value


def add_learning_point(text: str, forum: str, person: Person, request: DebriefRequest | None = None) -> LearningPoint:
    if not text.strip():
        raise ProgrammeError("Write the learning point")
    if len(text.strip()) > 2000:
        raise ProgrammeError("A learning point must be 2000 characters or fewer")
    if len(forum.strip()) > FORUM_MAX:  # the column's limit; PostgreSQL would refuse the row with an error
        raise ProgrammeError(f"The forum must be {FORUM_MAX} characters or fewer")
    point = LearningPoint(request=request, text=text.strip(), forum=forum.strip() or DEFAULT_FORUM, created_by=person)
    db.session.add(point)
    db.session.flush()
    return point


def advance_learning_point(point: LearningPoint, outcome: str = "") -> None:
    """draft -> approved -> shared -> closed."""
    following = LEARNING_NEXT.get(point.status)
    if following is None:
        raise Conflict("This learning point is closed")
    point.status = following
    now = utcnow()
    if following == LearningStatus.APPROVED.value:
        point.approved_at = now
    elif following == LearningStatus.SHARED.value:
        point.shared_at = now
    else:
        point.closed_at = now
        point.outcome = outcome.strip()[:2000]
