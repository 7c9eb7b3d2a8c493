"""Subject access: everything held about one person, as a subject access request is answered."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select

from programme.debriefs.models import DebriefInvitation, DebriefRequest, debrief_involved_people
from programme.evaluation.models import SurveyInvitation
from programme.models import Booking, LearningPoint, ProgrammeSession
from programme.support.models import SupportReferral
from rosters import audit
from rosters.clock import utcnow
from rosters.extensions import db
from rosters.models import ApiToken, AuditEvent, Person, SignInSession
from rosters.people.models import PasswordLink


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC).isoformat()  # stored naive UTC
    return value.isoformat()


def request_links(person: Person) -> dict[int, list[str]]:
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


def _invitation_about(invitation: SurveyInvitation) -> dict[str, Any]:
    if invitation.pulse is not None:
        return {"pulse": invitation.pulse.title}
    session = db.session.get(ProgrammeSession, invitation.session_id) if invitation.session_id else None
    return {"session_kind": session.kind if session else None, "session_date": _iso(session.date) if session else None}


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
    links = request_links(person)
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
    survey_links = db.session.scalars(
        select(SurveyInvitation).where(SurveyInvitation.person_id == person.id).order_by(SurveyInvitation.id)
    ).all()
    referrals = db.session.scalars(
        select(SupportReferral).join(DebriefInvitation, DebriefInvitation.id == SupportReferral.invitation_id)
        .where(DebriefInvitation.person_id == person.id).order_by(SupportReferral.id)
    ).all()
    referrals_handled = db.session.scalars(
        select(SupportReferral).where(or_(SupportReferral.offered_by_id == person.id,
                                          SupportReferral.followed_up_by_id == person.id))
        .order_by(SupportReferral.id)
    ).all()
    sign_ins = db.session.scalars(select(SignInSession).where(SignInSession.person_id == person.id)).all()
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.person_id == person.id)).all()
    password_links = db.session.scalars(
        select(PasswordLink).where(PasswordLink.person_id == person.id).order_by(PasswordLink.id)).all()

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
             "follow_up": item.follow_up, "follow_up_due_on": _iso(item.follow_up_due_on),
             "manager_told": item.manager_told, "withdrawn_at": _iso(item.withdrawn_at),
             "withdraw_reason": item.withdraw_reason, "change_asked": item.change_asked,
             "agreed_session_due": _iso(item.agreed_session_due), "agreed_due_reason": item.agreed_due_reason,
             "follow_up_opened_at": _iso(item.follow_up_opened_at),
             "follow_up_open_reason": item.follow_up_open_reason}
            for item in made
        ],
        "debrief_requests_linked": [
            {"id": request_id, "requested_on": _iso(linked[request_id].requested_on), "as": sorted(roles),
             "invited_at": _iso(invitations[request_id].invited_at) if request_id in invitations else None,
             "session": session_part(linked[request_id].session)}
            for request_id, roles in sorted(links.items())
        ],
        # Further support offered to them after a debrief: which service and their answer (nothing clinical
        # is ever stored), then referrals they offered as a chair or followed up as a lead (no one else named).
        "support_referrals": [
            {"request_id": f.request_id, "service": f.service.name, "service_kind": f.service.kind,
             "outcome": f.outcome, "consent_to_share": f.consent_to_share, "offered_at": _iso(f.offered_at),
             "followed_up_at": _iso(f.followed_up_at)}
            for f in referrals
        ],
        "support_referrals_handled": [
            {"request_id": f.request_id, "service": f.service.name,
             "as": [role for role, who in (("offered", f.offered_by_id), ("followed_up", f.followed_up_by_id))
                    if who == person.id],
             "offered_at": _iso(f.offered_at), "followed_up_at": _iso(f.followed_up_at)}
            for f in referrals_handled
        ],
        "sessions_facilitated": [
            {"date": _iso(s.date), "kind": s.kind, "format": s.format, "team": s.team.name, "status": s.status}
            for s in facilitated
        ],
        "learning_points_written": [
            {"id": p.id, "text": p.text, "forum": p.forum, "status": p.status, "created_at": _iso(p.created_at)}
            for p in points
        ],
        # Links to answer a questionnaire. Answers are stored with no link to anyone, so none can be
        # found for this person: only whether each link was used.
        "survey_invitations": [
            {"questionnaire": i.questionnaire.title, "about": _invitation_about(i), "sent_at": _iso(i.created_at),
             "expires_on": _iso(i.expires_on), "answered": i.answered, "withdrawn": i.withdrawn}
            for i in survey_links
        ],
        "sign_ins": [
            {"started_at": _iso(s.created_at), "last_seen_at": _iso(s.last_seen_at), "ended_at": _iso(s.ended_at)}
            for s in sign_ins
        ],
        "api_tokens": [
            {"created_at": _iso(t.created_at), "last_used_at": _iso(t.last_used_at), "revoked_at": _iso(t.revoked_at)}
            for t in tokens
        ],
        # Links sent to set a password: when, and what became of each (the secret itself is never kept).
        "password_links": [
            {"sent_at": _iso(k.created_at), "expires_at": _iso(k.expires_at), "used_at": _iso(k.used_at),
             "withdrawn_at": _iso(k.superseded_at)}
            for k in password_links
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
