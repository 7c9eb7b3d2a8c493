"""The Outcomes page (/outcomes): leads see every team, managers their own with small numbers hidden."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from programme.evaluation.models import WorkforceMonth
from reports.outcomes_views import whole_months_default
from rosters.clock import today_uk
from rosters.extensions import db
from tests.factories import make_person, make_session, make_team
from tests.moments import A_MONDAY, uk

pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)
PERIOD = {"start": "2025-01-01", "end": "2025-12-31"}


def page_text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.fixture
def programme(app) -> dict:
    """North: supervision monthly through 2025, 12 team-months of 10 FTE, 3 sickness days and 1 leaver in
    January only (so its leavers are under 5). South: no sessions, 12 team-months of 20 FTE, 2 days and 1 leaver
    every month (12 leavers)."""
    north = make_team(name="North", service="Assessment")
    south = make_team(name="South", service="Protection")
    for number in range(1, 13):
        first_day = dt.date(2025, number, 1)
        make_session(team=north, date=first_day + dt.timedelta(days=9))
        db.session.add(WorkforceMonth(team=north, month=first_day, fte=10, sickness_days=3,
                                      leavers=1 if number == 1 else 0))
        db.session.add(WorkforceMonth(team=south, month=first_day, fte=20, sickness_days=2, leavers=1))
    people = {role: make_person(role=role, team=north) for role in ("lead", "manager", "member", "facilitator")}
    db.session.commit()
    return {"north": north, "south": south, **people}


def test_lead_sees_rates_counts_intervals_and_breakdowns(client, auth, programme):
    auth.login(programme["lead"].email)
    response = client.get("/outcomes", query_string=PERIOD)
    assert response.status_code == 200
    text = page_text(response)
    assert "Workforce outcomes" in text
    assert "association, not proof" in text
    # Supported: North, 12*36/120 = 3.6 days, 1200*1/120 = 10.0%. Not supported: South, 12*24/240 = 1.2, 60.0%.
    assert re.search(r"With regular supervision</th>\s*<td[^>]*>12</td>", response.get_data(as_text=True))
    assert "3.6" in text and "10.0" in text and "1.2" in text and "60.0" in text
    for heading in ("Over time", "By service", "Before and after each team’s first supervision session"):
        assert heading in text
    assert text.count('data-chart="chart-') == 8
    assert "2025-06" in text and "Protection" in text


def test_lead_filters_by_team_and_service(client, auth, programme):
    auth.login(programme["lead"].email)
    text = page_text(client.get("/outcomes", query_string={**PERIOD, "team": programme["south"].id}))
    assert "12 team-months, of which 0 had regular supervision" in text
    text = page_text(client.get("/outcomes", query_string={**PERIOD, "service": "Assessment"}))
    assert "12 team-months, of which 12 had regular supervision" in text


def test_the_default_period_is_the_last_12_whole_months(client, auth, programme):
    start, end = whole_months_default()
    assert start.day == 1 and (end + dt.timedelta(days=1)).day == 1 and end < today_uk()
    assert (end.year - start.year) * 12 + end.month - start.month == 11
    auth.login(programme["lead"].email)
    text = page_text(client.get("/outcomes"))
    assert f"{start:%B %Y} to {end:%B %Y}" in text


@pytest.mark.parametrize("query", [{"start": "2025-02-30"}, {"start": ["31", "2", "2025"]},
                                   {"start": "2025-06-01", "end": "2025-01-01"}, {"team": "99999999999999999999"}])
def test_bad_filters_are_shown_and_answer_400(client, auth, programme, query):
    auth.login(programme["lead"].email)
    response = client.get("/outcomes", query_string=query)
    assert response.status_code == 400
    assert "There is a problem" in page_text(response)


def test_manager_sees_own_team_only_with_small_numbers_hidden(client, auth, programme):
    auth.login(programme["manager"].email)
    response = client.get("/outcomes", query_string={**PERIOD, "team": programme["south"].id, "service": "Protection"})
    assert response.status_code == 200
    text = page_text(response)
    assert "North: workforce outcomes" in text and "South" not in text
    assert "12 team-months, of which 12 had regular supervision" in text
    assert "3.6" in text  # 12 months: the sickness rate is shown
    assert "10.0" not in text and "hidden" in text  # 1 leaver: turnover hidden
    assert "Over time" not in text and "By service" not in text


def test_members_and_facilitators_are_refused(client, auth, programme):
    for role in ("member", "facilitator"):
        auth.login(programme[role].email)
        assert client.get("/outcomes").status_code == 403
        auth.logout()


def test_an_empty_programme_shows_the_page_with_no_figures(client, auth, app):
    lead = make_person(role="lead")
    db.session.commit()
    auth.login(lead.email)
    response = client.get("/outcomes", query_string=PERIOD)
    assert response.status_code == 200
    assert "No workforce figures for these months" in page_text(response)


def test_the_dashboard_links_to_the_outcomes_page(client, auth, programme):
    for role in ("lead", "manager"):
        auth.login(programme[role].email)
        assert 'href="/outcomes"' in client.get("/dashboard").get_data(as_text=True)
        auth.logout()
