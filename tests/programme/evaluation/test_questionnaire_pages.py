"""The questionnaires page for leads: upload (every problem listed, nothing stored), versions, viewing, retiring."""

from __future__ import annotations

import html
import io
import json

import pytest

from programme.evaluation.models import Questionnaire
from rosters.extensions import db
from rosters.models import AuditEvent
from tests.factories import EXAMPLE_QUESTIONNAIRE, make_person, make_pulse, make_team
from tests.plugin import text as raw_text


def text(response) -> str:
    return html.unescape(raw_text(response))


@pytest.fixture
def lead(app, auth):
    person = make_person(role="lead", name="Lee Lead", email="lee.lead@example.org")
    db.session.commit()
    auth.login(person.email)
    return person


def upload(client, content: bytes, name: str = "measure.json"):
    return client.post("/evaluation/questionnaires", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def example(**changes) -> dict:
    data = json.loads(EXAMPLE_QUESTIONNAIRE.read_text("utf-8"))
    data.update(changes)
    return data


def stored() -> list[Questionnaire]:
    return list(db.session.scalars(db.select(Questionnaire).order_by(Questionnaire.id)))


def test_upload_lists_every_problem_and_stores_nothing(client, lead):
    data = example(version="2", title="")
    data["items"][4]["reversed"] = True
    response = upload(client, json.dumps(data).encode())
    assert response.status_code == 400
    page = text(response)
    assert "Nothing was stored: 3 problems in measure.json" in page
    for line in ("version: a whole number from 1 to 10000", "title: is required",
                 "items[5]: unknown field 'reversed'"):
        assert line in page
    assert stored() == []
    response = upload(client, b"{not json")
    assert response.status_code == 400
    assert "not JSON: Expecting property name enclosed in double quotes at line 1, column 2" in text(response)
    response = client.post("/evaluation/questionnaires", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Select a questionnaire definition file" in text(response)
    assert stored() == []


def test_upload_stores_shows_and_audits(client, lead):
    response = upload(client, EXAMPLE_QUESTIONNAIRE.read_bytes())
    assert response.status_code == 302
    (row,) = stored()
    assert (row.key, row.version, row.built_in, row.retired) == ("test-work-wellbeing", 1, False, False)
    page = text(client.get(response.headers["Location"]))
    assert "uploaded. It can now be used for a pulse" in page
    for words in ("Work and wellbeing check (test example)", "I can put work aside when my working day is over.",
                  "Yes: scored as 6 minus the answer", "Sum (4 to 20)", "Lower is better", "Moderate: from 10",
                  "It is not a validated instrument", "Test data only.", "5: Very often"):
        assert words in page, words
    listing = text(client.get("/evaluation/questionnaires"))
    assert "test-work-wellbeing" in listing and "Uploaded" in listing
    audit = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "questionnaire_uploaded")).all()
    assert [(a.person_id, a.object_id) for a in audit] == [(lead.id, row.id)]


def test_versions_same_content_is_already_there_changed_content_needs_a_new_version(client, lead):
    assert upload(client, EXAMPLE_QUESTIONNAIRE.read_bytes()).status_code == 302
    # The same definition, written differently (spacing, field order), is the same questionnaire.
    again = upload(client, json.dumps(example(), indent=4, sort_keys=True).encode())
    assert again.status_code == 302
    assert "is already there, exactly as in this file: nothing changed" in text(client.get(again.headers["Location"]))
    changed = example()
    changed["items"][0]["text"] = "My work matters to the families I meet."
    refused = upload(client, json.dumps(changed).encode())
    assert refused.status_code == 409
    assert "test-work-wellbeing version 1 is already stored with different content" in text(refused)
    assert "(for example 2)" in text(refused)
    changed["version"] = 2
    assert upload(client, json.dumps(changed).encode()).status_code == 302
    assert [(q.key, q.version) for q in stored()] == [("test-work-wellbeing", 1), ("test-work-wellbeing", 2)]
    reserved = upload(client, json.dumps(example(key="session-feedback")).encode())
    assert reserved.status_code == 409 and "built-in session feedback" in text(reserved)


def test_retire_keeps_old_pulses_and_stops_new_ones(client, lead):
    team = make_team(name="Assessment North")
    pulse = make_pulse(teams=[team], by=lead)
    questionnaire = pulse.questionnaire
    db.session.commit()
    assert "Pulses using it" in text(client.get("/evaluation/questionnaires"))
    response = client.post(f"/evaluation/questionnaires/{questionnaire.id}/retire")
    assert response.status_code == 302
    assert "retired: no new pulse can use it" in text(client.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Questionnaire, questionnaire.id).retired
    assert client.get(f"/evaluation/pulses/{pulse.id}").status_code == 200
    form = text(client.get("/evaluation/pulses/new"))
    assert "Work and wellbeing check" not in form
    again = client.post(f"/evaluation/questionnaires/{questionnaire.id}/retire")
    assert "is already retired" in text(client.get(again.headers["Location"]))
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "questionnaire_retired")) == 1


def test_only_leads_reach_the_questionnaire_pages(client, auth):
    member = make_person(email="mel@example.org")
    db.session.commit()
    auth.login(member.email)
    assert client.get("/evaluation/questionnaires").status_code == 403
    assert upload(client, EXAMPLE_QUESTIONNAIRE.read_bytes()).status_code == 403
    assert stored() == []
