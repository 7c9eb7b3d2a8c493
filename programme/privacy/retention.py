"""Retention: personal links removed from closed records older than the retention period, figures unchanged."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import delete, func, select, update

from programme.debriefs.models import DebriefInvitation, DebriefRequest
from programme.evaluation.models import SurveyInvitation
from programme.models import Booking, LearningPoint, ProgrammeSession, Status
from programme.privacy.policy import FINISHED_REQUESTS, PrivacyError
from programme.support.models import SupportReferral
from rosters import audit
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from rosters.models import AuditEvent, Person, SignInSession
from rosters.people.models import PasswordLink

DEFAULT_RETENTION_MONTHS = 24
MAX_RETENTION_MONTHS = 1200  # a hundred years: longer is not a retention period


def retention_months() -> int:
    """The configured retention period (``RETENTION_MONTHS``, default 24)."""
    return int(current_app.config.get("RETENTION_MONTHS") or DEFAULT_RETENTION_MONTHS)


def retention_cutoff(months: int) -> dt.date:
    """The first day still kept: records dated before it lose their personal links."""
    if not 1 <= months <= MAX_RETENTION_MONTHS:
        raise PrivacyError(f"the retention period must be from 1 to {MAX_RETENTION_MONTHS} months")
    return today_uk() - relativedelta(months=months)


@dataclass
class RetentionResult:
    """What a retention run changed (or, in a dry run, would change)."""

    cutoff: dt.date
    dry_run: bool = False
    counts: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        parts = ", ".join(f"{label} {self.counts[key]}" for key, label in RETENTION_LABELS)
        held = self.counts["held_requests"]
        return (f"Retention before {self.cutoff.isoformat()}: {verb} personal links from {parts}; "
                f"{held} debrief request{'' if held == 1 else 's'} under legal hold kept.")


RETENTION_LABELS = (
    ("debrief_requests", "debrief requests"),
    ("invitations", "invitations"),
    ("involved", "involved-people entries"),
    ("learning_points", "learning points"),
    ("sessions", "sessions"),
    ("bookings", "bookings"),
    ("audit_events", "audit lines"),
    ("sign_ins", "sign-ins"),
    ("password_links", "password links"),
    ("survey_links", "feedback and pulse links"),
    ("support_referrals", "referrals to further support"),
)


def _held_people() -> set[int]:
    return set(db.session.scalars(select(Person.id).where(Person.legal_hold.is_(True))))


def _held_requests() -> set[int]:
    return set(db.session.scalars(select(DebriefRequest.id).where(DebriefRequest.legal_hold.is_(True))))


def _not_held(column, held: set[int]):
    """``column`` points at someone, and not at anyone under a legal hold."""
    condition = column.is_not(None)
    return condition & column.not_in(held) if held else condition


def apply_retention(months: int | None = None, *, dry_run: bool = False) -> RetentionResult:
    """Remove personal links from records older than ``months``; a dry run rolls everything back."""
    months = retention_months() if months is None else months
    cutoff = retention_cutoff(months)
    result = RetentionResult(cutoff, dry_run)
    counts = result.counts
    now = utcnow()
    held_people = _held_people()
    held_requests = _held_requests()
    # A debrief's session keeps its facilitator while its request is held or still open.
    held_sessions = set(
        db.session.scalars(select(DebriefRequest.session_id).where(
            DebriefRequest.session_id.is_not(None),
            DebriefRequest.legal_hold.is_(True) | DebriefRequest.status.not_in(FINISHED_REQUESTS)))
    )

    r = DebriefRequest
    counts["held_requests"] = db.session.scalar(
        select(func.count()).select_from(r).where(r.legal_hold.is_(True), r.requested_on < cutoff)
    ) or 0
    requests = db.session.scalars(
        select(r).where(r.requested_on < cutoff, r.status.in_(FINISHED_REQUESTS), r.legal_hold.is_(False))
    ).all()
    counts["support_referrals"] = _strip_referrals([item.id for item in requests], held_people)
    for item in requests:
        changed = _strip_request(item, held_people, counts)
        if changed:
            counts["debrief_requests"] += 1
    request_ids = [item.id for item in requests]

    # Learning points are written without personal details; only their author link is personal.
    lp = LearningPoint
    old_point = lp.created_at < dt.datetime.combine(cutoff, dt.time())
    if held_requests:
        old_point = old_point & (lp.request_id.is_(None) | lp.request_id.not_in(held_requests))
    if request_ids:
        old_point = old_point | lp.request_id.in_(request_ids)
    counts["learning_points"] = db.session.execute(
        update(lp).where(_not_held(lp.created_by_id, held_people), old_point).values(created_by_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount

    s = ProgrammeSession
    old_session = (s.date < cutoff) & (s.id.not_in(held_sessions) if held_sessions else True)
    counts["sessions"] = db.session.execute(
        update(s)
        .where(old_session, s.status.in_((Status.DELIVERED.value, Status.CANCELLED.value)),
               _not_held(s.facilitator_id, held_people))
        .values(facilitator_id=None, anonymised_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    counts["bookings"] = db.session.execute(
        update(Booking)
        .where(_not_held(Booking.person_id, held_people), Booking.session_id.in_(select(s.id).where(old_session)))
        .values(person_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount

    # Feedback and pulse links keep their rows (response rates stay the same) but lose their person;
    # an unanswered one can then no longer be used.
    counts["survey_links"] = db.session.execute(
        update(SurveyInvitation)
        .where(_not_held(SurveyInvitation.person_id, held_people),
               SurveyInvitation.created_at < dt.datetime.combine(cutoff, dt.time()))
        .values(person_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount

    # The audit trail is append-only for the application; retention is the one documented exception,
    # and it only empties the person columns (Core UPDATE: the ORM guard refuses any change).
    events = AuditEvent.__table__
    old_event = events.c.at < dt.datetime.combine(cutoff, dt.time())
    if held_requests:
        old_event = old_event & ~((events.c.object_type == "DebriefRequest") & events.c.object_id.in_(held_requests))
    counts["audit_events"] = db.session.execute(
        update(events).where(old_event, _not_held(events.c.person_id, held_people)).values(person_id=None)
    ).rowcount
    person_object = (events.c.object_type == "Person") & _not_held(events.c.object_id, held_people)
    counts["audit_events"] += db.session.execute(
        update(events).where(old_event, person_object).values(object_id=None)
    ).rowcount

    # Sign-ins that ended long ago say only when someone used the service.
    counts["sign_ins"] = db.session.execute(
        delete(SignInSession).where(
            SignInSession.ended_at.is_not(None), SignInSession.created_at < dt.datetime.combine(cutoff, dt.time()),
            SignInSession.person_id.not_in(held_people) if held_people else True,
        ).execution_options(synchronize_session=False)
    ).rowcount
    # Links to set a password last three days at most; old ones say only that a lead sent one.
    counts["password_links"] = db.session.execute(
        delete(PasswordLink).where(
            PasswordLink.created_at < dt.datetime.combine(cutoff, dt.time()),
            PasswordLink.person_id.not_in(held_people) if held_people else True,
        ).execution_options(synchronize_session=False)
    ).rowcount
    db.session.flush()
    if dry_run:
        db.session.rollback()
    else:
        audit.record("retention_applied", detail=f"before {cutoff.isoformat()} ({months} months): "
                     + ", ".join(f"{key}={counts[key]}" for key, _ in RETENTION_LABELS)
                     + f", held_requests={counts['held_requests']}")
        db.session.flush()
    return result


def _strip_referrals(request_ids: list[int], held_people: set[int]) -> int:
    """Referrals on these requests lose their people (they stay as counts), before the invitations go."""
    if not request_ids:
        return 0
    r = SupportReferral
    invitations = select(DebriefInvitation.id).where(
        DebriefInvitation.request_id.in_(request_ids),
        (DebriefInvitation.person_id.is_(None) | DebriefInvitation.person_id.not_in(held_people))
        if held_people else True)
    on_requests = r.request_id.in_(request_ids)
    changed = db.session.scalar(select(func.count()).select_from(r).where(
        on_requests, r.invitation_id.in_(invitations) | _not_held(r.offered_by_id, held_people)
        | _not_held(r.followed_up_by_id, held_people))) or 0
    db.session.execute(
        update(r).where(on_requests, r.invitation_id.in_(invitations))
        .values(invitation_id=None).execution_options(synchronize_session=False)
    )
    for column in ("offered_by_id", "followed_up_by_id"):
        db.session.execute(
            update(r).where(on_requests, _not_held(getattr(r, column), held_people))
            .values({column: None}).execution_options(synchronize_session=False)
        )
    return changed


def _strip_request(item: DebriefRequest, held_people: set[int], counts: Counter) -> bool:
    """Remove a finished request's personal links, except to people under a legal hold."""
    changed = False
    for column in ("requested_by_id", "manager_id", "triaged_by_id", "facilitator_id"):
        value = getattr(item, column)
        if value is not None and value not in held_people:
            setattr(item, column, None)
            changed = True
    for invitation in list(item.invitations):
        if invitation.person_id is None or invitation.person_id not in held_people:
            item.invitations.remove(invitation)  # delete-orphan
            counts["invitations"] += 1
            changed = True
    for person in list(item.involved):
        if person.id not in held_people:
            item.involved.remove(person)
            counts["involved"] += 1
            changed = True
    texts = ("arrangements", "decline_reason", "withdraw_reason", "change_asked", "agreed_due_reason",
             "follow_up_open_reason")  # free text about the people concerned; the dates stay for the figures
    if any(getattr(item, name) for name in texts):
        for name in texts:
            setattr(item, name, "")
        changed = True
    if changed or item.anonymised_at is None:
        item.anonymised_at = item.anonymised_at or utcnow()
    return changed
