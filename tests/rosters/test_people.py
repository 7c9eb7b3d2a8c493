"""Leads manage people in the browser: add, change, deactivate and reactivate, each refusal, the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest

from rosters.clock import local_to_utc, today_uk
from rosters.errors import Conflict
from rosters.extensions import db
from rosters.models import ApiToken, AuditEvent, Person, SignInSession
from rosters.people.operations import PersonDetails, change_person, deactivate_person
from rosters.services import create_token
from tests.factories import PASSWORD, make_booking, make_person, make_session, make_team
from tests.plugin import text


def people_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Person))


def audit_lines(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def open_sign_ins(person: Person) -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(SignInSession).where(
        SignInSession.person_id == person.id, SignInSession.ended_at.is_(None)))


def form(name="Nia New", email="nia.new@example.org", team="", role="member") -> dict[str, str]:
    return {"name": name, "email": email, "team": team, "role": role}


# --- adding ---------------------------------------------------------------------------------------


def test_lead_adds_a_person_who_cannot_sign_in_until_given_a_password(as_lead, lead):
    team = make_team(name="Assessment North")
    db.session.commit()
    page = as_lead.get("/people/new")
    assert page.status_code == 200 and "Add a person" in text(page) and "Assessment North" in text(page)
    response = as_lead.post("/people/new", data=form(email="  Nia.New@Example.ORG ", team=str(team.id),
                                                     role="facilitator"))
    assert response.status_code == 302
    person = db.session.scalar(db.select(Person).where(Person.email == "nia.new@example.org"))
    assert response.headers["Location"].endswith(f"/people/{person.id}")
    assert (person.name, person.role, person.team_id, person.enabled) == ("Nia New", "facilitator", team.id, True)
    assert person.password_hash is None and not person.is_active
    [line] = audit_lines("person_added")
    assert (line.person_id, line.object_type, line.object_id) == (lead.id, "Person", person.id)
    assert line.detail == "role facilitator; team Assessment North"
    page = as_lead.get(f"/people/{person.id}")
    assert "nia.new@example.org" in text(page) and "Not set" in text(page)
    assert "Nia New" in text(as_lead.get("/people"))


@pytest.mark.parametrize(("data", "message"), [
    (form(email="TAKEN@example.ORG"), "Someone on the roster already has this email address"),
    (form(team="987654"), "No such team: choose a team from the list"),
    (form(team="north"), "No such team: choose a team from the list"),
    (form(email="not an address"), "Enter an email address in the correct format"),
    (form(name="   "), "Enter the person&#39;s name"),
    (form(name="x" * 201), "Name must be 200 characters or fewer"),
    (form(role=""), "Select a role"),
    (form(role="owner"), "Not a valid choice"),
])
def test_adding_is_refused_with_a_clear_message(as_lead, data, message):
    make_person(email="taken@example.org")
    db.session.commit()
    before = people_count()
    response = as_lead.post("/people/new", data=data)
    assert response.status_code == 400
    assert message in text(response) and "There is a problem" in text(response)
    assert people_count() == before and not audit_lines("person_added")


# --- changing -------------------------------------------------------------------------------------


def test_lead_changes_name_email_team_and_role_and_the_audit_says_what_changed(as_lead):
    north, south = make_team(name="North"), make_team(name="South")
    person = make_person(name="Sam Old", email="sam@example.org", team=north)
    db.session.commit()
    page = as_lead.get(f"/people/{person.id}/edit")
    assert page.status_code == 200 and 'value="sam@example.org"' in text(page)
    response = as_lead.post(f"/people/{person.id}/edit", data=form(name="Sam New", email="Sam.New@Example.org",
                                                                   team=str(south.id), role="manager"))
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert (person.name, person.email, person.team_id, person.role) == ("Sam New", "sam.new@example.org", south.id,
                                                                        "manager")
    [line] = audit_lines("person_changed")
    assert line.detail == "name changed; email changed; team North to South; role member to manager"
    assert "Sam" not in line.detail and "@" not in line.detail  # the trail outlives an erasure


def test_saving_unchanged_details_writes_no_audit_line(as_lead):
    person = make_person(name="Una Same", email="una@example.org")
    db.session.commit()
    assert as_lead.post(f"/people/{person.id}/edit", data=form(name="Una Same", email="una@example.org")).status_code == 302
    assert not audit_lines("person_changed")


def test_changing_to_another_persons_email_is_refused(as_lead):
    make_person(email="first@example.org")
    second = make_person(email="second@example.org")
    db.session.commit()
    response = as_lead.post(f"/people/{second.id}/edit", data=form(email="FIRST@example.org"))
    assert response.status_code == 400
    assert "Someone on the roster already has this email address" in text(response)
    db.session.expire_all()
    assert db.session.get(Person, second.id).email == "second@example.org"


def test_a_lead_cannot_change_their_own_role(as_lead, lead):
    response = as_lead.post(f"/people/{lead.id}/edit", data=form(name=lead.name, email=lead.email, role="member"))
    assert response.status_code == 400
    assert "You cannot change your own role" in text(response)
    db.session.expire_all()
    assert db.session.get(Person, lead.id).role == "lead"


def test_the_last_active_lead_keeps_the_role(app):
    only = make_person(role="lead")
    make_person(role="lead", enabled=False)  # a deactivated lead does not count
    other = make_person(role="manager")
    with pytest.raises(Conflict, match="only active programme lead"):
        change_person(only, PersonDetails(only.name, only.email, "member"), other)
    with pytest.raises(Conflict, match="only active programme lead"):
        deactivate_person(only, other)


def test_a_new_role_ends_the_persons_sign_ins(as_lead, app):
    member = make_person(email="mo@example.org")
    db.session.commit()
    theirs = app.test_client()
    theirs.post("/sign-in", data={"email": member.email, "password": PASSWORD})
    assert open_sign_ins(member) == 1
    as_lead.post(f"/people/{member.id}/edit", data=form(name=member.name, email=member.email, role="facilitator"))
    assert open_sign_ins(member) == 0 and theirs.get("/").status_code == 302


# --- deactivating and reactivating ------------------------------------------------------------------


def test_deactivating_ends_every_sign_in_revokes_tokens_and_keeps_bookings(as_lead, app):
    team = make_team()
    member = make_person(email="dee@example.org", team=team)
    day = today_uk() + dt.timedelta(days=10)
    session = make_session(team=team, status="scheduled", date=day, starts_at=local_to_utc(day, dt.time(10)), capacity=4)
    booking = make_booking(session, member)
    token = create_token(member.email)
    db.session.commit()
    browsers = [app.test_client(), app.test_client()]
    for browser in browsers:
        assert browser.post("/sign-in", data={"email": member.email, "password": PASSWORD}).status_code == 302
    assert open_sign_ins(member) == 2
    assert app.test_client().get("/api/v1/slots", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    page = as_lead.get(f"/people/{member.id}/deactivate")
    assert page.status_code == 200 and "places on upcoming sessions are kept" in text(page)
    response = as_lead.post(f"/people/{member.id}/deactivate", follow_redirects=True)
    assert response.status_code == 200
    assert "2 sign-in(s) ended and 1 API token(s) revoked" in text(response)

    assert open_sign_ins(member) == 0
    for browser in browsers:
        assert browser.get("/").status_code == 302
    assert db.session.scalar(db.select(ApiToken.revoked_at).where(ApiToken.person_id == member.id)) is not None
    assert app.test_client().get("/api/v1/slots", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert app.test_client().post("/sign-in", data={"email": member.email, "password": PASSWORD}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Person, member.id).enabled is False
    assert db.session.get(type(booking), booking.id).status == "booked"
    [line] = audit_lines("person_deactivated")
    assert line.object_id == member.id
    assert line.detail == "2 sign-in(s) ended; 1 API token(s) revoked; 0 password link(s) withdrawn; bookings kept"

    # Reactivating lets them sign in again; the old token stays revoked.
    assert as_lead.post(f"/people/{member.id}/reactivate").status_code == 302
    assert [line.object_id for line in audit_lines("person_reactivated")] == [member.id]
    assert app.test_client().post("/sign-in", data={"email": member.email, "password": PASSWORD}).status_code == 302
    assert app.test_client().get("/api/v1/slots", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_lead_cannot_deactivate_themselves(as_lead, lead):
    page = as_lead.get(f"/people/{lead.id}")
    assert "You cannot deactivate yourself" in text(page)
    response = as_lead.post(f"/people/{lead.id}/deactivate")
    assert response.status_code == 409
    assert "You cannot deactivate yourself: ask another programme lead." in text(response)
    db.session.expire_all()
    assert db.session.get(Person, lead.id).enabled and open_sign_ins(lead) == 1
    assert not audit_lines("person_deactivated")


def test_deactivating_twice_or_reactivating_an_active_person_is_refused(as_lead):
    person = make_person(enabled=False)
    active = make_person()
    db.session.commit()
    assert as_lead.get(f"/people/{person.id}/deactivate").status_code == 302  # to their page, with Reactivate
    response = as_lead.post(f"/people/{person.id}/deactivate")
    assert response.status_code == 409 and "already deactivated" in text(response)
    response = as_lead.post(f"/people/{active.id}/reactivate", follow_redirects=True)
    assert "This person is already active." in text(response)
    assert not audit_lines("person_reactivated")


def test_an_erased_person_cannot_be_changed(as_lead):
    erased = make_person(name="Erased person", email="erased-1@erased.invalid", enabled=False, password=False,
                         anonymised_at=dt.datetime(2026, 1, 1))
    db.session.commit()
    page = as_lead.get(f"/people/{erased.id}")
    assert "details were erased" in text(page) and "Change details" not in text(page)
    assert as_lead.get(f"/people/{erased.id}/edit").status_code == 302
    response = as_lead.post(f"/people/{erased.id}/edit", data=form())
    assert response.status_code == 409 and "details were erased" in text(response)
    assert as_lead.post(f"/people/{erased.id}/deactivate").status_code == 409
    response = as_lead.post(f"/people/{erased.id}/reactivate", follow_redirects=True)
    assert "details were erased" in text(response)
    db.session.expire_all()
    assert db.session.get(Person, erased.id).enabled is False
    assert not audit_lines("person_changed") and not audit_lines("person_reactivated")


def test_only_leads_manage_people(client, auth):
    member = make_person(role="manager")
    db.session.commit()
    auth.login(member.email)
    assert client.get("/people/new").status_code == 403
    assert client.post(f"/people/{member.id}/deactivate").status_code == 403
    assert client.post("/people/new", data=form()).status_code == 403
