"""The debrief journey as each person lives it, in Debian Chromium, with axe-core on every page.

A practitioner asks with her manager's agreement; the manager sees where it stands (and nothing of the
incident); the lead agrees a later target and arranges the session; the practitioner adds it to her
calendar; once it has started, the chair logs it with the checklist in view and offers a referral; the
lead sees the referral waiting. And a second request, withdrawn by the person who asked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from programme.dates import working_days_after
from programme.debriefs.models import DebriefRequest, RequestStatus
from rosters.clock import local_to_utc, today_uk
from rosters.extensions import db
from rosters.models import Person
from tests.browser_support import axe_violations, require_chromium, serve, shot, sign_in

pytestmark = pytest.mark.browser
require_chromium()

MEMBER = "member@demo.example.org"  # Mel Member, Assessment Team 1
MANAGER = "manager@demo.example.org"  # Morgan Manager, her manager
LEAD = "lead@demo.example.org"
CHAIR = "facilitator@demo.example.org"  # Fran Facilitator, Fostering: independent of Mel's team
PRACTICAL = "Mornings suit me best; step-free access please."


@pytest.fixture
def live_server(app, runner) -> Iterator[str]:
    """The demo programme without Mel's own demo request, so that hers in this walk is the only one."""
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    mel = db.session.scalar(db.select(Person).where(Person.email == MEMBER))
    for item in db.session.scalars(db.select(DebriefRequest).where(DebriefRequest.requested_by_id == mel.id)):
        item.status = RequestStatus.DECLINED.value
        item.decline_reason = "Demo request set aside for this walk"
    db.session.commit()
    db.session.remove()
    with serve(app) as base:
        yield base


def checked(page, name: str) -> None:
    """No axe-core violations on the page now open; a screenshot to look at."""
    assert axe_violations(page) == [], page.url
    shot(page, name)


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()


def fill_date(page, legend: str, day: dt.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def ask(page, base: str, *, tell_manager: bool, category: str, arrangements: str = "") -> str:
    """Mel asks for a debrief; returns its reference from the confirmation page."""
    page.goto(base + "/debriefs/request")
    expect(page.get_by_role("heading", name="Ask for a critical-incident debrief", level=1)).to_be_visible()
    fill_date(page, "Date of the incident", today_uk() - dt.timedelta(days=2))
    page.get_by_label(category).check()
    page.get_by_label("Either").check()
    page.get_by_label("Your manager").select_option(label="Morgan Manager")
    page.get_by_label("Yes, let them know" if tell_manager else "No, do not tell them").check()
    if arrangements:
        page.get_by_label("Practical arrangements (optional)").fill(arrangements)
    checked(page, "journey-ask")
    page.get_by_role("button", name="Send request").click()
    reference = page.get_by_text(re.compile(r"DB-\d{4}")).first.inner_text()
    return re.search(r"DB-\d{4}", reference).group(0)


def test_from_asking_to_a_referral_the_lead_follows_up(page, live_server, time_machine):
    base = live_server
    # 1. The practitioner asks, and agrees that her manager is told.
    sign_in(page, base, MEMBER)
    reference = ask(page, base, tell_manager=True, category="Serious threats to workers", arrangements=PRACTICAL)
    checked(page, "journey-asked")
    sign_out(page)

    # 2. The manager sees where it stands, and nothing of the incident; supports it.
    sign_in(page, base, MANAGER)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your team's debriefs").click()
    expect(page.get_by_role("heading", name="Your team's debriefs", level=1)).to_be_visible()
    checked(page, "journey-manager-list")
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", name=f"Debrief request {reference}", level=1)).to_be_visible()
    expect(page.get_by_text("Waiting for triage").first).to_be_visible()
    expect(page.get_by_text("Mel Member").first).to_be_visible()
    expect(page.get_by_text(PRACTICAL)).to_have_count(0)
    expect(page.get_by_text(re.compile("threats to workers", re.I))).to_have_count(0)
    checked(page, "journey-manager-request")
    page.get_by_role("button", name=re.compile("support", re.I)).first.click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    sign_out(page)

    # 3. The lead finds it by reference, accepts, agrees a later target and arranges the session.
    sign_in(page, base, LEAD)
    page.goto(base + "/debriefs")
    checked(page, "journey-lead-list")
    page.set_viewport_size({"width": 375, "height": 800})  # a phone: the link that opens a request is on screen
    page.reload()
    box = page.get_by_role("link", name=reference).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    shot(page, "journey-lead-list-375")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("Find a request by its reference").fill(reference.lower().replace("-", ""))
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_text(re.compile(r"Supports the request"))).to_be_visible()
    page.get_by_role("button", name="Accept request").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()

    item_day = today_uk()
    standard = working_days_after(item_day, 10)
    agreed = standard + dt.timedelta(days=7)
    page.get_by_text("Agree a later date with the people affected").click()
    fill_date(page, "Agreed date for the session", agreed)
    page.get_by_label("Reason for the later date").fill("After the funeral")
    page.get_by_role("button", name="Save agreed date").click()
    expect(page.get_by_text("Why: After the funeral")).to_be_visible()
    checked(page, "journey-lead-timing")

    session_day = working_days_after(item_day, 2)
    fill_date(page, "Date", session_day)
    page.get_by_role("button", name="Show chairs for this date").click()
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Length in minutes").fill("90")
    page.get_by_label("Individual").check()
    page.get_by_label("Place (optional if there is an online link)").fill("Civic Centre, quiet room 2")
    page.get_by_label("Fran Facilitator").check()
    page.get_by_role("button", name="Arrange session").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Session arranged")
    expect(page.get_by_role("link", name="Change")).to_be_visible()
    expect(page.get_by_role("button", name="Arrange session")).to_have_count(0)
    checked(page, "journey-lead-arranged")
    sign_out(page)

    # 4. The practitioner sees when and where, the chair, and adds it to her calendar.
    sign_in(page, base, MEMBER)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Debriefs").click()
    expect(page.get_by_role("heading", name="Your debriefs", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name=reference)).to_have_count(1)  # each request once
    checked(page, "journey-member-list")
    page.get_by_role("link", name=f"Open {reference}").click()
    expect(page.get_by_text("Civic Centre, quiet room 2")).to_be_visible()
    expect(page.get_by_text("Fran Facilitator")).to_be_visible()
    expect(page.get_by_text("Clinical psychology (in partnership with the NHS trust)")).to_be_visible()
    checked(page, "journey-member-request")
    with page.expect_download() as download:
        page.get_by_role("link", name="Add it to your calendar").click()
    ics = download.value.path().read_text()
    assert "BEGIN:VEVENT" in ics and "METHOD:REQUEST" in ics
    sign_out(page)

    # 5. Once the session has started, the chair logs it with the checklist in view and offers a referral.
    time_machine.move_to(local_to_utc(session_day, dt.time(11, 45)).replace(tzinfo=dt.UTC), tick=True)
    sign_in(page, base, CHAIR)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Chairing").click()
    page.get_by_role("link", name=re.compile(reference)).first.click()
    page.get_by_role("link", name="Log the session").first.click()
    expect(page.get_by_role("heading", name="Log the session", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile("not therapy", re.I)).first).to_be_visible()
    checked(page, "journey-chair-log")
    page.get_by_label("Yes, it went ahead").check()
    page.get_by_label("How many practitioners attended?").fill("1")
    page.get_by_label("Length in minutes").fill("80")
    page.get_by_role("group", name="Did the session close with a safe and uplifting topic?").get_by_label("Yes").check()
    page.get_by_role("button", name="Save session log").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Session log saved")

    page.get_by_role("link", name=re.compile("referral", re.I)).first.click()
    expect(page.get_by_role("heading", name="Referrals to further support", level=1)).to_be_visible()
    checked(page, "journey-chair-referrals")
    page.get_by_role("group", name="Who was offered the service?").get_by_label("Mel Member").check()
    page.get_by_label("Clinical psychology (in partnership with the NHS trust)").check()
    page.get_by_role("group", name="Did they accept the referral?").get_by_label("Accepted").check()
    page.get_by_role("group", name=re.compile("agree that their name and contact details")).get_by_label("Yes").check()
    page.get_by_role("button", name="Record referral").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    sign_out(page)

    # 6. The lead sees the referral waiting for follow-up, and marks it done.
    sign_in(page, base, LEAD)
    page.goto(base + "/support/referrals")
    expect(page.get_by_role("heading", name="Referrals waiting for follow-up", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    checked(page, "journey-lead-referrals")
    page.get_by_role("button", name="Mark as followed up").first.click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()


def test_the_person_who_asked_withdraws_and_the_lead_sees_why(page, live_server):
    base = live_server
    sign_in(page, base, MEMBER)
    reference = ask(page, base, tell_manager=False, category="Other serious incident")
    page.goto(base + "/debriefs/mine")
    page.get_by_role("link", name=f"Open {reference}").click()
    expect(page.get_by_role("heading", name=reference, level=1)).to_be_visible()
    page.get_by_label("Why are you withdrawing it? (optional)").fill("I have had support elsewhere")
    page.get_by_label("I no longer want this debrief").check()
    page.get_by_role("button", name="Withdraw request").click()
    expect(page.get_by_text("Withdrawn").first).to_be_visible()
    checked(page, "journey-withdrawn")
    sign_out(page)

    sign_in(page, base, MANAGER)  # not told: the manager does not see it
    page.goto(base + "/debriefs/team")
    expect(page.get_by_text(reference)).to_have_count(0)
    sign_out(page)

    sign_in(page, base, LEAD)
    page.goto(base + "/debriefs?status=withdrawn")
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_text("I have had support elsewhere")).to_be_visible()
    checked(page, "journey-lead-withdrawn")
