"""After a debrief: the chair's log of what was delivered (never what was said) and the follow-up.

There are no minutes by design; areas of wider learning are written without personal details and go to
the learning log. The chair's checklist (``CHAIR_CHECKLIST``) is shown before and while logging. No more
people can have attended than were invited plus the others allowed when arranging. The follow-up opens on
its due date, or earlier when a lead opens it with a reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app

from programme.calendars import event_changed
from programme.debriefs.asking import can_view
from programme.debriefs.models import DebriefRequest, FollowUp, RequestStatus
from programme.errors import Conflict, NotAllowed, ProgrammeError
from programme.learning.operations import DEFAULT_FORUM, FORUM_MAX, POINT_MAX
from programme.learning.screening import flags_text, screen_against_roster
from programme.models import MAX_PLACES, LearningPoint, Status
from programme.rules import LONGEST_MINUTES, SHORTEST_MINUTES, length_allowed
from rosters import audit
from rosters.clock import today_uk, utcnow
from rosters.errors import Problem, refuse_if
from rosters.extensions import db
from rosters.models import Person, Role

# What a chair keeps in mind before and during a debrief, in our own words. The one copy of the text: the
# request page and the log page both show it from here.
CHAIR_CHECKLIST: tuple[str, ...] = (
    "Keep it informal: there is no agenda and no formal minutes.",
    "Each person shares only what they choose to; no one has to speak.",
    "Keep the focus on what the practitioners went through, not on decisions about the child or the case.",
    "It is not therapy and does not replace it: point people to further support where it would help.",
    "Before people leave, close with a safe and uplifting topic.",
)
OPEN_REASON_MAX = 500  # DebriefRequest.follow_up_open_reason


@dataclass
class SessionLog:
    delivered: bool
    attendees: int | None = None
    duration_minutes: int | None = None
    closed_safe_uplifting: bool | None = None  # required (yes or no) when the session went ahead
    signposted_eap: bool = False
    signposted_occupational_health: bool = False
    signposted_gp: bool = False
    learning: list[str] | None = None
    forum: str = DEFAULT_FORUM
    not_delivered_reason: str = ""
    learning_checked: bool = False  # the chair has checked that flagged words identify no one


@dataclass(frozen=True)
class AttendanceLimit:
    """How many people can have attended: those invited (the person who asked among them) and the others allowed."""

    invited: int
    others: int

    @property
    def most(self) -> int:
        return self.invited + self.others

    @property
    def words(self) -> str:
        return f"{self.invited} invited and {self.others} {'other' if self.others == 1 else 'others'} allowed"


def attendance_limit(request: DebriefRequest) -> AttendanceLimit:
    return AttendanceLimit(len(request.invitations), request.others_allowed or 0)


def _log_problems(log: SessionLog, points: list[str], limit: AttendanceLimit) -> list[Problem]:
    problems = []
    if log.delivered:
        if log.attendees is None or log.attendees < 1:
            problems.append(Problem("Enter how many practitioners attended (1 or more)", "attendees"))
        elif log.attendees > MAX_PLACES:
            problems.append(Problem(f"Attendance must be between 1 and {MAX_PLACES}", "attendees"))
        elif log.attendees > limit.most:
            people = "person" if limit.most == 1 else "people"
            problems.append(Problem(f"At most {limit.most} {people} can have attended: {limit.words}", "attendees"))
        if not length_allowed(log.duration_minutes):
            problems.append(Problem(f"Enter the length of the session in minutes ({SHORTEST_MINUTES} to "
                                    f"{LONGEST_MINUTES})", "duration_minutes"))
        if log.closed_safe_uplifting is None:
            problems.append(Problem("Select yes if the session closed with a safe and uplifting topic, or no",
                                    "closed_safe_uplifting"))
    elif not log.not_delivered_reason.strip():
        problems.append(Problem("Say why the session did not go ahead", "reason"))
    for text in points:
        if len(text) > POINT_MAX:
            problems.append(Problem(f"Each learning point must be {POINT_MAX} characters or fewer", "learning_1"))
    for number, text in enumerate(log.learning or [], start=1):
        flags = screen_against_roster(text.strip()) if text.strip() and not log.learning_checked else []
        if flags:
            problems.append(Problem(
                f"Learning point {number} may identify someone: {flags_text(flags)}. Rephrase it, or tick "
                "“I have checked: these points identify no one” to save it as it is", f"learning_{number}"))
    if points and len(log.forum.strip()) > FORUM_MAX:
        problems.append(Problem(f"The forum must be {FORUM_MAX} characters or fewer", "forum"))
    return problems


def log_session(request: DebriefRequest, person: Person, log: SessionLog) -> None:
    """The chair records what was delivered; no record of what anyone said."""
    if not can_view(person, request) or (person.role != Role.LEAD.value and request.facilitator_id != person.id):
        raise NotAllowed("Only the chair or a programme lead can log this session")
    session = request.session
    if session is None or session.status != Status.SCHEDULED.value:
        raise Conflict("There is no arranged session waiting to be logged")
    if not session.has_started():
        raise Conflict("The session can be logged once it has started")
    points = [text.strip() for text in (log.learning or []) if text.strip()]
    refuse_if(_log_problems(log, points, attendance_limit(request)), ProgrammeError)
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
        event_changed(session)
        # The request lives on in the next session; this row no longer counts as a request of its own.
        session.requested_on = None
        request.status = RequestStatus.ACCEPTED.value  # still owed a session
        request.session = None
        request.facilitator = None  # a new chair is chosen; the old one no longer sees the request
    for text in points:
        db.session.add(LearningPoint(request=request, text=text, forum=log.forum.strip() or DEFAULT_FORUM,
                                     created_by=person))
    db.session.flush()
    checked = "; learning points checked by the chair" if points and log.learning_checked else ""
    audit.record("debrief_session_logged", request, person=person,
                 detail=("delivered" if log.delivered else "not delivered") + checked)


def follow_up_open(request: DebriefRequest) -> bool:
    """The follow-up of a delivered debrief can be recorded: it is due (today or before), or a lead opened it."""
    if request.status != RequestStatus.DELIVERED.value or request.follow_up != FollowUp.PENDING.value:
        return False
    due = request.follow_up_due_on
    return request.follow_up_opened_at is not None or due is None or today_uk() >= due


def record_follow_up(request: DebriefRequest, outcome: str) -> None:
    """The check-in about a month later (active monitoring): done or declined; closes the request."""
    if request.status != RequestStatus.DELIVERED.value:
        raise Conflict("A follow-up is recorded after the session has been delivered")
    if not follow_up_open(request):
        raise Conflict(f"The follow-up opens on {request.follow_up_due_on:%-d %B %Y}. A programme lead can open it "
                       "earlier, with a reason")
    if outcome not in (FollowUp.DONE.value, FollowUp.DECLINED.value):
        raise ProgrammeError(Problem("Choose done or declined", "outcome"))
    request.follow_up = outcome
    request.follow_up_recorded_at = utcnow()
    request.status = RequestStatus.CLOSED.value
    audit.record("debrief_follow_up_recorded", request, detail=outcome)


def open_follow_up_early(request: DebriefRequest, lead: Person, reason: str) -> None:
    """A lead opens the follow-up before its due date (the practitioners asked for it sooner), saying why."""
    if lead.role != Role.LEAD.value:
        raise NotAllowed("Only a programme lead can open the follow-up early")
    if request.status != RequestStatus.DELIVERED.value or request.follow_up != FollowUp.PENDING.value:
        raise Conflict("There is no follow-up waiting: it opens once the session has been delivered")
    if follow_up_open(request):
        raise Conflict("The follow-up is open already")
    text = reason.strip()
    if not text:
        raise ProgrammeError(Problem("Give a reason for opening the follow-up early", "reason"))
    if len(text) > OPEN_REASON_MAX:
        raise ProgrammeError(Problem(f"The reason must be {OPEN_REASON_MAX} characters or fewer", "reason"))
    request.follow_up_opened_at = utcnow()
    request.follow_up_open_reason = text
    db.session.flush()
    audit.record("debrief_follow_up_opened", request, person=lead,
                 detail=f"opened before its due date, {request.follow_up_due_on:%Y-%m-%d}")
