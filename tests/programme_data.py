"""A small whole programme, and its figures over set periods, for tests that change or copy data and check
that every figure stays the same (retention, erasure, backup and restore).

Dates count back from ``TODAY`` (``tests.moments.A_MONDAY``); tests that apply rules to the data freeze
the clock there.
"""

from __future__ import annotations

import datetime as dt
import json

from programme.debriefs.models import DebriefInvitation, DebriefRequest
from programme.models import Booking, LearningPoint, ProgrammeSession
from rosters.clock import utcnow
from rosters.extensions import db
from rosters.models import AuditEvent, SignInSession
from tests.factories import make_person, make_session, make_team, make_training
from tests.moments import A_MONDAY

TODAY = A_MONDAY
OLD = TODAY - dt.timedelta(days=3 * 365)  # well before a 24-month cut-off
RECENT = TODAY - dt.timedelta(days=60)


def years_ago(years: int) -> dt.date:
    return TODAY - dt.timedelta(days=365 * years)


# Periods the figures are compared over: each of the last four years, all of them, and a few months.
PERIODS = [(years_ago(n + 1), years_ago(n)) for n in range(4)] + [
    (years_ago(5), TODAY),
    (OLD - dt.timedelta(days=40), OLD + dt.timedelta(days=40)),
    (RECENT - dt.timedelta(days=30), TODAY),
]


def populate_programme() -> dict:
    """A small programme with old and recent sessions, bookings, debriefs, learning and audit lines."""
    team, other = make_team(name="Assessment 1"), make_team(name="Fostering")
    lead = make_person(email="lead@example.org", name="Lee Lead", role="lead")
    manager = make_person(email="manager@example.org", name="Mo Manager", role="manager", team=team)
    member = make_person(email="member@example.org", name="Mel Member", team=team)
    colleague = make_person(email="colleague@example.org", name="Cal Colleague", team=team)
    chair = make_person(email="chair@example.org", name="Chris Chair", role="facilitator", team=other)
    for person, course in ((chair, "critical_incident_debrief"), (chair, "peer_supervision"),
                           (manager, "supervision_skills")):
        make_training(person=person, course=course, completed_on=years_ago(4), expires_on=None)
    make_training(person=member, course="peer_supervision", completed_on=years_ago(3), expires_on=years_ago(1))

    sessions = {}
    for label, day, status in (("old_delivered", OLD, "delivered"), ("old_cancelled", OLD + dt.timedelta(days=7), "cancelled"),
                               ("recent_delivered", RECENT, "delivered"), ("old_other", OLD, "delivered")):
        sessions[label] = make_session(team=team if label != "old_other" else other, date=day, status=status,
                                       facilitator=chair, capacity=8, attendees=2 if status == "delivered" else None)
    for label in ("old_delivered", "recent_delivered"):
        for person, attendance in ((member, "attended"), (colleague, "did_not_attend")):
            db.session.add(Booking(session=sessions[label], person=person, status="booked", attendance=attendance,
                                   booked_at=utcnow()))
    db.session.add(Booking(session=sessions["old_cancelled"], person=member, status="cancelled"))

    def debrief(requested_on: dt.date, status: str, held: bool = False, **fields) -> DebriefRequest:
        item = DebriefRequest(
            requested_by=member, manager=manager, requested_on=requested_on, incident_date=requested_on,
            incident_category="threat_to_worker", preferred_format="group", status=status,
            arrangements="Mornings; step-free access", triaged_by=lead, legal_hold=held,
            legal_hold_reason="Claim 2024/17" if held else "", **fields,
        )
        item.affected_teams.append(team)
        item.involved.append(colleague)
        item.invitations.append(DebriefInvitation(person=colleague))
        item.invitations.append(DebriefInvitation(email="sergeant@police.example.org", agency="Police"))
        db.session.add(item)
        db.session.flush()
        return item

    def debrief_session(day: dt.date, requested_on: dt.date, fmt: str = "group") -> ProgrammeSession:
        return make_session(team=team, kind="debrief", format=fmt, date=day, requested_on=requested_on,
                            incident_category="threat_to_worker", facilitator=chair, attendees=3)

    requests = {
        "old_closed": debrief(OLD, "closed", facilitator=chair,
                              session=debrief_session(OLD + dt.timedelta(days=9), OLD), closed_safe_uplifting=True),
        "old_declined": debrief(OLD + dt.timedelta(days=3), "declined", decline_reason="Outside the pathway"),
        "old_open": debrief(OLD + dt.timedelta(days=5), "delivered", facilitator=chair,
                            session=debrief_session(OLD + dt.timedelta(days=12), OLD + dt.timedelta(days=5), "individual")),
        "old_waiting": debrief(OLD + dt.timedelta(days=6), "requested"),
        "old_held": debrief(OLD + dt.timedelta(days=1), "closed", held=True, facilitator=chair,
                            session=debrief_session(OLD + dt.timedelta(days=8), OLD + dt.timedelta(days=1))),
        "recent_closed": debrief(RECENT, "closed", facilitator=chair,
                                 session=debrief_session(RECENT + dt.timedelta(days=5), RECENT)),
    }
    old_time = dt.datetime.combine(OLD, dt.time(12))
    points = {
        "old": LearningPoint(text="Agree cover before visits", forum="SPLIG", created_by=lead,
                             request=requests["old_closed"], created_at=old_time),
        "recent": LearningPoint(text="Offer within a week", forum="SPLIG", created_by=lead),
    }
    db.session.add_all(points.values())
    db.session.add_all([
        AuditEvent(at=old_time, person=lead, action="debrief_viewed", object_type="DebriefRequest",
                   object_id=requests["old_closed"].id),
        AuditEvent(at=old_time, person=lead, action="debrief_viewed", object_type="DebriefRequest",
                   object_id=requests["old_held"].id),
        AuditEvent(at=old_time, person=lead, action="person_exported", object_type="Person", object_id=member.id),
        AuditEvent(person=lead, action="debrief_viewed", object_type="DebriefRequest", object_id=requests["recent_closed"].id),
        SignInSession(person=member, secret_hash="a" * 64, created_at=old_time, last_seen_at=old_time, ended_at=old_time),
        SignInSession(person=member, secret_hash="b" * 64),
    ])
    db.session.commit()
    return {"people": {p.email.split("@")[0]: p.id for p in (lead, manager, member, colleague, chair)},
            "sessions": {k: v.id for k, v in sessions.items()}, "requests": {k: v.id for k, v in requests.items()},
            "points": {k: v.id for k, v in points.items()}}


def metrics_json(runner) -> list[str]:
    """``flask metrics`` over every period, as the exact text it prints."""
    outputs = []
    for start, end in PERIODS:
        result = runner.invoke(args=["metrics", "--start", start.isoformat(), "--end", end.isoformat()])
        assert result.exit_code == 0, result.output
        json.loads(result.output)
        outputs.append(result.output)
    return outputs
