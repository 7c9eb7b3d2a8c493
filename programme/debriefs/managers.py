"""The named manager's part in a debrief: see where it stands, support it, invite colleagues.

A manager sees a request only when the practitioner named them and agreed, on the form, that they be
told (``DebriefRequest.manager_told``); to them any other request does not exist. They see its status and
dates, never the kind or date of the incident, the practical arrangements, who is declared involved, a
reason for declining or anything from the session. Colleagues they add are invited and, like everyone
invited, counted as involved, so none of them can chair it.
"""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from programme.debriefs.models import DebriefInvitation, DebriefRequest, RequestStatus
from programme.errors import Conflict, Missing, ProgrammeError
from programme.models import MAX_ATTENDEES, Status
from rosters import audit
from rosters.clock import utcnow
from rosters.errors import Problem
from rosters.extensions import db
from rosters.models import Person

# A manager may support a request and invite colleagues while it is still to happen.
OPEN_STATES = (RequestStatus.REQUESTED.value, RequestStatus.ACCEPTED.value, RequestStatus.SCHEDULED.value)


def manages(person: Person, item: DebriefRequest) -> bool:
    """Whether ``person`` is the request's named manager and the practitioner agreed they be told."""
    return item.manager_told and item.manager_id is not None and item.manager_id == person.id


def team_requests(manager: Person) -> list[DebriefRequest]:
    """The requests naming this manager that they were allowed to be told of, newest first."""
    return list(db.session.scalars(
        db.select(DebriefRequest)
        .where(DebriefRequest.manager_id == manager.id, DebriefRequest.manager_told.is_(True))
        .options(selectinload(DebriefRequest.requested_by), selectinload(DebriefRequest.session))
        .order_by(DebriefRequest.requested_at.desc(), DebriefRequest.id.desc())
    ))


def managed_request(manager: Person, request_id: int) -> DebriefRequest:
    """The request, if ``manager`` may see it; to anyone else it does not exist."""
    item = db.session.get(DebriefRequest, request_id)
    if item is None or not manages(manager, item):
        raise Missing("No such debrief request")
    return item


def record_manager_view(item: DebriefRequest, manager: Person) -> None:
    """Every time the manager opens the request, as every view of a request is."""
    audit.record("debrief_viewed_by_manager", item, person=manager)


def session_shown(item: DebriefRequest) -> bool:
    """Whether the arranged (or held) session's day and hours are shown; a called-off one is not."""
    return item.session is not None and item.session.status in (Status.SCHEDULED.value, Status.DELIVERED.value)


def support_request(item: DebriefRequest, manager: Person) -> bool:
    """The manager says they support the request. True when recorded now; False when it already was."""
    if not manages(manager, item):
        raise Missing("No such debrief request")
    if item.manager_supported_at is not None:
        return False
    if item.status not in OPEN_STATES:
        raise Conflict("A request can be supported only while the debrief is still to happen")
    item.manager_supported_at = utcnow()
    audit.record("debrief_supported_by_manager", item, person=manager)
    return True


def _invited_people(item: DebriefRequest) -> set[int]:
    return {invitation.person_id for invitation in item.invitations if invitation.person_id is not None}


def colleague_choices(item: DebriefRequest, manager: Person) -> list[Person]:
    """People on the roster the manager may invite: enabled, in the manager's own team or an affected team,
    and neither the manager, the person who asked nor the chair. Those already invited stay in the list:
    leaving them out would tell the manager who else the practitioner invited, which they never see."""
    team_ids = {team.id for team in item.affected_teams}
    if manager.team_id is not None:
        team_ids.add(manager.team_id)
    if not team_ids:
        return []
    left_out = {manager.id, item.requested_by_id} | ({item.facilitator_id} if item.facilitator_id else set())
    people = db.session.scalars(
        db.select(Person)
        .where(Person.enabled.is_(True), Person.team_id.in_(team_ids))
        .options(selectinload(Person.team))
        .order_by(Person.name, Person.id)
    )
    return [person for person in people if person.id not in left_out]


def add_colleagues(item: DebriefRequest, manager: Person, people: list[Person]) -> list[DebriefInvitation]:
    """Invite colleagues from the roster; they are counted as involved, so none of them can chair it.

    When a session is already arranged, each new invitation is marked as sent (the view sends the
    session's invitation to just these people)."""
    if not manages(manager, item):
        raise Missing("No such debrief request")
    if item.status not in OPEN_STATES:
        raise Conflict("Colleagues can be added only while the debrief is still to happen")
    people = list({person.id: person for person in people}.values())
    if not people:
        raise ProgrammeError(Problem("Select at least one colleague to invite", "people"))
    allowed = {person.id for person in colleague_choices(item, manager)}
    for person in people:
        if person.id not in allowed:
            raise ProgrammeError(Problem(f"{person.name} cannot be invited to this debrief", "people"))
    # The person who asked is invited as well as up to MAX_ATTENDEES others, as when asking.
    others = len(item.invitations) - (1 if item.requested_by_id in _invited_people(item) else 0)
    if others + len([p for p in people if p.id not in _invited_people(item)]) > MAX_ATTENDEES:
        room = max(MAX_ATTENDEES - others, 0)
        raise ProgrammeError(Problem(
            f"At most {MAX_ATTENDEES} people can be invited; there is room for {room} more", "people"))
    arranged = item.session is not None and item.session.status == Status.SCHEDULED.value
    now = utcnow()
    added = []
    involved = {person.id for person in item.involved}
    already = _invited_people(item)
    for person in people:
        if person.id in already:
            continue  # invited already (by the practitioner or earlier): nothing to add, and nothing said
        invitation = DebriefInvitation(person=person, invited_at=now if arranged else None)
        item.invitations.append(invitation)
        added.append(invitation)
        if person.id not in involved:
            item.involved.append(person)
    db.session.flush()
    audit.record("debrief_colleagues_added_by_manager", item, person=manager,
                 detail=f"{len(added)} invited" + (" to the arranged session" if arranged else ""))
    return added
