"""``flask seed-synthetic``: a large, realistic programme for benchmarks, written with bulk inserts.

Everything it makes is recognisable, so it never mixes with real or demo data: team and agency names
start with "Synthetic" and every person's e-mail is ``...@synthetic.example.org``. ``--replace``
deletes exactly those rows (and what hangs off them) before generating again.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from collections import Counter
from dataclasses import dataclass, field

import click
from flask.cli import with_appcontext
from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from programme.dates import bank_holidays
from programme.models import (
    Booking,
    Kind,
    ProgrammeSession,
    SkippedDate,
    Status,
    SupervisionSeries,
)
from rosters.cli import command, fail
from rosters.clock import local_to_utc, today_uk, utcnow
from rosters.extensions import db
from rosters.models import Agency, ApiToken, Course, Person, Role, SignInSession, Team, TrainingRecord

PREFIX = "Synthetic"
DOMAIN = "synthetic.example.org"
BATCH = 5000

SERVICES = [
    ("Assessment", 5), ("Protection and Court", 5), ("Children Looked After", 4), ("Care Leavers", 2),
    ("Disabled Children", 2), ("Fostering and Adoption", 2), ("Early Help", 4), ("Youth Justice", 1),
]
# Most teams belong to the council; partner agencies bring a few.
AGENCIES = [(f"{PREFIX} County Council", 85), (f"{PREFIX} Health Trust", 10), (f"{PREFIX} Constabulary", 5)]
CATEGORY_WEIGHTS = [("murder", 2), ("abuse", 5), ("serious_violence", 4), ("threat_to_worker", 6), ("other", 5)]
SUPERVISION_TIMES = [dt.time(9, 30), dt.time(10, 0), dt.time(13, 30), dt.time(14, 0)]
DEBRIEF_TIMES = [dt.time(9, 30), dt.time(11, 0), dt.time(13, 0), dt.time(15, 0)]
CANCEL_REASONS = ["Facilitator unwell", "Team at court", "Office closed", "Too few able to attend"]
FIRST = ["Aisha", "Ben", "Chloe", "Daniel", "Ella", "Farhan", "Grace", "Harry", "Imogen", "Jack", "Kiran", "Leah",
         "Mohammed", "Niamh", "Oliver", "Priya", "Rosie", "Sam", "Tariq", "Una", "Vikram", "Willow", "Yusuf", "Zara"]
LAST = ["Ahmed", "Baker", "Clarke", "Davies", "Evans", "Fletcher", "Green", "Hughes", "Iqbal", "Jones", "Khan",
        "Lewis", "Morgan", "Nowak", "Obi", "Patel", "Quinn", "Roberts", "Shah", "Taylor", "Walker", "Young"]
VALIDITY_DAYS = {Course.PEER_SUPERVISION: 1095, Course.CRITICAL_INCIDENT_DEBRIEF: 730}


def synthetic_team_filter():
    return Team.name.like(f"{PREFIX} %")


def synthetic_person_filter():
    return Person.email.like(f"%@{DOMAIN}")


@dataclass
class Facilitator:
    """A generated facilitator: who, which team, and when each course is valid."""

    index: int  # into the people list
    team: int  # index into the team list
    valid: dict[str, list[tuple[dt.date, dt.date]]] = field(default_factory=dict)

    def can(self, course: str, day: dt.date) -> bool:
        return any(start <= day <= end for start, end in self.valid.get(course, ()))


@dataclass
class Plan:
    """All rows to insert; ids are filled in once teams and people exist."""

    agencies: list[dict] = field(default_factory=list)
    teams: list[dict] = field(default_factory=list)
    team_agency: list[int] = field(default_factory=list)
    team_span: list[tuple[dt.date, dt.date]] = field(default_factory=list)  # first and last session day
    people: list[dict] = field(default_factory=list)
    person_team: list[int] = field(default_factory=list)
    training: list[dict] = field(default_factory=list)  # person_id holds a people index until resolved
    sessions: list[dict] = field(default_factory=list)  # team_id, facilitator_id hold indexes until resolved


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> list[str]:
    return [value for value, weight in pairs for _ in range(weight)]


def _training_chain(rng: random.Random, first: dt.date, days: int, today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """A course completed on ``first`` and, mostly, renewed shortly before each expiry, up to today."""
    chain = [(first, first + dt.timedelta(days=days))]
    while chain[-1][1] < today and rng.random() < 0.85:
        renewed = chain[-1][1] - dt.timedelta(days=rng.randint(0, 60))
        chain.append((renewed, renewed + dt.timedelta(days=days)))
    return chain


def build_plan(teams: int, years: int, today: dt.date, seed: int) -> Plan:
    """Decide every row, in memory, deterministically for a seed."""
    rng = random.Random(seed)  # noqa: S311 (synthetic benchmark data, not secrets)
    plan = Plan()
    start = today - dt.timedelta(days=round(365.25 * years))
    now = utcnow()
    holidays = bank_holidays(start - dt.timedelta(days=400), today + dt.timedelta(days=7))

    plan.agencies = [{"name": name, "created_at": now} for name, _ in AGENCIES]
    agency_pool = [i for i, (_, weight) in enumerate(AGENCIES) for _ in range(weight)]
    service_pool = _weighted(rng, SERVICES)
    inactive = set(rng.sample(range(teams), max(1, round(teams * 0.04)))) if teams >= 5 else set()
    join_window = max(1, min(180, (today - start).days // 4))
    for t in range(teams):
        service = service_pool[t % len(service_pool)] if t < len(service_pool) else rng.choice(service_pool)
        plan.teams.append({"name": f"{PREFIX} {service} {t + 1:03d}", "service": service, "agency_id": None,
                           "active": t not in inactive, "created_at": now, "updated_at": now})
        plan.team_agency.append(agency_pool[t % len(agency_pool)] if t < 3 else rng.choice(agency_pool))
        joined = start + dt.timedelta(days=rng.randrange(join_window))
        # Inactive teams left the programme (a restructure) some time in the second half.
        left = today if t not in inactive else start + (today - start) * rng.uniform(0.5, 0.95)
        plan.team_span.append((joined, left))

    names = [f"{first} {last}" for first in FIRST for last in LAST]
    for t in range(teams):
        for position in range(rng.randint(8, 12)):
            number = len(plan.people) + 1
            plan.people.append({
                "email": f"person{number}@{DOMAIN}", "name": f"{rng.choice(names)} {number}",
                "role": Role.MANAGER.value if position == 0 else Role.MEMBER.value,
                "team_id": None, "password_hash": None, "enabled": True, "created_at": now, "updated_at": now,
            })
            plan.person_team.append(t)

    # About 5% of practitioners facilitate: trained over the years, most before the programme began.
    members = [i for i, person in enumerate(plan.people) if person["role"] == Role.MEMBER.value]
    chosen = rng.sample(members, max(2, round(len(plan.people) * 0.05)))
    facilitators: list[Facilitator] = []
    for number, index in enumerate(chosen):
        plan.people[index]["role"] = Role.FACILITATOR.value
        facilitator = Facilitator(index, plan.person_team[index])
        courses = [Course.PEER_SUPERVISION, Course.CRITICAL_INCIDENT_DEBRIEF]
        if number >= 2 and rng.random() < 0.2:  # a few are trained for one kind only
            courses = [rng.choice(courses)]
        for course in courses:
            span = (today - start).days
            offset = rng.randint(-400, 0) if rng.random() < 0.7 else rng.randint(0, max(1, span * 3 // 4))
            chain = _training_chain(rng, start + dt.timedelta(days=offset), VALIDITY_DAYS[course], today)
            facilitator.valid[course.value] = chain
            plan.training.extend({"person_id": index, "course": course.value, "completed_on": done,
                                  "expires_on": expires, "created_at": now} for done, expires in chain)
        facilitators.append(facilitator)
    for index, person in enumerate(plan.people):
        if person["role"] == Role.MANAGER.value and rng.random() < 0.7:
            done = start + dt.timedelta(days=rng.randint(-300, max(1, (today - start).days - 1)))
            plan.training.append({"person_id": index, "course": Course.SUPERVISION_SKILLS.value, "completed_on": done,
                                  "expires_on": None, "created_at": now})

    busy: set[tuple[int, dt.datetime]] = set()
    load: Counter[tuple[str, int]] = Counter()

    def pick(course: str, team: int, day: dt.date, starts: dt.datetime, preferred: Facilitator | None) -> Facilitator:
        """A facilitator trained on the day, from another team, free at that time."""

        def free(facilitator: Facilitator) -> bool:
            return facilitator.team != team and facilitator.can(course, day) and (facilitator.index, starts) not in busy

        # The usual facilitator while possible; otherwise the next suitable one from a random place in the list.
        chosen = preferred if preferred is not None and free(preferred) else None
        if chosen is None:  # the least busy of a few suitable ones, so that load spreads as a lead would spread it
            offset = rng.randrange(len(facilitators))
            suitable = (f for f in facilitators[offset:] + facilitators[:offset] if free(f))
            chosen = min(itertools.islice(suitable, 5), key=lambda f: load[course, f.index], default=None)
        if chosen is None:  # nobody trained that day: the roster shows the lapse
            chosen = rng.choice([f for f in facilitators if f.team != team] or facilitators)
        busy.add((chosen.index, starts))
        load[course, chosen.index] += 1
        return chosen

    def add_session(**row) -> None:
        plan.sessions.append({
            "kind": row["kind"], "format": row["format"], "team_id": row["team"], "date": row["day"],
            "starts_at": row["starts"], "duration_minutes": row["minutes"], "facilitator_id": row["facilitator"],
            "status": row["status"], "attendees": row.get("attendees"), "requested_on": row.get("requested_on"),
            "incident_category": row.get("category"), "capacity": row.get("capacity"),
            "cancelled_reason": row.get("reason", ""), "created_at": now, "updated_at": now,
        })

    def working_day(day: dt.date) -> dt.date:
        while day.weekday() >= 5 or day in holidays:
            day += dt.timedelta(days=1)
        return day

    # Supervision: every four weeks on the team's weekday; a few teams lapse for two to four months.
    for t in range(teams):
        joined, left = plan.team_span[t]
        weekday = rng.randrange(5)
        at = rng.choice(SUPERVISION_TIMES)
        minutes = 120 if rng.random() < 0.15 else 90
        preferred: Facilitator | None = None
        gaps: list[tuple[dt.date, dt.date]] = []
        if rng.random() < 0.1:
            for _ in range(rng.randint(1, 2)):
                gap_start = joined + dt.timedelta(days=rng.randint(0, max(1, (left - joined).days)))
                gaps.append((gap_start, gap_start + dt.timedelta(days=rng.randint(60, 120))))
        day = joined + dt.timedelta(days=(weekday - joined.weekday()) % 7)
        while day <= left:
            held = working_day(day)
            if held <= left and not any(a <= held <= b for a, b in gaps):
                starts = local_to_utc(held, at)
                cancelled = rng.random() < 0.06
                preferred = pick(Course.PEER_SUPERVISION.value, t, held, starts, preferred)  # kept while valid
                add_session(kind=Kind.SUPERVISION.value, format="group", team=t, day=held, starts=starts,
                            minutes=minutes, facilitator=preferred.index,
                            status=Status.CANCELLED.value if cancelled else Status.DELIVERED.value,
                            attendees=None if cancelled else rng.randint(3, 8), capacity=8,
                            reason=rng.choice(CANCEL_REASONS) if cancelled else "")
            day += dt.timedelta(days=28 if rng.random() < 0.9 else rng.choice([21, 35]))

    # Debriefs: about one per ten teams a month, three in four individual.
    categories = _weighted(rng, CATEGORY_WEIGHTS)
    span = (today - start).days
    month_days = 30.44
    expected = teams / 10 * span / month_days
    count = max(1, round(rng.gauss(expected, expected ** 0.5)))
    for day in sorted(start + dt.timedelta(days=rng.randint(1, span)) for _ in range(count)):
        held = working_day(day)
        while held > today or held.weekday() >= 5 or held in holidays:  # pushed past today: the working day before
            held -= dt.timedelta(days=1)
        candidates = [t for t in range(teams) if plan.team_span[t][0] <= held <= plan.team_span[t][1]]
        if not candidates:
            continue
        t = rng.choice(candidates)
        individual = rng.random() < 0.75
        at = rng.choice(DEBRIEF_TIMES)
        starts = local_to_utc(held, at)
        cancelled = rng.random() < 0.03
        add_session(kind=Kind.DEBRIEF.value, format="individual" if individual else "group", team=t, day=held,
                    starts=starts, minutes=90 if individual else 120,
                    facilitator=pick(Course.CRITICAL_INCIDENT_DEBRIEF.value, t, held, starts, None).index,
                    status=Status.CANCELLED.value if cancelled else Status.DELIVERED.value,
                    attendees=None if cancelled else (1 if individual else rng.randint(3, 7)),
                    requested_on=held - dt.timedelta(days=rng.randint(1, 20)), category=rng.choice(categories),
                    reason="Requester withdrew" if cancelled else "")
    return plan


def _insert(model, rows: list[dict]) -> None:
    # render_nulls: without it the ORM leaves out None values, splitting rows into small batches by which are None.
    statement = insert(model).execution_options(render_nulls=True)
    for first in range(0, len(rows), BATCH):
        db.session.execute(statement, rows[first:first + BATCH])


def _insert_returning_ids(model, rows: list[dict]) -> list[int]:
    ids: list[int] = []
    for first in range(0, len(rows), BATCH):
        ids.extend(db.session.scalars(
            insert(model).returning(model.id, sort_by_parameter_order=True).execution_options(render_nulls=True),
            rows[first:first + BATCH],
        ))
    return ids


def write_plan(plan: Plan) -> dict[str, int]:
    """Insert the plan's rows in dependency order; returns counts per table."""
    existing = dict(db.session.execute(select(Agency.name, Agency.id).where(Agency.name.like(f"{PREFIX} %"))).all())
    new_agencies = [row for row in plan.agencies if row["name"] not in existing]
    for row, agency_id in zip(new_agencies, _insert_returning_ids(Agency, new_agencies), strict=True):
        existing[row["name"]] = agency_id
    agency_ids = [existing[row["name"]] for row in plan.agencies]

    for row, agency in zip(plan.teams, plan.team_agency, strict=True):
        row["agency_id"] = agency_ids[agency]
    team_ids = _insert_returning_ids(Team, plan.teams)
    for row, team in zip(plan.people, plan.person_team, strict=True):
        row["team_id"] = team_ids[team]
    person_ids = _insert_returning_ids(Person, plan.people)
    for row in plan.training:
        row["person_id"] = person_ids[row["person_id"]]
    _insert(TrainingRecord, plan.training)
    for row in plan.sessions:
        row["team_id"] = team_ids[row["team_id"]]
        row["facilitator_id"] = person_ids[row["facilitator_id"]]
    _insert(ProgrammeSession, plan.sessions)
    return {"agencies": len(new_agencies), "teams": len(team_ids), "people": len(person_ids),
            "training records": len(plan.training), "sessions": len(plan.sessions)}


def delete_synthetic() -> dict[str, int]:
    """Delete synthetic sessions, training, people, teams and unused synthetic agencies (not committed)."""
    teams = select(Team.id).where(synthetic_team_filter()).scalar_subquery()
    people = select(Person.id).where(synthetic_person_filter()).scalar_subquery()
    sessions = select(ProgrammeSession.id).where(ProgrammeSession.team_id.in_(teams)).scalar_subquery()
    series = select(SupervisionSeries.id).where(SupervisionSeries.team_id.in_(teams)).scalar_subquery()
    counts = {}
    # Things the app may have hung off synthetic rows while someone explored them.
    db.session.execute(delete(Booking).where(or_(Booking.session_id.in_(sessions), Booking.person_id.in_(people))))
    db.session.execute(delete(SignInSession).where(SignInSession.person_id.in_(people)))
    db.session.execute(delete(ApiToken).where(ApiToken.person_id.in_(people)))
    counts["sessions"] = db.session.execute(delete(ProgrammeSession).where(ProgrammeSession.id.in_(sessions))).rowcount
    db.session.execute(delete(SkippedDate).where(SkippedDate.series_id.in_(series)))
    db.session.execute(delete(SupervisionSeries).where(SupervisionSeries.id.in_(series)))
    counts["training records"] = db.session.execute(
        delete(TrainingRecord).where(TrainingRecord.person_id.in_(people))
    ).rowcount
    counts["people"] = db.session.execute(delete(Person).where(Person.id.in_(people))).rowcount
    counts["teams"] = db.session.execute(delete(Team).where(Team.id.in_(teams))).rowcount
    used = select(Team.agency_id).distinct().scalar_subquery()
    counts["agencies"] = db.session.execute(
        delete(Agency).where(Agency.name.like(f"{PREFIX} %"), Agency.id.not_in(used))
    ).rowcount
    return counts


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{name}: {number}" for name, number in counts.items())


@command("seed-synthetic")
@click.option("--teams", type=click.IntRange(1, 5000), default=300, show_default=True, help="Number of teams.")
@click.option("--years", type=click.IntRange(1, 20), default=5, show_default=True, help="Years of history to today.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed (same seed, same programme).")
@click.option("--replace", is_flag=True, help="Delete existing synthetic rows first.")
@with_appcontext
def seed_synthetic(teams: int, years: int, seed: int, replace: bool) -> None:
    """Generate a large synthetic programme (teams named "Synthetic ...") for benchmarks."""
    began = time.perf_counter()
    exists = db.session.scalar(
        select(func.count()).select_from(Team).where(synthetic_team_filter())
    ) or db.session.scalar(select(func.count()).select_from(Person).where(synthetic_person_filter()))
    if exists and not replace:
        fail("synthetic data already exists: run again with --replace to delete and regenerate it")
    if exists:
        try:
            removed = delete_synthetic()
            db.session.flush()
        except IntegrityError as exc:
            db.session.rollback()
            fail(f"cannot delete synthetic data, other rows refer to it: {str(exc.orig).splitlines()[0]}")
        click.echo(f"deleted {_summary(removed)} in {time.perf_counter() - began:.2f} s")
    planning = time.perf_counter()
    plan = build_plan(teams, years, today_uk(), seed)
    planned = time.perf_counter()
    try:
        counts = write_plan(plan)
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        fail(f"synthetic data refused by the database: {str(exc.orig).splitlines()[0]}")
    done = time.perf_counter()
    sessions = plan.sessions
    supervision = sum(1 for row in sessions if row["kind"] == Kind.SUPERVISION.value)
    click.echo(f"added {_summary(counts)} (supervision {supervision}, debriefs {len(sessions) - supervision})")
    click.echo(f"period: {min(row['date'] for row in sessions)} to {max(row['date'] for row in sessions)}")
    click.echo(f"time: {done - began:.2f} s (planning {planned - planning:.2f} s, inserting {done - planned:.2f} s)")

