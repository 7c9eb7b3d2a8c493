"""Real browser journeys through the programme dashboard in Debian Chromium: charts drawn under the CSP, axe-clean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_support import axe_violations, require_chromium, shot, sign_in

pytestmark = pytest.mark.browser
require_chromium()




def watch_console(page) -> list[str]:
    """Every console error and page error, as text, from now on."""
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: messages.append(str(error)))
    return messages


def charts_drawn(page) -> None:
    expect(page.locator("#chart-supervision .main-svg").first).to_be_attached()
    expect(page.locator("#chart-coverage .main-svg").first).to_be_attached()


def test_lead_reads_filters_and_exports_the_dashboard(page, demo_server):
    errors = watch_console(page)
    sign_in(page, demo_server, "lead@demo.example.org")
    expect(page.get_by_text("Signed in as Pat Lead")).to_be_visible()
    page.goto(demo_server + "/dashboard")
    expect(page.get_by_role("heading", name="Programme dashboard", level=1)).to_be_visible()
    charts_drawn(page)
    assert not [m for m in errors if "Content Security Policy" in m or "Content-Security-Policy" in m], errors
    assert errors == []

    page.get_by_label("Service", exact=True).select_option("Assessment")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"service=Assessment"))
    expect(page.get_by_label("Service", exact=True)).to_have_value("Assessment")
    charts_drawn(page)
    expect(page.locator(".app-tile").first).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "dashboard-lead")

    with page.expect_download() as info:
        page.get_by_role("link", name="Figures for sharing (Excel, whole months, small numbers hidden)").click()
    download = info.value
    assert re.fullmatch(r"wellbeing-figures-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.xlsx", download.suggested_filename)
    assert Path(download.path()).read_bytes()[:2] == b"PK"  # a zip, as every .xlsx is
    assert not [m for m in errors if "Content Security Policy" in m or "Content-Security-Policy" in m], errors


def test_managers_dashboard_at_phone_width_is_accessible(page, demo_server):
    errors = watch_console(page)
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, demo_server, "manager@demo.example.org")
    expect(page.get_by_text("Signed in as Morgan Manager")).to_be_visible()
    page.goto(demo_server + "/dashboard")
    expect(page.get_by_role("heading", name="Assessment Team 1: support figures", level=1)).to_be_visible()
    charts_drawn(page)
    expect(page.get_by_label("Service", exact=True)).to_have_count(0)
    assert axe_violations(page) == []
    assert not [m for m in errors if "Content Security Policy" in m or "Content-Security-Policy" in m], errors
    shot(page, "dashboard-manager-phone")


@pytest.fixture
def national_server(app, runner):
    """Three hundred synthetic teams over five years (``flask seed-synthetic``) and a lead, served."""
    from rosters.extensions import db
    from tests.browser_support import serve
    from tests.factories import make_person

    result = runner.invoke(args=["seed-synthetic", "--teams", "300", "--years", "5"])
    assert result.exit_code == 0, result.output
    make_person(role="lead", name="Nat Lead", email="national-lead@example.org")
    db.session.commit()
    db.session.remove()
    with serve(app) as base:
        yield base


def test_lead_drills_down_a_national_programme_from_service_to_team(page, national_server):
    from tests.factories import PASSWORD

    errors = watch_console(page)
    sign_in(page, national_server, "national-lead@example.org", PASSWORD)
    expect(page.get_by_text("Signed in as Nat Lead")).to_be_visible()
    page.goto(national_server + "/dashboard")
    charts_drawn(page)
    expect(page.locator("#chart-coverage .main-svg").first).to_be_attached()
    expect(page.locator("#teams")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "dashboard-national-lead")

    page.get_by_text("Coverage by service: show the data as a table").click()
    page.get_by_role("link", name="Assessment", exact=True).click()
    expect(page).to_have_url(re.compile(r"service=Assessment"))
    expect(page.get_by_label("Service", exact=True)).to_have_value("Assessment")
    page.get_by_role("link", name=re.compile(r"^List every team in this selection")).click()
    expect(page.get_by_text(re.compile(r"Showing 1 to 25 of \d+ active teams"))).to_be_visible()
    page.get_by_role("navigation", name="Pages of teams").get_by_role("link", name="Next").click()
    expect(page.get_by_text(re.compile(r"Showing 26 to \d+ of \d+ active teams"))).to_be_visible()
    first_team = page.locator("#teams ~ .app-table-wrapper tbody th a").first
    name = first_team.inner_text()
    first_team.click()
    expect(page.get_by_label("Team", exact=True)).to_have_value(re.compile(r"\d+"))
    expect(page.get_by_text("1 of 1 active teams had supervision").or_(
        page.get_by_text("0 of 1 active teams had supervision"))).to_be_visible()
    assert name in page.content()
    charts_drawn(page)
    assert axe_violations(page) == []
    assert errors == [], errors
