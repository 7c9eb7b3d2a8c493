"""Spreadsheet imports for teams, people and training records (see docs/imports.md)."""

from __future__ import annotations

from flask import current_app, has_request_context
from flask_login import current_user

from rosters.csv_import import (
    Importer,
    ImportResult,
    Row,
    apply_changes,
    date_rule,
    email_rule,
    listed_rule,
    parse_date,
    register,
    text_rule,
    yes_no_rule,
)
from rosters.extensions import db
from rosters.models import COURSE_VALUES, ROLE_VALUES, Course, Person, Role, Team, TrainingRecord
from rosters.services import find_person, find_team, get_or_create_agency

ACTIVE_BY_DEFAULT = True
# The templates' example rows: an inactive team (outside every figure) and someone in it who cannot sign
# in, so that a template imported with its examples left in changes nothing anyone counts.
EXAMPLE_TEAM = "Example team (delete this row)"


def import_team(row: Row, result: ImportResult) -> None:
    name = row.text("team", required=True)
    service = row.text("service")
    agency_name = row.text("agency") or current_app.config["ORGANISATION_NAME"]
    active = row.yes_no("active", default=ACTIVE_BY_DEFAULT)
    if row.errors:
        return
    team = find_team(name)
    # A column left out of the file leaves an existing team's value alone; only an empty cell, or a
    # new team, takes the default. Otherwise a file of names alone would move every partner
    # agency's team into the council and re-activate closed teams.
    values: dict = {}
    if team is None or "active" in row.cells:
        values["active"] = active
    if team is None or "agency" in row.cells:
        values["agency"] = get_or_create_agency(agency_name)
    if "service" in row.cells:
        values["service"] = service or ""
    if team is None:
        team = Team(name=name, service="")
        apply_changes(team, values, result, created=True)
    else:
        apply_changes(team, values, result, created=False)


def import_person(row: Row, result: ImportResult) -> None:
    email = row.email("email")
    name = row.text("name", required=True)
    team_name = row.text("team")
    role = row.choice("role", ROLE_VALUES)
    team = None
    if team_name:
        team = find_team(team_name)
        if team is None:
            row.error("team", f"no team called {team_name!r} (import teams first)")
    person = find_person(email) if email else None
    if person is not None and role and role != person.role and _is_importer(person):
        row.error("role", "is your own: you cannot change your own role (ask another programme lead)")
    if row.errors:
        return
    values: dict = {"name": name, "role": role}
    if person is None or "team" in row.cells:  # no team column: keep an existing person's team
        values["team"] = team
    if person is None:
        apply_changes(Person(email=email), values, result, created=True)
    else:
        apply_changes(person, values, result, created=False)


def _is_importer(person: Person) -> bool:
    """True when the lead importing this file on the import page is ``person``."""
    return has_request_context() and current_user.is_authenticated and current_user.id == person.id


def import_training(row: Row, result: ImportResult) -> None:
    email = row.email("email")
    course = row.choice("course", COURSE_VALUES)
    completed_on = row.date("completed_on")
    expires_on = row.date("expires_on", required=False)
    person = None
    if email:
        person = find_person(email)
        if person is None:
            row.error("email", f"no person with e-mail {email!r} (import people first)")
    if completed_on and expires_on and expires_on < completed_on:
        row.error("expires_on", "is before completed_on")
    if row.errors:
        return
    record = db.session.scalar(
        db.select(TrainingRecord).where(
            TrainingRecord.person_id == person.id,
            TrainingRecord.course == course,
            TrainingRecord.completed_on == completed_on,
        )
    )
    if record is None:
        record = TrainingRecord(person=person, course=course, completed_on=completed_on)
        apply_changes(record, {"expires_on": expires_on}, result, created=True)
    else:
        apply_changes(record, {"expires_on": expires_on}, result, created=False)


def _training_key(row: Row) -> tuple:
    completed = parse_date(row.cells.get("completed_on", ""))
    return (row.cells.get("email", "").lower(), row.cells.get("course", "").lower(), completed)


register(
    Importer(
        "teams",
        ("team", "service", "agency", "active"),
        ("team",),
        ("team",),
        import_team,
        label="Teams",
        rules=(
            text_rule("team", "The team's name, as people, sessions and workforce rows will name it"),
            text_rule("service", "The service the team belongs to, for example Assessment"),
            text_rule("agency", "The organisation the team belongs to; empty means your own organisation"),
            yes_no_rule("active", "Whether the team is part of the programme now (only active teams count "
                                  "towards coverage)", default=ACTIVE_BY_DEFAULT),
        ),
        examples=((EXAMPLE_TEAM, "Example service", "", "no"),),
    )
)
register(
    Importer(
        "people",
        ("email", "name", "team", "role"),
        ("email", "name", "role"),
        ("email",),
        import_person,
        label="People",
        after=("teams",),
        rules=(
            email_rule("email", "The person's work e-mail address"),
            text_rule("name", "Their full name"),
            text_rule("team", "The name of a team already imported; empty for no team"),
            listed_rule("role", Role, "What they may do in the service"),
        ),
        examples=(("example.person@example.org", "Example Person (delete this row)", EXAMPLE_TEAM, Role.MEMBER.value),),
    )
)
register(
    Importer(
        "training",
        ("email", "course", "completed_on", "expires_on"),
        ("email", "course", "completed_on"),
        ("email", "course", "completed_on"),
        import_training,
        normalise_key=_training_key,
        label="Training records",
        after=("people",),
        rules=(
            email_rule("email", "The e-mail address of a person already imported"),
            listed_rule("course", Course, "The course completed"),
            date_rule("completed_on", "The day the course was completed"),
            date_rule("expires_on", "The day the training runs out, not before completed_on; empty means it "
                                    "never expires"),
        ),
    )
)
