"""The leads' list of debrief requests: the true order, filters, reference search, paging, small screens."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event

from programme.debriefs import listing
from programme.debriefs.models import DebriefRequest
from rosters.clock import local_to_utc
from rosters.extensions import db
from rosters.models import AuditEvent
from tests.factories import make_debrief_request, make_person, make_team
from tests.moments import A_MONDAY, uk
from tests.plugin import text

TODAY = A_MONDAY  # Monday 23 November 2026; no bank holidays nearby
pytestmark = pytest.mark.time_machine(uk(TODAY), tick=False)
ROW_LINK = re.compile(r'<th scope="row" class="govuk-table__header"><a class="govuk-link" href="/debriefs/(\d+)">')


def asked(day: dt.date, status: str = "requested", *, offered: bool = False, agreed: dt.date | None = None,
          team=None, category: str = "serious_violence") -> DebriefRequest:
    """A request asked on ``day`` (incident the day before), put in ``status``."""
    team = team or make_team()
    member = make_person(team=team)
    item = make_debrief_request(member, manager=make_person(role="manager", team=team), affected_teams=[team],
                                incident_category=category)
    item.requested_on = day
    item.incident_date = day - dt.timedelta(days=1)
    item.requested_at = local_to_utc(day, dt.time(9, 0))
    item.status = status
    if status == "declined":
        item.decline_reason = "Speak to occupational health first"
    if offered:
        item.offered_at = item.requested_at
    item.agreed_session_due = agreed
    if agreed:
        item.agreed_due_reason = "After the funeral"
    db.session.flush()
    return item


@pytest.fixture
def lead(client, auth):
    person = make_person(name="Pat Lead", role="lead")
    db.session.commit()
    auth.login(person.email)
    return person


def listed(client, query: str = "") -> tuple[list[int], str, int]:
    db.session.commit()
    response = client.get(f"/debriefs{query}")
    page = text(response)
    return [int(found) for found in ROW_LINK.findall(page)], page, response.status_code


def test_open_requests_come_overdue_first_then_by_the_date_due_next_then_the_rest_newest_first(client, lead):
    # Offer due Thu 19 Nov: overdue (next due 19 Nov).
    a = asked(dt.date(2026, 11, 16))
    # Offer made; session due Fri 20 Nov: overdue (next due 20 Nov).
    c = asked(dt.date(2026, 11, 6), "accepted", offered=True)
    # Offer due today, Mon 23 Nov: not yet overdue.
    b = asked(dt.date(2026, 11, 18))
    # Offer due Wed 25 Nov.
    d = asked(dt.date(2026, 11, 20))
    # Offer made; session due Thu 3 Dec.
    e = asked(dt.date(2026, 11, 19), "accepted", offered=True)
    # Session was due Mon 16 Nov, but a later date, 10 Dec, was agreed: not overdue, and last of the open ones.
    f = asked(dt.date(2026, 11, 2), "accepted", offered=True, agreed=dt.date(2026, 12, 10))
    # Nothing left to arrange: after the open ones, newest first.
    g = asked(dt.date(2026, 11, 22), "closed")
    h = asked(dt.date(2026, 11, 1), "declined")
    i = asked(dt.date(2026, 11, 21), "withdrawn")
    ids, page, status = listed(client)
    assert status == 200
    assert ids == [a.id, c.id, b.id, d.id, e.id, f.id, g.id, i.id, h.id]
    # The page says what the order is, and no longer claims "newest first" for the whole list.
    assert "overdue ones (offer or session) at the top, then by the date due next" in page
    assert "overdue first, then newest first" not in page
    assert page.count("Offer overdue") == 1 and page.count("Session overdue") == 1
    assert "Session by 10 Dec 2026 (agreed)" in page


def test_every_row_starts_with_the_reference_as_its_link_and_shows_the_team(client, lead):
    team = make_team(name="Assessment North")
    item = asked(dt.date(2026, 11, 20), team=team)
    ids, page, _ = listed(client)
    assert ids == [item.id]
    row = page[page.index('<tbody class="govuk-table__body">'):]
    # The first cell of the row is the link, so it is on screen however narrow the screen.
    assert re.match(r'<tbody class="govuk-table__body">\s*<tr class="govuk-table__row">\s*<th scope="row"', row)
    assert f">{item.reference}</a>" in row
    assert "Assessment North" in row
    assert item.category_enum.label in row
    assert ">Open<" not in page


def test_the_list_is_for_leads_only_and_every_view_is_audited(client, auth, lead):
    asked(dt.date(2026, 11, 20))
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                               .where(AuditEvent.action == "debrief_list_viewed"))
    listed(client, "?status=requested")
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "debrief_list_viewed")).all()
    assert len(events) == before + 1
    assert "status=requested" in events[-1].detail
    member = make_person()
    db.session.commit()
    auth.logout()
    auth.login(member.email)
    assert client.get("/debriefs").status_code == 403


def test_filter_by_status_including_withdrawn(client, lead):
    waiting = asked(dt.date(2026, 11, 20))
    withdrawn = asked(dt.date(2026, 11, 19), "withdrawn")
    assert listed(client, "?status=withdrawn")[0] == [withdrawn.id]
    assert listed(client, "?status=requested")[0] == [waiting.id]
    page = listed(client)[1]
    assert '<option value="withdrawn">Withdrawn</option>' in page
    ids, page, status = listed(client, "?status=lost")
    assert status == 400 and "Choose a status from the list" in page
    assert set(ids) == {waiting.id, withdrawn.id}  # the bad filter is left out, and said so


def test_filter_by_affected_team_from_the_list_of_teams(client, lead):
    north, south = make_team(name="Assessment North"), make_team(name="Fostering South")
    in_north = asked(dt.date(2026, 11, 20), team=north)
    in_south = asked(dt.date(2026, 11, 19), team=south)
    ids, page, _ = listed(client, f"?team={north.id}")
    assert ids == [in_north.id]
    assert f'<option value="{north.id}" selected>Assessment North</option>' in page
    assert listed(client, f"?team={south.id}")[0] == [in_south.id]


def test_with_many_teams_the_team_filter_is_a_name_search(client, lead, monkeypatch):
    monkeypatch.setattr(listing, "TEAM_CHOICES", 1)
    north, south = make_team(name="Assessment North"), make_team(name="Fostering South")
    in_north = asked(dt.date(2026, 11, 20), team=north)
    asked(dt.date(2026, 11, 19), team=south)
    ids, page, status = listed(client, "?team=north")
    assert status == 200
    assert ids == [in_north.id]
    assert 'name="team" type="text"' in page and 'value="north"' in page
    assert listed(client, "?team=100%25")[0] == []  # a % is a character to find, not a wildcard


def test_filter_by_kind_of_incident(client, lead):
    murder = asked(dt.date(2026, 11, 20), category="murder")
    asked(dt.date(2026, 11, 19), category="other")
    assert listed(client, "?category=murder")[0] == [murder.id]


def test_filter_by_the_period_asked_in(client, lead):
    early = asked(dt.date(2026, 11, 2))
    middle = asked(dt.date(2026, 11, 10))
    late = asked(dt.date(2026, 11, 20))
    assert listed(client, "?start=2026-11-05&end=2026-11-15")[0] == [middle.id]
    # As the date boxes send it: day, month and year.
    ids, page, _ = listed(client, "?start=5&start=11&start=2026")
    assert set(ids) == {middle.id, late.id}
    assert 'id="start-day" name="start" type="text" value="5"' in page or re.search(r'id="start-day"[^>]*value="5"', page)
    assert listed(client, "?end=2&end=11&end=2026")[0] == [early.id]


def test_a_bad_period_says_what_is_wrong_and_never_fails(client, lead):
    asked(dt.date(2026, 11, 20))
    ids, page, status = listed(client, "?start=31&start=2&start=2026")
    assert status == 400
    assert "There is a problem" in page
    assert "“Asked on or after” must be a real date" in page
    assert 'href="#start-day"' in page
    assert len(ids) == 1  # shown without the date that could not be used
    _, page, status = listed(client, "?start=2026-11-20&end=2026-11-01")
    assert status == 400 and "must be the same as or after" in page
    _, page, status = listed(client, "?start=x&start=y&start=z")
    assert status == 400 and "must be a real date" in page


def test_find_a_request_by_its_reference(client, lead):
    wanted = asked(dt.date(2026, 11, 20))
    asked(dt.date(2026, 11, 19))
    for typed in (wanted.reference, f"db{wanted.id}", str(wanted.id), f" DB-{wanted.id:06d} "):
        ids, page, status = listed(client, f"?ref={typed}")
        assert (ids, status) == ([wanted.id], 200), typed
    ids, page, status = listed(client, "?ref=DB-9999")
    assert ids == [] and "No request DB-9999" in page
    ids, page, status = listed(client, "?ref=north")
    assert status == 400 and "Enter a reference such as DB-0042" in page


def test_every_request_is_reachable_a_page_at_a_time_with_the_filters_kept(client, lead):
    team = make_team()
    made = [asked(dt.date(2026, 11, 20), team=team) for _ in range(30)]
    asked(dt.date(2026, 11, 20), "declined", team=team)
    ids, page, _ = listed(client, "?status=requested")
    assert len(ids) == 25
    assert "Showing 1 to 25 of 30 requests matching the filters" in page
    assert "status=requested&amp;page=2" in page
    second, page, _ = listed(client, "?status=requested&page=2")
    assert len(second) == 5
    assert set(ids) | set(second) == {item.id for item in made}
    assert "Showing 26 to 30 of 30" in page
    # Same asked-on day and due dates: newest first.
    assert ids[0] == made[-1].id
    # A page past the end shows the last one; a page that is not a number says so.
    assert len(listed(client, "?status=requested&page=9")[0]) == 5
    _, page, status = listed(client, "?page=abc")
    assert status == 400 and "The page number must be a whole number" in page


def test_a_long_list_loads_only_the_page_shown(client, lead, app):
    team = make_team()
    for _ in range(30):
        asked(dt.date(2026, 11, 20), team=team)
    db.session.commit()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/debriefs").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) < 12  # a handful of queries, not one per request shown
