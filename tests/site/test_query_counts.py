"""The pages a team member opens every day send the same number of SQL statements however big the programme is.

Each test signs a member in with a small programme around them, counts the statements one page sends, then
grows the programme many times over (more series and sessions, full sessions with queues, more bookings of
their own, more teams and people, more debrief requests and invitations) and counts again.
"""

from __future__ import annotations

import datetime as dt

import pytest

from programme.debriefs.asking import DebriefAsk, request_debrief
from programme.models import ProgrammeSession
from rosters.clock import local_to_utc, today_uk
from rosters.extensions import db
from rosters.models import Person, Team
from tests.factories import make_booking, make_debrief_request, make_person, make_series, make_session, make_team
from tests.moments import A_MONDAY, uk
from tests.plugin import text
from tests.statements import shown, statements

pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)  # no sign-in is old enough to be written to

MEMBER_PAGES = ["/", "/supervision", "/debriefs/mine", "/calendar"]


def small_programme() -> Person:
    """A member whose team has one series, with a place on its first session and one debrief asked for."""
    team = make_team(name="Assessment North")
    member = make_person(team=team, name="Mel Member")
    manager = make_person(role="manager", team=team)
    series = make_series(team=team)
    make_booking(series.sessions[0], member)
    make_debrief_request(member, manager=manager)
    return member


def _debrief_session(team: Team, days: int) -> ProgrammeSession:
    day = today_uk() + dt.timedelta(days=days)
    return make_session(team=team, kind="debrief", format="group", status="scheduled", date=day,
                        starts_at=local_to_utc(day, dt.time(14, 0)), requested_on=today_uk(),
                        incident_category="other", location="Room 1, Civic Centre")


def grow(member: Person) -> None:
    """Many times more of everything around the member, much of it on their own pages."""
    team = member.team
    colleagues = [make_person(team=team) for _ in range(8)]
    manager = make_person(role="manager", team=team)
    # More series for the member's team, one running past the page's twelve weeks; small ones fill up.
    for offset, capacity, weeks in ((1, 2, 6), (2, 2, 6), (3, 8, 30)):
        first = today_uk() + dt.timedelta(days=offset)
        series = make_series(team=team, first_date=first, last_date=first + dt.timedelta(weeks=weeks), capacity=capacity)
        for session in series.sessions[:4]:
            for colleague in colleagues[:3]:  # two places, then a queue
                make_booking(session, colleague)
        for session in series.sessions[:3] + series.sessions[-2:]:
            make_booking(session, member)  # places, queue entries, and places beyond the page's weeks
    # Other teams, with their own series, people and bookings.
    for _ in range(4):
        other = make_team()
        series = make_series(team=other, capacity=3)
        people = [make_person(team=other) for _ in range(5)]
        for session in series.sessions[:3]:
            for person in people:
                make_booking(session, person)
        make_debrief_request(people[0], manager=make_person(role="manager", team=other))
    # More debriefs the member asked for, and invitations from colleagues, some with a session arranged.
    for number in range(6):
        mine = make_debrief_request(member, manager=manager, invite_people=colleagues[:2])
        theirs = request_debrief(colleagues[number], DebriefAsk(
            today_uk() - dt.timedelta(days=2), "threat_to_worker", "group", manager=manager, invite_people=[member]))
        if number % 2:
            theirs.session, theirs.status = _debrief_session(team, 10 + number), "scheduled"
            mine.status, mine.decline_reason = "declined", "A team debrief is already arranged"
    db.session.flush()


def visit(client, path: str) -> tuple[str, list[str]]:
    """The page and the statements it sent, starting as a real request does: nothing already read.

    The tests keep one database session open, so without this the page would find everything the test
    built already loaded and send fewer statements than it does for a real visitor."""
    db.session.remove()
    assert client.get(path).status_code == 200  # once first: nothing a first visit fills in is counted
    db.session.remove()
    with statements() as sent:
        response = client.get(path)
    assert response.status_code == 200
    db.session.remove()
    return text(response), sent


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_member_page_statements_do_not_grow_with_the_programme(client, auth, path):
    member = small_programme()
    db.session.commit()
    member_id, email = member.id, member.email
    auth.login(email)
    small_page, small = visit(client, path)

    grow(db.session.get(Person, member_id))
    db.session.commit()
    large_page, large = visit(client, path)

    assert len(large) == len(small), f"small programme:\n{shown(small)}\n\nlarger programme:\n{shown(large)}"
    if path in ("/supervision", "/debriefs/mine"):  # the larger programme is really on the page
        assert large_page.count("govuk-summary-card__title") > small_page.count("govuk-summary-card__title")
    if path == "/supervision":
        assert "on the waitlist" in large_page and "Full" in large_page
    if path == "/debriefs/mine":
        assert "Reason for declining" in large_page and "Room 1, Civic Centre" in large_page
