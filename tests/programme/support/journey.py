"""A debrief on its way for the further-support tests: asked, accepted and arranged through the real
operations, with people whose names the tests look for (and must not find where they do not belong)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from programme.debriefs.asking import DebriefAsk, request_debrief
from programme.debriefs.chairs import Arrangement, arrange_session
from programme.debriefs.models import DebriefInvitation, DebriefRequest
from programme.debriefs.triage import accept_request
from programme.support.models import SupportService
from programme.support.operations import ServiceDetails, add_service
from rosters.extensions import db
from rosters.models import Person
from tests.factories import make_facilitator, make_person, make_team
from tests.moments import uk

PARTNER_EMAIL = "sam.jones@nhs.example"


@dataclass
class Debrief:
    request: DebriefRequest
    member: Person  # asked, and is invited
    colleague: Person  # invited
    manager: Person
    lead: Person
    chair: Person
    session_day: dt.date

    def invitation(self, who: Person | str) -> DebriefInvitation:
        return next(i for i in self.request.invitations
                    if (i.person_id == who.id if isinstance(who, Person) else i.email == who))


def service(name: str = "Employee assistance programme", kind: str = "employee_assistance",
            how_to_reach: str = "0000 000 0001, any time\nwww.eap.example.org", lead: Person | None = None
            ) -> SupportService:
    return add_service(ServiceDetails(name, kind, how_to_reach), lead or make_person(role="lead"))


def arranged_debrief(move_to: Callable[[dt.datetime], None], first_day: dt.date, *, suffix: str = "") -> Debrief:
    """Asked and accepted on ``first_day`` at 09:00, a session nine days later at 10:00; the clock is left
    on ``first_day`` (move it past the session to record referrals)."""
    move_to(uk(first_day))
    team = make_team(name=f"Assessment North{suffix}")
    manager = make_person(name=f"Max Manager{suffix}", role="manager", team=team)
    member = make_person(name=f"Mel Member{suffix}", team=team)
    colleague = make_person(name=f"Cal Colleague{suffix}", team=team)
    lead = make_person(name=f"Pat Lead{suffix}", role="lead")
    chair = make_facilitator("critical_incident_debrief", name=f"Chris Chair{suffix}", team=make_team(),
                             completed_on=first_day - dt.timedelta(days=100))
    request = request_debrief(member, DebriefAsk(
        incident_date=first_day - dt.timedelta(days=1), incident_category="serious_violence", preferred_format="group",
        manager=manager, invite_people=[colleague], invite_emails=[(PARTNER_EMAIL, "Community health")]))
    accept_request(request, lead)
    session_day = first_day + dt.timedelta(days=9)
    arrange_session(request, Arrangement(facilitator=chair, day=session_day, start=dt.time(10, 0),
                                         duration_minutes=90, format="group", location="Room 2, Civic Centre"))
    db.session.commit()
    return Debrief(request, member, colleague, manager, lead, chair, session_day)
