"""Spreadsheet import of historical or planned sessions (``flask import-csv sessions``)."""

from __future__ import annotations

from sqlalchemy import func

from programme.calendars import event_changed
from programme.models import (
    CATEGORY_VALUES,
    FORMAT_VALUES,
    KIND_VALUES,
    MAX_ATTENDEES,
    MAX_PLACES,
    STATUS_VALUES,
    IncidentCategory,
    Kind,
    ProgrammeSession,
    Status,
)
from programme.rules import LONGEST_MINUTES, SHORTEST_MINUTES
from rosters.clock import local_to_utc, uk_time_exists
from rosters.csv_import import (
    Importer,
    ImportResult,
    Row,
    apply_changes,
    date_rule,
    email_rule,
    listed_rule,
    register,
    text_rule,
    time_rule,
    whole_rule,
)
from rosters.extensions import db
from rosters.services import find_person, find_team

COLUMNS = (
    "ref", "kind", "format", "team", "date", "start", "duration_minutes", "facilitator_email",
    "status", "attendees", "requested_on", "incident_category", "capacity",
)
REQUIRED = ("ref", "kind", "format", "team", "date", "start", "duration_minutes", "facilitator_email", "status")
MAX_REF = 100
# No example rows in the template: every session row counts in the programme's figures, and a session
# cannot be deleted, so an example imported by mistake would stay in the board report.
RULES = (
    text_rule("ref", "Your own unique reference for the session; importing it again updates it", max_length=MAX_REF),
    listed_rule("kind", KIND_VALUES, "The kind of session: reflexive peer-group supervision or a critical-incident "
                                     "debrief"),
    listed_rule("format", FORMAT_VALUES, "Supervision is always group"),
    text_rule("team", "The name of a team already imported"),
    date_rule("date", "The day of the session"),
    time_rule("start", "When it starts, UK local time"),
    whole_rule("duration_minutes", "How long it lasts in minutes", low=SHORTEST_MINUTES, high=LONGEST_MINUTES),
    email_rule("facilitator_email", "The e-mail address of the facilitator, a person already imported; empty only "
                                    "for a cancelled session"),
    listed_rule("status", STATUS_VALUES, "Whether it is still to come, took place or was called off"),
    whole_rule("attendees", "Practitioners who attended; needed for a delivered session, ignored otherwise",
               low=0, high=MAX_ATTENDEES),
    date_rule("requested_on", "Debriefs only: the day the debrief was asked for, not after the session's date"),
    listed_rule("incident_category", IncidentCategory, "Debriefs only: what kind of incident it followed"),
    whole_rule("capacity", "Supervision only: places on the session; empty means the programme's default",
               low=1, high=MAX_PLACES),
)


def import_session(row: Row, result: ImportResult) -> None:
    ref = row.text("ref", required=True, max_length=MAX_REF)
    kind = row.choice("kind", KIND_VALUES)
    fmt = row.choice("format", FORMAT_VALUES)
    team_name = row.text("team", required=True)
    day = row.date("date")
    start = row.time("start")
    duration = row.whole_number("duration_minutes", low=SHORTEST_MINUTES, high=LONGEST_MINUTES)
    status = row.choice("status", STATUS_VALUES)
    facilitator_email = row.email("facilitator_email", required=False)
    requested_on = row.date("requested_on", required=False)
    category = row.choice("incident_category", CATEGORY_VALUES, required=False)
    capacity = row.whole_number("capacity", low=1, high=MAX_PLACES, required=False)
    attendees = None
    if status == Status.DELIVERED.value:
        attendees = row.whole_number("attendees", low=0, high=MAX_ATTENDEES)

    team = find_team(team_name) if team_name else None
    if team_name and team is None:
        row.error("team", f"no team called {team_name!r} (import teams first)")
    facilitator = None
    if facilitator_email:
        facilitator = find_person(facilitator_email)
        if facilitator is None:
            row.error("facilitator_email", f"no person with e-mail {facilitator_email!r} (import people first)")
    elif status and status != Status.CANCELLED.value and "facilitator_email" not in _errored(row):
        row.error("facilitator_email", "is empty (only a cancelled session may have no facilitator)")
    if kind == Kind.SUPERVISION.value:
        if fmt == "individual":
            row.error("format", "supervision is always group")
        if requested_on is not None:
            row.error("requested_on", "is for debriefs only")
        if category is not None:
            row.error("incident_category", "is for debriefs only")
    if kind == Kind.DEBRIEF.value and capacity is not None:
        row.error("capacity", "is for supervision sessions only")
    if day and start and not uk_time_exists(day, start):
        row.error("start", f"{start:%H:%M} does not exist on {day.isoformat()} (the clocks go forward)")
    if requested_on and day and requested_on > day:
        row.error("requested_on", f"{requested_on.isoformat()} is after the session date {day.isoformat()}")
    if row.errors:
        return

    values = {
        "kind": kind,
        "format": fmt,
        "team": team,
        "date": day,
        "starts_at": local_to_utc(day, start),
        "duration_minutes": duration,
        "facilitator": facilitator,
        "status": status,
        "attendees": attendees,
        "requested_on": requested_on,
        "incident_category": category,
        "capacity": capacity,
    }
    existing = _find_session(ref)
    if existing is not None and existing.booked_count and existing.status == Status.SCHEDULED.value:
        # Places people already hold: the file may not take them away or shrink below them.
        if kind != Kind.SUPERVISION.value or status != Status.SCHEDULED.value:
            row.error("status", f"{existing.booked_count} people are booked on this session; cancel it in the service "
                                "so they are told, or leave it scheduled")
        elif capacity is not None and capacity < existing.booked_count:
            row.error("capacity", f"{capacity} is below the {existing.booked_count} places already booked")
        if row.errors:
            return
    if existing is None:
        apply_changes(ProgrammeSession(ref=ref), values, result, created=True)
    else:
        before = (existing.starts_at, existing.duration_minutes, existing.status == Status.CANCELLED.value)
        apply_changes(existing, values, result, created=False)
        if before != (existing.starts_at, existing.duration_minutes, existing.status == Status.CANCELLED.value):
            event_changed(existing)  # calendars holding the session take the new time or status


def _find_session(ref: str) -> ProgrammeSession | None:
    """The session with this ref, exactly or else ignoring case.

    A file's own repeats are found ignoring case (``S-1`` and ``s-1`` are one row), so a later file
    must match the stored session the same way or re-typing a ref in Excel would add a duplicate.
    """
    session = db.session.scalar(db.select(ProgrammeSession).where(ProgrammeSession.ref == ref))
    if session is None:
        matches = db.session.scalars(
            db.select(ProgrammeSession).where(func.lower(ProgrammeSession.ref) == ref.lower())
        ).all()
        session = matches[0] if len(matches) == 1 else None
    return session


def _errored(row: Row) -> set[str]:
    """Columns this row already has an error for, so one cell is not reported twice."""
    return {line.split(": ")[1] for line in row.errors}


register(Importer("sessions", COLUMNS, REQUIRED, ("ref",), import_session, label="Sessions (supervision and debriefs)",
                  after=("teams", "people", "training"), rules=RULES))  # a programme's history comes last
