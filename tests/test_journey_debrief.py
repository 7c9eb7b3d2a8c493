"""The journey "a facilitator logs a delivered debrief", in Debian Chromium, with axe-core on every page."""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from programme.demo import DEMO_PASSWORD
from programme.models import DebriefRequest, RequestStatus, local_to_utc
from rosters.extensions import db
from rosters.models import Person

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"
FACILITATOR = "facilitator@demo.example.org"
LEARNING = "Duty sergeants and social workers should agree a shared debrief offer after joint visits."

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("browser tests need Debian's chromium (apt-get install -y chromium)")
    pytest.skip("Debian chromium is not installed", allow_module_level=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    }


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
    day = dt.date.today() - dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    arranged.session.date = day
    arranged.session.starts_at = local_to_utc(day, dt.time(14, 0))
    db.session.commit()
    db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def axe_violations(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)" for v in results.response["violations"]]


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_facilitator_logs_a_delivered_debrief_and_the_lead_sees_its_learning(page, live_server):
    sign_in(page, live_server, FACILITATOR)
    expect(page.get_by_text("Signed in as Fran Facilitator")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Chairing").click()
    expect(page.get_by_role("heading", name="Debriefs you chair", level=1)).to_be_visible()
    assert axe_violations(page) == []
    arranged = page.get_by_role("row").filter(has_text="Session arranged")
    expect(arranged).to_have_count(1)
    arranged.get_by_role("link", name=re.compile(r"^Open")).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Asked for on"), level=1)).to_be_visible()
    expect(page.get_by_text("Civic Centre, quiet room 3")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Log the session").click()
    expect(page.get_by_role("heading", name="Log the session", level=1)).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Yes, it went ahead").check()
    page.get_by_label("How many practitioners attended?").fill("5")
    page.get_by_label("Length in minutes").fill("110")
    page.get_by_label("Closed with a safe and uplifting topic").check()
    page.get_by_label("Employee assistance programme").check()
    page.get_by_label("Occupational health").check()
    page.get_by_label("Wider-learning point 1 (optional)").fill(LEARNING)
    page.get_by_role("button", name="Save session log").click()

    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text(re.compile(r"Session log saved with 1 learning point\. Follow-up due \d+ \w+ \d{4}\."))
    expect(page.get_by_text("Delivered: 5 attended, 110 minutes")).to_be_visible()
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
