"""A pulse's results on the page, in the API and from ``pulse_results``: response rate, subscale means and
bands, by service and team, over time; groups below the threshold show no scores anywhere."""

from __future__ import annotations

import datetime as dt
import html

import pytest

from programme.evaluation.answers import answer, invite
from programme.evaluation.definitions import load
from programme.evaluation.pulse_results import pulse_results, pulses_in_period
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import AuditEvent
from rosters.services import create_token
from tests.factories import EXAMPLE_QUESTIONNAIRE, make_person, make_pulse, make_questionnaire, make_team
from tests.plugin import text as raw_text


def text(response) -> str:
    return html.unescape(raw_text(response))


ITEMS = [item.id for item in load(EXAMPLE_QUESTIONNAIRE.read_bytes()).items]


def answer_all(pulse, count: int, team, value: str = "4") -> None:
    """``count`` people of ``team`` answer (people are added to the team and invited as the pulse would)."""
    for _ in range(count):
        person = make_person(team=team)
        _invitation, secret = invite(person, pulse.questionnaire, expires_on=pulse.closes_on, pulse=pulse,
                                     team_id=team.id)
        answer(secret, dict.fromkeys(ITEMS, value))
    db.session.commit()


@pytest.fixture
def lead(app, auth):
    person = make_person(role="lead", email="lee.lead@example.org")
    db.session.commit()
    auth.login(person.email)
    return person


@pytest.fixture
def teams(app):
    north = make_team(name="Assessment North", service="Assessment")
    east = make_team(name="Assessment East", service="Assessment")
    south = make_team(name="Fostering South", service="Fostering")
    db.session.commit()
    return north, east, south


def test_results_by_subscale_service_and_team_with_suppression(client, lead, teams):
    north, east, south = teams
    pulse = make_pulse(teams=[north, east, south], by=lead)
    answer_all(pulse, 6, north, "4")
    answer_all(pulse, 5, east, "2")
    answer_all(pulse, 2, south, "5")
    results = pulse_results(pulse)
    assert (results["invited"], results["answered"], results["response_rate_pct"]) == (13, 13, 100.0)
    overall = results["overall"]
    # South's 2 answers (below 5) count in no score, not even the overall one: nothing to subtract.
    assert overall["shown"] and overall["answers"] == 11
    # North: 4s -> satisfaction 16, burnout 4+4+2+2 = 12, stress 4+4+4+2 = 14; east: 2s -> 8, 12, 10.
    assert overall["subscales"]["satisfaction"]["mean"] == round((6 * 16 + 5 * 8) / 11, 2)
    assert overall["subscales"]["satisfaction"]["bands"] == {"Low": 5, "Moderate": 0, "High": 6}
    assert overall["subscales"]["burnout"]["bands"] == {"Low": 0, "Moderate": 11, "High": 0}
    assert [(s["service"], s["shown"], s["answers"]) for s in results["by_service"]] == [("Assessment", True, 11)]
    assert {t["team"]: t["shown"] for t in results["by_team"]} == {
        "Assessment East": True, "Assessment North": True, "Fostering South": False}
    south_row = next(t for t in results["by_team"] if t["team"] == "Fostering South")
    assert south_row["subscales"] == {} and south_row["answers"] is None
    subscales = {s["id"]: s for s in results["subscales"]}
    assert subscales["burnout"]["higher_is_better"] is False and subscales["satisfaction"]["higher_is_better"]
    assert subscales["burnout"]["bands"][1] == {"label": "Moderate", "from": 10.0, "below": 16.0}
    assert results["questionnaire"]["licence"] == "Test data only."

    answer_all(pulse, 3, south, "5")  # Fostering reaches 5: every service shown
    results = pulse_results(pulse)
    assert [(s["service"], s["answers"]) for s in results["by_service"]] == [("Assessment", 11), ("Fostering", 5)]
    assert {t["team"]: t["answers"] for t in results["by_team"]} == {
        "Assessment East": 5, "Assessment North": 6, "Fostering South": 5}
    north_row = next(t for t in results["by_team"] if t["team"] == "Assessment North")
    assert north_row["subscales"]["secondary_stress"] == {"mean": 14, "band": "Moderate",
                                                          "bands": {"Low": 0, "Moderate": 6, "High": 0}}
    assert pulse_results(pulse, team_ids=[north.id])["answered"] == 6

    page = text(client.get(f"/evaluation/pulses/{pulse.id}"))
    for words in ("Worn down by work (lower is better)", "Lower is better", "Assessment North",
                  "100% response rate", "It is not a validated instrument", "Licence: Test data only.",
                  "fewer than 5 answers"):
        assert words in page, words
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "pulse_results_viewed")) == 1


def test_below_the_threshold_no_scores_anywhere(app, client, lead, teams):
    north, _east, south = teams
    pulse = make_pulse(teams=[north, south], by=lead)
    answer_all(pulse, 3, north, "1")
    answer_all(pulse, 1, south, "5")
    results = pulse_results(pulse)
    assert results["overall"] == {"answers": None, "shown": False, "subscales": {}}
    assert all(not g["shown"] and g["answers"] is None and not g["subscales"]
               for g in results["by_service"] + results["by_team"])
    assert results["over_time"][0]["means"] == {} and results["over_time"][0]["answers"] is None
    page = text(client.get(f"/evaluation/pulses/{pulse.id}"))
    assert "No scores yet: fewer than 5 people have answered" in page
    # North's 1s give satisfaction 4 (Low); no such score or band appears.
    assert "Low: 1" not in page and "Low: 3" not in page and "(Low)" not in page
    token = create_token(lead.email)
    db.session.commit()
    api = app.test_client().get(f"/api/v1/pulses/{pulse.id}/results", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    body = api.get_json()
    assert body["overall"] == {"answers": None, "shown": False, "subscales": {}}
    assert body["answered"] == 4 and body["by_team"][0]["subscales"] == {}
    assert '"mean":' not in api.get_data(as_text=True)


def test_api_shows_the_same_figures_to_leads_only(app, lead, teams):
    north, _east, _south = teams
    pulse = make_pulse(teams=[north], by=lead)
    answer_all(pulse, 5, north, "3")
    member = make_person(team=north)
    tokens = {"lead": create_token(lead.email), "member": create_token(member.email)}
    db.session.commit()
    client = app.test_client()
    url = f"/api/v1/pulses/{pulse.id}/results"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": f"Bearer {tokens['member']}"}).status_code == 403
    response = client.get(url, headers={"Authorization": f"Bearer {tokens['lead']}"})
    assert response.status_code == 200
    body = response.get_json()
    assert body == pulse_results(pulse)
    assert body["overall"]["subscales"]["satisfaction"]["mean"] == 12
    assert client.get("/api/v1/pulses/987654/results",
                      headers={"Authorization": f"Bearer {tokens['lead']}"}).status_code == 404
    assert "/pulses/{pulse_id}/results" in client.get("/api/v1/openapi.json").get_json()["paths"]


def test_over_time_and_pulses_in_period(lead, teams, time_machine):
    north, _east, _south = teams
    questionnaire = make_questionnaire()
    today = today_uk()
    first = make_pulse(teams=[north], by=lead, questionnaire=questionnaire, title="Autumn")
    answer_all(first, 5, north, "2")
    time_machine.move_to(dt.datetime.combine(today + dt.timedelta(days=20), dt.time(12)))
    second = make_pulse(teams=[north], by=lead, questionnaire=questionnaire, title="Winter")
    answer_all(second, 6, north, "4")
    make_pulse(teams=[north], by=lead, questionnaire=questionnaire, title="Later",
               opens_on=today_uk() + dt.timedelta(days=10))
    trend = pulse_results(second)["over_time"]
    assert [(p["title"], p["answers"], p["means"].get("satisfaction")) for p in trend] == [
        ("Autumn", 5, 8), ("Winter", 6, 16)]
    assert [p.title for p in pulses_in_period(today, today + dt.timedelta(days=60))] == ["Autumn", "Winter"]
    assert [p.title for p in pulses_in_period(today + dt.timedelta(days=1), today + dt.timedelta(days=60))] == ["Winter"]
