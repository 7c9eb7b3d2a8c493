"""Pure tests of the dashboard's shaping and small-number suppression in ``reports.figures``: no Flask, no database."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pandas as pd
import pytest

from reports.figures import (
    coverage_by,
    coverage_heatmap,
    coverage_matrix,
    month_range,
    monthly_supervision,
    supervision_totals,
    suppress_groups,
    suppress_value,
    wait_buckets,
)

END = dt.date(2025, 6, 30)
MONTHS = ["2025-04", "2025-05", "2025-06"]


# ---------------------------------------------------------------------------------------------
# month_range and monthly_supervision


def test_month_range_runs_across_a_year_end():
    assert month_range(dt.date(2024, 11, 30), dt.date(2025, 2, 1)) == ["2024-11", "2024-12", "2025-01", "2025-02"]


def test_month_range_of_one_day_is_that_month():
    assert month_range(dt.date(2025, 3, 3), dt.date(2025, 3, 3)) == ["2025-03"]


def test_month_range_of_first_and_last_days_of_a_month_is_one_month():
    assert month_range(dt.date(2024, 2, 1), dt.date(2024, 2, 29)) == ["2024-02"]


def test_monthly_supervision_fills_missing_months_with_zero():
    by_month = pd.DataFrame([("2025-05", 3, 17)], columns=["month", "sessions", "attendances"])
    frame = monthly_supervision(by_month, MONTHS)
    assert list(frame.columns) == ["month", "sessions", "attendances"]
    assert frame.to_dict("records") == [
        {"month": "2025-04", "sessions": 0, "attendances": 0},
        {"month": "2025-05", "sessions": 3, "attendances": 17},
        {"month": "2025-06", "sessions": 0, "attendances": 0},
    ]


def test_monthly_supervision_with_nothing_delivered_is_all_zeros():
    empty = pd.DataFrame([], columns=["month", "sessions", "attendances"]).astype("int64")
    frame = monthly_supervision(empty, MONTHS)
    assert frame["month"].tolist() == MONTHS
    assert frame["sessions"].tolist() == [0, 0, 0]
    assert frame["attendances"].tolist() == [0, 0, 0]


# ---------------------------------------------------------------------------------------------
# coverage_matrix


def teams(*names: str) -> pd.DataFrame:
    return pd.DataFrame(
        [(index + 1, name, "Assessment", "Council") for index, name in enumerate(names)],
        columns=["team_id", "team", "service", "agency"],
    )


def team_month(*rows: tuple[int, str, int]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["team_id", "month", "sessions"])


def last(*rows: tuple[int, dt.date]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["team_id", "last_date"])


def by_team(frame: pd.DataFrame) -> dict[str, dict]:
    return {row["team"]: row for row in frame.to_dict("records")}


def test_a_team_with_no_session_at_all_is_flagged_even_beside_teams_with_sessions():
    frame = coverage_matrix(
        teams("Alpha", "Bravo"), team_month((1, "2025-06", 1)), last((1, dt.date(2025, 6, 20))), MONTHS, END
    )
    rows = by_team(frame)
    assert rows["Bravo"]["gap"]
    assert rows["Bravo"]["last_session"] is None
    assert pd.isna(rows["Bravo"]["days_since"])
    assert not rows["Alpha"]["gap"]
    assert rows["Alpha"]["days_since"] == 10


def test_only_team_with_no_session_is_flagged():
    frame = coverage_matrix(teams("Alpha"), team_month(), last(), MONTHS, END)
    assert frame["gap"].tolist() == [True]
    assert frame["sessions_in_period"].tolist() == [0]
    assert frame[MONTHS].to_numpy().tolist() == [[0, 0, 0]]


def test_43_days_since_the_last_session_is_flagged_and_42_is_not():
    frame = coverage_matrix(
        teams("Forty-two", "Forty-three"),
        team_month(),  # both last sessions fall before the period
        last((1, END - dt.timedelta(days=42)), (2, END - dt.timedelta(days=43))),
        ["2025-06"], END,
    )
    rows = by_team(frame)
    assert rows["Forty-two"]["days_since"] == 42 and not rows["Forty-two"]["gap"]
    assert rows["Forty-three"]["days_since"] == 43 and rows["Forty-three"]["gap"]


def test_flagged_teams_come_first_then_by_name():
    frame = coverage_matrix(
        teams("Alpha", "Bravo", "Charlie", "Delta"),
        team_month((1, "2025-06", 1), (3, "2025-06", 2)),
        last((1, dt.date(2025, 6, 1)), (3, dt.date(2025, 6, 2)), (4, dt.date(2025, 1, 1))),
        MONTHS, END,
    )
    assert frame["team"].tolist() == ["Bravo", "Delta", "Alpha", "Charlie"]
    assert frame["gap"].tolist() == [True, True, False, False]


def test_sessions_in_period_add_up_each_teams_months():
    frame = coverage_matrix(
        teams("Alpha", "Bravo"),
        team_month((1, "2025-04", 1), (1, "2025-06", 2), (2, "2025-05", 1)),
        last((1, dt.date(2025, 6, 25)), (2, dt.date(2025, 5, 3))),
        MONTHS, END,
    )
    rows = by_team(frame)
    assert [rows["Alpha"][m] for m in MONTHS] == [1, 0, 2]
    assert [rows["Bravo"][m] for m in MONTHS] == [0, 1, 0]
    assert rows["Alpha"]["sessions_in_period"] == 3
    assert rows["Bravo"]["sessions_in_period"] == 1
    assert rows["Bravo"]["gap"]  # 58 days


def test_coverage_of_no_teams_is_an_empty_frame():
    frame = coverage_matrix(teams(), team_month(), last(), MONTHS, END)
    assert len(frame) == 0
    assert {"team", "gap", "sessions_in_period", *MONTHS} <= set(frame.columns)


# ---------------------------------------------------------------------------------------------
# wait_buckets


def buckets(*days: int) -> dict[str, int]:
    counted = Counter(days)  # the query's shape: one row per wait, with how many debriefs waited that long
    frame = wait_buckets(pd.DataFrame(list(counted.items()), columns=["days", "debriefs"], dtype="int64"))
    return dict(zip(frame["wait"], frame["debriefs"], strict=True))


@pytest.mark.parametrize(
    ("days", "band"),
    [(0, "0 to 3 days"), (3, "0 to 3 days"), (4, "4 to 7 days"), (7, "4 to 7 days"), (8, "8 to 14 days"),
     (14, "8 to 14 days"), (15, "15 to 28 days"), (28, "15 to 28 days"), (29, "29 days or more"),
     (400, "29 days or more")],
)
def test_each_wait_falls_in_exactly_one_band(days, band):
    counts = buckets(days)
    assert counts[band] == 1
    assert sum(counts.values()) == 1


def test_wait_buckets_of_no_debriefs_are_all_zero_in_order():
    assert buckets() == {"0 to 3 days": 0, "4 to 7 days": 0, "8 to 14 days": 0, "15 to 28 days": 0,
                         "29 days or more": 0}


def test_wait_buckets_count_the_edges():
    assert buckets(3, 4, 28, 29, 29) == {"0 to 3 days": 1, "4 to 7 days": 1, "8 to 14 days": 0, "15 to 28 days": 1,
                                         "29 days or more": 2}










# ---------------------------------------------------------------------------------------------
# Suppression


@pytest.mark.parametrize(("value", "expected"), [(0, 0), (1, "<5"), (4, "<5"), (5, 5), (120, 120)])
def test_suppress_value_hides_1_to_4(value, expected):
    assert suppress_value(value, 5) == expected


def test_suppress_value_follows_the_threshold():
    assert suppress_value(9, 10) == "<10"
    assert suppress_value(10, 10) == 10
    assert suppress_value(1, 2) == "<2"
    assert suppress_value(2, 2) == 2


def test_one_small_cell_beside_a_shown_total_takes_another_with_it():
    total, groups = suppress_groups(23, {"format": {"individual": 3, "group": 20}}, 5)
    assert total == 23
    assert groups == {"format": {"individual": "<5", "group": "<5"}}


def test_two_hidden_ones_are_not_left_to_be_worked_out_from_the_total():
    # 10 - 8 = 2 shared by two cells that are each at least 1: both would be 1.
    total, groups = suppress_groups(10, {"category": {"murder": 1, "abuse": 1, "other": 8, "threat": 0}}, 5)
    assert total == 10
    assert groups["category"]["murder"] == groups["category"]["abuse"] == groups["category"]["other"] == "<5"
    assert groups["category"]["threat"] == 0


def test_a_small_total_is_hidden_with_its_only_cell():
    total, groups = suppress_groups(3, {"format": {"individual": 3, "group": 0}}, 5)
    assert total == "<5"
    assert groups == {"format": {"individual": "<5", "group": 0}}


def test_a_group_of_zeros_that_leaves_debriefs_out_does_not_hang():
    # Debriefs without a request date are in no wait band: that group is all zeros, not a total of 0.
    total, groups = suppress_groups(
        2, {"format": {"individual": 2, "group": 0}, "category": {"abuse": 2, "other": 0},
            "wait": {"0 to 3 days": 0, "29 days or more": 0}}, 5,
    )
    assert total == "<5"
    assert groups["format"] == {"individual": "<5", "group": 0}
    assert groups["wait"] == {"0 to 3 days": 0, "29 days or more": 0}


def test_nothing_small_means_nothing_hidden():
    groups = {"format": {"individual": 12, "group": 0}, "category": {"abuse": 7, "other": 5}}
    assert suppress_groups(12, groups, 5) == (12, groups)


def _recoverable(hidden_values: list[int], threshold: int) -> bool:
    """What a reader could work out from a group's known hidden sum, each hidden cell being 1 to threshold - 1."""
    known_sum = sum(hidden_values)
    k = len(hidden_values)
    return k == 1 or (k > 0 and (known_sum == k or known_sum == k * (threshold - 1)))


def _random_case(rng: random.Random) -> tuple[int, dict[str, dict[str, int]], int]:
    """A total and 1-3 breakdowns that each add up to it, with plenty of small and zero cells."""
    threshold = rng.choice([2, 3, 5, 5, 5, 10])
    total = rng.choice([0, rng.randint(1, 12), rng.randint(1, 60)])
    groups: dict[str, dict[str, int]] = {}
    for g in range(rng.randint(1, 3)):
        size = rng.randint(1, 6)
        cells = [0] * size
        for _ in range(total):  # spread the total unevenly, so that some cells stay small or empty
            weights = [rng.random() ** 3 for _ in range(size)]
            cells[rng.choices(range(size), weights)[0]] += 1
        groups[f"g{g}"] = {f"c{i}": v for i, v in enumerate(cells)}
    return total, groups, threshold


def _check(total: int, groups: dict[str, dict[str, int]], threshold: int) -> None:
    label = f"<{threshold}"
    shown_total, shown = suppress_groups(total, groups, threshold)
    assert shown_total in (total, label)
    if 0 < total < threshold:
        assert shown_total == label
    if total == 0:
        assert shown_total == 0
    hidden_by_group = {}
    for g, cells in groups.items():
        assert shown[g].keys() == cells.keys()
        for k, v in cells.items():
            if shown[g][k] != label:
                assert shown[g][k] == v  # every shown cell is its input
            if 0 < v < threshold:
                assert shown[g][k] == label  # every small count is hidden
            if v == 0:
                assert shown[g][k] == 0  # zeros stay shown
        hidden_by_group[g] = [v for k, v in cells.items() if shown[g][k] == label]
    fully_shown = [g for g, values in hidden_by_group.items() if not values]
    total_known = shown_total != label or bool(fully_shown)
    if total_known:
        for values in hidden_by_group.values():
            assert len(values) != 1, (total, groups, threshold, shown_total, shown)
            assert not _recoverable(values, threshold), (total, groups, threshold, shown_total, shown)


def test_suppression_properties_over_many_random_tables():
    rng = random.Random(20250601)
    for _ in range(4000):
        _check(*_random_case(rng))


def test_suppression_finishes_on_breakdowns_that_leave_some_out():
    # Real breakdowns can count fewer than the total (no category, no request date): it must still finish
    # and still hide every small cell.
    rng = random.Random(7)
    for _ in range(2000):
        total, groups, threshold = _random_case(rng)
        partial = {g: {k: rng.randint(0, v) for k, v in cells.items()} for g, cells in groups.items()}
        shown_total, shown = suppress_groups(total, partial, threshold)
        for g, cells in partial.items():
            for k, v in cells.items():
                if 0 < v < threshold:
                    assert shown[g][k] == f"<{threshold}"
                elif shown[g][k] != f"<{threshold}":
                    assert shown[g][k] == v


# ---------------------------------------------------------------------------------------------
# By service and agency (a row a group, whatever the number of teams)


GROUPS = pd.DataFrame(
    [("Assessment", 1, "Council", 10, 9, 1), ("Assessment", 2, "Police", 6, 1, 5), ("Protection", 1, "Council", 16, 1, 15)],
    columns=["service", "agency_id", "agency", "teams", "covered", "gaps"],
)


def test_coverage_by_service_adds_up_its_agencies_and_rounds_halves_up():
    table = coverage_by(GROUPS, ["service"])
    assert table.to_dict("records") == [
        {"service": "Assessment", "teams": 16, "covered": 10, "coverage_pct": 62.5, "gaps": 6},
        {"service": "Protection", "teams": 16, "covered": 1, "coverage_pct": 6.3, "gaps": 15},  # 6.25
    ]


def test_coverage_by_agency_keeps_its_id_for_the_link():
    table = coverage_by(GROUPS, ["agency", "agency_id"])
    assert list(zip(table["agency"], table["agency_id"], table["teams"], strict=True)) == [("Council", 1, 26),
                                                                                         ("Police", 2, 6)]


def test_coverage_by_of_no_teams_keeps_its_columns():
    assert list(coverage_by(GROUPS.iloc[0:0], ["service"]).columns) == ["service", "teams", "covered", "coverage_pct",
                                                                       "gaps"]


BY_MONTH = pd.DataFrame(
    [("Assessment", True, "2025-04", 7, 40), ("Assessment", False, "2025-04", 2, 9), ("Protection", True, "2025-06", 3, 20)],
    columns=["service", "active", "month", "sessions", "attendances"],
)


def test_monthly_totals_count_closed_teams_as_flask_metrics_does():
    assert supervision_totals(BY_MONTH).to_dict("records") == [
        {"month": "2025-04", "sessions": 9, "attendances": 49}, {"month": "2025-06", "sessions": 3, "attendances": 20}]


def test_heatmap_has_every_service_and_month_and_leaves_closed_teams_out():
    services = coverage_by(GROUPS, ["service"])
    heatmap = coverage_heatmap(BY_MONTH, services, MONTHS)
    assert heatmap.to_dict("records") == [
        {"service": "Assessment", "2025-04": 7, "2025-05": 0, "2025-06": 0},
        {"service": "Protection", "2025-04": 0, "2025-05": 0, "2025-06": 3},
    ]
