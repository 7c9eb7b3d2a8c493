"""Retention: ``flask apply-retention`` removes personal links from old records; every figure stays the same."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from programme.debriefs.models import DebriefRequest, debrief_involved_people
from programme.models import Booking, LearningPoint, ProgrammeSession
from programme.privacy.retention import apply_retention, retention_cutoff
from rosters.clock import utcnow
from rosters.extensions import db
from rosters.models import AuditEvent, Person, SignInSession
from tests.moments import uk
from tests.programme_data import TODAY, metrics_json, populate_programme

# Ages are counted from TODAY: the clock stands still there, so no run straddles a midnight.
pytestmark = pytest.mark.time_machine(uk(TODAY), tick=False)


@pytest.fixture
def cli(app, runner):
    return runner


def test_retention_keeps_every_figure_and_removes_old_personal_links(cli):
    ids = populate_programme()
    before = metrics_json(cli)
    assert any(json.loads(out)["supervision_sessions_delivered"] for out in before)
    assert any(json.loads(out)["debriefs_delivered"] for out in before)

    result = cli.invoke(args=["apply-retention"])
    assert result.exit_code == 0, result.output
    assert "Retention before" in result.output

    db.session.expire_all()
    assert metrics_json(cli) == before

    get = db.session.get
    # Finished old requests: every personal link and the free text gone; facts for the figures kept.
    for key in ("old_closed", "old_declined"):
        item = get(DebriefRequest, ids["requests"][key])
        assert (item.requested_by_id, item.manager_id, item.triaged_by_id, item.facilitator_id) == (None,) * 4
        assert item.invitations == [] and item.involved == [] and item.arrangements == "" and item.decline_reason == ""
        assert item.anonymised_at is not None and item.requested_on and item.affected_teams
    assert get(DebriefRequest, ids["requests"]["old_declined"]).status == "declined"
    # Open, held and recent requests: untouched.
    for key in ("old_open", "old_waiting", "old_held", "recent_closed"):
        item = get(DebriefRequest, ids["requests"][key])
        assert item.requested_by_id == ids["people"]["member"] and item.manager_id == ids["people"]["manager"]
        assert len(item.invitations) == 2 and len(item.involved) == 1 and item.arrangements
        assert item.anonymised_at is None
    # Old sessions lose their facilitator and their bookings' people; counts and attendance stay.
    for key in ("old_delivered", "old_cancelled", "old_other"):
        session = get(ProgrammeSession, ids["sessions"][key])
        assert session.facilitator_id is None and session.anonymised_at is not None
        assert all(b.person_id is None for b in session.bookings)
    old = get(ProgrammeSession, ids["sessions"]["old_delivered"])
    assert sorted(b.attendance for b in old.bookings) == ["attended", "did_not_attend"] and old.attendees == 2
    recent = get(ProgrammeSession, ids["sessions"]["recent_delivered"])
    assert recent.facilitator_id == ids["people"]["chair"] and all(b.person_id for b in recent.bookings)
    # A held request's session and an open request's session keep their chair.
    for key in ("old_held", "old_open"):
        assert get(DebriefRequest, ids["requests"][key]).session.facilitator_id == ids["people"]["chair"]
    assert get(DebriefRequest, ids["requests"]["old_closed"]).session.facilitator_id is None
    # Learning: the old point loses its author; the text stays.
    assert get(LearningPoint, ids["points"]["old"]).created_by_id is None
    assert get(LearningPoint, ids["points"]["recent"]).created_by_id == ids["people"]["lead"]
    # Audit: old lines lose the person, except lines about a held request; recent lines keep theirs.
    events = {(e.action, e.object_id): e for e in db.session.scalars(select(AuditEvent))}
    assert events[("debrief_viewed", ids["requests"]["old_closed"])].person_id is None
    assert events[("debrief_viewed", ids["requests"]["old_held"])].person_id == ids["people"]["lead"]
    assert events[("debrief_viewed", ids["requests"]["recent_closed"])].person_id == ids["people"]["lead"]
    assert ("person_exported", None) in events  # about someone: the person it was about is gone too
    assert any(e.action == "retention_applied" for e in events.values())
    # Ended old sign-ins go; the current one stays. People themselves stay on the roster.
    assert db.session.scalar(select(func.count()).select_from(SignInSession)) == 1
    assert db.session.scalar(select(func.count()).select_from(Person)) == 5


def test_retention_twice_changes_nothing_more_and_figures_still_match(cli):
    populate_programme()
    before = metrics_json(cli)
    assert cli.invoke(args=["apply-retention"]).exit_code == 0
    again = cli.invoke(args=["apply-retention"])
    assert again.exit_code == 0
    assert "debrief requests 0, invitations 0, involved-people entries 0, learning points 0, sessions 0, bookings 0" \
        in again.output
    db.session.expire_all()
    assert metrics_json(cli) == before


def test_dry_run_reports_and_changes_nothing(cli):
    ids = populate_programme()
    result = cli.invoke(args=["apply-retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would remove personal links from debrief requests 2," in result.output
    assert "1 debrief request under legal hold kept" in result.output
    db.session.expire_all()
    item = db.session.get(DebriefRequest, ids["requests"]["old_closed"])
    assert item.requested_by_id == ids["people"]["member"] and item.anonymised_at is None
    assert db.session.scalar(select(func.count()).select_from(Booking).where(Booking.person_id.is_(None))) == 0
    assert not db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "retention_applied"))


def test_months_option_and_config_choose_the_cutoff(make_app):
    app = make_app(RETENTION_MONTHS=60)
    runner = app.test_cli_runner()
    with app.app_context():
        ids = populate_programme()
        result = runner.invoke(args=["apply-retention"])
        assert result.exit_code == 0, result.output
        assert f"before {retention_cutoff(60).isoformat()}" in result.output
        db.session.expire_all()
        assert db.session.get(DebriefRequest, ids["requests"]["old_closed"]).requested_by_id is not None
        result = runner.invoke(args=["apply-retention", "--months", "12"])
        assert result.exit_code == 0
        db.session.expire_all()
        assert db.session.get(DebriefRequest, ids["requests"]["recent_closed"]).requested_by_id is not None
        assert db.session.get(DebriefRequest, ids["requests"]["old_closed"]).requested_by_id is None


def test_bad_months_is_a_one_line_error(cli):
    result = cli.invoke(args=["apply-retention", "--months", "0"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_held_person_keeps_their_links(cli):
    ids = populate_programme()
    result = cli.invoke(args=["legal-hold", "--email", "member@example.org", "--reason", "Tribunal ET/123"])
    assert result.exit_code == 0, result.output
    assert cli.invoke(args=["apply-retention"]).exit_code == 0
    db.session.expire_all()
    item = db.session.get(DebriefRequest, ids["requests"]["old_closed"])
    assert item.requested_by_id == ids["people"]["member"]  # held
    assert item.manager_id is None and item.arrangements == ""  # not held
    assert [i.person_id for i in item.invitations] == []  # the colleague was not held; the e-mail invite goes
    old = db.session.get(ProgrammeSession, ids["sessions"]["old_delivered"])
    assert {b.person_id for b in old.bookings} == {ids["people"]["member"], None}


def test_legal_hold_needs_a_reason_and_one_target(cli):
    ids = populate_programme()
    assert cli.invoke(args=["legal-hold", "--debrief", str(ids["requests"]["old_closed"])]).exit_code != 0
    assert cli.invoke(args=["legal-hold", "--reason", "x"]).exit_code != 0
    assert cli.invoke(args=["legal-hold", "--debrief", "999999", "--reason", "x"]).exit_code != 0
    ok = cli.invoke(args=["legal-hold", "--debrief", str(ids["requests"]["old_closed"]), "--reason", "Complaint 9"])
    assert ok.exit_code == 0, ok.output
    assert cli.invoke(args=["apply-retention"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(DebriefRequest, ids["requests"]["old_closed"]).requested_by_id is not None
    assert cli.invoke(args=["legal-hold", "--debrief", str(ids["requests"]["old_closed"]), "--clear"]).exit_code == 0
    assert cli.invoke(args=["apply-retention"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(DebriefRequest, ids["requests"]["old_closed"]).requested_by_id is None


def test_the_database_accepts_an_anonymised_session_without_a_facilitator_and_nothing_else(app):
    ids = populate_programme()
    session_id = ids["sessions"]["recent_delivered"]
    with pytest.raises(Exception):  # noqa: B017 (IntegrityError, raised by either database)
        with db.session.begin_nested():
            db.session.execute(text("UPDATE programme_sessions SET facilitator_id = NULL WHERE id = :id"), {"id": session_id})
    db.session.rollback()
    db.session.execute(text("UPDATE programme_sessions SET facilitator_id = NULL, anonymised_at = :now WHERE id = :id"),
                       {"id": session_id, "now": utcnow()})
    db.session.commit()


def test_apply_retention_service_counts(app):
    populate_programme()
    result = apply_retention(24)
    db.session.commit()
    assert result.counts["debrief_requests"] == 2
    assert result.counts["invitations"] == 4 and result.counts["involved"] == 2
    assert result.counts["sessions"] == 4  # three old supervision sessions and the closed request's debrief
    assert result.counts["bookings"] == 3
    assert result.counts["held_requests"] == 1
    assert db.session.scalar(select(func.count()).select_from(debrief_involved_people)) == 4


def test_migration_0004_upgrades_a_populated_sqlite_database(base_config, tmp_path):
    """On SQLite, 0004 rebuilds tables that other rows point at; every row and reference must survive."""
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from rosters.cli import MIGRATIONS

    app = create_app({**base_config, "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "m.sqlite3")})
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        populate_programme()
        counts = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision="0003")
        upgrade(directory=MIGRATIONS)
        assert {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables} == counts
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        indexes = db.session.execute(text("SELECT sql FROM sqlite_master WHERE name = 'uq_bookings_live_person'")).scalar()
        assert "WHERE status IN" in indexes
        db.session.remove()
        db.engine.dispose()
