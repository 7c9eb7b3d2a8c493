"""Logging a debrief: the chair's checklist, the required safe-and-uplifting close, the attendance limit, and a
follow-up that opens on its due date (or earlier, when a lead opens it with a reason)."""

from __future__ import annotations

import datetime as dt
import html

import pytest

from programme.debriefs.asking import DebriefAsk, request_debrief
from programme.debriefs.chairs import Arrangement, arrange_session
from programme.debriefs.log import (
    CHAIR_CHECKLIST,
    SessionLog,
    follow_up_open,
    log_session,
    open_follow_up_early,
    record_follow_up,
)
from programme.debriefs.models import DebriefRequest
from programme.debriefs.triage import accept_request
from programme.errors import Conflict, NotAllowed, ProgrammeError
from rosters.extensions import db
from rosters.models import AuditEvent
from tests.factories import make_facilitator, make_person, make_team
from tests.moments import A_MONDAY, uk
from tests.plugin import text

pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)

SESSION_DAY = A_MONDAY + dt.timedelta(days=2)  # a Wednesday
AFTER = A_MONDAY + dt.timedelta(days=3)  # the day after the session: it can be logged


@pytest.fixture
def people(app):
    team = make_team(name="Assessment North")
    found = {
        "member": make_person(name="Mel Member", team=team),
        "manager": make_person(name="Max Manager", role="manager", team=team),
        "colleague": make_person(name="Cal Colleague", team=team),
        "lead": make_person(name="Pat Lead", role="lead"),
        "chair": make_facilitator("critical_incident_debrief", name="Gita Good", team=make_team()),
    }
    db.session.commit()
    return found


def arranged(people, *, others_allowed: int = 0) -> DebriefRequest:
    """Asked for today, inviting a colleague and a partner (3 invited with the person who asked), arranged for
    ``SESSION_DAY`` with ``others_allowed`` more."""
    item = request_debrief(people["member"], DebriefAsk(
        A_MONDAY - dt.timedelta(days=2), "serious_violence", "group", manager=people["manager"],
        invite_people=[people["colleague"]], invite_emails=[("sam.jones@nhs.example", "Community health")]))
    accept_request(item, people["lead"])
    arrange_session(item, Arrangement(people["chair"], SESSION_DAY, dt.time(10, 0), 90, "group", "Room 2",
                                      others_allowed=others_allowed))
    db.session.commit()
    return item


def delivered(people, time_machine, **fields) -> DebriefRequest:
    item = arranged(people)
    time_machine.move_to(uk(AFTER))
    fields.setdefault("closed_safe_uplifting", True)
    log_session(item, people["chair"], SessionLog(delivered=True, attendees=3, duration_minutes=90, **fields))
    db.session.commit()
    return item


def audited(action: str, item: DebriefRequest) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_type == "DebriefRequest", AuditEvent.object_id == item.id)))


# --- the safe and uplifting close -------------------------------------------------------------


def test_a_session_that_went_ahead_needs_a_yes_or_no_for_the_safe_and_uplifting_close(people, time_machine):
    item = arranged(people)
    time_machine.move_to(uk(AFTER))
    with pytest.raises(ProgrammeError) as refused:
        log_session(item, people["chair"], SessionLog(delivered=True, attendees=3, duration_minutes=90))
    [problem] = refused.value.problems
    assert problem.field == "closed_safe_uplifting"
    assert "safe and uplifting" in problem.text
    db.session.rollback()

    log_session(item, people["chair"], SessionLog(delivered=True, attendees=3, duration_minutes=90,
                                                  closed_safe_uplifting=False))
    db.session.commit()
    assert item.status == "delivered" and item.closed_safe_uplifting is False


def test_a_session_that_did_not_go_ahead_is_not_asked_about_its_close(people, time_machine):
    item = arranged(people)
    time_machine.move_to(uk(AFTER))
    log_session(item, people["chair"], SessionLog(delivered=False, not_delivered_reason="Chair unwell"))
    assert item.status == "accepted" and item.closed_safe_uplifting is None


# --- the attendance limit -----------------------------------------------------------------------


def test_attendance_is_at_most_those_invited_and_the_others_allowed(people, time_machine):
    item = arranged(people, others_allowed=2)  # 3 invited + 2 others
    time_machine.move_to(uk(AFTER))
    with pytest.raises(ProgrammeError) as refused:
        log_session(item, people["chair"], SessionLog(delivered=True, attendees=6, duration_minutes=90,
                                                      closed_safe_uplifting=True))
    [problem] = refused.value.problems
    assert (problem.field, problem.text) == (
        "attendees", "At most 5 people can have attended: 3 invited and 2 others allowed")
    db.session.rollback()
    log_session(item, people["chair"], SessionLog(delivered=True, attendees=5, duration_minutes=90,
                                                  closed_safe_uplifting=True))
    db.session.commit()
    assert item.session.attendees == 5


def test_with_no_others_allowed_only_those_invited_can_have_attended(people, time_machine):
    item = arranged(people)
    time_machine.move_to(uk(AFTER))
    with pytest.raises(ProgrammeError, match="At most 3 people can have attended: 3 invited and 0 others allowed"):
        log_session(item, people["chair"], SessionLog(delivered=True, attendees=4, duration_minutes=90,
                                                      closed_safe_uplifting=True))
    db.session.rollback()
    log_session(item, people["chair"], SessionLog(delivered=True, attendees=3, duration_minutes=90,
                                                  closed_safe_uplifting=True))
    assert item.session.attendees == 3


# --- the follow-up ------------------------------------------------------------------------------


def test_the_follow_up_is_refused_before_it_is_due_and_recorded_on_the_day(people, time_machine, app):
    item = delivered(people, time_machine)
    due = item.follow_up_due_on
    assert due == SESSION_DAY + dt.timedelta(days=app.config["FOLLOW_UP_DAYS"])
    assert not follow_up_open(item)
    with pytest.raises(Conflict, match=f"The follow-up opens on {due:%-d %B %Y}"):
        record_follow_up(item, "done")
    time_machine.move_to(uk(due - dt.timedelta(days=1), dt.time(23, 59)))
    with pytest.raises(Conflict):
        record_follow_up(item, "done")
    time_machine.move_to(uk(due, dt.time(0, 1)))
    assert follow_up_open(item)
    record_follow_up(item, "done")
    assert (item.status, item.follow_up) == ("closed", "done")


def test_a_lead_opens_the_follow_up_early_with_a_reason(people, time_machine):
    item = delivered(people, time_machine)
    with pytest.raises(NotAllowed):
        open_follow_up_early(item, people["chair"], "They asked for it sooner")
    with pytest.raises(ProgrammeError) as refused:
        open_follow_up_early(item, people["lead"], "   ")
    assert refused.value.problems[0].field == "reason"
    with pytest.raises(ProgrammeError, match="500 characters or fewer"):
        open_follow_up_early(item, people["lead"], "x" * 501)
    assert item.follow_up_opened_at is None

    open_follow_up_early(item, people["lead"], "  The team asked for a check-in before the inquest  ")
    db.session.commit()
    assert item.follow_up_opened_at is not None
    assert item.follow_up_open_reason == "The team asked for a check-in before the inquest"
    [event] = audited("debrief_follow_up_opened", item)
    assert event.person_id == people["lead"].id
    with pytest.raises(Conflict, match="open already"):
        open_follow_up_early(item, people["lead"], "Again")
    record_follow_up(item, "declined")  # weeks before its due date
    assert (item.status, item.follow_up) == ("closed", "declined")


def test_a_follow_up_is_opened_early_only_while_one_is_waiting(people, time_machine):
    item = arranged(people)
    with pytest.raises(Conflict):
        open_follow_up_early(item, people["lead"], "Before the session")  # not delivered yet
    time_machine.move_to(uk(AFTER))
    log_session(item, people["chair"], SessionLog(delivered=True, attendees=3, duration_minutes=90,
                                                  closed_safe_uplifting=True))
    time_machine.move_to(uk(item.follow_up_due_on))
    with pytest.raises(Conflict, match="open already"):
        open_follow_up_early(item, people["lead"], "It is due today")


# --- pages --------------------------------------------------------------------------------------


def test_the_checklist_is_shown_on_the_request_while_arranged_and_always_on_the_log(client, auth, people,
                                                                                     time_machine):
    item = arranged(people)
    for who in ("chair", "lead"):
        auth.login(people[who].email)
        page = html.unescape(text(client.get(f"/debriefs/{item.id}")))
        assert "Chair’s checklist" in page
        assert all(point in page for point in CHAIR_CHECKLIST)
        auth.logout()
    auth.login(people["chair"].email)
    page = html.unescape(text(client.get(f"/debriefs/{item.id}/log")))  # before the session has started
    assert all(point in page for point in CHAIR_CHECKLIST)
    time_machine.move_to(uk(AFTER))
    auth.login(people["chair"].email)  # a sign-in lapses after 30 idle minutes
    page = html.unescape(text(client.get(f"/debriefs/{item.id}/log")))
    assert all(point in page for point in CHAIR_CHECKLIST)
    assert "At most 3: 3 invited and 0 others allowed." in page
    assert 'name="closed_safe_uplifting" type="radio" value="yes"' in page
    assert 'name="closed_safe_uplifting" type="radio" value="no"' in page


def test_logging_in_the_browser_asks_for_the_close_and_keeps_to_the_limit(client, auth, people, time_machine):
    item = arranged(people, others_allowed=1)
    time_machine.move_to(uk(AFTER))
    auth.login(people["chair"].email)
    form = {"delivered": "yes", "attendees": "5", "duration_minutes": "90", "forum": ""}
    response = client.post(f"/debriefs/{item.id}/log", data=form)
    assert response.status_code == 400
    page = html.unescape(text(response))
    assert "At most 4 people can have attended: 3 invited and 1 other allowed" in page
    assert "Select yes if the session closed with a safe and uplifting topic, or no" in page
    assert 'href="#closed_safe_uplifting"' in page and 'href="#attendees"' in page
    response = client.post(f"/debriefs/{item.id}/log", data={**form, "attendees": "4", "closed_safe_uplifting": "no"})
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    item = db.session.get(DebriefRequest, item.id)
    assert item.closed_safe_uplifting is False and item.session.attendees == 4
    page = html.unescape(text(client.get(f"/debriefs/{item.id}")))
    assert "Chair’s checklist" not in page  # the session is logged
    assert "Closed with a safe and uplifting topic</dt><dd class=\"govuk-summary-list__value\">No</dd>" in page


def test_an_older_log_without_the_answer_shows_not_recorded(client, auth, people, time_machine):
    item = delivered(people, time_machine)
    item.closed_safe_uplifting = None  # logged before the question was required
    db.session.commit()
    auth.login(people["lead"].email)
    page = text(client.get(f"/debriefs/{item.id}"))
    assert "Closed with a safe and uplifting topic</dt><dd class=\"govuk-summary-list__value\">Not recorded</dd>" in page


def test_the_follow_up_section_opens_on_its_date_and_a_lead_may_open_it_early(client, auth, people, time_machine):
    item = delivered(people, time_machine)
    due = item.follow_up_due_on
    opens = f"The follow-up opens on {due:%A %-d %B %Y}"
    auth.login(people["chair"].email)
    page = text(client.get(f"/debriefs/{item.id}"))
    assert opens in page
    assert 'name="outcome"' not in page and "Open the follow-up now" not in page  # not for the chair
    response = client.post(f"/debriefs/{item.id}/follow-up", data={"outcome": "done"})
    assert response.status_code == 409 and opens in text(response)
    assert client.post(f"/debriefs/{item.id}/follow-up/open", data={"reason": "Sooner"}).status_code == 403
    auth.logout()

    auth.login(people["lead"].email)
    page = text(client.get(f"/debriefs/{item.id}"))
    assert opens in page and "Open the follow-up now" in page and 'name="outcome"' not in page
    response = client.post(f"/debriefs/{item.id}/follow-up/open", data={"reason": ""})
    assert response.status_code == 400
    assert "Give a reason for opening the follow-up early" in text(response)
    response = client.post(f"/debriefs/{item.id}/follow-up/open", data={"reason": "x" * 501})
    assert response.status_code == 400 and "500 characters or fewer" in text(response)
    response = client.post(f"/debriefs/{item.id}/follow-up/open",
                           data={"reason": "The team asked for a check-in sooner"}, follow_redirects=True)
    page = text(response)
    assert "The follow-up is open" in page
    assert 'name="outcome"' in page and opens not in page
    assert "Opened before its due date by a programme lead: The team asked for a check-in sooner" in page
    assert len(audited("debrief_follow_up_opened", item)) == 1
    response = client.post(f"/debriefs/{item.id}/follow-up", data={"outcome": "done"}, follow_redirects=True)
    assert "Follow-up recorded as done" in text(response)
    db.session.expire_all()
    assert db.session.get(DebriefRequest, item.id).status == "closed"


def test_the_follow_up_form_is_shown_from_its_due_date(client, auth, people, time_machine):
    item = delivered(people, time_machine)
    time_machine.move_to(uk(item.follow_up_due_on))
    auth.login(people["chair"].email)
    page = text(client.get(f"/debriefs/{item.id}"))
    assert 'name="outcome"' in page and "The follow-up opens on" not in page
    response = client.post(f"/debriefs/{item.id}/follow-up", data={"outcome": "declined"})
    assert response.status_code == 302
