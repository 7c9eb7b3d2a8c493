"""The named manager's part in a debrief: told only with the practitioner's agreement, status and dates only,
supporting the request, inviting colleagues (who then cannot chair), and the e-mails they get."""

from __future__ import annotations

import datetime as dt

import pytest

from programme.debriefs import managers
from programme.debriefs.chairs import Arrangement, arrange_session, independence_problems
from programme.debriefs.manager_notices import manager_status_changed
from programme.debriefs.models import DebriefInvitation, DebriefRequest
from programme.debriefs.triage import accept_request, decline_request
from programme.models import IncidentCategory
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import AuditEvent
from tests.factories import make_debrief_request, make_facilitator, make_person, make_team
from tests.moments import A_MONDAY, uk
from tests.plugin import date_parts, text

pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)

CATEGORY = IncidentCategory("serious_violence").label
ARRANGEMENTS = "Mornings suit; step-free access please"
SESSION_DAY = A_MONDAY + dt.timedelta(days=2)  # a Wednesday


@pytest.fixture
def people(app):
    north, south = make_team(name="Assessment North"), make_team(name="Fostering South")
    found = {
        "north": north,
        "south": south,
        "member": make_person(name="Mel Member", team=north),
        "manager": make_person(name="Max Manager", role="manager", team=north),
        "other_manager": make_person(name="Nia Othermanager", role="manager", team=north),
        "colleague": make_person(name="Cal Colleague", team=north),
        "southerner": make_person(name="Sol Southerner", team=south),
        "outsider": make_person(name="Oz Outsider", team=make_team(name="Early Help East")),
        "away": make_person(name="Dee Disabled", team=north, enabled=False),
        "lead": make_person(name="Pat Lead", role="lead"),
        "chair": make_facilitator("critical_incident_debrief", name="Gita Good", team=make_team(name="Chairs")),
    }
    db.session.commit()
    return found


def switch(client, auth, person) -> None:
    db.session.commit()
    auth.logout()
    auth.login(person.email)


def ask_form(people, **overrides) -> dict:
    data = {
        "incident_date": date_parts(today_uk() - dt.timedelta(days=3)),
        "incident_category": "serious_violence",
        "preferred_format": "group",
        "manager": str(people["manager"].id),
        "affected_teams": [str(people["north"].id)],
        "arrangements": ARRANGEMENTS,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def asked(client, auth, people, tell: str) -> DebriefRequest:
    switch(client, auth, people["member"])
    response = client.post("/debriefs/request", data=ask_form(people, tell_manager=tell))
    assert response.status_code == 302, text(response)
    return db.session.scalars(db.select(DebriefRequest).order_by(DebriefRequest.id.desc())).first()


def told_request(people, **fields) -> DebriefRequest:
    fields.setdefault("affected_teams", [people["north"]])
    fields.setdefault("arrangements", ARRANGEMENTS)
    item = make_debrief_request(people["member"], manager=people["manager"], tell_manager=True, **fields)
    db.session.commit()
    return item


def audits(action: str, item: DebriefRequest) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_id == item.id, AuditEvent.object_type == "DebriefRequest"))


def arranged(item: DebriefRequest, people) -> None:
    accept_request(item, people["lead"])
    arrange_session(item, Arrangement(facilitator=people["chair"], day=SESSION_DAY, start=dt.time(10, 0),
                                      duration_minutes=90, format="group", location="Room 2, Civic Centre"))
    db.session.commit()


def no_names(messages) -> None:
    for message in messages:
        for name in ("Mel", "Max", "Cal", "Sol", "Gita", "Pat"):
            assert name not in message.subject, message.subject


# --- asking -------------------------------------------------------------------------------------------


def test_naming_a_manager_needs_an_answer_about_telling_them(client, auth, people, sent):
    auth.login(people["member"].email)
    page = text(client.get("/debriefs/request"))
    assert 'name="tell_manager"' in page and "where your request stands" in page
    response = client.post("/debriefs/request", data=ask_form(people))
    assert response.status_code == 400
    page = text(response)
    assert "Say whether we can tell your manager that you have asked" in page
    assert 'href="#tell_manager"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(DebriefRequest)) == 0
    assert sent == []
    # A manager asking for their team, naming no one, is not asked.
    switch(client, auth, people["manager"])
    assert client.post("/debriefs/request", data=ask_form(people, manager="")).status_code == 302


def test_a_told_manager_is_emailed_and_sees_status_and_dates_only(client, auth, people, sent):
    item = asked(client, auth, people, "yes")
    assert item.manager_told is True
    to_manager = [m for m in sent if m.to == people["manager"].email]
    assert len(to_manager) == 1 and people["lead"].email in {m.to for m in sent}
    no_names(sent)
    body = to_manager[0].body
    assert "member of your team" in body and f"/debriefs/team/{item.id}" in body
    assert "Mel" not in body and "violence" not in body.lower()

    switch(client, auth, people["manager"])
    listing = text(client.get("/debriefs/team"))
    assert item.reference in listing and "Mel Member" in listing and "Waiting for triage" in listing
    assert CATEGORY not in listing and ARRANGEMENTS not in listing
    page = text(client.get(f"/debriefs/team/{item.id}"))
    assert item.reference in page and "Mel Member" in page and "Waiting for triage" in page
    assert "Session due by" in page
    for hidden in (CATEGORY, "serious_violence", ARRANGEMENTS, "Date of the incident"):
        assert hidden not in page
    assert audits("debrief_viewed_by_manager", item) == 1
    assert "Your team&#39;s debriefs" in page  # in the navigation


def test_a_manager_not_told_sees_nothing_and_gets_no_email(client, auth, people, sent):
    item = asked(client, auth, people, "no")
    assert item.manager_told is False
    assert [m.to for m in sent] == [people["lead"].email]
    switch(client, auth, people["manager"])
    assert item.reference not in text(client.get("/debriefs/team"))
    assert client.get(f"/debriefs/team/{item.id}").status_code == 404
    assert client.post(f"/debriefs/team/{item.id}/support").status_code == 404
    assert client.post(f"/debriefs/team/{item.id}/colleagues",
                       data={"people": [str(people["colleague"].id)]}).status_code == 404
    db.session.expire_all()
    assert item.manager_supported_at is None and len(item.invitations) == 1


def test_only_the_named_manager_reaches_the_request(client, auth, people):
    item = told_request(people)
    for who, listing in (("other_manager", 200), ("lead", 200), ("member", 403), ("chair", 403)):
        switch(client, auth, people[who])
        assert client.get("/debriefs/team").status_code == listing, who
        if listing == 200:
            assert item.reference not in text(client.get("/debriefs/team"))
        assert client.get(f"/debriefs/team/{item.id}").status_code == 404, who
        assert client.post(f"/debriefs/team/{item.id}/support").status_code == 404, who
    db.session.expire_all()
    assert item.manager_supported_at is None


# --- supporting -----------------------------------------------------------------------------------------


def test_the_manager_supports_the_request_once_and_leads_see_it(client, auth, people):
    item = told_request(people)
    switch(client, auth, people["manager"])
    response = client.post(f"/debriefs/team/{item.id}/support", follow_redirects=True)
    assert response.status_code == 200 and "You support this request" in text(response)
    db.session.expire_all()
    first = item.manager_supported_at
    assert first is not None
    response = client.post(f"/debriefs/team/{item.id}/support", follow_redirects=True)
    assert "You already support this request" in text(response)
    db.session.expire_all()
    assert item.manager_supported_at == first
    assert audits("debrief_supported_by_manager", item) == 1

    switch(client, auth, people["lead"])
    page = text(client.get(f"/debriefs/{item.id}"))
    assert "Told of the request" in page and "Supports the request" in page
    assert f"Yes, since {A_MONDAY:%-d %B %Y}" in page


# --- colleagues -------------------------------------------------------------------------------------------


def test_the_manager_invites_a_colleague_who_then_cannot_chair(client, auth, people, sent):
    item = told_request(people, affected_teams=[people["north"], people["south"]])
    switch(client, auth, people["manager"])
    page = text(client.get(f"/debriefs/team/{item.id}"))
    assert "Cal Colleague (Assessment North)" in page and "Sol Southerner (Fostering South)" in page
    for absent in ("Oz Outsider", "Dee Disabled", "Max Manager (Assessment North)", "Mel Member (Assessment North)"):
        assert absent not in page
    # Someone outside the teams is refused.
    response = client.post(f"/debriefs/team/{item.id}/colleagues", data={"people": [str(people["outsider"].id)]})
    assert response.status_code == 400
    response = client.post(f"/debriefs/team/{item.id}/colleagues", data={})
    assert response.status_code == 400 and "Select at least one colleague" in text(response)

    response = client.post(f"/debriefs/team/{item.id}/colleagues", data={"people": [str(people["colleague"].id)]})
    assert response.status_code == 302
    db.session.expire_all()
    invitation = db.session.scalars(db.select(DebriefInvitation).where(
        DebriefInvitation.request_id == item.id, DebriefInvitation.person_id == people["colleague"].id)).one()
    assert invitation.invited_at is None  # no session yet: they hear when it is arranged
    assert people["colleague"].id in {p.id for p in item.involved}
    assert "declared as involved in the case" in independence_problems(people["colleague"], item)
    assert audits("debrief_colleagues_added_by_manager", item) == 1
    assert sent == []
    page = text(client.get(f"/debriefs/team/{item.id}"))
    # Still offered: leaving out those invited would tell the manager whom the practitioner invited.
    assert "Cal Colleague (Assessment North)" in page and "2, including the person who asked" in page
    # Choosing someone already invited adds nothing and says nothing different.
    response = client.post(f"/debriefs/team/{item.id}/colleagues", data={"people": [str(people["colleague"].id)]})
    assert response.status_code == 302
    db.session.expire_all()
    assert len(item.invitations) == 2 and audits("debrief_colleagues_added_by_manager", item) == 2


def test_the_manager_never_sees_whom_the_practitioner_invited(client, auth, people):
    item = told_request(people, affected_teams=[people["north"], people["south"]])
    item.invitations.append(DebriefInvitation(person=people["outsider"]))
    db.session.commit()
    switch(client, auth, people["manager"])
    page = text(client.get(f"/debriefs/team/{item.id}"))
    assert "Oz Outsider" not in page and "2, including the person who asked" in page


def test_colleagues_added_to_an_arranged_session_get_its_invitation(client, auth, people, sent):
    item = told_request(people)
    arranged(item, people)
    switch(client, auth, people["manager"])
    page = text(client.get(f"/debriefs/team/{item.id}"))
    assert f"{SESSION_DAY:%A %-d %B %Y}, 10:00 to 11:30" in page
    assert "Room 2" not in page and "Gita Good" not in page
    response = client.post(f"/debriefs/team/{item.id}/colleagues", data={"people": [str(people["colleague"].id)]})
    assert response.status_code == 302
    [message] = sent
    assert message.to == people["colleague"].email
    no_names(sent)
    assert "Room 2, Civic Centre" in message.body
    filename, _mime, ics = message.attachment
    assert b"METHOD:REQUEST" in ics and people["colleague"].email.encode() in ics
    db.session.expire_all()
    invitation = next(i for i in item.invitations if i.person_id == people["colleague"].id)
    assert invitation.invited_at is not None


@pytest.mark.parametrize("end", ["declined", "closed", "withdrawn"])
def test_no_support_or_colleagues_once_the_request_is_over(client, auth, people, sent, end):
    item = told_request(people)
    if end == "declined":
        decline_request(item, people["lead"], "A team session is already booked for everyone affected")
    else:
        item.status = end
    db.session.commit()
    switch(client, auth, people["manager"])
    page = text(client.get(f"/debriefs/team/{item.id}"))
    assert "A team session is already booked" not in page
    assert "Invite colleagues" not in page and "Support this request" not in page
    response = client.post(f"/debriefs/team/{item.id}/colleagues", data={"people": [str(people["colleague"].id)]})
    assert response.status_code == 409
    assert "Colleagues can be added only while the debrief is still to happen" in text(response)
    assert client.post(f"/debriefs/team/{item.id}/support").status_code == 409
    db.session.expire_all()
    assert len(item.invitations) == 1 and item.manager_supported_at is None
    assert sent == []


def test_at_most_max_attendees_are_invited(people, monkeypatch):
    item = told_request(people, invite_people=[people["colleague"]], involved=[people["colleague"]])
    monkeypatch.setattr(managers, "MAX_ATTENDEES", 1)
    with pytest.raises(managers.ProgrammeError, match="there is room for 0 more"):
        managers.add_colleagues(item, people["manager"], [make_person(team=people["north"])])
    monkeypatch.setattr(managers, "MAX_ATTENDEES", 2)
    assert len(managers.add_colleagues(item, people["manager"], [make_person(team=people["north"])])) == 1


# --- what the manager is told ---------------------------------------------------------------------------


def test_the_manager_hears_of_the_session_time_and_a_decline_without_detail(client, auth, people, sent):
    item = told_request(people)
    switch(client, auth, people["lead"])
    assert client.post(f"/debriefs/{item.id}/accept").status_code == 302
    sent.clear()
    response = client.post(f"/debriefs/{item.id}/arrange", data={
        "day": date_parts(SESSION_DAY), "start_time": "10:00", "duration_minutes": "90", "format": "group",
        "location": "Room 2, Civic Centre", "online_link": "", "chair": str(people["chair"].id),
        "confirm": "Arrange session",
    })
    assert response.status_code == 302, text(response)
    [to_manager] = [m for m in sent if m.to == people["manager"].email]
    no_names(sent)
    assert f"{SESSION_DAY:%A %-d %B %Y}, 10:00 to 11:30" in to_manager.body
    assert "Room 2" not in to_manager.body and to_manager.attachment is None

    other = told_request(people)
    sent.clear()
    response = client.post(f"/debriefs/{other.id}/decline", data={"reason": "Covered by the team debrief"})
    assert response.status_code == 302
    [to_manager] = [m for m in sent if m.to == people["manager"].email]
    assert "declined" in to_manager.body and "Covered by" not in to_manager.body
    assert f"/debriefs/team/{other.id}" in to_manager.body
    no_names(sent)


def test_status_changes_reach_the_manager_only_when_told(people):
    told = told_request(people)
    message = manager_status_changed(told, "withdrawn")
    assert [m.to for m in message] == [people["manager"].email]
    assert "withdrawn" in message[0].body and "Mel" not in message[0].subject
    untold = make_debrief_request(people["member"], manager=people["manager"], tell_manager=False)
    assert manager_status_changed(untold, "withdrawn") == []


# --- the API ----------------------------------------------------------------------------------------------


def test_the_api_takes_tell_manager(client, runner, people, sent):
    result = runner.invoke(args=["create-token", "--email", people["member"].email])
    headers = {"Authorization": f"Bearer {result.stdout.strip()}"}
    body = {"incident_date": (today_uk() - dt.timedelta(days=3)).isoformat(), "incident_category": "other",
            "manager_email": people["manager"].email}
    response = client.post("/api/v1/debriefs", json=body, headers=headers)
    assert response.status_code == 201 and response.get_json()["manager_told"] is False
    assert people["manager"].email not in {m.to for m in sent}
    response = client.post("/api/v1/debriefs", json={**body, "tell_manager": True}, headers=headers)
    assert response.status_code == 201 and response.get_json()["manager_told"] is True
    assert people["manager"].email in {m.to for m in sent}
    for wrong in ("yes", 1, None):
        response = client.post("/api/v1/debriefs", json={**body, "tell_manager": wrong}, headers=headers)
        assert response.status_code == 400 and "tell_manager" in response.get_json()["error"]
    document = client.get("/api/v1/openapi.json").get_json()
    asked = document["paths"]["/debriefs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert asked["properties"]["tell_manager"]["type"] == "boolean"
    assert document["components"]["schemas"]["DebriefRequest"]["properties"]["manager_told"]["type"] == "boolean"
