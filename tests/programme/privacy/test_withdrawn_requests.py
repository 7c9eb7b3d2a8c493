"""A withdrawn debrief request is finished for privacy (erasure and retention), and the free text written on
a request (withdrawal, change asked, agreed timing, early follow-up) goes with the
rest of its personal detail."""

from __future__ import annotations

import datetime as dt

from programme.debriefs.mine import ask_change, withdraw_request
from programme.debriefs.models import DebriefRequest
from programme.debriefs.triage import accept_request, agree_timing
from programme.privacy.erasure import erase_person, erasure_problems
from programme.privacy.retention import apply_retention
from rosters.clock import today_uk
from rosters.extensions import db
from tests.factories import make_debrief_request, make_person, make_team


def _withdrawn(lead) -> DebriefRequest:
    team = make_team()
    member = make_person(team=team)
    manager = make_person(role="manager", team=team)
    colleague = make_person(team=team)
    item = make_debrief_request(member, manager=manager, tell_manager=True, invite_people=[colleague],
                                arrangements="Step-free access")
    accept_request(item, lead)
    agree_timing(item, lead, today_uk() + dt.timedelta(days=60), "After the funeral")
    ask_change(item, member, "Mornings only")
    withdraw_request(item, member, "Found support elsewhere")
    db.session.commit()
    return item


def test_people_on_a_withdrawn_request_can_be_erased_and_its_free_text_goes(app):
    lead = make_person(role="lead")
    make_person(role="lead")
    item = _withdrawn(lead)
    member, manager, colleague = item.requested_by, item.manager, item.invitations[1].person
    for person in (member, manager, colleague):
        assert erasure_problems(person) == [], person.name
    erase_person(member, channel="test")
    db.session.commit()
    db.session.expire_all()
    item = db.session.get(DebriefRequest, item.id)
    assert item.requested_by_id is None
    assert (item.withdraw_reason, item.change_asked, item.arrangements) == ("", "", "")
    assert item.status == "withdrawn"
    erase_person(db.session.get(type(manager), manager.id), channel="test")
    db.session.commit()
    assert db.session.get(DebriefRequest, item.id).manager_id is None


def test_retention_strips_an_old_withdrawn_request(app):
    lead = make_person(role="lead")
    item = _withdrawn(lead)
    item.incident_date = today_uk() - dt.timedelta(days=801)
    item.requested_on = today_uk() - dt.timedelta(days=800)
    db.session.commit()
    apply_retention(12)
    db.session.commit()
    db.session.expire_all()
    item = db.session.get(DebriefRequest, item.id)
    assert item.anonymised_at is not None
    assert (item.requested_by_id, item.manager_id, item.invitations) == (None, None, [])
    assert (item.withdraw_reason, item.change_asked, item.agreed_due_reason, item.arrangements) == ("", "", "", "")
    assert item.status == "withdrawn"


def test_the_requesters_export_holds_their_withdrawal_and_change_asked(app):
    from programme.privacy.access import export_person

    item = _withdrawn(make_person(role="lead"))
    made = export_person(item.requested_by, channel="test")["debrief_requests_made"]
    assert made[0]["withdraw_reason"] == "Found support elsewhere"
    assert made[0]["change_asked"] == "Mornings only"
    assert made[0]["manager_told"] is True and made[0]["withdrawn_at"]
    assert made[0]["agreed_due_reason"] == "After the funeral" and made[0]["agreed_session_due"]
