"""The demo's evidence of impact: 16 months of made-up HR figures, session feedback and one pulse.

Every number here is invented for the demo and is labelled so: the pulse and its questionnaire say
"demo" in their titles, and ``flask seed-demo`` says so when it runs. The workforce figures go in
through the real ``workforce`` import; the answers are written as the answer page would write them
(anonymous rows with the month and team only), because the demo's history has no one to e-mail.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import secrets

from programme.evaluation.answers import session_feedback_questionnaire
from programme.evaluation.definitions import check
from programme.evaluation.models import (
    Pulse,
    Questionnaire,
    Source,
    SurveyInvitation,
    SurveyResponse,
    WorkforceMonth,
)
from programme.models import Kind, ProgrammeSession, Status
from rosters.csv_import import run_import
from rosters.extensions import db
from rosters.models import Person, Team, hash_secret

MONTHS = 16
DEMO_DOMAIN = "demo.example.org"  # the demo programme's people all have addresses here
DEMO_COMMENTS = [
    "Demo comment: having a protected hour each month made a real difference after a hard court case.",
    "Demo comment: it helped to hear that others carry the same worries home.",
    "Demo comment: a quieter room would help; we were interrupted twice.",
    "Demo comment: I was unsure at first but I would now recommend it to anyone new.",
    "Demo comment: the debrief came at the right time, after the funeral rather than before.",
]

# A short wellbeing check written for the demo alone: not a validated measure, and labelled so.
DEMO_MEASURE = {
    "format": "questionnaire/1",
    "key": "demo-wellbeing-check",
    "version": 1,
    "title": "Demo wellbeing check (made up for the demo; not a validated measure)",
    "intro": "Thinking about the last month at work.",
    "attribution": "Written for the demo programme only. Use a validated measure, under its licence, for real.",
    "scale": {"min": 1, "max": 5, "labels": {"1": "Never", "2": "Rarely", "3": "Sometimes", "4": "Often",
                                             "5": "Very often"}},
    "items": [
        {"id": "worth", "text": "I felt my work made a difference to the children and families I work with."},
        {"id": "proud", "text": "I felt proud of how I handled a difficult piece of work."},
        {"id": "drained", "text": "I felt worn out by the end of the working week."},
        {"id": "rested", "text": "I had enough energy left for life outside work.", "reverse": True},
        {"id": "intrusive", "text": "Details of a case came back to me when I did not want them to."},
        {"id": "avoid", "text": "I avoided things that reminded me of a distressing case."},
    ],
    "subscales": [
        {"id": "satisfaction", "label": "Satisfaction from the work", "items": ["worth", "proud"], "score": "sum",
         "bands": [{"label": "Low", "from": 2}, {"label": "Moderate", "from": 5}, {"label": "High", "from": 8}]},
        {"id": "exhaustion", "label": "Exhaustion", "items": ["drained", "rested"], "score": "sum",
         "higher_is_better": False,
         "bands": [{"label": "Low", "from": 2}, {"label": "Moderate", "from": 5}, {"label": "High", "from": 8}]},
        {"id": "secondary_stress", "label": "Stress carried from others' trauma", "items": ["intrusive", "avoid"],
         "score": "sum", "higher_is_better": False,
         "bands": [{"label": "Low", "from": 2}, {"label": "Moderate", "from": 5}, {"label": "High", "from": 8}]},
    ],
}


def holds_demo_data() -> bool:
    """Whether this database holds the demo programme, whose evidence pages then say it is made up."""
    return db.session.scalar(db.select(Person.id).where(Person.email.like(f"%@{DEMO_DOMAIN}")).limit(1)) is not None


def _month(day: dt.date, back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _supervised_months(team_id: int) -> set[dt.date]:
    days = db.session.scalars(db.select(ProgrammeSession.date).where(
        ProgrammeSession.team_id == team_id, ProgrammeSession.kind == Kind.SUPERVISION.value,
        ProgrammeSession.status == Status.DELIVERED.value))
    return {day.replace(day=1) for day in days}


def workforce_file(today: dt.date, seed: int) -> bytes:
    """A ``workforce`` import for every active team and the last 16 whole months (made-up figures:
    sickness and leavers run a little lower in months with regular supervision)."""
    rng = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["team", "month", "fte", "sickness_days", "leavers", "vacancies_fte", "agency_fte"])
    for team in db.session.scalars(db.select(Team).where(Team.active.is_(True)).order_by(Team.name)):
        supervised = _supervised_months(team.id)
        fte = round(rng.uniform(6, 12), 1)
        for back in range(MONTHS, 0, -1):
            month = _month(today, back)
            regular = any(_month(month, step) in supervised for step in (0, 1, 2))
            rate = rng.gauss(0.75 if regular else 1.05, 0.25)  # days lost per FTE in the month
            leaver_chance = (0.013 if regular else 0.021) * fte
            leavers = sum(1 for _ in range(3) if rng.random() < leaver_chance / 3)
            vacancies = round(max(0.0, rng.gauss(1.0, 0.6)), 1)
            writer.writerow([team.name, f"{month:%Y-%m}", fte, round(max(0.0, rate * fte), 1), leavers, vacancies,
                             round(vacancies * rng.uniform(0.3, 0.9), 1)])
    return buffer.getvalue().encode()


def _answers(rng: random.Random, items: list[str], low: int, high: int, lean: float) -> dict[str, int]:
    return {item: max(low, min(high, round(rng.gauss(lean, 0.8)))) for item in items}


def seed_feedback(rng: random.Random) -> int:
    """Anonymous answers to the session feedback for about half of those at each delivered session."""
    questionnaire = session_feedback_questionnaire()
    definition = check(questionnaire.spec)
    items = [item.id for item in definition.items]
    sessions = db.session.scalars(db.select(ProgrammeSession).where(
        ProgrammeSession.status == Status.DELIVERED.value).order_by(ProgrammeSession.date, ProgrammeSession.id))
    added = 0
    for session in sessions:
        for _ in range(round((session.attendees or 0) * rng.uniform(0.3, 0.7))):
            answers = _answers(rng, items, 1, 5, 4.1 if session.kind == Kind.SUPERVISION.value else 4.3)
            comment = rng.choice(DEMO_COMMENTS) if rng.random() < 0.05 else ""
            db.session.add(SurveyResponse(
                source=Source.SESSION.value, questionnaire_id=questionnaire.id, session_kind=session.kind,
                team_id=session.team_id, month=session.date.replace(day=1), answers=json.dumps(answers),
                scores=json.dumps(definition.score(answers)), comment=comment))
            added += 1
    return added


def seed_pulse(today: dt.date, rng: random.Random, lead: Person | None) -> Pulse:
    """One completed pulse of the demo wellbeing check, sent to eight teams six weeks ago."""
    definition = check(DEMO_MEASURE)
    questionnaire = Questionnaire(key=definition.key, version=definition.version, title=definition.title,
                                  definition=json.dumps(DEMO_MEASURE))
    teams = db.session.scalars(db.select(Team).where(Team.active.is_(True)).order_by(Team.name).limit(8)).all()
    opens = today - dt.timedelta(days=42)
    pulse = Pulse(title="Autumn wellbeing check (demo: made-up answers)", questionnaire=questionnaire,
                  opens_on=opens, closes_on=opens + dt.timedelta(days=14), created_by=lead, teams=teams,
                  reminder_sent_at=None)
    db.session.add(pulse)
    db.session.flush()
    items = [item.id for item in definition.items]
    for team in teams:
        for person in sorted(team.people, key=lambda p: p.email):
            answered = rng.random() < 0.7
            db.session.add(SurveyInvitation(
                token_hash=hash_secret(secrets.token_urlsafe(32)), source=Source.PULSE.value, person=person,
                questionnaire=questionnaire, pulse=pulse, team_id=team.id, expires_on=pulse.closes_on,
                answered=answered, reminded=True))
            if answered:
                answers = _answers(rng, items, 1, 5, 3.2)
                db.session.add(SurveyResponse(
                    source=Source.PULSE.value, questionnaire_id=questionnaire.id, pulse_id=pulse.id,
                    team_id=team.id, month=opens.replace(day=1), answers=json.dumps(answers),
                    scores=json.dumps(definition.score(answers))))
    return pulse


def seed_evaluation_demo(today: dt.date, lead: Person | None, seed: int = 20240601) -> list[str]:
    """Add what is missing of the demo's evaluation data; return a line for each part added."""
    rng = random.Random(seed)
    done = []
    if db.session.scalar(db.select(WorkforceMonth.id).limit(1)) is None:
        result = run_import("workforce", workforce_file(today, seed))
        done.append(f"workforce (made-up HR figures): {result.summary()}")
    if db.session.scalar(db.select(SurveyResponse.id).where(SurveyResponse.source == Source.SESSION.value)
                         .limit(1)) is None:
        done.append(f"session feedback (made-up answers): {seed_feedback(rng)} added")
    if db.session.scalar(db.select(Questionnaire.id).where(Questionnaire.key == DEMO_MEASURE["key"])) is None:
        pulse = seed_pulse(today, rng, lead)
        done.append(f"pulse (made-up answers): {pulse.title!r}, {len(pulse.teams)} teams")
    db.session.flush()
    return done
