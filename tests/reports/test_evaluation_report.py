"""The evaluation report: every part for a period, small groups hidden on the page and in the workbook,
no formula cells, and the demo's made-up evidence labelled."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re

import openpyxl
import pytest

from programme.evaluation.answers import session_feedback_questionnaire
from programme.evaluation.models import Source, SurveyResponse, WorkforceMonth
from rosters.extensions import db
from tests.factories import make_person, make_session, make_team
from tests.moments import A_MONDAY, uk

pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)

PERIOD = {"start": "2026-01-01", "end": "2026-10-31"}


def page_text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def answers(team, month: dt.date, count: int, score: int = 4, comment: str = "") -> None:
    questionnaire = session_feedback_questionnaire()
    values = {"safe": score, "reflect": score, "lighter": score, "recommend": score}
    for _ in range(count):
        db.session.add(SurveyResponse(
            source=Source.SESSION.value, questionnaire_id=questionnaire.id, session_kind="supervision",
            team_id=team.id, month=month, answers=json.dumps(values),
            scores=json.dumps({"safety": score, "reflection": score, "support": score, "recommend": score,
                               "overall": score}), comment=comment))


@pytest.fixture
def lead(app, client, auth):
    person = make_person(role="lead", email="lead@example.org")
    auth.login(person.email)
    return person


@pytest.fixture
def programme(app):
    """Two teams with supervision through 2026 and HR figures for each month."""
    a = make_team(name="Assessment A", service="Assessment")
    b = make_team(name="=HYPERLINK(\"http://evil.example/\",\"Click\")", service="+Protection")
    for month in range(1, 11):
        make_session(team=a, kind="supervision", status="delivered", date=dt.date(2026, month, 10), attendees=5)
    for team in (a, b):
        for month in range(1, 11):
            db.session.add(WorkforceMonth(team=team, month=dt.date(2026, month, 1), fte=10.0, sickness_days=8.0,
                                          leavers=1 if month == 5 else 0))
    db.session.commit()
    return a, b


def test_the_report_has_every_part_for_the_period(programme, lead, client):
    a, _b = programme
    answers(a, dt.date(2026, 3, 1), 6)
    db.session.commit()
    response = client.get("/evaluation/report", query_string=PERIOD)
    assert response.status_code == 200
    text = page_text(response)
    for heading in ("Reach", "Provision", "Feedback after sessions", "Staff wellbeing", "Workforce outcomes",
                    "Reading these figures"):
        assert heading in text
    assert "1 January 2026 to 31 October 2026" in text
    assert "6 anonymous answers after sessions" in text
    assert "association, not proof" in text
    assert "demo data" not in text  # only the demo's own data is labelled made up
    # 10 supported team-months (team A) against 10 without (team B), both 8 days a month on 10 FTE.
    assert "Team-months with regular supervision 10 100.0" in text
    assert "Team-months without regular supervision 10 100.0" in text


def test_small_groups_show_no_scores_on_the_page_or_in_the_workbook(programme, lead, client, app):
    a, _b = programme
    answers(a, dt.date(2026, 3, 1), app.config["SUPPRESSION_THRESHOLD"] - 1, score=2)
    db.session.commit()
    text = page_text(client.get("/evaluation/report", query_string=PERIOD))
    assert "so no scores are shown" in text
    assert "2.0" not in text.split("Feedback after sessions")[1].split("Staff wellbeing")[0]
    book = openpyxl.load_workbook(io.BytesIO(client.get("/evaluation/report.xlsx", query_string=PERIOD).data))
    sheet = next(book[name] for name in book.sheetnames if name.startswith("Feedback"))
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    assert "hidden" in values and 2 not in values and 2.0 not in values


def test_the_workbook_has_one_sheet_a_table_and_no_formula(programme, lead, client):
    response = client.get("/evaluation/report.xlsx", query_string=PERIOD)
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[0] == "about"
    assert {"Reach", "What was delivered", "Sickness absence and turnover"} <= set(book.sheetnames)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@"))


def test_a_period_that_is_not_real_is_refused(lead, client):
    assert client.get("/evaluation/report", query_string={"start": "2026-02-30"}).status_code == 400
    assert client.get("/evaluation/report.xlsx", query_string={"start": "2026-06-01", "end": "2026-01-01"}
                      ).status_code == 400


def test_the_report_is_audited(programme, lead, client):
    from rosters.models import AuditEvent
    client.get("/evaluation/report", query_string=PERIOD)
    client.get("/evaluation/report.xlsx", query_string=PERIOD)
    actions = list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == ["evaluation_report_viewed", "evaluation_report_exported"]


def test_the_evaluation_hub_links_every_part(programme, lead, client):
    text = page_text(client.get("/evaluation"))
    for part in ("Feedback after sessions", "Wellbeing pulses", "Questionnaires", "Workforce outcomes",
                 "Evaluation report"):
        assert part in text
    assert "20 team-months, January 2026 to October 2026" in text


def test_the_demo_brings_labelled_evidence(runner, client, auth):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "workforce (made-up HR figures)" in result.output
    assert "pulse (made-up answers)" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(WorkforceMonth)) >= 16 * 18
    auth.login("lead@demo.example.org", "wellbeing-demo")
    text = page_text(client.get("/evaluation/report"))
    assert "demo data" in text and "made up" in text
    assert "Autumn wellbeing check (demo: made-up answers)" in text
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "made-up" not in again.output
