"""Reviewer's throwaway probe (not for keeping)."""
from __future__ import annotations

import datetime as dt

import pytest

from programme.debriefs.chairs import Arrangement, arrange_session
from programme.debriefs.mine import withdraw_request
from programme.debriefs.models import DebriefRequest
from programme.debriefs.triage import accept_request, decline_request
from programme.support.operations import ServiceDetails, add_service
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from tests.factories import PASSWORD, make_debrief_request, make_person, make_team, make_training
from tests.plugin import text

STATUSES = ["requested", "accepted", "declined", "scheduled", "delivered", "closed", "withdrawn"]


@pytest.fixture
def w(app):
    north, south = make_team(name="Assessment North"), make_team(name="Fostering South")
    w = {
        "north": north, "south": south,
        "member": make_person(name="Mel Member", team=north),
        "manager": make_person(name="Max Manager", role="manager", team=north),
        "lead": make_person(name="Pat Lead", role="lead"),
        "colleague": make_person(name="Cal Colleague", team=north),
        "invitee": make_person(name="Ivy Invitee", team=south),
        "good": make_person(name="Gita Good", role="facilitator"),
        "otherfac": make_person(name="Oli Other", role="facilitator"),
    }
    make_training(person=w["good"])
    make_training(person=w["otherfac"])
    w["service"] = add_service(ServiceDetails("EAP", "employee_assistance", "0000"), w["lead"])
    db.session.commit()
    return w


def build(w, status):
    item = make_debrief_request(w["member"], manager=w["manager"], tell_manager=True, affected_teams=[w["north"]],
                                invite_people=[w["invitee"]], arrangements="SECRET-ARRANGEMENTS")
    if status == "requested":
        return item
    if status == "declined":
        decline_request(item, w["lead"], "SECRET-DECLINE")
        return item
    accept_request(item, w["lead"])
    if status == "accepted":
        return item
    arrange_session(item, Arrangement(facilitator=w["good"], day=today_uk() + dt.timedelta(days=3),
                                      start=dt.time(14, 0), duration_minutes=60, format="group", location="Room 2"))
    if status == "scheduled":
        return item
    if status == "withdrawn":
        withdraw_request(item, w["member"], "SECRET-WITHDRAW")
        return item
    item.session.status = "delivered"
    item.session.attendees = 2
    item.status = "delivered"
    item.follow_up = "pending"
    item.follow_up_due_on = today_uk() + dt.timedelta(days=30)
    if status == "closed":
        item.status = "closed"
        item.follow_up = "done"
    return item


def login(client, person):
    client.get("/sign-out")
    client.post("/sign-out")
    r = client.post("/sign-in", data={"email": person.email, "password": PASSWORD})
    assert r.status_code == 302


@pytest.mark.parametrize("status", STATUSES)
def test_state_machine(client, w, sent, status):
    item = build(w, status)
    db.session.commit()
    rid = item.id
    results = {}
    login(client, w["member"])
    results["mine"] = client.get(f"/debriefs/mine/{rid}").status_code
    results["ics"] = client.get(f"/debriefs/mine/{rid}/calendar.ics").status_code
    results["change"] = client.post(f"/debriefs/mine/{rid}/change", data={"message": "x"}).status_code
    db.session.expire_all()
    item = db.session.get(DebriefRequest, rid)
    # invitee
    login(client, w["invitee"])
    page = text(client.get(f"/debriefs/mine/{rid}"))
    for secret in ("SECRET", "Serious violence", "serious violence"):
        assert secret not in page, (status, secret)
    results["inv_withdraw"] = client.post(f"/debriefs/mine/{rid}/withdraw", data={"confirm": "y"}).status_code
    results["inv_show"] = client.get(f"/debriefs/{rid}").status_code
    results["inv_ref"] = client.get(f"/debriefs/{rid}/referrals").status_code
    login(client, w["manager"])
    page = text(client.get(f"/debriefs/team/{rid}"))
    for secret in ("SECRET", "Serious violence", "serious violence", "Room 2"):
        assert secret not in page, (status, secret)
    results["support"] = client.post(f"/debriefs/team/{rid}/support", data={"support": "1"}).status_code
    results["coll"] = client.post(f"/debriefs/team/{rid}/colleagues", data={"people": [str(w["colleague"].id)]}).status_code
    results["mgr_show"] = client.get(f"/debriefs/{rid}").status_code
    results["mgr_mine"] = client.get(f"/debriefs/mine/{rid}").status_code
    login(client, w["otherfac"])
    results["of_show"] = client.get(f"/debriefs/{rid}").status_code
    results["of_ref"] = client.get(f"/debriefs/{rid}/referrals").status_code
    results["of_team"] = client.get(f"/debriefs/team/{rid}").status_code
    login(client, w["lead"])
    later = today_uk() + dt.timedelta(days=60)
    results["timing"] = client.post(f"/debriefs/{rid}/timing", data={"timing-day": [str(later.day), str(later.month), str(later.year)], "timing-reason": "funeral", "timing-submit": "1"}).status_code
    results["clear"] = client.post(f"/debriefs/{rid}/timing", data={"timing-clear": "1"}).status_code
    results["open_fu"] = client.post(f"/debriefs/{rid}/follow-up/open", data={"reason": "asked"}).status_code
    results["fu"] = client.post(f"/debriefs/{rid}/follow-up", data={"outcome": "done"}).status_code
    results["ref"] = client.post(f"/debriefs/{rid}/referrals", data={"invitation": str(item.invitations[0].id), "service": str(w["service"].id), "outcome": "accepted", "consent_to_share": "yes"}).status_code
    results["show"] = client.get(f"/debriefs/{rid}").status_code
    results["show_change"] = client.get(f"/debriefs/{rid}?change=1").status_code
    results["dealt"] = client.post(f"/debriefs/{rid}/change-dealt-with").status_code
    login(client, w["member"])
    results["withdraw"] = client.post(f"/debriefs/mine/{rid}/withdraw", data={"reason": "r", "confirm": "y"}).status_code
    login(client, w["manager"])
    page = text(client.get(f"/debriefs/team/{rid}"))
    assert "SECRET" not in page and "r" 
    results["mgr_list"] = client.get("/debriefs/team").status_code
    print(status, results)
    for m in sent:
        for secret in ("Mel", "Member", "Ivy", "Gita"):
            assert secret not in m.subject, (m.subject,)
    bodies = [(m.to, m.subject, m.body) for m in sent]
    for to, subj, body in bodies:
        if to == w["manager"].email:
            assert "SECRET" not in body and "Room 2" not in body and "violence" not in body.lower(), body
    assert 500 not in results.values(), results
