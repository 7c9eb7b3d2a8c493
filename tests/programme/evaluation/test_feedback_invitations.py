"""Feedback links after a delivered session: who is invited, once, withdrawn on correction; single use."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from programme.debriefs.asking import DebriefAsk, request_debrief
from programme.debriefs.models import DebriefInvitation
from programme.evaluation.models import SurveyInvitation, SurveyResponse
from programme.models import ProgrammeSession
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from tests.factories import make_facilitator, make_person, make_team
from tests.plugin import text
from tests.programme.evaluation.feedback_data import ALL_FIVES, links_in, register_form, started_session


@pytest.fixture
def people(app):
    app.config["MAIL_SERVER"] = ""
    team = make_team(name="Assessment Team 1")
    members = [make_person(name=f"Member {n}", email=f"member{n}@example.org", team=team) for n in range(3)]
    facilitator = make_facilitator(name="Fay Facilitator", email="fay@example.org")
    db.session.commit()
    return team, members, facilitator


def invitations(session_id: int) -> list[SurveyInvitation]:
    return db.session.scalars(select(SurveyInvitation).where(SurveyInvitation.session_id == session_id)
                              .order_by(SurveyInvitation.person_id)).all()


def test_register_invites_those_who_attended_once_and_withdraws_on_correction(client, auth, people, sent):
    team, members, facilitator = people
    session = started_session(team, facilitator, members)
    auth.login(facilitator.email)
    url = f"/facilitation/sessions/{session.id}/register"
    response = client.post(url, data=register_form(session, {members[0].id, members[1].id}, others=1))
    assert response.status_code == 302
    links = links_in(sent)
    assert set(links) == {"member0@example.org", "member1@example.org"}  # not the absent, not the facilitator
    for message in sent:
        assert message.subject == "One minute of feedback on your session"  # no names in subjects
        assert "anonymous" in message.body and "http://127.0.0.1:5000/respond/" in message.body
    db.session.expire_all()
    rows = invitations(session.id)
    assert [r.person_id for r in rows] == [members[0].id, members[1].id]
    assert all(r.team_id == team.id and r.expires_on == today_uk() + dt.timedelta(days=28) for r in rows)
    assert all(links[m.email] not in r.token_hash for m in members[:2] for r in rows)  # only a hash is kept

    # Taken again unchanged: no one is invited twice.
    sent.clear()
    assert client.post(url, data=register_form(session, {members[0].id, members[1].id}, others=1)).status_code == 302
    assert sent == []

    # Corrected: member 1 did not attend after all, member 2 did. Member 1's link now says "not valid".
    assert client.post(url, data=register_form(session, {members[0].id, members[2].id})).status_code == 302
    assert set(links_in(sent)) == {"member2@example.org"}
    refused = client.get(f"/respond/{links['member1@example.org']}")
    assert refused.status_code == 404 and "This link is not valid" in text(refused)
    assert client.get(f"/respond/{links['member0@example.org']}").status_code == 200

    # Corrected back: member 1 gets a fresh link; the old one stays dead.
    sent.clear()
    assert client.post(url, data=register_form(session, {members[0].id, members[1].id, members[2].id})).status_code == 302
    fresh = links_in(sent)
    assert set(fresh) == {"member1@example.org"} and fresh["member1@example.org"] != links["member1@example.org"]
    assert client.get(f"/respond/{links['member1@example.org']}").status_code == 404
    assert client.get(f"/respond/{fresh['member1@example.org']}").status_code == 200


def test_a_session_that_did_not_go_ahead_invites_no_one(client, auth, people, sent):
    team, members, facilitator = people
    session = started_session(team, facilitator, members)
    auth.login(facilitator.email)
    response = client.post(f"/facilitation/sessions/{session.id}/register",
                           data={"outcome": "cancelled", "reason": "Fire alarm", "others": "0"})
    assert response.status_code == 302
    assert links_in(sent) == {} and invitations(session.id) == []


def test_a_link_is_used_once_and_the_second_use_gets_a_clear_page(client, auth, people, sent):
    team, members, facilitator = people
    session = started_session(team, facilitator, members[:1])
    auth.login(facilitator.email)
    client.post(f"/facilitation/sessions/{session.id}/register", data=register_form(session, {members[0].id}))
    secret = links_in(sent)["member0@example.org"]
    auth.logout()  # the link needs no sign-in

    page = client.get(f"/respond/{secret}")
    assert page.status_code == 200 and "Your session: one minute of feedback" in text(page)
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    missing = client.post(f"/respond/{secret}", data={"safe": "4", "comment": "Kind and calm"})
    assert missing.status_code == 400
    body = text(missing)
    assert "Choose an answer for statement 2" in body and "Kind and calm" in body  # nothing typed is lost
    too_long = client.post(f"/respond/{secret}", data={**ALL_FIVES, "comment": "x" * 2001})
    assert too_long.status_code == 400 and "2000 characters or fewer" in text(too_long)
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0

    done = client.post(f"/respond/{secret}", data={**ALL_FIVES, "safe": "4", "comment": "Kind and calm"})
    assert done.status_code == 200 and "Thank you" in text(done)
    again = client.post(f"/respond/{secret}", data=ALL_FIVES)
    assert again.status_code == 410 and "already been used" in text(again)
    assert client.get(f"/respond/{secret}").status_code == 410
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    stored = db.session.scalar(select(SurveyResponse))
    assert stored.session_kind == "supervision" and stored.team_id == team.id and stored.comment == "Kind and calm"
    assert stored.month == today_uk().replace(day=1)


def test_an_unknown_or_expired_link_is_refused(client, auth, people, sent, time_machine):
    team, members, facilitator = people
    session = started_session(team, facilitator, members[:1])
    auth.login(facilitator.email)
    client.post(f"/facilitation/sessions/{session.id}/register", data=register_form(session, {members[0].id}))
    secret = links_in(sent)["member0@example.org"]
    for bad in ("not-a-link", "x" * 500, secret[:-1]):
        response = client.get(f"/respond/{bad}")
        assert response.status_code == 404 and "This link is not valid" in text(response)
    time_machine.move_to(utcnow() + dt.timedelta(days=40))
    expired = client.get(f"/respond/{secret}")
    assert expired.status_code == 410 and "has closed" in text(expired)
    assert client.post(f"/respond/{secret}", data=ALL_FIVES).status_code == 410


def test_feedback_days_sets_how_long_a_link_lasts(make_app, sent):
    app = make_app(FEEDBACK_DAYS=7)
    with app.app_context():
        team = make_team()
        member = make_person(team=team, email="short@example.org")
        facilitator = make_facilitator(email="fac@example.org")
        session = started_session(team, facilitator, [member])
        client = app.test_client()
        client.post("/sign-in", data={"email": facilitator.email, "password": "correct horse battery"})
        client.post(f"/facilitation/sessions/{session.id}/register", data=register_form(session, {member.id}))
        assert invitations(session.id)[0].expires_on == today_uk() + dt.timedelta(days=7)


def test_a_logged_debrief_invites_the_requester_and_invited_people_but_not_the_chair(client, auth, app, sent):
    app.config["MAIL_SERVER"] = ""
    team = make_team(name="Child Protection 2")
    requester = make_person(team=team, email="asker@example.org")
    colleague = make_person(team=team, email="colleague@example.org")
    chair = make_facilitator(course="critical_incident_debrief", email="chair@example.org")
    manager = make_person(team=team, role="manager", email="boss@example.org")
    item = request_debrief(requester, DebriefAsk(manager=manager, incident_date=today_uk() - dt.timedelta(days=2),
                                                 incident_category="serious_violence", preferred_format="group",
                                                 invite_people=[colleague, chair],
                                                 invite_emails=[("sergeant@police.example.org", "Police")]))
    day = today_uk()
    session = ProgrammeSession(kind="debrief", format="group", team=team, date=day, duration_minutes=90,
                               starts_at=utcnow() - dt.timedelta(hours=2), facilitator=chair, status="scheduled",
                               requested_on=item.requested_on, incident_category="serious_violence")
    item.session, item.facilitator, item.status = session, chair, "scheduled"
    db.session.commit()
    invited = {i.person.email if i.person else i.email for i in db.session.scalars(select(DebriefInvitation))}
    assert invited == {"asker@example.org", "colleague@example.org", "chair@example.org",
                       "sergeant@police.example.org"}
    auth.login(chair.email)
    response = client.post(f"/debriefs/{item.id}/log",
                           data={"delivered": "yes", "attendees": "4", "duration_minutes": "90", "forum": "",
                                 "closed_safe_uplifting": "yes"})
    assert response.status_code == 302, text(response)
    # Everyone on the roster who took part; not the chair, and not a partner colleague known by e-mail only.
    assert set(links_in(sent)) == {"asker@example.org", "colleague@example.org"}
    secret = links_in(sent)["colleague@example.org"]
    auth.logout()
    assert client.post(f"/respond/{secret}", data=ALL_FIVES).status_code == 200
    assert db.session.scalar(select(SurveyResponse.session_kind)) == "debrief"
