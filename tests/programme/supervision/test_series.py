"""Supervision series and their sessions, through the service functions: dates, checks, clock changes, register."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from programme.errors import Conflict, ProgrammeError
from programme.models import Pattern, ProgrammeSession
from programme.supervision.facilitators import suggest_facilitators
from programme.supervision.places import book_place
from programme.supervision.registers import record_register
from programme.supervision.series import SeriesRequest, create_series, edit_future, edit_occurrence, plan_series, recurrence_dates
from rosters.clock import local_to_utc
from rosters.extensions import db
from tests.factories import make_facilitator, make_person, make_session, make_team, make_training
from tests.moments import A_MONDAY, uk

TUESDAY, FRIDAY, SUNDAY, MONDAY = 1, 4, 6, 0
# Every date below is planned from 09:00 on a fixed Monday, so these tests do not age.
pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture
def team(app):
    return make_team(name="Assessment North")


@pytest.fixture
def facilitator(team):
    return make_facilitator(name="Fay Facilitator")


def weekly(team, facilitator, first: str, last: str, weekday: int = TUESDAY, **fields) -> SeriesRequest:
    fields.setdefault("interval_weeks", 1)
    fields.setdefault("start_time", dt.time(10, 0))
    fields.setdefault("location", "Room 4")
    fields.setdefault("capacity", 8)
    return SeriesRequest(
        team=team, facilitator=facilitator, pattern=Pattern.EVERY_N_WEEKS.value, weekday=weekday,
        first_date=d(first), last_date=d(last), duration_minutes=90, **fields,
    )


# --- recurrence ----------------------------------------------------------------------------------


def test_every_four_weeks_on_tuesday():
    dates = recurrence_dates(Pattern.EVERY_N_WEEKS, TUESDAY, d("2027-01-04"), d("2027-05-31"), interval_weeks=4)
    assert dates == [d("2027-01-05"), d("2027-02-02"), d("2027-03-02"), d("2027-03-30"), d("2027-04-27"), d("2027-05-25")]


def test_second_tuesday_of_each_month():
    dates = recurrence_dates(Pattern.NTH_WEEKDAY_MONTHLY, TUESDAY, d("2027-01-01"), d("2027-06-30"), week_of_month=2)
    assert dates == [d("2027-01-12"), d("2027-02-09"), d("2027-03-09"), d("2027-04-13"), d("2027-05-11"), d("2027-06-08")]


def test_last_friday_of_each_month():
    dates = recurrence_dates(Pattern.NTH_WEEKDAY_MONTHLY, FRIDAY, d("2027-01-01"), d("2027-05-31"), week_of_month=-1)
    assert dates == [d("2027-01-29"), d("2027-02-26"), d("2027-03-26"), d("2027-04-30"), d("2027-05-28")]


def test_first_and_last_dates_are_inclusive():
    dates = recurrence_dates(Pattern.EVERY_N_WEEKS, TUESDAY, d("2027-01-05"), d("2027-01-19"), interval_weeks=1)
    assert dates == [d("2027-01-05"), d("2027-01-12"), d("2027-01-19")]


# --- planning: bank holidays and every occurrence checked ----------------------------------------


def test_bank_holidays_in_england_are_skipped_and_reported(team, facilitator):
    spring = plan_series(weekly(team, facilitator, "2027-05-24", "2027-06-07", weekday=MONDAY))
    assert spring.texts == []
    assert spring.dates == [d("2027-05-24"), d("2027-06-07")]
    assert spring.skipped == {d("2027-05-31"): "Spring Bank Holiday"}

    christmas = plan_series(weekly(team, facilitator, "2027-12-20", "2028-01-04", weekday=MONDAY))
    assert christmas.skipped == {d("2027-12-27"): "Christmas Day (observed)", d("2028-01-03"): "New Year's Day (observed)"}
    assert christmas.dates == [d("2027-12-20")]
    boxing = plan_series(weekly(team, facilitator, "2027-12-21", "2028-01-04"))
    assert boxing.dates == [d("2027-12-21"), d("2028-01-04")]
    assert boxing.skipped == {d("2027-12-28"): "Boxing Day (observed)"}

    good_friday = plan_series(
        SeriesRequest(team=team, facilitator=facilitator, pattern=Pattern.NTH_WEEKDAY_MONTHLY.value, weekday=FRIDAY,
                      week_of_month=-1, first_date=d("2027-02-01"), last_date=d("2027-04-30"),
                      start_time=dt.time(14, 0), duration_minutes=90, capacity=6, online_link="https://meet.example/x"),
    )
    assert good_friday.dates == [d("2027-02-26"), d("2027-04-30")]
    assert good_friday.skipped == {d("2027-03-26"): "Good Friday"}


def test_skipped_dates_are_stored_with_the_series(team, facilitator):
    series = create_series(weekly(team, facilitator, "2027-05-24", "2027-06-07", weekday=MONDAY))
    assert [(s.date, s.reason) for s in series.skipped] == [(d("2027-05-31"), "Spring Bank Holiday")]
    assert [s.date for s in series.sessions] == [d("2027-05-24"), d("2027-06-07")]


def test_training_that_expires_mid_series_is_refused_naming_the_first_failing_date(team):
    lapsing = make_facilitator(name="Lou Lapsing", expires_on=d("2027-06-01"))
    plan = plan_series(weekly(team, lapsing, "2027-05-18", "2027-06-29"))
    training = [p for p in plan.texts if "training" in p]
    assert training[0] == "Lou Lapsing has no valid reflexive peer-group supervision training on 8 June 2027"
    assert len(training) == 4  # 8, 15, 22 and 29 June: every occurrence is checked
    assert not any("May" in p or "1 June" in p for p in training)
    with pytest.raises(ProgrammeError, match="on 8 June 2027"):
        create_series(weekly(team, lapsing, "2027-05-18", "2027-06-29"))
    assert db.session.scalar(db.select(db.func.count()).select_from(ProgrammeSession)) == 0


def test_training_completed_after_the_first_date_is_refused_for_the_dates_before(team):
    newly = make_facilitator(name="Nia New", completed_on=d("2027-06-10"))
    plan = plan_series(weekly(team, newly, "2027-06-01", "2027-06-22"))
    assert [p for p in plan.texts if "training" in p] == [
        "Nia New has no valid reflexive peer-group supervision training on 1 June 2027",
        "Nia New has no valid reflexive peer-group supervision training on 8 June 2027",
    ]


def test_the_teams_own_manager_is_refused(team):
    manager = make_facilitator(name="Mo Manager", role="manager", team=team)
    plan = plan_series(weekly(team, manager, "2027-06-01", "2027-06-22"))
    assert "Mo Manager manages Assessment North; choose a facilitator from outside the team's management" in plan.texts
    # Another team's manager, trained, may facilitate this one.
    other_manager = make_facilitator(name="Ola Other", role="manager", team=make_team())
    assert plan_series(weekly(team, other_manager, "2027-06-01", "2027-06-22")).texts == []


def test_a_clash_on_any_date_is_refused(team, facilitator):
    other_team = make_team(name="Fostering")
    make_session(team=other_team, date=d("2027-06-15"), starts_at=local_to_utc(d("2027-06-15"), dt.time(11, 0)),
                 duration_minutes=60, status="scheduled", facilitator=facilitator)
    plan = plan_series(weekly(team, facilitator, "2027-06-01", "2027-06-29"))
    assert plan.texts == ["Fay Facilitator already facilitates Fostering from 11:00 on 15 June 2027"]
    # Back to back is not a clash: 08:30-10:00 then 10:00-11:30.
    make_session(team=other_team, date=d("2027-06-22"), starts_at=local_to_utc(d("2027-06-22"), dt.time(8, 30)),
                 duration_minutes=90, status="scheduled", facilitator=facilitator)
    assert len(plan_series(weekly(team, facilitator, "2027-06-01", "2027-06-29")).texts) == 1


def test_a_cancelled_session_is_no_clash(team, facilitator):
    make_session(team=make_team(), date=d("2027-06-15"), starts_at=local_to_utc(d("2027-06-15"), dt.time(10, 0)),
                 status="cancelled", facilitator=facilitator)
    assert plan_series(weekly(team, facilitator, "2027-06-01", "2027-06-29")).texts == []


def test_other_refusals(team, facilitator):
    past = plan_series(weekly(team, facilitator, "2026-11-03", "2026-12-29"))
    assert "The first date must be today or later" in past.texts
    reversed_dates = plan_series(weekly(team, facilitator, "2027-06-29", "2027-06-01"))
    assert reversed_dates.texts == ["The last date must be on or after the first date"]
    too_long = plan_series(weekly(team, facilitator, "2027-01-05", "2028-12-31"))
    assert any("18 months" in p for p in too_long.texts)
    nowhere = plan_series(weekly(team, facilitator, "2027-06-01", "2027-06-29", location=""))
    assert "Give a place or an online link" in nowhere.texts
    team.active = False
    inactive = plan_series(weekly(team, facilitator, "2027-06-01", "2027-06-29"))
    assert "Assessment North is not an active team" in inactive.texts


def test_a_time_the_clocks_skip_is_refused(team, facilitator):
    plan = plan_series(weekly(team, facilitator, "2027-03-21", "2027-04-04", weekday=SUNDAY, start_time=dt.time(1, 30)))
    assert plan.texts == ["01:30 does not exist on 28 March 2027 (the clocks go forward)"]


# --- clock changes -------------------------------------------------------------------------------


def test_clock_changes_do_not_move_sessions(team, facilitator):
    spring = create_series(weekly(team, facilitator, "2027-03-16", "2027-04-06"))
    autumn = create_series(weekly(team, facilitator, "2027-10-19", "2027-11-09", weekday=MONDAY))
    spring_utc = [s.starts_at for s in spring.sessions]
    assert spring_utc == [
        dt.datetime(2027, 3, 16, 10, 0),  # GMT: 10:00 in the UK is 10:00 UTC
        dt.datetime(2027, 3, 23, 10, 0),
        dt.datetime(2027, 3, 30, 9, 0),  # BST from 28 March: 10:00 in the UK is 09:00 UTC
        dt.datetime(2027, 4, 6, 9, 0),
    ]
    autumn_utc = [s.starts_at for s in autumn.sessions]
    assert autumn_utc == [
        dt.datetime(2027, 10, 25, 9, 0),  # still BST
        dt.datetime(2027, 11, 1, 10, 0),  # GMT from 31 October
        dt.datetime(2027, 11, 8, 10, 0),
    ]
    for session in spring.sessions + autumn.sessions:
        assert session.starts_local.time() == dt.time(10, 0)
        assert session.ends_local.time() == dt.time(11, 30)
        assert session.starts_local.date() == session.date


def test_editing_future_sessions_keeps_local_time_across_the_clock_change(team, facilitator):
    series = create_series(weekly(team, facilitator, "2027-03-16", "2027-04-06"))
    edit_future(series, start=dt.time(14, 0), duration_minutes=60, capacity=8, location="Room 5", online_link="",
                from_date=d("2027-03-20"))
    by_date = {s.date: s for s in series.sessions}
    assert by_date[d("2027-03-16")].starts_local.time() == dt.time(10, 0)  # before from_date: unchanged
    assert [by_date[day].starts_at for day in (d("2027-03-23"), d("2027-03-30"), d("2027-04-06"))] == [
        dt.datetime(2027, 3, 23, 14, 0), dt.datetime(2027, 3, 30, 13, 0), dt.datetime(2027, 4, 6, 13, 0),
    ]


# --- facilitators --------------------------------------------------------------------------------


def test_suggestions_are_least_loaded_first_without_the_manager_or_expired_training(team):
    busy = make_facilitator(name="Bea Busy")
    idle = make_facilitator(name="Ian Idle")
    some = make_facilitator(name="Sal Some")
    make_facilitator(name="Mo Manager", role="manager", team=team)
    make_facilitator(name="Ed Expired", expires_on=d("2026-12-31"))
    make_facilitator(name="Lou Lapsing", expires_on=d("2027-06-10"))  # expires before the series ends
    make_facilitator(name="Dee Disabled", enabled=False)
    make_person(name="Una Untrained", role="facilitator")
    for day in ("2027-06-01", "2027-06-08", "2027-06-15"):
        make_session(team=make_team(), date=d(day), status="scheduled", facilitator=busy)
    make_session(team=make_team(), date=d("2027-06-02"), status="scheduled", facilitator=some)
    make_session(team=make_team(), date=d("2027-06-03"), status="cancelled", facilitator=idle)  # does not count
    make_session(team=make_team(), date=d("2028-01-03"), status="scheduled", facilitator=idle)  # outside the dates

    options = suggest_facilitators(team, d("2027-06-01"), d("2027-06-29"))

    assert [(o.person.name, o.load) for o in options] == [("Ian Idle", 0), ("Sal Some", 1), ("Bea Busy", 3)]


def test_a_renewal_covers_the_gap_when_an_old_record_expires(team):
    renewed = make_facilitator(name="Rae Renewed", expires_on=d("2027-06-10"))
    make_training(person=renewed, course="peer_supervision", completed_on=d("2027-06-01"), expires_on=d("2029-06-01"))
    assert [o.person.name for o in suggest_facilitators(team, d("2027-06-01"), d("2027-06-29"))] == ["Rae Renewed"]
    assert plan_series(weekly(team, renewed, "2027-06-01", "2027-06-29")).texts == []


def test_editing_keeps_the_series_facilitator(team, facilitator):
    series = create_series(weekly(team, facilitator, "2027-06-01", "2027-06-29"))
    changes = edit_future(series, start=dt.time(11, 0), duration_minutes=60, capacity=6, location="Room 9",
                          online_link="https://meet.example/abc")
    assert len(changes) == 5
    assert series.facilitator_id == facilitator.id
    assert {s.facilitator_id for s in series.sessions} == {facilitator.id}
    assert {(s.starts_local.time(), s.duration_minutes, s.capacity, s.location) for s in series.sessions} == {
        (dt.time(11, 0), 60, 6, "Room 9")
    }
    moved = edit_occurrence(series.sessions[2], day=d("2027-06-17"), start=dt.time(15, 0), duration_minutes=60,
                            capacity=6, location="Room 9", online_link="")
    assert moved.session.facilitator_id == facilitator.id and moved.session.series_id == series.id
    assert moved.session.starts_at == dt.datetime(2027, 6, 17, 14, 0)
    assert any("Thursday 17 June 2027, 15:00 to 16:00" in what for what in moved.what)
    assert "the online link has changed" in moved.what


def test_editing_rechecks_the_facilitator_on_each_date(team):
    lapsing = make_facilitator(name="Lou Lapsing", expires_on=d("2027-06-30"))
    series = create_series(weekly(team, lapsing, "2027-06-01", "2027-06-29"))
    db.session.commit()
    with pytest.raises(ProgrammeError, match="no valid reflexive peer-group supervision training on 6 July 2027"):
        edit_occurrence(series.sessions[-1], day=d("2027-07-06"), start=dt.time(10, 0), duration_minutes=90,
                        capacity=8, location="Room 4", online_link="")
    db.session.rollback()
    with pytest.raises(ProgrammeError, match="31 May 2027 is a bank holiday"):
        edit_occurrence(series.sessions[0], day=d("2027-05-31"), start=dt.time(10, 0), duration_minutes=90,
                        capacity=8, location="Room 4", online_link="")


def test_capacity_cannot_be_cut_below_places_booked_and_raising_it_promotes(team, facilitator):
    series = create_series(weekly(team, facilitator, "2027-06-01", "2027-06-08", capacity=2))
    session = series.sessions[0]
    people = [make_person(team=team) for _ in range(4)]
    bookings = [book_place(session.id, person) for person in people]
    db.session.commit()
    assert [b.status for b in bookings] == ["booked", "booked", "waitlisted", "waitlisted"]
    with pytest.raises(ProgrammeError, match="2 places are already booked"):
        edit_occurrence(session, day=session.date, start=dt.time(10, 0), duration_minutes=90, capacity=1,
                        location="Room 4", online_link="")
    db.session.rollback()
    with pytest.raises(ProgrammeError, match="already has 2 places booked"):
        edit_future(series, start=dt.time(10, 0), duration_minutes=90, capacity=1, location="Room 4", online_link="")
    db.session.rollback()
    change = edit_occurrence(session, day=session.date, start=dt.time(10, 0), duration_minutes=90, capacity=3,
                             location="Room 4", online_link="")
    assert [b.id for b in change.promoted] == [bookings[2].id]
    assert "there are now 3 places" in change.what
    assert (session.booked_count, [b.status for b in bookings][3]) == (3, "waitlisted")


def test_register_records_attendance_and_the_figures_count_it(runner, team, facilitator, time_machine):
    session = make_session(team=team, date=d("2027-06-01"), starts_at=local_to_utc(d("2027-06-01"), dt.time(10, 0)),
                           status="scheduled", capacity=3, facilitator=facilitator)
    people = [make_person(team=team) for _ in range(4)]
    bookings = [book_place(session.id, person) for person in people]
    assert [b.status for b in bookings] == ["booked"] * 3 + ["waitlisted"]
    with pytest.raises(Conflict, match="once the session has started"):
        record_register(session.id, {}, outcome="delivered")
    db.session.commit()
    time_machine.move_to(uk(d("2027-06-01"), dt.time(12, 0)))  # the session has happened

    with pytest.raises(ProgrammeError, match="Mark everyone booked"):
        record_register(session.id, {bookings[0].id: True}, outcome="delivered")
    db.session.rollback()
    attendance = {bookings[0].id: True, bookings[1].id: True, bookings[2].id: False}
    result = record_register(session.id, attendance, outcome="delivered", others=1)
    db.session.commit()

    assert (result.status, result.attendees) == ("delivered", 3)
    assert [b.attendance for b in bookings] == ["attended", "attended", "did_not_attend", None]
    day = session.date.isoformat()
    output = runner.invoke(args=["metrics", "--start", day, "--end", day])
    assert output.exit_code == 0, output.output
    figures = json.loads(output.stdout)
    assert figures["supervision_sessions_delivered"] == 1
    assert figures["supervision_attendances"] == 3


def test_register_can_say_the_session_did_not_go_ahead(runner, team, facilitator):
    session = make_session(team=team, date=d("2025-06-10"), status="scheduled", facilitator=facilitator)
    db.session.commit()
    with pytest.raises(ProgrammeError, match="Say why"):
        record_register(session.id, {}, outcome="cancelled")
    db.session.rollback()
    with pytest.raises(ProgrammeError, match="delivered or cancelled"):
        record_register(session.id, {}, outcome="maybe")
    db.session.rollback()
    result = record_register(session.id, {}, outcome="cancelled", reason="Fire alarm")
    db.session.commit()
    assert (result.status, result.attendees, result.cancelled_reason) == ("cancelled", None, "Fire alarm")
    figures = json.loads(runner.invoke(args=["metrics", "--start", "2025-06-01", "--end", "2025-06-30"]).stdout)
    assert figures["sessions_cancelled"] == 1 and figures["supervision_sessions_delivered"] == 0


def test_a_gap_between_old_and_renewed_training_is_not_suggested(team):
    gap = make_facilitator(name="Gil Gap", expires_on=d("2027-06-05"))
    make_training(person=gap, course="peer_supervision", completed_on=d("2027-06-20"), expires_on=d("2029-06-01"))
    assert suggest_facilitators(team, d("2027-06-01"), d("2027-06-29")) == []
    assert [o.person.name for o in suggest_facilitators(team, d("2027-06-21"), d("2027-06-29"))] == ["Gil Gap"]
    plan = plan_series(weekly(team, gap, "2027-06-01", "2027-06-29"))
    assert [p for p in plan.texts if "training" in p] == [
        "Gil Gap has no valid reflexive peer-group supervision training on 8 June 2027",
        "Gil Gap has no valid reflexive peer-group supervision training on 15 June 2027",
    ]


def test_a_session_without_a_facilitator_cannot_be_recorded_as_delivered(team):
    session = make_session(team=team, date=d("2025-06-10"), status="cancelled", facilitator=None)
    db.session.commit()
    with pytest.raises(ProgrammeError, match="no facilitator"):
        record_register(session.id, {}, outcome="delivered", others=4)
