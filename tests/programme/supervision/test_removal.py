"""A lead removes someone's place, with a reason, through the page or the API operation meant for it; the
person is told and the first person waiting gets the place. DELETE /bookings/{id} stays one's own."""

from __future__ import annotations

import datetime as dt

import pytest

from programme.models import Booking, ProgrammeSession
from programme.supervision.places import book_place
from rosters.clock import local_to_utc
from rosters.extensions import db
from rosters.models import AuditEvent
from rosters.services import create_token
from tests.factories import make_person, make_session, make_team
from tests.moments import A_MONDAY, uk
from tests.plugin import text

pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)
DAY = dt.date(2027, 7, 6)


@pytest.fixture
def full(app):
    """A one-place session: Ada has the place, Ben waits; Lee is a lead."""
    team = make_team(name="Assessment North")
    session = make_session(team=team, date=DAY, starts_at=local_to_utc(DAY, dt.time(10, 0)), status="scheduled",
                           capacity=1, location="Room 4")
    ada = make_person(team=team, name="Ada Member", email="ada@example.org")
    ben = make_person(team=team, name="Ben Member", email="ben@example.org")
    lead = make_person(role="lead", name="Lee Lead", email="lee@example.org")
    place, queued = book_place(session.id, ada), book_place(session.id, ben)
    db.session.commit()
    return {"session": session, "ada": ada, "ben": ben, "lead": lead, "place": place, "queued": queued}


def bearer(person) -> dict[str, str]:
    token = create_token(person.email)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def statuses(full) -> tuple[str, str]:
    db.session.expire_all()
    return (db.session.get(Booking, full["place"].id).status, db.session.get(Booking, full["queued"].id).status)


def test_a_leads_token_cannot_cancel_someone_elses_booking(client, full, sent):
    response = client.delete(f"/api/v1/bookings/{full['place'].id}", headers=bearer(full["lead"]))
    assert response.status_code == 404 and response.get_json() == {"error": "no such booking"}
    assert statuses(full) == ("booked", "waitlisted") and sent == []


def test_a_lead_removes_a_place_through_the_api_and_both_people_are_told(client, full, sent):
    headers = bearer(full["lead"])
    url = f"/api/v1/bookings/{full['place'].id}/removal"
    assert client.post(url, headers=headers, json={}).status_code == 400
    assert client.post(url, headers=headers, json={"reason": "x" * 501}).status_code == 400
    assert client.post(url, headers=bearer(full["ben"]), json={"reason": "mine now"}).status_code == 403
    assert client.post("/api/v1/bookings/999999/removal", headers=headers, json={"reason": "x"}).status_code == 404
    assert statuses(full) == ("booked", "waitlisted")

    response = client.post(url, headers=headers, json={"reason": "Booked twice by mistake"})
    assert response.status_code == 204
    assert statuses(full) == ("cancelled", "booked")  # Ben gets the place, as when someone cancels
    removed, promoted = sent
    assert removed.to == "ada@example.org" and "Ada" not in removed.subject
    assert "A programme lead has removed your place" in removed.body and "Booked twice by mistake" in removed.body
    assert promoted.to == "ben@example.org"
    [entry] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "booking_removed")).all()
    assert entry.person_id == full["lead"].id and "Booked twice by mistake" in entry.detail
    assert client.post(url, headers=headers, json={"reason": "again"}).status_code == 409


def test_the_removal_operation_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/bookings/{booking_id}/removal"]["post"]
    assert {"204", "400", "401", "403", "404", "409"} <= set(operation["responses"])
    assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == ["reason"]
    assert "own" in document["paths"]["/bookings/{booking_id}"]["delete"]["summary"]


def test_a_lead_removes_a_place_on_the_sessions_places_page(client, auth, full, sent):
    auth.login(full["lead"].email)
    session: ProgrammeSession = full["session"]
    page = text(client.get(f"/supervision/sessions/{session.id}/bookings"))
    assert "Ada Member" in page and "Ben Member" in page
    assert f'href="/supervision/bookings/{full["place"].id}/remove"' in page
    assert "Remove Ada Member’s place?" in text(client.get(f"/supervision/bookings/{full['place'].id}/remove"))

    response = client.post(f"/supervision/bookings/{full['place'].id}/remove", data={"reason": ""})
    assert response.status_code == 400 and "Say why the place is removed" in text(response)
    assert statuses(full) == ("booked", "waitlisted") and sent == []

    response = client.post(f"/supervision/bookings/{full['place'].id}/remove", data={"reason": "Left the team"},
                           follow_redirects=True)
    assert "Ada Member’s place has been removed" in text(response)
    assert statuses(full) == ("cancelled", "booked")
    assert [m.to for m in sent] == ["ada@example.org", "ben@example.org"]
    assert "Left the team" in sent[0].body


@pytest.mark.parametrize("role", ["member", "manager", "facilitator"])
def test_only_leads_see_places_or_remove_them(client, auth, full, role):
    person = make_person(role=role, team=full["session"].team)
    db.session.commit()
    auth.login(person.email)
    assert client.get(f"/supervision/sessions/{full['session'].id}/bookings").status_code == 403
    assert client.post(f"/supervision/bookings/{full['place'].id}/remove", data={"reason": "x"}).status_code == 403
    assert statuses(full) == ("booked", "waitlisted")
