"""``flask seed-demo`` loads a believable programme, twice without duplicates, and its sign-ins work."""

import json

from sqlalchemy import func

from programme.demo import DEMO_PASSWORD, DEMO_SIGN_INS
from programme.models import ProgrammeSession
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import Team


def test_seed_demo_builds_the_programme_and_prints_sign_ins(runner, client, auth):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for _role, email, _name, _team in DEMO_SIGN_INS:
        assert email in result.output
    assert DEMO_PASSWORD in result.output

    active_teams = db.session.scalar(db.select(func.count()).select_from(Team).where(Team.active.is_(True)))
    assert 18 <= active_teams <= 24
    first, last = db.session.execute(db.select(func.min(ProgrammeSession.date), func.max(ProgrammeSession.date))).one()
    assert (today_uk() - first).days >= 480  # about 16 months of history
    assert last > today_uk()  # and sessions still to come

    start = first.isoformat()
    end = today_uk().isoformat()
    figures = runner.invoke(args=["metrics", "--start", start, "--end", end])
    metrics = json.loads(figures.output)
    assert metrics["debriefs_individual"] == 18
    assert metrics["facilitators_trained_debrief"] == 13
    assert metrics["teams_covered"] == metrics["teams_total"]

    for _role, email, _name, _team in DEMO_SIGN_INS:
        assert auth.login(email, DEMO_PASSWORD).status_code == 302
        assert client.get("/").status_code == 200
        auth.logout()


def test_seed_demo_twice_adds_nothing(runner):
    runner.invoke(args=["seed-demo"])
    before = db.session.scalar(db.select(func.count()).select_from(ProgrammeSession))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "0 added" in second.output
    assert db.session.scalar(db.select(func.count()).select_from(ProgrammeSession)) == before
