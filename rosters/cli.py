"""Command-line operations: ``flask init-db``, ``create-user``, ``create-token``, ``import-csv``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy.exc import SQLAlchemyError

from rosters.csv_import import ImportFailed, run_import
from rosters.extensions import db
from rosters.models import ROLE_VALUES
from rosters.services import RosterError
from rosters.services import create_token as issue_token
from rosters.services import create_user as add_user

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


class OneLineErrors(click.Command):
    """A command whose wrong usage (missing option, bad choice) is reported on one line, not a usage block."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            raise click.ClickException(f"{exc.format_message()} (see 'flask {info_name} --help')") from None


def command(name: str):
    """``click.command`` for this project's commands: one-line errors, as the public contract asks."""
    return click.command(name, cls=OneLineErrors)


def fail(message: str) -> None:
    """Stop with one readable line on standard error and a non-zero exit."""
    raise click.ClickException(message)


@command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the database schema, or upgrade it to the newest version (never drops data)."""
    try:
        upgrade(directory=MIGRATIONS)
    except SQLAlchemyError as exc:
        fail(f"cannot reach or upgrade the database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


@command("create-user")
@click.option("--email", required=True, help="Sign-in email address.")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", required=True, type=click.Choice(ROLE_VALUES, case_sensitive=False))
@click.option("--team", default=None, help="Name of an existing team.")
@with_appcontext
def create_user(email: str, name: str, role: str, team: str | None) -> None:
    """Add a person who can sign in (or set an existing person's password); reads the password from stdin."""
    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        fail("no password given: send it on standard input, one line")
    try:
        person = add_user(email, name, role, password, team)
        db.session.commit()
    except RosterError as exc:
        db.session.rollback()
        fail(str(exc))
    click.echo(f"{person.email} can now sign in as {person.role}.")


@command("create-token")
@click.option("--email", required=True)
@with_appcontext
def create_token(email: str) -> None:
    """Print a new API token for a person, alone on one line."""
    try:
        token = issue_token(email)
        db.session.commit()
    except RosterError as exc:
        db.session.rollback()
        fail(str(exc))
    click.echo(token)


@command("import-csv")
@click.argument("kind", type=click.Choice(["teams", "people", "training", "sessions"], case_sensitive=False))
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@with_appcontext
def import_csv(kind: str, file: str) -> None:
    """Import teams, people, training or sessions from a CSV file: all rows or none."""
    kind = kind.lower()
    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    try:
        result = run_import(kind, data)
    except ImportFailed as failure:
        for line in failure.errors:
            click.echo(line, err=True)
        fail(f"nothing imported: {len(failure.errors)} problem(s) in {file}")
    click.echo(result.summary())


def register_commands(app: Flask) -> None:
    for command in (init_db, create_user, create_token, import_csv):
        app.cli.add_command(command)
