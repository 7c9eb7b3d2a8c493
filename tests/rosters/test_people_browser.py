"""In Debian Chromium with axe-core: a lead adds a person and sends a password link; the person sets a password
through the e-mailed link and signs in. Every page on the way has no accessibility violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from rosters.extensions import db
from tests.browser_support import axe_violations, require_chromium, serve, shot, sign_in
from tests.factories import PASSWORD, make_person, make_team

pytestmark = pytest.mark.browser
require_chromium()

NEW_PASSWORD = "plum orchard lantern"


def accessible(page, name: str) -> None:
    assert axe_violations(page) == [], name
    shot(page, name)


def test_lead_adds_a_person_who_sets_a_password_by_link_and_signs_in(app, page, sent):
    make_team(name="Assessment North")
    make_person(role="lead", name="Lena Lead", email="lead@example.org")
    db.session.commit()
    db.session.remove()

    with serve(app) as base:
        sign_in(page, base, "lead@example.org", PASSWORD)
        expect(page.get_by_text("Signed in as Lena Lead")).to_be_visible()
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Roster").click()
        page.get_by_role("navigation", name="Roster").get_by_role("link", name="People").click()
        accessible(page, "people-list")
        page.get_by_role("link", name="Add a person").click()
        expect(page.get_by_role("heading", name="Add a person", level=1)).to_be_visible()
        accessible(page, "people-add")

        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        expect(page.get_by_role("link", name="Enter the person's name")).to_be_visible()
        accessible(page, "people-add-errors")

        page.get_by_label("Full name").fill("Nia New")
        page.get_by_label("Email address").fill("Nia.New@Example.org")
        page.get_by_label("Team", exact=True).select_option(label="Assessment North")
        page.get_by_label("Facilitator", exact=True).check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Nia New has been added to the roster.")).to_be_visible()
        expect(page.get_by_role("heading", name="Nia New", level=1)).to_be_visible()
        accessible(page, "people-person")

        page.get_by_role("link", name="Change details").click()
        expect(page.get_by_label("Email address")).to_have_value("nia.new@example.org")
        accessible(page, "people-edit")
        page.get_by_role("link", name="Back").click()
        page.get_by_role("link", name="Deactivate Nia New").click()
        expect(page.get_by_role("heading", name="Deactivate Nia New?")).to_be_visible()
        accessible(page, "people-deactivate")
        page.get_by_role("link", name="Cancel").click()

        page.get_by_role("button", name="Send a link to set a password").click()
        expect(page.get_by_text("A link to set a password has been e-mailed to nia.new@example.org")).to_be_visible()
        accessible(page, "people-link-sent")
        page.get_by_role("button", name="Sign out").click()

        [message] = sent
        assert message.to == "nia.new@example.org"
        path = re.search(r"/set-password/[A-Za-z0-9_-]+", message.body)[0]
        page.goto(base + path)
        expect(page.get_by_role("heading", name="Set your password", level=1)).to_be_visible()
        accessible(page, "set-password")
        page.get_by_label("Create a password").fill(NEW_PASSWORD)
        page.get_by_label("Confirm your password").fill("not the same")
        page.get_by_role("button", name="Set password").click()
        expect(page.get_by_role("link", name=re.compile("The passwords do not match"))).to_be_visible()
        accessible(page, "set-password-errors")
        page.get_by_label("Create a password").fill(NEW_PASSWORD)
        page.get_by_label("Confirm your password").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Set password").click()
        expect(page.get_by_text("Your password has been set.")).to_be_visible()
        accessible(page, "set-password-done")

        sign_in(page, base, "nia.new@example.org", NEW_PASSWORD)
        expect(page.get_by_text("Signed in as Nia New (Facilitator)")).to_be_visible()
        accessible(page, "people-new-person-home")

        page.goto(base + path)
        expect(page.get_by_text("This link has already been used")).to_be_visible()
        accessible(page, "set-password-used")
