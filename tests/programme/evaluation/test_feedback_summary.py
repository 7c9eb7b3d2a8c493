"""The leads' feedback summary: small groups show no scores anywhere (page, CSV, API); comments for leads."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from programme.evaluation.scores import protect
from programme.evaluation.summary import feedback_summary, last_twelve_months, quarter_span
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import ApiToken, hash_secret
from tests.factories import make_person, make_team
from tests.plugin import text
from tests.programme.evaluation.feedback_data import answered_session

LEAD_TOKEN = "lead-token-for-feedback"
MEMBER_TOKEN = "member-token-for-feedback"


@pytest.fixture
def setting(app):
    app.config["SUPPRESSION_THRESHOLD"] = 3
    lead = make_person(role="lead", email="lead@example.org")
    member = make_person(email="member@example.org")
    db.session.add_all([ApiToken(person=lead, token_hash=hash_secret(LEAD_TOKEN)),
                        ApiToken(person=member, token_hash=hash_secret(MEMBER_TOKEN))])
    db.session.commit()
    return lead, member


def period() -> dict[str, str]:
    today = today_uk()
    return {"start": (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1).isoformat(),
            "end": today.isoformat()}


def api(client, token: str, **args):
    return client.get("/api/v1/feedback", query_string=args, headers={"Authorization": f"Bearer {token}"})


def test_a_group_below_the_threshold_shows_no_scores_anywhere(client, auth, setting):
    big = make_team(name="Big Team", service="Assessment")
    small = make_team(name="Small Team", service="Fostering")
    answered_session(big, [5, 4, 4, 5], comments=["Calm space", "Felt heard"])
    answered_session(small, [1, 1], comments=["Secret small-team remark"])
    db.session.commit()
    summary = feedback_summary(**{k: dt.date.fromisoformat(v) for k, v in period().items()}, comments=True)
    # Small Team's 2 answers (< 3) form a cell too small to count: they are in no figure at all, not even
    # the total, so nothing can be subtracted to find them.
    assert summary["overall"]["shown"] and summary["overall"]["answers"] == 4
    teams = {g["label"]: g for g in summary["by_team"]}
    assert "Small Team" not in teams and teams["Big Team"]["answers"] == 4
    assert summary["comments"] == ["Calm space", "Felt heard"]
    by_kind = {g["key"]: g for g in summary["by_kind"]}
    assert by_kind["supervision"]["answers"] == 4 and by_kind["supervision"]["links_sent"] == 4
    assert by_kind["supervision"]["response_rate_pct"] == 100

    auth.login("lead@example.org")
    page = text(client.get("/evaluation/feedback", query_string=period()))
    assert "count only once there are at least 3" in page and "Secret small-team remark" not in page
    assert "1.0" not in page and "Small Team" not in page
    csv = client.get("/evaluation/feedback.csv", query_string=period())
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    frame = pd.read_csv(io.BytesIO(csv.data), encoding="utf-8-sig")
    assert "Small Team" not in set(frame["group"])
    assert "Secret small-team remark" not in csv.get_data(as_text=True)
    body = api(client, LEAD_TOKEN, **period()).get_json()
    assert not [g for g in body["by_team"] if g["label"] == "Small Team"]
    assert body["overall"]["answers"] == 4 and "Secret small-team remark" not in body["comments"]


def test_two_periods_never_differ_by_a_small_group(client, auth, setting):
    """One late answer in the next quarter cannot be found by comparing a period with a longer one."""
    team = make_team(name="North", service="Assessment")
    answered_session(team, [4, 4, 4])
    db.session.commit()
    today = today_uk()
    first = feedback_summary(today, today)
    longer = feedback_summary(today, today + dt.timedelta(days=95))
    from programme.evaluation.models import SurveyResponse
    lone = db.session.scalars(db.select(SurveyResponse)).first()
    db.session.add(SurveyResponse(source=lone.source, questionnaire_id=lone.questionnaire_id, session_kind="supervision",
                                  team_id=team.id, month=(today + dt.timedelta(days=95)).replace(day=1),
                                  answers=lone.answers, scores=lone.scores.replace("4", "1")))
    db.session.commit()
    again = feedback_summary(today, today + dt.timedelta(days=95))
    assert first["overall"]["answers"] == longer["overall"]["answers"] == again["overall"]["answers"] == 3
    assert again["overall"]["means"] == first["overall"]["means"]


def test_groups_with_enough_answers_show_means_agreement_and_comments_in_a_fixed_order(client, auth, setting):
    one = make_team(name="North", service="Assessment")
    two = make_team(name="South", service="Assessment")
    answered_session(one, [5, 4, 3], comments=["zebra crossing", "Apple pie", ""])
    answered_session(two, [2, 4, 4], kind="debrief", comments=["middle"])
    summary = feedback_summary(*[dt.date.fromisoformat(v) for v in period().values()], comments=True)
    teams = {g["label"]: g for g in summary["by_team"]}
    assert teams["North"]["shown"] and teams["North"]["means"]["overall"] == 4.0
    assert teams["North"]["agree_pct"]["overall"] == 67
    assert teams["South"]["means"]["safety"] == pytest.approx(3.33)
    assert summary["comments"] == ["Apple pie", "middle", "zebra crossing"]  # alphabetical, no team, no month
    kinds = {g["key"]: g for g in summary["by_kind"]}
    assert kinds["debrief"]["answers"] == 3 and kinds["supervision"]["answers"] == 3
    assert summary["hidden_groups"] == 0

    auth.login("lead@example.org")
    page = text(client.get("/evaluation/feedback", query_string=period()))
    assert "Apple pie" in page and "4.0" in page
    # Formula-leading text in a group's name is neutralised in the CSV.
    one.name = "=HYPERLINK(\"x\")"
    db.session.commit()
    csv = client.get("/evaluation/feedback.csv", query_string=period()).get_data(as_text=True)
    assert "'=HYPERLINK" in csv


def test_only_leads_see_the_summary_and_its_comments(client, auth, setting):
    answered_session(make_team(), [5, 5, 5], comments=["Only for leads"])
    for email in ("member@example.org",):
        auth.login(email)
        for url in ("/evaluation/feedback", "/evaluation/feedback.csv"):
            response = client.get(url)
            assert response.status_code == 403 and "Only for leads" not in text(response)
        auth.logout()
    facilitator = make_person(role="facilitator", email="fac@example.org")
    manager = make_person(role="manager", email="man@example.org")
    db.session.commit()
    for person in (facilitator, manager):
        auth.login(person.email)
        assert client.get("/evaluation/feedback").status_code == 403
        auth.logout()
    assert api(client, MEMBER_TOKEN, **period()).status_code == 403
    assert client.get("/api/v1/feedback", query_string=period()).status_code == 401
    assert "Only for leads" in api(client, LEAD_TOKEN, **period()).get_data(as_text=True)


def test_the_api_refuses_missing_malformed_and_reversed_dates(client, setting):
    assert api(client, LEAD_TOKEN).status_code == 400
    assert api(client, LEAD_TOKEN, start="2026-01-01").status_code == 400
    assert "not a date" in api(client, LEAD_TOKEN, start="2026-13-01", end="2026-12-31").get_json()["error"]
    assert "before start" in api(client, LEAD_TOKEN, start="2026-05-01", end="2026-04-01").get_json()["error"]
    body = api(client, LEAD_TOKEN, start="2026-04-15", end="2026-06-02").get_json()
    assert body["period"] == {"start": "2026-04-01", "end": "2026-06-30"}  # whole months
    assert body["overall"]["shown"] is False and body["overall"]["answers"] is None
    openapi = client.get("/api/v1/openapi.json").get_json()
    assert "/feedback" in openapi["paths"] and "FeedbackSummary" in openapi["components"]["schemas"]


def test_the_page_explains_a_period_it_cannot_use_and_shows_the_last_12_months(client, auth, setting):
    auth.login("lead@example.org")
    response = client.get("/evaluation/feedback", query_string={"start": ["13", "2026"], "end": "nonsense"})
    assert response.status_code == 400
    page = text(response)
    assert "Enter a real first month" in page and "Showing the quarters of the last 12 months instead" in page
    first, last = quarter_span(*last_twelve_months(today_uk()))
    assert f"{first:%B %Y} to {last:%B %Y}" in page
    reversed_ = client.get("/evaluation/feedback", query_string={"start": ["6", "2026"], "end": ["5", "2026"]})
    assert reversed_.status_code == 400 and "same as or after the first month" in text(reversed_)
    assert client.get("/evaluation/feedback.csv", query_string={"start": "x"}).status_code == 400
    ok = client.get("/evaluation/feedback", query_string={"start": ["4", "2026"], "end": ["6", "2026"]})
    assert ok.status_code == 200 and "April 2026 to June 2026" in text(ok)


def test_protect_hides_until_what_is_hidden_holds_nothing_or_enough():
    assert protect({"a": 10, "b": 1}, {"b"}, 5) == {"a", "b"}
    assert protect({"a": 10, "b": 1, "c": 1, "d": 7}, {"b", "c"}, 5) == {"b", "c", "d"}
    assert protect({"a": 10, "b": 6}, set(), 5) == set()
    assert protect({"a": 3, "b": 3}, {"a", "b"}, 5) == {"a", "b"}
    assert quarter_span(dt.date(2026, 2, 14), dt.date(2026, 2, 14)) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def test_a_service_shown_with_one_small_team_hides_another_of_its_teams(setting):
    # Service A: 4 + 2; service B: 5. Team A2's 2 answers are a cell too small to count anywhere, so
    # service A is A1 alone and nothing can be subtracted to find A2.
    a1, a2 = make_team(name="A1", service="A"), make_team(name="A2", service="A")
    b1 = make_team(name="B1", service="B")
    answered_session(a1, [5, 5, 5, 5])
    answered_session(a2, [1, 1])
    answered_session(b1, [3, 3, 3, 3, 3])
    summary = feedback_summary(*[dt.date.fromisoformat(v) for v in period().values()])
    shown = {g["label"]: g["shown"] for g in summary["by_team"]}
    services = {g["label"]: g["shown"] for g in summary["by_service"]}
    assert services == {"A": True, "B": True}
    assert shown == {"A1": True, "B1": True}
    assert {g["label"]: g["answers"] for g in summary["by_service"]} == {"A": 4, "B": 5}
