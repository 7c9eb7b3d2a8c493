"""The synthetic programme generator (``seed-synthetic``) and the page benchmark (``bench-dashboard``)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import func, select

from programme.models import ProgrammeSession
from rosters.clock import today_uk, uk_date
from rosters.extensions import db
from rosters.models import Agency, Person, SignInSession, Team, TrainingRecord
from tests.factories import make_person, make_session, make_team, make_training


@pytest.fixture
def cli(app, runner):
    return runner


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def seed(cli, *extra: str):
    return cli.invoke(args=["seed-synthetic", "--teams", "5", "--years", "1", *extra])


def one_line_error(result) -> str:
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def test_small_programme_is_plausible(cli):
    result = seed(cli)
    assert result.exit_code == 0, result.output
    assert "teams: 5" in result.output and "time:" in result.output

    teams = db.session.scalars(select(Team).where(Team.name.like("Synthetic %"))).all()
    assert len(teams) == 5 and all(t.agency.name.startswith("Synthetic ") for t in teams)
    assert sum(not t.active for t in teams) == 1
    people = db.session.scalars(select(Person)).all()
    assert all(p.email.endswith("@synthetic.example.org") and p.password_hash is None for p in people)
    assert 40 <= len(people) <= 60
    for team in teams:
        roles = [p.role for p in team.people]
        assert 8 <= len(roles) <= 12 and roles.count("manager") == 1
    facilitators = [p for p in people if p.role == "facilitator"]
    assert 2 <= len(facilitators) <= 4
    courses = {r.course for r in db.session.scalars(select(TrainingRecord))}
    assert courses <= {"peer_supervision", "critical_incident_debrief", "supervision_skills"}

    today = today_uk()
    sessions = db.session.scalars(select(ProgrammeSession)).all()
    supervision = [s for s in sessions if s.kind == "supervision"]
    debriefs = [s for s in sessions if s.kind == "debrief"]
    assert 35 <= len(supervision) <= 75  # about every four weeks for a year, five teams, some gaps
    assert len(debriefs) >= 1
    for s in sessions:
        assert today - dt.timedelta(days=366) <= s.date <= today
        assert uk_date(s.starts_at) == s.date
        assert s.date.weekday() < 5
        if s.status == "delivered":
            assert s.facilitator is not None and s.facilitator.team_id != s.team_id
    assert all(s.format == "group" and s.capacity == 8 and s.requested_on is None for s in supervision)
    assert all(3 <= s.attendees <= 8 for s in supervision if s.status == "delivered")
    for s in debriefs:
        assert 1 <= (s.date - s.requested_on).days <= 20 and s.incident_category
        if s.status == "delivered":
            assert s.attendees == 1 if s.format == "individual" else 3 <= s.attendees <= 7


def test_same_seed_same_programme(cli):
    assert seed(cli, "--seed", "7").exit_code == 0
    first = db.session.execute(select(ProgrammeSession.date, ProgrammeSession.status).order_by(ProgrammeSession.id)).all()
    assert seed(cli, "--seed", "7", "--replace").exit_code == 0
    again = db.session.execute(select(ProgrammeSession.date, ProgrammeSession.status).order_by(ProgrammeSession.id)).all()
    assert first == again


def test_second_run_refused_without_replace(cli):
    assert seed(cli).exit_code == 0
    line = one_line_error(seed(cli))
    assert "already exists" in line and "--replace" in line
    assert count(Team) == 5


def test_replace_deletes_only_synthetic_rows(cli):
    real_team = make_team(name="Assessment Team 1")
    real = make_person(email="real@example.org", role="facilitator", team=real_team)
    make_training(person=real, course="peer_supervision")
    make_session(team=real_team, facilitator=real)
    db.session.commit()
    assert seed(cli).exit_code == 0
    first_run = count(ProgrammeSession) - 1
    # Someone signed in as a synthetic person while exploring: replacing still works.
    db.session.add(SignInSession(person_id=db.session.scalar(select(Person.id).where(Person.email.like("%@synthetic%")).limit(1)),
                                 secret_hash="x" * 64))
    db.session.commit()

    result = seed(cli, "--replace", "--seed", "2")
    assert result.exit_code == 0, result.output
    assert "deleted" in result.output
    db.session.expire_all()
    assert count(Team, Team.name.like("Synthetic %")) == 5
    assert count(Agency, Agency.name.like("Synthetic %")) == 3
    assert db.session.get(Team, real_team.id) is not None and db.session.get(Person, real.id) is not None
    assert count(TrainingRecord, TrainingRecord.person_id == real.id) == 1
    assert count(ProgrammeSession, ProgrammeSession.team_id == real_team.id) == 1
    deleted, added = (re.search(r"sessions: (\d+)", line).group(1) for line in result.output.splitlines()[:2])
    assert int(deleted) == first_run  # the old synthetic sessions went, and only the new ones remain
    assert count(ProgrammeSession, ProgrammeSession.team_id != real_team.id) == int(added)


def test_metrics_coverage_near_complete(cli):
    assert seed(cli).exit_code == 0
    today = today_uk()
    start = today - dt.timedelta(days=365)
    result = cli.invoke(args=["metrics", "--start", start.isoformat(), "--end", today.isoformat()])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["teams_total"] == 4  # the inactive team does not count
    assert figures["team_coverage_pct"] >= 95
    assert figures["supervision_sessions_delivered"] > 30
    assert figures["debriefs_delivered"] == figures["debriefs_individual"] + figures["debriefs_group"]


def test_bench_on_a_lead_page(cli):
    assert seed(cli).exit_code == 0
    result = cli.invoke(args=["bench-dashboard", "--path", "/teams", "--runs", "3"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split(":")[0] for line in lines[:3]] == ["run 1", "run 2", "run 3"]
    assert lines[-1].startswith("median over 3 run(s) of GET /teams") and "SQL statements" in lines[-1]
    # The temporary lead and its sign-in are gone again.
    assert count(Person, Person.role == "lead") == 0 and count(SignInSession) == 0


def test_bench_as_a_named_lead_and_refusals(cli):
    lead = make_person(email="lead@example.org", role="lead")
    db.session.commit()
    result = cli.invoke(args=["bench-dashboard", "--path", "/facilitators", "--runs", "1", "--as-email", "LEAD@example.org"])
    assert result.exit_code == 0, result.output
    assert "as lead@example.org" in result.output
    assert db.session.get(Person, lead.id) is not None

    assert "404, not 200" in one_line_error(cli.invoke(args=["bench-dashboard", "--path", "/no-such-page"]))
    make_person(email="member@example.org", role="member")
    db.session.commit()
    assert "not a lead" in one_line_error(cli.invoke(args=["bench-dashboard", "--as-email", "member@example.org"]))
    assert "--runs" in one_line_error(cli.invoke(args=["bench-dashboard", "--runs", "0"]))


def test_replace_refused_when_real_rows_refer_to_synthetic_people(cli):
    assert seed(cli).exit_code == 0
    synthetic_person = db.session.scalar(select(Person).where(Person.role == "facilitator").limit(1))
    make_session(team=make_team(name="Real Team"), facilitator=synthetic_person)
    db.session.commit()
    line = one_line_error(seed(cli, "--replace"))
    assert line.startswith("Error: cannot delete synthetic data, other rows refer to it")
    db.session.expire_all()
    assert count(Team, Team.name.like("Synthetic %")) == 5  # nothing was deleted


def test_bench_keeps_an_audited_temporary_lead_disabled(cli):
    result = cli.invoke(args=["bench-dashboard", "--path", "/debriefs", "--runs", "1"])
    assert result.exit_code == 0, result.output
    assert "kept, disabled, because the audit trail names it" in result.output
    lead = db.session.scalar(select(Person).where(Person.role == "lead"))
    assert lead.email.endswith("@benchmark.example.org") and not lead.is_active
    assert count(SignInSession) == 0
    # A later run does not pick the disabled one: it makes (and keeps) another.
    again = cli.invoke(args=["bench-dashboard", "--path", "/debriefs", "--runs", "1"])
    assert again.exit_code == 0, again.output
    assert count(Person, Person.role == "lead") == 2
