"""Leads' supervision series pages and facilitators' registers, through the real pages."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

import pytest

from programme.models import Booking, ProgrammeSession, SupervisionSeries
from programme.supervision.places import book_place
from rosters.clock import local_to_utc, uk_date, utcnow
from rosters.extensions import db
from rosters.models import OutboxMessage, Person, Team
from tests.factories import make_facilitator, make_person, make_series, make_session, make_team, make_training
from tests.moments import A_MONDAY, uk

# A weekly Monday series across the Spring Bank Holiday (Monday 31 May 2027).
FIRST = dt.date(2027, 5, 17)
LAST = dt.date(2027, 6, 14)
# Planned from 09:00 on an ordinary Monday in November 2026, so the series is always still to come.
pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)


@dataclass
class Programme:
    lead: Person
    team: Team
    manager: Person
    members: list[Person]
    facilitator: Person
    busy_facilitator: Person


@pytest.fixture
def programme(app) -> Programme:
    app.config["MAIL_SERVER"] = ""
    team = make_team(name="Assessment Team 1")
    lead = make_person(role="lead", name="Lena Lead")
    manager = make_facilitator(role="manager", name="Mo Manager", team=team)
    members = [make_person(name=f"Member {n}", team=team) for n in range(4)]
    facilitator = make_facilitator(role="facilitator", name="Fay Facilitator")
    busy = make_facilitator(role="facilitator", name="Bea Busy")
    # Bea already runs another team's session in the period, so Fay is the least loaded.
    make_session(date=dt.date(2027, 5, 20), status="scheduled", facilitator=busy, capacity=8)
    db.session.commit()
    return Programme(lead, team, manager, members, facilitator, busy)


def series_form(p: Programme, **overrides) -> dict:
    form = {
        "team": str(p.team.id),
        "pattern": "every_n_weeks",
        "interval_weeks": "1",
        "week_of_month": "1",
        "weekday": "0",
        "first_date": [str(FIRST.day), str(FIRST.month), str(FIRST.year)],
        "last_date": [str(LAST.day), str(LAST.month), str(LAST.year)],
        "start_time": "10:00",
        "duration_minutes": "90",
        "capacity": "8",
        "location": "Room 2, Civic Centre",
        "online_link": "",
    }
    form.update(overrides)
    return form


def checked_value(html: str) -> str:
    match = re.search(r'name="checked"[^>]*value="([^"]*)"', html) or re.search(
        r'value="([^"]*)"[^>]*name="checked"', html
    )
    assert match, "the preview carries what was checked"
    return match.group(1).replace("&#39;", "'").replace("&amp;", "&")


def programme_series(p: Programme, capacity: int = 8) -> SupervisionSeries:
    """The weekly Monday series across the Spring Bank Holiday, for the programme's team."""
    series = make_series(team=p.team, facilitator=p.facilitator, weekday=0, first_date=FIRST, last_date=LAST,
                         capacity=capacity, location="Room 2")
    db.session.commit()
    return series


def series_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(SupervisionSeries))


# ---------------------------------------------------------------------------------------------
# Access


def test_lead_pages_refuse_other_roles(client, auth, programme):
    auth.login(programme.members[0].email)
    for path in ("/supervision/series", "/supervision/series/new", "/facilitation"):
        assert client.get(path).status_code == 403
    auth.logout()
    auth.login(programme.facilitator.email)
    assert client.get("/supervision/series").status_code == 403
    assert client.get("/facilitation").status_code == 200


def test_lead_pages_need_sign_in(client, programme):
    response = client.get("/supervision/series")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_unknown_ids_are_not_found(client, auth, programme):
    auth.login(programme.lead.email)
    for path in (
        "/supervision/series/9999",
        "/supervision/series/9999/edit",
        "/supervision/sessions/9999/edit",
        "/supervision/sessions/9999/cancel",
        "/facilitation/sessions/9999/register",
    ):
        assert client.get(path).status_code == 404, path


def test_debriefs_are_not_supervision_sessions(client, auth, programme):
    debrief = make_session(kind="debrief", format="individual", status="scheduled", date=dt.date(2027, 5, 5))
    db.session.commit()
    auth.login(programme.lead.email)
    assert client.get(f"/supervision/sessions/{debrief.id}/edit").status_code == 404


# ---------------------------------------------------------------------------------------------
# Creating a series


def test_empty_list_says_what_to_do_next(client, auth, programme):
    auth.login(programme.lead.email)
    page = client.get("/supervision/series").get_data(as_text=True)
    assert "No supervision series yet" in page
    assert "/supervision/series/new" in page


def test_create_series_end_to_end(client, auth, programme):
    auth.login(programme.lead.email)
    page = client.get("/supervision/series/new").get_data(as_text=True)
    assert "Groups of 6 to 8 are the norm" in page
    assert 'value="8"' in page

    preview = client.post("/supervision/series/new", data=series_form(programme, check="y"))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    # Least loaded suggested first and pre-selected, with the load shown; the team's manager is not suggested.
    assert re.search(rf'value="{programme.facilitator.id}"\s+selected', html)
    assert "Fay Facilitator – 0 sessions in this period" in html
    assert "Bea Busy – 1 session in this period" in html
    assert html.index("Fay Facilitator") < html.index("Bea Busy")
    assert "Mo Manager – not suggested: manages Assessment Team 1" in html
    # Every date and the skipped bank holiday are previewed before anything is created.
    for day in ("Monday 17 May 2027", "Monday 24 May 2027", "Monday 7 June 2027", "Monday 14 June 2027"):
        assert day in html
    assert "Skipped: Spring Bank Holiday" in html
    assert "Create series" in html
    assert series_count() == 0

    response = client.post(
        "/supervision/series/new",
        data=series_form(programme, facilitator=str(programme.facilitator.id), checked=checked_value(html), confirm="y"),
    )
    assert response.status_code == 302
    series = db.session.scalars(db.select(SupervisionSeries)).one()
    assert response.headers["Location"].endswith(f"/supervision/series/{series.id}")
    assert [s.date for s in series.sessions] == [
        dt.date(2027, 5, 17), dt.date(2027, 5, 24), dt.date(2027, 6, 7), dt.date(2027, 6, 14)
    ]
    assert {s.facilitator_id for s in series.sessions} == {programme.facilitator.id}
    assert all(s.starts_at == local_to_utc(s.date, dt.time(10, 0)) for s in series.sessions)
    assert [(skip.date, skip.reason) for skip in series.skipped] == [(dt.date(2027, 5, 31), "Spring Bank Holiday")]

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Supervision series created for Assessment Team 1: 4 sessions, 1 bank holiday skipped." in page
    assert "Skipped: Spring Bank Holiday" in page
    assert "Fay Facilitator" in page
    assert "Every week on Monday, 10:00 to 11:30" in page
    assert page.count("0 of 8") == 4

    listing = client.get("/supervision/series").get_data(as_text=True)
    assert "Assessment Team 1" in listing and "Mon 17 May 2027" in listing and "0 of 32" in listing


def test_monthly_pattern_preview(client, auth, programme):
    auth.login(programme.lead.email)
    form = series_form(
        programme, pattern="nth_weekday_monthly", week_of_month="-1", weekday="1",
        first_date=["1", "1", "2027"], last_date=["31", "3", "2027"], check="y",
    )
    html = client.post("/supervision/series/new", data=form).get_data(as_text=True)
    for day in ("Tuesday 26 January 2027", "Tuesday 23 February 2027", "Tuesday 30 March 2027"):
        assert day in html


def test_creating_after_a_change_shows_the_dates_again(client, auth, programme):
    auth.login(programme.lead.email)
    html = client.post("/supervision/series/new", data=series_form(programme, check="y")).get_data(as_text=True)
    changed = series_form(
        programme, capacity="6", facilitator=str(programme.facilitator.id), checked=checked_value(html), confirm="y"
    )
    response = client.post("/supervision/series/new", data=changed)
    assert response.status_code == 200
    assert "You changed the details after checking them" in response.get_data(as_text=True)
    assert series_count() == 0


def test_form_errors_keep_what_was_typed(client, auth, programme):
    auth.login(programme.lead.email)
    form = series_form(programme, team="", start_time="25:99", location="", online_link="", check="y")
    form["first_date"] = ["31", "2", "2027"]
    response = client.post("/supervision/series/new", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and "<title>Error:" in html
    assert "Select a team" in html
    assert "Enter the start time using the 24-hour clock" in html
    assert "First date must be a real date" in html
    assert "Give a place or an online link" in html
    assert 'value="25:99"' in html and 'value="31"' in html and 'href="#first_date-day"' in html


@pytest.mark.parametrize("submit", ["check", "confirm"])
def test_facilitator_training_must_be_valid_on_every_date(client, auth, programme, submit):
    lapsing = make_person(role="facilitator", name="Lou Lapsing")
    make_training(person=lapsing, course="peer_supervision", completed_on=dt.date(2025, 1, 1),
                  expires_on=dt.date(2027, 6, 1))
    db.session.commit()
    auth.login(programme.lead.email)
    form = series_form(programme, facilitator=str(lapsing.id), **{submit: "y"})
    if submit == "confirm":
        html = client.post("/supervision/series/new", data=series_form(programme, facilitator=str(lapsing.id), check="y"))
        form["checked"] = checked_value(html.get_data(as_text=True))
    response = client.post("/supervision/series/new", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html
    # The first dates are fine; each later one is named.
    assert "Lou Lapsing has no valid reflexive peer-group supervision training on 7 June 2027" in html
    assert "Lou Lapsing has no valid reflexive peer-group supervision training on 14 June 2027" in html
    assert "17 May 2027" not in html.split("There is a problem")[1].split("</ul>")[0]
    assert 'href="#facilitator"' in html
    assert 'value="Room 2, Civic Centre"' in html  # nothing typed is lost
    assert ">Create series<" not in html
    assert series_count() == 0


def test_team_manager_cannot_facilitate(client, auth, programme):
    auth.login(programme.lead.email)
    response = client.post(
        "/supervision/series/new", data=series_form(programme, facilitator=str(programme.manager.id), check="y")
    )
    assert response.status_code == 400
    assert "Mo Manager manages Assessment Team 1; choose a facilitator from outside" in response.get_data(as_text=True)


def test_facilitator_clash_is_refused_on_create(client, auth, programme):
    make_session(date=dt.date(2027, 6, 7), starts_at=local_to_utc(dt.date(2027, 6, 7), dt.time(11, 0)),
                 status="scheduled", facilitator=programme.facilitator, capacity=8)
    db.session.commit()
    auth.login(programme.lead.email)
    form = series_form(programme, facilitator=str(programme.facilitator.id))
    preview = client.post("/supervision/series/new", data={**form, "check": "y"}).get_data(as_text=True)
    assert "already facilitates" in preview
    response = client.post("/supervision/series/new", data={**form, "checked": checked_value(preview), "confirm": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r"Fay Facilitator already facilitates Team \d+ from 11:00 on 7 June 2027", html)
    assert series_count() == 0


# ---------------------------------------------------------------------------------------------
# Changing and cancelling


def test_edit_one_occurrence_tells_people_booked(client, auth, programme, sent):
    series = programme_series(programme)
    first, second = series.sessions[0], series.sessions[1]
    book_place(first.id, programme.members[0])
    db.session.commit()
    auth.login(programme.lead.email)
    page = client.get(f"/supervision/sessions/{first.id}/edit").get_data(as_text=True)
    assert 'value="10:00"' in page and 'value="17"' in page
    response = client.post(
        f"/supervision/sessions/{first.id}/edit",
        data={"date": ["18", "5", "2027"], "start_time": "14:00", "duration_minutes": "90", "capacity": "8",
              "location": "Room 5", "online_link": ""},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert first.date == dt.date(2027, 5, 18) and first.starts_at == local_to_utc(first.date, dt.time(14, 0))
    assert first.location == "Room 5" and first.facilitator_id == programme.facilitator.id
    assert second.starts_at == local_to_utc(second.date, dt.time(10, 0)) and second.location == "Room 2"
    assert [m.to for m in sent] == [programme.members[0].email]
    assert sent[0].subject.startswith("Changed: supervision")
    assert "Tuesday 18 May 2027, 14:00 to 15:30" in sent[0].body
    assert "changed. 1 person told by e-mail." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_edit_one_occurrence_refuses_a_bank_holiday(client, auth, programme, sent):
    series = programme_series(programme)
    session = series.sessions[0]
    auth.login(programme.lead.email)
    response = client.post(
        f"/supervision/sessions/{session.id}/edit",
        data={"date": ["31", "5", "2027"], "start_time": "10:00", "duration_minutes": "90", "capacity": "8",
              "location": "Room 2", "online_link": ""},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "31 May 2027 is a bank holiday (Spring Bank Holiday)" in html and 'href="#date-day"' in html
    db.session.expire_all()
    assert session.date == FIRST and sent == []


def test_edit_all_future_sessions(client, auth, programme, sent):
    series = programme_series(programme)
    for member in programme.members[:2]:
        book_place(series.sessions[1].id, member)
    db.session.commit()
    auth.login(programme.lead.email)
    page = client.get(f"/supervision/series/{series.id}/edit").get_data(as_text=True)
    assert 'value="Room 2"' in page
    response = client.post(
        f"/supervision/series/{series.id}/edit",
        data={"start_time": "13:30", "duration_minutes": "60", "capacity": "6", "location": "",
              "online_link": "https://meet.example.org/team-1"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert series.start_time == dt.time(13, 30) and series.capacity == 6
    assert all(s.starts_at == local_to_utc(s.date, dt.time(13, 30)) for s in series.sessions)
    assert all(s.duration_minutes == 60 and s.capacity == 6 and s.online_link for s in series.sessions)
    assert sorted(m.to for m in sent) == sorted(p.email for p in programme.members[:2])
    assert "13:30 to 14:30" in sent[0].body and "the online link has changed" in sent[0].body
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "4 future sessions changed. 2 people booked or waiting were told by e-mail." in page
    assert "Every week on Monday, 13:30 to 14:30" in page


def test_a_bank_holiday_declared_after_the_series_is_named_when_its_sessions_change(client, auth, programme):
    """A session already on a day that has since become a bank holiday: the lead is told which, beside a field."""
    series = programme_series(programme)
    make_session(team=programme.team, series=series, date=dt.date(2027, 5, 31), status="scheduled",
                 facilitator=programme.facilitator, capacity=8, location="Room 2",
                 starts_at=local_to_utc(dt.date(2027, 5, 31), dt.time(10, 0)))
    db.session.commit()
    auth.login(programme.lead.email)
    response = client.post(f"/supervision/series/{series.id}/edit", data={
        "start_time": "11:00", "duration_minutes": "90", "capacity": "8", "location": "Room 2", "online_link": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "31 May 2027 is a bank holiday (Spring Bank Holiday)" in page
    assert 'href="#start_time"' in page  # the form has no date field: the message sits with the start time
    db.session.expire_all()
    assert series.start_time == dt.time(10, 0)


def test_capacity_cannot_go_below_bookings(client, auth, programme, sent):
    series = programme_series(programme)
    session = series.sessions[0]
    for member in programme.members[:3]:
        book_place(session.id, member)
    db.session.commit()
    auth.login(programme.lead.email)
    one = client.post(
        f"/supervision/sessions/{session.id}/edit",
        data={"date": ["17", "5", "2027"], "start_time": "10:00", "duration_minutes": "90", "capacity": "2",
              "location": "Room 2", "online_link": ""},
    )
    assert one.status_code == 400
    assert "3 places are already booked; capacity cannot be lower than that" in one.get_data(as_text=True)
    every = client.post(
        f"/supervision/series/{series.id}/edit",
        data={"start_time": "10:00", "duration_minutes": "90", "capacity": "2", "location": "Room 2", "online_link": ""},
    )
    assert every.status_code == 400
    assert "17 May 2027 already has 3 places booked; capacity cannot be lower" in every.get_data(as_text=True)
    db.session.expire_all()
    assert session.capacity == 8 and series.capacity == 8 and sent == []


def test_capacity_rise_promotes_people_waiting(client, auth, programme, sent):
    series = programme_series(programme, capacity=1)
    session = series.sessions[0]
    booked = book_place(session.id, programme.members[0])
    waiting = book_place(session.id, programme.members[1])
    db.session.commit()
    assert waiting.status == "waitlisted"
    auth.login(programme.lead.email)
    response = client.post(
        f"/supervision/sessions/{session.id}/edit",
        data={"date": ["17", "5", "2027"], "start_time": "10:00", "duration_minutes": "90", "capacity": "2",
              "location": "Room 2", "online_link": ""},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Booking, waiting.id).status == "booked" and session.booked_count == 2
    by_person = {m.to: m.subject for m in sent}
    assert by_person[programme.members[1].email].startswith("You have a place")
    assert by_person[programme.members[0].email].startswith("Changed:")
    assert booked.id != waiting.id


def test_cancel_session_tells_everyone_booked_or_waiting(client, auth, programme, caplog):
    series = programme_series(programme, capacity=1)
    session = series.sessions[0]
    book_place(session.id, programme.members[0])
    book_place(session.id, programme.members[1])
    db.session.commit()
    auth.login(programme.lead.email)
    page = client.get(f"/supervision/sessions/{session.id}/cancel").get_data(as_text=True)
    assert "Cancel the session on Monday 17 May 2027?" in page
    assert "The 2 people booked or waiting will lose their place" in page

    missing = client.post(f"/supervision/sessions/{session.id}/cancel", data={"reason": "  "})
    assert missing.status_code == 400
    assert "Say why the session is cancelled" in missing.get_data(as_text=True)

    caplog.set_level(logging.INFO)
    response = client.post(f"/supervision/sessions/{session.id}/cancel", data={"reason": "Facilitator unwell"})
    assert response.status_code == 302
    waiting = db.session.scalars(db.select(OutboxMessage.subject).where(OutboxMessage.status == "waiting")).all()
    assert waiting == ["Cancelled: supervision on 17 May"] * 2  # stored with the change, for flask send-mail
    db.session.expire_all()
    assert session.status == "cancelled" and session.cancelled_reason == "Facilitator unwell"
    assert session.booked_count == 0
    assert {b.status for b in session.bookings} == {"cancelled"}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cancelled. 2 people booked or waiting told by e-mail." in page
    assert "Facilitator unwell" in page

    again = client.get(f"/supervision/sessions/{session.id}/cancel").get_data(as_text=True)
    assert "cannot be cancelled" in again
    assert client.post(f"/supervision/sessions/{session.id}/cancel", data={"reason": "x"}).status_code == 200


def test_series_page_lists_every_occurrence(client, auth, programme):
    series = programme_series(programme, capacity=1)
    book_place(series.sessions[0].id, programme.members[0])
    book_place(series.sessions[0].id, programme.members[1])
    db.session.commit()
    auth.login(programme.lead.email)
    page = client.get(f"/supervision/series/{series.id}").get_data(as_text=True)
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", page, re.S)[1:]
    assert len(rows) == 5
    assert "Mon 31 May 2027" in rows[2] and "Skipped: Spring Bank Holiday" in rows[2]
    assert "1 of 1" in rows[0] and re.search(r">\s*1\s*</td>", rows[0])  # one booked, one waiting
    assert f"/supervision/sessions/{series.sessions[0].id}/edit" in rows[0]
    assert f"/supervision/sessions/{series.sessions[0].id}/cancel" in rows[0]


# ---------------------------------------------------------------------------------------------
# The register


def started_session(p: Programme, people: int = 2) -> ProgrammeSession:
    """A session booked while it was ahead, which has now started."""
    day = dt.date(2027, 5, 11)
    session = make_session(team=p.team, date=day, starts_at=local_to_utc(day, dt.time(10, 0)), status="scheduled",
                           facilitator=p.facilitator, capacity=8, location="Room 2")
    for member in p.members[:people]:
        book_place(session.id, member)
    session.starts_at = utcnow() - dt.timedelta(hours=2)
    session.date = uk_date(session.starts_at)
    db.session.commit()
    return session


def test_register_marks_delivered_and_sets_attendees(client, auth, programme):
    session = started_session(programme)
    auth.login(programme.facilitator.email)
    mine = client.get("/facilitation").get_data(as_text=True)
    assert "Take the register" in mine and f"/facilitation/sessions/{session.id}/register" in mine

    page = client.get(f"/facilitation/sessions/{session.id}/register").get_data(as_text=True)
    assert "Member 0" in page and "Member 1" in page
    bookings = sorted(session.bookings, key=lambda b: b.id)

    unmarked = client.post(f"/facilitation/sessions/{session.id}/register", data={"outcome": "delivered", "others": "0"})
    assert unmarked.status_code == 400
    assert "Select whether Member 0 attended" in unmarked.get_data(as_text=True)

    response = client.post(
        f"/facilitation/sessions/{session.id}/register",
        data={f"booking_{bookings[0].id}": "attended", f"booking_{bookings[1].id}": "did_not_attend",
              "others": "2", "outcome": "delivered", "reason": ""},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert session.status == "delivered" and session.attendees == 3
    assert [b.attendance for b in sorted(session.bookings, key=lambda b: b.id)] == ["attended", "did_not_attend"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Register saved for Assessment Team 1" in page and "3 people attended." in page
    assert "No registers to take" in page


def test_register_records_a_session_that_did_not_go_ahead(client, auth, programme):
    session = started_session(programme)
    auth.login(programme.facilitator.email)
    url = f"/facilitation/sessions/{session.id}/register"
    no_reason = client.post(url, data={"outcome": "cancelled", "others": "0"})
    assert no_reason.status_code == 400
    assert "Say why the session did not go ahead" in no_reason.get_data(as_text=True)
    assert client.post(url, data={"outcome": "cancelled", "others": "0", "reason": "Fire alarm"}).status_code == 302
    db.session.expire_all()
    assert session.status == "cancelled" and session.cancelled_reason == "Fire alarm" and session.attendees is None


def test_register_waits_until_the_session_starts(client, auth, programme):
    series = programme_series(programme)
    session = series.sessions[0]
    auth.login(programme.facilitator.email)
    url = f"/facilitation/sessions/{session.id}/register"
    assert "once the session has started" in client.get(url).get_data(as_text=True)
    client.post(url, data={"outcome": "delivered", "others": "3"})
    db.session.expire_all()
    assert session.status == "scheduled" and session.attendees is None


def test_register_only_for_the_sessions_facilitator_or_a_lead(client, auth, programme):
    session = started_session(programme)
    url = f"/facilitation/sessions/{session.id}/register"
    auth.login(programme.busy_facilitator.email)
    assert client.get(url).status_code == 404
    assert client.post(url, data={"outcome": "cancelled", "reason": "x", "others": "0"}).status_code == 404
    assert "Take the register" not in client.get("/facilitation").get_data(as_text=True)
    auth.logout()
    auth.login(programme.members[0].email)
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login(programme.lead.email)
    assert client.get(url).status_code == 200
    assert "Fay Facilitator" in client.get("/facilitation").get_data(as_text=True)
    db.session.expire_all()
    assert session.status == "scheduled"
