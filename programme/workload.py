"""How much each facilitator already leads: sessions of one kind they facilitate between two dates.

Suggestions for a series put the least loaded first; a debrief's chair is held to a monthly cap. Both
count the same thing: scheduled or delivered sessions (never cancelled ones) with that person in charge.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func

from programme.models import Kind, ProgrammeSession, Status
from rosters.extensions import db


def sessions_led(
    person_ids: list[int], kind: Kind, first: dt.date, last: dt.date, *, ignore_session_id: int | None = None
) -> dict[int, int]:
    """Sessions of ``kind`` each person facilitates (not cancelled) from ``first`` to ``last``; 0 for none."""
    rows = db.session.execute(
        db.select(ProgrammeSession.facilitator_id, func.count())
        .where(
            ProgrammeSession.facilitator_id.in_(person_ids),
            ProgrammeSession.kind == kind.value,
            ProgrammeSession.status != Status.CANCELLED.value,
            ProgrammeSession.date.between(first, last),
            ProgrammeSession.id != (ignore_session_id or 0),
        )
        .group_by(ProgrammeSession.facilitator_id)
    ).all()
    loads = dict.fromkeys(person_ids, 0)
    loads.update({person_id: number for person_id, number in rows})
    return loads


def month_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last days of the calendar month ``day`` falls in."""
    first = day.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
