"""The privacy commands: ``apply-retention``, ``export-person``, ``erase-person``, ``legal-hold``."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from programme.debriefs.models import DebriefRequest
from programme.privacy.access import export_person
from programme.privacy.erasure import erase_person, erasure_problems, promotions_told
from programme.privacy.holds import set_person_hold, set_request_hold
from programme.privacy.retention import MAX_RETENTION_MONTHS, apply_retention
from rosters.bounds import MAX_ID
from rosters.cli import command, committed, fail
from rosters.extensions import db
from rosters.models import Person
from rosters.services import find_person


def _person_or_fail(email: str) -> Person:
    person = find_person(email)
    if person is None:
        fail(f"no one with the e-mail address {email.strip()!r}")
    return person


@command("apply-retention")
@click.option("--months", type=click.IntRange(1, MAX_RETENTION_MONTHS), default=None,
              help="Keep personal links this many months (default RETENTION_MONTHS, 24).")
@click.option("--dry-run", is_flag=True, help="Say what would change, and change nothing.")
@with_appcontext
def apply_retention_command(months: int | None, dry_run: bool) -> None:
    """Remove personal links from records older than the retention period; figures stay the same."""
    if dry_run:
        result = apply_retention(months, dry_run=True)  # rolls itself back
    else:
        result = committed(lambda: apply_retention(months))
    click.echo(result.summary())


@command("export-person")
@click.option("--email", required=True, help="E-mail address of the person asking.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the JSON to this file (default: standard output).")
@with_appcontext
def export_person_command(email: str, output: str | None) -> None:
    """Export everything held about one person as JSON (a subject access request); audited."""
    person = _person_or_fail(email)
    data = json.dumps(export_person(person, channel="command line"), indent=2, ensure_ascii=False)
    if output:
        try:
            Path(output).write_text(data + "\n", encoding="utf-8")
        except OSError as exc:
            db.session.rollback()
            fail(f"cannot write {output}: {exc.strerror}")
    db.session.commit()
    if output:
        click.echo(f"Wrote {output}.")
    else:
        click.echo(data)


@command("erase-person")
@click.option("--email", required=True, help="E-mail address of the person to erase.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_person_command(email: str, yes: bool) -> None:
    """Erase one person everywhere; sessions, bookings and figures stay. Cannot be undone."""
    person = _person_or_fail(email)
    problems = erasure_problems(person)
    if problems:
        fail("; ".join(problems))
    if not yes and not click.confirm(f"Erase {person.email} everywhere? This cannot be undone", err=True):
        fail("nothing erased")
    result = committed(lambda: erase_person(person, channel="command line"), tell=promotions_told)
    click.echo(result.summary())


@command("legal-hold")
@click.option("--debrief", "request_id", type=click.IntRange(1, MAX_ID), default=None, help="Id of a debrief request.")
@click.option("--email", default=None, help="E-mail address of a person.")
@click.option("--reason", default="", help="Why the records must be kept (required to place a hold).")
@click.option("--clear", is_flag=True, help="Clear the hold instead of placing it.")
@with_appcontext
def legal_hold_command(request_id: int | None, email: str | None, reason: str, clear: bool) -> None:
    """Place (or --clear) a legal hold on a debrief request or a person: retention and erasure skip it."""
    if (request_id is None) == (email is None):
        fail("give exactly one of --debrief ID or --email E")
    if request_id is not None:
        item = db.session.get(DebriefRequest, request_id)
        if item is None:
            fail(f"no debrief request {request_id}")
        committed(lambda: set_request_hold(item, not clear, reason))
        what = f"debrief request {request_id}"
    else:
        person = _person_or_fail(email)
        committed(lambda: set_person_hold(person, not clear, reason))
        what = person.email
    click.echo(f"Legal hold {'cleared from' if clear else 'placed on'} {what}.")

