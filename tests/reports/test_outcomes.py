"""Workforce outcomes (``flask outcomes``, ``GET /api/v1/outcomes``, ``outcomes_summary``) on hand-computed data."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from programme.evaluation.models import WorkforceMonth
from reports.outcome_figures import hide_small, hide_together, round_half_up
from reports.outcomes import outcomes_for_period, outcomes_summary
from rosters.extensions import db
from tests.factories import make_person, make_session, make_team

KEYS = {"period", "team_months", "supported_team_months", "days_lost_per_fte_year_supported",
        "days_lost_per_fte_year_unsupported", "turnover_pct_year_supported", "turnover_pct_year_unsupported"}


def month(team, first_day: dt.date, fte: float, sickness: float, leavers: int) -> WorkforceMonth:
    row = WorkforceMonth(team=team, month=first_day, fte=fte, sickness_days=sickness, leavers=leavers)
    db.session.add(row)
    db.session.flush()
    return row


def programme() -> tuple:
    """Team A had one delivered supervision session, on 15 November 2024; team B never had one.

    A: Oct 2024 (before the session: not supported), Nov, Dec, Jan 2025 (the session's month and the two
    after it, across the new year: supported), Feb 2025 (three months on: not supported). B: Jan 2025.
    Supported: 3 team-months, FTE 30, 6 sickness days, 1 leaver -> 12*6/30 = 2.4 days, 1200*1/30 = 40.0%.
    Not supported: 3 team-months, FTE 25, 15 days, 2 leavers -> 12*15/25 = 7.2 days, 1200*2/25 = 96.0%.
    """
    a, b = make_team(name="A", service="Assessment"), make_team(name="B", service="Children in care")
    make_session(team=a, date=dt.date(2024, 11, 15))
    # Neither of these makes a month supported: a cancelled supervision session, a delivered debrief.
    make_session(team=a, date=dt.date(2025, 2, 10), status="cancelled")
    make_session(team=b, date=dt.date(2025, 1, 10), kind="debrief", format="individual", incident_category="other")
    make_session(team=b, date=dt.date(2025, 1, 12), status="scheduled")
    month(a, dt.date(2024, 10, 1), 10, 4, 1)
    month(a, dt.date(2024, 11, 1), 10, 2, 0)
    month(a, dt.date(2024, 12, 1), 10, 3, 0)
    month(a, dt.date(2025, 1, 1), 10, 1, 1)
    month(a, dt.date(2025, 2, 1), 10, 5, 0)
    month(b, dt.date(2025, 1, 1), 5, 6, 1)
    return a, b


def test_hand_computed_figures_with_the_two_months_before_rule_across_a_year_end(app):
    programme()
    figures = outcomes_for_period(dt.date(2024, 10, 15), dt.date(2025, 2, 3))
    assert figures == {
        "period": {"start": "2024-10-15", "end": "2025-02-03"},  # as given; every month they touch counts
        "team_months": 6,
        "supported_team_months": 3,
        "days_lost_per_fte_year_supported": 2.4,
        "days_lost_per_fte_year_unsupported": 7.2,
        "turnover_pct_year_supported": 40.0,
        "turnover_pct_year_unsupported": 96.0,
    }


def test_a_period_inside_one_month_covers_that_whole_month(app):
    programme()
    figures = outcomes_for_period(dt.date(2025, 1, 31), dt.date(2025, 1, 31))
    # January: A supported (fte 10, 1 day, 1 leaver), B not (fte 5, 6 days, 1 leaver).
    assert (figures["team_months"], figures["supported_team_months"]) == (2, 1)
    assert figures["days_lost_per_fte_year_supported"] == 1.2
    assert figures["turnover_pct_year_supported"] == 120.0
    assert figures["days_lost_per_fte_year_unsupported"] == 14.4
    assert figures["turnover_pct_year_unsupported"] == 240.0


def test_sessions_on_the_first_and_last_days_of_months(app):
    early, late = make_team(), make_team()
    make_session(team=early, date=dt.date(2025, 4, 1))
    make_session(team=late, date=dt.date(2025, 3, 31))
    for team in (early, late):
        for first_day in (dt.date(2025, 3, 1), dt.date(2025, 4, 1), dt.date(2025, 6, 1), dt.date(2025, 7, 1)):
            month(team, first_day, 10, 0, 0)
    supported = {
        (team, first_day): outcomes_for_period(first_day, first_day, [team.id])["supported_team_months"]
        for team in (early, late) for first_day in (dt.date(2025, 3, 1), dt.date(2025, 4, 1), dt.date(2025, 6, 1),
                                                    dt.date(2025, 7, 1))
    }
    assert supported == {
        (early, dt.date(2025, 3, 1)): 0,  # the session is the next day, in April
        (early, dt.date(2025, 4, 1)): 1,
        (early, dt.date(2025, 6, 1)): 1,  # April is two months before June
        (early, dt.date(2025, 7, 1)): 0,
        (late, dt.date(2025, 3, 1)): 1,
        (late, dt.date(2025, 4, 1)): 1,
        (late, dt.date(2025, 6, 1)): 0,  # March is three months before June
        (late, dt.date(2025, 7, 1)): 0,
    }


def test_a_session_before_the_period_still_supports_its_first_months(app):
    team = make_team()
    make_session(team=team, date=dt.date(2024, 12, 20))
    month(team, dt.date(2025, 2, 1), 10, 1, 0)
    figures = outcomes_for_period(dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    assert figures["supported_team_months"] == 1


def test_no_workforce_rows_give_nulls_and_zero_counts(app):
    make_session(team=make_team(), date=dt.date(2025, 1, 10))
    figures = outcomes_for_period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert figures == {"period": {"start": "2025-01-01", "end": "2025-12-31"}, "team_months": 0,
                       "supported_team_months": 0, "days_lost_per_fte_year_supported": None,
                       "days_lost_per_fte_year_unsupported": None, "turnover_pct_year_supported": None,
                       "turnover_pct_year_unsupported": None}


def test_only_unsupported_months_give_null_supported_rates(app):
    team = make_team(active=False)  # the contract counts a team-month whatever the team's active flag
    month(team, dt.date(2025, 1, 1), 10, 0, 0)
    figures = outcomes_for_period(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    assert figures["team_months"] == 1 and figures["supported_team_months"] == 0
    assert figures["days_lost_per_fte_year_supported"] is None and figures["turnover_pct_year_supported"] is None
    assert figures["days_lost_per_fte_year_unsupported"] == 0.0 and figures["turnover_pct_year_unsupported"] == 0.0


def test_rates_round_halves_up_to_one_decimal(app):
    team = make_team()
    make_session(team=team, date=dt.date(2025, 1, 5))
    month(team, dt.date(2025, 1, 1), 960, 20, 1)  # 12*20/960 = 0.25; 1200*1/960 = 1.25
    figures = outcomes_for_period(dt.date(2025, 1, 1), dt.date(2025, 1, 1))
    assert figures["days_lost_per_fte_year_supported"] == 0.3
    assert figures["turnover_pct_year_supported"] == 1.3
    assert round_half_up(0.05) == 0.1 and round_half_up(2.25) == 2.3


def test_decimal_inputs_sum_without_float_noise(app):
    team = make_team()
    for first_day in (dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)):
        month(team, first_day, 0.1, 0.1, 0)  # 12 * 0.3 / 0.3 = 12.0 exactly
    assert outcomes_for_period(dt.date(2025, 1, 1), dt.date(2025, 3, 1))["days_lost_per_fte_year_unsupported"] == 12.0


# --- the fuller summary ---------------------------------------------------------------------------


def test_summary_holds_the_contract_figures_counts_and_before_and_after(app):
    programme()
    summary = outcomes_summary(dt.date(2024, 10, 1), dt.date(2025, 2, 28))
    assert KEYS <= set(summary)
    supported = summary["groups"]["supported"]
    assert {k: supported[k] for k in ("team_months", "teams", "fte_months", "sickness_days", "leavers")} == {
        "team_months": 3, "teams": 1, "fte_months": 30.0, "sickness_days": 6.0, "leavers": 1}
    assert supported["days_lost_per_fte_year"] == summary["days_lost_per_fte_year_supported"] == 2.4
    assert supported["days_lost_interval"] is None  # one team: a bootstrap over teams shows nothing
    # Before A's first session: October only. From it on: Nov to Feb. B never had one: in neither.
    before, after = summary["groups"]["before_first_session"], summary["groups"]["after_first_session"]
    assert (before["team_months"], before["days_lost_per_fte_year"], before["turnover_pct_year"]) == (1, 4.8, 120.0)
    assert (after["team_months"], after["days_lost_per_fte_year"], after["turnover_pct_year"]) == (4, 3.3, 30.0)
    assert [row["period"] for row in summary["by_period"]][::2] == ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02"]
    jan = [row for row in summary["by_period"] if row["period"] == "2025-01"]
    assert [(row["group"], row["team_months"], row["leavers"]) for row in jan] == [("supported", 1, 1), ("unsupported", 1, 1)]
    assert [(row["service"], row["group"], row["team_months"]) for row in summary["by_service"]] == [
        ("Assessment", "supported", 3), ("Assessment", "unsupported", 2),
        ("Children in care", "supported", 0), ("Children in care", "unsupported", 1)]
    narrowed = outcomes_summary(dt.date(2024, 10, 1), dt.date(2025, 2, 28), team_ids=[])
    assert narrowed["team_months"] == 0 and narrowed["groups"]["supported"]["days_lost_per_fte_year"] is None


def test_intervals_come_from_a_bootstrap_over_teams_and_are_repeatable(app):
    for index in range(6):
        team = make_team()
        make_session(team=team, date=dt.date(2025, 1, 5))
        month(team, dt.date(2025, 1, 1), 10, index * 2, index % 3)
    first = outcomes_summary(dt.date(2025, 1, 1), dt.date(2025, 1, 31))["groups"]["supported"]
    again = outcomes_summary(dt.date(2025, 1, 1), dt.date(2025, 1, 31))["groups"]["supported"]
    assert first == again  # fixed seed
    low, high = first["days_lost_interval"]
    assert low <= first["days_lost_per_fte_year"] <= high and low < high
    low, high = first["turnover_interval"]
    assert low <= first["turnover_pct_year"] <= high


def test_a_long_period_is_shown_over_time_by_quarter(app):
    summary = outcomes_summary(dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    assert [row["period"] for row in summary["by_period"]][:4] == ["2023 Q1", "2023 Q1", "2023 Q2", "2023 Q2"]
    assert len(summary["by_period"]) == 2 * 12


def test_small_numbers_are_hidden_for_managers():
    stats = {"team_months": 12, "leavers": 2, "sickness_days": 30.0, "days_lost_per_fte_year": 3.0,
             "days_lost_interval": None, "turnover_pct_year": 20.0, "turnover_interval": None}
    shown = hide_small(stats, 5)
    assert shown["turnover_pct_year"] is None and shown["leavers"] == "hidden"
    assert shown["days_lost_per_fte_year"] == 3.0
    few = hide_small({**stats, "team_months": 3, "leavers": 0}, 5)
    assert few["days_lost_per_fte_year"] is None and few["turnover_pct_year"] is None
    together = hide_together([hide_small({**stats, "leavers": 7}, 5), shown])
    assert all(row["turnover_pct_year"] is None for row in together)
    assert all(row["days_lost_per_fte_year"] == 3.0 for row in together)


# --- the command line and the API ----------------------------------------------------------------


def test_cli_prints_one_json_object(runner):
    programme()
    db.session.commit()
    result = runner.invoke(args=["outcomes", "--start", "2024-10-01", "--end", "2025-02-28"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    figures = json.loads(lines[0])
    assert set(figures) == KEYS and figures["supported_team_months"] == 3


@pytest.mark.parametrize("args", [
    [], ["--start", "2025-01-01"], ["--end", "2025-01-01"], ["--start", "2025-02-01", "--end", "2025-01-31"],
    ["--start", "2025-02-30", "--end", "2025-03-01"], ["--start", "01/02/2025", "--end", "2025-03-01"],
    ["--start", "1800-01-01", "--end", "2025-01-01"], ["--start", "2025-01-01", "--end", "x"], ["--bogus"],
])
def test_cli_refuses_bad_arguments_in_one_line(runner, args):
    result = runner.invoke(args=["outcomes", *args])
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error:") and "Traceback" not in result.output


def token(runner, role: str) -> dict[str, str]:
    person = make_person(role=role)
    db.session.commit()
    result = runner.invoke(args=["create-token", "--email", person.email])
    return {"Authorization": f"Bearer {result.stdout.strip()}"}


def test_api_returns_the_same_object_as_the_cli(runner, client):
    programme()
    db.session.commit()
    cli = json.loads(runner.invoke(args=["outcomes", "--start", "2024-10-15", "--end", "2025-02-03"]).stdout)
    response = client.get("/api/v1/outcomes", query_string={"start": "2024-10-15", "end": "2025-02-03"},
                          headers=token(runner, "lead"))
    assert response.status_code == 200 and response.is_json
    assert response.get_json() == cli
    assert cli["days_lost_per_fte_year_unsupported"] == 7.2


@pytest.mark.parametrize("query", [{}, {"start": "2025-01-01"}, {"start": "2025-02-01", "end": "2025-01-01"},
                                   {"start": "2025-13-01", "end": "2025-12-01"}, {"start": "x", "end": "y"}])
def test_api_refuses_bad_periods_with_400(runner, client, query):
    response = client.get("/api/v1/outcomes", query_string=query, headers=token(runner, "lead"))
    assert response.status_code == 400
    assert set(response.get_json()) == {"error"}


def test_api_needs_a_leads_token(runner, client):
    query = {"start": "2025-01-01", "end": "2025-01-31"}
    assert client.get("/api/v1/outcomes", query_string=query).status_code == 401
    bad = client.get("/api/v1/outcomes", query_string=query, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and "error" in bad.get_json()
    for role in ("member", "manager", "facilitator"):
        response = client.get("/api/v1/outcomes", query_string=query, headers=token(runner, role))
        assert response.status_code == 403 and "error" in response.get_json()


def test_openapi_describes_outcomes(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/outcomes"]["get"]
    assert set(operation["responses"]) == {"200", "400", "401", "403"}
    schema = document["components"]["schemas"]["Outcomes"]
    assert set(schema["required"]) == KEYS
