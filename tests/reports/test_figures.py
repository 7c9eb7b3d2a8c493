"""Pure tests of ``reports.figures.programme_metrics``: hand-made DataFrames in, the contract's figures out."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pandas as pd
import pytest

from reports.figures import programme_metrics

START = dt.date(2025, 4, 1)
END = dt.date(2025, 6, 30)
CATEGORIES = ("murder", "abuse", "serious_violence", "threat_to_worker", "other")
SESSION_COLUMNS = ["kind", "status", "format", "incident_category", "sessions", "attendees"]


def sessions_frame(*rows: tuple) -> pd.DataFrame:
    """Rows of (kind, status, format, incident_category, sessions, attendees), as the query returns them."""
    return pd.DataFrame(list(rows), columns=SESSION_COLUMNS)


def waits_frame(*days: int) -> pd.DataFrame:
    """Debrief waits as the query returns them: one row per number of days, with how many debriefs waited it."""
    counted = Counter(days)
    return pd.DataFrame(list(counted.items()), columns=["days", "debriefs"], dtype="int64")


def trained_frame(**people: int) -> pd.DataFrame:
    return pd.DataFrame(list(people.items()), columns=["course", "people"])


def figures(**overrides) -> dict:
    """``programme_metrics`` over an empty programme, with some inputs replaced."""
    inputs = {
        "teams_total": 0,
        "teams_covered": 0,
        "sessions": sessions_frame(),
        "debrief_requests": 0,
        "debrief_waits": waits_frame(),
        "trained": trained_frame(),
    }
    inputs.update(overrides)
    return programme_metrics(START, END, **inputs)


def test_empty_programme_gives_zeros_null_median_and_every_category():
    result = figures()
    assert result == {
        "period": {"start": "2025-04-01", "end": "2025-06-30"},
        "teams_total": 0,
        "teams_covered": 0,
        "team_coverage_pct": 0.0,
        "supervision_sessions_delivered": 0,
        "supervision_attendances": 0,
        "debriefs_delivered": 0,
        "debriefs_individual": 0,
        "debriefs_group": 0,
        "debrief_requests": 0,
        "median_days_request_to_debrief": None,
        "debriefs_by_category": {c: 0 for c in CATEGORIES},
        "facilitators_trained_supervision": 0,
        "facilitators_trained_debrief": 0,
        "managers_trained_supervision_skills": 0,
        "sessions_cancelled": 0,
    }


def test_period_is_echoed_as_iso_dates():
    assert figures()["period"] == {"start": START.isoformat(), "end": END.isoformat()}


@pytest.mark.parametrize(
    ("covered", "total", "expected"),
    [
        (1, 3, 33.3),
        (2, 3, 66.7),
        (0, 5, 0.0),
        (4, 4, 100.0),
        (1, 7, 14.3),
        (1, 16, 6.3),  # 6.25 exactly: rounds half up, as a spreadsheet would
        (1, 80, 1.3),  # 1.25 exactly
        (3, 16, 18.8),  # 18.75 exactly
    ],
)
def test_team_coverage_pct_is_rounded_to_one_decimal(covered, total, expected):
    result = figures(teams_total=total, teams_covered=covered)
    assert result["team_coverage_pct"] == expected
    assert isinstance(result["team_coverage_pct"], float)


def test_team_coverage_pct_is_zero_point_zero_without_teams():
    result = figures(teams_total=0, teams_covered=0)
    assert result["team_coverage_pct"] == 0.0
    assert isinstance(result["team_coverage_pct"], float)


def test_team_counts_pass_through():
    result = figures(teams_total=3, teams_covered=1)
    assert (result["teams_total"], result["teams_covered"]) == (3, 1)


def test_supervision_counts_only_delivered_sessions_and_sums_their_attendees():
    sessions = sessions_frame(
        ("supervision", "delivered", "group", None, 3, 20),
        ("supervision", "scheduled", "group", None, 2, 0),
        ("supervision", "cancelled", "group", None, 1, 0),
        ("debrief", "delivered", "group", "abuse", 1, 7),
    )
    result = figures(sessions=sessions)
    assert result["supervision_sessions_delivered"] == 3
    assert result["supervision_attendances"] == 20


def test_debriefs_are_split_by_format_and_counted_only_when_delivered():
    sessions = sessions_frame(
        ("debrief", "delivered", "individual", "murder", 2, 2),
        ("debrief", "delivered", "individual", "other", 1, 1),
        ("debrief", "delivered", "group", "abuse", 4, 30),
        ("debrief", "scheduled", "group", "abuse", 5, 0),
        ("debrief", "cancelled", "individual", "murder", 6, 0),
        ("supervision", "delivered", "group", None, 9, 50),
    )
    result = figures(sessions=sessions)
    assert result["debriefs_delivered"] == 7
    assert result["debriefs_individual"] == 3
    assert result["debriefs_group"] == 4


def test_debriefs_by_category_has_all_five_categories_with_zero_where_none():
    sessions = sessions_frame(
        ("debrief", "delivered", "individual", "murder", 2, 2),
        ("debrief", "delivered", "group", "murder", 1, 5),
        ("debrief", "delivered", "group", "threat_to_worker", 4, 30),
        ("debrief", "scheduled", "group", "abuse", 5, 0),
        ("debrief", "cancelled", "group", "other", 1, 0),
    )
    result = figures(sessions=sessions)
    assert result["debriefs_by_category"] == {
        "murder": 3,
        "abuse": 0,
        "serious_violence": 0,
        "threat_to_worker": 4,
        "other": 0,
    }
    assert list(result["debriefs_by_category"]) == list(CATEGORIES)


def test_a_delivered_debrief_without_category_counts_as_delivered_but_in_no_category():
    sessions = sessions_frame(("debrief", "delivered", "group", None, 2, 10))
    result = figures(sessions=sessions)
    assert result["debriefs_delivered"] == 2
    assert sum(result["debriefs_by_category"].values()) == 0


def test_sessions_cancelled_counts_both_kinds():
    sessions = sessions_frame(
        ("supervision", "cancelled", "group", None, 2, 0),
        ("debrief", "cancelled", "individual", "murder", 1, 0),
        ("debrief", "cancelled", "group", None, 3, 0),
        ("supervision", "delivered", "group", None, 4, 12),
        ("supervision", "scheduled", "group", None, 5, 0),
    )
    assert figures(sessions=sessions)["sessions_cancelled"] == 6


def test_debrief_requests_pass_through():
    assert figures(debrief_requests=4)["debrief_requests"] == 4


def test_median_with_odd_count_is_the_middle_value_as_a_whole_number():
    result = figures(debrief_waits=waits_frame(9, 1, 4))
    assert result["median_days_request_to_debrief"] == 4
    assert json.loads(json.dumps(result))["median_days_request_to_debrief"] == 4


def test_median_with_even_count_is_the_mean_of_the_two_middle_values():
    result = figures(debrief_waits=waits_frame(1, 2, 3, 10))
    assert result["median_days_request_to_debrief"] == 2.5


def test_median_with_even_count_and_whole_mean():
    assert figures(debrief_waits=waits_frame(2, 6))["median_days_request_to_debrief"] == 4


def test_median_of_one_same_day_debrief_is_zero():
    assert figures(debrief_waits=waits_frame(0))["median_days_request_to_debrief"] == 0


def test_median_is_null_without_waits():
    result = figures(debrief_waits=waits_frame())
    assert result["median_days_request_to_debrief"] is None
    assert json.dumps(result["median_days_request_to_debrief"]) == "null"


def test_trained_figures_are_one_per_course_and_zero_for_missing_courses():
    result = figures(trained=trained_frame(peer_supervision=3, supervision_skills=1))
    assert result["facilitators_trained_supervision"] == 3
    assert result["facilitators_trained_debrief"] == 0
    assert result["managers_trained_supervision_skills"] == 1


def test_every_figure_is_a_plain_json_number_not_a_numpy_type_or_string():
    sessions = sessions_frame(
        ("supervision", "delivered", "group", None, 3, 20),
        ("debrief", "delivered", "individual", "murder", 1, 1),
        ("debrief", "cancelled", "group", "abuse", 1, 0),
    )
    result = figures(
        teams_total=3,
        teams_covered=1,
        sessions=sessions,
        debrief_requests=2,
        debrief_waits=waits_frame(1, 2),
        trained=trained_frame(peer_supervision=2, critical_incident_debrief=1, supervision_skills=1),
    )
    text = json.dumps(result)  # a numpy type would raise here
    decoded = json.loads(text)
    for key, value in decoded.items():
        if key == "period":
            continue
        if key == "debriefs_by_category":
            assert all(type(v) is int for v in value.values())
        else:
            assert type(value) in (int, float), key
    assert decoded["median_days_request_to_debrief"] == 1.5
