"""``flask bench-accounts`` and ``flask bench-pages``: the in-process half of ``make bench``.

``bench-accounts`` readies two people to sign in for a benchmark: a programme lead kept for benchmarks
(``lead@benchmark.example.org``) and a realistic team member of the synthetic programme, booked on their
team's next supervision sessions like their colleagues. ``--remove`` takes both passwords away again.
``bench-pages`` times pages for one of them in-process and prints JSON: each page's median server
milliseconds, SQL statements per request, the bytes of HTML it sends and the scripts it references.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import statistics
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select, update

from programme.models import Booking, Pattern, ProgrammeSession
from programme.supervision.facilitators import suggest_facilitators
from programme.supervision.places import book_place, upcoming_slots
from programme.supervision.series import SeriesRequest, create_series, plan_series
from reports.bench import TEMPORARY_DOMAIN, StatementCounter, signed_in_client, timed_get
from reports.synthetic import synthetic_person_filter, synthetic_team_filter
from rosters.cli import command, fail
from rosters.clock import today_uk, utcnow
from rosters.errors import Refused
from rosters.extensions import db
from rosters.models import Person, Role, SignInSession, Team
from rosters.services import create_user, end_sign_ins, find_person, set_password

LEAD_EMAIL = f"lead@{TEMPORARY_DOMAIN}"
WEEKS_BOOKED = 26  # the series a team sets up: about six months ahead
SCRIPT_SRC = re.compile(rb'<script[^>]*\ssrc="([^"]+)"')
SLOW_MS = 5000.0  # a page this slow to warm up is timed once: its median would only make the run longer


def bench_member() -> Person | None:
    """The first team member of the first active synthetic team: the same person on every run."""
    team_id = db.session.scalar(
        select(Team.id).where(synthetic_team_filter(), Team.active.is_(True)).order_by(Team.id).limit(1)
    )
    if team_id is None:
        return None
    return db.session.scalar(
        select(Person)
        .where(Person.team_id == team_id, Person.role == Role.MEMBER.value, synthetic_person_filter())
        .order_by(Person.id)
        .limit(1)
    )


def _series_for(team: Team, today: dt.date) -> int:
    """Give the team a four-weekly series from the next working day, with a trained facilitator."""
    first = today + dt.timedelta(days=1)
    while first.weekday() >= 5:
        first += dt.timedelta(days=1)
    for weeks in (WEEKS_BOOKED, 12):  # someone whose training lapses within six months may still cover three
        last = first + dt.timedelta(weeks=weeks)
        request = SeriesRequest(
            team=team, facilitator=None, pattern=Pattern.EVERY_N_WEEKS.value, interval_weeks=4,
            weekday=first.weekday(), first_date=first, last_date=last, start_time=dt.time(10, 0),
            duration_minutes=90, capacity=8, location="Synthetic Civic Centre, meeting room 1",
        )
        for option in suggest_facilitators(team, first, last):
            request.facilitator = option.person
            if not plan_series(request).problems:
                return len(create_series(request).sessions)
    fail(f"no facilitator is free and trained to run {team.name}'s supervision")


def ensure_bookings(member: Person) -> int:
    """Book the member (and a few colleagues) on the team's next two sessions unless already booked ahead."""
    now = utcnow()
    ahead = select(Booking.id).join(ProgrammeSession).where(
        Booking.person_id == member.id, Booking.is_live, ProgrammeSession.starts_at > now
    )
    held = len(db.session.scalars(ahead).all())
    if held:
        return held
    today = today_uk()
    last = today + dt.timedelta(weeks=WEEKS_BOOKED)
    sessions = upcoming_slots([member.team_id], today, last)
    if len(sessions) < 2:
        _series_for(member.team, today)
        sessions = upcoming_slots([member.team_id], today, last)
    colleagues = [p for p in member.team.people if p.id != member.id and p.role != Role.FACILITATOR.value]
    rng = random.Random(member.id)  # noqa: S311 (who else booked: synthetic data)
    for session in sessions[:2]:
        for person in [member, *rng.sample(colleagues, min(4, len(colleagues)))]:
            book_place(session.id, person)
    db.session.flush()
    return len(db.session.scalars(ahead).all())


@command("bench-accounts")
@click.option("--remove", is_flag=True, help="Take the benchmark's passwords away again.")
@with_appcontext
def bench_accounts(remove: bool) -> None:
    """Ready a lead and a synthetic team member to sign in with the password on standard input (prints JSON)."""
    member = bench_member()
    lead = find_person(LEAD_EMAIL)
    if remove:
        for person in (lead, member):
            if person is not None:
                end_sign_ins(person)
                person.password_hash = None
        db.session.commit()
        return
    if member is None:
        fail("no synthetic team member: run 'flask seed-synthetic' first")
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        fail("no password given: send it on standard input, one line")
    try:
        lead = create_user(LEAD_EMAIL, "Benchmark Lead", Role.LEAD.value, password)
        lead.enabled = True
        set_password(member, password)
        booked = ensure_bookings(member)
        db.session.commit()
    except Refused as exc:
        db.session.rollback()
        fail(str(exc))
    click.echo(json.dumps({"lead": lead.email, "member": member.email, "team": member.team.name, "booked": booked}))


def time_page(client, path: str, runs: int) -> dict:
    """Warm up, then time ``runs`` requests (one if very slow): the median and spread, and the statements,
    bytes and script addresses of the last run."""
    app = current_app._get_current_object()
    status, warm_up, body = timed_get(app, client, path)
    times, statements = [], 0
    for _ in range(0 if status != 200 else 1 if warm_up > SLOW_MS else runs):
        counter = StatementCounter()
        status, elapsed, body = timed_get(app, client, path, counter)
        if status != 200:
            break
        times.append(elapsed)
        statements = counter.count
    if status != 200:
        return {"status": status}
    return {"status": status, "median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
            "max_ms": round(max(times), 1), "runs": len(times), "statements": statements, "bytes": len(body),
            "scripts": [src.decode() for src in SCRIPT_SRC.findall(body)]}


@command("bench-pages")
@click.option("--as-email", "as_email", required=True, help="Person to sign in as (bench-accounts readies two).")
@click.option("--path", "paths", multiple=True, required=True, help="Page to time; repeat for more.")
@click.option("--runs", type=click.IntRange(1, 100), default=5, show_default=True, help="Measured requests per page.")
@with_appcontext
def bench_pages(as_email: str, paths: tuple[str, ...], runs: int) -> None:
    """Time pages in-process for one person: JSON of median server ms, SQL statements and HTML bytes per page."""
    if bad := [path for path in paths if not path.startswith("/")]:
        fail(f"path must start with '/': {bad[0]!r}")
    person = find_person(as_email)
    if person is None or not person.is_active:
        fail(f"{as_email} cannot sign in: run 'flask bench-accounts' first")
    sign_in = SignInSession.start(person)
    db.session.add(sign_in)
    db.session.commit()  # hold no transaction while the requests run
    try:
        client = signed_in_client(current_app._get_current_object(), sign_in)
        results = {path: time_page(client, path, runs) for path in paths}
    finally:
        db.session.rollback()
        db.session.execute(update(SignInSession).where(SignInSession.id == sign_in.id).values(ended_at=utcnow()))
        db.session.commit()
    click.echo(json.dumps(results))
