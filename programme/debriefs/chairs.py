"""An independent, trained chair for a debrief, and arranging its dated session.

Independence: not the person who asked, not in an affected team, not declared involved, not the line
manager, not invited. Training valid on the session's day, and under the monthly cap of debriefs
chaired. The session is a ``ProgrammeSession`` of kind ``debrief``, so it counts in the figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app

from programme.calendars import event_changed
from programme.debriefs.models import DebriefRequest, RequestStatus
from programme.errors import Conflict, ProgrammeError
from programme.models import Format, Kind, ProgrammeSession, Status
from programme.rules import LONGEST_MINUTES, SHORTEST_MINUTES, length_allowed, skipped_hour, somewhere
from programme.workload import month_of, sessions_led
from rosters import audit
from rosters.clock import local_to_utc, today_uk, utcnow
from rosters.errors import Problem, refuse_if
from rosters.extensions import db
from rosters.models import Course, Person
from rosters.services import people_trained_in


@dataclass(frozen=True)
class ChairOption:
    person: Person
    load: int  # debriefs chaired in the session's month
    reasons: tuple[str, ...]  # why they cannot chair; empty when they can

    @property
    def eligible(self) -> bool:
        return not self.reasons


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
    people = people_trained_in(Course.CRITICAL_INCIDENT_DEBRIEF)
    first, last = month_of(day)
    loads = sessions_led([p.id for p in people], Kind.DEBRIEF, first, last, ignore_session_id=request.session_id)
    options = []
    for person in people:
        reasons = independence_problems(person, request)
        if not person.trained_on(Course.CRITICAL_INCIDENT_DEBRIEF, day):
            reasons.append(f"no valid debrief training on {day:%-d %B %Y}")
        if loads[person.id] >= cap:
            reasons.append(f"already chairs {loads[person.id]} debriefs that month (the limit is {cap})")
        options.append(ChairOption(person, loads[person.id], tuple(reasons)))
    return sorted(options, key=lambda o: (not o.eligible, o.load, o.person.name.lower()))


@dataclass
class Arrangement:
    facilitator: Person
    day: dt.date
    start: dt.time
    duration_minutes: int
    format: str
    location: str = ""
    online_link: str = ""
    others_allowed: int = 0  # people who may come beyond those invited by name


OTHERS_LIMIT = 50


def _arrangement_problems(request: DebriefRequest, plan: Arrangement) -> list[Problem]:
    problems = []
    if plan.day < today_uk():
        problems.append(Problem("The session date must be today or later", "day"))
    elif plan.start is not None and local_to_utc(plan.day, plan.start) <= utcnow():
        # Today, but at a time already gone: no one can come to it, so nobody is sent it.
        problems.append(Problem("The session must start later than now", "start_time"))
    if not 0 <= plan.others_allowed <= OTHERS_LIMIT:
        problems.append(Problem(f"Others who may come must be a whole number from 0 to {OTHERS_LIMIT}",
                                "others_allowed"))
    if plan.day < request.incident_date:
        problems.append(Problem("The session cannot be before the incident", "day"))
    if plan.format not in (Format.INDIVIDUAL.value, Format.GROUP.value):
        problems.append(Problem("Choose individual or group", "format"))
    if not length_allowed(plan.duration_minutes):
        problems.append(Problem(f"The length must be between {SHORTEST_MINUTES} and {LONGEST_MINUTES} minutes",
                                "duration_minutes"))
    problems += filter(None, [skipped_hour(plan.day, plan.start), somewhere(plan.location, plan.online_link)])
    option = next((o for o in chair_options(request, plan.day) if o.person.id == plan.facilitator.id), None)
    if option is None:
        problems.append(Problem(f"{plan.facilitator.name} has no critical-incident debrief training", "chair"))
    elif not option.eligible:
        problems.append(Problem(f"{plan.facilitator.name} cannot chair this debrief: " + "; ".join(option.reasons),
                                "chair"))
    return problems


def _event_of(session: ProgrammeSession) -> tuple:
    """What a calendar shows of the session: when, how long, where."""
    return (session.starts_at, session.duration_minutes, session.location, session.online_link)


def arrange_session(request: DebriefRequest, plan: Arrangement) -> ProgrammeSession:
    """Offer a dated session with an independent, trained chair under the monthly cap."""
    if request.status not in (RequestStatus.ACCEPTED.value, RequestStatus.SCHEDULED.value):
        raise Conflict("Accept the request before arranging a session")
    refuse_if(_arrangement_problems(request, plan), ProgrammeError)
    team = request.affected_teams[0] if request.affected_teams else request.requested_by.team
    if team is None:
        raise ProgrammeError("Add an affected team to the request first")
    session = request.session
    rearranging = session is not None
    if session is None:
        session = ProgrammeSession(kind=Kind.DEBRIEF.value, status=Status.SCHEDULED.value)
        db.session.add(session)
        request.session = session
    elif session.status != Status.SCHEDULED.value:
        raise Conflict("The session has already taken place or been cancelled")
    before = _event_of(session) if rearranging else None
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
    if rearranging and _event_of(session) != before:
        event_changed(session)  # invitations already sent are replaced by the new time or place
    request.facilitator = plan.facilitator
    request.others_allowed = plan.others_allowed
    request.offered_at = request.offered_at or utcnow()
    request.status = RequestStatus.SCHEDULED.value
    now = utcnow()
    for invitation in request.invitations:
        invitation.invited_at = now
    db.session.flush()
    audit.record("debrief_session_rearranged" if rearranging else "debrief_session_arranged", request)
    return session
