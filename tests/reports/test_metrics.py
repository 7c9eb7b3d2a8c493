"""Programme figures from the database: ``flask metrics`` and ``GET /api/v1/metrics`` on hand-built data."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from rosters.clock import local_to_utc
from rosters.extensions import db
from tests.factories import make_person, make_session, make_team, make_training

START = dt.date(2025, 6, 1)
END = dt.date(2025, 6, 30)
DAY_BEFORE = START - dt.timedelta(days=1)
DAY_AFTER = END + dt.timedelta(days=1)
CATEGORIES = ("murder", "abuse", "serious_violence", "threat_to_worker", "other")


def cli_metrics(runner, start: dt.date | str = START, end: dt.date | str = END) -> dict:
    """Run ``flask metrics`` and return its one JSON object, checking stdout holds nothing else."""
    db.session.commit()
    result = runner.invoke(args=["metrics", "--start", str(start), "--end", str(end)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    figures = json.loads(lines[0])
    assert isinstance(figures, dict)
    return figures


def token_for(runner, person) -> str:
    db.session.commit()
    result = runner.invoke(args=["create-token", "--email", person.email])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def lead_headers(runner) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(runner, make_person(role='lead'))}"}


def api_metrics(client, headers, start: dt.date | str = START, end: dt.date | str = END):
    db.session.commit()
    return client.get("/api/v1/metrics", query_string={"start": str(start), "end": str(end)}, headers=headers)


def debrief(team, **fields):
    fields.setdefault("kind", "debrief")
    fields.setdefault("format", "individual")
    fields.setdefault("incident_category", "other")
    return make_session(team=team, **fields)


# --- the period -------------------------------------------------------------------------------


def test_sessions_on_the_first_and_last_day_count_and_the_days_outside_do_not(runner):
    team = make_team()
    for day, attendees in ((DAY_BEFORE, 1), (START, 2), (END, 4), (DAY_AFTER, 8)):
        make_session(team=team, date=day, attendees=attendees)
        make_session(team=team, date=day, status="cancelled")
        debrief(team, date=day, attendees=1)

    figures = cli_metrics(runner)

    assert figures["supervision_sessions_delivered"] == 2
    assert figures["supervision_attendances"] == 6
    assert figures["debriefs_delivered"] == 2
    assert figures["sessions_cancelled"] == 2


def test_a_session_belongs_to_the_period_by_its_date_not_its_utc_start(runner):
    team = make_team()
    # 00:30 in June (BST) is 23:30 UTC the day before: the UK date decides.
    make_session(team=team, date=START, starts_at=local_to_utc(START, dt.time(0, 30)), attendees=3)
    make_session(team=team, date=DAY_AFTER, starts_at=local_to_utc(DAY_AFTER, dt.time(0, 30)), attendees=5)

    figures = cli_metrics(runner)

    assert figures["supervision_sessions_delivered"] == 1
    assert figures["supervision_attendances"] == 3


def test_a_one_day_period_is_allowed(runner):
    team = make_team()
    make_session(team=team, date=START, attendees=4)
    make_session(team=team, date=START + dt.timedelta(days=1), attendees=5)

    figures = cli_metrics(runner, START, START)

    assert figures["period"] == {"start": "2025-06-01", "end": "2025-06-01"}
    assert figures["supervision_sessions_delivered"] == 1
    assert figures["supervision_attendances"] == 4


# --- teams ------------------------------------------------------------------------------------


def test_teams_total_counts_only_active_teams_and_coverage_needs_a_delivered_supervision(runner):
    covered = make_team()
    make_session(team=covered, date=START, attendees=5)
    make_session(team=covered, date=END, attendees=6)  # two sessions, still one team
    scheduled_only = make_team()
    make_session(team=scheduled_only, date=START, status="scheduled")
    make_session(team=scheduled_only, date=START, status="cancelled")
    debrief_only = make_team()
    debrief(debrief_only, date=START, format="group", attendees=7)
    make_session(team=debrief_only, date=DAY_BEFORE, attendees=8)  # delivered, but before the period
    make_session(team=debrief_only, date=DAY_AFTER, attendees=9)  # delivered, but after the period
    inactive = make_team(active=False)
    make_session(team=inactive, date=START, attendees=10)

    figures = cli_metrics(runner)

    assert figures["teams_total"] == 3
    assert figures["teams_covered"] == 1
    assert figures["team_coverage_pct"] == 33.3
    # an inactive team's delivered session is still a delivered session
    assert figures["supervision_sessions_delivered"] == 3
    assert figures["supervision_attendances"] == 21


def test_team_coverage_is_zero_point_zero_with_no_teams(runner, client):
    figures = cli_metrics(runner)
    assert figures["teams_total"] == 0
    assert figures["teams_covered"] == 0
    assert figures["team_coverage_pct"] == 0.0
    response = api_metrics(client, lead_headers(runner))
    assert response.get_json()["team_coverage_pct"] == 0.0


def test_team_coverage_with_only_inactive_teams_is_zero(runner):
    make_session(team=make_team(active=False), date=START)
    figures = cli_metrics(runner)
    assert (figures["teams_total"], figures["teams_covered"], figures["team_coverage_pct"]) == (0, 0, 0.0)


def test_team_coverage_of_every_active_team_is_one_hundred(runner):
    for _ in range(2):
        make_session(team=make_team(), date=END)
    figures = cli_metrics(runner)
    assert figures["team_coverage_pct"] == 100.0


# --- debriefs ---------------------------------------------------------------------------------


def test_debriefs_are_split_by_format_and_by_every_category(runner):
    team = make_team()
    debrief(team, date=START, format="individual", incident_category="murder", attendees=1)
    debrief(team, date=END, format="individual", incident_category="murder", attendees=1)
    debrief(team, date=START, format="group", incident_category="abuse", attendees=9)
    debrief(team, date=START, format="individual", incident_category="other", attendees=1)
    debrief(team, date=START, status="scheduled", incident_category="serious_violence")
    debrief(team, date=START, status="cancelled", incident_category="threat_to_worker")
    debrief(team, date=DAY_AFTER, incident_category="threat_to_worker", attendees=1)

    figures = cli_metrics(runner)

    assert figures["debriefs_delivered"] == 4
    assert figures["debriefs_individual"] == 3
    assert figures["debriefs_group"] == 1
    assert figures["debriefs_by_category"] == {
        "murder": 2,
        "abuse": 1,
        "serious_violence": 0,
        "threat_to_worker": 0,
        "other": 1,
    }
    # debriefs are not supervision
    assert figures["supervision_sessions_delivered"] == 0
    assert figures["supervision_attendances"] == 0


def test_debriefs_by_category_lists_all_five_categories_when_there_are_none(runner):
    figures = cli_metrics(runner)
    assert figures["debriefs_by_category"] == {c: 0 for c in CATEGORIES}


def test_debrief_requests_count_any_status_by_requested_on_in_the_period(runner):
    team = make_team()
    debrief(team, requested_on=START, date=START, status="scheduled")  # yes
    debrief(team, requested_on=END, date=DAY_AFTER + dt.timedelta(days=2), status="cancelled")  # yes: date outside
    debrief(team, requested_on=START + dt.timedelta(days=3), date=START + dt.timedelta(days=4), attendees=1)  # yes
    debrief(team, requested_on=DAY_BEFORE, date=START + dt.timedelta(days=4), attendees=1)  # no: asked before
    debrief(team, requested_on=DAY_AFTER, date=DAY_AFTER, status="scheduled")  # no: asked after
    debrief(team, requested_on=None, date=START, attendees=1)  # no: never asked for
    make_session(team=team, date=START)  # a supervision is never a request

    figures = cli_metrics(runner)

    assert figures["debrief_requests"] == 3
    assert figures["debriefs_delivered"] == 3


def _debrief_after(team, days: int, *, date: dt.date = END, **fields):
    return debrief(team, date=date, requested_on=date - dt.timedelta(days=days), **fields)


def test_median_days_with_an_odd_count_is_the_middle_wait(runner, client):
    team = make_team()
    for days in (10, 1, 3):
        _debrief_after(team, days, attendees=1)
    # none of these may move the median
    _debrief_after(team, 100, date=DAY_AFTER, attendees=1)  # delivered after the period
    _debrief_after(team, 90, date=DAY_BEFORE, attendees=1)  # delivered before the period
    _debrief_after(team, 50, status="scheduled")
    _debrief_after(team, 40, status="cancelled")
    debrief(team, date=END, requested_on=None, attendees=1)  # no request date

    figures = cli_metrics(runner)
    assert figures["median_days_request_to_debrief"] == 3
    assert api_metrics(client, lead_headers(runner)).get_json()["median_days_request_to_debrief"] == 3


def test_median_days_with_an_even_count_is_the_mean_of_the_two_middle_waits(runner, client):
    team = make_team()
    for days in (2, 3, 1, 8):
        _debrief_after(team, days, attendees=1)

    assert cli_metrics(runner)["median_days_request_to_debrief"] == 2.5
    assert api_metrics(client, lead_headers(runner)).get_json()["median_days_request_to_debrief"] == 2.5


def test_median_days_with_an_even_count_and_a_whole_mean_is_a_whole_number(runner):
    team = make_team()
    for days in (2, 6):
        _debrief_after(team, days, attendees=1)
    figures = cli_metrics(runner)
    assert figures["median_days_request_to_debrief"] == 4


def test_median_days_counts_a_same_day_debrief_as_zero(runner):
    _debrief_after(make_team(), 0, date=START, attendees=1)
    assert cli_metrics(runner)["median_days_request_to_debrief"] == 0


def test_median_days_is_null_when_no_delivered_debrief_has_a_request_date(runner, client):
    team = make_team()
    debrief(team, date=START, requested_on=None, attendees=1)
    _debrief_after(team, 5, status="scheduled")
    _debrief_after(team, 5, date=DAY_AFTER, attendees=1)

    db.session.commit()
    result = runner.invoke(args=["metrics", "--start", str(START), "--end", str(END)])
    assert '"median_days_request_to_debrief": null' in result.stdout
    assert json.loads(result.stdout)["median_days_request_to_debrief"] is None
    response = api_metrics(client, lead_headers(runner))
    assert response.get_json()["median_days_request_to_debrief"] is None


# --- cancellations ----------------------------------------------------------------------------


def test_sessions_cancelled_counts_both_kinds_in_the_period(runner):
    team = make_team()
    make_session(team=team, date=START, status="cancelled")
    debrief(team, date=END, status="cancelled")
    make_session(team=team, date=DAY_AFTER, status="cancelled")
    debrief(team, date=DAY_BEFORE, status="cancelled")
    make_session(team=team, date=START, status="scheduled")

    assert cli_metrics(runner)["sessions_cancelled"] == 2


# --- training ---------------------------------------------------------------------------------


def test_trained_people_are_distinct_current_at_the_end_of_the_period_and_counted_per_course(runner):
    def trained(course: str, completed: dt.date, expires: dt.date | None = None, person=None):
        fields = {"person": person} if person is not None else {}
        make_training(course=course, completed_on=completed, expires_on=expires, **fields)

    sup = "peer_supervision"
    twice = make_person()
    trained(sup, dt.date(2024, 1, 1), person=twice)
    trained(sup, dt.date(2025, 3, 1), person=twice)  # two records, one person: counts once
    trained(sup, END)  # completed on the last day: counts
    trained(sup, DAY_AFTER)  # completed after the period: does not
    trained(sup, dt.date(2024, 1, 1), END)  # expires on the last day: still current, counts
    trained(sup, dt.date(2024, 1, 1), END - dt.timedelta(days=1))  # expired the day before: does not
    trained(sup, dt.date(2024, 1, 1), START + dt.timedelta(days=5))  # lapsed during the period: does not
    renewed = make_person()
    trained(sup, dt.date(2023, 1, 1), dt.date(2024, 1, 1), person=renewed)  # lapsed...
    trained(sup, dt.date(2024, 1, 2), person=renewed)  # ...and renewed: counts once

    both = make_person()
    trained("critical_incident_debrief", dt.date(2024, 5, 1), person=both)
    trained("critical_incident_debrief", dt.date(2024, 5, 1), person=twice)  # another course is another figure
    trained("critical_incident_debrief", DAY_AFTER)  # does not
    trained("supervision_skills", dt.date(2024, 6, 1), DAY_AFTER, person=both)

    figures = cli_metrics(runner)

    assert figures["facilitators_trained_supervision"] == 4  # twice, on END, expires END, renewed
    assert figures["facilitators_trained_debrief"] == 2  # both, twice
    assert figures["managers_trained_supervision_skills"] == 1  # both


def test_training_with_no_expiry_never_expires(runner):
    make_training(course="supervision_skills", completed_on=dt.date(2000, 1, 1), expires_on=None)
    assert cli_metrics(runner)["managers_trained_supervision_skills"] == 1


# --- the whole object, on both interfaces -----------------------------------------------------


def _programme() -> None:
    """A small programme whose figures for June 2025 are worked out by hand in the test below."""
    north, south, east = make_team(), make_team(), make_team()
    make_team(active=False)
    make_session(team=north, date=START, attendees=6)
    make_session(team=north, date=dt.date(2025, 6, 12), attendees=4)
    make_session(team=south, date=END, attendees=5)
    make_session(team=east, date=dt.date(2025, 6, 12), status="cancelled")
    make_session(team=east, date=dt.date(2025, 7, 1), status="scheduled")
    debrief(north, date=dt.date(2025, 6, 10), requested_on=dt.date(2025, 6, 6), incident_category="murder", attendees=1)
    debrief(south, date=dt.date(2025, 6, 20), requested_on=dt.date(2025, 6, 19), format="group",
            incident_category="serious_violence", attendees=8)
    debrief(east, date=dt.date(2025, 6, 3), requested_on=dt.date(2025, 5, 28), incident_category="murder", attendees=1)
    debrief(east, date=dt.date(2025, 7, 2), requested_on=dt.date(2025, 6, 29), status="scheduled")
    debrief(east, date=dt.date(2025, 6, 25), status="cancelled", incident_category="abuse")
    make_training(course="peer_supervision", completed_on=dt.date(2025, 2, 1))
    make_training(course="peer_supervision", completed_on=dt.date(2025, 2, 1), expires_on=dt.date(2025, 6, 1))
    make_training(course="critical_incident_debrief", completed_on=dt.date(2025, 2, 1))


EXPECTED = {
    "period": {"start": "2025-06-01", "end": "2025-06-30"},
    "teams_total": 3,
    "teams_covered": 2,
    "team_coverage_pct": 66.7,
    "supervision_sessions_delivered": 3,
    "supervision_attendances": 15,
    "debriefs_delivered": 3,
    "debriefs_individual": 2,
    "debriefs_group": 1,
    "debrief_requests": 3,  # 06-06, 06-19, 06-29 (scheduled, held in July)
    "median_days_request_to_debrief": 4,  # waits 4, 1, 6
    "debriefs_by_category": {"murder": 2, "abuse": 0, "serious_violence": 1, "threat_to_worker": 0, "other": 0},
    "facilitators_trained_supervision": 1,
    "facilitators_trained_debrief": 1,
    "managers_trained_supervision_skills": 0,
    "sessions_cancelled": 2,
}


def test_cli_prints_exactly_one_json_object_with_every_figure(runner):
    _programme()
    db.session.commit()
    result = runner.invoke(args=["metrics", "--start", "2025-06-01", "--end", "2025-06-30"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.count("\n") == 1 and result.stdout.endswith("\n")
    assert json.loads(result.stdout) == EXPECTED


def test_api_returns_the_same_object_as_the_cli(runner, client):
    _programme()
    from_cli = cli_metrics(runner)
    response = api_metrics(client, lead_headers(runner))
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == from_cli == EXPECTED


def test_figures_are_json_numbers_not_strings(runner, client):
    _programme()
    figures = api_metrics(client, lead_headers(runner)).get_json()
    for key, value in figures.items():
        if key == "period":
            assert all(isinstance(v, str) for v in value.values())
        elif key == "debriefs_by_category":
            assert all(type(v) is int for v in value.values())
        else:
            assert type(value) in (int, float) and not isinstance(value, bool), key
    assert type(figures["team_coverage_pct"]) is float


# --- bad arguments ----------------------------------------------------------------------------

BAD_PERIODS = [
    pytest.param(["--start", "2025-06-30", "--end", "2025-06-01"], id="end-before-start"),
    pytest.param(["--start", "2025-02-30", "--end", "2025-03-31"], id="no-such-start-day"),
    pytest.param(["--start", "2025-02-01", "--end", "2025-02-30"], id="no-such-end-day"),
    pytest.param(["--start", "yesterday", "--end", "2025-06-30"], id="not-a-date"),
    pytest.param(["--start", "01/06/2025", "--end", "30/06/2025"], id="uk-form"),
    pytest.param(["--end", "2025-06-30"], id="missing-start"),
    pytest.param(["--start", "2025-06-01"], id="missing-end"),
    pytest.param(["--start", "", "--end", "2025-06-30"], id="empty-start"),
]


@pytest.mark.parametrize("args", BAD_PERIODS)
def test_cli_refuses_a_bad_period_with_one_error_line_and_no_traceback(runner, args):
    result = runner.invoke(args=["metrics", *args])
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param({"start": "2025-06-30", "end": "2025-06-01"}, id="end-before-start"),
        pytest.param({"start": "2025-02-30", "end": "2025-03-31"}, id="no-such-day"),
        pytest.param({"start": "yesterday", "end": "2025-06-30"}, id="not-a-date"),
        pytest.param({"end": "2025-06-30"}, id="missing-start"),
        pytest.param({"start": "2025-06-01"}, id="missing-end"),
        pytest.param({}, id="no-dates"),
    ],
)
def test_api_refuses_a_bad_period_with_400_and_a_json_error(runner, client, query):
    headers = lead_headers(runner)
    response = client.get("/api/v1/metrics", query_string=query, headers=headers)
    assert response.status_code == 400
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"}
    assert isinstance(body["error"], str) and body["error"]


# --- authentication ---------------------------------------------------------------------------


def test_api_without_a_token_is_401_with_a_json_error(client):
    response = client.get("/api/v1/metrics", query_string={"start": "2025-06-01", "end": "2025-06-30"})
    assert response.status_code == 401
    assert response.is_json
    assert isinstance(response.get_json()["error"], str)


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "not-a-real-token"],
)
def test_api_with_a_bad_token_is_401(client, header):
    response = client.get(
        "/api/v1/metrics", query_string={"start": "2025-06-01", "end": "2025-06-30"}, headers={"Authorization": header}
    )
    assert response.status_code == 401
    assert "error" in response.get_json()


@pytest.mark.parametrize("role", ["member", "manager", "facilitator"])
def test_api_with_a_token_of_another_role_is_403(runner, client, role):
    token = token_for(runner, make_person(role=role))
    response = api_metrics(client, {"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.is_json
    assert isinstance(response.get_json()["error"], str)


def test_api_with_a_leads_token_is_200(runner, client):
    response = api_metrics(client, lead_headers(runner))
    assert response.status_code == 200
    assert response.get_json()["period"] == {"start": "2025-06-01", "end": "2025-06-30"}


def test_auth_is_checked_before_the_dates(client):
    response = client.get("/api/v1/metrics", query_string={"start": "yesterday"})
    assert response.status_code == 401


# --- OpenAPI ----------------------------------------------------------------------------------


def test_openapi_describes_metrics_and_its_figures(runner, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    operation = document["paths"]["/metrics"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["start"]["in"] == "query" and parameters["start"]["required"] is True
    assert parameters["end"]["in"] == "query" and parameters["end"]["required"] is True
    assert {"200", "400", "401", "403"} <= set(operation["responses"])

    schema_ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    figures = api_metrics(client, lead_headers(runner)).get_json()
    assert set(schema["required"]) == set(figures)
    assert set(schema["properties"]) == set(figures)
    assert set(schema["properties"]["debriefs_by_category"]["properties"]) == set(CATEGORIES)
    assert schema["properties"]["median_days_request_to_debrief"]["nullable"] is True
