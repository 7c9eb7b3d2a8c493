"""Real browser journeys in Debian Chromium: signing in to the roster, with axe-core finding no violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_support import axe_violations, require_chromium, shot, sign_in

pytestmark = pytest.mark.browser
require_chromium()




def test_sign_in_page_and_its_errors_are_accessible(page, demo_server):
    page.goto(demo_server + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "sign-in-errors")


def test_lead_signs_in_and_reads_the_roster(page, demo_server):
    sign_in(page, demo_server, "lead@demo.example.org")
    expect(page.get_by_text("Signed in as Pat Lead")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Roster").click()
    for link, heading in [("Teams", "Teams"), ("People", "People"), ("Facilitators and training", "Facilitators and training")]:
        page.get_by_role("navigation", name="Roster").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        assert axe_violations(page) == [], link
    expect(page.get_by_text("Expiring soon").first).to_be_visible()
    shot(page, "lead-facilitators")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()
    page.goto(demo_server + "/teams")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_lead_imports_a_spreadsheet_with_errors_then_a_good_one(page, demo_server, tmp_path):
    sign_in(page, demo_server, "lead@demo.example.org")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Import").click()
    bad = tmp_path / "teams.csv"
    bad.write_bytes("\ufeffTeam,Active\r\nNew Team,perhaps\r\n".encode())
    page.get_by_label("Teams", exact=True).check()
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Import file").click()
    expect(page.get_by_text("Nothing was imported")).to_be_visible()
    expect(page.get_by_text("row 2: active: 'perhaps' is not yes or no")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "lead-import-errors")

    good = tmp_path / "teams-good.csv"
    good.write_bytes("\ufeffTeam,Active\r\nNew Team,Yes\r\n".encode())
    page.get_by_label("Teams", exact=True).check()
    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Import file").click()
    expect(page.get_by_text("Import complete")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "lead-import-done")


def test_member_home_is_accessible_at_phone_width(page, demo_server):
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, demo_server, "member@demo.example.org")
    expect(page.get_by_text("Signed in as Mel Member")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "member-home-phone")
    page.goto(demo_server + "/teams")
    expect(page.get_by_role("heading", name="You do not have access to this page")).to_be_visible()
    assert axe_violations(page) == []
