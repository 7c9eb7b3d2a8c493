"""Every file the product hands out for a spreadsheet, with hostile names in it: no workbook holds a
formula cell, every CSV reads with ``pandas.read_csv`` in one call, text that would start a formula is
made inert, numbers stay numbers and dates stay dates (``rosters/exports.py``)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from programme.models import LearningPoint
from rosters.exports import csv_bytes, frame_csv, inert, long_table, workbook
from rosters.extensions import db
from tests.factories import make_agency, make_person, make_session, make_team
from tests.moments import A_MONDAY, uk
from tests.programme.evaluation.feedback_data import answered_session

pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)

HOSTILE = ["=1+1", '=HYPERLINK("http://evil.example/","Click")', "+SUM(A1)", "-2+3", "@cmd", "\tTabbed", "\rReturn"]
PERIOD = {"start": "2026-01-01", "end": "2026-10-31"}

CSV_URLS = [
    ("/dashboard/export.csv", PERIOD),
    ("/dashboard/export.csv", {**PERIOD, "suppress": "0"}),
    ("/dashboard/export.csv", {**PERIOD, "what": "sessions"}),
    ("/learning/export.csv", {}),
    ("/evaluation/feedback.csv", {"start": "2026-09-01", "end": "2026-11-30"}),
]
XLSX_URLS = [
    ("/dashboard/export.xlsx", PERIOD),
    ("/dashboard/export.xlsx", {**PERIOD, "suppress": "0"}),
    ("/dashboard/export.xlsx", {**PERIOD, "what": "sessions"}),
    ("/evaluation/report.xlsx", PERIOD),
]


@pytest.fixture
def hostile(app, auth):
    """Teams, services and agencies named like formulas, with sessions, debriefs, feedback and learning."""
    agency = make_agency(name=HOSTILE[1])
    teams = [make_team(name=name, service=HOSTILE[(i + 2) % len(HOSTILE)], agency=agency)
             for i, name in enumerate(HOSTILE)]
    for team in teams:
        for month in range(1, 11):
            make_session(team=team, date=dt.date(2026, month, 10), attendees=6)
        for day in range(1, 7):
            make_session(team=team, kind="debrief", format="group", incident_category="other", attendees=4,
                         date=dt.date(2026, 6, 10 + day), requested_on=dt.date(2026, 6, 1))
    answered_session(teams[0], [5, 4, 4, 5, 5, 4])
    lead = make_person(role="lead", email="lead@example.org")
    for text in HOSTILE:
        db.session.add(LearningPoint(text=text, forum=HOSTILE[0], created_by=lead, status="approved",
                                     approved_at=dt.datetime(2026, 11, 2, 12), outcome=""))
    db.session.commit()
    auth.login(lead.email)
    return teams


def download(client, url: str, query: dict) -> bytes:
    response = client.get(url, query_string=query)
    assert response.status_code == 200, (url, query, response.get_data(as_text=True)[:300])
    return response.data


@pytest.mark.parametrize(("url", "query"), XLSX_URLS)
def test_no_workbook_holds_a_formula_cell(client, hostile, url, query):
    book = openpyxl.load_workbook(io.BytesIO(download(client, url, query)))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert cells
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    assert not {text for text in texts if text.startswith(("=", "+", "-", "@", "\t", "\r"))}


@pytest.mark.parametrize(("url", "query"), CSV_URLS)
def test_every_csv_reads_with_pandas_in_one_call_and_starts_no_formula(client, hostile, url, query):
    body = download(client, url, query)
    assert body.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(frame.columns) > 1
    for value in [*frame.columns, *frame.to_numpy().ravel()]:
        assert not str(value).startswith(("=", "+", "-", "@", "\t", "\r")), (url, value)


def test_the_learning_csv_escapes_hostile_points_with_the_shared_rule(client, hostile):
    frame = pd.read_csv(io.BytesIO(download(client, "/learning/export.csv", {})), encoding="utf-8-sig", dtype=str,
                        keep_default_na=False)
    assert sorted(frame["text"]) == sorted(inert(text) for text in HOSTILE)
    assert set(frame["forum"]) == {"'=1+1"}


def test_figure_numbers_stay_numbers_in_both_formats(client, hostile):
    book = openpyxl.load_workbook(io.BytesIO(download(client, "/dashboard/export.xlsx", {**PERIOD, "suppress": "0"})))
    summary = {row[0]: row[1] for row in book["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Supervision sessions delivered"] == 70 and summary["Team coverage (%)"] == 100.0
    frame = pd.read_csv(io.BytesIO(download(client, "/dashboard/export.csv", {**PERIOD, "suppress": "0"})),
                        encoding="utf-8-sig")
    assert list(frame.columns) == ["table", "row", "label", "column", "value"]
    cell = frame[(frame["table"] == "summary") & (frame["label"] == "Supervision sessions delivered")]["value"]
    assert cell.tolist() == ["70"]
    coverage = frame[frame["table"] == "team_coverage"]
    assert set(coverage["label"]) == {inert(name) for name in HOSTILE}


# --- the writer itself --------------------------------------------------------------------------


def test_the_writer_keeps_numbers_and_dates_and_neutralises_formula_text():
    body = csv_bytes(["n", "x", "day", "at", "text", "none", "flag"],
                     [[3, 2.5, dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 9, 30), "=1+1", None, True],
                      [4.0, float("nan"), pd.Timestamp("2026-03-04"), dt.datetime(2026, 1, 2), "-x", "", False]])
    frame = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", keep_default_na=False)
    assert frame["n"].tolist() == [3, 4]  # 4.0 written as 4
    assert frame["day"].tolist() == ["2026-01-02", "2026-03-04T00:00:00"]
    assert frame["text"].tolist() == ["'=1+1", "'-x"]
    assert frame["flag"].tolist() == ["yes", "no"]
    book = openpyxl.load_workbook(io.BytesIO(workbook({"=sheet": pd.DataFrame({"=col": ["=1+1", 2],
                                                                               "day": [dt.date(2026, 1, 2), None]})})))
    sheet = book.worksheets[0]
    assert sheet["A1"].value == "'=col" and sheet["A2"].value == "'=1+1" and sheet["A3"].value == 2
    assert sheet["B2"].is_date


def test_a_long_table_pivots_back_into_its_tables():
    tables = {"summary": pd.DataFrame({"figure": ["A", "B"], "value": [1, "<5"]}),
              "months": pd.DataFrame({"month": ["2026-01"], "sessions": [3], "attendances": [12]})}
    frame = pd.read_csv(io.BytesIO(frame_csv(long_table(tables))), encoding="utf-8-sig", dtype=str)
    months = frame[frame["table"] == "months"].pivot(index="label", columns="column", values="value")
    assert months.loc["2026-01", "attendances"] == "12"
    assert frame[frame["table"] == "summary"]["value"].tolist() == ["1", "<5"]


def test_the_feedback_csv_names_hostile_teams_as_text(client, hostile):
    body = download(client, "/evaluation/feedback.csv", {"start": "2026-09-01", "end": "2026-11-30"})
    frame = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert "'=1+1" in set(frame.iloc[:, 1])
