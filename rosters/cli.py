"""The command line: one registry of commands, and the roster's own (init-db, create-user, create-token, import-csv).

Every package defines its commands with ``@command(name)``, which adds them to ``COMMANDS``; the app
adds every registered command in one place (``app.register_commands``). Each gives wrong usage and
refused input as one line on standard error and a non-zero exit, as the public contract asks.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NoReturn, TypeVar

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy.exc import SQLAlchemyError

from rosters import mail, outbox
from rosters.actions import commit_telling
from rosters.csv_import import IMPORTERS, ImportFailed, kinds_in_order, run_import
from rosters.errors import Refused
from rosters.extensions import db
from rosters.models import ROLE_VALUES
from rosters.services import create_token as issue_token
from rosters.services import create_user as add_user

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
T = TypeVar("T")


class OneLineErrors(click.Command):
    """A command whose wrong usage (missing option, bad choice) is reported on one line, not a usage block,
    and whose database, unreachable or never set up, is named on one line rather than in a traceback."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            raise click.ClickException(f"{exc.format_message()} (see 'flask {info_name} --help')") from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SQLAlchemyError as exc:
            raise click.ClickException(database_problem(exc)) from None


def database_problem(error: SQLAlchemyError) -> str:
    """One line for a database error a command cannot go on after: what the driver said, and what to do."""
    said = str(getattr(error, "orig", None) or error).strip().splitlines()
    first = said[0][:300] if said else type(error).__name__
    # SQLite's and PostgreSQL's words for a missing table: the schema was never made.
    if "no such table" in first or ("relation" in first and "does not exist" in first):
        return f"the database has not been set up ({first}): run 'flask init-db' first"
    return f"cannot use the database: {first}"


COMMANDS: list[click.Command] = []


def command(name: str) -> Callable[[Callable], click.Command]:
    """``click.command`` for this project's commands: one-line errors, and registered for the app."""

    def decorator(function: Callable) -> click.Command:
        made = click.command(name, cls=OneLineErrors)(function)
        COMMANDS.append(made)
        return made

    return decorator


class ImportKind(click.ParamType):
    """A kind of spreadsheet import, read from the import registry when the command runs."""

    name = "kind"

    def get_metavar(self, param, ctx) -> str:
        return "{" + "|".join(kinds_in_order()) + "}"

    def convert(self, value, param, ctx) -> str:
        kind = str(value).strip().lower()
        if kind not in IMPORTERS:
            self.fail(f"{value!r} is not one of {', '.join(kinds_in_order())}", param, ctx)
        return kind


def fail(message: str) -> NoReturn:
    """Stop with one readable line on standard error and a non-zero exit."""
    raise click.ClickException(message)


def committed(operation: Callable[[], T], *, tell: Callable[[T], Iterable[mail.Message]] | None = None) -> T:
    """The command line's request layer: run, then commit with ``tell(result)`` in the outbox; a refusal
    rolls back and stops the command with its problems on one line."""
    try:
        result, _messages = commit_telling(operation, tell)
    except Refused as error:
        db.session.rollback()
        fail("; ".join(error.texts))
    return result


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
    person = committed(lambda: add_user(email, name, role, password, team))
    click.echo(f"{person.email} can now sign in as {person.role}.")


@command("create-token")
@click.option("--email", required=True)
@with_appcontext
def create_token(email: str) -> None:
    """Print a new API token for a person, alone on one line."""
    click.echo(committed(lambda: issue_token(email)))


@command("import-csv")
@click.argument("kind", type=ImportKind())
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@with_appcontext
def import_csv(kind: str, file: str) -> None:
    """Import a CSV file of teams, people, training, sessions or another registered kind: all rows or none."""
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
    """Add every registered command to the app (the modules defining them must be imported first)."""
    for registered in COMMANDS:
        app.cli.add_command(registered)


@command("send-mail")
@click.option("--watch", is_flag=True, help="Keep sending until stopped, instead of sending what waits and exiting.")
@click.option("--interval", type=click.IntRange(1, 3600), default=10, show_default=True,
              help="With --watch: seconds between looks at the outbox.")
@with_appcontext
def send_mail(watch: bool, interval: int) -> None:
    """Send the e-mails waiting in the outbox (exits 0 even when some must wait for a later try)."""
    if not watch:
        report = outbox.send_due()
        outbox.purge_sent()
        click.echo(report.line)
        return
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    click.echo(f"Sending e-mail every {interval} s until stopped (Ctrl+C or SIGTERM).")
    try:
        while not stopping:
            try:
                report = outbox.send_due()
                if report.sent or report.retrying or report.failed:
                    click.echo(report.line)
                outbox.purge_sent()
            except SQLAlchemyError as exc:  # the database is away for a moment: keep watching
                db.session.rollback()
                current_app.logger.warning("Outbox not read: %s", type(exc).__name__)
            db.session.remove()  # a fresh connection each round: the database may have restarted
            for _ in range(interval * 10):
                if stopping:
                    break
                time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    click.echo("Stopped.")
