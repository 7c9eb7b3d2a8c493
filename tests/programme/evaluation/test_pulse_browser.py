"""A pulse from upload to results in Debian Chromium, axe-clean: a lead uploads the test-only questionnaire,
creates a pulse for two teams, people answer through their e-mailed links, and the lead reads the results."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from programme.evaluation.answers import answer
from programme.evaluation.definitions import load
from rosters.clock import today_uk
from rosters.extensions import db
from tests.browser_support import axe_violations, require_chromium, serve
from tests.factories import EXAMPLE_QUESTIONNAIRE, PASSWORD, make_person, make_team

pytestmark = pytest.mark.browser
require_chromium()

LEAD = "lee.lead@example.org"
LINK = re.compile(r"/respond/([A-Za-z0-9_-]+)")


def screenshot(page, name: str) -> None:
    """Saved beside the other temporary files (``/tmp`` here), to be looked at."""
    page.screenshot(path=str(Path(tempfile.gettempdir()) / f"pulse-{name}.png"), full_page=True)


@pytest.fixture
def live_server(app) -> Iterator[str]:
    app.config["SUPPRESSION_THRESHOLD"] = 3  # teams of three, each answering in full, show their scores
    make_person(role="lead", name="Lee Lead", email=LEAD)
    north = make_team(name="Assessment North", service="Assessment")
    south = make_team(name="Fostering South", service="Fostering")
    make_team(name="Leaving Care West", service="Leaving care")
    for n in range(3):
        make_person(team=north, email=f"north{n}@example.org")
        make_person(team=south, email=f"south{n}@example.org")
    db.session.commit()
    db.session.remove()
    with serve(app) as base:
        yield base


def test_a_pulse_from_upload_to_results(page, live_server, sent):
    base = live_server
    page.goto(base + "/sign-in?next=/evaluation/questionnaires")
    page.get_by_label("Email address").fill(LEAD)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Questionnaires", level=1)).to_be_visible()
    assert axe_violations(page) == []

    # A broken file first: every problem listed, nothing stored.
    page.get_by_label("Questionnaire definition (JSON file)").set_input_files(
        files=[{"name": "broken.json", "mimeType": "application/json", "buffer": b'{"format": "questionnaire/1"}'}])
    page.get_by_role("button", name="Upload questionnaire").click()
    expect(page.get_by_text("Nothing was stored")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "upload-errors")

    page.get_by_label("Questionnaire definition (JSON file)").set_input_files(str(EXAMPLE_QUESTIONNAIRE))
    page.get_by_role("button", name="Upload questionnaire").click()
    expect(page.get_by_role("heading", name="Work and wellbeing check (test example)", level=1)).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "questionnaire")

    page.goto(base + "/evaluation/pulses/new")
    expect(page.get_by_role("heading", name="Create a wellbeing pulse", level=1)).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Title").fill("Winter wellbeing pulse")
    page.get_by_label("Work and wellbeing check (test example) (version 1)").check()
    page.get_by_label("Assessment North (Assessment)").check()
    page.get_by_label("Fostering South (Fostering)").check()
    today = today_uk()
    page.get_by_label("Day", exact=True).fill(str(today.day))
    page.get_by_label("Month", exact=True).fill(str(today.month))
    page.get_by_label("Year", exact=True).fill(str(today.year))
    page.get_by_label("Open for (days)").fill("10")
    screenshot(page, "new-pulse")
    page.get_by_role("button", name="Create pulse").click()
    expect(page.get_by_text("Pulse created and open: 6 people sent a link")).to_be_visible()
    assert sorted(m.to for m in sent) == sorted([f"north{n}@example.org" for n in range(3)]
                                                + [f"south{n}@example.org" for n in range(3)])

    links = [LINK.search(m.body).group(1) for m in sent]
    answering = page.context.browser.new_page()
    answering.goto(base + f"/respond/{links[0]}")
    expect(answering.get_by_role("heading", name="Work and wellbeing check (test example)")).to_be_visible()
    assert axe_violations(answering) == []
    items = [item.id for item in load(EXAMPLE_QUESTIONNAIRE.read_bytes()).items]
    for item in items:
        answering.locator(f"input[name='{item}'][value='4']").check()
    screenshot(answering, "answer")
    answering.get_by_role("button", name="Send my answers").click()
    expect(answering.get_by_role("heading", name="Thank you")).to_be_visible()
    answering.goto(base + f"/respond/{links[0]}")
    expect(answering.get_by_text("already been used")).to_be_visible()
    answering.close()
    for secret in links[1:]:  # the others answer through the same operation the page uses
        answer(secret, dict.fromkeys(items, "3"))
    db.session.commit()

    page.reload()
    expect(page.get_by_role("heading", name="Winter wellbeing pulse", level=1)).to_be_visible()
    expect(page.get_by_text("6 (100% response rate)")).to_be_visible()
    expect(page.get_by_role("cell", name="Worn down by work (lower is better)")).to_be_visible()
    expect(page.get_by_text("Licence: Test data only.")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "results")
