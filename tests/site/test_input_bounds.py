"""Numbers and dates from people, addresses, forms, files and the API are checked at the edge.

Each case here once answered 500 (sometimes after writing a row): now it is a 4xx or a form error with
a message a person can act on, and nothing is stored. The fuzzer (test_web_fuzz.py) looks for more.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from programme.debriefs.models import DebriefRequest
from programme.models import ProgrammeSession, SupervisionSeries
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import SignInSession
from tests.factories import PASSWORD
from tests.plugin import text
from tests.world import World, signed_in

HUGE = "99999999999999999999"


@pytest.fixture
def app(make_app) -> Iterator[Flask]:
    app = make_app(RATELIMIT_ENABLED=False)
    with app.app_context():
        yield app


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(db.select(db.func.count()).select_from(model))


# --- signing in: where to go next ----------------------------------------------------------------


@pytest.mark.parametrize("target", ["/%0a/x", "/%0d/x", "/%09/evil.example", "/%2509/evil.example",
                                    "//evil.example", "/\\evil.example", "https://evil.example/",
                                    "javascript:alert(1)"])
def test_sign_in_goes_home_for_any_next_that_is_not_a_path_on_this_site(app: Flask, world: World, target: str):
    client = app.test_client()
    response = client.post(f"/sign-in?next={target}", data={"email": world.people["lead"].email,
                                                             "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200  # signed in all the same


def test_sign_in_follows_a_next_that_is_a_path_with_a_query(app: Flask, world: World):
    response = app.test_client().post("/sign-in?next=/learning%3Fstatus%3Ddraft",
                                      data={"email": world.people["lead"].email, "password": PASSWORD})
    assert response.headers["Location"] == "/learning?status=draft"


# --- addresses -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "message"), [
    ({"team": HUGE}, "Choose the team from the list"),
    ({"team": "²"}, "Choose the team from the list"),
    ({"agency": "-4"}, "Choose the agency from the list"),
    ({"start": "0001-01-01"}, "The start date must be between 1 January 1900 and 31 December 2199"),
    ({"end": ["31", "12", "9999"]}, "The end date must be between 1 January 1900 and 31 December 2199"),
])
def test_dashboard_filters_out_of_bounds_are_a_form_error(app: Flask, world: World, query: dict, message: str):
    response = signed_in(app, world, "lead").get("/dashboard", query_string=query)
    assert response.status_code == 400
    assert "There is a problem" in text(response) and message in text(response)


def test_a_managers_dashboard_ignores_team_and_agency_in_the_address(app: Flask, world: World):
    assert signed_in(app, world, "manager").get("/dashboard", query_string={"team": HUGE}).status_code == 200


@pytest.mark.parametrize("query", [{"page": HUGE}, {"page": "0"}, {"page": "²"}, {"person": HUGE}])
def test_audit_pages_beyond_any_number_are_a_bad_request(app: Flask, world: World, query: dict):
    response = signed_in(app, world, "lead").get("/audit", query_string=query)
    assert response.status_code == 400
    assert "whole numbers" in text(response)


def test_a_debrief_page_asked_for_with_an_impossible_day_shows_the_usual_one(app: Flask, world: World):
    client = signed_in(app, world, "lead")
    for day in ("9999-12-31", "0001-01-01", "2027-02-30"):
        assert client.get(f"/debriefs/{world.chaired.id}?day={day}").status_code == 200


# --- forms ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["affected_teams", "invite_people", "manager"])
def test_asking_for_a_debrief_with_ids_beyond_any_record_is_a_form_error(app: Flask, world: World, field: str):
    before = count(DebriefRequest)
    today = today_uk()
    response = signed_in(app, world, "member").post("/debriefs/request", data={
        "incident_date": [str(today.day), str(today.month), str(today.year)], "incident_category": "other",
        "preferred_format": "either", "manager": str(world.people["manager"].id), field: HUGE,
    })
    assert response.status_code == 400
    assert "There is a problem" in text(response)
    assert count(DebriefRequest) == before


@pytest.mark.parametrize("first", [["1", "1", "0001"], ["31", "12", "9999"]])
def test_a_series_starting_in_year_1_or_9999_is_a_form_error(app: Flask, world: World, first: list[str]):
    before = (count(SupervisionSeries), count(ProgrammeSession))
    response = signed_in(app, world, "lead").post("/supervision/series/new", data={
        "team": str(world.north.id), "pattern": "every_n_weeks", "interval_weeks": "2", "weekday": "1",
        "first_date": first, "last_date": ["1", "6", "2099"], "start_time": "10:00", "duration_minutes": "90",
        "capacity": "8", "location": "Room 1", "check": "Check",
    })
    assert response.status_code == 400
    assert "First date must be between 1 January 2000 and 31 December 2099" in text(response)
    assert (count(SupervisionSeries), count(ProgrammeSession)) == before


@pytest.mark.parametrize(("day", "chair", "message"), [
    (["31", "12", "9999"], None, "Date must be between 1 January 2000 and 31 December 2099"),
    (None, HUGE, "There is a problem"),
])
def test_arranging_a_debrief_out_of_bounds_is_a_form_error(app: Flask, world: World, day, chair, message):
    item = world.unchaired
    client = signed_in(app, world, "lead")
    assert client.post(f"/debriefs/{item.id}/accept").status_code == 302
    sessions = count(ProgrammeSession)
    when = world.north_session.date
    response = client.post(f"/debriefs/{item.id}/arrange", data={
        "day": day or [str(when.day), str(when.month), str(when.year)], "start_time": "14:00",
        "duration_minutes": "60", "format": "group", "location": "Room 3",
        "chair": chair or str(world.people["facilitator"].id), "confirm": "Arrange session",
    })
    assert response.status_code == 400
    assert message in text(response)
    assert count(ProgrammeSession) == sessions


# --- the API and the command line --------------------------------------------------------------------


@pytest.mark.parametrize("query", [{"from": "9999-11-06"}, {"to": "0001-01-01"}, {"from": "٢٠٢٧-٠١-٠١"}])
def test_slot_dates_outside_the_range_are_a_400_with_a_message(app: Flask, world: World, query: dict):
    response = app.test_client().get("/api/v1/slots", query_string=query,
                                     headers={"Authorization": f"Bearer {world.tokens['member']}"})
    assert response.status_code == 400
    assert "(YYYY-MM-DD)" in response.get_json()["error"] or "outside" in response.get_json()["error"]


def test_a_debrief_asked_for_through_the_api_in_year_1_is_refused(app: Flask, world: World):
    before = count(DebriefRequest)
    response = app.test_client().post("/api/v1/debriefs", json={"incident_date": "0001-01-01",
                                                                 "incident_category": "other"},
                                      headers={"Authorization": f"Bearer {world.tokens['manager']}"})
    assert response.status_code == 400
    assert "outside the dates this service accepts (2000-01-01 to 2099-12-31)" in response.get_json()["error"]
    assert count(DebriefRequest) == before


def test_metrics_look_at_any_period_in_range_and_refuse_one_beyond_it(app: Flask, runner):
    wide = runner.invoke(args=["metrics", "--start", "1990-01-01", "--end", "2100-12-31"])
    assert wide.exit_code == 0, wide.output
    beyond = runner.invoke(args=["metrics", "--start", "0001-01-01", "--end", "2026-01-01"])
    assert beyond.exit_code != 0
    assert "start 0001-01-01 is outside the dates this service can look at" in beyond.output


@pytest.mark.parametrize("args", [["apply-retention", "--months", HUGE], ["legal-hold", "--debrief", HUGE,
                                                                           "--reason", "claim"]])
def test_commands_refuse_numbers_beyond_their_range_in_one_line(app: Flask, runner, args: list[str]):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_the_sessions_import_refuses_impossible_dates_and_attendance(app: Flask, world: World, runner, tmp_path):
    facilitator = world.people["facilitator"].email
    rows = [
        f"A-1,supervision,group,{world.north.name},0001-01-01,10:00,90,{facilitator},delivered,5,,,",
        f"A-2,supervision,group,{world.north.name},31/12/9999,10:00,90,{facilitator},scheduled,,,,",
        f"A-3,supervision,group,{world.north.name},2025-06-10,10:00,90,{facilitator},delivered,{HUGE},,,",
        f"A-4,supervision,group,{world.north.name},2025-06-11,10:00,90,{facilitator},delivered,10001,,,",
    ]
    path = tmp_path / "sessions.csv"
    path.write_text("ref,kind,format,team,date,start,duration_minutes,facilitator_email,status,attendees,"
                    "requested_on,incident_category,capacity\n" + "\n".join(rows) + "\n")
    before = count(ProgrammeSession)
    result = runner.invoke(args=["import-csv", "sessions", str(path)])
    assert result.exit_code != 0
    assert "row 2: date: '0001-01-01' is outside the dates this service accepts (2000-01-01 to 2099-12-31)" \
        in result.output
    assert "row 3: date: '31/12/9999' is outside the dates this service accepts" in result.output
    assert "row 4: attendees:" in result.output
    assert "row 5: attendees: 10001 is out of range (0 to 10000)" in result.output
    assert count(ProgrammeSession) == before


# --- a new password, role or access ends other sign-ins ------------------------------------------------


def open_sign_ins(person) -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(SignInSession).where(
        SignInSession.person_id == person.id, SignInSession.ended_at.is_(None)))


@pytest.mark.parametrize("change", ["password", "role", "disabled"])
def test_a_new_password_role_or_access_ends_every_sign_in(app: Flask, world: World, runner, change: str):
    member = world.people["member"]
    client = signed_in(app, world, "member")
    assert client.get("/").status_code == 200 and open_sign_ins(member) == 1
    if change == "password":
        result = runner.invoke(args=["create-user", "--email", member.email, "--name", member.name, "--role",
                                     "member"], input="a brand new passphrase\n")
        assert result.exit_code == 0, result.output
    elif change == "role":
        result = runner.invoke(args=["create-user", "--email", member.email, "--name", member.name, "--role",
                                     "facilitator"], input="another new passphrase\n")
        assert result.exit_code == 0, result.output
    else:
        db.session.get(type(member), member.id).enabled = False
        db.session.commit()
    assert open_sign_ins(member) == 0
    assert client.get("/").status_code == 302  # the old cookie now leads to the sign-in page


def test_a_role_imported_from_a_spreadsheet_ends_sign_ins_too(app: Flask, world: World, runner, tmp_path):
    member = world.people["member"]
    client = signed_in(app, world, "member")
    path = tmp_path / "people.csv"
    path.write_text(f"email,name,team,role\n{member.email},{member.name},{world.north.name},manager\n")
    assert runner.invoke(args=["import-csv", "people", str(path)]).exit_code == 0
    assert open_sign_ins(member) == 0 and client.get("/").status_code == 302
    # Importing the same role again changes nothing, so a new sign-in lasts.
    client = app.test_client()
    client.post("/sign-in", data={"email": member.email, "password": PASSWORD})
    assert runner.invoke(args=["import-csv", "people", str(path)]).exit_code == 0
    assert open_sign_ins(member) == 1



def test_a_debrief_may_invite_at_most_as_many_people_as_sessions_hold(app: Flask, world: World):
    before = count(DebriefRequest)
    headers = {"Authorization": f"Bearer {world.tokens['manager']}"}
    emails = [f"partner{n}@police.example" for n in range(101)]
    body = {"incident_date": today_uk().isoformat(), "incident_category": "other"}
    response = app.test_client().post("/api/v1/debriefs", json={**body, "invite_emails": emails}, headers=headers)
    assert response.status_code == 400
    assert "invite_emails may list at most 100" in response.get_json()["error"]
    assert count(DebriefRequest) == before
