"""Debrief pages: asking, the leads' list, triage, choosing a chair, arranging, the log, follow-up, confidentiality."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from wtforms.fields.core import UnboundField

from programme.debriefs.forms import DebriefRequestForm
from programme.debriefs.models import DebriefInvitation, DebriefRequest
from programme.models import LearningPoint, ProgrammeSession
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from rosters.models import AuditEvent
from tests.factories import make_person, make_session, make_team, make_training
from tests.plugin import date_parts, text

FIELD_NAME = re.compile(r'name="([a-z_0-9]+)"')
CHAIR_VALUE = re.compile(r'name="chair" type="radio" value="(\d+)"')


def working_days_before(day: dt.date, days: int) -> dt.date:
    """``days`` working days before ``day``, weekends skipped (late November has no bank holidays)."""
    while days:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def ask_form(**overrides) -> dict:
    data = {
        "incident_date": date_parts(today_uk() - dt.timedelta(days=3)),
        "incident_category": "serious_violence",
        "preferred_format": "group",
        "arrangements": "Mornings suit; step-free access please",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def switch(auth, email: str) -> None:
    db.session.commit()
    auth.logout()
    auth.login(email)


def audit_count(action: str, item_id: int | None = None) -> int:
    query = db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    if item_id is not None:
        query = query.where(AuditEvent.object_type == "DebriefRequest", AuditEvent.object_id == item_id)
    return db.session.scalar(query)


@pytest.fixture
def world():
    """Two teams, a practitioner and their manager, a lead, and trained people of every standing."""
    north, south = make_team(name="Assessment North"), make_team(name="Fostering South")
    w = {
        "north": north,
        "south": south,
        "member": make_person(name="Mel Member", team=north),
        "manager": make_person(name="Max Manager", role="manager", team=north),
        "lead": make_person(name="Pat Lead", role="lead"),
        "colleague": make_person(name="Cal Colleague", team=north),
    }
    make_training(person=w["manager"])
    w["good"] = make_person(name="Gita Good", role="facilitator")
    make_training(person=w["good"])
    w["in_team"] = make_person(name="Ian InTeam", role="facilitator", team=north)
    make_training(person=w["in_team"])
    w["involved"] = make_person(name="Ivy Involved", role="facilitator", team=south)
    make_training(person=w["involved"])
    w["busy"] = make_person(name="Bea Busy", role="facilitator")
    make_training(person=w["busy"])
    w["expired"] = make_person(name="Ed Expired", role="facilitator")
    make_training(person=w["expired"], completed_on=dt.date(2023, 1, 1), expires_on=dt.date(2025, 1, 1))
    w["other_facilitator"] = make_person(name="Olly Other", role="facilitator")
    db.session.commit()
    return w


def ask(client, auth, w, **overrides) -> DebriefRequest:
    """The practitioner asks (naming their manager, inviting Ivy from another team and a partner)."""
    switch(auth, w["member"].email)
    form = ask_form(
        manager=str(w["manager"].id),
        tell_manager="no",  # the manager's part is in test_managers.py
        affected_teams=[str(w["north"].id)],
        invite_people=[str(w["involved"].id)],
        partner_emails="Sam.Jones@nhs.example, Community health\n\nalex@police.example",
    )
    form.update(overrides)
    response = client.post("/debriefs/request", data=form)
    assert response.status_code == 302, text(response)
    return db.session.scalars(db.select(DebriefRequest).order_by(DebriefRequest.id.desc())).first()


def accepted(client, auth, w) -> DebriefRequest:
    item = ask(client, auth, w)
    switch(auth, w["lead"].email)
    assert client.post(f"/debriefs/{item.id}/accept").status_code == 302
    return item


def arrange_form(chair, day: dt.date, **overrides) -> dict:
    data = {
        "day": date_parts(day), "start_time": "10:00", "duration_minutes": "90", "format": "group",
        "location": "Room 2, Civic Centre", "online_link": "", "chair": str(chair.id), "confirm": "Arrange session",
    }
    data.update(overrides)
    return data


# --- asking -----------------------------------------------------------------------------------


def test_pages_need_sign_in(client):
    for path in ("/debriefs/request", "/debriefs/mine", "/debriefs", "/debriefs/1", "/debriefs/chairing"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/sign-in" in response.headers["Location"]


def test_request_form_explains_the_debrief_and_has_no_field_about_a_child(client, auth, world):
    auth.login(world["member"].email)
    page = text(client.get("/debriefs/request"))
    assert "reflective support focused on your experience" in page
    assert "never about decisions on a child" in page
    assert "no formal minutes" in page
    assert "not therapy and does not replace it" in page
    assert "employee assistance programme, occupational health or your GP" in page
    assert "Do not describe the incident or name any child." in page
    expected = {
        "incident_date", "incident_category", "preferred_format", "manager", "tell_manager", "affected_teams",
        "invite_people", "partner_emails", "arrangements", "submit", "refresh",
    }
    declared = {name for name in dir(DebriefRequestForm) if isinstance(getattr(DebriefRequestForm, name), UnboundField)}
    assert declared == expected  # plus Flask-WTF's csrf_token, switched off in tests
    form_html = page[page.index('<form method="post" novalidate>'):]
    form_html = form_html[:form_html.index("</form>")]
    assert set(FIELD_NAME.findall(form_html)) == expected
    # Their own team is ticked to start with; categories are shown by their labels.
    assert f'value="{world["north"].id}" checked' in page
    assert "Serious violence resulting in significant injury" in page
    # Colleagues offered are those of the teams ticked; ticking another team shows its people.
    assert "Cal Colleague (Assessment North)" in page and "Ivy Involved" not in page
    response = client.post("/debriefs/request", data=ask_form(
        affected_teams=[str(world["north"].id), str(world["south"].id)], refresh="Show colleagues",
    ))
    assert response.status_code == 200
    page = text(response)
    assert "Ivy Involved (Fostering South)" in page and "There is a problem" not in page
    assert "Mornings suit; step-free access please" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(DebriefRequest)) == 0


def test_member_asks_with_their_manager_and_the_leads_are_told(client, auth, world, sent):
    item = ask(client, auth, world)
    assert item.requested_by_id == world["member"].id
    assert item.manager_id == world["manager"].id
    assert item.incident_category == "serious_violence"
    assert item.preferred_format == "group"
    assert [t.name for t in item.affected_teams] == ["Assessment North"]
    assert [p.id for p in item.involved] == [world["involved"].id]
    invited = {(i.person_id, i.email, i.agency) for i in item.invitations}
    assert invited == {
        (world["member"].id, None, ""),
        (world["involved"].id, None, ""),
        (None, "sam.jones@nhs.example", "Community health"),
        (None, "alex@police.example", ""),
    }
    assert audit_count("debrief_requested", item.id) == 1
    assert [m.to for m in sent] == [world["lead"].email]
    assert sent[0].subject == "A debrief request is waiting"
    assert "Mel" not in sent[0].body and "violence" not in sent[0].body
    assert f"/debriefs/{item.id}" in sent[0].body

    page = text(client.get(f"/debriefs/request/{item.id}/sent"))
    assert "Debrief request sent" in page
    assert "A programme lead will be in touch" in page
    assert "within 3 working days" in page and "within 10 working days" in page
    # The confirmation is the asker's own; nobody else can open it.
    switch(auth, world["colleague"].email)
    assert client.get(f"/debriefs/request/{item.id}/sent").status_code == 404


def test_member_without_a_manager_is_refused_and_keeps_what_they_typed(client, auth, world, sent):
    auth.login(world["member"].email)
    response = client.post(
        "/debriefs/request",
        data=ask_form(manager="", partner_emails="not-an-address", arrangements="Tuesdays after 2pm"),
    )
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    assert "Name your manager: a practitioner asks for a debrief with their manager" in page
    assert "&#39;not-an-address&#39; is not an e-mail address" in page
    assert 'href="#manager"' in page and 'href="#partner_emails"' in page
    assert "Tuesdays after 2pm" in page and "not-an-address" in page
    assert 'value="serious_violence" checked' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(DebriefRequest)) == 0
    assert sent == []


def test_missing_answers_are_listed_in_the_error_summary(client, auth, world):
    auth.login(world["member"].email)
    response = client.post("/debriefs/request", data={"manager": str(world["manager"].id)})
    assert response.status_code == 400
    page = text(response)
    assert 'href="#incident_date-day"' in page
    assert "Enter the date of the incident" in page
    assert "Select what kind of incident it was" in page


def test_a_future_incident_date_is_refused(client, auth, world):
    auth.login(world["member"].email)
    response = client.post(
        "/debriefs/request",
        data=ask_form(manager=str(world["manager"].id), incident_date=date_parts(today_uk() + dt.timedelta(days=2))),
    )
    assert response.status_code == 400
    assert "The incident date must be today or in the past" in text(response)


def test_a_manager_may_ask_alone(client, auth, world, sent):
    auth.login(world["manager"].email)
    response = client.post("/debriefs/request", data=ask_form(manager=""))
    assert response.status_code == 302
    item = db.session.scalars(db.select(DebriefRequest)).one()
    assert item.manager_id is None
    assert item.requested_by_id == world["manager"].id
    assert [t.name for t in item.affected_teams] == ["Assessment North"]  # their own team by default


# --- leads' list and triage -------------------------------------------------------------------


def test_lead_sees_every_request_with_overdue_ones_first(client, auth, world, sent):
    old = ask(client, auth, world)
    new = ask(client, auth, world)
    old.requested_on = working_days_before(today_uk(), 10)
    old.incident_date = old.requested_on - dt.timedelta(days=1)
    old.requested_at = utcnow() - dt.timedelta(days=14)
    switch(auth, world["lead"].email)
    before = audit_count("debrief_list_viewed")
    page = text(client.get("/debriefs"))
    assert audit_count("debrief_list_viewed") == before + 1
    assert "Offer overdue" in page
    assert page.count("Offer overdue") == 1
    assert page.index(f"/debriefs/{old.id}\"") < page.index(f"/debriefs/{new.id}\"")
    assert "Waiting for triage" in page
    # Filtering by status.
    page = text(client.get("/debriefs?status=declined"))
    assert f"/debriefs/{old.id}\"" not in page
    # Members and facilitators cannot see the list.
    switch(auth, world["good"].email)
    assert client.get("/debriefs").status_code == 403


def test_lead_accepts_a_request(client, auth, world, sent):
    item = ask(client, auth, world)
    switch(auth, world["lead"].email)
    response = client.post(f"/debriefs/{item.id}/accept", follow_redirects=True)
    assert "Request accepted" in text(response)
    db.session.expire_all()
    assert item.status == "accepted" and item.triaged_by_id == world["lead"].id
    assert audit_count("debrief_accepted", item.id) == 1
    assert sent[-1].to == world["member"].email and "Mel" not in sent[-1].subject
    # Accepting twice is refused, and says why.
    response = client.post(f"/debriefs/{item.id}/accept")
    assert response.status_code == 409
    assert "already been triaged" in text(response)


def test_declining_needs_a_reason_that_the_asker_then_sees(client, auth, world, sent):
    item = ask(client, auth, world)
    switch(auth, world["lead"].email)
    response = client.post(f"/debriefs/{item.id}/decline", data={"reason": "  "})
    assert response.status_code == 400
    assert "Give a reason for declining" in text(response)
    db.session.expire_all()
    assert item.status == "requested"
    response = client.post(
        f"/debriefs/{item.id}/decline", data={"reason": "Please speak to occupational health first"},
        follow_redirects=True,
    )
    assert "Request declined" in text(response)
    assert audit_count("debrief_declined", item.id) == 1

    switch(auth, world["member"].email)
    page = text(client.get("/debriefs/mine"))
    assert "Declined" in page
    assert "Please speak to occupational health first" in page
    # Someone merely invited sees that no session will be arranged, not the reason.
    switch(auth, world["involved"].email)
    page = text(client.get("/debriefs/mine"))
    assert "No session will be arranged" in page
    assert "occupational health first" not in page


# --- choosing a chair and arranging -----------------------------------------------------------


def test_chair_options_leave_out_anyone_not_independent_trained_or_free(app, client, auth, world, sent):
    app.config["DEBRIEF_MONTHLY_CAP"] = 1
    day = today_uk() + dt.timedelta(days=7)
    make_session(kind="debrief", format="individual", incident_category="other", status="scheduled",
                 date=day, facilitator=world["busy"], team=world["south"])
    item = accepted(client, auth, world)
    page = text(client.get(f"/debriefs/{item.id}?day={day.isoformat()}"))
    assert CHAIR_VALUE.findall(page) == [str(world["good"].id)]
    assert "Ian InTeam</strong>: works in an affected team" in page
    assert "Max Manager</strong>: works in an affected team; is the line manager of the person who asked" in page
    assert "Ivy Involved</strong>: declared as involved in the case" in page
    assert "Bea Busy</strong>: already chairs 1 debriefs that month (the limit is 1)" in page
    assert "Ed Expired</strong>: no valid debrief training on" in page
    assert "Olly Other" not in page  # not trained to debrief at all

    # Choosing another month's date shows who can chair then: Bea has no debriefs in that month.
    later = (day.replace(day=1) + dt.timedelta(days=40)).replace(day=10)
    response = client.post(f"/debriefs/{item.id}/arrange", data={"day": date_parts(later), "check": "Show chairs"})
    assert response.status_code == 200
    chairs = CHAIR_VALUE.findall(text(response))
    assert set(chairs) == {str(world["good"].id), str(world["busy"].id)}
    assert "There is a problem" not in text(response)


def test_arranging_someone_who_cannot_chair_is_refused(client, auth, world, sent):
    item = accepted(client, auth, world)
    day = today_uk() + dt.timedelta(days=7)
    response = client.post(f"/debriefs/{item.id}/arrange", data=arrange_form(world["in_team"], day, location=""))
    assert response.status_code == 400
    page = text(response)
    assert "Ian InTeam cannot chair this debrief: works in an affected team" in page
    assert "Give a place or an online link" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(ProgrammeSession)) == 0


def test_facilitators_cannot_triage_or_arrange(client, auth, world, sent):
    item = accepted(client, auth, world)
    day = today_uk() + dt.timedelta(days=7)
    client.post(f"/debriefs/{item.id}/arrange", data=arrange_form(world["good"], day))
    switch(auth, world["good"].email)
    assert client.get(f"/debriefs/{item.id}").status_code == 200
    assert client.post(f"/debriefs/{item.id}/decline", data={"reason": "x"}).status_code == 403
    assert client.post(f"/debriefs/{item.id}/arrange", data=arrange_form(world["good"], day)).status_code == 403


def test_a_debrief_from_request_to_follow_up(client, auth, world, sent, runner):
    item = accepted(client, auth, world)
    day = today_uk() + dt.timedelta(days=7)
    sent.clear()
    response = client.post(
        f"/debriefs/{item.id}/arrange",
        data=arrange_form(world["good"], day, online_link="https://meet.example.org/debrief"),
        follow_redirects=True,
    )
    assert "Session arranged for" in text(response)
    db.session.expire_all()
    session = item.session
    assert session.kind == "debrief" and session.status == "scheduled"
    assert session.requested_on == item.requested_on
    assert session.incident_category == "serious_violence"
    assert session.facilitator_id == world["good"].id and item.facilitator_id == world["good"].id
    assert session.team_id == world["north"].id
    assert item.status == "scheduled"
    assert audit_count("debrief_session_arranged", item.id) == 1
    # Every invitation address is told where and when, and the chair too; no names in subjects.
    addresses = {i.address for i in item.invitations}
    assert addresses == {world["member"].email, world["involved"].email, "sam.jones@nhs.example", "alex@police.example"}
    assert {m.to for m in sent} == addresses | {world["good"].email}
    for message in sent:
        assert "Mel" not in message.subject and "Gita" not in message.subject
    invite = next(m for m in sent if m.to == "alex@police.example")
    assert "Room 2, Civic Centre" in invite.body and "https://meet.example.org/debrief" in invite.body
    assert "not therapy" in invite.body

    # The invited colleague sees when and where (and, on the request's own page, the link and the chair),
    # and nothing about the others.
    switch(auth, world["involved"].email)
    page = text(client.get("/debriefs/mine"))
    assert "Room 2, Civic Centre" in page
    assert "Mel Member" not in page and "sam.jones" not in page and "Gita" not in page
    page = text(client.get(f"/debriefs/mine/{item.id}"))
    assert "Room 2, Civic Centre" in page and "https://meet.example.org/debrief" in page and "Gita Good" in page
    assert "Mel Member" not in page and "sam.jones" not in page

    # Confidentiality: not the chair -> 404, another facilitator -> 404, the chair -> 200.
    for person in (world["colleague"], world["involved"], world["other_facilitator"], world["manager"]):
        switch(auth, person.email)
        assert client.get(f"/debriefs/{item.id}").status_code == 404, person.name
        assert client.get(f"/debriefs/{item.id}/log").status_code == 404, person.name
        assert client.post(f"/debriefs/{item.id}/follow-up", data={"outcome": "done"}).status_code == 404
    switch(auth, world["good"].email)
    assert client.get(f"/debriefs/{item.id}").status_code == 200
    page = text(client.get("/debriefs/chairing"))
    assert f"/debriefs/{item.id}/log" in page

    # The chair cannot log a session that has not started.
    response = client.get(f"/debriefs/{item.id}/log")
    assert "once it has started" in text(response)

    # The session start is moved into the past, then the chair logs it with learning.
    session.starts_at = utcnow() - dt.timedelta(hours=2)
    db.session.commit()
    page = text(client.get(f"/debriefs/{item.id}/log"))
    assert "no minutes by design" in page.lower()
    assert 'value="Safeguarding Practice Learning and Improvement Group"' in page
    response = client.post(f"/debriefs/{item.id}/log", data={"delivered": "yes", "attendees": "", "duration_minutes": ""})
    assert response.status_code == 400
    assert "Enter how many practitioners attended" in text(response)
    response = client.post(
        f"/debriefs/{item.id}/log",
        data={
            "delivered": "yes", "attendees": "4", "duration_minutes": "100", "closed_safe_uplifting": "yes",
            "signposting": ["eap", "gp"], "learning_1": "Out-of-hours handover needs a named contact",
            "learning_2": "", "learning_3": "Lone visits after dark need a buddy call",
            "forum": "Safeguarding Practice Learning and Improvement Group",
        },
        follow_redirects=True,
    )
    page = text(response)
    assert "Session log saved with 2 learning points" in page
    db.session.expire_all()
    assert session.status == "delivered" and session.attendees == 4 and session.duration_minutes == 100
    assert item.status == "delivered"
    assert item.closed_safe_uplifting is True
    assert (item.signposted_eap, item.signposted_occupational_health, item.signposted_gp) == (True, False, True)
    points = db.session.scalars(db.select(LearningPoint).where(LearningPoint.request_id == item.id)).all()
    assert sorted(p.text for p in points) == ["Lone visits after dark need a buddy call",
                                              "Out-of-hours handover needs a named contact"]
    assert {p.status for p in points} == {"draft"}
    assert f"Follow-up due {item.follow_up_due_on:%-d %B %Y}" in page

    # Delivered debriefs count in `flask metrics`, once.
    result = runner.invoke(args=["metrics", "--start", today_uk().isoformat(), "--end", (day + dt.timedelta(days=1)).isoformat()])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.splitlines()[0])
    assert figures["debriefs_delivered"] == 1
    assert figures["debriefs_group"] == 1
    assert figures["debriefs_by_category"]["serious_violence"] == 1
    assert sum(figures["debriefs_by_category"].values()) == 1

    # The follow-up about a month later closes the request; past its date it is shown overdue.
    item.follow_up_due_on = today_uk() - dt.timedelta(days=1)
    db.session.commit()
    assert "Follow-up overdue" in text(client.get(f"/debriefs/{item.id}"))
    response = client.post(f"/debriefs/{item.id}/follow-up", data={"outcome": ""})
    assert response.status_code == 400
    response = client.post(f"/debriefs/{item.id}/follow-up", data={"outcome": "done"}, follow_redirects=True)
    assert "Follow-up recorded as done" in text(response)
    db.session.expire_all()
    assert item.status == "closed" and item.follow_up == "done"
    assert audit_count("debrief_follow_up_recorded", item.id) == 1
    assert "Follow-up due" not in text(client.get(f"/debriefs/{item.id}"))


def test_a_session_that_did_not_go_ahead_can_be_arranged_again(client, auth, world, sent):
    item = accepted(client, auth, world)
    day = today_uk() + dt.timedelta(days=7)
    client.post(f"/debriefs/{item.id}/arrange", data=arrange_form(world["good"], day))
    db.session.expire_all()
    item.session.starts_at = utcnow() - dt.timedelta(hours=1)
    db.session.commit()
    response = client.post(f"/debriefs/{item.id}/log", data={"delivered": "no", "reason": ""})
    assert response.status_code == 400
    assert "Say why the session did not go ahead" in text(response)
    response = client.post(f"/debriefs/{item.id}/log", data={"delivered": "no", "reason": "Chair unwell"},
                           follow_redirects=True)
    assert "did not go ahead" in text(response)
    db.session.expire_all()
    assert item.status == "accepted" and item.session is None
    assert "Choose a chair and arrange the session" in text(response)


# --- confidentiality and the audit trail ------------------------------------------------------


def test_only_leads_and_the_chair_see_a_request(client, auth, world, sent):
    item = ask(client, auth, world)
    # Not even the person who asked sees the request page: they have "Your debriefs".
    assert client.get(f"/debriefs/{item.id}").status_code == 404
    switch(auth, world["good"].email)
    assert client.get(f"/debriefs/{item.id}").status_code == 404
    assert client.post(f"/debriefs/{item.id}/accept").status_code == 404
    switch(auth, world["lead"].email)
    assert client.get("/debriefs/999999").status_code == 404
    assert client.post("/debriefs/999999/accept").status_code == 404


def test_every_view_of_a_request_is_audited(client, auth, world, sent):
    item = ask(client, auth, world)
    switch(auth, world["lead"].email)
    for expected in (1, 2, 3):
        assert client.get(f"/debriefs/{item.id}").status_code == 200
        assert audit_count("debrief_viewed", item.id) == expected
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "debrief_viewed")).first()
    assert event.person_id == world["lead"].id


def test_invitations_are_stored_once_per_address(client, auth, world, sent):
    item = ask(client, auth, world, partner_emails="a@partner.example\nA@Partner.example, Health")
    emails = [i.email for i in db.session.scalars(
        db.select(DebriefInvitation).where(DebriefInvitation.request_id == item.id, DebriefInvitation.email.is_not(None))
    )]
    assert emails == ["a@partner.example"]
