"""Test data builders: each fills sensible defaults with ``setdefault`` and flushes.

Rows are made directly (agencies, teams, people, training, sessions) or through the real operations where
the rules matter (series, bookings, debrief requests), so that what a test builds is what a person could.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from programme.debriefs.asking import DebriefAsk, request_debrief
from programme.debriefs.models import DebriefRequest
from programme.evaluation.models import Pulse, Questionnaire
from programme.evaluation.pulses import create_pulse
from programme.evaluation.uploads import upload_questionnaire
from programme.models import Booking, ProgrammeSession, SupervisionSeries
from programme.supervision.places import book_place
from programme.supervision.series import SeriesRequest, create_series
from rosters.clock import local_to_utc, today_uk
from rosters.extensions import db
from rosters.models import Agency, Person, Team, TrainingRecord
from rosters.services import password_hasher

_numbers = itertools.count(1)
PASSWORD = "correct horse battery"
_PASSWORD_HASH = password_hasher.hash(PASSWORD)  # hashed once: argon2 is slow on purpose


def make_agency(**fields) -> Agency:
    fields.setdefault("name", f"Agency {next(_numbers)}")
    agency = Agency(**fields)
    db.session.add(agency)
    db.session.flush()
    return agency


def make_team(**fields) -> Team:
    fields.setdefault("name", f"Team {next(_numbers)}")
    fields.setdefault("service", "Assessment")
    if "agency" not in fields and "agency_id" not in fields:
        fields["agency"] = make_agency()
    fields.setdefault("active", True)
    team = Team(**fields)
    db.session.add(team)
    db.session.flush()
    return team


def make_person(*, password: bool = True, **fields) -> Person:
    number = next(_numbers)
    fields.setdefault("email", f"person{number}@example.org")
    fields.setdefault("name", f"Person {number}")
    fields.setdefault("role", "member")
    if password:
        fields.setdefault("password_hash", _PASSWORD_HASH)
    person = Person(**fields)
    db.session.add(person)
    db.session.flush()
    return person


def make_training(**fields) -> TrainingRecord:
    if "person" not in fields and "person_id" not in fields:
        fields["person"] = make_person()
    fields.setdefault("course", "critical_incident_debrief")
    fields.setdefault("completed_on", dt.date(2025, 1, 1))
    record = TrainingRecord(**fields)
    db.session.add(record)
    db.session.flush()
    return record


def make_session(**fields) -> ProgrammeSession:
    if "team" not in fields and "team_id" not in fields:
        fields["team"] = make_team()
    fields.setdefault("kind", "supervision")
    fields.setdefault("format", "group")
    fields.setdefault("date", dt.date(2025, 6, 10))
    fields.setdefault("starts_at", local_to_utc(fields["date"], dt.time(10, 0)))
    fields.setdefault("duration_minutes", 90)
    fields.setdefault("status", "delivered")
    if fields["status"] == "delivered":
        fields.setdefault("attendees", 6)
    if fields["status"] != "cancelled" and "facilitator" not in fields and "facilitator_id" not in fields:
        fields["facilitator"] = make_person(role="facilitator", password=False)
    session = ProgrammeSession(**fields)
    db.session.add(session)
    db.session.flush()
    return session


def make_facilitator(course: str = "peer_supervision", **fields) -> Person:
    """A facilitator trained on ``course`` (completed 1 January 2025 unless told; ``expires_on`` may be given)."""
    training = {key: fields.pop(key) for key in ("completed_on", "expires_on") if key in fields}
    training.setdefault("completed_on", dt.date(2025, 1, 1))
    fields.setdefault("role", "facilitator")
    person = make_person(**fields)
    make_training(person=person, course=course, **training)
    return person


def make_series(**fields) -> SupervisionSeries:
    """A weekly supervision series through the real operation: every date checked, sessions generated.

    The first date defaults to a fortnight from today and the series runs six weeks, on that weekday.
    """
    if "team" not in fields:
        fields["team"] = make_team()
    if "facilitator" not in fields:
        fields["facilitator"] = make_facilitator()
    fields.setdefault("first_date", today_uk() + dt.timedelta(days=14))
    fields.setdefault("last_date", fields["first_date"] + dt.timedelta(weeks=6))
    fields.setdefault("weekday", fields["first_date"].weekday())
    fields.setdefault("pattern", "every_n_weeks")
    fields.setdefault("interval_weeks", 1)
    fields.setdefault("start_time", dt.time(10, 0))
    fields.setdefault("duration_minutes", 90)
    fields.setdefault("capacity", 8)
    fields.setdefault("location", "Room 2, Civic Centre")
    return create_series(SeriesRequest(**fields))


def make_booking(session: ProgrammeSession, person: Person | None = None) -> Booking:
    """A place (or queue entry) on a session, booked as a person would; someone in the team by default."""
    return book_place(session.id, person or make_person(team=session.team))


def make_debrief_request(member: Person | None = None, **fields) -> DebriefRequest:
    """A debrief asked for today by a practitioner, naming their manager (both made when not given)."""
    if member is None:
        team = make_team()
        member = make_person(team=team)
        fields.setdefault("manager", make_person(role="manager", team=team))
    fields.setdefault("incident_date", today_uk() - dt.timedelta(days=1))
    fields.setdefault("incident_category", "serious_violence")
    fields.setdefault("preferred_format", "group")
    return request_debrief(member, DebriefAsk(**fields))


EXAMPLE_QUESTIONNAIRE = Path(__file__).resolve().parent / "programme" / "evaluation" / "data" / "work-wellbeing-test.json"


def make_questionnaire(path: Path = EXAMPLE_QUESTIONNAIRE) -> Questionnaire:
    """A questionnaire uploaded as a lead would (the test-only example by default)."""
    return upload_questionnaire(path.read_bytes()).questionnaire


def make_pulse(*, teams: list[Team], by: Person | None = None, **fields) -> Pulse:
    """A pulse created as a lead would (opening today unless told), for the example questionnaire."""
    questionnaire = fields.pop("questionnaire", None) or make_questionnaire()
    pulse, _links = create_pulse(fields.get("title", "Spring wellbeing pulse"), questionnaire.id,
                                 [team.id for team in teams], fields.get("opens_on", today_uk()),
                                 fields.get("days", 14), by or make_person(role="lead"))
    return pulse
