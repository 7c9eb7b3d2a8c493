"""The dashboard and board report for a national programme: statements and page size that do not grow with
the number of teams, drill-down by service and agency, teams a page at a time, and figures unchanged."""

from __future__ import annotations

import datetime as dt
import random
import re
import statistics
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import event

from programme.debriefs.models import DebriefRequest
from programme.models import ProgrammeSession
from reports import queries, views
from reports.metrics import metrics_for_period, metrics_from_inputs
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import Team, TrainingRecord
from tests.factories import make_agency, make_person, make_session, make_team, make_training

START, END = dt.date(2025, 1, 1), dt.date(2025, 6, 30)
PERIOD = {"start": START.isoformat(), "end": END.isoformat()}
SERVICES = ["Assessment", "Protection", "Looked After"]
TEAM_ROW = re.compile(r'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">(.*?)</th>', re.S)


def add_teams(count: int, first: int = 0, *, supervised_every: int = 3) -> None:
    """``count`` teams over three services and two agencies; every ``supervised_every``-th team has had no
    supervision since January (a gap), the others a session a month."""
    council = db.session.scalar(db.select(db.func.min(Team.agency_id))) or make_agency(name="Council").id
    partner = make_agency(name=f"Partner {first}")
    facilitator = make_person(role="facilitator", name=f"Fay {first}", email=f"fay{first}@example.org")
    for number in range(first, first + count):
        team = make_team(name=f"Team {number:03d}", service=SERVICES[number % 3],
                         agency_id=council if number % 4 else partner.id)
        months = [1] if number % supervised_every == 0 else range(1, 7)
        for month in months:
            make_session(team=team, date=dt.date(2025, month, 5), attendees=5, facilitator=facilitator)
        if number % 5 == 0:
            make_session(team=team, kind="debrief", format="individual", incident_category="abuse", attendees=1,
                         date=dt.date(2025, 3, 10), requested_on=dt.date(2025, 3, 2), facilitator=facilitator)
    db.session.commit()


@pytest.fixture
def lead(auth):
    make_person(role="lead", email="lead@example.org")
    db.session.commit()
    return lambda: auth.login("lead@example.org")


@contextmanager
def counted():
    """Count the SQL statements sent while inside."""
    statements: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


def get(client, path: str, **args) -> str:
    response = client.get(path, query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


def team_rows(page: str) -> list[str]:
    """Team names in the dashboard's team list (its rows' headers, links stripped)."""
    section = page[page.index('id="teams"'):page.index("Critical-incident debriefs")]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in TEAM_ROW.findall(section)]


# ---------------------------------------------------------------------------------------------
# Statements and size


@pytest.mark.parametrize(("path", "args"), [("/dashboard", PERIOD), ("/dashboard/report", {"quarter": "2025-Q2"})])
def test_statements_do_not_grow_with_the_number_of_teams(client, lead, path, args):
    add_teams(5)
    lead()
    get(client, path, **args)  # warm: the first request of a process loads more than the page
    with counted() as few:
        get(client, path, **args)
    add_teams(35, first=5)
    with counted() as many:
        get(client, path, **args)
    assert len(many) == len(few), (len(few), len(many))


def test_statements_are_the_same_for_a_manager_with_few_or_many_teams(client, auth):
    add_teams(5)
    make_person(role="manager", email="manager@example.org",
                team_id=db.session.scalar(db.select(Team.id).where(Team.name == "Team 001")))
    db.session.commit()
    auth.login("manager@example.org")
    get(client, "/dashboard", **PERIOD)
    with counted() as few:
        get(client, "/dashboard", **PERIOD)
    add_teams(35, first=5)
    with counted() as many:
        get(client, "/dashboard", **PERIOD)
    assert len(many) == len(few)


def test_a_large_programme_sends_one_page_of_teams_and_no_long_lists(client, lead, monkeypatch):
    monkeypatch.setattr(views, "TEAMS_PER_PAGE", 10)
    monkeypatch.setattr(views, "TEAM_CHOICES", 12)
    monkeypatch.setattr(views, "TOP_ROWS", 3)
    add_teams(60)
    for number in range(8):
        person = make_person(name=f"Trainee {number}", email=f"trainee{number}@example.org")
        make_training(person=person, course="peer_supervision", completed_on=dt.date(2024, 1, 1),
                      expires_on=today_uk() + dt.timedelta(days=10))
    db.session.commit()
    lead()
    page = get(client, "/dashboard", **PERIOD)
    assert len(team_rows(page)) == 10  # 20 teams are without supervision since January: one page of them
    assert "Showing 1 to 10 of 20 active teams" in page
    assert 'class="govuk-pagination' in page
    assert page.count('<option value="') < 30  # services, agencies: no list of sixty teams
    assert "Choose a service or agency first" in page
    coverage = page[page.index("Coverage by service:"):page.index('id="teams"')]
    assert not any(f"Team {n:03d}" in coverage for n in range(60))  # by service and agency, never by team
    heatmap = re.search(r'data-chart="chart-coverage">(.*?)</script>', page, re.S).group(1)
    assert "Team 0" not in heatmap
    assert "The 3 soonest of" in page


def test_the_pages_html_stays_the_same_size_with_many_more_teams(client, lead, monkeypatch):
    monkeypatch.setattr(views, "TEAM_CHOICES", 20)
    add_teams(90)
    lead()
    small = get(client, "/dashboard", **PERIOD)
    add_teams(90, first=90)
    large = get(client, "/dashboard", **PERIOD)
    assert len(team_rows(small)) == len(team_rows(large)) == 25  # a full page either way
    # Twice the teams: the same page, but for one more agency's row (each batch brings a partner agency)
    # and wider numbers.
    assert len(large) - len(small) < 1500, (len(small), len(large))


# ---------------------------------------------------------------------------------------------
# Drill-down and pages


def test_services_and_agencies_lead_to_their_own_teams(client, lead):
    add_teams(30)
    lead()
    page = get(client, "/dashboard", **PERIOD)
    assert 'href="/dashboard?start=2025-01-01&amp;end=2025-06-30&amp;service=Protection"' in page
    assert re.search(r'href="/dashboard\?start=2025-01-01&amp;end=2025-06-30&amp;agency=\d+"', page)
    assert "team=" in page  # each listed team leads to its own figures

    protection = get(client, "/dashboard", service="Protection", teams="all", **PERIOD)
    names = team_rows(protection)
    assert names == sorted(names) and len(names) == 10
    assert all(int(name.split()[1]) % 3 == 1 for name in names)  # Protection's teams only
    assert "Showing 1 to 10 of 10 active teams" in protection

    # Without teams=all, only the teams over six weeks without supervision: none in Protection, and in
    # Assessment every team (each had one session, in January).
    assert team_rows(get(client, "/dashboard", service="Protection", **PERIOD)) == []
    assert "Every active team had supervision in the 6 weeks to 30 June 2025" in get(
        client, "/dashboard", service="Protection", **PERIOD)
    gaps = team_rows(get(client, "/dashboard", service="Assessment", **PERIOD))
    assert gaps == [f"Team {n:03d}" for n in range(0, 30, 3)]


def test_the_team_list_pages_through_every_team_once(client, lead):
    add_teams(60)
    lead()
    first = get(client, "/dashboard", teams="all", **PERIOD)
    assert "Showing 1 to 25 of 60 active teams" in first
    assert 'href="/dashboard?start=2025-01-01&amp;end=2025-06-30&amp;teams=all&amp;page=2#teams"' in first
    seen = []
    for number in (1, 2, 3):
        seen += team_rows(get(client, "/dashboard", teams="all", page=number, **PERIOD))
    assert seen == [f"Team {n:03d}" for n in range(60)]


def test_a_team_link_narrows_the_figures_to_that_team(client, lead):
    add_teams(12)
    lead()
    team_id = db.session.scalar(db.select(Team.id).where(Team.name == "Team 004"))
    page = get(client, "/dashboard", team=team_id, teams="all", **PERIOD)
    assert team_rows(page) == ["Team 004"]
    assert "1 of 1 active teams had supervision" in page
    assert f'<option value="{team_id}" selected>Team 004</option>' in page


def test_team_coverage_on_the_dashboard_is_flask_metrics_for_every_selection(client, lead):
    add_teams(30)
    db.session.get(Team, db.session.scalar(db.select(Team.id).where(Team.name == "Team 007"))).active = False
    db.session.commit()
    lead()
    agency = db.session.scalar(db.select(db.func.max(Team.agency_id)))
    for args, where in [({}, True), ({"service": "Protection"}, Team.service == "Protection"),
                        ({"agency": agency}, Team.agency_id == agency)]:
        team_ids = None if where is True else list(db.session.scalars(db.select(Team.id).where(where)))
        expected = metrics_for_period(START, END, team_ids)
        page = get(client, "/dashboard", **args, **PERIOD)
        assert (f"{expected['teams_covered']} of {expected['teams_total']} active teams had supervision") in page
        assert f"{expected['team_coverage_pct']}%" in page


def test_over_six_weeks_means_a_last_session_more_than_42_days_before_the_end(client, lead):
    agency = make_agency(name="Council")
    facilitator = make_person(role="facilitator")
    days = {"Forty-two days": 42, "Forty-three days": 43, "Never": None}
    for name, before in days.items():
        team = make_team(name=name, agency=agency)
        if before is not None:
            make_session(team=team, date=END - dt.timedelta(days=before), facilitator=facilitator)
            make_session(team=team, date=END + dt.timedelta(days=1), facilitator=facilitator)  # after: not counted
            make_session(team=team, date=END - dt.timedelta(days=10), status="cancelled")  # not delivered
    db.session.commit()
    lead()
    page = get(client, "/dashboard", **PERIOD)
    assert team_rows(page) == ["Never", "Forty-three days"]  # never supervised first, then the longest without
    assert "2 teams had no supervision for over 6 weeks" in page
    report = get(client, "/dashboard/report", quarter="2025-Q2")
    assert "Forty-three days (last: 18 May 2025)" in report and "Never (last: none yet)" in report
    assert "Forty-two days (last" not in report


@pytest.mark.parametrize(("args", "status"), [({"page": "0"}, 400), ({"page": "two"}, 400), ({"page": "-1"}, 400),
                                              ({"page": "9" * 30}, 400), ({"page": "5"}, 404),
                                              ({"teams": "everyone"}, 400)])
def test_a_page_that_is_not_there_is_a_clear_error(client, lead, args, status):
    add_teams(12)
    lead()
    assert client.get("/dashboard", query_string={**PERIOD, **args}).status_code == status


def test_board_report_lists_the_longest_gaps_and_counts_the_rest(client, lead, monkeypatch):
    monkeypatch.setattr(views, "TEAMS_PER_PAGE", 5)
    add_teams(30)
    lead()
    page = get(client, "/dashboard/report", quarter="2025-Q2")
    assert "10 active teams had no supervision session in the 6 weeks to 30 June 2025" in page
    assert "the 5 longest without are listed" in page
    assert page.count("(last: 5 January 2025)") == 5
    assert "Coverage by service" in page


# ---------------------------------------------------------------------------------------------
# The contract's figures: the same as counting every row by hand


def by_hand(start: dt.date, end: dt.date) -> dict:
    """``flask metrics`` worked out the plain way, from every row in Python."""
    sessions = list(db.session.scalars(db.select(ProgrammeSession)))
    active = {team.id for team in db.session.scalars(db.select(Team)) if team.active}
    inside = [s for s in sessions if start <= s.date <= end]
    supervision = [s for s in inside if s.kind == "supervision" and s.status == "delivered"]
    debriefs = [s for s in inside if s.kind == "debrief" and s.status == "delivered"]
    waits = [(s.date - s.requested_on).days for s in debriefs if s.requested_on]
    requests = [s for s in sessions if s.kind == "debrief" and s.requested_on and start <= s.requested_on <= end]
    waiting = [r for r in db.session.scalars(db.select(DebriefRequest))
               if r.session_id is None and start <= r.requested_on <= end]
    records = list(db.session.scalars(db.select(TrainingRecord)))

    def trained(course: str) -> int:
        return len({r.person_id for r in records if r.course == course and r.completed_on <= end
                    and (r.expires_on is None or r.expires_on >= end)})

    covered = {s.team_id for s in supervision} & active
    median = statistics.median(waits) if waits else None
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "teams_total": len(active), "teams_covered": len(covered),
        "team_coverage_pct": float((Decimal(100 * len(covered)) / len(active)).quantize(Decimal("0.1"), ROUND_HALF_UP))
        if active else 0.0,
        "supervision_sessions_delivered": len(supervision),
        "supervision_attendances": sum(s.attendees for s in supervision),
        "debriefs_delivered": len(debriefs),
        "debriefs_individual": sum(s.format == "individual" for s in debriefs),
        "debriefs_group": sum(s.format == "group" for s in debriefs),
        "debrief_requests": len(requests) + len(waiting),
        "median_days_request_to_debrief": None if median is None else (int(median) if median == int(median) else median),
        "debriefs_by_category": {c: sum(s.incident_category == c for s in debriefs)
                                 for c in ("murder", "abuse", "serious_violence", "threat_to_worker", "other")},
        "facilitators_trained_supervision": trained("peer_supervision"),
        "facilitators_trained_debrief": trained("critical_incident_debrief"),
        "managers_trained_supervision_skills": trained("supervision_skills"),
        "sessions_cancelled": sum(s.status == "cancelled" for s in inside),
    }


def random_programme(rng: random.Random) -> None:
    agency = make_agency(name="Council")
    teams = [make_team(name=f"Team {n}", service=rng.choice(SERVICES), agency=agency, active=rng.random() > 0.15)
             for n in range(14)]
    facilitators = [make_person(role="facilitator", email=f"f{n}@example.org") for n in range(4)]
    for person in facilitators:
        for course in ("peer_supervision", "critical_incident_debrief", "supervision_skills"):
            if rng.random() < 0.7:
                done = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(900))
                make_training(person=person, course=course, completed_on=done,
                              expires_on=None if rng.random() < 0.3 else done + dt.timedelta(days=rng.randrange(200, 800)))
    for _ in range(260):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(730))
        status = rng.choice(["delivered"] * 6 + ["cancelled", "scheduled"])
        fields = {"team": rng.choice(teams), "date": day, "status": status, "facilitator": rng.choice(facilitators)}
        if status != "delivered":
            fields["attendees"] = None
        if rng.random() < 0.3:
            individual = rng.random() < 0.6
            fields.update(kind="debrief", format="individual" if individual else "group",
                          incident_category=rng.choice(["murder", "abuse", "serious_violence", "threat_to_worker", "other"]),
                          requested_on=None if rng.random() < 0.1 else day - dt.timedelta(days=rng.randrange(0, 35)))
            if status == "delivered":
                fields["attendees"] = 1 if individual else rng.randrange(2, 8)
        elif status == "delivered":
            fields["attendees"] = rng.randrange(0, 9)
        make_session(**fields)
    db.session.commit()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_metrics_equal_a_plain_count_of_every_row_for_held_out_periods(app, seed):
    rng = random.Random(seed)
    random_programme(rng)
    periods = [(dt.date(2024, 1, 1), dt.date(2025, 12, 31)), (dt.date(2024, 2, 29), dt.date(2024, 2, 29))]
    for _ in range(12):
        first = dt.date(2023, 11, 1) + dt.timedelta(days=rng.randrange(800))
        periods.append((first, first + dt.timedelta(days=rng.randrange(0, 400))))
    for start, end in periods:
        assert metrics_for_period(start, end) == by_hand(start, end), (start, end)


def test_the_outcomes_page_lists_teams_only_within_a_service_or_agency(client, lead, monkeypatch):
    monkeypatch.setattr(views, "TEAM_CHOICES", 12)
    add_teams(30)
    lead()
    page = get(client, "/outcomes")
    assert page.count('<option value="') < 20 and "Choose a service or agency first" in page
    narrowed = get(client, "/outcomes", service="Assessment")
    assert "Team 000" in narrowed and "Team 001" not in narrowed  # 10 Assessment teams: listed


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_dashboard_reuses_its_monthly_supervision_for_the_same_figures(app, seed):
    """The dashboard counts delivered supervision once, by service and month, and groups only the other
    sessions for the figures: the same figures as ``flask metrics``, closed teams and team filters included."""
    rng = random.Random(seed)
    random_programme(rng)
    teams = list(db.session.scalars(db.select(Team.id).order_by(Team.id)))
    for _ in range(10):
        first = dt.date(2023, 11, 1) + dt.timedelta(days=rng.randrange(800))
        start, end = first, first + dt.timedelta(days=rng.randrange(0, 400))
        for team_ids in (None, rng.sample(teams, 5), [teams[0]]):
            by_month = queries.supervision_by_service_month(start, end, team_ids)
            delivered = (int(by_month["sessions"].sum()), int(by_month["attendances"].sum()))
            inputs = queries.load_metric_inputs(start, end, team_ids, supervision_delivered=delivered)
            assert metrics_from_inputs(start, end, inputs) == metrics_for_period(start, end, team_ids), (start, end)
