"""Referrals and privacy: subject access shows a person the referrals made to them; erasure and retention
remove the person from a referral (it stays as a count), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from programme.debriefs.log import SessionLog, log_session, record_follow_up
from programme.debriefs.models import DebriefInvitation
from programme.privacy.access import export_person
from programme.privacy.erasure import erase_person
from programme.privacy.retention import apply_retention
from programme.support.models import SupportReferral
from programme.support.operations import mark_followed_up, record_referral, referral_counts, waiting_referrals
from rosters.extensions import db
from tests.moments import A_MONDAY, uk
from tests.programme.support.journey import PARTNER_EMAIL, Debrief, arranged_debrief, service

pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)


def closed_with_referrals(move_to, first_day: dt.date, *, suffix: str = "") -> tuple[Debrief, list[SupportReferral]]:
    """A debrief delivered and closed, with three referrals: the colleague's accepted and followed up, the
    member's accepted (still waiting), the partner colleague's declined."""
    debrief = arranged_debrief(move_to, first_day, suffix=suffix)
    eap = service(f"Employee assistance{suffix}", lead=debrief.lead)
    move_to(uk(debrief.session_day, dt.time(11, 0)))
    item, chair = debrief.request, debrief.chair
    log_session(item, chair, SessionLog(delivered=True, attendees=3, duration_minutes=90, closed_safe_uplifting=True))
    referrals = [
        record_referral(item, chair, debrief.invitation(debrief.colleague), eap, "accepted", True),
        record_referral(item, chair, debrief.invitation(debrief.member), eap, "accepted", False),
        record_referral(item, chair, debrief.invitation(PARTNER_EMAIL), eap, "declined", None),
    ]
    mark_followed_up(referrals[0], debrief.lead)
    move_to(uk(item.follow_up_due_on))
    record_follow_up(item, "done")
    db.session.commit()
    return debrief, referrals


def test_subject_access_shows_referrals_made_to_the_person_and_no_one_elses(app, time_machine):
    debrief, referrals = closed_with_referrals(time_machine.move_to, A_MONDAY)
    data = export_person(debrief.colleague, channel="test")
    assert data["support_referrals"] == [{
        "request_id": debrief.request.id, "service": "Employee assistance", "service_kind": "employee_assistance",
        "outcome": "accepted", "consent_to_share": True, "offered_at": data["support_referrals"][0]["offered_at"],
        "followed_up_at": data["support_referrals"][0]["followed_up_at"]}]
    assert data["support_referrals"][0]["offered_at"].startswith(debrief.session_day.isoformat())
    assert data["support_referrals"][0]["followed_up_at"] is not None
    member = export_person(debrief.member, channel="test")["support_referrals"]
    assert [(r["outcome"], r["consent_to_share"], r["followed_up_at"]) for r in member] == [("accepted", False, None)]
    # The chair sees the referrals they offered, naming no one; the lead those they followed up.
    chair = export_person(debrief.chair, channel="test")
    assert [r["as"] for r in chair["support_referrals_handled"]] == [["offered"]] * 3
    assert chair["support_referrals"] == []
    dumped = json.dumps(chair)
    assert "Cal Colleague" not in dumped and "Mel Member" not in dumped and PARTNER_EMAIL not in dumped
    lead = export_person(debrief.lead, channel="test")["support_referrals_handled"]
    assert [r["as"] for r in lead] == [["followed_up"]]


def test_erasure_removes_the_person_from_their_referrals_and_keeps_the_counts(app, time_machine):
    debrief, referrals = closed_with_referrals(time_machine.move_to, A_MONDAY)
    before = referral_counts()
    member_id, chair_id = debrief.member.id, debrief.chair.id
    erase_person(debrief.member, channel="test")
    db.session.commit()
    erase_person(debrief.chair, channel="test")
    db.session.commit()
    db.session.expire_all()
    member_referral, colleague_referral = db.session.get(SupportReferral, referrals[1].id), referrals[0]
    assert member_referral.invitation_id is None and member_referral.outcome == "accepted"
    assert colleague_referral.invitation.person == debrief.colleague  # other people's referrals keep theirs
    assert all(r.offered_by_id is None for r in db.session.scalars(select(SupportReferral)))
    assert not db.session.scalars(select(DebriefInvitation).where(DebriefInvitation.person_id == member_id)).all()
    assert referral_counts() == before
    # No one is left to follow up: it no longer waits.
    assert waiting_referrals() == []
    assert db.session.scalar(select(func.count()).select_from(SupportReferral).where(
        SupportReferral.offered_by_id == chair_id)) == 0


def test_retention_removes_people_from_old_referrals_and_leaves_recent_ones(app, time_machine):
    old, old_referrals = closed_with_referrals(time_machine.move_to, dt.date(2024, 6, 3))
    recent, recent_referrals = closed_with_referrals(time_machine.move_to, A_MONDAY - dt.timedelta(days=60),
                                                     suffix=" (recent)")
    time_machine.move_to(uk(A_MONDAY))
    before = referral_counts()
    dry = apply_retention(dry_run=True)
    assert dry.counts["support_referrals"] == 3 and "referrals to further support 3" in dry.summary()
    result = apply_retention()
    db.session.commit()
    db.session.expire_all()
    assert result.counts["support_referrals"] == 3
    assert old.request.anonymised_at is not None and old.request.invitations == []
    for referral in old_referrals:
        stored = db.session.get(SupportReferral, referral.id)
        assert (stored.invitation_id, stored.offered_by_id, stored.followed_up_by_id) == (None, None, None)
        assert stored.request_id == old.request.id and stored.service_id is not None
    for referral in recent_referrals:
        stored = db.session.get(SupportReferral, referral.id)
        assert stored.invitation_id is not None and stored.offered_by_id == recent.chair.id
    assert referral_counts() == before
    assert waiting_referrals() == [db.session.get(SupportReferral, recent_referrals[1].id)]
