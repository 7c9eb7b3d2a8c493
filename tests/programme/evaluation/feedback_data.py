"""Builders the feedback tests share: a started supervision session with bookings, links and answers."""

from __future__ import annotations

import datetime as dt
import re

from programme.evaluation.answers import answer, invite, session_feedback_questionnaire
from programme.models import ProgrammeSession
from programme.supervision.places import book_place
from rosters.clock import local_to_utc, today_uk, uk_date, utcnow
from rosters.extensions import db
from rosters.models import Person, Team
from tests.factories import make_facilitator, make_person, make_session

LINK = re.compile(r"https?://[^\s]+/respond/([A-Za-z0-9_-]+)")


def started_session(team: Team, facilitator: Person, members: list[Person]) -> ProgrammeSession:
    """A supervision session booked while it was ahead, which started two hours ago."""
    day = today_uk() + dt.timedelta(days=10)
    session = make_session(team=team, date=day, starts_at=local_to_utc(day, dt.time(10, 0)), status="scheduled",
                           facilitator=facilitator, capacity=8, location="Room 2")
    for member in members:
        book_place(session.id, member)
    session.starts_at = utcnow() - dt.timedelta(hours=2)
    session.date = uk_date(session.starts_at)
    db.session.commit()
    return session


def register_form(session: ProgrammeSession, attended: set[int], others: int = 0) -> dict[str, str]:
    data = {f"booking_{b.id}": "attended" if b.person_id in attended else "did_not_attend"
            for b in session.bookings if b.status == "booked"}
    return {**data, "others": str(others), "outcome": "delivered", "reason": ""}


def links_in(messages) -> dict[str, str]:
    """E-mail address -> the secret of the feedback link in that person's e-mail."""
    found = {}
    for message in messages:
        match = LINK.search(message.body)
        if match:
            found[message.to] = match.group(1)
    return found


ALL_FIVES = {"safe": "5", "reflect": "5", "lighter": "5", "recommend": "5"}


def given(value: int) -> dict[str, str]:
    return {item: str(value) for item in ALL_FIVES}


def answered_session(team: Team, values: list[int], *, kind: str = "supervision", comments: list[str] | None = None,
                     day: dt.date | None = None) -> ProgrammeSession:
    """A delivered session of ``team`` whose attendees each answered (one value for every statement)."""
    day = day or today_uk() - dt.timedelta(days=3)
    session = make_session(team=team, kind=kind, format="group", date=day, status="delivered",
                           attendees=len(values), facilitator=make_facilitator())
    questionnaire = session_feedback_questionnaire()
    for n, value in enumerate(values):
        person = make_person(team=team)
        made = invite(person, questionnaire, expires_on=today_uk() + dt.timedelta(days=28), session=session,
                      team_id=team.id)
        assert made is not None
        answer(made[1], given(value), (comments or [])[n] if comments and n < len(comments) else "")
    db.session.commit()
    return session
