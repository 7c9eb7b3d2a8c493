"""The journey "a facilitator logs a delivered debrief", in Debian Chromium, with axe-core on every page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from programme.debriefs.models import DebriefRequest, RequestStatus
from rosters.clock import local_to_utc, today_uk
from rosters.extensions import db
from rosters.models import Person
from tests.browser_support import axe_violations, require_chromium, serve, shot, sign_in

pytestmark = pytest.mark.browser
require_chromium()

FACILITATOR = "facilitator@demo.example.org"
LEARNING = "Duty sergeants and social workers should agree a shared debrief offer after joint visits."



@pytest.fixture
def live_server(app, runner) -> Iterator[str]:
    """The demo programme, with the debrief the demo facilitator chairs moved to the last working day so it can be logged."""
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    chair = db.session.scalar(db.select(Person).where(Person.email == FACILITATOR))
    arranged = db.session.scalars(
        db.select(DebriefRequest).where(
            DebriefRequest.facilitator_id == chair.id, DebriefRequest.status == RequestStatus.SCHEDULED.value
        )
    ).one()
    day = today_uk() - dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    arranged.session.date = day
    arranged.session.starts_at = local_to_utc(day, dt.time(14, 0))
    db.session.commit()
    db.session.remove()
    with serve(app) as base:
        yield base


def test_facilitator_logs_a_delivered_debrief_and_the_lead_sees_its_learning(page, live_server):
    sign_in(page, live_server, FACILITATOR)
    expect(page.get_by_text("Signed in as Fran Facilitator")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Chairing").click()
    expect(page.get_by_role("heading", name="Debriefs you chair", level=1)).to_be_visible()
    assert axe_violations(page) == []
    arranged = page.get_by_role("row").filter(has_text="Session arranged")
    expect(arranged).to_have_count(1)
    arranged.get_by_role("link", name=re.compile(r"^DB-\d{4}$")).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Asked for on"), level=1)).to_be_visible()
    expect(page.get_by_text("Civic Centre, quiet room 3")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Log the session").click()
    expect(page.get_by_role("heading", name="Log the session", level=1)).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Yes, it went ahead").check()
    page.get_by_label("How many practitioners attended?").fill("2")  # the two invited
    page.get_by_label("Length in minutes").fill("110")
    page.get_by_role("group", name="Did the session close with a safe and uplifting topic?").get_by_label(
        "Yes", exact=True).check()
    page.get_by_label("Employee assistance programme").check()
    page.get_by_label("Occupational health").check()
    page.get_by_label("Wider-learning point 1 (optional)").fill(LEARNING)
    page.get_by_role("button", name="Save session log").click()

    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text(re.compile(r"Session log saved with 1 learning point\. Follow-up due \d+ \w+ \d{4}\."))
    expect(page.get_by_text("Delivered: 2 attended, 110 minutes")).to_be_visible()
    expect(page.get_by_text("employee assistance, occupational health")).to_be_visible()
    expect(page.get_by_role("heading", name="Follow-up check-in")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "journey-debrief-logged")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()

    sign_in(page, live_server, "lead@demo.example.org")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Learning").click()
    expect(page.get_by_role("heading", name="Learning log", level=1)).to_be_visible()
    expect(page.get_by_text(LEARNING)).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "journey-debrief-learning-log")
