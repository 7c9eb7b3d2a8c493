"""Feedback after a delivered session: who is invited when a register is taken or a debrief logged.

Supervision and debriefs call ``invite_after_register`` or ``invite_after_debrief`` in the same
transaction as the register or the log, and e-mail the links they return (``notices.feedback_invitation``)
once it commits. Each person is invited once per session; a register corrected to say someone did not
attend withdraws their unanswered link, and corrected back gives them a fresh one. The facilitator or
chair is never invited to rate their own session. What the answers add up to is in ``summary``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app

from programme.debriefs.models import DebriefRequest
from programme.evaluation.answers import invite, session_feedback_questionnaire, withdraw_session_invitations
from programme.evaluation.models import SurveyInvitation
from programme.evaluation.summary import feedback_summary  # noqa: F401  (the evaluation report's entry point)
from programme.models import Attendance, BookingStatus, ProgrammeSession, Status
from rosters.clock import today_uk
from rosters.models import Person

DEFAULT_FEEDBACK_DAYS = 28


@dataclass(frozen=True)
class FeedbackLink:
    """A new invitation and its secret: the secret goes in the person's e-mail and is never stored."""

    person: Person
    session: ProgrammeSession
    invitation: SurveyInvitation
    secret: str


def feedback_days() -> int:
    """How long a feedback link can be used (``FEEDBACK_DAYS``, default 28)."""
    return int(current_app.config.get("FEEDBACK_DAYS") or DEFAULT_FEEDBACK_DAYS)


def link_expires_on() -> dt.date:
    return today_uk() + dt.timedelta(days=feedback_days())


def _can_be_invited(person: Person | None, session: ProgrammeSession) -> bool:
    return (person is not None and person.enabled and person.anonymised_at is None
            and person.id != session.facilitator_id)


def invite_to_session(session: ProgrammeSession, people: Iterable[Person]) -> list[FeedbackLink]:
    """Invite each person (once, never the facilitator) to give feedback on a delivered session.

    Unanswered links of anyone else invited to this session are withdrawn: they are no longer counted
    as having been there. The answer will count for the session's team and kind, in the month given.
    """
    chosen: dict[int, Person] = {}
    for person in people:
        if _can_be_invited(person, session):
            chosen.setdefault(person.id, person)
    withdraw_session_invitations(session.id, set(chosen))
    if not chosen or session.status != Status.DELIVERED.value:
        return []
    questionnaire = session_feedback_questionnaire()
    expires_on = link_expires_on()
    links = []
    for person in sorted(chosen.values(), key=lambda p: p.id):
        made = invite(person, questionnaire, expires_on=expires_on, session=session, team_id=session.team_id,
                      renew_withdrawn=True)
        if made is not None:
            invitation, secret = made
            links.append(FeedbackLink(person, session, invitation, secret))
    return links


def invite_after_register(session: ProgrammeSession) -> list[FeedbackLink]:
    """After a supervision register: everyone marked as attended; a session that did not go ahead
    withdraws every unanswered link."""
    if session.status != Status.DELIVERED.value:
        withdraw_session_invitations(session.id, set())
        return []
    attended = [b.person for b in session.bookings
                if b.status == BookingStatus.BOOKED.value and b.attendance == Attendance.ATTENDED.value]
    return invite_to_session(session, attended)


def debrief_participants(request: DebriefRequest) -> list[Person]:
    """Who took part in a debrief logged by a count of attendees: the requester and everyone on the
    roster who was invited (partner-agency colleagues invited by e-mail alone cannot be reached
    anonymously and are left out), never the chair."""
    people = [request.requested_by] + [invitation.person for invitation in request.invitations]
    return [p for p in people if p is not None and p.id != request.facilitator_id]


def invite_after_debrief(request: DebriefRequest, session: ProgrammeSession | None) -> list[FeedbackLink]:
    """After a debrief is logged as delivered: its participants (``debrief_participants``).

    ``session`` is the session that was logged: one logged as not delivered is no longer the request's.
    """
    if session is None or session.status != Status.DELIVERED.value:
        return []
    return invite_to_session(session, debrief_participants(request))
