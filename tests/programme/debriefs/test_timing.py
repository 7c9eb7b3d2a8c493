"""Timing of a debrief: an agreed later target the overdue clock follows, arranging never in the past, and the
arrangement shown with a "Change" action once made (with the others who may come)."""

from __future__ import annotations

import datetime as dt

import pytest

from programme.debriefs.api import request_json
from programme.debriefs.chairs import Arrangement, arrange_session
from programme.debriefs.models import DebriefRequest
from programme.debriefs.triage import accept_request, agree_timing, clear_timing, deadlines
from programme.errors import Conflict, ProgrammeError
from programme.models import ProgrammeSession
from rosters.extensions import db
from rosters.models import AuditEvent
from tests.factories import make_debrief_request, make_facilitator, make_person, make_team
from tests.moments import A_MONDAY, uk
from tests.plugin import date_parts, text

TODAY = A_MONDAY  # Monday 23 November 2026
# 10:00 UK time, so that 08:00 today is already past and 11:00 is still to come.
pytestmark = pytest.mark.time_machine(uk(TODAY, dt.time(10, 0)), tick=False)
ASKED = dt.date(2026, 11, 2)  # standard targets: offer Thu 5 Nov, session Mon 16 Nov (both past)
STANDARD = dt.date(2026, 11, 16)


def audit_count(action: str, item_id: int) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_id == item_id))


@pytest.fixture
def people():
    team = make_team(name="Assessment North")
    w = {
        "team": team,
        "member": make_person(name="Mel Member", team=team),
        "manager": make_person(name="Max Manager", role="manager", team=team),
        "lead": make_person(name="Pat Lead", role="lead"),
        "chair": make_facilitator("critical_incident_debrief", name="Gita Good", team=make_team()),
    }
    db.session.commit()
    return w


def request_for(w, asked_on: dt.date = ASKED, *, accept: bool = True) -> DebriefRequest:
    item = make_debrief_request(w["member"], manager=w["manager"], affected_teams=[w["team"]])
    item.requested_on = asked_on
    item.incident_date = asked_on - dt.timedelta(days=1)
    if accept:
        accept_request(item, w["lead"])
    db.session.commit()
    return item


# --- agreed timing: the operation ----------------------------------------------------------------


def test_an_agreed_later_date_moves_the_overdue_clock_and_keeps_the_standard_target(app, people, time_machine):
    item = request_for(people)
    due = deadlines(item)
    assert due.session_overdue and due.session_due == STANDARD == due.standard_session_due
    assert due.agreed_session_due is None

    agree_timing(item, people["lead"], dt.date(2026, 12, 10), "  After the funeral  ")
    due = deadlines(item)
    assert not due.session_overdue
    assert (due.session_due, due.standard_session_due, due.agreed_session_due) == (
        dt.date(2026, 12, 10), STANDARD, dt.date(2026, 12, 10))
    assert item.agreed_due_reason == "After the funeral"
    assert audit_count("debrief_timing_agreed", item.id) == 1
    # The API keeps session_due as the standard target and gives the agreed one beside it.
    data = request_json(item)
    assert (data["session_due"], data["agreed_session_due"]) == ("2026-11-16", "2026-12-10")
    # The agreed date itself is in time; the day after it is not.
    time_machine.move_to(uk(dt.date(2026, 12, 10)))
    assert not deadlines(item).session_overdue
    time_machine.move_to(uk(dt.date(2026, 12, 11)))
    assert deadlines(item).session_overdue

    clear_timing(item, people["lead"])
    assert item.agreed_session_due is None and item.agreed_due_reason == ""
    assert deadlines(item).session_due == STANDARD
    assert audit_count("debrief_timing_cleared", item.id) == 1
    with pytest.raises(Conflict):
        clear_timing(item, people["lead"])


def test_a_session_arranged_after_the_standard_target_is_in_time_when_that_later_date_was_agreed(app, people):
    item = request_for(people, TODAY)  # session due Mon 7 Dec
    arrange_session(item, Arrangement(people["chair"], dt.date(2026, 12, 9), dt.time(10, 0), 90, "group",
                                      location="Room 2"))
    assert deadlines(item).session_overdue
    agree_timing(item, people["lead"], dt.date(2026, 12, 11), "After the court date")
    assert not deadlines(item).session_overdue


@pytest.mark.parametrize(("day", "reason", "message"), [
    (None, "After the funeral", "Enter the agreed date for the session"),
    (STANDARD, "After the funeral", "The agreed date must be after the standard target of 16 November 2026"),
    (dt.date(2026, 11, 20), "After the funeral", "The agreed date must be today or later"),
    (dt.date(2026, 12, 10), "   ", "Give the reason for the later date"),
    (dt.date(2026, 12, 10), "x" * 501, "The reason must be 500 characters or fewer"),
])
def test_an_agreed_date_must_be_later_than_the_standard_target_not_past_and_have_a_reason(app, people, day, reason,
                                                                                          message):
    item = request_for(people)
    with pytest.raises(ProgrammeError) as refused:
        agree_timing(item, people["lead"], day, reason)
    assert message in str(refused.value)
    assert item.agreed_session_due is None


def test_timing_can_be_agreed_only_while_the_session_is_to_come(app, people):
    waiting = request_for(people, accept=False)
    agree_timing(waiting, people["lead"], dt.date(2026, 12, 1), "After the funeral")  # before triage: allowed
    withdrawn = request_for(people)
    withdrawn.status = "withdrawn"
    with pytest.raises(Conflict):
        agree_timing(withdrawn, people["lead"], dt.date(2026, 12, 1), "After the funeral")


# --- agreed timing: the page ---------------------------------------------------------------------


def test_a_lead_agrees_and_clears_a_later_date_on_the_request_page(client, auth, people):
    item = request_for(people)
    auth.login(people["lead"].email)
    page = text(client.get(f"/debriefs/{item.id}"))
    assert "When the session is due" in page and "Standard target" in page
    assert "None: the standard target applies" in page
    assert "Session overdue" in page

    response = client.post(f"/debriefs/{item.id}/timing", data={"timing-day": ["", "", ""], "timing-reason": ""})
    assert response.status_code == 400
    page = text(response)
    assert "Enter the agreed date for the session" in page
    assert 'href="#timing-day' in page  # the error summary links to the timing form's own date boxes
    assert "<details class=\"govuk-details\" open>" in page  # the form is open to show its errors

    response = client.post(f"/debriefs/{item.id}/timing",
                           data={"timing-day": date_parts(dt.date(2026, 12, 10)), "timing-reason": ""})
    assert response.status_code == 400
    assert "Give the reason for the later date" in text(response)

    response = client.post(f"/debriefs/{item.id}/timing",
                           data={"timing-day": date_parts(dt.date(2026, 12, 10)), "timing-reason": "After the funeral"},
                           follow_redirects=True)
    page = text(response)
    assert "Agreed date saved: the session is now due by 10 December 2026" in page
    assert "Thursday 10 December 2026" in page and "Why: After the funeral" in page
    assert "Session overdue" not in page
    db.session.expire_all()
    assert item.agreed_session_due == dt.date(2026, 12, 10)

    response = client.post(f"/debriefs/{item.id}/timing", data={"timing-clear": "Go back to the standard target"},
                           follow_redirects=True)
    assert "the standard target applies again" in text(response)
    db.session.expire_all()
    assert item.agreed_session_due is None
    assert audit_count("debrief_timing_cleared", item.id) == 1


def test_only_leads_agree_timing(client, auth, people):
    item = request_for(people)
    arrange_session(item, Arrangement(people["chair"], TODAY + dt.timedelta(days=3), dt.time(14, 0), 60, "group",
                                      location="Room 2"))
    db.session.commit()
    form = {"timing-day": date_parts(dt.date(2026, 12, 10)), "timing-reason": "After the funeral"}
    auth.login(people["chair"].email)
    assert client.post(f"/debriefs/{item.id}/timing", data=form).status_code == 403
    assert "Agree a later date" not in text(client.get(f"/debriefs/{item.id}"))
    auth.logout()
    auth.login(people["member"].email)
    assert client.post(f"/debriefs/{item.id}/timing", data=form).status_code == 404
    db.session.expire_all()
    assert item.agreed_session_due is None


# --- arranging: never in the past -----------------------------------------------------------------


def test_arranging_a_start_already_past_today_is_refused(app, people):
    item = request_for(people, TODAY)
    with pytest.raises(ProgrammeError) as refused:
        arrange_session(item, Arrangement(people["chair"], TODAY, dt.time(8, 0), 60, "group", location="Room 2"))
    assert "The session must start later than now" in str(refused.value)
    assert refused.value.problems[0].field == "start_time"
    with pytest.raises(ProgrammeError):
        arrange_session(item, Arrangement(people["chair"], TODAY, dt.time(10, 0), 60, "group", location="Room 2"))
    session = arrange_session(item, Arrangement(people["chair"], TODAY, dt.time(11, 0), 60, "group",
                                                location="Room 2"))
    assert session.status == "scheduled"


def arrange_data(chair, day: dt.date, **overrides) -> dict:
    data = {"day": date_parts(day), "start_time": "10:00", "duration_minutes": "90", "format": "group",
            "location": "Room 2, Civic Centre", "online_link": "", "chair": str(chair.id), "confirm": "Arrange session"}
    data.update(overrides)
    return data


def test_the_page_refuses_a_time_already_past_and_emails_no_one(client, auth, people, sent):
    item = request_for(people, TODAY)
    auth.login(people["lead"].email)
    sent.clear()
    response = client.post(f"/debriefs/{item.id}/arrange", data=arrange_data(people["chair"], TODAY, start_time="08:00"))
    assert response.status_code == 400
    assert "The session must start later than now" in text(response)
    assert sent == []
    assert db.session.scalar(db.select(db.func.count()).select_from(ProgrammeSession)) == 0


# --- the arrangement, and changing it -------------------------------------------------------------


def test_once_arranged_the_page_shows_the_arrangement_and_a_change_action(client, auth, people, sent):
    item = request_for(people, TODAY)
    auth.login(people["lead"].email)
    day = TODAY + dt.timedelta(days=3)
    page = text(client.get(f"/debriefs/{item.id}"))
    assert "Choose a chair and arrange the session" in page
    assert 'name="others_allowed"' in page and "Others who may come, not invited by name" in page

    response = client.post(f"/debriefs/{item.id}/arrange",
                           data=arrange_data(people["chair"], day, others_allowed="3"), follow_redirects=True)
    page = text(response)
    assert "Session arranged for" in page
    db.session.expire_all()
    assert item.others_allowed == 3
    # The arrangement, not an open form.
    assert "The session arranged" in page
    assert "Up to 3 not invited by name" in page
    assert "Gita Good" in page and "Room 2, Civic Centre" in page
    assert f'href="/debriefs/{item.id}?change=1#arrange"' in page
    assert 'name="confirm"' not in page and "Arrange session" not in page

    # "Change" opens the form, filled in, with a button that says what it does.
    page = text(client.get(f"/debriefs/{item.id}?change=1"))
    assert "Change the session" in page and "Save changes" in page
    assert 'name="others_allowed"' in page and 'value="3"' in page
    assert "The session arranged" not in page

    # A change that is refused shows the form open with its errors.
    response = client.post(f"/debriefs/{item.id}/arrange",
                           data=arrange_data(people["chair"], day, location="", others_allowed="51"))
    assert response.status_code == 400
    page = text(response)
    assert "Others who may come must be a whole number from 0 to 50" in page
    assert "Save changes" in page and "Change the session" in page

    sent.clear()
    response = client.post(f"/debriefs/{item.id}/arrange",
                           data=arrange_data(people["chair"], day, start_time="15:00", others_allowed="0"),
                           follow_redirects=True)
    page = text(response)
    assert "Changes saved: the session is" in page
    assert "Only those invited" in page
    db.session.expire_all()
    assert item.others_allowed == 0 and item.session.starts_local.hour == 15
    assert sent  # everyone invited is told of the new time
