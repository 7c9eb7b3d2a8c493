"""Debrief practice on the dashboard and board report: how debriefs logged in the service closed, and whether
they were held within the standard and the agreed target; hidden beyond leads where a month's count is small."""

from __future__ import annotations

import datetime as dt
import html
import re

import pandas as pd
import pytest

from reports.debrief_practice import COLUMNS, load_practice, practice_figures
from rosters.extensions import db
from tests.factories import make_debrief_request, make_person, make_session, make_team
from tests.plugin import text

JUNE = {"start": "2026-06-01", "end": "2026-06-30"}
ASKED = dt.date(2026, 6, 1)  # a Monday; ten working days on is Monday 15 June (no bank holiday in between)


def logged(team, held_on: dt.date, *, closed: bool | None, agreed: dt.date | None = None,
           requested_on: dt.date = ASKED, status: str = "delivered"):
    """A request made in the service and its session, as logged (``closed`` None: logged before it was asked)."""
    item = make_debrief_request(make_person(team=team), manager=make_person(role="manager", team=team))
    item.incident_date, item.requested_on = requested_on - dt.timedelta(days=1), requested_on
    session = make_session(team=team, kind="debrief", format="group", incident_category="serious_violence",
                           status=status, date=held_on, requested_on=requested_on,
                           **({"attendees": 2} if status == "delivered" else {}))
    item.session, item.status = session, "delivered" if status == "delivered" else "scheduled"
    item.closed_safe_uplifting, item.agreed_session_due = closed, agreed
    db.session.flush()
    return item


@pytest.fixture
def programme(app) -> dict:
    north, south = make_team(name="Assessment North"), make_team(name="Fostering South")
    logged(north, dt.date(2026, 6, 10), closed=True)  # well within
    logged(north, dt.date(2026, 6, 15), closed=True)  # on the standard target's day: within
    logged(north, dt.date(2026, 6, 19), closed=False, agreed=dt.date(2026, 6, 26))  # late, but within agreed
    logged(north, dt.date(2026, 6, 22), closed=None, agreed=dt.date(2026, 6, 19))  # late for both
    logged(north, dt.date(2026, 6, 16), closed=False)  # a day late, nothing agreed
    logged(south, dt.date(2026, 6, 10), closed=True)  # another team
    logged(north, dt.date(2026, 7, 2), closed=True)  # after the period
    logged(north, dt.date(2026, 6, 12), closed=None, status="scheduled")  # not delivered
    make_session(team=north, kind="debrief", format="group", incident_category="other", attendees=3,
                 date=dt.date(2026, 6, 11), requested_on=dt.date(2026, 6, 8))  # imported: no request
    people = {
        "lead": make_person(role="lead", email="lead@example.org"),
        "manager": make_person(role="manager", team=north, email="manager@example.org"),
    }
    db.session.commit()
    return {"north": north, "south": south, **people}


def figure(page: str, label: str) -> str:
    """The value beside a row heading of the debrief practice table."""
    match = re.search(re.escape(label) + r"[^<]*</th><td[^>]*>([^<]*)</td>", page)
    assert match, f"no row {label!r}"
    return match.group(1)


def practice_rows(page: str) -> dict[str, str]:
    return {
        "yes": figure(page, "Closed with a safe and uplifting topic"),
        "no": figure(page, "Did not close with a safe and uplifting topic"),
        "not recorded": figure(page, "Close not recorded"),
        "standard": figure(page, "Held within the standard target"),
        "agreed": figure(page, "Held within the agreed target"),
    }


def test_the_figures_count_debriefs_logged_in_the_service_by_the_session_date(app, programme):
    north = programme["north"].id
    figures = practice_figures(load_practice(dt.date(2026, 6, 1), dt.date(2026, 6, 30), [north]), 10)
    assert (figures.closed_yes, figures.closed_no, figures.closed_not_recorded) == (2, 2, 1)
    assert (figures.within_standard, figures.within_agreed, figures.held) == (2, 3, 5)
    everyone = practice_figures(load_practice(dt.date(2026, 6, 1), dt.date(2026, 6, 30)), 10)
    assert (everyone.closed_yes, everyone.within_standard, everyone.within_agreed, everyone.held) == (3, 3, 4, 6)


def test_a_lead_sees_the_figures_on_the_dashboard_for_the_teams_chosen(client, auth, programme):
    auth.login(programme["lead"].email)
    page = html.unescape(text(client.get("/dashboard", query_string={**JUNE, "team": programme["north"].id})))
    assert "Debriefs logged in this service" in page
    assert practice_rows(page) == {"yes": "2", "no": "2", "not recorded": "1", "standard": "2 of 5", "agreed": "3 of 5"}
    assert "(10 working days from the request)" in page
    page = html.unescape(text(client.get("/dashboard", query_string=JUNE)))
    assert practice_rows(page) == {"yes": "3", "no": "2", "not recorded": "1", "standard": "3 of 6", "agreed": "4 of 6"}


def test_the_standard_target_follows_the_configured_working_days(client, auth, app, programme):
    app.config["DEBRIEF_SESSION_WORKING_DAYS"] = 15  # 1 June + 15 working days: 22 June
    auth.login(programme["lead"].email)
    page = html.unescape(text(client.get("/dashboard", query_string={**JUNE, "team": programme["north"].id})))
    assert practice_rows(page)["standard"] == "5 of 5"
    assert practice_rows(page)["agreed"] == "4 of 5"  # the one agreed for 19 June was held on the 22nd


def test_a_manager_does_not_see_small_numbers(client, auth, programme):
    auth.login(programme["manager"].email)
    page = html.unescape(text(client.get("/dashboard", query_string=JUNE)))
    assert "Debriefs logged in this service" in page
    assert "Not shown for this period" in page
    assert "Held within the standard target" not in page


def test_the_board_report_shows_the_figures_when_every_month_is_large_enough(client, auth, app):
    team = make_team(name="Assessment North")
    for day in range(5):
        logged(team, dt.date(2026, 5, 4 + day), closed=True, requested_on=dt.date(2026, 4, 30))
    lead = make_person(role="lead", email="lead@example.org")
    db.session.commit()
    auth.login(lead.email)
    page = html.unescape(text(client.get("/dashboard/report", query_string={"quarter": "2026-Q2"})))
    assert practice_rows(page) == {"yes": "5", "no": "0", "not recorded": "0", "standard": "5 of 5", "agreed": "5 of 5"}


def frame(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=COLUMNS)


def test_suppression_hides_the_figures_when_any_months_count_is_small():
    june = [(dt.date(2026, 6, 10), ASKED, None, True, 5)]
    assert practice_figures(frame(*june), 10, suppress=True).shown
    # One debrief with no request that month: the tile of debriefs delivered would give it away.
    assert not practice_figures(frame(*june, (dt.date(2026, 6, 11), None, None, None, 1)), 10, suppress=True).shown
    assert practice_figures(frame(*june, (dt.date(2026, 6, 11), None, None, None, 5)), 10, suppress=True).shown
    # Five in June and one, late, in July: July's late count is small.
    late = (dt.date(2026, 7, 20), dt.date(2026, 7, 1), None, True, 1)
    assert not practice_figures(frame(*june, late), 10, suppress=True).shown
    shown = practice_figures(frame(*june, late), 10)
    assert (shown.shown, shown.held, shown.within_standard) == (True, 6, 5)
