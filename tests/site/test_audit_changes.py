"""Every change is on the audit trail, whichever way it was made: pages, API, command line or import."""

import datetime as dt

from programme.supervision.places import book_place, cancel_booking
from programme.supervision.series import change_capacity
from rosters.clock import local_to_utc, today_uk
from rosters.csv_import import run_import
from rosters.extensions import db
from rosters.models import AuditEvent
from tests.factories import make_person, make_session, make_team


def actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_booking_changes_are_audited_with_who_made_them(app):
    team = make_team()
    day = today_uk() + dt.timedelta(days=14)
    session = make_session(team=team, status="scheduled", date=day, starts_at=local_to_utc(day, dt.time(10)),
                           capacity=1)
    first, second = make_person(team=team), make_person(team=team)
    booked = book_place(session.id, first)
    book_place(session.id, second)
    cancel_booking(booked.id, first)
    change_capacity(session.id, 3)
    db.session.commit()
    assert actions() == ["place_booked", "waitlist_joined", "booking_cancelled", "capacity_changed"]
    cancelled = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "booking_cancelled"))
    assert cancelled.person_id == first.id and "promoted" in cancelled.detail


def test_imports_and_command_line_changes_are_audited(app, runner):
    run_import("teams", b"team\nAlpha\n")
    result = runner.invoke(args=["create-user", "--email", "lee@example.org", "--name", "Lee", "--role", "lead"],
                           input="a long enough password\n")
    assert result.exit_code == 0
    assert runner.invoke(args=["create-token", "--email", "lee@example.org"]).exit_code == 0
    assert actions() == ["spreadsheet_imported", "sign_in_granted", "api_token_created"]
    imported = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "spreadsheet_imported"))
    assert imported.detail.startswith("teams: 1 rows read")
