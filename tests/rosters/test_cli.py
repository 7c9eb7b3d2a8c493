"""Command line: init-db, create-user, create-token, and clean one-line errors."""

import os
import subprocess
import sys

import pytest

from rosters.extensions import db
from rosters.models import ApiToken, Person, Team, hash_secret
from tests.factories import make_person, make_team
from tests.plugin import ROOT


def flask(*args: str, env: dict, stdin: str = "") -> subprocess.CompletedProcess:
    """Run the real ``flask`` command in the repository root, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True,
        timeout=120,
    )


@pytest.fixture
def cli_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "FLASK_APP"}}
    env["DATABASE_URL"] = "sqlite:///" + str(tmp_path / "cli.sqlite3")
    env["SECRET_KEY"] = "cli-test"
    return env


def test_init_db_twice_keeps_data(runner):
    make_team(name="Kept")
    db.session.commit()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(Team).where(Team.name == "Kept")) is not None


def test_create_user_reads_password_from_stdin(runner):
    make_team(name="Assessment 1")
    db.session.commit()
    result = runner.invoke(
        args=["create-user", "--email", "Sam@Example.org", "--name", "Sam Smith", "--role", "MANAGER", "--team", "assessment 1"],
        input="a good long password\n",
    )
    assert result.exit_code == 0, result.output
    person = db.session.scalar(db.select(Person).where(Person.email == "sam@example.org"))
    assert person.role == "manager" and person.team.name == "Assessment 1" and person.is_active


def test_create_user_twice_updates_the_same_person(runner):
    for name in ("First Name", "Second Name"):
        result = runner.invoke(
            args=["create-user", "--email", "x@example.org", "--name", name, "--role", "lead"],
            input="a good long password\n",
        )
        assert result.exit_code == 0
    people = db.session.scalars(db.select(Person)).all()
    assert [p.name for p in people] == ["Second Name"]


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["--role", "boss"], "password1234\n", "Invalid value for '--role'"),
        (["--role", "member"], "", "no password"),
        (["--role", "member"], "short\n", "at least 8 characters"),
        (["--role", "member", "--team", "Nowhere"], "password1234\n", "No team called 'Nowhere'"),
    ],
)
def test_create_user_refuses_bad_input(runner, args, stdin, message):
    result = runner.invoke(args=["create-user", "--email", "y@example.org", "--name", "Y", *args], input=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(db.select(Person)) is None


def test_create_token_prints_a_working_token_alone(runner, client):
    lead = make_person(role="lead")
    db.session.commit()
    result = runner.invoke(args=["create-token", "--email", lead.email.upper()])
    assert result.exit_code == 0
    token = result.output.strip()
    assert result.output == token + "\n" and len(token) >= 32
    assert db.session.scalar(db.select(ApiToken)).token_hash == hash_secret(token)
    response = client.get("/api/v1/metrics?start=2025-01-01&end=2025-01-31", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_create_token_for_unknown_person_fails(runner):
    result = runner.invoke(args=["create-token", "--email", "ghost@example.org"])
    assert result.exit_code != 0
    assert "No person" in result.output


def test_real_commands_end_to_end_with_clean_errors(cli_env, tmp_path):
    assert flask("init-db", env=cli_env).returncode == 0
    created = flask("create-user", "--email", "lead@example.org", "--name", "Lee", "--role", "lead", env=cli_env,
                    stdin="a long password\n")
    assert created.returncode == 0, created.stderr
    token = flask("create-token", "--email", "lead@example.org", env=cli_env)
    assert token.returncode == 0 and len(token.stdout.strip().splitlines()) == 1

    bad = tmp_path / "teams.csv"
    bad.write_text("team,active\nAlpha,maybe\n,yes\n")
    result = flask("import-csv", "teams", str(bad), env=cli_env)
    assert result.returncode != 0
    assert "row 2: active:" in result.stderr and "row 3: team: is empty" in result.stderr
    assert "Traceback" not in result.stderr

    missing = flask("import-csv", "teams", str(tmp_path / "nope.csv"), env=cli_env)
    assert missing.returncode != 0 and "Traceback" not in missing.stderr

    reversed_period = flask("metrics", "--start", "2025-02-01", "--end", "2025-01-01", env=cli_env)
    assert reversed_period.returncode != 0
    assert reversed_period.stderr.strip().count("\n") == 0 and "Traceback" not in reversed_period.stderr


def test_bad_database_url_gives_one_line_error(cli_env):
    cli_env["DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"
    result = flask("init-db", env=cli_env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "cannot reach" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["create-user", "--name", "No Email", "--role", "member"],
        ["create-user", "--email", "a@example.org", "--name", "A", "--role", "chief"],
        ["create-token"],
        ["import-csv", "widgets", "file.csv"],
        ["import-csv", "teams"],
        ["metrics", "--start"],
        ["metrics", "--start", "2025-01-01", "--end", "2025-01-31", "--colour", "blue"],
    ],
)
def test_wrong_usage_is_one_line_on_stderr(cli_env, args):
    result = flask(*args, env=cli_env, stdin="password1234\n")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr


# Every command that reads or writes the database, with arguments good enough to get that far.
DATABASE_COMMANDS = [
    ["metrics", "--start", "2026-01-01", "--end", "2026-01-31"],
    ["outcomes", "--start", "2026-01-01", "--end", "2026-01-31"],
    ["create-token", "--email", "someone@example.org"],
    ["send-mail"],
    ["send-reminders"],
    ["export-person", "--email", "someone@example.org"],
]


@pytest.mark.parametrize("args", DATABASE_COMMANDS, ids=lambda args: args[0])
def test_a_database_never_set_up_is_named_on_one_line(cli_env, args):
    """A SQLite file where init-db was never run: say so and what to do, with no traceback."""
    result = flask(*args, env=cli_env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "has not been set up" in lines[0] and "flask init-db" in lines[0]


@pytest.mark.parametrize("args", DATABASE_COMMANDS[:4], ids=lambda args: args[0])
def test_an_unreachable_database_is_named_on_one_line(cli_env, args):
    """Nothing listens on port 1: one line saying the database cannot be used, exit non-zero."""
    env = {**cli_env, "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/nothing?connect_timeout=3"}
    result = flask(*args, env=env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: cannot use the database:")


def test_create_user_on_a_database_never_set_up(cli_env):
    result = flask("create-user", "--email", "a@example.org", "--name", "A", "--role", "lead", env=cli_env,
                   stdin="a long enough password\n")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "flask init-db" in result.stderr
