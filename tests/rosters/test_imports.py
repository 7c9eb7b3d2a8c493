"""Spreadsheet import (``flask import-csv`` and the /import page) against the contract's rules."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pytest

from programme.imports import IMPORT_CANCEL_REASON
from programme.models import Booking, ProgrammeSession
from programme.supervision.notices import session_cancelled
from programme.supervision.places import book_place
from rosters.clock import today_uk
from rosters.csv_import import IMPORTERS, ImportFailed, ImportResult, kinds_in_order, run_import
from rosters.extensions import db
from rosters.models import Agency, AuditEvent, OutboxMessage, Person, Team, TrainingRecord
from tests.factories import PASSWORD, make_agency, make_person, make_team, make_training

ERROR_LINE = re.compile(r"^row \d+: [a-z_]+: \S.*$")
SESSION_COLUMNS = (
    "ref",
    "kind",
    "format",
    "team",
    "date",
    "start",
    "duration_minutes",
    "facilitator_email",
    "status",
    "attendees",
    "requested_on",
    "incident_category",
    "capacity",
)


# --- helpers -------------------------------------------------------------------------------------


def csv_bytes(*lines: str, bom: bool = False, newline: str = "\n") -> bytes:
    """A CSV file as Excel or a script would write it: UTF-8, optional BOM, chosen line ends."""
    text = newline.join(lines) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def import_ok(kind: str, *lines: str, **options) -> ImportResult:
    return run_import(kind, csv_bytes(*lines, **options))


def import_errors(kind: str, *lines: str, data: bytes | None = None) -> list[str]:
    """Run an import that must fail; return its error lines, each checked against the contract's form."""
    with pytest.raises(ImportFailed) as failure:
        run_import(kind, csv_bytes(*lines) if data is None else data)
    for line in failure.value.errors:
        assert ERROR_LINE.match(line), line
    return failure.value.errors


def only_error(errors: list[str], prefix: str) -> str:
    assert len(errors) == 1, errors
    assert errors[0].startswith(prefix), errors
    return errors[0]


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def team_named(name: str) -> Team:
    return db.session.scalar(db.select(Team).where(Team.name == name))


def person_with(email: str) -> Person:
    return db.session.scalar(db.select(Person).where(Person.email == email))


def session_with(ref: str) -> ProgrammeSession:
    return db.session.scalar(db.select(ProgrammeSession).where(ProgrammeSession.ref == ref))


def session_line(**cells: str) -> str:
    """One sessions row: a delivered 90-minute group supervision of team Alpha unless overridden."""
    row = {
        "ref": "S-1",
        "kind": "supervision",
        "format": "group",
        "team": "Alpha",
        "date": "2025-07-01",
        "start": "10:00",
        "duration_minutes": "90",
        "facilitator_email": "fac@example.org",
        "status": "delivered",
        "attendees": "6",
        "requested_on": "",
        "incident_category": "",
        "capacity": "",
    }
    row.update(cells)
    return ",".join(row[c] for c in SESSION_COLUMNS)


SESSION_HEADER = ",".join(SESSION_COLUMNS)


@pytest.fixture
def roster(app):
    """Team Alpha and a facilitator, committed so a failed import's rollback leaves them in place."""
    team = make_team(name="Alpha")
    facilitator = make_person(email="fac@example.org", name="Fay Facilitator", role="facilitator", password=False)
    db.session.commit()
    return team, facilitator


def session_error(roster, **cells: str) -> str:
    """The single error a one-row sessions file gives, after checking nothing was stored."""
    errors = import_errors("sessions", SESSION_HEADER, session_line(**cells))
    assert count(ProgrammeSession) == 0
    assert len(errors) == 1, errors
    return errors[0]


# --- teams ---------------------------------------------------------------------------------------


def test_teams_import_stores_name_service_agency_and_active(app):
    result = import_ok(
        "teams",
        "team,service,agency,active",
        "Alpha,Assessment,Northshire NHS,yes",
        "Beta,Children in Care,,no",
    )
    assert (result.rows, result.created, result.updated, result.unchanged) == (2, 2, 0, 0)
    alpha, beta = team_named("Alpha"), team_named("Beta")
    assert (alpha.service, alpha.agency.name, alpha.active) == ("Assessment", "Northshire NHS", True)
    assert (beta.service, beta.agency.name, beta.active) == ("Children in Care", "Test Council", False)


def test_teams_agency_defaults_to_organisation_name_when_column_absent(app):
    import_ok("teams", "team", "Alpha")
    team = team_named("Alpha")
    assert team.agency.name == "Test Council"
    assert team.active is True
    assert team.service == ""


def test_teams_agency_reuses_existing_agency_whatever_its_case(app):
    make_agency(name="Northshire NHS")
    db.session.commit()
    import_ok("teams", "team,agency", "Alpha,NORTHSHIRE nhs", "Beta,Northshire NHS")
    assert count(Agency) == 1
    assert team_named("Alpha").agency_id == team_named("Beta").agency_id


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("yes", True),
        ("YES", True),
        ("Yes", True),
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("no", False),
        ("NO", False),
        ("No", False),
        ("false", False),
        ("False", False),
        ("0", False),
        ("", True),
    ],
)
def test_teams_active_reads_yes_no_true_false_1_0_in_any_case(app, cell, expected):
    import_ok("teams", "team,active", f"Alpha,{cell}")
    assert team_named("Alpha").active is expected


@pytest.mark.parametrize("cell", ["maybe", "2", "active"])
def test_teams_active_other_values_are_errors(app, cell):
    errors = import_errors("teams", "team,active", f"Alpha,{cell}")
    only_error(errors, "row 2: active: ")
    assert count(Team) == 0


def test_teams_empty_name_is_an_error(app):
    errors = import_errors("teams", "team,service", ",Assessment")
    only_error(errors, "row 2: team: ")


# --- people --------------------------------------------------------------------------------------


def test_people_import_stores_lowercase_email_name_team_and_role(app):
    make_team(name="Alpha")
    db.session.commit()
    result = import_ok(
        "people",
        "email,name,team,role",
        "Ada.Lovelace@Example.ORG,Ada Lovelace,Alpha,member",
        "grace@example.org,Grace Hopper,,lead",
    )
    assert result.created == 2
    ada = person_with("ada.lovelace@example.org")
    assert (ada.name, ada.team.name, ada.role) == ("Ada Lovelace", "Alpha", "member")
    grace = person_with("grace@example.org")
    assert (grace.team, grace.role) == (None, "lead")


def test_people_role_and_team_are_matched_in_any_case(app):
    make_team(name="Alpha")
    db.session.commit()
    import_ok("people", "email,name,team,role", "ada@example.org,Ada,ALPHA,Facilitator", "bo@example.org,Bo,alpha,MANAGER")
    assert person_with("ada@example.org").role == "facilitator"
    assert person_with("ada@example.org").team.name == "Alpha"
    assert person_with("bo@example.org").role == "manager"


def test_people_team_must_already_exist(app):
    errors = import_errors("people", "email,name,team,role", "ada@example.org,Ada,Nowhere,member")
    only_error(errors, "row 2: team: ")
    assert count(Person) == 0


def test_people_team_created_in_an_earlier_teams_import_is_found(app):
    import_ok("teams", "team", "Alpha")
    import_ok("people", "email,name,team,role", "ada@example.org,Ada,Alpha,member")
    assert person_with("ada@example.org").team.name == "Alpha"


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("not-an-email,Ada,,member", "email"),
        (",Ada,,member", "email"),
        ("ada@example.org,,,member", "name"),
        ("ada@example.org,Ada,,boss", "role"),
        ("ada@example.org,Ada,,", "role"),
    ],
)
def test_people_bad_cells_are_reported_by_column(app, line, column):
    errors = import_errors("people", "email,name,team,role", line)
    only_error(errors, f"row 2: {column}: ")


def test_imported_people_have_no_password_and_cannot_sign_in(app, client, auth):
    import_ok("people", "email,name,role", "ada@example.org,Ada,lead")
    assert person_with("ada@example.org").password_hash is None
    auth.login("ada@example.org", PASSWORD)
    assert client.get("/import").status_code == 302  # still sent to sign in


def test_reimporting_a_person_keeps_their_password(app, client, auth):
    person = make_person(email="ada@example.org", name="Ada", role="lead")
    password_hash = person.password_hash
    db.session.commit()
    result = import_ok("people", "email,name,role", "ADA@example.org,Ada Lovelace,lead")
    assert (result.created, result.updated) == (0, 1)
    person = person_with("ada@example.org")
    assert person.password_hash == password_hash
    assert person.name == "Ada Lovelace"
    assert count(Person) == 1
    assert auth.login("ada@example.org").status_code == 302
    assert client.get("/import").status_code == 200


def test_people_emails_differing_only_in_case_in_one_file_are_a_repeat(app):
    errors = import_errors("people", "email,name,role", "ada@example.org,Ada,member", "ADA@Example.org,Ada L,member")
    only_error(errors, "row 3: email: ")
    assert count(Person) == 0


# --- training ------------------------------------------------------------------------------------


def test_training_import_stores_course_and_dates(app):
    make_person(email="ada@example.org")
    db.session.commit()
    result = import_ok(
        "training",
        "email,course,completed_on,expires_on",
        "ada@example.org,peer_supervision,2024-09-01,2026-09-01",
        "ADA@example.org,Critical_Incident_Debrief,03/04/2025,",
        "ada@example.org,SUPERVISION_SKILLS,2025-01-10,10/01/2027",
    )
    assert result.created == 3
    records = {r.course: r for r in db.session.scalars(db.select(TrainingRecord))}
    assert (records["peer_supervision"].completed_on, records["peer_supervision"].expires_on) == (
        dt.date(2024, 9, 1),
        dt.date(2026, 9, 1),
    )
    assert records["critical_incident_debrief"].completed_on == dt.date(2025, 4, 3)
    assert records["critical_incident_debrief"].expires_on is None  # empty: never expires
    assert records["supervision_skills"].expires_on == dt.date(2027, 1, 10)
    assert {r.person.email for r in records.values()} == {"ada@example.org"}


def test_training_expires_on_column_may_be_absent(app):
    make_person(email="ada@example.org")
    db.session.commit()
    import_ok("training", "email,course,completed_on", "ada@example.org,peer_supervision,2025-01-01")
    assert db.session.scalar(db.select(TrainingRecord)).expires_on is None


def test_training_for_unknown_person_is_an_error(app):
    errors = import_errors("training", "email,course,completed_on", "nobody@example.org,peer_supervision,2025-01-01")
    only_error(errors, "row 2: email: ")


def test_training_unknown_course_is_an_error(app):
    make_person(email="ada@example.org")
    db.session.commit()
    errors = import_errors("training", "email,course,completed_on", "ada@example.org,first_aid,2025-01-01")
    only_error(errors, "row 2: course: ")
    assert count(TrainingRecord) == 0


def test_training_same_key_written_two_ways_in_one_file_is_a_repeat(app):
    make_person(email="ada@example.org")
    db.session.commit()
    errors = import_errors(
        "training",
        "email,course,completed_on",
        "ada@example.org,peer_supervision,2025-04-03",
        "ADA@example.org,Peer_Supervision,03/04/2025",
    )
    only_error(errors, "row 3: email: ")
    assert count(TrainingRecord) == 0


def test_training_key_includes_completed_on_so_a_new_completion_is_a_new_record(app):
    person = make_person(email="ada@example.org")
    make_training(person=person, course="peer_supervision", completed_on=dt.date(2023, 1, 1))
    db.session.commit()
    result = import_ok("training", "email,course,completed_on", "ada@example.org,peer_supervision,2025-01-01")
    assert result.created == 1
    assert count(TrainingRecord) == 2


# --- reading files: encodings, line ends, headers, cells, dates ----------------------------------


@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_utf8_with_or_without_bom_and_any_line_end_is_read(app, bom, newline):
    result = import_ok("teams", "team,service,active", "Équipe Sud,Santé,yes", "Beta,Care,no", bom=bom, newline=newline)
    assert result.created == 2
    team = team_named("Équipe Sud")
    assert (team.service, team.active) == ("Santé", True)
    assert team_named("Beta").active is False


def test_bom_before_a_required_header_still_names_the_column(app):
    make_team(name="Alpha")
    db.session.commit()
    result = import_ok("people", "email,name,role", "ada@example.org,Ada,member", bom=True)
    assert result.created == 1


def test_header_names_in_any_case_and_any_order(app):
    make_team(name="Alpha")
    db.session.commit()
    import_ok("people", " Role ,TEAM,Name,eMail", "lead,Alpha,Ada,ada@example.org")
    person = person_with("ada@example.org")
    assert (person.name, person.role, person.team.name) == ("Ada", "lead", "Alpha")


def test_surrounding_spaces_in_cells_are_ignored(app):
    make_team(name="Alpha")
    db.session.commit()
    import_ok("people", "email,name,team,role", "  ada@example.org ,  Ada Lovelace  , Alpha ,  Member ")
    person = person_with("ada@example.org")
    assert (person.name, person.role, person.team.name) == ("Ada Lovelace", "member", "Alpha")


def test_quoted_cells_with_commas_are_read_whole(app):
    import_ok("teams", "team,service", '"Alpha, North","Assessment, Intake"')
    assert team_named("Alpha, North").service == "Assessment, Intake"


def test_blank_lines_are_skipped_but_still_counted_in_row_numbers(app):
    errors = import_errors("teams", "team,active", "Alpha,yes", "", ",,", "Beta,perhaps", "")
    only_error(errors, "row 5: active: ")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2025-04-03", dt.date(2025, 4, 3)),
        ("03/04/2025", dt.date(2025, 4, 3)),  # UK day first: 3 April, never 4 March
        ("3/4/2025", dt.date(2025, 4, 3)),
        ("31/12/2024", dt.date(2024, 12, 31)),
        ("29/02/2024", dt.date(2024, 2, 29)),
    ],
)
def test_dates_are_read_iso_or_uk_day_first(app, cell, expected):
    make_person(email="ada@example.org")
    db.session.commit()
    import_ok("training", "email,course,completed_on", f"ada@example.org,peer_supervision,{cell}")
    assert db.session.scalar(db.select(TrainingRecord)).completed_on == expected


@pytest.mark.parametrize(
    "cell",
    ["31/02/2025", "2025-13-01", "04-03-2025", "12/31/2024", "29/02/2025", "2025/04/03", "03/04/25", "3 April 2025", "tomorrow"],
)
def test_impossible_or_other_date_forms_are_errors(app, cell):
    make_person(email="ada@example.org")
    db.session.commit()
    errors = import_errors("training", "email,course,completed_on", f"ada@example.org,peer_supervision,{cell}")
    only_error(errors, "row 2: completed_on: ")
    assert count(TrainingRecord) == 0


def test_non_utf8_file_is_refused(app):
    data = "team,service\nÉquipe,Santé\n".encode("cp1252")
    errors = import_errors("teams", data=data)
    assert len(errors) == 1 and "UTF-8" in errors[0]
    assert count(Team) == 0


@pytest.mark.parametrize(
    "data", [b"", b"\n", b"\r\n\r\n", b"\xef\xbb\xbf", b" , \n"], ids=["empty", "lf", "crlf", "bom", "blank-header"]
)
def test_empty_file_is_refused(app, data):
    errors = import_errors("teams", data=data)
    assert len(errors) == 1 and errors[0].startswith("row 1: file: ")


def test_header_only_file_imports_nothing(app):
    result = import_ok("teams", "team,service")
    assert (result.rows, result.created) == (0, 0)


def test_unknown_column_is_refused(app):
    errors = import_errors("teams", "team,service,colour", "Alpha,Assessment,blue")
    only_error(errors, "row 1: colour: ")
    assert count(Team) == 0


def test_missing_required_column_is_refused(app):
    errors = import_errors("people", "email,name", "ada@example.org,Ada")
    only_error(errors, "row 1: role: ")
    assert count(Person) == 0


def test_every_missing_required_session_column_is_reported(app):
    errors = import_errors("sessions", "ref,kind", "S-1,supervision")
    missing = {line.split(": ")[1] for line in errors}
    assert missing == {"format", "team", "date", "start", "duration_minutes", "facilitator_email", "status"}


def test_duplicate_column_in_any_case_is_refused(app):
    errors = import_errors("teams", "team,service,Team", "Alpha,Assessment,Beta")
    only_error(errors, "row 1: team: ")
    assert count(Team) == 0


def test_value_under_a_column_with_no_header_is_an_error(app):
    errors = import_errors("teams", "team,service", "Alpha,Assessment,extra")
    only_error(errors, "row 2: file: ")


def test_same_team_twice_in_one_file_is_an_error(app):
    errors = import_errors("teams", "team,service", "Alpha,Assessment", "Beta,Care", " ALPHA ,Care")
    assert "repeats row 2" in only_error(errors, "row 4: team: ")
    assert count(Team) == 0


def test_same_session_ref_twice_in_one_file_is_an_error(roster):
    errors = import_errors("sessions", SESSION_HEADER, session_line(ref="S-1"), session_line(ref="S-1", date="2025-07-08"))
    only_error(errors, "row 3: ref: ")
    assert count(ProgrammeSession) == 0


# --- all or nothing ------------------------------------------------------------------------------


def test_file_with_several_bad_rows_stores_nothing_and_reports_every_one(app):
    errors = import_errors(
        "teams",
        "team,service,active",
        "Alpha,Assessment,yes",
        "Beta,Care,sometimes",
        "Gamma,Care,no",
        ",Care,yes",
        "Delta,Care,never",
    )
    assert [line.split(": ")[0] + ": " + line.split(": ")[1] for line in errors] == [
        "row 3: active",
        "row 5: team",
        "row 6: active",
    ]
    assert count(Team) == 0
    assert count(Agency) == 0


def test_failed_import_leaves_existing_rows_unchanged(app):
    make_team(name="Alpha", service="Assessment", active=True)
    db.session.commit()
    import_errors("teams", "team,service,active", "Alpha,Changed,no", "Beta,Care,oops")
    db.session.expire_all()
    team = team_named("Alpha")
    assert (team.service, team.active) == ("Assessment", True)
    assert count(Team) == 1


def test_one_row_with_several_bad_cells_reports_each_cell(roster):
    errors = import_errors(
        "sessions",
        SESSION_HEADER,
        session_line(kind="chat", date="31/02/2025", start="25:00", duration_minutes="10", status="done"),
    )
    assert {line.split(": ")[1] for line in errors} >= {"kind", "date", "start", "duration_minutes", "status"}
    assert all(line.startswith("row 2: ") for line in errors)


def test_bad_rows_across_kinds_of_session_all_reported(roster):
    errors = import_errors(
        "sessions",
        SESSION_HEADER,
        session_line(ref="S-1"),
        session_line(ref="S-2", format="individual"),
        session_line(ref="S-3", kind="debrief", format="individual", requested_on="2025-07-02"),
        session_line(ref="S-4", facilitator_email="nobody@example.org"),
    )
    assert [line.split(": ")[0] for line in errors] == ["row 3", "row 4", "row 5"]
    assert count(ProgrammeSession) == 0


# --- idempotence ---------------------------------------------------------------------------------


def test_teams_imported_twice_add_nothing_and_changes_update(app):
    lines = ("team,service,agency,active", "Alpha,Assessment,,yes", "Beta,Care,Partner Trust,no")
    first = import_ok("teams", *lines)
    second = import_ok("teams", *lines)
    assert (first.created, second.created, second.updated, second.unchanged) == (2, 0, 0, 2)
    third = import_ok("teams", "team,service,agency,active", "alpha,Intake,,no", "Beta,Care,Partner Trust,no")
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    assert count(Team) == 2
    assert count(Agency) == 2
    alpha = team_named("Alpha")
    assert (alpha.service, alpha.active) == ("Intake", False)


def test_people_imported_twice_add_nothing_and_changes_update(app):
    make_team(name="Alpha")
    make_team(name="Beta")
    db.session.commit()
    lines = ("email,name,team,role", "ada@example.org,Ada,Alpha,member")
    import_ok("people", *lines)
    again = import_ok("people", *lines)
    assert (again.created, again.unchanged) == (0, 1)
    changed = import_ok("people", "email,name,team,role", "Ada@Example.org,Ada L,Beta,facilitator")
    assert (changed.created, changed.updated) == (0, 1)
    assert count(Person) == 1
    person = person_with("ada@example.org")
    assert (person.name, person.team.name, person.role) == ("Ada L", "Beta", "facilitator")


def test_training_imported_twice_adds_nothing_and_changes_update(app):
    make_person(email="ada@example.org")
    db.session.commit()
    import_ok("training", "email,course,completed_on,expires_on", "ada@example.org,peer_supervision,2025-01-01,2027-01-01")
    again = import_ok(
        "training", "email,course,completed_on,expires_on", "ADA@example.org,PEER_SUPERVISION,01/01/2025,01/01/2027"
    )
    assert (again.created, again.unchanged) == (0, 1)
    changed = import_ok("training", "email,course,completed_on,expires_on", "ada@example.org,peer_supervision,2025-01-01,")
    assert (changed.created, changed.updated) == (0, 1)
    assert count(TrainingRecord) == 1
    assert db.session.scalar(db.select(TrainingRecord)).expires_on is None


def test_sessions_imported_twice_add_nothing_and_changes_update(roster):
    lines = (SESSION_HEADER, session_line(ref="S-1"), session_line(ref="S-2", status="scheduled", attendees=""))
    import_ok("sessions", *lines)
    again = import_ok("sessions", *lines)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = import_ok("sessions", SESSION_HEADER, session_line(ref="S-2", attendees="4"))
    assert (changed.created, changed.updated) == (0, 1)
    assert count(ProgrammeSession) == 2
    session = session_with("S-2")
    assert (session.status, session.attendees) == ("delivered", 4)
    assert session.sequence == 0  # attendance is not part of a calendar's event
    import_ok("sessions", SESSION_HEADER, session_line(ref="S-2", attendees="4", start="11:00"))
    assert session_with("S-2").sequence == 1  # a new time is: calendars holding it take the change


def test_session_ref_matches_the_stored_session_whatever_its_case(roster):
    import_ok("sessions", SESSION_HEADER, session_line(ref="Ref-A", attendees="6"))
    result = import_ok("sessions", SESSION_HEADER, session_line(ref="REF-a", attendees="7"))
    assert (result.created, result.updated) == (0, 1)
    assert count(ProgrammeSession) == 1


# --- sessions ------------------------------------------------------------------------------------


def test_sessions_import_stores_every_field(roster):
    team, facilitator = roster
    result = import_ok(
        "sessions",
        SESSION_HEADER,
        session_line(ref="S-1", capacity="12", attendees="9"),
        session_line(
            ref="D-1",
            kind="debrief",
            format="individual",
            date="15/01/2025",
            start="14:30",
            duration_minutes="60",
            attendees="1",
            requested_on="10/01/2025",
            incident_category="threat_to_worker",
        ),
    )
    assert result.created == 2
    supervision = session_with("S-1")
    assert (supervision.kind, supervision.format, supervision.team_id, supervision.date) == (
        "supervision",
        "group",
        team.id,
        dt.date(2025, 7, 1),
    )
    assert (supervision.duration_minutes, supervision.facilitator_id, supervision.status) == (90, facilitator.id, "delivered")
    assert (supervision.attendees, supervision.capacity) == (9, 12)
    assert (supervision.requested_on, supervision.incident_category) == (None, None)
    debrief = session_with("D-1")
    assert (debrief.kind, debrief.format, debrief.date, debrief.duration_minutes) == (
        "debrief",
        "individual",
        dt.date(2025, 1, 15),
        60,
    )
    assert debrief.starts_at == dt.datetime(2025, 1, 15, 14, 30)
    assert (debrief.requested_on, debrief.incident_category, debrief.capacity) == (dt.date(2025, 1, 10), "threat_to_worker", None)


@pytest.mark.parametrize(
    ("date", "start", "stored"),
    [
        ("2025-07-01", "10:00", dt.datetime(2025, 7, 1, 9, 0)),  # British Summer Time: UTC+1
        ("2025-01-15", "10:00", dt.datetime(2025, 1, 15, 10, 0)),  # Greenwich Mean Time
        ("01/07/2025", "00:30", dt.datetime(2025, 6, 30, 23, 30)),  # local date, previous UTC day
        ("2025-10-26", "09:00", dt.datetime(2025, 10, 26, 9, 0)),  # the day the clocks go back
    ],
)
def test_session_start_is_uk_local_time_stored_as_naive_utc(roster, date, start, stored):
    import_ok("sessions", SESSION_HEADER, session_line(date=date, start=start))
    session = session_with("S-1")
    assert session.starts_at == stored
    assert session.starts_at.tzinfo is None
    assert session.starts_local.date() == session.date  # the date stays the UK calendar date
    assert session.starts_local.strftime("%H:%M") == start


def test_sessions_listed_values_are_read_in_any_case(roster):
    import_ok(
        "sessions",
        SESSION_HEADER,
        session_line(
            ref="D-1",
            kind="DEBRIEF",
            format="Group",
            status="Delivered",
            attendees="5",
            incident_category="Serious_Violence",
            facilitator_email="FAC@Example.org",
            team="alpha",
        ),
    )
    session = session_with("D-1")
    assert (session.kind, session.format, session.status, session.incident_category) == (
        "debrief",
        "group",
        "delivered",
        "serious_violence",
    )
    assert session.facilitator.email == "fac@example.org"
    assert session.team.name == "Alpha"


@pytest.mark.parametrize("category", ["murder", "abuse", "serious_violence", "threat_to_worker", "other"])
def test_every_incident_category_is_accepted_on_debriefs(roster, category):
    import_ok("sessions", SESSION_HEADER, session_line(kind="debrief", incident_category=category))
    assert session_with("S-1").incident_category == category


def test_unknown_incident_category_is_an_error(roster):
    assert session_error(roster, kind="debrief", incident_category="fire").startswith("row 2: incident_category: ")


def test_supervision_must_be_group(roster):
    assert session_error(roster, format="individual").startswith("row 2: format: ")


def test_unknown_kind_format_and_status_are_errors(roster):
    errors = import_errors("sessions", SESSION_HEADER, session_line(kind="chat", format="pairs", status="done"))
    assert sorted(line.split(": ")[1] for line in errors) == ["format", "kind", "status"]


@pytest.mark.parametrize("minutes", ["15", "480"])
def test_duration_limits_are_accepted(roster, minutes):
    import_ok("sessions", SESSION_HEADER, session_line(duration_minutes=minutes))
    assert session_with("S-1").duration_minutes == int(minutes)


@pytest.mark.parametrize("minutes", ["14", "481", "0", "-30", "90.5", "ninety", ""])
def test_duration_outside_15_to_480_or_not_whole_is_an_error(roster, minutes):
    assert session_error(roster, duration_minutes=minutes).startswith("row 2: duration_minutes: ")


@pytest.mark.parametrize(("start", "stored"), [("00:00", (0, 0)), ("23:59", (23, 59)), ("09:05", (9, 5))])
def test_start_in_24_hour_hh_mm_is_accepted(roster, start, stored):
    import_ok("sessions", SESSION_HEADER, session_line(date="2025-01-15", start=start))
    assert session_with("S-1").starts_at.time() == dt.time(*stored)


@pytest.mark.parametrize("start", ["24:00", "10:60", "10.30", "7pm", "10:00 am", "1000", ""])
def test_start_not_24_hour_hh_mm_is_an_error(roster, start):
    assert session_error(roster, start=start).startswith("row 2: start: ")


def test_facilitator_must_be_a_known_person(roster):
    assert session_error(roster, facilitator_email="nobody@example.org").startswith("row 2: facilitator_email: ")


def test_facilitator_email_must_be_an_email(roster):
    assert session_error(roster, facilitator_email="Fay").startswith("row 2: facilitator_email: ")


@pytest.mark.parametrize("status", ["scheduled", "delivered"])
def test_facilitator_may_not_be_empty_unless_cancelled(roster, status):
    assert session_error(roster, status=status, facilitator_email="").startswith("row 2: facilitator_email: ")


def test_cancelled_session_may_have_no_facilitator(roster):
    import_ok("sessions", SESSION_HEADER, session_line(status="cancelled", facilitator_email="", attendees=""))
    session = session_with("S-1")
    assert (session.status, session.facilitator_id, session.attendees) == ("cancelled", None, None)


def test_team_must_be_known_for_a_session(roster):
    assert session_error(roster, team="Nowhere").startswith("row 2: team: ")


@pytest.mark.parametrize("attendees", ["", "-1", "six"])
def test_delivered_session_needs_whole_attendees_zero_or_more(roster, attendees):
    assert session_error(roster, status="delivered", attendees=attendees).startswith("row 2: attendees: ")


def test_delivered_session_with_no_attendees_column_is_an_error(roster):
    header = ",".join(c for c in SESSION_COLUMNS if c != "attendees")
    line = "S-1,supervision,group,Alpha,2025-07-01,10:00,90,fac@example.org,delivered,,,"
    only_error(import_errors("sessions", header, line), "row 2: attendees: ")


def test_delivered_session_may_have_zero_attendees(roster):
    import_ok("sessions", SESSION_HEADER, session_line(attendees="0"))
    assert session_with("S-1").attendees == 0


@pytest.mark.parametrize("attendees", ["100", "101", "2500", "10000"])
def test_delivered_session_may_count_up_to_10000_attendees(roster, attendees):
    """A large multi-agency group: far more than one session's places, still far below the database's limit."""
    import_ok("sessions", SESSION_HEADER, session_line(attendees=attendees))
    assert session_with("S-1").attendees == int(attendees)


def test_more_than_10000_attendees_is_an_error(roster):
    assert session_error(roster, attendees="10001") == "row 2: attendees: 10001 is out of range (0 to 10000)"


@pytest.mark.parametrize("status", ["scheduled", "cancelled"])
@pytest.mark.parametrize("attendees", ["4", "lots", "-2"])
def test_attendees_are_ignored_unless_delivered(roster, status, attendees):
    import_ok("sessions", SESSION_HEADER, session_line(status=status, attendees=attendees))
    assert session_with("S-1").attendees is None


def test_requested_on_may_be_the_session_date(roster):
    import_ok("sessions", SESSION_HEADER, session_line(kind="debrief", date="2025-07-01", requested_on="01/07/2025"))
    assert session_with("S-1").requested_on == dt.date(2025, 7, 1)


def test_requested_on_after_the_session_date_is_an_error(roster):
    error = session_error(roster, kind="debrief", date="2025-07-01", requested_on="02/07/2025")
    assert error.startswith("row 2: requested_on: ")


def test_requested_on_is_for_debriefs_only(roster):
    assert session_error(roster, requested_on="2025-06-20").startswith("row 2: requested_on: ")


def test_incident_category_is_for_debriefs_only(roster):
    assert session_error(roster, incident_category="other").startswith("row 2: incident_category: ")


def test_bad_requested_on_date_is_an_error(roster):
    assert session_error(roster, kind="debrief", requested_on="2025-02-30").startswith("row 2: requested_on: ")


@pytest.mark.parametrize(("cell", "stored"), [("1", 1), ("50", 50), ("", None)])
def test_capacity_from_1_to_50_or_empty_for_default(roster, cell, stored):
    import_ok("sessions", SESSION_HEADER, session_line(status="scheduled", attendees="", capacity=cell))
    assert session_with("S-1").capacity == stored


@pytest.mark.parametrize("cell", ["0", "51", "ten"])
def test_capacity_outside_1_to_50_is_an_error(roster, cell):
    assert session_error(roster, capacity=cell).startswith("row 2: capacity: ")


@pytest.mark.parametrize("status", ["scheduled", "delivered", "cancelled"])
@pytest.mark.parametrize("cell", ["8", "0", "51", "ten", "-1"])
def test_capacity_is_ignored_on_a_debrief_row(roster, status, cell):
    """Neither checked nor stored, as attendees are on a row that is not delivered: a debrief has no places."""
    result = import_ok("sessions", SESSION_HEADER, session_line(kind="debrief", format="individual", status=status,
                                                                capacity=cell))
    assert result.created == 1
    assert session_with("S-1").capacity is None


def test_a_debrief_row_with_a_capacity_does_not_refuse_the_file(roster):
    result = import_ok("sessions", SESSION_HEADER, session_line(ref="S-1", capacity="12"),
                       session_line(ref="D-1", kind="debrief", capacity="12"))
    assert result.created == 2
    assert (session_with("S-1").capacity, session_with("D-1").capacity) == (12, None)
    # A session that becomes a debrief loses the capacity it had: the row's capacity is ignored.
    import_ok("sessions", SESSION_HEADER, session_line(ref="S-1", kind="debrief", capacity="12"))
    assert session_with("S-1").capacity is None


def test_the_template_says_capacity_is_ignored_on_debriefs_and_attendees_go_to_10000():
    importer = IMPORTERS["sessions"]
    assert "ignored for debriefs" in importer.rule("capacity").says
    assert "Supervision only" not in importer.rule("capacity").says
    assert importer.rule("attendees").says.endswith("A whole number, 0 to 10000.")


def test_session_date_must_be_a_real_date(roster):
    assert session_error(roster, date="31/02/2025").startswith("row 2: date: ")


def test_uk_session_date_is_day_first(roster):
    import_ok("sessions", SESSION_HEADER, session_line(date="03/04/2025"))
    assert session_with("S-1").date == dt.date(2025, 4, 3)


def test_session_may_name_a_facilitator_imported_earlier(roster):
    import_ok("people", "email,name,role", "new.fac@example.org,New Fac,facilitator")
    import_ok("sessions", SESSION_HEADER, session_line(facilitator_email="New.Fac@example.org"))
    assert session_with("S-1").facilitator.email == "new.fac@example.org"


# --- re-importing a session people have booked places on -------------------------------------------


@pytest.fixture
def booked(roster):
    """S-1, a supervision session a fortnight ahead imported with 2 places, both booked in the service,
    and a third person on its waitlist; the outbox empty."""
    team, _ = roster
    day = today_uk() + dt.timedelta(days=14)
    import_ok("sessions", SESSION_HEADER, planned(day))
    session = session_with("S-1")
    people = [make_person(name=name, email=f"{name.split()[0].lower()}@example.org", team=team, password=False)
              for name in ("Ada Lovelace", "Grace Hopper", "Wait Ing")]
    bookings = [book_place(session.id, person) for person in people]
    assert [b.status for b in bookings] == ["booked", "booked", "waitlisted"]
    db.session.execute(db.delete(OutboxMessage))
    db.session.commit()
    return session.id, day, people


def planned(day: dt.date, **cells: str) -> str:
    """S-1 as the file first had it: scheduled on ``day`` with 2 places; ``cells`` change it."""
    return session_line(**{"date": day.isoformat(), "status": "scheduled", "attendees": "", "capacity": "2", **cells})


def bookings_of(session_id: int) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(b.person.email, b.status) for b in db.session.scalars(
        db.select(Booking).where(Booking.session_id == session_id).order_by(Booking.id))]


UNTOUCHED = [("ada@example.org", "booked"), ("grace@example.org", "booked"), ("wait@example.org", "waitlisted")]


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_cancelling_a_booked_session_by_import_cancels_it_as_a_lead_does_and_tells_everyone(booked):
    session_id, day, people = booked
    before = db.session.get(ProgrammeSession, session_id).sequence
    result = import_ok("sessions", SESSION_HEADER, planned(day, status="cancelled"))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)

    db.session.expire_all()
    session = db.session.get(ProgrammeSession, session_id)
    assert (session.status, session.cancelled_reason, session.booked_count) == (
        "cancelled", IMPORT_CANCEL_REASON, 0)
    assert session.sequence == before + 1  # once: calendars holding it take the cancellation
    assert bookings_of(session_id) == [(email, "cancelled") for email, _ in UNTOUCHED]
    assert all(b.cancelled_at is not None for b in session.bookings)
    assert db.session.scalar(db.select(AuditEvent).where(
        AuditEvent.action == "session_cancelled", AuditEvent.object_id == session_id)).detail == "3 people told"

    # Everyone booked or waiting is told, in the outbox, with what a lead's cancellation sends.
    messages = outbox()
    expected = session_cancelled(session, list(session.bookings))
    assert [(m.to, m.subject, m.body) for m in messages] == [(e.to, e.subject, e.body) for e in expected]
    assert [m.to for m in messages] == [person.email for person in people]
    assert all(f"Reason: {IMPORT_CANCEL_REASON}" in m.body for m in messages)
    with_place, waiting = messages[:2], messages[2]
    assert all(b"METHOD:CANCEL" in m.attachment and m.attachment_type.startswith("text/calendar")
               for m in with_place)
    assert waiting.attachment is None  # a waitlist entry put nothing in a calendar

    # The same file again changes nothing and tells nobody twice.
    again = import_ok("sessions", SESSION_HEADER, planned(day, status="cancelled"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert len(outbox()) == 3
    assert db.session.get(ProgrammeSession, session_id).sequence == before + 1


def test_a_session_cancelled_by_import_with_a_new_time_is_told_at_the_time_people_booked(booked):
    session_id, day, _ = booked
    import_ok("sessions", SESSION_HEADER, planned(day, status="cancelled", start="14:00", capacity="1",
                                                  facilitator_email=""))
    db.session.expire_all()
    session = db.session.get(ProgrammeSession, session_id)
    assert (session.status, session.capacity, session.facilitator_id, session.starts_local.hour) == (
        "cancelled", 1, None, 14)
    assert all("10:00" in m.body and "14:00" not in m.body for m in outbox())


@pytest.mark.parametrize("bad_first", [False, True])
def test_a_file_refused_for_any_row_cancels_nothing_and_tells_nobody(booked, bad_first):
    session_id, day, _ = booked
    bad = session_line(ref="S-2", team="Nowhere")
    lines = [bad, planned(day, status="cancelled")] if bad_first else [planned(day, status="cancelled"), bad]
    errors = import_errors("sessions", SESSION_HEADER, *lines)
    assert errors == [f"row {3 if not bad_first else 2}: team: no team called 'Nowhere' (import teams first)"]

    db.session.expire_all()
    session = db.session.get(ProgrammeSession, session_id)
    assert (session.status, session.cancelled_reason, session.booked_count, session.sequence) == (
        "scheduled", "", 2, 0)
    assert bookings_of(session_id) == UNTOUCHED
    assert outbox() == []
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "session_cancelled")) is None
    assert count(ProgrammeSession) == 1


def test_a_booked_session_imported_as_delivered_keeps_its_places(booked):
    session_id, day, _ = booked
    result = import_ok("sessions", SESSION_HEADER, planned(day, status="delivered", attendees="7"))
    assert (result.created, result.updated) == (0, 1)
    db.session.expire_all()
    session = db.session.get(ProgrammeSession, session_id)
    assert (session.status, session.attendees, session.booked_count, session.capacity) == ("delivered", 7, 2, 2)
    assert bookings_of(session_id) == UNTOUCHED
    assert outbox() == []


def test_a_booked_session_imported_as_delivered_still_needs_attendees(booked):
    _, day, _ = booked
    errors = import_errors("sessions", SESSION_HEADER, planned(day, status="delivered", attendees=""))
    only_error(errors, "row 2: attendees: is empty")


@pytest.mark.parametrize("status", ["scheduled", "delivered", "cancelled"])
def test_a_booked_session_cannot_become_a_debrief(booked, status):
    session_id, day, _ = booked
    errors = import_errors("sessions", SESSION_HEADER, planned(day, kind="debrief", format="group", status=status,
                                                               attendees="3"))
    assert only_error(errors, "row 2: kind: ") == (
        "row 2: kind: 2 people hold places and 1 is waiting on this session, so it stays supervision "
        "(a file with kind supervision and status cancelled cancels it and tells them)")
    db.session.expire_all()
    session = db.session.get(ProgrammeSession, session_id)
    assert (session.kind, session.status, session.booked_count) == ("supervision", "scheduled", 2)
    assert bookings_of(session_id) == UNTOUCHED
    assert outbox() == []


@pytest.mark.parametrize("status", ["scheduled", "delivered"])
def test_capacity_below_the_places_booked_is_refused(booked, status):
    session_id, day, _ = booked
    errors = import_errors("sessions", SESSION_HEADER, planned(day, status=status, attendees="2", capacity="1"))
    assert only_error(errors, "row 2: capacity: ") == (
        "row 2: capacity: 1 is below the 2 places already booked; places people hold are never taken away by a file")
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, session_id).capacity == 2
    assert bookings_of(session_id) == UNTOUCHED


def test_an_empty_capacity_is_refused_when_the_default_is_below_the_places_booked(app, booked):
    session_id, day, _ = booked
    app.config["DEFAULT_SESSION_CAPACITY"] = 1
    errors = import_errors("sessions", SESSION_HEADER, planned(day, capacity=""))
    assert only_error(errors, "row 2: capacity: ").startswith(
        "row 2: capacity: empty (the programme's default, 1) is below the 2 places already booked")
    app.config["DEFAULT_SESSION_CAPACITY"] = 2
    import_ok("sessions", SESSION_HEADER, planned(day, capacity=""))
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, session_id).capacity is None


def test_a_booked_session_may_keep_or_grow_its_places_and_move(booked):
    session_id, day, _ = booked
    result = import_ok("sessions", SESSION_HEADER, planned(day, capacity="2", duration_minutes="120"))
    assert (result.updated, result.unchanged) == (1, 0)
    import_ok("sessions", SESSION_HEADER, planned(day, capacity="5", duration_minutes="120"))
    db.session.expire_all()
    session = db.session.get(ProgrammeSession, session_id)
    assert (session.status, session.capacity, session.duration_minutes, session.booked_count) == (
        "scheduled", 5, 120, 3)  # the person waiting has the place the file added
    assert bookings_of(session_id) == [(email, "booked") for email, _ in UNTOUCHED]


def test_a_booked_session_moved_by_import_tells_everyone_as_a_lead_change_does(booked):
    session_id, day, _ = booked
    sequence = db.session.get(ProgrammeSession, session_id).sequence
    import_ok("sessions", SESSION_HEADER, planned(day, start="14:00", duration_minutes="120"))
    db.session.expire_all()
    session = db.session.get(ProgrammeSession, session_id)
    assert session.sequence == sequence + 1
    messages = outbox()
    assert [m.to for m in messages] == ["ada@example.org", "grace@example.org", "wait@example.org"]
    assert all(m.subject.startswith("Changed") and "14:00 to 16:00" in m.body for m in messages)
    with_place, waiting = messages[:2], messages[2]
    assert all(b"METHOD:REQUEST" in m.attachment and b"SEQUENCE:" + str(session.sequence).encode() in m.attachment
               for m in with_place)  # the calendars holding the session move it
    assert waiting.attachment is None
    # The same file again: nothing changed, nobody told twice.
    import_ok("sessions", SESSION_HEADER, planned(day, start="14:00", duration_minutes="120"))
    assert len(outbox()) == 3


def test_more_places_by_import_go_to_the_people_waiting_who_are_told(booked):
    session_id, day, _ = booked
    import_ok("sessions", SESSION_HEADER, planned(day, capacity="3"))
    assert bookings_of(session_id) == [(email, "booked") for email, _ in UNTOUCHED]
    by_person = {m.to: m for m in outbox()}
    assert by_person["wait@example.org"].subject.startswith("You have a place")
    assert b"METHOD:REQUEST" in by_person["wait@example.org"].attachment
    for email in ("ada@example.org", "grace@example.org"):
        assert "there are now 3 places" in by_person[email].body
        assert by_person[email].attachment is None  # the event itself did not change


def test_a_booked_session_moved_into_the_past_by_import_tells_nobody(booked):
    """A file recording history: the session is put back to a day gone by, not announced to anyone."""
    session_id, day, _ = booked
    import_ok("sessions", SESSION_HEADER, planned(today_uk() - dt.timedelta(days=7)))
    assert outbox() == []


def test_a_session_cancelled_by_import_then_scheduled_again_drops_the_old_reason(booked):
    session_id, day, _ = booked
    import_ok("sessions", SESSION_HEADER, planned(day, status="cancelled"))
    import_ok("sessions", SESSION_HEADER, planned(day))
    db.session.expire_all()
    session = db.session.get(ProgrammeSession, session_id)
    assert (session.status, session.cancelled_reason, session.booked_count) == ("scheduled", "", 0)
    assert len(outbox()) == 3  # told once, when it was cancelled


def test_an_unbooked_scheduled_session_cancelled_by_import_is_cancelled_the_same_way(roster):
    day = today_uk() + dt.timedelta(days=14)
    import_ok("sessions", SESSION_HEADER, planned(day))
    result = import_ok("sessions", SESSION_HEADER, planned(day, status="cancelled"))
    assert result.updated == 1
    session = session_with("S-1")
    assert (session.status, session.cancelled_reason, session.sequence) == ("cancelled", IMPORT_CANCEL_REASON, 1)
    assert outbox() == []


# --- the command line ----------------------------------------------------------------------------


def test_cli_import_prints_summary_and_stores_rows(runner, tmp_path):
    path = tmp_path / "teams.csv"
    path.write_bytes(csv_bytes("Team,Service", "Alpha,Assessment", "Beta,Care", bom=True, newline="\r\n"))
    result = runner.invoke(args=["import-csv", "teams", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 rows read, 2 added" in result.stdout
    assert {t.name for t in db.session.scalars(db.select(Team))} == {"Alpha", "Beta"}


def test_cli_kind_may_be_in_any_case(runner, tmp_path):
    path = tmp_path / "teams.csv"
    path.write_bytes(csv_bytes("team", "Alpha"))
    result = runner.invoke(args=["import-csv", "TEAMS", str(path)])
    assert result.exit_code == 0, result.output
    assert team_named("Alpha") is not None


def test_cli_bad_file_exits_non_zero_with_each_error_on_stderr_and_no_traceback(runner, tmp_path):
    path = tmp_path / "teams.csv"
    path.write_bytes(csv_bytes("team,active", "Alpha,yes", "Beta,sometimes", ",no", "Gamma,perhaps"))
    result = runner.invoke(args=["import-csv", "teams", str(path)])
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("row ")]
    assert [line.split(": ")[0] for line in error_lines] == ["row 3", "row 4", "row 5"]
    assert all(ERROR_LINE.match(line) for line in error_lines)
    assert "row " not in result.stdout
    assert "Traceback" not in result.output
    assert count(Team) == 0


def test_cli_non_utf8_file_fails_cleanly(runner, tmp_path):
    path = tmp_path / "teams.csv"
    path.write_bytes("team\nÉquipe\n".encode("cp1252"))
    result = runner.invoke(args=["import-csv", "teams", str(path)])
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert "row 1: file: " in result.stderr
    assert "Traceback" not in result.output


def test_cli_missing_file_fails_cleanly(runner, tmp_path):
    result = runner.invoke(args=["import-csv", "teams", str(tmp_path / "absent.csv")])
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


def test_cli_unknown_kind_is_refused(runner, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(csv_bytes("team", "Alpha"))
    result = runner.invoke(args=["import-csv", "widgets", str(path)])
    assert result.exit_code != 0
    assert count(Team) == 0


def test_cli_reads_standard_input_for_dash(runner):
    result = runner.invoke(args=["import-csv", "teams", "-"], input=csv_bytes("team", "Alpha"))
    assert result.exit_code == 0, result.output
    assert team_named("Alpha") is not None


def test_cli_second_import_of_same_file_adds_nothing(runner, tmp_path, roster):
    path = tmp_path / "sessions.csv"
    path.write_bytes(csv_bytes(SESSION_HEADER, session_line(ref="S-1"), session_line(ref="S-2")))
    assert runner.invoke(args=["import-csv", "sessions", str(path)]).exit_code == 0
    again = runner.invoke(args=["import-csv", "sessions", str(path)])
    assert again.exit_code == 0
    assert "0 added, 0 updated, 2 unchanged" in again.stdout
    assert count(ProgrammeSession) == 2


# --- the import page -----------------------------------------------------------------------------


def upload(client, kind: str, data: bytes, filename: str = "file.csv"):
    return client.post("/import", data={"kind": kind, "file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


@pytest.fixture
def lead(app, auth):
    person = make_person(role="lead")
    db.session.commit()
    auth.login(person.email)
    return person


def test_lead_sees_the_import_page(client, lead):
    response = client.get("/import")
    assert response.status_code == 200
    assert "Import a spreadsheet" in response.get_data(as_text=True)


def test_lead_uploading_a_good_file_sees_a_summary(client, lead):
    response = upload(client, "teams", csv_bytes("team,service", "Alpha,Assessment", "Beta,Care", bom=True))
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert "Import complete" in page
    assert "teams: 2 rows read, 2 added, 0 updated, 0 unchanged" in page
    assert {t.name for t in db.session.scalars(db.select(Team))} == {"Alpha", "Beta"}


def test_lead_uploading_a_bad_file_gets_400_and_every_row_error(client, lead):
    response = upload(client, "teams", csv_bytes("team,active", "Alpha,yes", "Beta,sometimes", "Gamma,perhaps"), "teams.csv")
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "Nothing was imported" in page
    assert "row 3: active: 'sometimes' is not yes or no" in page
    assert "row 4: active: 'perhaps' is not yes or no" in page
    assert "teams.csv" in page
    assert count(Team) == 0


def test_a_lead_cannot_change_their_own_role_by_import(client, lead):
    own_row = f"{lead.email},{lead.name},member"
    response = upload(client, "people", csv_bytes("email,name,role", own_row, "new.member@example.org,New Member,lead"))
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "row 2: role: is your own: you cannot change your own role" in page
    db.session.expire_all()
    assert db.session.get(Person, lead.id).role == "lead" and count(Person) == 1
    # Their own row with the same role still imports, as does anyone else's role.
    assert upload(client, "people", csv_bytes("email,name,role", f"{lead.email},New Name,LEAD")).status_code == 200
    db.session.expire_all()
    assert db.session.get(Person, lead.id).name == "New Name"


def test_lead_uploading_non_utf8_file_gets_400(client, lead):
    response = upload(client, "teams", "team\nÉquipe\n".encode("cp1252"))
    assert response.status_code == 400
    assert "row 1: file:" in html.unescape(response.get_data(as_text=True))
    assert count(Team) == 0


def test_member_cannot_import(client, auth):
    member = make_person(role="member")
    db.session.commit()
    auth.login(member.email)
    assert client.get("/import").status_code == 403
    assert upload(client, "teams", csv_bytes("team", "Alpha")).status_code == 403
    assert count(Team) == 0


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = upload(client, "teams", csv_bytes("team", "Alpha"))
    assert response.status_code == 302
    assert count(Team) == 0


# --- columns left out of a later file ------------------------------------------------------------


def test_reimporting_teams_without_agency_or_active_columns_keeps_them(app):
    import_ok("teams", "team,service,agency,active", "Alpha,Assessment,Partner Trust,no")
    result = import_ok("teams", "team,service", "Alpha,Intake")
    assert result.updated == 1
    team = team_named("Alpha")
    assert (team.service, team.agency.name, team.active) == ("Intake", "Partner Trust", False)


def test_empty_agency_and_active_cells_take_the_defaults_on_update(app):
    import_ok("teams", "team,agency,active", "Alpha,Partner Trust,no")
    import_ok("teams", "team,agency,active", "Alpha,,")
    team = team_named("Alpha")
    assert (team.agency.name, team.active) == ("Test Council", True)


def test_reimporting_people_without_team_column_keeps_their_team(app):
    make_team(name="Alpha")
    db.session.commit()
    import_ok("people", "email,name,team,role", "ada@example.org,Ada,Alpha,member")
    import_ok("people", "email,name,role", "ada@example.org,Ada Lovelace,member")
    person = person_with("ada@example.org")
    assert (person.name, person.team.name) == ("Ada Lovelace", "Alpha")


def test_empty_team_cell_takes_a_person_out_of_their_team(app):
    make_team(name="Alpha")
    db.session.commit()
    import_ok("people", "email,name,team,role", "ada@example.org,Ada,Alpha,member")
    import_ok("people", "email,name,team,role", "ada@example.org,Ada,,member")
    assert person_with("ada@example.org").team is None


def test_short_row_reads_missing_trailing_cells_as_empty(app):
    import_ok("teams", "team,active,service", "Alpha,no,Assessment")
    import_ok("teams", "team,active,service", "Alpha,no")  # a script that drops trailing empty cells
    assert team_named("Alpha").service == ""


def test_session_start_in_the_hour_the_clocks_skip_is_refused(app):
    make_team(name="Alpha")
    make_person(email="fran@example.org", role="facilitator")
    db.session.commit()
    data = csv_bytes(
        "ref,kind,format,team,date,start,duration_minutes,facilitator_email,status",
        "S-1,supervision,group,Alpha,30/03/2025,01:30,60,fran@example.org,scheduled",
    )
    with pytest.raises(ImportFailed) as failure:
        run_import("sessions", data)
    assert failure.value.errors == ["row 2: start: 01:30 does not exist on 2025-03-30 (the clocks go forward)"]


def test_kinds_are_offered_in_the_order_a_programme_is_imported(client, auth, runner):
    """Teams, then people (who name teams), then training and sessions (which name people)."""
    assert kinds_in_order() == ["teams", "people", "training", "sessions", "workforce"]
    lead = make_person(role="lead")
    db.session.commit()
    auth.login(lead.email)
    page = client.get("/import").get_data(as_text=True)
    labels = ["Teams", "People", "Training records", "Sessions (supervision and debriefs)"]
    assert [page.index(label) for label in labels] == sorted(page.index(label) for label in labels)
    usage = runner.invoke(args=["import-csv", "--help"]).output
    assert "{teams|people|training|sessions|workforce}" in usage

