"""``POST /api/v1/debriefs``: asking for a debrief with a bearer token, and its OpenAPI description."""

from __future__ import annotations

import datetime as dt

import pytest

from programme.dates import working_days_after
from programme.debriefs.models import DebriefRequest
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import AuditEvent
from tests.factories import make_person, make_team

URL = "/api/v1/debriefs"


def token_for(runner, person) -> str:
    db.session.commit()
    result = runner.invoke(args=["create-token", "--email", person.email])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.fixture
def asker(app, runner):
    """A team member with a manager, and the headers that carry the member's token."""
    team = make_team(name="Assessment North")
    manager = make_person(role="manager", team=team, email="manager@example.org")
    member = make_person(team=team, email="member@example.org")
    headers = {"Authorization": f"Bearer {token_for(runner, member)}"}
    return member, manager, headers


def valid_body(**fields) -> dict:
    body = {
        "incident_date": (today_uk() - dt.timedelta(days=3)).isoformat(),
        "incident_category": "serious_violence",
        "preferred_format": "group",
        "manager_email": "manager@example.org",
    }
    body.update(fields)
    return {key: value for key, value in body.items() if value is not None}


def stored_requests() -> list[DebriefRequest]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(DebriefRequest)))


def test_a_request_is_stored_for_the_token_user_with_its_deadlines(client, asker):
    member, manager, headers = asker
    other_team = make_team(name="Fostering South")
    db.session.commit()
    body = valid_body(affected_teams=["assessment north", "Fostering South"],
                      invite_emails=["Partner@Police.example"], arrangements="Mornings only")
    response = client.post(URL, json=body, headers=headers)

    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    today = today_uk()
    assert data == {
        "id": data["id"],
        "status": "requested",
        "requested_on": today.isoformat(),
        "incident_date": body["incident_date"],
        "incident_category": "serious_violence",
        "preferred_format": "group",
        "offer_due": working_days_after(today, 3).isoformat(),
        "session_due": working_days_after(today, 10).isoformat(),
        "agreed_session_due": None,
        "manager_told": False,
    }
    [stored] = stored_requests()
    assert stored.id == data["id"]
    assert (stored.requested_by_id, stored.manager_id) == (member.id, manager.id)
    assert {team.name for team in stored.affected_teams} == {"Assessment North", other_team.name}
    assert [i.address for i in stored.invitations] == ["member@example.org", "partner@police.example"]
    assert stored.arrangements == "Mornings only"
    audit = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "debrief_requested")).all()
    assert [(a.person_id, a.object_id) for a in audit] == [(member.id, stored.id)]


def test_preferred_format_defaults_to_either_and_values_are_read_in_any_case(client, asker):
    _, _, headers = asker
    response = client.post(URL, json=valid_body(preferred_format=None, incident_category="MURDER",
                                                 manager_email="Manager@Example.org"), headers=headers)
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["preferred_format"], response.get_json()["incident_category"]) == ("either", "murder")


def test_a_manager_may_ask_without_naming_a_manager(client, runner):
    manager = make_person(role="manager", team=make_team())
    headers = {"Authorization": f"Bearer {token_for(runner, manager)}"}
    response = client.post(URL, json=valid_body(manager_email=None), headers=headers)
    assert response.status_code == 201, response.get_json()
    [stored] = stored_requests()
    assert (stored.requested_by_id, stored.manager_id) == (manager.id, None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"incident_date": None}, "incident_date is required"),
        ({"incident_category": None}, "incident_category is required"),
        ({"incident_date": "2026-02-30"}, "is not a date"),
        ({"incident_date": "23/11/2026"}, "is not a date"),
        ({"incident_date": 20261120}, "incident_date must be a string"),
        ({"incident_category": "burglary"}, "incident_category must be one of"),
        ({"preferred_format": "phone"}, "preferred_format must be individual, group or either"),
        ({"manager_email": "nobody@example.org"}, "is not on the roster"),
        ({"manager_email": None}, "Name your manager"),
        ({"affected_teams": ["No Such Team"]}, "no team called 'No Such Team'"),
        ({"affected_teams": "Assessment North"}, "affected_teams must be a list of strings"),
        ({"invite_emails": ["not an address"]}, "is not an e-mail address"),
        ({"child_name": "anything"}, "unknown field(s): child_name"),
        ({"arrangements": "x" * 1001}, "1000 characters or fewer"),
    ],
)
def test_bad_fields_give_400_and_store_nothing(client, asker, change, message):
    _, _, headers = asker
    body = valid_body()
    for key, value in change.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert stored_requests() == []


def test_a_future_incident_date_gives_400(client, asker):
    _, _, headers = asker
    tomorrow = (today_uk() + dt.timedelta(days=1)).isoformat()
    response = client.post(URL, json=valid_body(incident_date=tomorrow), headers=headers)
    assert response.status_code == 400
    assert "today or in the past" in response.get_json()["error"]


def test_a_manager_email_of_someone_who_is_not_a_manager_gives_400(client, asker):
    _, _, headers = asker
    make_person(email="colleague@example.org", name="Cam Colleague")
    db.session.commit()
    response = client.post(URL, json=valid_body(manager_email="colleague@example.org"), headers=headers)
    assert response.status_code == 400
    assert response.get_json() == {"error": "Cam Colleague is not a manager on the roster"}


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("not json at all", "application/json"),
        ('{"incident_date": ', "application/json"),
        ('["a", "list"]', "application/json"),
        ("incident_date=2026-11-20", "application/x-www-form-urlencoded"),
    ],
)
def test_a_body_that_is_not_a_json_object_gives_400(client, asker, data, content_type):
    _, _, headers = asker
    response = client.post(URL, data=data, content_type=content_type, headers=headers)
    assert response.status_code == 400
    assert response.get_json() == {"error": "send a JSON object"}


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer not-a-real-token", "Basic dXNlcjpwYXNz"])
def test_no_or_a_bad_token_gives_401(client, asker, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.post(URL, json=valid_body(), headers=headers)
    assert response.status_code == 401
    assert "error" in response.get_json()
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert stored_requests() == []


def test_the_openapi_document_describes_what_the_server_does(client, asker):
    _, _, headers = asker
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    operation = document["paths"]["/debriefs"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == {"incident_date", "incident_category"}
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]["incident_category"]["enum"]) == {
        "murder", "abuse", "serious_violence", "threat_to_worker", "other"
    }

    seen = {
        client.post(URL, json=valid_body(), headers=headers),
        client.post(URL, json=valid_body(incident_category="burglary"), headers=headers),
        client.post(URL, json=valid_body()),
    }
    statuses = {str(response.status_code) for response in seen}
    assert statuses == set(operation["responses"]) == {"201", "400", "401"}

    created = client.post(URL, json=valid_body(arrangements="Any weekday"), headers=headers).get_json()
    described = document["components"]["schemas"]["DebriefRequest"]
    assert set(described["required"]) == set(created) == set(described["properties"])
    # Every field the document offers is one the server accepts.
    every_field = valid_body(affected_teams=["Assessment North"], invite_emails=["x@partner.example"],
                             arrangements="Afternoons", tell_manager=True)
    assert set(every_field) == set(schema["properties"])
    assert client.post(URL, json=every_field, headers=headers).status_code == 201
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]


def test_an_over_long_invite_address_gives_400_not_a_database_error(client, asker):
    _, _, headers = asker
    response = client.post(URL, json=valid_body(invite_emails=["a" * 320 + "@partner.example"]), headers=headers)
    assert response.status_code == 400
    assert "is not an e-mail address" in response.get_json()["error"]
    assert stored_requests() == []
