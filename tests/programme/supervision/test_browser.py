"""A team member books supervision, joins a waitlist and makes a calendar feed in Debian Chromium, with axe-core."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from programme.models import Booking
from rosters.clock import local_to_utc, today_uk
from rosters.extensions import db
from tests.browser_support import axe_violations, require_chromium, serve, shot
from tests.factories import PASSWORD, make_person, make_session, make_team

pytestmark = pytest.mark.browser
require_chromium()

MEMBER = "mel.member@example.org"



def _supervision(team, facilitator, days: int, **fields):
    day = today_uk() + dt.timedelta(days=days)
    return make_session(team=team, kind="supervision", status="scheduled", date=day,
                        starts_at=local_to_utc(day, dt.time(10, 0)), facilitator=facilitator, **fields)


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve one team with an open session and a full one, on a free local port, for one test."""
    team = make_team(name="Assessment Team 1")
    make_person(email=MEMBER, name="Mel Member", team=team)
    facilitator = make_person(role="facilitator", name="Fran Okafor", password=False)
    _supervision(team, facilitator, 8, capacity=8, location="Meeting room 3, Civic Centre")
    full = _supervision(team, facilitator, 22, capacity=1, online_link="https://meet.example.org/sup")
    colleague = make_person(team=team, name="Sam Colleague")
    db.session.add(Booking(session=full, person=colleague, status="booked", booked_at=dt.datetime(2026, 1, 1)))
    full.booked_count = 1
    db.session.commit()
    db.session.remove()
    with serve(app) as base:
        yield base


def test_member_books_joins_a_waitlist_and_makes_a_calendar_feed(page, live_server):
    page.goto(live_server + "/sign-in?next=/supervision")
    page.get_by_label("Email address").fill(MEMBER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Book reflexive supervision", level=1)).to_be_visible()
    expect(page.get_by_text("8 places left")).to_be_visible()
    expect(page.get_by_text("Full – no one waiting yet")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Book a place").click()
    expect(page.get_by_text("You have a place on")).to_be_visible()
    expect(page.get_by_text("7 places left")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_text("is full. You are number 1 on the waitlist")).to_be_visible()
    expect(page.get_by_text("Full – 1 waiting")).to_be_visible()
    expect(page.get_by_role("link", name="Join online")).to_have_count(0)  # only for those with a place
    assert axe_violations(page) == []
    shot(page, "member-supervision")

    page.get_by_role("link", name="subscribe to your calendar feed").click()
    expect(page.get_by_role("heading", name="Your calendar feed", level=1)).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Create your calendar feed").click()
    address = page.get_by_label("Your calendar feed address")
    expect(address).to_have_value(re.compile(r"/calendar/feed/[A-Za-z0-9_-]+\.ics$"))
    assert axe_violations(page) == []
    shot(page, "member-calendar-feed")

    feed = page.request.get(live_server + address.input_value().split("127.0.0.1:5000", 1)[1])
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    assert feed.text().count("BEGIN:VEVENT") == 1  # the place, not the waitlist entry
