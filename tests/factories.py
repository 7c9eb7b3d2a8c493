"""Test data builders: each fills sensible defaults with ``setdefault`` and flushes."""

from __future__ import annotations

import datetime as dt
import itertools

from programme.models import ProgrammeSession
from rosters.clock import local_to_utc
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
