""""Your debriefs": one row per request, the page for each (what was asked, dates, chair, when and where),
the calendar file, withdrawing (before and after arranging) and asking to change; the figures afterwards."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from programme.debriefs.chairs import Arrangement, arrange_session
from programme.debriefs.log import SessionLog, log_session, record_follow_up
from programme.debriefs.mine import withdraw_request
from programme.debriefs.models import DebriefRequest
from programme.debriefs.triage import accept_request, decline_request
from programme.errors import Conflict
from programme.models import ProgrammeSession
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from tests.calendar_rules import check, invite_in
from tests.factories import PASSWORD, make_debrief_request, make_person, make_team, make_training
from tests.plugin import text
from tests.programme.debriefs.test_pages import accepted, arrange_form, ask, audit_count, switch

PARTNERS = {"sam.jones@nhs.example", "alex@police.example"}  # invited by ``test_pages.ask``
REFERENCE = re.compile(r"DB-\d{4}")


@pytest.fixture
def world(app) -> dict:
    """Mel asks (naming Max, inviting Ivy and two partners); Gita can chair; Cal is a stranger to it all."""
    north, south = make_team(name="Assessment North"), make_team(name="Fostering South")
    w = {
        "north": north,
        "south": south,
        "member": make_person(name="Mel Member", team=north),
        "manager": make_person(name="Max Manager", role="manager", team=north),
        "lead": make_person(name="Pat Lead", role="lead"),
        "colleague": make_person(name="Cal Colleague", team=north),
        "involved": make_person(name="Ivy Involved", role="facilitator", team=south),
        "good": make_person(name="Gita Good", role="facilitator"),
    }
    for key in ("involved", "good"):
        make_training(person=w[key])
    db.session.commit()
    return w


def arranged(client, auth, w, sent, **form) -> DebriefRequest:
    """A request accepted and arranged through the pages, a week ahead with Gita as chair."""
    item = accepted(client, auth, w)
    sent.clear()
    response = client.post(f"/debriefs/{item.id}/arrange",
                           data=arrange_form(w["good"], today_uk() + dt.timedelta(days=7), **form))
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    return item


def fresh(item: DebriefRequest) -> DebriefRequest:
    db.session.expire_all()
    return db.session.get(DebriefRequest, item.id)


# --- the list ---------------------------------------------------------------------------------


def test_each_request_is_listed_once_newest_first_with_the_persons_part(client, auth, world):
    member, colleague = world["member"], world["colleague"]
    first = make_debrief_request(member, manager=world["manager"], invite_people=[colleague])
    invited = make_debrief_request(colleague, manager=world["manager"], invite_people=[member])
    last = make_debrief_request(member, manager=world["manager"])
    make_debrief_request(world["involved"], manager=world["manager"])  # nothing to do with Mel
    db.session.commit()
    auth.login(member.email)
    page = text(client.get("/debriefs/mine"))
    # Mel's own requests hold an invitation for her too: still one row each, newest first.
    assert REFERENCE.findall(page) == [r for item in (last, invited, first) for r in [item.reference] * 2]
    assert page.count('class="govuk-summary-card__title"') == 3
    assert page.count("You asked") == 2 and page.count(">Invited<") == 1
    for item in (first, invited, last):
        assert f"/debriefs/mine/{item.id}" in page
    assert "Waiting for triage" in page and "Colleague" not in page


# --- one request -----------------------------------------------------------------------------


def test_the_person_who_asked_sees_what_they_asked_and_an_invited_colleague_only_the_session(
        client, auth, world, sent):
    item = arranged(client, auth, world, sent, online_link="https://meet.example.org/debrief")
    switch(auth, world["member"].email)
    page = text(client.get(f"/debriefs/mine/{item.id}"))
    assert item.reference in page and "You asked for this debrief" in page
    for shown in ("Serious violence resulting in significant injury", "Mornings suit; step-free access please",
                  (today_uk() - dt.timedelta(days=3)).strftime("%-d %B %Y"), "Assessment North", "Ivy Involved",
                  "sam.jones@nhs.example", "Community health", "Offer of a session due by", "Session due by",
                  "Gita Good", "Room 2, Civic Centre", "https://meet.example.org/debrief", item.session.when,
                  f"/debriefs/mine/{item.id}/calendar.ics", "Withdraw request", "Ask for the change"):
        assert shown in page, shown

    switch(auth, world["involved"].email)
    page = text(client.get(f"/debriefs/mine/{item.id}"))
    assert "You are invited to this debrief" in page
    for shown in ("Gita Good", "Room 2, Civic Centre", "https://meet.example.org/debrief", "Kind of session",
                  f"/debriefs/mine/{item.id}/calendar.ics"):
        assert shown in page, shown
    for hidden in ("Mornings suit", "step-free", "Serious violence", "Mel Member", "sam.jones", "Community health",
                   "Withdraw request", "Ask for the change", "Date of the incident"):
        assert hidden not in page, hidden
    assert audit_count("debrief_own_viewed", item.id) == 2


def test_anyone_else_is_told_the_request_does_not_exist(client, auth, world, sent):
    item = arranged(client, auth, world, sent)
    for person in ("colleague", "manager", "good", "lead"):
        switch(auth, world[person].email)
        for path in (f"/debriefs/mine/{item.id}", f"/debriefs/mine/{item.id}/calendar.ics"):
            assert client.get(path).status_code == 404, (person, path)
        for action in ("withdraw", "change"):
            response = client.post(f"/debriefs/mine/{item.id}/{action}", data={"confirm": "y", "message": "x"})
            assert response.status_code == 404, (person, action)
        assert f"/debriefs/mine/{item.id}" not in text(client.get("/debriefs/mine"))
    assert fresh(item).status == "scheduled" and not fresh(item).change_asked
    assert audit_count("debrief_own_viewed", item.id) == 0


def test_the_dates_due_follow_an_agreed_later_date(client, auth, world):
    item = ask(client, auth, world)
    page = text(client.get(f"/debriefs/mine/{item.id}"))
    assert "Session due by" in page and "a later date agreed" not in page
    item.agreed_session_due = today_uk() + dt.timedelta(days=40)
    item.agreed_due_reason = "After the funeral"
    db.session.commit()
    page = text(client.get(f"/debriefs/mine/{item.id}"))
    assert item.agreed_session_due.strftime("%A %-d %B %Y") in page
    assert "a later date agreed with the people affected (After the funeral)" in page


def test_the_calendar_file_is_the_event_that_was_e_mailed(client, auth, world, sent):
    item = ask(client, auth, world)
    assert client.get(f"/debriefs/mine/{item.id}/calendar.ics").status_code == 404  # nothing arranged yet
    item = arranged(client, auth, world, sent)
    emailed = {m.to: invite_in(m, "REQUEST") for m in sent}
    for person in ("member", "involved"):
        switch(auth, world[person].email)
        response = client.get(f"/debriefs/mine/{item.id}/calendar.ics")
        assert response.status_code == 200
        assert response.mimetype == "text/calendar"
        assert re.search(r'attachment; filename="debrief-\d{4}-\d{2}-\d{2}\.ics"',
                         response.headers["Content-Disposition"])
        event = check(response.data, "REQUEST", world[person].email)
        assert "METHOD:REQUEST" in event.text
        assert (event.uid, event.sequence) == (emailed[world[person].email].uid, emailed[world[person].email].sequence)
        assert "Serious" not in event.text and "Mel Member" not in event.text.replace(world[person].name, "")
    assert audit_count("debrief_calendar_downloaded", item.id) == 2


# --- withdrawing ---------------------------------------------------------------------------------


def test_withdrawing_before_a_session_is_arranged(client, auth, world, sent):
    item = accepted(client, auth, world)
    switch(auth, world["member"].email)
    response = client.post(f"/debriefs/mine/{item.id}/withdraw", data={"reason": "Found support elsewhere"})
    assert response.status_code == 400  # not confirmed
    assert "Tick to confirm that you want to withdraw your request" in text(response)
    response = client.post(f"/debriefs/mine/{item.id}/withdraw", data={"reason": "x" * 1001, "confirm": "y"})
    assert response.status_code == 400 and "1000 characters or fewer" in text(response)
    assert fresh(item).status == "accepted"

    sent.clear()
    response = client.post(f"/debriefs/mine/{item.id}/withdraw",
                           data={"reason": "Found support elsewhere", "confirm": "y"}, follow_redirects=True)
    assert "Your request is withdrawn." in text(response)
    item = fresh(item)
    assert item.status == "withdrawn" and item.withdrawn_at is not None
    assert item.withdraw_reason == "Found support elsewhere" and item.session_id is None
    assert audit_count("debrief_withdrawn", item.id) == 1
    assert {m.to for m in sent} == {world["lead"].email}
    [told] = sent
    assert told.subject == "A debrief request has been withdrawn" and told.attachment is None
    assert f"/debriefs/{item.id}" in told.body and "Mel" not in told.body
    page = text(client.get(f"/debriefs/mine/{item.id}"))
    assert "You withdrew this request on" in page and "Found support elsewhere" in page
    assert "Withdraw request" not in page and "Ask for the change" not in page
    # Withdrawn is final: a second withdrawal is refused.
    response = client.post(f"/debriefs/mine/{item.id}/withdraw", data={"confirm": "y"})
    assert response.status_code == 409 and "can no longer be changed" in text(response)

    # The lead sees it withdrawn, and can no longer arrange it.
    switch(auth, world["lead"].email)
    page = text(client.get(f"/debriefs/{item.id}"))
    assert "Withdrawn by the person who asked" in page and "Found support elsewhere" in page
    assert "Choose a chair and arrange the session" not in page
    response = client.post(f"/debriefs/{item.id}/arrange",
                           data=arrange_form(world["good"], today_uk() + dt.timedelta(days=7)))
    assert response.status_code == 409
    assert fresh(item).session_id is None


def test_withdrawing_an_arranged_session_calls_it_off_for_everyone(client, auth, world, sent):
    item = arranged(client, auth, world, sent)
    emailed = {m.to: invite_in(m, "REQUEST") for m in sent}
    session_id, sequence = item.session_id, item.session.sequence
    item.manager_told = True  # Mel agreed that Max is told
    db.session.commit()

    switch(auth, world["involved"].email)  # invited, but did not ask
    assert client.post(f"/debriefs/mine/{item.id}/withdraw", data={"confirm": "y"}).status_code == 403

    switch(auth, world["member"].email)
    sent.clear()
    response = client.post(f"/debriefs/mine/{item.id}/withdraw", data={"confirm": "y"})
    assert response.status_code == 302
    item = fresh(item)
    session = db.session.get(ProgrammeSession, session_id)
    assert item.status == "withdrawn" and item.withdraw_reason == ""
    assert item.session_id == session_id  # kept, so the figures count the request once, by its session
    assert session.status == "cancelled" and session.cancelled_reason == "Withdrawn by the person who asked"
    assert session.sequence == sequence + 1 and session.requested_on == item.requested_on
    cancels = {m.to: invite_in(m, "CANCEL") for m in sent if m.attachment is not None}
    assert set(cancels) == set(emailed) == {world["member"].email, world["involved"].email,
                                            world["good"].email} | PARTNERS
    for address, cancel in cancels.items():
        assert cancel.uid == emailed[address].uid and cancel.sequence > emailed[address].sequence
    leads = [m for m in sent if m.to == world["lead"].email]
    assert len(leads) == 1 and "called off" in leads[0].body
    [manager] = [m for m in sent if m.to == world["manager"].email]
    assert "withdrawn" in manager.body
    for message in sent:
        assert "Mel" not in message.subject and "Gita" not in message.subject and "violence" not in message.body
    # Nothing is left to download, and the page says the session was called off.
    assert client.get(f"/debriefs/mine/{item.id}/calendar.ics").status_code == 404
    page = text(client.get("/debriefs/mine"))
    assert "Withdrawn" in page and "Called off" in page


def test_withdrawing_is_refused_once_the_session_has_started_or_been_delivered(client, auth, world, sent):
    item = arranged(client, auth, world, sent)
    item.session.starts_at = utcnow() - dt.timedelta(minutes=10)
    db.session.commit()
    switch(auth, world["member"].email)
    response = client.post(f"/debriefs/mine/{item.id}/withdraw", data={"confirm": "y"})
    assert response.status_code == 409 and "already started" in text(response)
    item = fresh(item)
    assert item.status == "scheduled" and item.session.status == "scheduled"

    log_session(item, world["good"], SessionLog(delivered=True, attendees=3, duration_minutes=90,
                                                closed_safe_uplifting=True))
    db.session.commit()
    sent.clear()
    response = client.post(f"/debriefs/mine/{item.id}/withdraw", data={"confirm": "y"})
    assert response.status_code == 409 and "can no longer be changed" in text(response)
    assert fresh(item).status == "delivered" and not sent
    response = client.post(f"/debriefs/mine/{item.id}/change", data={"message": "Another room"})
    assert response.status_code == 409
    page = text(client.get(f"/debriefs/mine/{item.id}"))
    assert "Withdraw request" not in page and "took place" in page


def test_a_withdrawn_request_is_offered_for_nothing_more(app, world):
    chair = world["good"]
    waiting = make_debrief_request(world["member"], manager=world["manager"])
    withdraw_request(waiting, world["member"], "")
    for attempt in (lambda: accept_request(waiting, world["lead"]),
                    lambda: decline_request(waiting, world["lead"], "No longer needed"),
                    lambda: arrange_session(waiting, Arrangement(chair, today_uk() + dt.timedelta(days=7),
                                                                 dt.time(10), 90, "group", "Room 2")),
                    lambda: log_session(waiting, world["lead"], SessionLog(delivered=False, not_delivered_reason="x")),
                    lambda: record_follow_up(waiting, "done")):
        with pytest.raises(Conflict):
            attempt()
    arranged_item = make_debrief_request(world["colleague"], manager=world["manager"])
    accept_request(arranged_item, world["lead"])
    arrange_session(arranged_item, Arrangement(chair, today_uk() + dt.timedelta(days=7), dt.time(10), 90, "group",
                                               "Room 2"))
    withdraw_request(arranged_item, world["colleague"], "")
    with pytest.raises(Conflict):
        arrange_session(arranged_item, Arrangement(chair, today_uk() + dt.timedelta(days=8), dt.time(10), 90,
                                                   "group", "Room 2"))
    with pytest.raises(Conflict):
        log_session(arranged_item, chair, SessionLog(delivered=True, attendees=2, duration_minutes=60))
    db.session.rollback()


# --- asking to change -----------------------------------------------------------------------------


def test_asking_for_a_change_tells_the_leads_and_chair_and_a_lead_marks_it_dealt_with(client, auth, world, sent):
    item = arranged(client, auth, world, sent)
    switch(auth, world["member"].email)
    response = client.post(f"/debriefs/mine/{item.id}/change", data={"message": "   "})
    assert response.status_code == 400 and "Say what you would like changed" in text(response)
    response = client.post(f"/debriefs/mine/{item.id}/change", data={"message": "x" * 1001})
    assert response.status_code == 400 and "1000 characters or fewer" in text(response)
    switch(auth, world["involved"].email)
    assert client.post(f"/debriefs/mine/{item.id}/change", data={"message": "Later"}).status_code == 403
    assert not fresh(item).change_asked

    switch(auth, world["member"].email)
    sent.clear()
    response = client.post(f"/debriefs/mine/{item.id}/change",
                           data={"message": "Could it start at 11:00? Step-free room please"}, follow_redirects=True)
    assert "We have told the programme leads" in text(response)
    assert "Could it start at 11:00?" in text(response)
    item = fresh(item)
    assert item.change_asked == "Could it start at 11:00? Step-free room please" and item.change_asked_at
    assert audit_count("debrief_change_asked", item.id) == 1
    assert {m.to for m in sent} == {world["lead"].email, world["good"].email}
    for message in sent:
        assert message.subject == "A change to a debrief has been asked for"
        assert f"/debriefs/{item.id}" in message.body and "Mel" not in message.body

    # The chair sees the change; only a lead marks it dealt with.
    switch(auth, world["good"].email)
    page = text(client.get(f"/debriefs/{item.id}"))
    assert "Could it start at 11:00?" in page and "Mark as dealt with" not in page
    assert client.post(f"/debriefs/{item.id}/change-dealt-with").status_code == 403
    switch(auth, world["lead"].email)
    page = text(client.get(f"/debriefs/{item.id}"))
    assert "Could it start at 11:00?" in page and "Mark as dealt with" in page
    response = client.post(f"/debriefs/{item.id}/change-dealt-with", follow_redirects=True)
    assert "marked as dealt with" in text(response) and "Could it start at 11:00?" not in text(response)
    item = fresh(item)
    assert item.change_asked == "" and item.change_asked_at is None
    assert audit_count("debrief_change_dealt_with", item.id) == 1
    assert client.post(f"/debriefs/{item.id}/change-dealt-with").status_code == 409  # nothing waiting


# --- the figures -------------------------------------------------------------------------------


def test_a_withdrawn_request_counts_once_and_its_called_off_session_as_cancelled(app, runner, world):
    def figures() -> dict:
        today = today_uk()
        result = runner.invoke(args=["metrics", "--start", today.isoformat(),
                                     "--end", (today + dt.timedelta(days=30)).isoformat()])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    waiting = make_debrief_request(world["member"], manager=world["manager"])
    db.session.commit()
    assert (figures()["debrief_requests"], figures()["sessions_cancelled"]) == (1, 0)
    withdraw_request(waiting, world["member"], "")
    db.session.commit()
    assert (figures()["debrief_requests"], figures()["sessions_cancelled"]) == (1, 0)

    arranged_item = make_debrief_request(world["colleague"], manager=world["manager"])
    accept_request(arranged_item, world["lead"])
    arrange_session(arranged_item, Arrangement(world["good"], today_uk() + dt.timedelta(days=7), dt.time(10), 90,
                                               "group", "Room 2"))
    db.session.commit()
    assert (figures()["debrief_requests"], figures()["sessions_cancelled"]) == (2, 0)
    withdraw_request(arranged_item, world["colleague"], "Not needed now")
    db.session.commit()
    after = figures()
    assert (after["debrief_requests"], after["sessions_cancelled"]) == (2, 1)
    assert after["debriefs_delivered"] == 0


def test_the_forms_carry_their_own_csrf_tokens_and_work_with_protection_on(make_app, world):
    """As in production: each form on the page has its token (with its own id), and withdrawing works."""
    item = make_debrief_request(world["member"], manager=world["manager"])
    db.session.commit()
    app = make_app(WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False)
    with app.app_context():
        client = app.test_client()
        page = text(client.get("/sign-in"))
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        assert client.post("/sign-in", data={"csrf_token": token, "email": world["member"].email,
                                             "password": PASSWORD}).status_code == 302
        page = text(client.get(f"/debriefs/mine/{item.id}"))
        assert 'id="withdraw-csrf-token"' in page and 'id="change-csrf-token"' in page
        token = page.split('id="withdraw-csrf-token" name="csrf_token" type="hidden" value="')[1].split('"')[0]
        assert client.post(f"/debriefs/mine/{item.id}/withdraw", data={"confirm": "y"}).status_code == 400
        response = client.post(f"/debriefs/mine/{item.id}/withdraw", data={"csrf_token": token, "confirm": "y"})
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(DebriefRequest, item.id).status == "withdrawn"
