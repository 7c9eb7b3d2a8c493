"""Retention: ``flask apply-retention`` removes personal links from old records; every figure stays the same."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select, text

from programme.models import Booking, DebriefInvitation, DebriefRequest, LearningPoint, ProgrammeSession, debrief_involved_people
from programme.privacy.retention import apply_retention, retention_cutoff
from rosters.clock import utcnow
from rosters.extensions import db
from rosters.models import AuditEvent, Person, SignInSession
from tests.factories import make_person, make_session, make_team, make_training
from tests.moments import A_MONDAY, uk

TODAY = A_MONDAY
# Ages are counted from TODAY: the clock stands still there, so no run straddles a midnight.
pytestmark = pytest.mark.time_machine(uk(TODAY), tick=False)
OLD = TODAY - dt.timedelta(days=3 * 365)  # well before a 24-month cut-off
RECENT = TODAY - dt.timedelta(days=60)


def years_ago(years: int) -> dt.date:
    return TODAY - dt.timedelta(days=365 * years)


# Periods the figures are compared over: each of the last four years, all of them, and a few months.
PERIODS = [(years_ago(n + 1), years_ago(n)) for n in range(4)] + [
    (years_ago(5), TODAY),
    (OLD - dt.timedelta(days=40), OLD + dt.timedelta(days=40)),
    (RECENT - dt.timedelta(days=30), TODAY),
]


def populate_programme() -> dict:
    """A small programme with old and recent sessions, bookings, debriefs, learning and audit lines."""
    team, other = make_team(name="Assessment 1"), make_team(name="Fostering")
    lead = make_person(email="lead@example.org", name="Lee Lead", role="lead")
    manager = make_person(email="manager@example.org", name="Mo Manager", role="manager", team=team)
    member = make_person(email="member@example.org", name="Mel Member", team=team)
    colleague = make_person(email="colleague@example.org", name="Cal Colleague", team=team)
    chair = make_person(email="chair@example.org", name="Chris Chair", role="facilitator", team=other)
    for person, course in ((chair, "critical_incident_debrief"), (chair, "peer_supervision"),
                           (manager, "supervision_skills")):
        make_training(person=person, course=course, completed_on=years_ago(4), expires_on=None)
    make_training(person=member, course="peer_supervision", completed_on=years_ago(3), expires_on=years_ago(1))

    sessions = {}
    for label, day, status in (("old_delivered", OLD, "delivered"), ("old_cancelled", OLD + dt.timedelta(days=7), "cancelled"),
                               ("recent_delivered", RECENT, "delivered"), ("old_other", OLD, "delivered")):
        sessions[label] = make_session(team=team if label != "old_other" else other, date=day, status=status,
                                       facilitator=chair, capacity=8, attendees=2 if status == "delivered" else None)
    for label in ("old_delivered", "recent_delivered"):
        for person, attendance in ((member, "attended"), (colleague, "did_not_attend")):
            db.session.add(Booking(session=sessions[label], person=person, status="booked", attendance=attendance,
                                   booked_at=utcnow()))
    db.session.add(Booking(session=sessions["old_cancelled"], person=member, status="cancelled"))

    def debrief(requested_on: dt.date, status: str, held: bool = False, **fields) -> DebriefRequest:
        item = DebriefRequest(
            requested_by=member, manager=manager, requested_on=requested_on, incident_date=requested_on,
            incident_category="threat_to_worker", preferred_format="group", status=status,
            arrangements="Mornings; step-free access", triaged_by=lead, legal_hold=held,
            legal_hold_reason="Claim 2024/17" if held else "", **fields,
        )
        item.affected_teams.append(team)
        item.involved.append(colleague)
        item.invitations.append(DebriefInvitation(person=colleague))
        item.invitations.append(DebriefInvitation(email="sergeant@police.example.org", agency="Police"))
        db.session.add(item)
        db.session.flush()
        return item

    def debrief_session(day: dt.date, requested_on: dt.date, fmt: str = "group") -> ProgrammeSession:
        return make_session(team=team, kind="debrief", format=fmt, date=day, requested_on=requested_on,
                            incident_category="threat_to_worker", facilitator=chair, attendees=3)

    requests = {
        "old_closed": debrief(OLD, "closed", facilitator=chair,
                              session=debrief_session(OLD + dt.timedelta(days=9), OLD), closed_safe_uplifting=True),
        "old_declined": debrief(OLD + dt.timedelta(days=3), "declined", decline_reason="Outside the pathway"),
        "old_open": debrief(OLD + dt.timedelta(days=5), "delivered", facilitator=chair,
                            session=debrief_session(OLD + dt.timedelta(days=12), OLD + dt.timedelta(days=5), "individual")),
        "old_waiting": debrief(OLD + dt.timedelta(days=6), "requested"),
        "old_held": debrief(OLD + dt.timedelta(days=1), "closed", held=True, facilitator=chair,
                            session=debrief_session(OLD + dt.timedelta(days=8), OLD + dt.timedelta(days=1))),
        "recent_closed": debrief(RECENT, "closed", facilitator=chair,
                                 session=debrief_session(RECENT + dt.timedelta(days=5), RECENT)),
    }
    old_time = dt.datetime.combine(OLD, dt.time(12))
    points = {
        "old": LearningPoint(text="Agree cover before visits", forum="SPLIG", created_by=lead,
                             request=requests["old_closed"], created_at=old_time),
        "recent": LearningPoint(text="Offer within a week", forum="SPLIG", created_by=lead),
    }
    db.session.add_all(points.values())
    db.session.add_all([
        AuditEvent(at=old_time, person=lead, action="debrief_viewed", object_type="DebriefRequest",
                   object_id=requests["old_closed"].id),
        AuditEvent(at=old_time, person=lead, action="debrief_viewed", object_type="DebriefRequest",
                   object_id=requests["old_held"].id),
        AuditEvent(at=old_time, person=lead, action="person_exported", object_type="Person", object_id=member.id),
        AuditEvent(person=lead, action="debrief_viewed", object_type="DebriefRequest", object_id=requests["recent_closed"].id),
        SignInSession(person=member, secret_hash="a" * 64, created_at=old_time, last_seen_at=old_time, ended_at=old_time),
        SignInSession(person=member, secret_hash="b" * 64),
    ])
    db.session.commit()
    return {"people": {p.email.split("@")[0]: p.id for p in (lead, manager, member, colleague, chair)},
            "sessions": {k: v.id for k, v in sessions.items()}, "requests": {k: v.id for k, v in requests.items()},
            "points": {k: v.id for k, v in points.items()}}


def metrics_json(runner) -> list[str]:
    """``flask metrics`` over every period, as the exact text it prints."""
    outputs = []
    for start, end in PERIODS:
        result = runner.invoke(args=["metrics", "--start", start.isoformat(), "--end", end.isoformat()])
        assert result.exit_code == 0, result.output
        json.loads(result.output)
        outputs.append(result.output)
    return outputs


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
