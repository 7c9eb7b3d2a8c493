"""Erasure: one person removed everywhere while every figure stays the same."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update

from programme.debriefs.models import DebriefInvitation, DebriefRequest, debrief_involved_people
from programme.evaluation.models import Pulse, SurveyInvitation
from programme.models import Booking, LearningPoint, ProgrammeSession, Status, SupervisionSeries
from programme.privacy.access import request_links
from programme.privacy.policy import FINISHED_REQUESTS, PrivacyError
from programme.supervision.notices import promoted_place
from programme.supervision.places import cancel_booking  # the booking rules (locks, waitlist)
from programme.support.models import SupportReferral
from rosters import audit
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from rosters.mail import Message
from rosters.models import ApiToken, OutboxMessage, Person, Role, SignInSession, TrainingRecord
from rosters.people.models import PasswordLink

ERASED_NAME = "Erased person"
ERASED_DOMAIN = "erased.invalid"  # .invalid can never be a real address (RFC 2606)


@dataclass
class ErasureResult:
    """What erasing one person did; ``promoted`` are people given a freed place (to be told by e-mail)."""

    person_id: int
    deleted: bool = False
    counts: Counter = field(default_factory=Counter)
    promoted: list[Booking] = field(default_factory=list)

    def summary(self) -> str:
        kept = "row deleted" if self.deleted else "kept as an anonymised placeholder"
        parts = ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in sorted(self.counts.items()) if value)
        return f"Person {self.person_id} erased ({kept}){': ' + parts if parts else ''}."


def erasure_problems(person: Person) -> list[str]:
    """Why this person cannot be erased now (empty when they can)."""
    today = today_uk()
    problems = []
    if person.anonymised_at is not None:
        return ["this person has already been erased"]
    if person.legal_hold:
        problems.append(f"{person.email} is under a legal hold ({person.legal_hold_reason}); clear it first")
    if person.role == Role.LEAD.value:
        other_leads = db.session.scalar(
            select(func.count()).select_from(Person).where(
                Person.role == Role.LEAD.value, Person.id != person.id, Person.enabled.is_(True),
                Person.anonymised_at.is_(None))
        )
        if not other_leads:
            problems.append(f"{person.email} is the last programme lead; make someone else a lead first")
    links = request_links(person)
    r = DebriefRequest
    made = set(db.session.scalars(select(r.id).where(r.requested_by_id == person.id)))
    linked = db.session.scalars(select(r).where(r.id.in_(made | set(links))).order_by(r.id)).all()
    held = [item.id for item in linked if item.legal_hold]
    if held:
        problems.append(f"{person.email} is part of debrief request(s) {_ids(held)} under a legal hold")
    open_ids = [item.id for item in linked if item.status not in FINISHED_REQUESTS]
    if open_ids:
        problems.append(f"{person.email} is part of open debrief request(s) {_ids(open_ids)}; close or decline them first")
    upcoming = db.session.scalar(
        select(func.count()).select_from(ProgrammeSession).where(
            ProgrammeSession.facilitator_id == person.id, ProgrammeSession.status == Status.SCHEDULED.value,
            ProgrammeSession.date >= today)
    )
    series = db.session.scalar(
        select(func.count()).select_from(SupervisionSeries).where(
            SupervisionSeries.facilitator_id == person.id, SupervisionSeries.last_date >= today)
    )
    if upcoming or series:
        problems.append(f"{person.email} facilitates upcoming sessions; choose another facilitator first")
    return problems


def _ids(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids)


def erase_person(person: Person, *, channel: str) -> ErasureResult:
    """Remove one person everywhere while every figure stays the same; refuses with PrivacyError."""
    problems = erasure_problems(person)
    if problems:
        raise PrivacyError("; ".join(problems))
    result = ErasureResult(person.id)
    counts = result.counts
    now = utcnow()
    # Upcoming places are given up properly, so the next person waiting gets them.
    for booking in db.session.scalars(
        select(Booking).join(ProgrammeSession).where(
            Booking.person_id == person.id, Booking.is_live,
            ProgrammeSession.status == Status.SCHEDULED.value, ProgrammeSession.starts_at > now)
    ).all():
        promoted = cancel_booking(booking.id, person)
        counts["upcoming_bookings_cancelled"] += 1
        if promoted is not None:
            result.promoted.append(promoted)
    counts["bookings"] = db.session.execute(
        update(Booking).where(Booking.person_id == person.id).values(person_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount

    r = DebriefRequest
    for item in db.session.scalars(select(r).where(r.requested_by_id == person.id)).all():
        item.requested_by_id = None
        item.arrangements = ""  # written by the requester about their own needs
        item.decline_reason = ""
        item.withdraw_reason = ""  # the requester's own words too
        item.change_asked = ""
        item.change_asked_at = None
        item.anonymised_at = item.anonymised_at or now
        counts["debrief_requests_made"] += 1
    for column in ("manager_id", "triaged_by_id", "facilitator_id"):
        counts["debrief_links"] += db.session.execute(
            update(r).where(getattr(r, column) == person.id).values({column: None})
            .execution_options(synchronize_session=False)
        ).rowcount
    # Referrals made to them lose the person (they stay as a count) before their invitations go; those
    # they offered or followed up lose them too.
    counts["support_referrals"] = db.session.execute(
        update(SupportReferral).where(SupportReferral.invitation_id.in_(
            select(DebriefInvitation.id).where(DebriefInvitation.person_id == person.id)))
        .values(invitation_id=None).execution_options(synchronize_session=False)
    ).rowcount
    for column in ("offered_by_id", "followed_up_by_id"):
        counts["support_referrals"] += db.session.execute(
            update(SupportReferral).where(getattr(SupportReferral, column) == person.id).values({column: None})
            .execution_options(synchronize_session=False)
        ).rowcount
    counts["debrief_links"] += db.session.execute(
        delete(DebriefInvitation).where(DebriefInvitation.person_id == person.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    counts["debrief_links"] += db.session.execute(
        delete(debrief_involved_people).where(debrief_involved_people.c.person_id == person.id)
    ).rowcount
    counts["sessions_facilitated"] = db.session.execute(
        update(ProgrammeSession).where(ProgrammeSession.facilitator_id == person.id)
        .values(facilitator_id=None, anonymised_at=now).execution_options(synchronize_session=False)
    ).rowcount
    counts["learning_points"] = db.session.execute(
        update(LearningPoint).where(LearningPoint.created_by_id == person.id).values(created_by_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    # Feedback and pulse links lose their person: an unanswered one can no longer be used, and every
    # link still counts in the response rates. Answers were never linked to anyone.
    counts["survey_links"] = db.session.execute(
        update(SurveyInvitation).where(SurveyInvitation.person_id == person.id).values(person_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    counts["pulses_created"] = db.session.execute(
        update(Pulse).where(Pulse.created_by_id == person.id).values(created_by_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    # Ways in that were theirs alone: sign-ins, API tokens, links to set a password.
    for name, model in (("sign_ins", SignInSession), ("api_tokens", ApiToken), ("password_links", PasswordLink)):
        counts[name] = db.session.execute(
            delete(model).where(model.person_id == person.id).execution_options(synchronize_session=False)
        ).rowcount
    # E-mails to them still in the outbox (waiting, failed, or sent and not yet cleared) go too.
    counts["outbox_messages"] = db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.to == person.email).execution_options(synchronize_session=False)
    ).rowcount
    db.session.flush()
    db.session.expire_all()  # the bulk statements above bypassed the objects already loaded

    person = db.session.get(Person, result.person_id)
    person.email = f"erased-{person.id}@{ERASED_DOMAIN}"
    person.name = ERASED_NAME
    person.role = Role.MEMBER.value
    person.team_id = None
    person.password_hash = None
    person.calendar_token_hash = None
    person.enabled = False
    person.legal_hold = False
    person.legal_hold_reason = ""
    person.anonymised_at = now
    db.session.flush()
    audit.record("person_erased", person, detail=channel)
    db.session.flush()
    if not _still_referenced(person.id):
        db.session.delete(person)
        db.session.flush()
        result.deleted = True
    return result


def _still_referenced(person_id: int) -> bool:
    """True when any row in any table still points at this person (training, series, audit lines...)."""
    people = Person.__table__
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is people and table is not people:
                if db.session.scalar(select(func.count()).select_from(table).where(fk.parent == person_id)):
                    return True
    return False


def training_kept(person_id: int) -> int:
    """Training records left on an erased person's placeholder (they count towards the figures)."""
    return db.session.scalar(select(func.count()).select_from(TrainingRecord).where(TrainingRecord.person_id == person_id)) or 0


def promotions_told(result: ErasureResult) -> list[Message]:
    """Tell people who got a place freed by an erasure."""
    return [promoted_place(booking) for booking in result.promoted]
