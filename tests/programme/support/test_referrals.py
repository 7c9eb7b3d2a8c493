"""Referrals to further support: only the chair or a lead records them, once the session has started;
consent to share counts only when accepted; leads follow up accepted ones. No reason, nothing clinical."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from programme.debriefs.log import SessionLog, log_session, record_follow_up
from programme.errors import Conflict, NotAllowed, ProgrammeError
from programme.support.models import SupportReferral
from programme.support.operations import (
    mark_followed_up,
    record_referral,
    referral_counts,
    set_service_active,
    waiting_referrals,
)
from rosters.extensions import db
from rosters.models import AuditEvent
from tests.factories import make_facilitator, make_team
from tests.moments import A_MONDAY, uk
from tests.plugin import text
from tests.programme.support.journey import PARTNER_EMAIL, Debrief, arranged_debrief, service

pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)

PERSON_VALUE = re.compile(r'name="invitation" type="radio" value="(\d+)"')


@pytest.fixture
def debrief(app, time_machine) -> Debrief:
    return arranged_debrief(time_machine.move_to, A_MONDAY)


@pytest.fixture
def started(debrief, time_machine) -> Debrief:
    """The clock half an hour into the session."""
    time_machine.move_to(uk(debrief.session_day, dt.time(10, 30)))
    return debrief


def problems(excinfo) -> dict[str, str]:
    return {p.field: p.text for p in excinfo.value.problems}


def test_the_chair_records_referrals_once_the_session_has_started(debrief, time_machine):
    eap = service(lead=debrief.lead)
    item, chair = debrief.request, debrief.chair
    time_machine.move_to(uk(debrief.session_day, dt.time(9, 59)))
    with pytest.raises(Conflict, match="once the session has started"):
        record_referral(item, chair, debrief.invitation(debrief.colleague), eap, "accepted", True)
    time_machine.move_to(uk(debrief.session_day, dt.time(10, 0)))
    accepted = record_referral(item, chair, debrief.invitation(debrief.colleague), eap, "accepted", True)
    # Declined: consent means nothing and is stored as no, whatever was sent.
    declined = record_referral(item, chair, debrief.invitation(debrief.member), eap, "declined", True)
    partner = record_referral(item, debrief.lead, debrief.invitation(PARTNER_EMAIL), eap, "accepted", False)
    db.session.commit()
    assert [(r.outcome, r.consent_to_share, r.waiting) for r in (accepted, declined, partner)] == [
        ("accepted", True, True), ("declined", False, False), ("accepted", False, True)]
    assert (accepted.offered_by, partner.offered_by, accepted.request) == (chair, debrief.lead, item)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "support_referral_recorded")).all()
    assert [(e.object_type, e.object_id) for e in events] == [("DebriefRequest", item.id)] * 3
    assert events[0].detail == f"referral {accepted.id}: service {eap.id} (employee_assistance), accepted, " \
                               "consent to share yes"
    for event in events:
        assert "Cal" not in event.detail and "Mel" not in event.detail and "nhs.example" not in event.detail


def test_referrals_may_be_recorded_after_the_session_is_logged_and_after_the_follow_up(started, time_machine):
    eap = service(lead=started.lead)
    item = started.request
    log_session(item, started.chair, SessionLog(delivered=True, attendees=3, duration_minutes=90,
                                                closed_safe_uplifting=True))
    record_referral(item, started.chair, started.invitation(started.member), eap, "declined", None)
    time_machine.move_to(uk(item.follow_up_due_on))
    record_follow_up(item, "done")
    assert item.status == "closed"
    record_referral(item, started.chair, started.invitation(started.member), eap, "accepted", False)
    assert len(waiting_referrals()) == 1


def test_a_session_that_did_not_go_ahead_takes_no_referrals(started):
    eap = service(lead=started.lead)
    item = started.request
    log_session(item, started.lead, SessionLog(delivered=False, not_delivered_reason="Chair unwell"))
    with pytest.raises(NotAllowed):  # the old chair no longer chairs it
        record_referral(item, started.chair, started.invitation(started.member), eap, "accepted", True)
    with pytest.raises(Conflict):
        record_referral(item, started.lead, started.invitation(started.member), eap, "accepted", True)


def test_only_the_chair_or_a_lead_records_a_referral(started):
    eap = service(lead=started.lead)
    invitation = started.invitation(started.member)
    other_chair = make_facilitator("critical_incident_debrief", team=make_team())
    for person in (other_chair, started.member, started.manager, started.colleague):
        with pytest.raises(NotAllowed):
            record_referral(started.request, person, invitation, eap, "accepted", True)
    assert db.session.scalars(select(SupportReferral)).all() == []


def test_consent_is_required_when_accepted_and_every_choice_is_checked(started, time_machine):
    lead = started.lead
    eap = service(lead=lead)
    retired = service("Old line", "other", "0000 999 9999", lead=lead)
    set_service_active(retired, False, lead)
    elsewhere = arranged_debrief(time_machine.move_to, started.session_day, suffix=" 2")
    time_machine.move_to(uk(started.session_day, dt.time(10, 30)))
    with pytest.raises(ProgrammeError) as excinfo:
        record_referral(started.request, started.chair, started.invitation(started.member), eap, "accepted", None)
    assert problems(excinfo) == {"consent_to_share": "Select whether they agreed that their contact details are "
                                                     "shared with the service"}
    with pytest.raises(ProgrammeError) as excinfo:
        record_referral(started.request, started.chair, elsewhere.invitation(elsewhere.member), retired, "maybe", True)
    assert set(problems(excinfo)) == {"invitation", "service", "outcome"}
    with pytest.raises(ProgrammeError) as excinfo:
        record_referral(started.request, started.chair, None, None, "declined", None)
    assert set(problems(excinfo)) == {"invitation", "service"}
    assert db.session.scalars(select(SupportReferral)).all() == []


def test_the_table_refuses_consent_on_a_declined_referral(started):
    eap = service(lead=started.lead)
    db.session.add(SupportReferral(request=started.request, invitation=started.invitation(started.member),
                                   service=eap, outcome="declined", consent_to_share=True))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_leads_follow_up_accepted_referrals_oldest_first(started, time_machine):
    eap = service(lead=started.lead)
    item, chair = started.request, started.chair
    first = record_referral(item, chair, started.invitation(started.colleague), eap, "accepted", True)
    time_machine.move_to(uk(started.session_day, dt.time(11, 0)))
    record_referral(item, chair, started.invitation(started.member), eap, "declined", None)
    second = record_referral(item, chair, started.invitation(PARTNER_EMAIL), eap, "accepted", False)
    assert waiting_referrals() == [first, second]
    assert (referral_counts()["offered"], referral_counts()["accepted"], referral_counts()["declined"]) == (3, 2, 1)
    with pytest.raises(NotAllowed):
        mark_followed_up(first, chair)
    mark_followed_up(first, started.lead)
    assert (first.followed_up_by, first.waiting) == (started.lead, False)
    assert waiting_referrals() == [second] and referral_counts()["followed_up"] == 1
    with pytest.raises(Conflict):
        mark_followed_up(first, started.lead)
    declined = db.session.scalars(select(SupportReferral).where(SupportReferral.outcome == "declined")).one()
    with pytest.raises(Conflict):
        mark_followed_up(declined, started.lead)


# --- pages ------------------------------------------------------------------------------------------


def test_the_chair_records_a_referral_in_the_browser(client, auth, debrief, time_machine):
    eap = service(lead=debrief.lead)
    db.session.commit()
    item = debrief.request
    auth.login(debrief.chair.email)
    page = text(client.get(f"/debriefs/{item.id}"))
    assert "Referrals to further support" in page and "once the session has started" in page
    page = text(client.get(f"/debriefs/{item.id}/referrals"))
    assert "You can record a referral once the session has started" in page and 'name="outcome"' not in page
    refused = client.post(f"/debriefs/{item.id}/referrals", data={
        "invitation": str(debrief.invitation(debrief.member).id), "service": str(eap.id), "outcome": "declined"})
    assert refused.status_code == 409

    time_machine.move_to(uk(debrief.session_day, dt.time(10, 30)))
    auth.login(debrief.chair.email)  # days later: signed in afresh
    page = text(client.get(f"/debriefs/{item.id}/referrals"))
    assert "Record no clinical detail and no reason" in page
    assert "Mel Member" in page and "Cal Colleague" in page and PARTNER_EMAIL in page
    assert eap.name in page and "Employee assistance programme" in page
    assert len(PERSON_VALUE.findall(page)) == 3
    assert "Record or see referrals" in text(client.get(f"/debriefs/{item.id}"))
    assert "record the referral" in text(client.get(f"/debriefs/{item.id}/log"))

    colleague = str(debrief.invitation(debrief.colleague).id)
    response = client.post(f"/debriefs/{item.id}/referrals",
                           data={"invitation": colleague, "service": str(eap.id), "outcome": "accepted"})
    assert response.status_code == 400
    assert 'href="#consent_to_share"' in text(response)
    response = client.post(f"/debriefs/{item.id}/referrals",
                           data={"invitation": "999999", "service": "x", "outcome": "declined"})
    assert response.status_code == 400
    assert "Choose someone invited to this debrief" in text(response) and "Choose a service from the list" in text(response)
    response = client.post(f"/debriefs/{item.id}/referrals", data={
        "invitation": colleague, "service": str(eap.id), "outcome": "accepted", "consent_to_share": "no"})
    assert response.status_code == 302
    page = text(client.get(f"/debriefs/{item.id}/referrals"))
    assert "No: they will contact the service themselves" in page and "Waiting" in page
    assert "1 referral recorded" in text(client.get(f"/debriefs/{item.id}"))
    stored = db.session.scalars(select(SupportReferral)).one()
    assert (stored.invitation.person, stored.outcome, stored.consent_to_share) == (debrief.colleague, "accepted", False)


def test_nobody_else_sees_or_records_a_requests_referrals(client, auth, started):
    eap = service(lead=started.lead)
    other_chair = make_facilitator("critical_incident_debrief", team=make_team())
    db.session.commit()
    item = started.request
    data = {"invitation": str(started.invitation(started.member).id), "service": str(eap.id), "outcome": "declined"}
    for person in (other_chair, started.member, started.manager, started.colleague):
        auth.login(person.email)
        assert client.get(f"/debriefs/{item.id}/referrals").status_code == 404
        assert client.post(f"/debriefs/{item.id}/referrals", data=data).status_code == 404
        assert client.get("/support/referrals").status_code == 403
        auth.logout()
    assert db.session.scalars(select(SupportReferral)).all() == []
    auth.login(started.lead.email)
    assert client.post(f"/debriefs/{item.id}/referrals", data=data).status_code == 302


def test_the_lead_sees_referrals_waiting_and_marks_them_followed_up(client, auth, started, time_machine):
    eap = service(lead=started.lead)
    psychology = service("Clinical psychology (NHS trust)", "clinical_psychology", "Via the chair", lead=started.lead)
    item, chair = started.request, started.chair
    older = record_referral(item, chair, started.invitation(started.colleague), psychology, "accepted", False)
    time_machine.move_to(uk(started.session_day + dt.timedelta(days=1)))
    newer = record_referral(item, chair, started.invitation(started.member), eap, "accepted", True)
    record_referral(item, chair, started.invitation(PARTNER_EMAIL), eap, "declined", None)
    db.session.commit()
    auth.login(started.lead.email)
    page = text(client.get("/support/referrals"))
    assert page.count(item.reference) >= 2
    assert page.index("Cal Colleague") < page.index("Mel Member")  # oldest first
    assert "No: the person will contact the service themselves" in page
    assert PARTNER_EMAIL not in page  # declined: nothing to follow up
    assert "Referrals offered</dt><dd class=\"govuk-summary-list__value\">3" in page
    assert "Further support" in page  # the navigation item
    response = client.post(f"/support/referrals/{older.id}/followed-up")
    assert response.status_code == 302
    page = text(client.get("/support/referrals"))
    assert "Cal Colleague" not in page and "Mel Member" in page
    again = client.post(f"/support/referrals/{older.id}/followed-up")
    assert again.status_code == 409 and "already been followed up" in text(again)
    assert newer.waiting
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"support_referrals_viewed", "support_referral_followed_up"} <= actions
