"""The session table for analysts (reports/session_table.py): months not days, services not teams, and no
combination rarer than the threshold."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from reports.session_table import COLUMNS, KEYS, NOT_SHOWN, coarsened


def sessions(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(
        [{"date": day, "kind": kind, "format": form, "service": service, "agency": "Council", "status": "delivered",
          "attendees": 4, "duration_minutes": 90, "incident_category": category} for day, kind, form, service, category
         in rows])


def test_days_become_months_and_common_rows_stay_as_they_are():
    table, left_out = coarsened(sessions(*[(dt.date(2025, 6, d), "supervision", "group", "Assessment", None)
                                          for d in range(1, 7)]), 5)
    assert list(table.columns) == COLUMNS and left_out == 0
    assert set(table["period"]) == {"2025-06"} and len(table) == 6
    assert "team" not in table.columns and "date" not in table.columns


def test_a_rare_kind_of_incident_is_hidden_before_anything_else():
    rows = [(dt.date(2025, 6, d), "debrief", "group", "Assessment", "abuse") for d in range(1, 5)]
    rows.append((dt.date(2025, 6, 9), "debrief", "group", "Assessment", "serious_violence"))
    table, left_out = coarsened(sessions(*rows), 5)
    assert left_out == 0
    assert set(table["incident_category"]) == {NOT_SHOWN}
    assert set(table["period"]) == {"2025-06"} and set(table["service"]) == {"Assessment"}


def test_months_become_quarters_and_what_stays_rare_is_left_out():
    rows = [(dt.date(2025, month, 3), "debrief", "individual", "Assessment", "murder") for month in (4, 5, 6, 6, 5)]
    rows.append((dt.date(2025, 9, 1), "debrief", "group", "Fostering", "abuse"))
    table, left_out = coarsened(sessions(*rows), 5)
    assert left_out == 1  # the one debrief in Q3 is rare however vague it is made
    assert set(table["period"]) == {"2025Q2"} and len(table) == 5
    assert table.groupby(KEYS).size().min() >= 5


def test_an_empty_period_gives_an_empty_table():
    table, left_out = coarsened(pd.DataFrame(columns=["date"]), 5)
    assert list(table.columns) == COLUMNS and len(table) == 0 and left_out == 0
