"""Who may facilitate a team's supervision, who is suggested, and why anyone else is not."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from programme.models import Kind, ProgrammeSession, Status
from programme.workload import sessions_led
from rosters.clock import local_to_utc
from rosters.errors import Problem
from rosters.extensions import db
from rosters.models import Course, Person, Role, Team
from rosters.services import people_trained_in


def team_managers(team: Team) -> list[Person]:
    return [person for person in team.people if person.role == Role.MANAGER.value]


@dataclass(frozen=True)
class FacilitatorOption:
    person: Person
    load: int


def suggest_facilitators(team: Team, first: dt.date, last: dt.date) -> list[FacilitatorOption]:
    """People who may facilitate this team's supervision over the dates, least loaded first.

    They need peer_supervision training valid on every date from first to last (someone whose training
    lapses part-way would be refused by ``plan_series``, so suggesting them helps no one), and are never
    the team's own manager.
    """
    excluded = {person.id for person in team_managers(team)}
    eligible = [
        person for person in people_trained_in(Course.PEER_SUPERVISION)
        if person.id not in excluded and person.trained_throughout(Course.PEER_SUPERVISION, first, last)
    ]
    loads = sessions_led([p.id for p in eligible], Kind.SUPERVISION, first, last)
    options = [FacilitatorOption(person, loads[person.id]) for person in eligible]
    return sorted(options, key=lambda option: (option.load, option.person.name.lower()))


def why_not_suggested(person: Person, team: Team, first: dt.date) -> str:
    """Why a trained person is not among the suggestions for this team from ``first``."""
    if person.id in {manager.id for manager in team_managers(team)}:
        return f"manages {team.name}"
    if not person.trained_on(Course.PEER_SUPERVISION, first):
        return f"training not valid on {first:%-d %B %Y}"
    return "training not valid on every date of the series"


def facilitator_problems(
    person: Person, team: Team, day: dt.date, start: dt.time, duration: int, *, ignore_session_id: int | None = None
) -> list[Problem]:
    """Why ``person`` cannot facilitate this team's session on ``day`` (empty when they can)."""
    problems = []
    if person.id in {manager.id for manager in team_managers(team)}:
        problems.append(Problem(
            f"{person.name} manages {team.name}; choose a facilitator from outside the team's management",
            "facilitator"))
    if not person.trained_on(Course.PEER_SUPERVISION, day):
        problems.append(Problem(
            f"{person.name} has no valid reflexive peer-group supervision training on {day:%-d %B %Y}", "facilitator"))
    starts = local_to_utc(day, start)
    ends = starts + dt.timedelta(minutes=duration)
    clashes = db.session.scalars(
        db.select(ProgrammeSession).where(
            ProgrammeSession.facilitator_id == person.id,
            ProgrammeSession.status != Status.CANCELLED.value,
            ProgrammeSession.date == day,
            ProgrammeSession.id != (ignore_session_id or 0),
        )
    ).all()
    for other in clashes:
        other_ends = other.starts_at + dt.timedelta(minutes=other.duration_minutes)
        if other.starts_at < ends and starts < other_ends:
            problems.append(Problem(
                f"{person.name} already facilitates {other.team.name} from {other.starts_local:%H:%M} "
                f"on {day:%-d %B %Y}", "facilitator"))
    return problems
