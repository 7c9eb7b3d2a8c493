"""Privacy operations: retention, legal holds, subject access export and erasure, and their commands.

Debrief data concerns staff health (special category data). Every operation here removes or reports
*personal links* while leaving every programme figure exactly as it was: sessions, bookings, requests
and training records stay, only the people they point at go.

- Retention (``flask apply-retention``): for closed or declined debrief requests asked for before the
  cut-off, the requester, manager, triage lead and chair links, invitations, declared involved people,
  practical arrangements and decline reason; for sessions before the cut-off, the person on every
  booking and the facilitator of delivered or cancelled sessions (the session is marked
  ``anonymised_at``, which the facilitator CHECK accepts); the person on older audit lines and ended
  sign-ins. A legal hold on a request keeps the request, its session and its audit lines; a legal hold
  on a person keeps every link to that person.
- Erasure (``flask erase-person``): the same for one person whatever the date, except that training
  records stay attached to a placeholder (they count towards the trained-facilitator figures), as do
  past supervision series and the audit trail's record of what the person did. The placeholder holds no
  name or e-mail; it is deleted instead when nothing points at it.

This module spans rosters and programme on purpose: it is an operations layer over every table that
can hold a person, so it imports programme's models (nothing in rosters imports this module).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from dateutil.relativedelta import relativedelta
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, func, or_, select, update

from programme.models import (
    Booking,
    BookingStatus,
    DebriefInvitation,
    DebriefRequest,
    LearningPoint,
    ProgrammeSession,
    RequestStatus,
    Status,
    SupervisionSeries,
    debrief_involved_people,
)
from rosters import audit
from rosters.bounds import MAX_ID
from rosters.cli import command, fail
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from rosters.models import ApiToken, AuditEvent, Person, Role, SignInSession, TrainingRecord
from rosters.services import find_person

DEFAULT_RETENTION_MONTHS = 24
MAX_RETENTION_MONTHS = 1200  # a hundred years: longer is not a retention period
# Requests whose work is over; retention never touches one that is still open.
FINISHED_REQUESTS = (RequestStatus.CLOSED.value, RequestStatus.DECLINED.value)
ERASED_NAME = "Erased person"
ERASED_DOMAIN = "erased.invalid"  # .invalid can never be a real address (RFC 2606)


class PrivacyError(ValueError):
    """A privacy operation that must not go ahead; the message is one line for a person to read."""


# ---------------------------------------------------------------------------------------------
# Retention


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
    db.session.flush()
    if dry_run:
        db.session.rollback()
    else:
        audit.record("retention_applied", detail=f"before {cutoff.isoformat()} ({months} months): "
                     + ", ".join(f"{key}={counts[key]}" for key, _ in RETENTION_LABELS)
                     + f", held_requests={counts['held_requests']}")
        db.session.flush()
    return result


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
    if item.arrangements or item.decline_reason:
        item.arrangements = ""
        item.decline_reason = ""
        changed = True
    if changed or item.anonymised_at is None:
        item.anonymised_at = item.anonymised_at or utcnow()
    return changed


# ---------------------------------------------------------------------------------------------
# Legal holds


def set_request_hold(item: DebriefRequest, hold: bool, reason: str = "") -> None:
    """Place or clear a legal hold on a debrief request; placing one needs a reason."""
    _set_hold(item, hold, reason)
    audit.record("legal_hold_set" if hold else "legal_hold_cleared", item, detail=item.legal_hold_reason if hold else "")


def set_person_hold(person: Person, hold: bool, reason: str = "") -> None:
    """Place or clear a legal hold on a person: retention keeps their links and erasure is refused."""
    if person.anonymised_at is not None:
        raise PrivacyError("this person has been erased; there is nothing left to hold")
    _set_hold(person, hold, reason)
    audit.record("legal_hold_set" if hold else "legal_hold_cleared", person, detail=person.legal_hold_reason if hold else "")


def _set_hold(obj: DebriefRequest | Person, hold: bool, reason: str) -> None:
    reason = " ".join(reason.split())
    if hold and not reason:
        raise PrivacyError("give the reason for the legal hold (for example the claim or case reference)")
    if len(reason) > 500:
        raise PrivacyError("the reason must be 500 characters or fewer")
    obj.legal_hold = hold
    obj.legal_hold_reason = reason if hold else ""
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# Subject access export


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC).isoformat()  # stored naive UTC
    return value.isoformat()


def _request_links(person: Person) -> dict[int, list[str]]:
    """Each debrief request the person is linked to, with how (other than as the requester)."""
    r = DebriefRequest
    links: dict[int, list[str]] = {}
    for role, column in (("manager", r.manager_id), ("triaged", r.triaged_by_id), ("chair", r.facilitator_id)):
        for request_id in db.session.scalars(select(r.id).where(column == person.id)):
            links.setdefault(request_id, []).append(role)
    for request_id in db.session.scalars(
        select(debrief_involved_people.c.request_id).where(debrief_involved_people.c.person_id == person.id)
    ):
        links.setdefault(request_id, []).append("declared_involved")
    for request_id in db.session.scalars(select(DebriefInvitation.request_id).where(DebriefInvitation.person_id == person.id)):
        links.setdefault(request_id, []).append("invited")
    return links


def export_person(person: Person, *, channel: str) -> dict[str, Any]:
    """Everything held about one person, in the form a subject access request answers; audited.

    Debrief requests show the person's own part only: no other participant is named.
    """
    team = person.team
    bookings = db.session.scalars(
        select(Booking).where(Booking.person_id == person.id).order_by(Booking.id)
    ).all()
    made = db.session.scalars(
        select(DebriefRequest).where(DebriefRequest.requested_by_id == person.id).order_by(DebriefRequest.id)
    ).all()
    links = _request_links(person)
    linked = {item.id: item for item in db.session.scalars(select(DebriefRequest).where(DebriefRequest.id.in_(links)))}
    invitations = {
        invitation.request_id: invitation
        for invitation in db.session.scalars(select(DebriefInvitation).where(DebriefInvitation.person_id == person.id))
    }
    facilitated = db.session.scalars(
        select(ProgrammeSession).where(ProgrammeSession.facilitator_id == person.id).order_by(ProgrammeSession.date)
    ).all()
    points = db.session.scalars(
        select(LearningPoint).where(LearningPoint.created_by_id == person.id).order_by(LearningPoint.id)
    ).all()
    events = db.session.scalars(
        select(AuditEvent)
        .where(or_(AuditEvent.person_id == person.id,
                   (AuditEvent.object_type == "Person") & (AuditEvent.object_id == person.id)))
        .order_by(AuditEvent.id)
    ).all()
    sign_ins = db.session.scalars(select(SignInSession).where(SignInSession.person_id == person.id)).all()
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.person_id == person.id)).all()

    def session_part(session: ProgrammeSession | None) -> dict | None:
        if session is None:
            return None
        return {"date": _iso(session.date), "starts_at": session.starts_local.isoformat(),
                "format": session.format, "status": session.status}

    data = {
        "exported_at": _iso(utcnow()),
        "person": {
            "id": person.id, "email": person.email, "name": person.name, "role": person.role,
            "can_sign_in": person.password_hash is not None, "enabled": person.enabled,
            "legal_hold": person.legal_hold, "legal_hold_reason": person.legal_hold_reason,
            "created_at": _iso(person.created_at), "updated_at": _iso(person.updated_at),
        },
        "team": None if team is None else {"name": team.name, "service": team.service, "agency": team.agency.name,
                                           "active": team.active},
        "training": [
            {"course": t.course, "completed_on": _iso(t.completed_on), "expires_on": _iso(t.expires_on)}
            for t in person.training
        ],
        "bookings": [
            {"id": b.id, "session_date": _iso(b.session.date), "starts_at": b.session.starts_local.isoformat(),
             "team": b.session.team.name, "session_status": b.session.status, "status": b.status,
             "attendance": b.attendance, "booked_at": _iso(b.booked_at), "cancelled_at": _iso(b.cancelled_at)}
            for b in bookings
        ],
        "debrief_requests_made": [
            {"id": item.id, "requested_on": _iso(item.requested_on), "incident_date": _iso(item.incident_date),
             "incident_category": item.incident_category, "preferred_format": item.preferred_format,
             "arrangements": item.arrangements, "status": item.status, "decline_reason": item.decline_reason,
             "session": session_part(item.session), "closed_safe_uplifting": item.closed_safe_uplifting,
             "signposted": {"employee_assistance": item.signposted_eap,
                            "occupational_health": item.signposted_occupational_health,
                            "gp": item.signposted_gp},
             "follow_up": item.follow_up, "follow_up_due_on": _iso(item.follow_up_due_on)}
            for item in made
        ],
        "debrief_requests_linked": [
            {"id": request_id, "requested_on": _iso(linked[request_id].requested_on), "as": sorted(roles),
             "invited_at": _iso(invitations[request_id].invited_at) if request_id in invitations else None,
             "session": session_part(linked[request_id].session)}
            for request_id, roles in sorted(links.items())
        ],
        "sessions_facilitated": [
            {"date": _iso(s.date), "kind": s.kind, "format": s.format, "team": s.team.name, "status": s.status}
            for s in facilitated
        ],
        "learning_points_written": [
            {"id": p.id, "text": p.text, "forum": p.forum, "status": p.status, "created_at": _iso(p.created_at)}
            for p in points
        ],
        "sign_ins": [
            {"started_at": _iso(s.created_at), "last_seen_at": _iso(s.last_seen_at), "ended_at": _iso(s.ended_at)}
            for s in sign_ins
        ],
        "api_tokens": [
            {"created_at": _iso(t.created_at), "last_used_at": _iso(t.last_used_at), "revoked_at": _iso(t.revoked_at)}
            for t in tokens
        ],
        "audit_events": [
            {"at": _iso(e.at), "by_this_person": e.person_id == person.id, "action": e.action,
             "object_type": e.object_type, "object_id": e.object_id, "detail": e.detail}
            for e in events
        ],
    }
    audit.record("person_exported", person, detail=channel)
    db.session.flush()
    return data


# ---------------------------------------------------------------------------------------------
# Erasure


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
    links = _request_links(person)
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
    from programme.services import cancel_booking  # the booking rules (locks, waitlist) live there

    result = ErasureResult(person.id)
    counts = result.counts
    now = utcnow()
    # Upcoming places are given up properly, so the next person waiting gets them.
    for booking in db.session.scalars(
        select(Booking).join(ProgrammeSession).where(
            Booking.person_id == person.id, Booking.status.in_((BookingStatus.BOOKED.value, BookingStatus.WAITLISTED.value)),
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
        item.anonymised_at = item.anonymised_at or now
        counts["debrief_requests_made"] += 1
    for column in ("manager_id", "triaged_by_id", "facilitator_id"):
        counts["debrief_links"] += db.session.execute(
            update(r).where(getattr(r, column) == person.id).values({column: None})
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
    counts["sign_ins"] = db.session.execute(
        delete(SignInSession).where(SignInSession.person_id == person.id).execution_options(synchronize_session=False)
    ).rowcount
    counts["api_tokens"] = db.session.execute(
        delete(ApiToken).where(ApiToken.person_id == person.id).execution_options(synchronize_session=False)
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


# ---------------------------------------------------------------------------------------------
# Commands


def _person_or_fail(email: str) -> Person:
    person = find_person(email)
    if person is None:
        fail(f"no one with the e-mail address {email.strip()!r}")
    return person


@command("apply-retention")
@click.option("--months", type=click.IntRange(1, MAX_RETENTION_MONTHS), default=None,
              help="Keep personal links this many months (default RETENTION_MONTHS, 24).")
@click.option("--dry-run", is_flag=True, help="Say what would change, and change nothing.")
@with_appcontext
def apply_retention_command(months: int | None, dry_run: bool) -> None:
    """Remove personal links from records older than the retention period; figures stay the same."""
    try:
        result = apply_retention(months, dry_run=dry_run)
        if not dry_run:
            db.session.commit()
    except PrivacyError as exc:
        db.session.rollback()
        fail(str(exc))
    click.echo(result.summary())


@command("export-person")
@click.option("--email", required=True, help="E-mail address of the person asking.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the JSON to this file (default: standard output).")
@with_appcontext
def export_person_command(email: str, output: str | None) -> None:
    """Export everything held about one person as JSON (a subject access request); audited."""
    person = _person_or_fail(email)
    data = json.dumps(export_person(person, channel="command line"), indent=2, ensure_ascii=False)
    if output:
        try:
            Path(output).write_text(data + "\n", encoding="utf-8")
        except OSError as exc:
            db.session.rollback()
            fail(f"cannot write {output}: {exc.strerror}")
    db.session.commit()
    if output:
        click.echo(f"Wrote {output}.")
    else:
        click.echo(data)


@command("erase-person")
@click.option("--email", required=True, help="E-mail address of the person to erase.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_person_command(email: str, yes: bool) -> None:
    """Erase one person everywhere; sessions, bookings and figures stay. Cannot be undone."""
    person = _person_or_fail(email)
    problems = erasure_problems(person)
    if problems:
        fail("; ".join(problems))
    if not yes and not click.confirm(f"Erase {person.email} everywhere? This cannot be undone", err=True):
        fail("nothing erased")
    try:
        result = erase_person(person, channel="command line")
        db.session.commit()
    except PrivacyError as exc:
        db.session.rollback()
        fail(str(exc))
    send_promotions(result)
    click.echo(result.summary())


@command("legal-hold")
@click.option("--debrief", "request_id", type=click.IntRange(1, MAX_ID), default=None, help="Id of a debrief request.")
@click.option("--email", default=None, help="E-mail address of a person.")
@click.option("--reason", default="", help="Why the records must be kept (required to place a hold).")
@click.option("--clear", is_flag=True, help="Clear the hold instead of placing it.")
@with_appcontext
def legal_hold_command(request_id: int | None, email: str | None, reason: str, clear: bool) -> None:
    """Place (or --clear) a legal hold on a debrief request or a person: retention and erasure skip it."""
    if (request_id is None) == (email is None):
        fail("give exactly one of --debrief ID or --email E")
    try:
        if request_id is not None:
            item = db.session.get(DebriefRequest, request_id)
            if item is None:
                fail(f"no debrief request {request_id}")
            set_request_hold(item, not clear, reason)
            what = f"debrief request {request_id}"
        else:
            person = _person_or_fail(email)
            set_person_hold(person, not clear, reason)
            what = person.email
        db.session.commit()
    except PrivacyError as exc:
        db.session.rollback()
        fail(str(exc))
    click.echo(f"Legal hold {'cleared from' if clear else 'placed on'} {what}.")


def send_promotions(result: ErasureResult) -> None:
    """Tell people who got a place freed by an erasure (after the commit, as the booking pages do)."""
    if not result.promoted:
        return
    from programme import mail, notices

    mail.send([notices.promoted(booking) for booking in result.promoted])


def register_commands(app: Flask) -> None:
    for cmd in (apply_retention_command, export_person_command, erase_person_command, legal_hold_command):
        app.cli.add_command(cmd)
