"""Debrief services: working-day clocks, asking, an independent chair, arranging, the log, follow-up, figures."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from programme.dates import working_days_after
from programme.debriefs.asking import DebriefAsk, request_debrief
from programme.debriefs.chairs import Arrangement, arrange_session, chair_options
from programme.debriefs.log import SessionLog, log_session, record_follow_up
from programme.debriefs.models import DebriefRequest
from programme.debriefs.triage import accept_request, deadlines, decline_request
from programme.errors import Conflict, NotAllowed, ProgrammeError
from programme.learning.operations import DEFAULT_FORUM, add_learning_point, advance_learning_point
from programme.models import LearningPoint, ProgrammeSession
from rosters.clock import local_to_utc, today_uk
from rosters.extensions import db
from tests.factories import make_facilitator, make_person, make_session, make_team, make_training
from tests.moments import A_MONDAY, uk

TODAY = A_MONDAY
# The services read the one clock: it stands at 09:00 on TODAY unless a test moves it with ``uk_today``.
pytestmark = pytest.mark.time_machine(uk(TODAY), tick=False)


@pytest.fixture
def uk_today(time_machine):
    """Move the clock to 09:00 UK time on a day (arranging refuses dates before it, logging ones after it)."""

    def set_day(day: dt.date) -> None:
        time_machine.move_to(uk(day))

    return set_day


def practitioner(team=None, **fields):
    """A team member and their line manager."""
    team = team or make_team()
    manager = make_person(role="manager", team=team)
    return make_person(team=team, **fields), manager


def ask(manager=None, incident_date: dt.date = TODAY - dt.timedelta(days=2), **fields) -> DebriefAsk:
    fields.setdefault("incident_category", "serious_violence")
    fields.setdefault("preferred_format", "group")
    return DebriefAsk(incident_date=incident_date, manager=manager, **fields)


def chair(name: str = "", **fields):
    """A facilitator with critical-incident debrief training, in a team of their own."""
    if name:
        fields["name"] = name
    fields.setdefault("team", make_team())
    return make_facilitator("critical_incident_debrief", **fields)


def accepted_request(**fields) -> DebriefRequest:
    """A request made and accepted today, whatever day the clock says."""
    member, manager = practitioner()
    lead = make_person(role="lead")
    yesterday = today_uk() - dt.timedelta(days=1)
    request = request_debrief(member, ask(manager, incident_date=yesterday, **fields))
    accept_request(request, lead)
    return request


def plan(facilitator, day: dt.date, **fields) -> Arrangement:
    fields.setdefault("start", dt.time(10, 0))
    fields.setdefault("duration_minutes", 90)
    fields.setdefault("format", "group")
    fields.setdefault("location", "Room 2, Civic Centre")
    return Arrangement(facilitator=facilitator, day=day, **fields)


def messages(excinfo: pytest.ExceptionInfo) -> str:
    return str(excinfo.value)


# --- working days and deadlines ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (dt.date(2026, 11, 23), 3, dt.date(2026, 11, 26)),  # Monday -> Thursday
        (dt.date(2026, 11, 26), 3, dt.date(2026, 12, 1)),  # Thursday -> over the weekend to Tuesday
        (dt.date(2026, 11, 28), 1, dt.date(2026, 11, 30)),  # asked on a Saturday: Monday is the first day
        (dt.date(2026, 11, 23), 10, dt.date(2026, 12, 7)),  # two whole weeks
        # Christmas 2026: Fri 25 Dec, Sat 26 (Boxing Day), Mon 28 Dec (Boxing Day observed) are closed.
        (dt.date(2026, 12, 24), 1, dt.date(2026, 12, 29)),
        (dt.date(2026, 12, 24), 3, dt.date(2026, 12, 31)),
        # ... then New Year's Day (Fri 1 Jan 2027) too: 29, 30, 31 Dec, 4, 5, 6, 7, 8, 11, 12 Jan.
        (dt.date(2026, 12, 24), 10, dt.date(2027, 1, 12)),
        # Easter 2027: Good Friday 26 March and Easter Monday 29 March.
        (dt.date(2027, 3, 25), 1, dt.date(2027, 3, 30)),
        (dt.date(2027, 3, 25), 0, dt.date(2027, 3, 25)),
    ],
)
def test_working_days_skip_weekends_and_england_and_wales_bank_holidays(start, days, expected):
    assert working_days_after(start, days) == expected


def deadlines_on(request: DebriefRequest, day: dt.date, uk_today):
    uk_today(day)
    return deadlines(request)


def test_offer_is_overdue_only_after_three_working_days_without_an_offer(app, uk_today):
    member, manager = practitioner()
    uk_today(dt.date(2026, 12, 24))
    request = request_debrief(member, ask(manager, incident_date=dt.date(2026, 12, 23)))
    due = deadlines_on(request, dt.date(2026, 12, 31), uk_today)
    assert (due.offer_due, due.session_due) == (dt.date(2026, 12, 31), dt.date(2027, 1, 12))
    assert not due.offer_overdue  # the due day itself is still in time
    assert not due.session_overdue
    assert deadlines_on(request, dt.date(2027, 1, 4), uk_today).offer_overdue

    accept_request(request, make_person(role="lead"))
    assert deadlines(request).offer_overdue  # accepting is not an offer
    arrange_session(request, plan(chair(), dt.date(2027, 1, 7)))
    assert not deadlines_on(request, dt.date(2027, 1, 5), uk_today).offer_overdue


def test_session_is_overdue_after_ten_working_days_or_when_arranged_too_late(app, uk_today):
    member, manager = practitioner()
    uk_today(dt.date(2026, 12, 24))
    request = request_debrief(member, ask(manager, incident_date=dt.date(2026, 12, 23)))
    assert not deadlines_on(request, dt.date(2027, 1, 12), uk_today).session_overdue
    assert deadlines_on(request, dt.date(2027, 1, 13), uk_today).session_overdue

    accept_request(request, make_person(role="lead"))
    uk_today(dt.date(2027, 1, 5))
    arrange_session(request, plan(chair(), dt.date(2027, 1, 14)))  # after the due date of 12 January
    assert deadlines(request).session_overdue
    arrange_session(request, plan(request.facilitator, dt.date(2027, 1, 11)))  # moved within the time
    assert not deadlines(request).session_overdue


def test_deadlines_follow_the_configured_working_days(app):
    app.config.update(DEBRIEF_OFFER_WORKING_DAYS=1, DEBRIEF_SESSION_WORKING_DAYS=5)
    member, manager = practitioner()
    request = request_debrief(member, ask(manager))
    due = deadlines(request)
    assert (due.offer_due, due.session_due) == (dt.date(2026, 11, 24), dt.date(2026, 11, 30))


# --- asking -----------------------------------------------------------------------------------


def test_a_practitioner_request_is_stored_with_clocks_starting_today(app):
    team = make_team(name="Assessment East")
    member, manager = practitioner(team)
    request = request_debrief(member, ask(manager, arrangements="  Afternoons please  "))
    assert request.id is not None
    assert (request.status, request.requested_on, request.requested_by, request.manager) == (
        "requested", TODAY, member, manager
    )
    assert request.affected_teams == [team]  # the asker's team when none is named
    assert request.arrangements == "Afternoons please"


def test_a_future_incident_date_is_refused(app):
    member, manager = practitioner()
    with pytest.raises(ProgrammeError) as excinfo:
        request_debrief(member, ask(manager, incident_date=TODAY + dt.timedelta(days=1)))
    assert "today or in the past" in messages(excinfo)
    request_debrief(member, ask(manager, incident_date=TODAY))  # today itself is fine


def test_a_member_must_name_their_manager_but_a_manager_may_ask_directly(app):
    member, manager = practitioner()
    with pytest.raises(ProgrammeError) as excinfo:
        request_debrief(member, ask(None))
    assert "Name your manager" in messages(excinfo)
    request = request_debrief(manager, ask(None))
    assert request.manager is None


@pytest.mark.parametrize("role", ["member", "facilitator"])
def test_the_named_manager_must_be_a_manager(app, role):
    member, _ = practitioner()
    not_a_manager = make_person(role=role, name="Pat Colleague")
    with pytest.raises(ProgrammeError) as excinfo:
        request_debrief(member, ask(not_a_manager))
    assert "Pat Colleague is not a manager" in messages(excinfo)


def test_bad_choices_and_external_e_mails_are_all_reported_together(app):
    member, manager = practitioner()
    bad = ask(manager, incident_category="burglary", preferred_format="phone",
              invite_emails=[("not-an-address", "Police"), ("a@b", "Health")])
    with pytest.raises(ProgrammeError) as excinfo:
        request_debrief(member, bad)
    problems = messages(excinfo).splitlines()
    assert "Choose the kind of incident" in problems
    assert "Choose individual, group or either" in problems
    assert "'not-an-address' is not an e-mail address" in problems
    assert "'a@b' is not an e-mail address" in problems
    assert db.session.scalar(db.select(db.func.count()).select_from(DebriefRequest)) == 0


def test_invitations_always_include_the_requester_once_and_are_de_duplicated(app):
    member, manager = practitioner()
    colleague = make_person(team=member.team)
    request = request_debrief(
        member,
        ask(manager,
            invite_people=[colleague, member, colleague],
            invite_emails=[("Partner@Police.example", "Police"), ("partner@police.example", "Police"),
                           (member.email.upper(), ""), (colleague.email, "")]),
    )
    addresses = [invitation.address for invitation in request.invitations]
    assert addresses == [member.email, colleague.email, "partner@police.example"]
    assert request.invitations[0].person == member
    assert request.invitations[2].agency == "Police"

    alone = request_debrief(member, ask(manager))
    assert [i.person for i in alone.invitations] == [member]


# --- an independent, trained chair ------------------------------------------------------------


def test_chair_options_give_every_reason_someone_cannot_chair(app):
    affected = make_team(name="Children in Care 1")
    member = make_person(team=affected)
    manager = make_person(role="manager", team=make_team())  # manages from another team, to test one reason
    make_training(person=member)  # trained, but asked for it
    make_training(person=manager)  # trained, but the line manager
    chair("Tess Teammate", team=affected)
    involved = chair("Ivy Involved")
    independent = chair("Ines Independent")
    lapsed = chair("Len Lapsed", expires_on=TODAY)
    too_new = chair("Nia New", completed_on=TODAY + dt.timedelta(days=5))
    make_person(role="facilitator", name="Una Untrained")
    request = request_debrief(member, ask(manager, involved=[involved]))

    day = TODAY + dt.timedelta(days=3)
    options = {option.person.name: option for option in chair_options(request, day)}
    assert "Una Untrained" not in options
    assert options["Ines Independent"].eligible
    assert options[member.name].reasons == ("asked for this debrief", "works in an affected team")
    assert options[manager.name].reasons == ("is the line manager of the person who asked",)
    assert options["Tess Teammate"].reasons == ("works in an affected team",)
    assert options["Ivy Involved"].reasons == ("declared as involved in the case",)
    assert options["Len Lapsed"].reasons == (f"no valid debrief training on {day:%-d %B %Y}",)
    assert options["Nia New"].reasons == (f"no valid debrief training on {day:%-d %B %Y}",)
    # Training is judged on the session's day, not today.
    assert next(o for o in chair_options(request, TODAY) if o.person == lapsed).eligible
    assert next(o for o in chair_options(request, TODAY + dt.timedelta(days=5)) if o.person == too_new).eligible
    assert independent in [o.person for o in chair_options(request, day) if o.eligible]


def test_chair_options_put_the_least_loaded_first_and_respect_the_monthly_cap(app):
    app.config["DEBRIEF_MONTHLY_CAP"] = 2
    request = accepted_request()
    busy, quiet, full = chair("Bea Busy"), chair("Quinn Quiet"), chair("Fay Full")
    day = dt.date(2026, 12, 15)
    for facilitator, days in ((busy, [1]), (full, [2, 30]), (quiet, [])):
        for day_of_month in days:
            make_session(kind="debrief", format="individual", status="scheduled", facilitator=facilitator,
                         date=dt.date(2026, 12, day_of_month), incident_category="other")
    # Cancelled debriefs, other months and supervision do not count.
    make_session(kind="debrief", format="individual", status="cancelled", facilitator=quiet,
                 date=dt.date(2026, 12, 3), incident_category="other")
    make_session(kind="debrief", format="individual", status="delivered", facilitator=quiet,
                 date=dt.date(2026, 11, 30), incident_category="other")
    make_session(kind="supervision", status="scheduled", facilitator=quiet, date=dt.date(2026, 12, 4))

    options = chair_options(request, day)
    assert [(o.person.name, o.load, o.eligible) for o in options] == [
        ("Quinn Quiet", 0, True),
        ("Bea Busy", 1, True),
        ("Fay Full", 2, False),
    ]
    assert options[2].reasons == ("already chairs 2 debriefs that month (the limit is 2)",)
    # In January everyone starts again.
    assert all(o.eligible and o.load == 0 for o in chair_options(request, dt.date(2027, 1, 5)))


def test_arranging_refuses_a_chair_who_is_not_independent_or_over_the_cap(app):
    app.config["DEBRIEF_MONTHLY_CAP"] = 1
    request = accepted_request()
    with pytest.raises(ProgrammeError) as excinfo:
        arrange_session(request, plan(request.manager, TODAY + dt.timedelta(days=2)))
    assert "has no critical-incident debrief training" in messages(excinfo)
    make_training(person=request.manager)
    with pytest.raises(ProgrammeError) as excinfo:
        arrange_session(request, plan(request.manager, TODAY + dt.timedelta(days=2)))
    assert "cannot chair this debrief: works in an affected team; is the line manager" in messages(excinfo)

    full = chair("Fay Full")
    make_session(kind="debrief", format="individual", status="scheduled", facilitator=full,
                 date=TODAY + dt.timedelta(days=1), incident_category="other")
    with pytest.raises(ProgrammeError) as excinfo:
        arrange_session(request, plan(full, TODAY + dt.timedelta(days=2)))
    assert "already chairs 1 debriefs that month" in messages(excinfo)
    # Moving one's own arranged debrief within the month does not count against the cap.
    session = arrange_session(request, plan(chair(), TODAY + dt.timedelta(days=2)))
    again = arrange_session(request, plan(session.facilitator, TODAY + dt.timedelta(days=3)))
    assert again.id == session.id


# --- arranging, logging and following up ------------------------------------------------------


def test_arranging_creates_a_debrief_session_with_the_request_details(app, uk_today):
    uk_today(dt.date(2026, 6, 1))
    team = make_team(name="Fostering West")
    member, manager = practitioner(team)
    request = request_debrief(member, ask(manager, incident_date=dt.date(2026, 5, 28), incident_category="murder"))
    with pytest.raises(Conflict):
        arrange_session(request, plan(chair(), dt.date(2026, 6, 5)))  # not accepted yet
    accept_request(request, make_person(role="lead"))
    facilitator = chair("Chris Chair")
    with pytest.raises(ProgrammeError) as excinfo:
        arrange_session(request, plan(facilitator, dt.date(2026, 5, 30), location="", duration_minutes=5))
    problems = messages(excinfo).splitlines()
    assert "The session date must be today or later" in problems
    assert "Give a place or an online link" in problems
    assert "The length must be between 15 and 480 minutes" in problems

    session = arrange_session(request, plan(facilitator, dt.date(2026, 6, 5), format="individual",
                                            start=dt.time(14, 0), duration_minutes=60))
    db.session.commit()
    stored = db.session.get(ProgrammeSession, session.id)
    assert (stored.kind, stored.status, stored.format, stored.team, stored.date) == (
        "debrief", "scheduled", "individual", team, dt.date(2026, 6, 5)
    )
    assert stored.starts_at == local_to_utc(dt.date(2026, 6, 5), dt.time(14, 0))
    assert (stored.requested_on, stored.incident_category, stored.facilitator) == (
        dt.date(2026, 6, 1), "murder", facilitator
    )
    assert (request.status, request.facilitator, request.session) == ("scheduled", facilitator, stored)
    assert request.offered_at is not None
    assert all(invitation.invited_at is not None for invitation in request.invitations)


def scheduled_in_june(uk_today, **fields) -> DebriefRequest:
    """A request accepted on 1 June 2026 with a session on 10 June; the clock then stands on 11 June."""
    uk_today(dt.date(2026, 6, 1))
    request = accepted_request(**fields)
    arrange_session(request, plan(chair("Chris Chair"), dt.date(2026, 6, 10), format=fields.get("preferred_format",
                                                                                                "group")))
    uk_today(dt.date(2026, 6, 11))
    return request


def test_a_delivered_session_sets_the_follow_up_and_stores_learning(app, uk_today):
    request = scheduled_in_june(uk_today)
    request.others_allowed = 4  # colleagues not named in the request
    facilitator = request.facilitator
    log = SessionLog(delivered=True, attendees=5, duration_minutes=75, closed_safe_uplifting=True,
                     signposted_eap=True, signposted_gp=True,
                     learning=["Out-of-hours teams need a named contact", "   "])
    log_session(request, facilitator, log)
    db.session.commit()

    session = request.session
    assert (session.status, session.attendees, session.duration_minutes) == ("delivered", 5, 75)
    assert request.status == "delivered"
    assert request.follow_up == "pending"
    assert request.follow_up_due_on == dt.date(2026, 6, 10) + dt.timedelta(days=app.config["FOLLOW_UP_DAYS"])
    assert (request.closed_safe_uplifting, request.signposted_eap, request.signposted_occupational_health,
            request.signposted_gp) == (True, True, False, True)
    [point] = db.session.scalars(db.select(LearningPoint)).all()
    assert (point.text, point.forum, point.status, point.request, point.created_by) == (
        "Out-of-hours teams need a named contact", DEFAULT_FORUM, "draft", request, facilitator
    )
    with pytest.raises(Conflict):
        log_session(request, facilitator, log)  # logged once


def test_the_follow_up_days_come_from_the_configuration(app, uk_today):
    app.config["FOLLOW_UP_DAYS"] = 35
    request = scheduled_in_june(uk_today)
    log_session(request, request.facilitator, SessionLog(delivered=True, attendees=1, duration_minutes=60,
                                                         closed_safe_uplifting=True))
    assert request.follow_up_due_on == dt.date(2026, 7, 15)


def test_a_session_that_did_not_go_ahead_returns_the_request_to_be_rearranged(app, uk_today):
    request = scheduled_in_june(uk_today)
    session = request.session
    lead = make_person(role="lead")
    with pytest.raises(ProgrammeError) as excinfo:
        log_session(request, lead, SessionLog(delivered=False))
    assert "Say why the session did not go ahead" in messages(excinfo)
    log_session(request, lead, SessionLog(delivered=False, not_delivered_reason="Chair unwell"))
    db.session.commit()
    assert (session.status, session.cancelled_reason) == ("cancelled", "Chair unwell")
    assert (request.status, request.session) == ("accepted", None)
    assert request.follow_up_due_on is None


def test_only_the_chair_or_a_lead_logs_and_a_delivered_log_needs_numbers(app, uk_today):
    request = scheduled_in_june(uk_today)
    other_chair = chair("Olly Other")
    with pytest.raises(NotAllowed):
        log_session(request, other_chair, SessionLog(delivered=True, attendees=3, duration_minutes=60))
    with pytest.raises(ProgrammeError) as excinfo:
        log_session(request, request.facilitator, SessionLog(delivered=True, attendees=0, duration_minutes=500))
    problems = messages(excinfo).splitlines()
    assert "Enter how many practitioners attended (1 or more)" in problems
    assert "Enter the length of the session in minutes (15 to 480)" in problems


def test_a_session_still_to_come_cannot_be_logged(app):
    request = accepted_request()
    arrange_session(request, plan(chair(), TODAY + dt.timedelta(days=7)))
    with pytest.raises(Conflict):
        log_session(request, request.facilitator, SessionLog(delivered=True, attendees=2, duration_minutes=60))


@pytest.mark.parametrize("outcome", ["done", "declined"])
def test_recording_the_follow_up_closes_the_request(app, uk_today, outcome):
    request = scheduled_in_june(uk_today)
    with pytest.raises(Conflict):
        record_follow_up(request, outcome)  # not delivered yet
    log_session(request, request.facilitator, SessionLog(delivered=True, attendees=1, duration_minutes=60,
                                                         closed_safe_uplifting=False))
    uk_today(request.follow_up_due_on)  # the follow-up opens on its due date
    with pytest.raises(ProgrammeError):
        record_follow_up(request, "maybe")
    record_follow_up(request, outcome)
    assert (request.status, request.follow_up) == ("closed", outcome)
    assert request.follow_up_recorded_at is not None
    with pytest.raises(Conflict):
        record_follow_up(request, outcome)


def test_a_delivered_debrief_counts_in_flask_metrics(app, runner, uk_today):
    individual = scheduled_in_june(uk_today, incident_category="threat_to_worker", preferred_format="individual")
    log_session(individual, individual.facilitator, SessionLog(delivered=True, attendees=1, duration_minutes=60,
                                                               closed_safe_uplifting=True))
    group = scheduled_in_june(uk_today, incident_category="threat_to_worker")
    log_session(group, group.facilitator, SessionLog(delivered=False, not_delivered_reason="Room flooded"))
    db.session.commit()

    result = runner.invoke(args=["metrics", "--start", "2026-06-01", "--end", "2026-06-30"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["debriefs_delivered"] == 1
    assert (figures["debriefs_individual"], figures["debriefs_group"]) == (1, 0)
    assert figures["debriefs_by_category"] == {
        "murder": 0, "abuse": 0, "serious_violence": 0, "threat_to_worker": 1, "other": 0
    }
    assert figures["median_days_request_to_debrief"] == 9  # asked 1 June, held 10 June
    assert figures["sessions_cancelled"] == 1


# --- learning points --------------------------------------------------------------------------


def test_learning_points_refuse_an_over_long_forum_rather_than_failing_in_the_database(app, uk_today):
    lead = make_person(role="lead")
    with pytest.raises(ProgrammeError) as excinfo:
        add_learning_point("A point", "f" * 201, lead)
    assert "200 characters or fewer" in messages(excinfo)
    request = scheduled_in_june(uk_today)
    with pytest.raises(ProgrammeError) as excinfo:
        log_session(request, lead, SessionLog(delivered=True, attendees=2, duration_minutes=60,
                                              learning=["A point"], forum="f" * 201))
    assert "200 characters or fewer" in messages(excinfo)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(LearningPoint)) == 0


def test_a_learning_point_is_trimmed_before_its_length_is_checked(app):
    lead = make_person(role="lead")
    item = add_learning_point("  " + "x" * 2000 + "\n", "", lead)
    assert (len(item.text), item.forum, item.status) == (2000, DEFAULT_FORUM, "draft")
    with pytest.raises(ProgrammeError):
        add_learning_point("x" * 2001, "", lead)


def test_learning_points_advance_in_order_and_stop_when_closed(app):
    item = add_learning_point("A point", "Health meeting", make_person(role="lead"))
    for expected in ("approved", "shared", "closed"):
        advance_learning_point(item, "Handbook updated")
        assert item.status == expected
    assert item.outcome == "Handbook updated"
    assert item.approved_at and item.shared_at and item.closed_at
    with pytest.raises(Conflict):
        advance_learning_point(item)


def test_over_long_invitation_details_are_refused_before_the_database_sees_them(app):
    member, manager = practitioner()
    with pytest.raises(ProgrammeError) as excinfo:
        request_debrief(member, ask(manager, invite_emails=[("a" * 320 + "@partner.example", ""),
                                                            ("ok@partner.example", "A" * 201)]))
    problems = messages(excinfo).splitlines()
    assert len(problems) == 2
    assert problems[0].endswith("is not an e-mail address")
    assert problems[1] == "The agency for ok@partner.example must be 200 characters or fewer"


def test_each_request_counts_once_in_debrief_requests_whatever_happens_to_its_sessions(app, runner, uk_today):
    uk_today(dt.date(2026, 6, 1))
    lead = make_person(role="lead")
    member, manager = practitioner()
    waiting = request_debrief(member, ask(manager, incident_date=dt.date(2026, 5, 30)))
    uk_today(dt.date(2026, 6, 2))
    declined = request_debrief(member, ask(manager, incident_date=dt.date(2026, 5, 30)))
    decline_request(declined, lead, "A team session is already planned")
    rearranged = scheduled_in_june(uk_today)  # asked 1 June, session 10 June; now 11 June
    log_session(rearranged, lead, SessionLog(delivered=False, not_delivered_reason="Chair unwell"))
    arrange_session(rearranged, plan(chair("Second Chair"), dt.date(2026, 6, 20)))
    db.session.commit()
    assert waiting.session is None

    result = runner.invoke(args=["metrics", "--start", "2026-06-01", "--end", "2026-06-30"])
    figures = json.loads(result.stdout)
    # Waiting, declined, and the re-arranged one (its cancelled first session no longer counts).
    assert figures["debrief_requests"] == 3
    assert figures["sessions_cancelled"] == 1


def test_learning_from_a_session_log_is_screened_and_may_be_confirmed(app, uk_today):
    request = scheduled_in_june(uk_today)
    facilitator = request.facilitator
    words = "The child (aged 4) at 12 Elm Road was known to us"
    request.others_allowed = 4
    log = SessionLog(delivered=True, attendees=5, duration_minutes=75, closed_safe_uplifting=True,
                     learning=["Out-of-hours teams need a named contact", "", words])
    with pytest.raises(ProgrammeError) as refused:
        log_session(request, facilitator, log)
    [problem] = refused.value.problems
    assert problem.field == "learning_3"
    assert "“aged 4” looks like an age" in problem.text and "“12 Elm Road” looks like an address" in problem.text
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(LearningPoint)) == 0

    log.learning_checked = True  # the chair has checked: it is saved as written
    log_session(request, facilitator, log)
    db.session.commit()
    assert sorted(db.session.scalars(db.select(LearningPoint.text))) == ["Out-of-hours teams need a named contact",
                                                                          words]
