"""``flask bench-dashboard``: server time and SQL statement count of one page, measured in-process.

A benchmark, not a test: it signs in as a programme lead through a test client, requests the page once
to warm up and then ``--runs`` times, and prints each run and the median.
"""

from __future__ import annotations

import secrets
import statistics
import time

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, event, select, update

from rosters.cli import command, fail
from rosters.clock import utcnow
from rosters.extensions import db
from rosters.models import AuditEvent, Person, Role, SignInSession
from rosters.services import find_person, password_hasher

TEMPORARY_DOMAIN = "benchmark.example.org"


class StatementCounter:
    """Counts SQL statements sent to the database while attached."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.count += 1


def _lead(email: str | None) -> tuple[Person, bool]:
    """The lead to sign in as, and whether it was created for this run (and must be removed)."""
    if email:
        person = find_person(email)
        if person is None:
            fail(f"no person with e-mail {email}")
        if person.role != Role.LEAD.value:
            fail(f"{person.email} is a {person.role}, not a lead")
        if not person.is_active:
            fail(f"{person.email} cannot sign in (disabled or no password)")
        return person, False
    person = db.session.scalar(
        select(Person)
        .where(Person.role == Role.LEAD.value, Person.enabled.is_(True), Person.password_hash.is_not(None))
        .order_by(Person.id)
        .limit(1)
    )
    if person is not None:
        return person, False
    person = Person(
        email=f"bench-lead-{secrets.token_hex(4)}@{TEMPORARY_DOMAIN}", name="Benchmark Lead", role=Role.LEAD.value,
        password_hash=password_hasher.hash(secrets.token_urlsafe(24)),
    )
    db.session.add(person)
    db.session.commit()
    return person, True


def signed_in_client(app: Flask, sign_in: SignInSession):
    """A test client whose cookie holds ``sign_in``, as the sign-in page leaves it."""
    client = app.test_client()
    identifier = getattr(app.login_manager, "_session_identifier_generator", None)
    with client.session_transaction() as session:
        session["_user_id"] = sign_in.cookie_secret
        session["_fresh"] = True
        if identifier is not None:  # what Flask-Login's session protection compares on each request
            with app.test_request_context(environ_base=client.environ_base):
                session["_id"] = identifier()
    return client


def timed_get(app: Flask, client, path: str, counter: StatementCounter | None = None) -> tuple[int, float, bytes]:
    """One request in its own application context, as a real request would have (fresh g and session):
    status, milliseconds and body; the SQL statements it sends are counted in ``counter`` if given."""
    engine = db.engine
    with app.app_context():
        if counter is not None:
            event.listen(engine, "before_cursor_execute", counter)
        try:
            began = time.perf_counter()
            response = client.get(path)
            body = response.get_data()
            elapsed = (time.perf_counter() - began) * 1000
        finally:
            if counter is not None:
                event.remove(engine, "before_cursor_execute", counter)
        status = response.status_code
        response.close()
    return status, elapsed, body


@command("bench-dashboard")
@click.option("--runs", type=click.IntRange(1, 1000), default=5, show_default=True, help="Measured requests.")
@click.option("--path", default="/dashboard", show_default=True, help="Page to request.")
@click.option("--as-email", "as_email", default=None, help="Lead to sign in as (default: the first lead).")
@with_appcontext
def bench_dashboard(runs: int, path: str, as_email: str | None) -> None:
    """Time a page for a signed-in lead: server milliseconds and SQL statements per request, and the median."""
    if not path.startswith("/"):
        fail(f"path must start with '/': {path!r}")
    app = current_app._get_current_object()
    person, temporary = _lead(as_email)
    email, person_id = person.email, person.id
    sign_in_id = None
    times: list[float] = []
    counts: list[int] = []
    problem = None
    try:
        sign_in = SignInSession.start(person)
        db.session.add(sign_in)
        db.session.commit()  # hold no transaction (on SQLite, no lock) while the requests run
        sign_in_id = sign_in.id
        client = signed_in_client(app, sign_in)
        status, _, _ = timed_get(app, client, path)  # warm-up: templates compiled, caches filled
        if status != 200:
            problem = f"GET {path} answered {status}, not 200 (warm-up, signed in as {email})"
        else:
            for run in range(1, runs + 1):
                counter = StatementCounter()
                status, elapsed, _ = timed_get(app, client, path, counter)
                if status != 200:
                    problem = f"GET {path} answered {status}, not 200 (run {run}, signed in as {email})"
                    break
                times.append(elapsed)
                counts.append(counter.count)
                click.echo(f"run {run}: {elapsed:.1f} ms, {counter.count} SQL statements")
    finally:
        db.session.rollback()
        if temporary:
            db.session.execute(delete(SignInSession).where(SignInSession.person_id == person_id))
            if db.session.scalar(select(AuditEvent.id).where(AuditEvent.person_id == person_id).limit(1)) is None:
                db.session.execute(delete(Person).where(Person.id == person_id))
            else:  # the audit trail is append-only and names this person: keep them, unable to sign in
                db.session.execute(
                    update(Person).where(Person.id == person_id).values(enabled=False, password_hash=None)
                )
                click.echo(f"note: {email} kept, disabled, because the audit trail names it")
        elif sign_in_id is not None:
            db.session.execute(
                update(SignInSession).where(SignInSession.id == sign_in_id).values(ended_at=utcnow())
            )
        db.session.commit()
    if problem:
        fail(problem)
    click.echo(
        f"median over {runs} run(s) of GET {path} as {email}: {statistics.median(times):.1f} ms, "
        f"{statistics.median(counts):g} SQL statements (min {min(times):.1f} ms, max {max(times):.1f} ms)"
    )

