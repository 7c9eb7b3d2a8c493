"""In Debian Chromium with axe-core: a register is taken, practitioners answer from their e-mailed links,
and the lead's summary shows scores only once enough have answered."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from rosters.clock import today_uk
from rosters.extensions import db
from tests.browser_support import axe_violations, require_chromium, serve
from tests.factories import PASSWORD, make_facilitator, make_person, make_team
from tests.programme.evaluation.feedback_data import links_in, started_session

pytestmark = pytest.mark.browser
require_chromium()

SHOTS = Path(tempfile.gettempdir()) / "feedback-screenshots"


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def answer(page, url: str, values: list[str], comment: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name="Your session: one minute of feedback", level=1)).to_be_visible()
    groups = page.get_by_role("group")
    for n, value in enumerate(values):
        groups.nth(n).get_by_label(value, exact=True).check()
    page.get_by_label("Anything else you would like the programme to know (optional)", exact=False).fill(comment)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()


def test_register_then_answers_then_the_lead_sees_scores_once_enough_answered(app, browser, sent):
    app.config.update(SUPPRESSION_THRESHOLD=2, MAIL_SERVER="")
    team = make_team(name="Assessment Team 1", service="Assessment")
    members = [make_person(name=f"Member {n}", email=f"member{n}@example.org", team=team) for n in range(3)]
    facilitator = make_facilitator(name="Fay Facilitator", email="fay@example.org")
    make_person(role="lead", name="Lena Lead", email="lead@example.org")
    session = started_session(team, facilitator, members)
    session_id = session.id
    db.session.commit()
    db.session.remove()
    today = today_uk()
    period = f"start={today.replace(day=1).isoformat()}&end={today.isoformat()}"

    with serve(app) as base:
        facilitator_page = browser.new_context().new_page()
        sign_in(facilitator_page, base, "fay@example.org")
        facilitator_page.goto(f"{base}/facilitation/sessions/{session_id}/register")
        for n in range(3):
            choice = "Did not attend" if n == 2 else "Attended"
            facilitator_page.get_by_role("group", name=f"Member {n}").get_by_label(choice, exact=True).check()
        facilitator_page.get_by_label("Yes, it was delivered").check()
        facilitator_page.get_by_role("button", name="Save register").click()
        expect(facilitator_page.get_by_text("2 people attended")).to_be_visible()

        links = {to: base + "/respond/" + secret for to, secret in links_in(sent).items()}
        assert set(links) == {"member0@example.org", "member1@example.org"}

        first = browser.new_context().new_page()  # the practitioner's own browser: no sign-in
        first.goto(links["member0@example.org"])
        assert axe_violations(first) == []
        shot(first, "feedback-answer-page")
        first.get_by_role("button", name="Send my answers").click()  # nothing chosen: every error, clearly
        expect(first.get_by_text("There is a problem")).to_be_visible()
        assert axe_violations(first) == []
        shot(first, "feedback-answer-errors")
        answer(first, links["member0@example.org"], ["Strongly agree", "Agree", "Agree", "Strongly agree"],
               "A calm hour that helped")
        assert axe_violations(first) == []
        first.goto(links["member0@example.org"])
        expect(first.get_by_text("This link has already been used")).to_be_visible()
        assert axe_violations(first) == []

        lead = browser.new_context().new_page()
        sign_in(lead, base, "lead@example.org")
        lead.goto(f"{base}/evaluation/feedback?{period}")
        expect(lead.get_by_text("Fewer than 2 people answered in this period")).to_be_visible()
        expect(lead.get_by_text("A calm hour that helped")).to_have_count(0)
        assert axe_violations(lead) == []
        shot(lead, "feedback-summary-too-few")

        second = browser.new_context().new_page()
        answer(second, links["member1@example.org"], ["Agree", "Agree", "Neither agree nor disagree", "Agree"],
               "Good to pause together")
        lead.goto(f"{base}/evaluation/feedback?{period}")
        table = lead.get_by_role("table", name="Scores for all sessions")
        expect(table.get_by_role("row", name="Felt safe to share")).to_contain_text("4.5")
        expect(lead.get_by_text("2 answers from 2 links sent: a response rate of 100%")).to_be_visible()
        expect(lead.get_by_text("A calm hour that helped")).to_be_visible()
        assert axe_violations(lead) == []
        shot(lead, "feedback-summary-shown")
