"""One small programme with a record of every kind, for tests that walk every route as every role.

Two teams and one person of each role; a supervision series and its sessions, bookings (one of them
someone else's), two debrief requests (one chaired by the facilitator), a learning point, a calendar
feed and an API token for each person. ``url_values`` gives the address arguments of every endpoint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from programme.debriefs.chairs import Arrangement, arrange_session
from programme.debriefs.models import DebriefRequest
from programme.debriefs.triage import accept_request
from programme.learning.operations import add_learning_point
from programme.models import Booking, ProgrammeSession
from programme.support.models import SupportReferral
from programme.support.operations import ServiceDetails, add_service
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import hash_secret
from rosters.services import create_token
from tests.factories import (
    PASSWORD,
    make_booking,
    make_debrief_request,
    make_person,
    make_pulse,
    make_series,
    make_session,
    make_team,
    make_training,
)

ROLES = ("anonymous", "member", "manager", "facilitator", "lead")
FEED_SECRET = "feed-secret-for-the-access-test-0123456789"


@dataclass
class World:
    north: Any
    south: Any
    people: dict[str, Any]
    stranger: Any
    other_facilitator: Any
    series: Any
    north_session: ProgrammeSession
    south_session: ProgrammeSession
    others_session: ProgrammeSession
    debrief_session: ProgrammeSession
    my_booking: Booking
    strangers_booking: Booking
    chaired: DebriefRequest
    unchaired: DebriefRequest
    point: Any
    tokens: dict[str, str] = field(default_factory=dict)
    questionnaire: Any = None  # an uploaded questionnaire (the test-only example)
    pulse: Any = None  # a pulse of it for the north team, not open yet
    service: Any = None  # a further-support service on the lead's list
    referral: Any = None  # an accepted referral on ``chaired``, waiting for a lead's follow-up


def url_values(world: World) -> dict[str, Callable[[], dict[str, Any]]]:
    """The address arguments each endpoint is walked with."""
    return {
        "static": lambda: {"filename": "app.css"},
        "supervision.feed": lambda: {"secret": FEED_SECRET},
        "supervision.session_ics": lambda: {"session_id": world.north_session.id},
        "supervision.book": lambda: {"session_id": world.north_session.id},
        "supervision.cancel": lambda: {"booking_id": world.my_booking.id},
        "debriefs.request_sent": lambda: {"request_id": world.chaired.id},
        "debriefs.show_request": lambda: {"request_id": world.chaired.id},
        "debriefs.accept": lambda: {"request_id": world.chaired.id},
        "debriefs.decline": lambda: {"request_id": world.chaired.id},
        "debriefs.arrange": lambda: {"request_id": world.chaired.id},
        "debriefs.timing": lambda: {"request_id": world.chaired.id},
        "debriefs.log_session": lambda: {"request_id": world.chaired.id},
        "debriefs.follow_up": lambda: {"request_id": world.chaired.id},
        "debriefs.my_request": lambda: {"request_id": world.chaired.id},
        "debriefs.my_calendar": lambda: {"request_id": world.chaired.id},
        "debriefs.withdraw": lambda: {"request_id": world.chaired.id},
        "debriefs.ask_for_change": lambda: {"request_id": world.chaired.id},
        "debriefs.change_dealt_with": lambda: {"request_id": world.chaired.id},
        "debriefs.team_debrief": lambda: {"request_id": world.chaired.id},
        "debriefs.support_debrief": lambda: {"request_id": world.chaired.id},
        "debriefs.invite_colleagues": lambda: {"request_id": world.chaired.id},
        "debriefs.open_follow_up": lambda: {"request_id": world.chaired.id},
        "learning.advance": lambda: {"point_id": world.point.id},
        "learning.edit_point": lambda: {"point_id": world.point.id},
        "learning.reject_point": lambda: {"point_id": world.point.id},
        "learning.move_back": lambda: {"point_id": world.point.id},
        "supervision.session_bookings": lambda: {"session_id": world.north_session.id},
        "supervision.remove_booking": lambda: {"booking_id": world.strangers_booking.id},
        "api.remove_booking": lambda: {"booking_id": world.my_booking.id},
        "reports.export": lambda: {"fmt": "csv"},
        "rosters.import_template": lambda: {"kind": "sessions"},
        "rosters.retry_message": lambda: {"message_id": 999_999},  # no failed e-mail has this number
        "supervision.show_series": lambda: {"series_id": world.series.id},
        "supervision.edit_series": lambda: {"series_id": world.series.id},
        "supervision.edit_session": lambda: {"session_id": world.north_session.id},
        "supervision.cancel_session": lambda: {"session_id": world.north_session.id},
        "supervision.take_register": lambda: {"session_id": world.north_session.id},
        "privacy.person": lambda: {"person_id": world.stranger.id},
        "privacy.export": lambda: {"person_id": world.stranger.id},
        "privacy.erase": lambda: {"person_id": world.stranger.id},
        "privacy.person_hold": lambda: {"person_id": world.stranger.id},
        "privacy.debrief_hold": lambda: {"request_id": world.chaired.id},
        "api.create_booking": lambda: {"slot_id": world.north_session.id},
        "api.pulse_results_api": lambda: {"pulse_id": world.pulse.id},
        "evaluation.show_questionnaire": lambda: {"questionnaire_id": world.questionnaire.id},
        "evaluation.retire": lambda: {"questionnaire_id": world.questionnaire.id},
        "evaluation.show_pulse": lambda: {"pulse_id": world.pulse.id},
        "evaluation.cancel": lambda: {"pulse_id": world.pulse.id},
        "evaluation.respond": lambda: {"token": "not-a-real-link"},
        "people.show_person": lambda: {"person_id": world.stranger.id},
        "people.edit_person": lambda: {"person_id": world.stranger.id},
        "people.deactivate": lambda: {"person_id": world.stranger.id},
        "people.reactivate": lambda: {"person_id": world.stranger.id},
        "people.send_password_link": lambda: {"person_id": world.stranger.id},
        "people.set_password": lambda: {"token": "not-a-real-link"},
        "api.delete_booking": lambda: {"booking_id": world.my_booking.id},
        "support.edit_service": lambda: {"service_id": world.service.id},
        "support.service_active": lambda: {"service_id": world.service.id},
        "support.referrals": lambda: {"request_id": world.chaired.id},
        "support.followed_up": lambda: {"referral_id": world.referral.id},
    }


def build_world() -> World:
    """Two teams and one person of each role; a record of every kind, some of them other people's."""
    north, south = make_team(name="Assessment North"), make_team(name="Fostering South")
    people = {
        "member": make_person(name="Mel Member", team=north),
        "manager": make_person(name="Max Manager", role="manager", team=north),
        "facilitator": make_person(name="Fay Facilitator", role="facilitator", team=south),
        "lead": make_person(name="Pat Lead", role="lead"),
    }
    stranger = make_person(name="Sid Stranger", team=south)
    other_facilitator = make_person(name="Oli Other", role="facilitator")
    for person in (people["facilitator"], other_facilitator):
        make_training(person=person, course="peer_supervision", completed_on=dt.date(2024, 1, 1))
        make_training(person=person, course="critical_incident_debrief", completed_on=dt.date(2024, 1, 1))
    people["member"].calendar_token_hash = hash_secret(FEED_SECRET)

    today = today_uk()
    first = today + dt.timedelta(days=14)
    series = make_series(team=north, facilitator=people["facilitator"], interval_weeks=2, first_date=first,
                         location="Room 1")
    north_session = series.sessions[0]
    south_session = make_session(team=south, status="scheduled", date=first, capacity=8,
                                 facilitator=other_facilitator, starts_at=north_session.starts_at)
    others_session = make_session(team=north, status="scheduled", date=first + dt.timedelta(days=1), capacity=8,
                                  facilitator=other_facilitator,
                                  starts_at=north_session.starts_at + dt.timedelta(days=1))
    my_booking = make_booking(north_session, people["member"])
    strangers_booking = make_booking(south_session, stranger)

    chaired = make_debrief_request(people["member"], incident_date=today - dt.timedelta(days=2),
                                   manager=people["manager"], affected_teams=[north])
    accept_request(chaired, people["lead"])
    debrief_session = arrange_session(chaired, Arrangement(
        facilitator=people["facilitator"], day=today + dt.timedelta(days=3), start=dt.time(14, 0),
        duration_minutes=60, format="group", location="Room 2"))
    unchaired = make_debrief_request(stranger, incident_category="other", preferred_format="either",
                                     manager=people["manager"], affected_teams=[south])
    point = add_learning_point("Handover notes help after out-of-hours incidents", "", people["lead"])
    tokens = {role: create_token(person.email) for role, person in people.items()}
    tokens["stranger"] = create_token(stranger.email)
    pulse = make_pulse(teams=[north], opens_on=today + dt.timedelta(days=30), by=people["lead"])
    questionnaire = pulse.questionnaire
    service = add_service(ServiceDetails("Employee assistance programme", "employee_assistance",
                                         "0000 000 0000, any time"), people["lead"])
    # Stored directly: the session is still to come, and the operation records referrals only once it starts.
    referral = SupportReferral(request=chaired, invitation=chaired.invitations[0], service=service,
                               outcome="accepted", consent_to_share=True, offered_by=people["facilitator"])
    db.session.add(referral)
    db.session.commit()
    return World(north, south, people, stranger, other_facilitator, series, north_session, south_session,
                 others_session, debrief_session, my_booking, strangers_booking, chaired, unchaired, point, tokens,
                 questionnaire, pulse, service=service, referral=referral)


def signed_in(app: Flask, world: World, role: str) -> FlaskClient:
    client = app.test_client()
    if role != "anonymous":
        response = client.post("/sign-in", data={"email": world.people[role].email, "password": PASSWORD})
        assert response.status_code == 302, f"{role} could not sign in"
    return client


def rules(app: Flask):
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.endpoint, rule.rule))


def methods_of(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def build_url(app: Flask, world: World, rule, **override) -> str:
    values = url_values(world)
    arguments = dict(values[rule.endpoint]()) if rule.endpoint in values else {}
    arguments.update(override)
    missing = set(rule.arguments) - set(arguments)
    assert not missing, f"{rule.rule}: add the arguments {sorted(missing)} for {rule.endpoint} to url_values()"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{k: v for k, v in arguments.items() if k in rule.arguments})
